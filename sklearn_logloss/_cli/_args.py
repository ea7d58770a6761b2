"""The command line's arguments: the parser, its value types and CLIError."""

import argparse
import math

from .. import __version__

__all__ = ["PROG", "CLIError", "build_parser", "check_args", "first_line"]

PROG = "sklearn-logloss"
DATASET_NAMES = ("breast_cancer", "digits", "iris", "wine")
DEFAULT_DATASET = "breast_cancer"
# Above this the coefficients (of order 1 / alpha on standardized data) vanish next
# to the intercept in double precision, and SGDClassifier's step sizes underflow.
MAX_ALPHA = 1e16


class CLIError(ValueError):
    """A bad argument or bad data: reported as one line, exit code 2.

    Examples
    --------
    >>> from sklearn_logloss.__main__ import CLIError
    >>> str(CLIError("--cv must be at least 2"))
    '--cv must be at least 2'
    """


def first_line(exc):
    """The first line of an exception's message (its type's name when empty)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class _OneLineErrorParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


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
    >>> args.dataset, args.cv, args.alpha, args.threads
    ('wine', 3, 0.0001, 1)
    >>> build_parser().parse_args(["--csv", "t.csv", "--drop", "id, name"]).drop
    ['id', 'name']
    """
    parser = _OneLineErrorParser(
        prog=PROG,
        description=(
            "Cross-validated comparison of GDLogisticRegression, LogisticRegression and "
            "SGDClassifier(loss='log_loss'), each after the same preprocessing (numeric "
            "columns: median imputation and StandardScaler; categorical columns: most "
            "frequent imputation and one-hot encoding): log loss (neg_log_loss_scorer, "
            "exact from logits), accuracy, fit time, iterations."
        ),
        epilog=(
            "All three minimize the mean log loss + alpha/2 * ||W||^2: GDLogisticRegression "
            "and SGDClassifier get alpha, LogisticRegression gets C = 1 / (alpha * n_train), "
            "n_train the mean training-fold size (alpha=0: C=inf, and SGDClassifier "
            "learning_rate='adaptive'). SGDClassifier keeps its own stopping rule "
            "(tol=1e-3 on the training loss, max_iter=1000 epochs)."
        ),
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--dataset",
        choices=DATASET_NAMES,
        default=None,
        help=f"a dataset bundled with scikit-learn (default: {DEFAULT_DATASET})",
    )
    source.add_argument(
        "--csv",
        metavar="PATH",
        default=None,
        help="your own CSV file: a header row naming the columns, one of them the target "
        "(numeric and text columns, missing cells allowed; text columns need pandas: "
        'pip install "sklearn-logloss[cli]"); constant and identifier-like columns are '
        "dropped",
    )
    csv_options = parser.add_argument_group("options of --csv")
    csv_options.add_argument(
        "--target",
        metavar="COLUMN",
        default=None,
        help="name of the label column (labels may be strings); rows without a label are dropped",
    )
    csv_options.add_argument(
        "--delimiter",
        default=",",
        type=_delimiter,
        metavar="CHAR",
        help="field delimiter (default: ',')",
    )
    csv_options.add_argument(
        "--drop",
        type=_column_list,
        default=[],
        metavar="COL,...",
        help="columns not to use as features",
    )
    csv_options.add_argument(
        "--keep",
        type=_column_list,
        default=[],
        metavar="COL,...",
        help="columns to use even if they look like identifiers (one distinct value per row)",
    )
    csv_options.add_argument(
        "--categorical",
        type=_column_list,
        default=[],
        metavar="COL,...",
        help="numeric columns to one-hot encode as categories (e.g. codes 1, 2, 3)",
    )
    csv_options.add_argument(
        "--na-values",
        type=_column_list,
        default=[],
        metavar="TEXT,...",
        help="more cell values that mean missing (besides empty cells, NA, nan, null, ...), "
        "e.g. '?'",
    )
    csv_options.add_argument(
        "--positive-class",
        metavar="LABEL",
        default=None,
        help="fit LABEL against all other labels (a binary problem): turns a multiclass "
        "target into one-vs-rest and fixes which of two classes is the positive one (1)",
    )
    parser.add_argument(
        "--alpha",
        type=_alpha,
        default=1e-4,
        help=f"L2 penalty strength shared by the three models, 0 to {MAX_ALPHA:g} (default: 1e-4)",
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
        "--threads",
        type=_positive_int,
        default=1,
        metavar="N",
        help="BLAS and OpenMP threads of every model, the same for all so that the fit "
        "times compare (default: 1)",
    )
    parser.add_argument(
        "--plot",
        metavar="PATH",
        help="also save the training curves (objective per iteration or epoch, fitted on "
        "the whole dataset) of the three models as an image at PATH (.png, .pdf, .svg, ...; "
        'needs matplotlib: pip install "sklearn-logloss[plot]")',
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def check_args(parser, args):
    """Reject option combinations that make no sense (exits like a usage error)."""
    if args.csv is not None and args.target is None:
        parser.error("--csv needs --target COLUMN, the name of the label column")
    csv_only = {
        "--target": args.target is not None,
        "--drop": bool(args.drop),
        "--keep": bool(args.keep),
        "--categorical": bool(args.categorical),
        "--na-values": bool(args.na_values),
        "--positive-class": args.positive_class is not None,
    }
    if args.csv is None:
        for option, given in csv_only.items():
            if given:
                parser.error(f"{option} only applies to --csv PATH")


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


def _checked(convert, accept, requirement):
    """An argparse type: ``convert(text)``, refused with ``requirement`` unless accepted."""

    def parse(text):
        value = convert(text)
        if not accept(value):
            raise argparse.ArgumentTypeError(f"{requirement}, got {text!r}")
        return value

    return parse


_non_negative_float = _checked(_float, lambda v: 0 <= v < math.inf, "must be a finite number >= 0")
_positive_int = _checked(_int, lambda v: v >= 1, "must be at least 1")
_cv_folds = _checked(_int, lambda v: v >= 2, "needs at least 2 folds")
_seed = _checked(_int, lambda v: 0 <= v < 2**32, "must be an integer in [0, 2**32 - 1]")


def _alpha(text):
    value = _non_negative_float(text)
    if value > MAX_ALPHA:
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_ALPHA:g}, got {text!r}: beyond it the coefficients (of "
            "order 1/alpha) vanish next to the intercept in double precision"
        )
    return value


def _delimiter(text):
    if text == r"\t":
        text = "\t"
    if len(text) != 1:
        raise argparse.ArgumentTypeError(f"must be a single character, got {text!r}")
    return text


def _column_list(text):
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(
            f"expected column names separated by commas, got {text!r}"
        )
    return names
