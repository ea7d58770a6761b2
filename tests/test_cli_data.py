"""The command line on CSV files: reading, columns, preprocessing, bad files.

A messy table (text categories, missing cells, an ID column, a constant
column, a string target with unlabelled rows) must give the CV log loss of
the ColumnTransformer pipeline a scikit-learn user writes by hand, with
pandas installed; without it, all-numeric files still load and text columns
get a message naming the ``cli`` extra.
"""

import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from cli_helpers import (
    MODELS,
    parse_table,
    run_main,
    write_csv,
)
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import sklearn_logloss._cli._main as main_module
from sklearn_logloss import GDLogisticRegression
from sklearn_logloss.__main__ import (
    CLIError,
    load_csv,
)


def test_csv_with_string_target_matches_bundled_dataset(capsys, iris_csv):
    status, bundled, err = run_main(capsys, "--dataset", "iris", "--cv", "3")
    assert status == 0, err
    status, from_csv, err = run_main(
        capsys, "--csv", str(iris_csv), "--target", "species", "--cv", "3"
    )
    assert status == 0, err
    assert "Dataset: iris.csv (150 samples, 4 features, 3 classes)" in from_csv
    assert "Target 'species': 3 classes ('setosa' 50, 'versicolor' 50, 'virginica' 50)" in (
        from_csv
    )
    bundled, from_csv = parse_table(bundled), parse_table(from_csv)
    assert set(from_csv) == set(MODELS)
    # Species names sort like the integer codes, so the folds and models are the same.
    for name in ("GDLogisticRegression", "LogisticRegression"):
        assert from_csv[name]["loss"] == pytest.approx(bundled[name]["loss"], abs=1e-4)
        assert from_csv[name]["acc"] == bundled[name]["acc"]


def test_load_csv_values_names_and_label_types(tmp_path):
    path = write_csv(
        tmp_path / "data.csv",
        [" x1 ", "label", "x2"],
        [["1.5", "1", "-2"], ["  3e2 ", "0", "4"], [], ["0", "1", "0.25"]],
        delimiter=";",
    )
    for use_pandas in (True, False):
        data = load_csv(path, "label", delimiter=";", use_pandas=use_pandas)
        np.testing.assert_array_equal(
            np.asarray(data.X, dtype=float), [[1.5, -2.0], [300.0, 4.0], [0.0, 0.25]]
        )
        assert data.feature_names == ["x1", "x2"]
        assert data.y.dtype.kind == "i"
        np.testing.assert_array_equal(data.y, [1, 0, 1])
    words = load_csv(write_csv(tmp_path / "w.csv", ["a", "t"], [["1", "no"], ["2", "yes"]]), "t")
    assert words.y.tolist() == ["no", "yes"]


def hand_written_pipeline(model):
    """The pipeline a scikit-learn user writes for the messy table."""
    preprocessing = ColumnTransformer(
        [
            (
                "numeric",
                make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                ["age", "fare"],
            ),
            (
                "categorical",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                ["deck", "sex"],
            ),
        ]
    )
    return make_pipeline(preprocessing, model)


def test_messy_csv_matches_the_hand_written_pipeline(capsys, messy_csv):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, out, err = run_main(capsys, "--csv", str(messy_csv), "--target", "survived")
    assert status == 0, err
    assert err == "" and not caught, (err, [str(w.message) for w in caught])
    assert "Dataset: passengers.csv (238 samples, 4 features, 2 classes)" in out
    assert "2 row(s) without a label dropped" in out
    report = " ".join(out.split())
    assert "numeric (2) median imputation, StandardScaler: age (27 missing), fare" in report
    assert (
        "categorical (2) most frequent imputation, OneHotEncoder: deck (22 missing, 4 "
        "categories), sex (2 categories)" in report
    )
    assert (
        "dropped (2) passenger (identifier-like: 238 distinct values in 238 rows), "
        "country (constant: 'UK')" in report
    )
    table = parse_table(out)
    assert set(table) == set(MODELS)

    frame = pd.read_csv(messy_csv).dropna(subset=["survived"])
    X, y = frame.drop(columns=["survived"]), frame["survived"].to_numpy()
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    n_train = np.mean([train.size for train, _ in folds.split(X, y)])
    references = {
        "GDLogisticRegression": GDLogisticRegression(alpha=1e-4, tol=1e-6, max_iter=10_000),
        "LogisticRegression": LogisticRegression(
            C=1 / (1e-4 * n_train), tol=1e-6, max_iter=10_000
        ),
    }
    for name, model in references.items():
        pipe = hand_written_pipeline(model)
        loss = -cross_val_score(pipe, X, y, cv=folds, scoring="neg_log_loss").mean()
        accuracy = cross_val_score(pipe, X, y, cv=folds, scoring="accuracy").mean()
        assert table[name]["loss"] == pytest.approx(loss, abs=6e-5), name
        assert table[name]["acc"] == pytest.approx(accuracy, abs=6e-5), name
    # The features carry signal: better than the constant model's log(2).
    assert table["GDLogisticRegression"]["loss"] < np.log(2) - 0.05


