"""Which columns the command line uses, how it preprocesses them, and how it says so."""

from dataclasses import dataclass

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

__all__ = ["Column", "build_preprocessor", "describe_columns", "format_columns"]

NUMERIC_STEPS = "median imputation, StandardScaler"
CATEGORICAL_STEPS = "most frequent imputation, OneHotEncoder"
_WIDTH = 99
# In fewer rows than this, distinct values in every row say nothing about a column.
MIN_ROWS_FOR_IDS = 20
_SHOWN = 8  # complete columns named per kind before "(N more)"


@dataclass
class Column:
    """One column of the input besides the target, as the report shows it.

    Parameters
    ----------
    name : str
        The column's name.
    kind : {"numeric", "categorical", "dropped"}
        How it is used: scaled, one-hot encoded, or not at all.
    n_missing : int, default=0
        Number of missing cells (imputed when the column is used).
    n_distinct : int or None, default=None
        Number of distinct values present (None when not counted).
    reason : str, default=""
        Why a column was dropped.
    hint : str, default=""
        What the user may want to know about a used column.

    Examples
    --------
    >>> from sklearn_logloss._cli import Column
    >>> Column("city", "categorical", n_missing=2, n_distinct=3).summary()
    'city (2 missing, 3 categories)'
    """

    name: str
    kind: str
    n_missing: int = 0
    n_distinct: int | None = None
    reason: str = ""
    hint: str = ""

    def summary(self):
        """The column's name with what the report says about it."""
        details = []
        if self.kind == "dropped":
            details.append(self.reason)
        else:
            if self.n_missing:
                details.append(f"{self.n_missing} missing")
            if self.kind == "categorical":
                details.append(f"{self.n_distinct} categories")
            if self.hint:
                details.append(self.hint)
        return f"{self.name} ({', '.join(details)})" if details else self.name


def select_columns(columns, *, drop=(), keep=(), categorical=()):
    """Decide the kind of every column; drop the useless ones.

    Parameters
    ----------
    columns : dict of str to ndarray
        Feature columns in file order: float64 with NaN for missing cells
        (numeric), or object with NaN for missing cells (text).
    drop, keep, categorical : sequence of str
        Columns named in ``--drop``, ``--keep`` and ``--categorical``.

    Returns
    -------
    used : list of str
        The columns to fit on, in file order.
    report : list of Column
        Every column, with its kind (``"dropped"`` with a reason for the
        columns named in ``drop``, those without any value, the constant
        ones and the identifier-like ones: text or integers with one
        distinct value per row, in at least 20 rows, unless named in ``keep``).
    """
    report = []
    for name, values in columns.items():
        missing = values != values  # NaN, in float and object arrays
        present = values[~missing]
        n_distinct = len(set(present.tolist()))
        n_rows, n_missing = values.shape[0], int(missing.sum())
        text = values.dtype == object
        kind = "categorical" if text or name in categorical else "numeric"
        reason = ""
        if name in drop:
            reason = "--drop"
        elif n_distinct == 0:
            reason = "no values"
        elif n_distinct == 1:
            reason = f"constant: {_shown(present[0])}" + (" or missing" if n_missing else "")
        elif (
            n_distinct == n_rows >= MIN_ROWS_FOR_IDS
            and name not in keep
            and (text or _all_integers(present))
        ):
            reason = f"identifier-like: {n_distinct} distinct values in {n_rows} rows"
        hint = "" if reason or kind == "numeric" else _hint(present, n_distinct, n_rows)
        report.append(
            Column(name, "dropped" if reason else kind, n_missing, n_distinct, reason, hint)
        )
    used = [column.name for column in report if column.kind != "dropped"]
    return used, report


def _hint(present, n_distinct, n_rows):
    """A note on a categorical column that is mostly numbers, or nearly one value per row."""
    distinct = set(present.tolist())
    text = sorted(str(value) for value in distinct if not _is_number(value))
    if text and len(text) <= 0.1 * len(distinct):
        n_cells = int(np.isin(present, np.array(text, dtype=object)).sum())
        examples = ", ".join(repr(value) for value in text[:3])
        return f"{n_cells} cells not numbers: {examples}; see --na-values"
    if n_distinct > n_rows / 2:
        return "nearly one per row"
    return ""


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _shown(value):
    return repr(value) if isinstance(value, str) else f"{value:g}"


