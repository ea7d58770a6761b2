"""The command line, by job: arguments, data, columns, target, comparison, curves, main.

``python -m sklearn_logloss`` and the ``sklearn-logloss`` console script run
:func:`main`; ``sklearn_logloss.__main__`` re-exports the names below.
"""

from ._args import PROG, CLIError, build_parser
from ._columns import Column, build_preprocessor, format_columns
from ._compare import ModelResult, build_models, format_report, run_comparison
from ._curves import check_plot_path, save_training_curves, training_curves
from ._data import DATASETS, Dataset, load_csv, load_dataset
from ._main import main
from ._target import check_dataset

__all__ = [
    "DATASETS",
    "PROG",
    "CLIError",
    "Column",
    "Dataset",
    "ModelResult",
    "build_models",
    "build_parser",
    "build_preprocessor",
    "check_dataset",
    "check_plot_path",
    "format_columns",
    "format_report",
    "load_csv",
    "load_dataset",
    "main",
    "run_comparison",
    "save_training_curves",
    "training_curves",
]
