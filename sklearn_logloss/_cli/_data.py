"""Data loading: scikit-learn's bundled datasets and CSV files (pandas or the csv module)."""

import csv
import io
import math
import os
from dataclasses import dataclass, field

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine

from ._args import CLIError, first_line
from ._columns import Column, describe_columns, select_columns
from ._target import labels_and_notes

__all__ = ["DATASETS", "Dataset", "load_csv", "load_dataset"]

DATASETS = {
    "breast_cancer": load_breast_cancer,
    "digits": load_digits,
    "iris": load_iris,
    "wine": load_wine,
}
CLI_EXTRA = 'pip install "sklearn-logloss[cli]"'
# Cells the csv-module reader counts as missing (a subset of pandas' defaults), lowercased.
_MISSING_MARKERS = {"", "na", "n/a", "nan", "-nan", "null", "none", "#n/a", "<na>"}


@dataclass
class Dataset:
    """Features, labels, and what was done to the columns, for the report.

    Parameters
    ----------
    name : str
        Shown in the report (the bundled dataset's name or the CSV file).
    X : ndarray of shape (n_samples, n_features) or pandas DataFrame
        The feature columns used (float64 ndarray when all are numeric and
        pandas is not involved; a DataFrame of numeric and text columns, with
        NaN for missing cells, when the CSV was read with pandas).
    y : ndarray of shape (n_samples,)
        The class labels (numbers or strings).
    feature_names : list of str
        One name per column of ``X``.
    columns : list of Column, default=[]
        Every column but the target, used or dropped, with its kind and
        counts; empty means all of ``feature_names`` are numeric and complete.
    notes : list of str, default=[]
        Lines for the report about the rows and the target (e.g. rows
        without a label that were dropped).

    Examples
    --------
    >>> from sklearn_logloss.__main__ import load_dataset
    >>> data = load_dataset("iris")
    >>> data.name, data.X.shape, data.n_classes
    ('iris', (150, 4), 3)
    """

    name: str
    X: object
    y: np.ndarray
    feature_names: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def __post_init__(self):
        if not self.columns:
            self.columns = [Column(name, "numeric") for name in self.feature_names]

    @property
    def n_classes(self):
        """Number of distinct labels in ``y``."""
        return np.unique(self.y).shape[0]

    @property
    def n_samples(self):
        """Number of rows of ``X``."""
        return self.X.shape[0]


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