def _all_integers(values):
    return values.dtype.kind == "f" and bool(np.all(values == np.round(values)))


def build_preprocessor(dataset):
    """The ColumnTransformer every compared model starts with.

    Numeric columns: ``SimpleImputer(strategy="median")`` then
    ``StandardScaler()``; categorical columns:
    ``SimpleImputer(strategy="most_frequent")`` then
    ``OneHotEncoder(handle_unknown="ignore")``. It sits inside each model's
    pipeline, so cross-validation fits it on the training folds only.

    Parameters
    ----------
    dataset : Dataset
        The data: its ``columns`` give the kinds; columns are selected by
        name in a DataFrame, by position in an array.

    Returns
    -------
    preprocessor : ColumnTransformer
        Unfitted.

    Examples
    --------
    >>> from sklearn_logloss.__main__ import build_preprocessor, load_dataset
    >>> preprocessor = build_preprocessor(load_dataset("iris"))
    >>> [(name, columns) for name, _, columns in preprocessor.transformers]
    [('numeric', [0, 1, 2, 3])]
    """
    by_name = hasattr(dataset.X, "columns")
    position = {name: i for i, name in enumerate(dataset.feature_names)}

    def selected(kind):
        names = [column.name for column in dataset.columns if column.kind == kind]
        return names if by_name else [position[name] for name in names]

    steps = {
        "numeric": make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
        "categorical": make_pipeline(
            SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
        ),
    }
    transformers = [(kind, step, selected(kind)) for kind, step in steps.items() if selected(kind)]
    return ColumnTransformer(transformers)


def describe_columns(report, *, limit=_SHOWN):
    """One line naming the columns of ``report`` and what happens to them."""
    return "; ".join(
        f"{kind} {', '.join(_names(columns, limit))}" for kind, columns in _by_kind(report).items()
    )


def format_columns(dataset):
    """Report lines: the columns of each kind and their preprocessing.

    Examples
    --------
    >>> from sklearn_logloss.__main__ import format_columns, load_dataset
    >>> print("\\n".join(format_columns(load_dataset("iris"))))
    Preprocessing (fit on each training fold, the same for every model):
      numeric (4)  median imputation, StandardScaler: sepal length (cm), sepal width (cm),
                   petal length (cm), petal width (cm); no missing cells
    """
    groups = _by_kind(dataset.columns)
    label_width = max(len(f"{kind} ({len(columns)})") for kind, columns in groups.items())
    lines = ["Preprocessing (fit on each training fold, the same for every model):"]
    steps = {"numeric": NUMERIC_STEPS + ": ", "categorical": CATEGORICAL_STEPS + ": "}
    for kind, columns in groups.items():
        label = f"  {kind} ({len(columns)})".ljust(label_width + 4)
        items = _names(columns, _SHOWN)
        if kind != "dropped" and not any(column.n_missing for column in columns):
            items[-1] += "; no missing cells"
        lines += _wrap(label + steps.get(kind, ""), items, indent=len(label))
    return lines


def _wrap(first, items, *, indent):
    """``first`` then ``items`` separated by commas, in lines of at most _WIDTH characters.

    Lines break between items, never inside a column name.
    """
    lines, line = [], first
    for i, item in enumerate(items):
        text = item + ("," if i < len(items) - 1 else "")
        if i == 0 and len(line) + len(text) <= _WIDTH:
            line += text
        elif len(line) + 1 + len(text) > _WIDTH:
            lines.append(line.rstrip())
            line = " " * indent + text
        else:
            line += " " + text
    return [*lines, line]


def _by_kind(report):
    groups = {}
    for kind in ("numeric", "categorical", "dropped"):
        columns = [column for column in report if column.kind == kind]
        if columns:
            groups[kind] = columns
    return groups


def _names(columns, limit):
    """Summaries of ``columns``: all that have something to say, then ``limit`` plain ones."""
    if limit is None or len(columns) <= limit:
        return [column.summary() for column in columns]
    shown, hidden = [], 0
    for column in columns:
        plain = column.summary() == column.name
        if plain and len(shown) >= limit:
            hidden += 1
        else:
            shown.append(column.summary())
    return shown + ([f"... ({hidden} more)"] if hidden else [])