def test_messy_csv_options_drop_keep_categorical_positive_class(tmp_path, messy_csv):
    data = load_csv(
        messy_csv,
        "survived",
        drop=["fare"],
        keep=["passenger"],
        categorical=["age"],
        positive_class="no",
    )
    kinds = {column.name: (column.kind, column.reason) for column in data.columns}
    assert kinds["fare"] == ("dropped", "--drop")
    assert kinds["passenger"] == ("categorical", "")
    assert kinds["age"] == ("categorical", "")
    assert data.feature_names == ["passenger", "age", "deck", "sex"]
    frame = pd.read_csv(messy_csv).dropna(subset=["survived"])
    np.testing.assert_array_equal(data.y, (frame["survived"] == "no").to_numpy().astype(int))
    assert "Positive class: 'no' (1), against every other label (0)" in data.notes


def test_positive_class_turns_multiclass_into_one_vs_rest(capsys, iris_csv):
    status, out, err = run_main(
        capsys, "--csv", str(iris_csv), "--target", "species", "--cv", "3",
        "--positive-class", "virginica",
    )  # fmt: skip
    assert status == 0, err
    assert "(150 samples, 4 features, 2 classes)" in out
    iris = load_iris()
    y = (iris.target == 2).astype(int)
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=100.0, tol=1e-6, max_iter=10_000))
    loss = -cross_val_score(pipe, iris.data, y, cv=folds, scoring="neg_log_loss").mean()
    assert parse_table(out)["LogisticRegression"]["loss"] == pytest.approx(loss, abs=6e-5)


def test_identifier_integers_dropped_unless_kept(tmp_path):
    rows = [[str(10 * i + 3), f"{np.sin(i):.6f}", str(i % 3), "ab"[i % 2]] for i in range(30)]
    path = write_csv(tmp_path / "ids.csv", ["row_id", "signal", "group", "y"], rows)
    data = load_csv(path, "y")
    assert data.feature_names == ["signal", "group"]  # float with distinct values: kept
    assert data.columns[0].reason == "identifier-like: 30 distinct values in 30 rows"
    assert load_csv(path, "y", keep=["row_id"]).feature_names == ["row_id", "signal", "group"]


