"""Command line: cross-validated comparison of three logistic-regression fits.

``python -m sklearn_logloss`` (or the ``sklearn-logloss`` console script)
fits :class:`~sklearn_logloss.GDLogisticRegression`, scikit-learn's
:class:`~sklearn.linear_model.LogisticRegression` and
:class:`~sklearn.linear_model.SGDClassifier` with ``loss="log_loss"``, each
after a :class:`~sklearn.preprocessing.StandardScaler`, on the same stratified
folds, and prints their cross-validated log loss (with
:data:`~sklearn_logloss.neg_log_loss_scorer`), accuracy, fit time and number
of iterations.

All three minimize the same objective, the mean log loss plus
``alpha / 2 * ||W||^2`` with an unpenalized intercept: ``alpha`` goes to
``GDLogisticRegression`` and ``SGDClassifier`` as is, and
``LogisticRegression`` gets ``C = 1 / (alpha * n_train)``, with ``n_train``
the mean number of training samples per fold (folds differ by at most one
sample).

Every step is a small function, so the pieces can be reused and tested:
:func:`build_parser`, :func:`load_dataset` / :func:`load_csv`,
:func:`build_models`, :func:`run_comparison` (which returns the fitted
estimators of every fold) and :func:`format_report`; :func:`main` ties them
together and turns every bad input into a one-line error and exit code 2.
"""

import argparse
import csv
import math
import os
import sys
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import type_of_target

from . import __version__
from ._logistic import GDLogisticRegression
from ._loss import LinearLogLoss
from .metrics import neg_log_loss_scorer
from .plotting import LossCurveDisplay

__all__ = [
    "CLIError",
    "Dataset",
    "ModelResult",
    "build_models",
    "build_parser",
    "format_report",
    "load_csv",
    "load_dataset",
    "main",
    "run_comparison",
    "save_training_curves",
    "training_curves",
]

PROG = "sklearn-logloss"

DATASETS = {
    "breast_cancer": load_breast_cancer,
    "iris": load_iris,
    "wine": load_wine,
    "digits": load_digits,
}
DEFAULT_DATASET = "breast_cancer"


class CLIError(ValueError):
    """A bad argument or bad data: reported as one line, exit code 2.

    Examples
    --------
    >>> from sklearn_logloss.__main__ import CLIError
    >>> str(CLIError("--cv must be at least 2"))
    '--cv must be at least 2'
    """


