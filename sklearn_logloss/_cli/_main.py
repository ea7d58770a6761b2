"""``main``: parse the arguments, load the data, compare, report, plot."""

import os
import sys
import warnings

from threadpoolctl import threadpool_limits

from ._args import DEFAULT_DATASET, PROG, CLIError, build_parser, check_args
from ._columns import build_preprocessor
from ._compare import build_models, format_report, make_cv, mean_train_size, run_comparison
from ._curves import check_plot_path, save_training_curves, training_curves
from ._data import load_csv, load_dataset
from ._target import check_dataset

__all__ = ["main"]


def main(argv=None):
    """Run the comparison; return the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments; None means ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 2 after a bad argument or bad data (a one-line
        ``sklearn-logloss: error: ...`` on stderr, no traceback).

    Examples
    --------
    >>> from sklearn_logloss.__main__ import main
    >>> main(["--dataset", "iris", "--cv", "3"])  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    Dataset: iris (150 samples, 4 features, 3 classes)
    ...
    model                 log loss           accuracy           fit time  iterations
    GDLogisticRegression  0.0646 +/- 0.030...  0.9733 +/- 0.0249  ...
    LogisticRegression    0.0646 +/- 0.0301  0.9733 +/- 0.0249  ...
    SGDClassifier         ...
    0
    >>> main(["--dataset", "iris", "--cv", "1"])  # one line on stderr
    2
    """
    try:
        return _run(argv)
    except BrokenPipeError:  # the output was piped into e.g. `head`, which has exited
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _run(argv):
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        check_args(parser, args)
    except SystemExit as exc:  # --help, --version or a usage error (already printed)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        if args.plot:
            check_plot_path(args.plot)
        dataset = _load(args)
        check_dataset(dataset, args.cv)
        cv = make_cv(args.cv, args.random_state)
        n_train = mean_train_size(dataset, cv)
        preprocessor = build_preprocessor(dataset)
        models = build_models(
            args.alpha,
            n_train=n_train,
            tol=args.tol,
            max_iter=args.max_iter,
            random_state=args.random_state,
            preprocessor=preprocessor,
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results = run_comparison(dataset, models, cv=cv, threads=args.threads)
        for warning in caught:  # already one of each: say them in one line
            message = " ".join(str(warning.message).split())
            print(f"{PROG}: warning: {message}", file=sys.stderr)
        print(
            format_report(
                dataset,
                results,
                cv=args.cv,
                alpha=args.alpha,
                n_train=n_train,
                random_state=args.random_state,
            )
        )
        if args.plot:
            with threadpool_limits(limits=args.threads):
                curves = training_curves(
                    dataset, args.alpha, random_state=args.random_state, preprocessor=preprocessor
                )
            save_training_curves(curves, args.plot, title=f"{dataset.name}, alpha={args.alpha:g}")
            print(f"Training curves saved to {args.plot}")
    except CLIError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    return 0


def _load(args):
    if args.csv is None:
        return load_dataset(args.dataset or DEFAULT_DATASET)
    return load_csv(
        args.csv,
        args.target,
        delimiter=args.delimiter,
        drop=args.drop,
        keep=args.keep,
        categorical=args.categorical,
        na_values=args.na_values,
        positive_class=args.positive_class,
    )