def load_csv(
    path,
    target,
    *,
    delimiter=",",
    drop=(),
    keep=(),
    categorical=(),
    na_values=(),
    positive_class=None,
    use_pandas=None,
):
    """Read a CSV file of feature columns and one label column.

    The first row names the columns. With pandas installed the file is read
    by :func:`pandas.read_csv`: numeric columns stay numeric, every other
    column (and those named in ``categorical``) is categorical, and empty
    cells are missing. Without pandas the :mod:`csv` module reads files whose
    features are all numeric (empty cells and ``NA`` / ``nan`` / ``null``
    are missing). Then rows without a label are dropped, and so are the
    columns named in ``drop``, the constant ones and the identifier-like
    ones (text or integers, one distinct value per row in at least 20 rows,
    unless named in ``keep``); ``dataset.columns`` says which and why.

    Parameters
    ----------
    path : str, path-like or file object
        The CSV file (UTF-8, an optional byte-order mark is ignored).
    target : str
        Name of the label column (strings or integers).
    delimiter : str, default=","
        Field delimiter.
    drop, keep, categorical : sequence of str, default=()
        Columns to leave out; columns to use even if identifier-like; numeric
        columns to treat as categories.
    na_values : sequence of str, default=()
        More cell values that mean missing.
    positive_class : str, default=None
        When given, the labels become 1 (this label, as written in the file)
        and 0 (every other label).
    use_pandas : bool, default=None
        Read with pandas (True), with the csv module (False) or with pandas
        when it is installed (None).

    Returns
    -------
    dataset : Dataset
        The features used, the labels, and the column report.

    Raises
    ------
    CLIError
        If the file cannot be read, a column named in an option or the
        target is missing, a row has more or fewer fields than the header, a
        number is infinite,
        a text column is found and pandas is not installed, no feature or no
        label is left, or the labels are continuous numbers.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from sklearn_logloss.__main__ import load_csv
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pets.csv"
    >>> _ = path.write_text("id,height,colour,species\\n1,1.0,red,cat\\n2,,blue,dog\\n"
    ...                     "3,2.5,red,cat\\n")
    >>> data = load_csv(path, target="species", drop=["id"])
    >>> data.feature_names, data.y.tolist()
    (['height', 'colour'], ['cat', 'dog', 'cat'])
    >>> [(c.name, c.kind, c.n_missing) for c in data.columns]
    [('id', 'dropped', 0), ('height', 'numeric', 1), ('colour', 'categorical', 0)]
    """
    source = _Source(path)
    name = source.name
    header = _read_header(source, delimiter)
    _check_names(header, target, name, drop=drop, keep=keep, categorical=categorical)
    pd = _import_pandas() if use_pandas in (None, True) else None
    if use_pandas and pd is None:
        raise CLIError(f"reading {name!r} with pandas needs pandas: {CLI_EXTRA}")
    if pd is not None:
        columns, labels = _read_with_pandas(
            pd, source, header, target, delimiter, categorical, na_values
        )
    else:
        if categorical:
            raise CLIError(f"--categorical needs pandas to encode the columns: {CLI_EXTRA}")
        columns, labels = _read_with_csv_module(source, header, target, delimiter, na_values)
    if not labels.shape[0]:
        raise CLIError(f"{name!r} has a header but no data rows")
    display_name = os.path.basename(name)
    y, keep_rows, notes = labels_and_notes(labels, target, display_name, positive_class)
    columns = {column: values[keep_rows] for column, values in columns.items()}
    used, report = select_columns(columns, drop=drop, keep=keep, categorical=categorical)
    if not used:
        raise CLIError(
            f"no feature column of {display_name!r} is left to fit on: "
            + describe_columns(report, limit=None)
        )
    if pd is not None:
        X = pd.DataFrame({column: columns[column] for column in used})
    else:
        X = np.column_stack([columns[column] for column in used])
    return Dataset(display_name, X, y, used, report, notes)


def _import_pandas():
    try:
        import pandas
    except ImportError:
        return None
    return pandas


class _Source:
    """The CSV file, opened afresh for each pass over it (header, row lengths, values)."""

    def __init__(self, path):
        self.text = None
        if hasattr(path, "read"):
            self.name = str(getattr(path, "name", "<CSV>"))
            self.text = path.read()
        else:
            self.name = os.fspath(path)
        if isinstance(self.text, bytes):
            try:
                self.text = self.text.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise CLIError(f"cannot read {self.name!r}: not a UTF-8 text file") from None

    def open(self):
        if self.text is not None:
            return io.StringIO(self.text)
        return open(self.name, newline="", encoding="utf-8-sig")