@dataclass
class Dataset:
    """Features, labels and a name for the report.

    Parameters
    ----------
    name : str
        Shown in the report (the bundled dataset's name or the CSV file).
    X : ndarray of shape (n_samples, n_features)
        The features, as float64.
    y : ndarray of shape (n_samples,)
        The class labels (numbers or strings).
    feature_names : list of str
        One name per column of ``X``.

    Examples
    --------
    >>> from sklearn_logloss.__main__ import load_dataset
    >>> data = load_dataset("iris")
    >>> data.name, data.X.shape, data.n_classes
    ('iris', (150, 4), 3)
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list = field(default_factory=list)

    @property
    def n_classes(self):
        """Number of distinct labels in ``y``."""
        return np.unique(self.y).shape[0]


@dataclass
class ModelResult:
    """Cross-validation results of one model.

    Parameters
    ----------
    name : str
        The model's name in the report.
    cv_results : dict
        What :func:`sklearn.model_selection.cross_validate` returned, with
        ``return_estimator=True``: ``test_log_loss`` (negative log loss per
        fold), ``test_accuracy``, ``fit_time``, ``score_time`` and
        ``estimator`` (the fitted pipeline of every fold).
    n_convergence_warnings : int
        Number of :class:`~sklearn.exceptions.ConvergenceWarning` raised while
        fitting the folds (they are counted, not shown).

    Examples
    --------
    >>> from sklearn_logloss.__main__ import build_models, load_dataset, run_comparison
    >>> data = load_dataset("iris")
    >>> models = build_models(alpha=1e-2, n_train=100)
    >>> result = run_comparison(data, models, cv=3)[0]
    >>> result.name, result.log_loss.shape, len(result.estimators)
    ('GDLogisticRegression', (3,), 3)
    """

    name: str
    cv_results: dict
    n_convergence_warnings: int = 0

    @property
    def estimators(self):
        """The fitted pipelines, one per fold."""
        return self.cv_results["estimator"]

    @property
    def log_loss(self):
        """Log loss on the test fold, per fold (positive: lower is better)."""
        return -np.asarray(self.cv_results["test_log_loss"])

    @property
    def accuracy(self):
        """Accuracy on the test fold, per fold."""
        return np.asarray(self.cv_results["test_accuracy"])

    @property
    def fit_time(self):
        """Seconds spent fitting (scaler and model), per fold."""
        return np.asarray(self.cv_results["fit_time"])

    @property
    def n_iter(self):
        """``n_iter_`` of the final step (epochs for SGDClassifier), per fold."""
        return np.array([np.max(est[-1].n_iter_) for est in self.estimators], dtype=float)


def build_parser():
    """The argument parser of ``python -m sklearn_logloss``.

    Its errors (unknown option, bad value) print one line,
    ``sklearn-logloss: error: ...``, and exit with code 2.

    Returns
    -------
    parser : argparse.ArgumentParser
        The parser.

    Examples
    --------
    >>> from sklearn_logloss.__main__ import build_parser
    >>> args = build_parser().parse_args(["--dataset", "wine", "--cv", "3"])
    >>> args.dataset, args.cv, args.alpha
    ('wine', 3, 0.0001)
    """
    parser = _OneLineErrorParser(
        prog=PROG,
        description=(
            "Cross-validated comparison of GDLogisticRegression, LogisticRegression and "
            "SGDClassifier(loss='log_loss'), each after a StandardScaler: log loss "
            "(neg_log_loss_scorer, exact from logits), accuracy, fit time, iterations."
        ),
        epilog=(
            "All three minimize the mean log loss + alpha/2 * ||W||^2: GDLogisticRegression "
            "and SGDClassifier get alpha, LogisticRegression gets C = 1 / (alpha * n_train), "
            "n_train the mean training-fold size. SGDClassifier keeps its own stopping rule "
            "(tol=1e-3 on the training loss, max_iter=1000 epochs)."
        ),
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--dataset",
        choices=sorted(DATASETS),
        default=None,
        help=f"a dataset bundled with scikit-learn (default: {DEFAULT_DATASET})",
    )
    source.add_argument(
        "--csv",
        metavar="PATH",
        default=None,
        help="your own CSV file: a header row, numeric feature columns and a target column",
    )
    parser.add_argument(
        "--target",
        metavar="COLUMN",
        default=None,
        help="name of the label column of --csv (labels may be strings)",
    )
    parser.add_argument(
        "--delimiter",
        default=",",
        type=_delimiter,
        metavar="CHAR",
        help="field delimiter of --csv (default: ',')",
    )
    parser.add_argument(
        "--alpha",
        type=_positive_float,
        default=1e-4,
        help="L2 penalty strength shared by the three models (default: 1e-4)",
    )
    parser.add_argument(
        "--cv",
        type=_cv_folds,
        default=5,
        metavar="N",
        help="number of stratified cross-validation folds, at least 2 (default: 5)",
    )
    parser.add_argument(
        "--tol",
        type=_non_negative_float,
        default=1e-6,
        help=(
            "stopping tolerance of GDLogisticRegression (estimated relative objective "
            "gap) and LogisticRegression (lbfgs gradient); tight, so both reach the "
            "optimum (default: 1e-6)"
        ),
    )
    parser.add_argument(
        "--max-iter",
        type=_positive_int,
        default=10_000,
        help="iteration limit of GDLogisticRegression and LogisticRegression (default: 10000)",
    )
    parser.add_argument(
        "--random-state",
        type=_seed,
        default=0,
        metavar="SEED",
        help="seed of the fold shuffling and of SGDClassifier (default: 0)",
    )
    parser.add_argument(
        "--plot",
        metavar="PATH",
        help="also save the training curves (objective per iteration, fitted on the whole "
        "dataset) of the three models as a PNG image at PATH (needs matplotlib: "
        "pip install sklearn-logloss[plot])",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


class _OneLineErrorParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive_float(text):
    value = _float(text)
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text!r}")
    return value


def _non_negative_float(text):
    value = _float(text)
    if not 0 <= value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def _float(text):
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _int(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def _positive_int(text):
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def _cv_folds(text):
    value = _int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"needs at least 2 folds, got {text!r}")
    return value


def _seed(text):
    value = _int(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be an integer in [0, 2**32 - 1], got {text!r}")
    return value


def _delimiter(text):
    if text == r"\t":
        text = "\t"
    if len(text) != 1:
        raise argparse.ArgumentTypeError(f"must be a single character, got {text!r}")
    return text


def load_dataset(name):
    """Load one of scikit-learn's bundled datasets (no download).

    Parameters
    ----------
    name : {"breast_cancer", "iris", "wine", "digits"}
        The dataset.

    Returns
    -------
    dataset : Dataset
        Its features, labels and feature names.

    Raises
    ------
    CLIError
        If ``name`` is not one of the bundled datasets.

    Examples
    --------
    >>> from sklearn_logloss.__main__ import load_dataset
    >>> data = load_dataset("breast_cancer")
    >>> data.X.shape, data.n_classes
    ((569, 30), 2)
    """
    if name not in DATASETS:
        raise CLIError(f"unknown dataset {name!r}; choose one of {', '.join(sorted(DATASETS))}")
    bunch = DATASETS[name]()
    feature_names = [str(feature) for feature in bunch.feature_names]
    return Dataset(name, np.asarray(bunch.data, dtype=float), bunch.target, feature_names)


def load_csv(path, target, *, delimiter=","):
    """Read a CSV file of numeric features and one label column.

    The first row names the columns. Every column but ``target`` must hold a
    finite number in every row (encode or drop categorical columns first);
    ``target`` holds the class labels, strings or numbers (numbers that are
    all integers become ints). Uses only the :mod:`csv` module and NumPy.

    Parameters
    ----------
    path : str, path-like or text file object
        The CSV file (UTF-8, an optional byte-order mark is ignored).
    target : str
        Name of the label column.
    delimiter : str, default=","
        Field delimiter.

    Returns
    -------
    dataset : Dataset
        Features as float64, labels, and the feature column names.

    Raises
    ------
    CLIError
        If the file cannot be read, the target column is missing, a row has
        the wrong number of fields, a feature is missing, not a number or not
        finite, a label is missing, or the labels are continuous numbers.

    Examples
    --------
    >>> import io
    >>> from sklearn_logloss.__main__ import load_csv
    >>> text = "height,weight,species\\n1.0,2.5,cat\\n3.0,4.0,dog\\n"
    >>> data = load_csv(io.StringIO(text), target="species")
    >>> data.X
    array([[1. , 2.5],
           [3. , 4. ]])
    >>> data.y.tolist(), data.feature_names
    (['cat', 'dog'], ['height', 'weight'])
    """
    if hasattr(path, "read"):
        name = getattr(path, "name", "<CSV>")
        return _parse_csv(path, target, delimiter, str(name))
    name = os.fspath(path)
    try:
        with open(name, newline="", encoding="utf-8-sig") as file:
            return _parse_csv(file, target, delimiter, name)
    except OSError as exc:
        raise CLIError(f"cannot read {name!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CLIError(f"cannot read {name!r}: not a UTF-8 text file") from None


def _parse_csv(file, target, delimiter, name):
    reader = csv.reader(file, delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise CLIError(f"{name!r} is empty: expected a header row naming the columns")
        header = [column.strip() for column in header]
        target_index = _target_index(header, target, name)
        feature_index = [i for i in range(len(header)) if i != target_index]
        if not feature_index:
            raise CLIError(f"{name!r} has no feature column besides the target {target!r}")
        rows, labels = [], []
        for row in reader:
            if not row or all(not cell.strip() for cell in row):
                continue  # blank line
            if len(row) != len(header):
                raise CLIError(
                    f"{name!r} line {reader.line_num}: {len(row)} fields, but the header "
                    f"has {len(header)}"
                )
            rows.append(
                [_feature_value(row[i], header[i], name, reader.line_num) for i in feature_index]
            )
            label = row[target_index].strip()
            if not label:
                raise CLIError(f"{name!r} line {reader.line_num}: missing target value")
            labels.append(label)
    except csv.Error as exc:
        raise CLIError(f"{name!r} line {reader.line_num}: malformed CSV ({exc})") from None
    if not rows:
        raise CLIError(f"{name!r} has a header but no data rows")
    X = np.array(rows, dtype=float)
    feature_names = [header[i] for i in feature_index]
    return Dataset(os.path.basename(name), X, _labels(labels, target, name), feature_names)


def _target_index(header, target, name):
    matches = [i for i, column in enumerate(header) if column == target]
    if not matches:
        shown = ", ".join(repr(column) for column in header[:20])
        more = f", ... ({len(header)} columns)" if len(header) > 20 else ""
        raise CLIError(f"target column {target!r} not found in {name!r}; columns: {shown}{more}")
    if len(matches) > 1:
        raise CLIError(f"{name!r} has {len(matches)} columns named {target!r}")
    return matches[0]


def _feature_value(cell, column, name, line):
    text = cell.strip()
    if not text:
        raise CLIError(f"{name!r} line {line}: missing value in feature column {column!r}")
    try:
        value = float(text)
    except ValueError:
        raise CLIError(
            f"{name!r} line {line}: feature column {column!r} is not numeric ({text!r}); "
            "encode categorical columns as numbers or drop them"
        ) from None
    if not math.isfinite(value):
        raise CLIError(
            f"{name!r} line {line}: non-finite value {text!r} in feature column {column!r}"
        )
    return value


def _labels(labels, target, name):
    try:
        numbers = np.array([float(label) for label in labels])
    except ValueError:
        return np.array(labels)
    if not np.all(np.isfinite(numbers)):
        raise CLIError(f"target column {target!r} of {name!r} holds non-finite numbers")
    if type_of_target(numbers) == "continuous":
        raise CLIError(
            f"target column {target!r} of {name!r} holds continuous numbers, not class labels"
        )
    if np.all(np.abs(numbers) < 2**53):  # exactly representable: show them as ints
        return numbers.astype(np.int64)
    return numbers


def _check_dataset(dataset, cv):
    """Check that ``dataset`` can be cross-validated over ``cv`` stratified folds."""
    classes, counts = np.unique(dataset.y, return_counts=True)
    classes = classes.tolist()  # Python scalars, for the messages
    if len(classes) < 2:
        raise CLIError(
            f"the target of {dataset.name!r} has a single class ({classes[0]!r}); "
            "a classifier needs at least 2"
        )
    if counts.min() < cv:
        rare = classes[int(np.argmin(counts))]
        raise CLIError(
            f"class {rare!r} of {dataset.name!r} has {counts.min()} sample(s), fewer than "
            f"--cv {cv}: every class needs at least one sample per stratified fold"
        )


def build_models(alpha=1e-4, *, n_train, tol=1e-6, max_iter=10_000, random_state=0):
    """The three pipelines to compare, keyed by name.

    Each is ``make_pipeline(StandardScaler(), model)``. They minimize the
    same objective, the mean log loss plus ``alpha / 2 * ||W||^2``:

    - ``GDLogisticRegression(alpha=alpha, tol=tol, max_iter=max_iter)``;
    - ``LogisticRegression(C=1 / (alpha * n_train), tol=tol, max_iter=max_iter)``,
      whose objective ``C * sum(loss) + ||W||^2 / 2`` is then the same one
      times ``C * n_train``;
    - ``SGDClassifier(loss="log_loss", alpha=alpha)`` with its own stopping
      rule (one-vs-rest for more than two classes).

    Parameters
    ----------
    alpha : float, default=1e-4
        L2 penalty strength, > 0.
    n_train : float
        Number of training samples per fold (its mean, when folds differ),
        used to convert ``alpha`` to ``C``.
    tol : float, default=1e-6
        Stopping tolerance of GDLogisticRegression and LogisticRegression.
    max_iter : int, default=10_000
        Iteration limit of GDLogisticRegression and LogisticRegression.
    random_state : int, default=0
        Seed of SGDClassifier (and GDLogisticRegression's, unused by its
        deterministic solvers).

    Returns
    -------
    models : dict of str to Pipeline
        Unfitted pipelines, keyed by model name.

    Examples
    --------
    >>> from sklearn_logloss.__main__ import build_models
    >>> models = build_models(alpha=0.01, n_train=200)
    >>> list(models)
    ['GDLogisticRegression', 'LogisticRegression', 'SGDClassifier']
    >>> models["LogisticRegression"][-1].C
    0.5
    """
    return {
        "GDLogisticRegression": make_pipeline(
            StandardScaler(),
            GDLogisticRegression(
                alpha=alpha, tol=tol, max_iter=max_iter, random_state=random_state
            ),
        ),
        "LogisticRegression": make_pipeline(
            StandardScaler(),
            LogisticRegression(C=1.0 / (alpha * n_train), tol=tol, max_iter=max_iter),
        ),
        "SGDClassifier": make_pipeline(
            StandardScaler(),
            SGDClassifier(loss="log_loss", alpha=alpha, random_state=random_state),
        ),
    }


def _make_cv(cv=5, random_state=0):
    """Shuffled stratified folds, the same for every model."""
    return StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)


def _mean_train_size(dataset, cv):
    """Mean number of training samples over the folds of ``cv``."""
    return float(np.mean([train.shape[0] for train, _ in cv.split(dataset.X, dataset.y)]))


def run_comparison(dataset, models, *, cv=5, random_state=0):
    """Cross-validate every model on the same folds.

    Uses :func:`~sklearn.model_selection.cross_validate` with
    ``scoring={"log_loss": neg_log_loss_scorer, "accuracy": "accuracy"}``
    and ``return_estimator=True``. ConvergenceWarnings are counted per model
    instead of shown; other warnings are passed on.

    Parameters
    ----------
    dataset : Dataset
        The data.
    models : dict of str to estimator
        The classifiers to compare, e.g. from :func:`build_models`.
    cv : int or cross-validation splitter, default=5
        An int means shuffled stratified folds seeded with ``random_state``.
    random_state : int, default=0
        Seed of the fold shuffling when ``cv`` is an int.

    Returns
    -------
    results : list of ModelResult
        One per model, in the order of ``models``, with the fitted estimator
        of every fold.

    Raises
    ------
    CLIError
        If a model cannot be fitted or scored on the data (its message).

    Examples
    --------
    >>> from sklearn_logloss.__main__ import build_models, load_dataset, run_comparison
    >>> data = load_dataset("wine")
    >>> results = run_comparison(data, build_models(alpha=1e-2, n_train=118), cv=3)
    >>> [result.name for result in results]
    ['GDLogisticRegression', 'LogisticRegression', 'SGDClassifier']
    >>> bool(results[0].accuracy.mean() > 0.9)
    True
    """
    if isinstance(cv, int):
        cv = _make_cv(cv, random_state)
    scoring = {"log_loss": neg_log_loss_scorer, "accuracy": "accuracy"}
    results = []
    for name, model in models.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                cv_results = cross_validate(
                    model,
                    dataset.X,
                    dataset.y,
                    cv=cv,
                    scoring=scoring,
                    return_estimator=True,
                    error_score="raise",
                )
            except ValueError as exc:
                raise CLIError(f"{name} failed on {dataset.name!r}: {_first_line(exc)}") from exc
        n_convergence = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
        _pass_on_warnings(w for w in caught if not issubclass(w.category, ConvergenceWarning))
        results.append(ModelResult(name, cv_results, n_convergence))
    return results


def _pass_on_warnings(caught):
    seen = set()
    for w in caught:
        key = (w.category, str(w.message))
        if key not in seen:
            seen.add(key)
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _first_line(exc):
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def format_report(dataset, results, *, cv, alpha, n_train, random_state=0):
    """The comparison table, with a header describing the setup.

    Parameters
    ----------
    dataset : Dataset
        The data that was cross-validated.
    results : list of ModelResult
        From :func:`run_comparison`.
    cv : int
        Number of folds.
    alpha : float
        The shared penalty strength.
    n_train : float
        Mean training-fold size (for the ``C`` of LogisticRegression).
    random_state : int, default=0
        The seed, shown in the header.

    Returns
    -------
    report : str
        Several lines, without a trailing newline.

    Examples
    --------
    >>> from sklearn_logloss.__main__ import build_models, format_report
    >>> from sklearn_logloss.__main__ import load_dataset, run_comparison
    >>> data = load_dataset("iris")
    >>> results = run_comparison(data, build_models(alpha=1e-2, n_train=100), cv=3)
    >>> report = format_report(data, results, cv=3, alpha=1e-2, n_train=100)
    >>> print(report.splitlines()[0])
    Dataset: iris (150 samples, 4 features, 3 classes)
    """
    n_samples, n_features = dataset.X.shape
    lines = [
        f"Dataset: {dataset.name} ({n_samples} samples, {n_features} features, "
        f"{dataset.n_classes} classes)",
        f"Cross-validation: {cv} stratified folds (shuffled, random_state={random_state}); "
        "StandardScaler, then each model",
        f"Penalty: alpha={alpha:g} for all three "
        f"(LogisticRegression: C = 1/(alpha * {n_train:g}) = {1.0 / (alpha * n_train):.6g})",
        "",
    ]
    headers = ["model", "log loss", "accuracy", "fit time", "iterations"]
    rows = [
        [
            result.name,
            _mean_std(result.log_loss),
            _mean_std(result.accuracy),
            _seconds(result.fit_time.mean()),
            f"{result.n_iter.mean():.0f}",
        ]
        for result in results
    ]
    widths = [max(len(row[j]) for row in [headers, *rows]) for j in range(len(headers))]
    for row in [headers, *rows]:
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    lines += [
        "",
        "log loss: neg_log_loss_scorer on the test folds (exact from logits; lower is better)",
        "and accuracy: mean +/- std over folds. fit time: mean per fold.",
        "iterations: n_iter_ of the fitted model (epochs for SGDClassifier), mean over folds.",
    ]
    not_converged = [result for result in results if result.n_convergence_warnings]
    if not_converged:
        counts = ", ".join(f"{r.name} {r.n_convergence_warnings}" for r in not_converged)
        lines += [
            f"Note: ConvergenceWarnings hidden ({counts}):",
            "those fits stopped at their iteration limit; raise --max-iter or --tol.",
        ]
    return "\n".join(lines)


def _mean_std(values):
    return f"{np.mean(values):.4f} +/- {np.std(values):.4f}"


def _seconds(seconds):
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def _load(args):
    if args.csv is not None:
        return load_csv(args.csv, args.target, delimiter=args.delimiter)
    return load_dataset(args.dataset or DEFAULT_DATASET)


def _check_args(parser, args):
    if args.csv is not None and args.target is None:
        parser.error("--csv needs --target COLUMN, the name of the label column")
    if args.target is not None and args.csv is None:
        parser.error("--target only applies to --csv PATH")


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
    SGDClassifier         0.4009 +/- 0.2889  0.9267 +/- 0.0189  ...
    0
    >>> main(["--dataset", "iris", "--cv", "1"])  # one line on stderr
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        _check_args(parser, args)
    except SystemExit as exc:  # --help, --version or a usage error (already printed)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        dataset = _load(args)
        _check_dataset(dataset, args.cv)
        cv = _make_cv(args.cv, args.random_state)
        n_train = _mean_train_size(dataset, cv)
        models = build_models(
            args.alpha,
            n_train=n_train,
            tol=args.tol,
            max_iter=args.max_iter,
            random_state=args.random_state,
        )
        results = run_comparison(dataset, models, cv=cv)
    except CLIError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
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
        try:
            curves = training_curves(dataset, args.alpha, random_state=args.random_state)
            save_training_curves(curves, args.plot, title=f"{dataset.name}, alpha={args.alpha:g}")
        except CLIError as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            return 2
        print(f"Training curves saved to {args.plot}")
    return 0


def training_curves(dataset, alpha, *, random_state=0):
    """Objective per iteration of the three models, fitted on the whole dataset.

    ``GDLogisticRegression`` reports its curve (``loss_history_``). The other
    two do not keep one, so their curve is rebuilt by refitting with
    ``max_iter = 1, 2, ...`` up to their iteration count: lbfgs and SGD are
    deterministic, so each refit retraces the first iterations of the full
    run. Every curve is the same objective ``J`` (mean log loss plus
    ``alpha / 2 * ||W||^2``) on the standardized data.

    Returns
    -------
    curves : dict of str to ndarray
        Objective values from iteration 0 on, keyed by model name.
    """
    X = StandardScaler().fit_transform(dataset.X)
    classes, codes = np.unique(dataset.y, return_inverse=True)
    n = X.shape[0]
    objective = LinearLogLoss(
        X, codes, np.ones(n), n_classes=classes.shape[0], alpha=alpha, fit_intercept=True
    ).objective
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gd = GDLogisticRegression(alpha=alpha, max_iter=10_000).fit(X, dataset.y)
        curves = {"GDLogisticRegression": gd.loss_history_}
        for name, make in (
            ("LogisticRegression", lambda k: LogisticRegression(C=1 / (alpha * n), max_iter=k)),
            (
                "SGDClassifier",
                lambda k: SGDClassifier(
                    loss="log_loss", alpha=alpha, max_iter=k, tol=None, random_state=random_state
                ),
            ),
        ):
            n_iter = int(np.max(make(1000).fit(X, dataset.y).n_iter_))
            values = [
                objective(np.zeros(((X.shape[1] + 1), len(classes) if len(classes) > 2 else 1)))
            ]
            for k in range(1, min(n_iter, 200) + 1):
                model = make(k).fit(X, dataset.y)
                values.append(objective(np.vstack([model.coef_.T, model.intercept_[None]])))
            curves[name] = np.asarray(values)
    return curves


def save_training_curves(curves, path, *, title=""):
    """Draw the curves with :class:`~sklearn_logloss.LossCurveDisplay` and save a PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CLIError("--plot needs matplotlib: pip install sklearn-logloss[plot]") from None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, curve in curves.items():
        LossCurveDisplay(loss_history=curve, estimator_name=name).plot(ax=ax)
    ax.set_yscale("log")
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlim(left=0)
    ax.set_ylabel("objective J (mean log loss + alpha/2 ||W||^2)")
    ax.set_title(title)
    try:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    except OSError as exc:
        raise CLIError(f"cannot write the plot to {path!r}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