def test_without_pandas_numeric_files_still_load_and_text_names_the_extra(
    monkeypatch, tmp_path, capsys, iris_csv
):
    with_pandas = load_csv(iris_csv, "species")
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` raises ImportError
    with pytest.raises(ImportError):
        import pandas  # noqa: F401
    without = load_csv(iris_csv, "species")
    assert isinstance(without.X, np.ndarray)
    np.testing.assert_array_equal(without.X, np.asarray(with_pandas.X))
    np.testing.assert_array_equal(without.y, with_pandas.y)

    # Missing cells need no pandas; a text column does, and the message says how to get it.
    rows = [["1", "", "red", "u"], ["2", "3", "blue", "v"]]
    path = write_csv(tmp_path / "text.csv", ["a", "b", "colour", "y"], rows)
    status, out, err = run_main(capsys, "--csv", str(path), "--target", "y")
    assert status == 2 and out == ""
    assert err.splitlines() == [
        f"sklearn-logloss: error: {str(path)!r} line 2: column 'colour' is not numeric "
        """('red'); text (categorical) columns need pandas: pip install "sklearn-logloss[cli]\""""
    ]
    numeric = write_csv(tmp_path / "num.csv", ["a", "b", "y"], [["1", "NA", "u"], ["2", "", "v"]])
    data = load_csv(numeric, "y")
    assert data.columns[0].kind == "numeric" and np.isnan(data.X[:, 0]).sum() == 0
    assert [column.reason for column in data.columns] == ["", "no values"]


def test_memory_error_is_one_line(monkeypatch, capsys, iris_csv):
    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(pd, "read_csv", out_of_memory)
    status, out, err = run_main(capsys, "--csv", str(iris_csv), "--target", "species")
    assert status == 2 and out == ""
    assert err.splitlines() == [
        "sklearn-logloss: error: "
        f"{str(iris_csv)!r} does not fit in memory (MemoryError while reading it): the "
        "command line loads the whole file; run it on a sample of the rows"
    ]


def test_load_csv_raises_clierror_a_valueerror(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["a", "y"], [["1", "u"], ["-inf", "v"]])
    with pytest.raises(ValueError, match="non-finite value -inf") as info:
        load_csv(path, "y")
    assert isinstance(info.value, CLIError)


def _bad_csvs(tmp_path):
    def make(name, header, rows):
        return str(write_csv(tmp_path / name, header, rows))

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"a,y\n\xff\xfe\x00\x81,1\n")
    fine = [[f"{i / 3:.4f}", "uv"[i % 2]] for i in range(12)]
    return {
        "fine": make("fine.csv", ["a", "y"], fine),
        "non_finite": make("nf.csv", ["a", "y"], [["1", "u"], ["inf", "v"]]),
        "short_row": make("sr.csv", ["a", "b", "y"], [["1", "2", "u"], ["3", "v"]]),
        "long_row": make("lr.csv", ["a", "b", "y"], [["1", "2", "u"], ["3", "4", "v", "5"]]),
        "single_class": make("sc.csv", ["a", "y"], [[str(i), "only"] for i in range(10)]),
        "few_per_class": make(
            "fc.csv", ["a", "y"], [[str(i), "u"] for i in range(10)] + [["1", "v"], ["2", "v"]]
        ),
        "continuous": make("ct.csv", ["a", "y"], [[str(i), str(i / 7)] for i in range(10)]),
        "only_target": make("ot.csv", ["y"], [["u"], ["v"]]),
        "no_rows": make("nr.csv", ["a", "y"], []),
        "no_labels": make("nl.csv", ["a", "y"], [["1", ""], ["2", " "]]),
        "nothing_left": make(
            "nt.csv", ["id", "c", "y"], [[str(i), "7", "uv"[i % 2]] for i in range(24)]
        ),
        "empty": str(empty),
        "binary": str(binary),
        "duplicate_target": make("dt.csv", ["y", "a", "y"], [["u", "1", "u"]]),
    }


BAD_ARGUMENTS = {
    # name: (argv, with {name} standing for a bad CSV file, a phrase the message must contain)
    "unknown_dataset": (["--dataset", "mnist"], "invalid choice: 'mnist'"),
    "cv_one": (["--cv", "1"], "--cv: needs at least 2 folds"),
    "cv_not_int": (["--cv", "five"], "--cv: not an integer"),
    "alpha_negative": (["--alpha", "-1"], "--alpha: must be a finite number >= 0"),
    "alpha_nan": (["--alpha", "nan"], "--alpha: must be a finite number >= 0"),
    "alpha_inf": (["--alpha", "inf"], "--alpha: must be a finite number >= 0"),
    "alpha_text": (["--alpha", "small"], "--alpha: not a number"),
    "tol_negative": (["--tol=-1e-3"], "--tol: must be a finite number >= 0"),
    "max_iter_zero": (["--max-iter", "0"], "--max-iter: must be at least 1"),
    "threads_zero": (["--threads", "0"], "--threads: must be at least 1"),
    "seed_negative": (["--random-state", "-3"], "--random-state: must be an integer"),
    "unknown_option": (["--folds", "3"], "unrecognized arguments: --folds 3"),
    "csv_and_dataset": (["--dataset", "iris", "--csv", "x.csv", "--target", "y"], "not allowed"),
    "csv_without_target": (["--csv", "{fine}"], "--csv needs --target"),
    "target_without_csv": (["--target", "y"], "--target only applies to --csv"),
    "drop_without_csv": (["--drop", "a"], "--drop only applies to --csv"),
    "empty_drop_list": (["--csv", "{fine}", "--target", "y", "--drop", "a,,b"], "--drop: expe"),
    "drop_unknown": (["--csv", "{fine}", "--target", "y", "--drop", "b"], "--drop: no column"),
    "drop_target": (["--csv", "{fine}", "--target", "y", "--keep", "y"], "is the target"),
    "positive_class_unknown": (
        ["--csv", "{fine}", "--target", "y", "--positive-class", "w"],
        "--positive-class 'w' is not a label of 'y'; labels: 'u', 'v'",
    ),
    "missing_file": (["--csv", "{missing}", "--target", "y"], "No such file or directory"),
    "directory": (["--csv", "{directory}", "--target", "y"], "cannot read"),
    "target_missing": (["--csv", "{fine}", "--target", "label"], "'label' not found"),
    "non_finite": (["--csv", "{non_finite}", "--target", "y"], "non-finite value inf in"),
    "short_row": (["--csv", "{short_row}", "--target", "y"], "line 3: 2 fields, but the header"),
    "long_row": (["--csv", "{long_row}", "--target", "y"], "line 3: 4 fields, but the header"),
    "single_class": (["--csv", "{single_class}", "--target", "y"], "single class ('only')"),
    "few_per_class": (["--csv", "{few_per_class}", "--target", "y"], "class 'v'"),
    "continuous": (["--csv", "{continuous}", "--target", "y"], "continuous numbers"),
    "only_target": (["--csv", "{only_target}", "--target", "y"], "no feature column"),
    "no_rows": (["--csv", "{no_rows}", "--target", "y"], "no data rows"),
    "no_labels": (["--csv", "{no_labels}", "--target", "y"], "has no labels"),
    "nothing_left": (
        ["--csv", "{nothing_left}", "--target", "y"],
        "no feature column of 'nt.csv' is left to fit on: dropped id (identifier-like",
    ),
    "empty": (["--csv", "{empty}", "--target", "y"], "is empty"),
    "binary": (["--csv", "{binary}", "--target", "y"], "not a UTF-8 text file"),
    "duplicate_target": (["--csv", "{duplicate_target}", "--target", "y"], "2 columns named"),
    "bad_delimiter": (["--delimiter", "::"], "--delimiter: must be a single character"),
    "plot_extension": (["--plot", "{directory}/curves.txt"], "unknown image format '.txt'"),
    "plot_no_extension": (["--plot", "{directory}/curves"], "unknown image format none"),
    "plot_no_directory": (["--plot", "{directory}/no/c.png"], "cannot write the plot to"),
    "plot_is_directory": (["--plot", "{directory}/sub.png"], "it is a directory"),
}


@pytest.mark.parametrize("case", sorted(BAD_ARGUMENTS))
def test_bad_input_is_one_line_exit_2(case, tmp_path, capsys, monkeypatch):
    argv, phrase = BAD_ARGUMENTS[case]
    files = _bad_csvs(tmp_path)
    files.update(missing=str(tmp_path / "missing.csv"), directory=str(tmp_path))
    (tmp_path / "sub.png").mkdir()
    monkeypatch.setattr(main_module, "run_comparison", None)  # nothing gets to fit
    for pipeline in (True, False):  # with pandas, and with the csv module
        if not pipeline:
            monkeypatch.setitem(sys.modules, "pandas", None)
        status, out, err = run_main(capsys, *(arg.format(**files) for arg in argv))
        assert status == 2
        assert out == ""
        lines = err.splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("sklearn-logloss: error: ")
        assert phrase in lines[0]
        assert "Traceback" not in err


@pytest.mark.parametrize("use_pandas", [True, False])
def test_na_values_turn_a_mostly_numeric_column_numeric(tmp_path, use_pandas):
    rows = [[f"{i * 1.5:.1f}" if i % 10 else "?", "uv"[i % 2]] for i in range(40)]
    path = write_csv(tmp_path / "q.csv", ["fare", "y"], rows)
    if use_pandas:  # a text column: one-hot, with a hint at --na-values
        (column,) = load_csv(path, "y").columns
        assert (column.kind, column.n_missing) == ("categorical", 0)
        assert (
            column.summary() == "fare (37 categories, 4 cells not numbers: '?'; see --na-values)"
        )
    else:  # the csv-module reader refuses text
        with pytest.raises(CLIError, match="column 'fare' is not numeric"):
            load_csv(path, "y", use_pandas=False)
    data = load_csv(path, "y", na_values=["?"], use_pandas=use_pandas)
    (column,) = data.columns
    assert (column.kind, column.n_missing) == ("numeric", 4)
    values = np.asarray(data.X, dtype=float)[:, 0]
    np.testing.assert_array_equal(np.isnan(values), np.arange(40) % 10 == 0)
    assert np.nansum(values) == pytest.approx(sum(i * 1.5 for i in range(40) if i % 10))


@pytest.mark.parametrize("use_pandas", [True, False])
def test_load_csv_reads_file_objects_text_or_bytes(use_pandas):
    import io

    text = "height,weight,species\n1.0,2.5,cat\n3.0,,dog\n2.0,4.0,cat\n"
    for source in (io.StringIO(text), io.BytesIO(b"\xef\xbb\xbf" + text.encode())):
        data = load_csv(source, target="species", use_pandas=use_pandas)
        assert data.feature_names == ["height", "weight"]  # the byte-order mark is dropped
        np.testing.assert_array_equal(
            np.asarray(data.X, dtype=float), [[1, 2.5], [3, np.nan], [2, 4]]
        )
        assert data.y.tolist() == ["cat", "dog", "cat"]
    with pytest.raises(CLIError, match="not a UTF-8 text file"):
        load_csv(io.BytesIO(b"a,y\n\xff\xfe,1\n"), target="y", use_pandas=use_pandas)