def _read_header(source, delimiter):
    name = source.name
    try:
        with source.open() as file:
            header = next(csv.reader(file, delimiter=delimiter), None)
    except OSError as exc:
        raise CLIError(f"cannot read {name!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CLIError(f"cannot read {name!r}: not a UTF-8 text file") from None
    except csv.Error as exc:
        raise CLIError(f"{name!r} line 1: malformed CSV ({exc})") from None
    if header is None:
        raise CLIError(f"{name!r} is empty: expected a header row naming the columns")
    return [column.strip() for column in header]


def _check_names(header, target, name, *, drop, keep, categorical):
    seen = set()
    for column in header:
        if column in seen:
            raise CLIError(
                f"{name!r} has {header.count(column)} columns named {column!r}; "
                "column names must be unique"
            )
        seen.add(column)
    shown = ", ".join(repr(column) for column in header[:20])
    more = f", ... ({len(header)} columns)" if len(header) > 20 else ""
    if target not in seen:
        raise CLIError(f"target column {target!r} not found in {name!r}; columns: {shown}{more}")
    if len(header) == 1:
        raise CLIError(f"{name!r} has no feature column besides the target {target!r}")
    for option, names in (("--drop", drop), ("--keep", keep), ("--categorical", categorical)):
        for column in names:
            if column not in seen:
                raise CLIError(
                    f"{option}: no column {column!r} in {name!r}; columns: {shown}{more}"
                )
            if column == target:
                raise CLIError(f"{option}: {column!r} is the target column")


def _read_with_pandas(pd, source, header, target, delimiter, categorical, na_values):
    name = source.name
    # pandas pads short rows with missing cells and takes a surplus first
    # field for an index: count the fields first, as the csv-module reader does.
    for _ in _rows(source, delimiter, len(header)):
        pass
    text_columns = {column: str for column in (target, *categorical)}
    try:
        with source.open() as file:
            frame = pd.read_csv(
                file,
                sep=delimiter,
                header=0,
                names=header,
                dtype=text_columns,
                na_values=list(na_values),
                skipinitialspace=True,
            )
        columns = {}
        for column in header:
            if column == target:
                continue
            series = frame[column]
            if pd.api.types.is_numeric_dtype(series.dtype):
                values = series.to_numpy(dtype=float, na_value=np.nan)
                _check_finite(values, column, name)
            else:
                values = np.array(series.to_numpy(dtype=object, na_value=np.nan), dtype=object)
                values[pd.isna(values)] = np.nan  # one missing marker, as SimpleImputer expects
            columns[column] = values
        labels = frame[target].to_numpy(dtype=object, na_value=None)
    except MemoryError:
        raise CLIError(
            f"{name!r} does not fit in memory (MemoryError while reading it): the command line "
            "loads the whole file; run it on a sample of the rows"
        ) from None
    except pd.errors.ParserError as exc:
        raise CLIError(f"{name!r}: malformed CSV ({first_line(exc)})") from None
    except UnicodeDecodeError:
        raise CLIError(f"cannot read {name!r}: not a UTF-8 text file") from None
    labels = np.array([None if pd.isna(label) else str(label).strip() for label in labels])
    return columns, labels


def _check_finite(values, column, name):
    infinite = np.isinf(values)
    if infinite.any():
        row = int(np.argmax(infinite))
        raise CLIError(
            f"{name!r} data row {row + 1}: non-finite value {values[row]:g} in feature "
            f"column {column!r}"
        )


def _read_with_csv_module(source, header, target, delimiter, na_values):
    name = source.name
    target_index = header.index(target)
    missing = _MISSING_MARKERS | {value.lower() for value in na_values}
    cells, labels = [], []
    for line, row in _rows(source, delimiter, len(header)):
        values = [
            _number(cell, column, name, line, missing)
            for i, (cell, column) in enumerate(zip(row, header, strict=True))
            if i != target_index
        ]
        cells.append(values)
        label = row[target_index].strip()
        labels.append(None if label.lower() in missing else label)
    features = [column for column in header if column != target]
    matrix = np.array(cells, dtype=float).reshape(len(cells), len(features))
    columns = {column: matrix[:, j] for j, column in enumerate(features)}
    return columns, np.array(labels, dtype=object)


def _rows(source, delimiter, n_fields):
    """``(line number, fields)`` of every data row; a CLIError on a row of another length."""
    name = source.name
    try:
        with source.open() as file:
            reader = csv.reader(file, delimiter=delimiter)
            next(reader)
            for row in reader:
                if not row or all(not cell.strip() for cell in row):
                    continue  # blank line
                if len(row) != n_fields:
                    raise CLIError(
                        f"{name!r} line {reader.line_num}: {len(row)} fields, but the header "
                        f"has {n_fields}"
                    )
                yield reader.line_num, row
    except csv.Error as exc:
        raise CLIError(f"{name!r} line {reader.line_num}: malformed CSV ({exc})") from None
    except UnicodeDecodeError:
        raise CLIError(f"cannot read {name!r}: not a UTF-8 text file") from None


def _number(cell, column, name, line, missing):
    text = cell.strip()
    if text.lower() in missing:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise CLIError(
            f"{name!r} line {line}: column {column!r} is not numeric ({text!r}); text "
            f"(categorical) columns need pandas: {CLI_EXTRA}"
        ) from None
    if math.isinf(value):
        raise CLIError(
            f"{name!r} line {line}: non-finite value {text} in feature column {column!r}"
        )
    return value
