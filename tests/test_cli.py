"""The command line: ``python -m sklearn_logloss`` / ``sklearn-logloss``.

Reported numbers are checked against scikit-learn's own ``cross_val_score``
with its ``"neg_log_loss"`` / ``"accuracy"`` scorers on the same folds (for a
messy CSV, against the ColumnTransformer pipeline a practitioner would write
by hand), and against the fact that GDLogisticRegression and
LogisticRegression minimize the same objective at ``C = 1 / (alpha * n_train)``.
The docstring examples of ``sklearn_logloss/_cli/`` run with the package's
doctests (``--doctest-modules``).
"""

import builtins
import csv
import re
import subprocess
import sys
import warnings
from importlib.metadata import entry_points

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss as sk_log_loss
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import sklearn_logloss._cli._curves as curves_module
import sklearn_logloss._cli._main as main_module
from sklearn_logloss import GDLogisticRegression
from sklearn_logloss.__main__ import (
    CLIError,
    build_models,
    build_parser,
    load_csv,
    load_dataset,
    main,
    run_comparison,
    save_training_curves,
    training_curves,
)

MODELS = ("GDLogisticRegression", "LogisticRegression", "SGDClassifier")
ROW = re.compile(
    r"^(?P<model>\w+)\s+(?P<loss>\d+\.\d+) \+/- (?P<loss_std>\d+\.\d+)\s+"
    r"(?P<acc>\d+\.\d+) \+/- (?P<acc_std>\d+\.\d+)\s+"
    r"(?P<time>\d+\.\d+) (?P<unit>ms|s)\s+(?P<iters>\d+)$"
)


def parse_table(out):
    """``{model: {"loss", "acc", "seconds", "iters"}}`` from the printed table."""
    rows = {}
    for line in out.splitlines():
        match = ROW.match(line)
        if match:
            seconds = float(match["time"]) * (1e-3 if match["unit"] == "ms" else 1.0)
            rows[match["model"]] = {
                "loss": float(match["loss"]),
                "acc": float(match["acc"]),
                "seconds": seconds,
                "iters": int(match["iters"]),
            }
    return rows


def run_main(capsys, *argv):
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def write_csv(path, header, rows, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def iris_csv(tmp_path_factory):
    """Bundled iris as a CSV whose target holds the species names (strings)."""
    iris = load_iris()
    rows = [
        [repr(float(value)) for value in x] + [iris.target_names[t]]
        for x, t in zip(iris.data, iris.target, strict=True)
    ]
    path = tmp_path_factory.mktemp("csv") / "iris.csv"
    return write_csv(path, [*iris.feature_names, "species"], rows)


def test_iris_table_matches_sklearn_cross_val_score(capsys):
    status, out, err = run_main(capsys, "--dataset", "iris", "--cv", "3")
    assert status == 0, err
    table = parse_table(out)
    assert set(table) == set(MODELS)
    assert "Dataset: iris (150 samples, 4 features, 3 classes)" in out
    # Same folds; 3 folds of 150 samples train on 100, so C = 1 / (1e-4 * 100) = 100.
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    X, y = load_iris(return_X_y=True)
    references = {
        "GDLogisticRegression": GDLogisticRegression(alpha=1e-4, tol=1e-6, max_iter=10_000),
        "LogisticRegression": LogisticRegression(C=100.0, tol=1e-6, max_iter=10_000),
    }
    for name, model in references.items():
        pipe = make_pipeline(StandardScaler(), model)
        loss = -cross_val_score(pipe, X, y, cv=folds, scoring="neg_log_loss").mean()
        accuracy = cross_val_score(pipe, X, y, cv=folds, scoring="accuracy").mean()
        assert table[name]["loss"] == pytest.approx(loss, abs=6e-5)
        assert table[name]["acc"] == pytest.approx(accuracy, abs=6e-5)
    for row in table.values():
        assert 0 < row["loss"] < np.log(3)
        assert 0.8 < row["acc"] <= 1
        assert row["seconds"] > 0 and row["iters"] >= 1


def test_default_run_gd_agrees_with_logistic_regression(capsys):
    """breast_cancer, alpha=1e-4, 5 folds: same objective, so the same CV log loss."""
    status, out, err = run_main(capsys)
    assert status == 0, err
    table = parse_table(out)
    assert set(table) == set(MODELS)
    assert "Dataset: breast_cancer (569 samples, 30 features, 2 classes)" in out
    gd, lr = table["GDLogisticRegression"], table["LogisticRegression"]
    assert gd["loss"] == pytest.approx(lr["loss"], abs=1e-3)
    assert gd["acc"] == pytest.approx(lr["acc"], abs=0.01)
    # Both converge (tol=1e-6) long before max_iter=10_000.
    assert 1 <= gd["iters"] < 1000 and 1 <= lr["iters"] < 1000
    assert all(row["acc"] > 0.9 for row in table.values())
    # 5 folds of 569 samples: 455.2 training samples on average.
    assert "C = 1/(alpha * 455.2) = 21.9684" in out
    assert "Note:" not in out


def test_alpha_reaches_every_model(capsys):
    """A strong penalty shrinks all three models: larger CV log loss than a weak one."""
    losses = {}
    for alpha in ("1e-4", "1"):
        status, out, err = run_main(capsys, "--dataset", "wine", "--cv", "3", "--alpha", alpha)
        assert status == 0, err
        losses[alpha] = {name: row["loss"] for name, row in parse_table(out).items()}
    for name in MODELS:
        assert losses["1"][name] > losses["1e-4"][name] + 0.05, name
    # At alpha=1 the three optimizers reach (nearly) the same, well-conditioned model.
    strong = losses["1"]
    assert strong["GDLogisticRegression"] == pytest.approx(strong["LogisticRegression"], abs=1e-3)


def test_module_entry_point_subprocess():
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_logloss", "--dataset", "iris", "--cv", "3"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert set(parse_table(proc.stdout)) == set(MODELS)
    assert "Traceback" not in proc.stderr


def test_module_entry_point_subprocess_bad_csv(tmp_path):
    path = write_csv(tmp_path / "bad.csv", ["a", "y"], [["1", "u"], ["inf", "v"]])
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_logloss", "--csv", str(path), "--target", "y"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"sklearn-logloss: error: {str(path)!r} data row 2: non-finite value inf in feature "
        "column 'a'"
    ]


def test_console_script_is_main():
    (script,) = entry_points(group="console_scripts", name="sklearn-logloss")
    assert script.load() is main


def test_cli_modules_import_no_private_layer():
    """The command line is built on the package's public API, in modules under 500 lines."""
    import ast
    from pathlib import Path

    import sklearn_logloss.__main__ as thin
    import sklearn_logloss._cli as package

    modules = [*Path(package.__file__).parent.glob("*.py"), Path(thin.__file__)]
    assert len(modules) >= 6
    for module in modules:
        text = module.read_text()
        assert len(text.splitlines()) < 500, module
        inside_cli = module.parent.name == "_cli"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom):
                if not node.level:
                    names = [node.module]
                elif node.level == 1 and inside_cli:
                    continue  # a sibling in _cli
                else:  # from the package: `from .. import X` or `from ..x import X`
                    names = [node.module] if node.module else []
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                inner = parts[1:] if parts[0] == "sklearn_logloss" else parts
                if parts[0] == "sklearn_logloss" or getattr(node, "level", 0):
                    assert not inner or inner[0] in ("_cli", "metrics", "plotting"), (module, name)


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


# A table a practitioner meets: text categories, missing cells, an ID column,
# a constant column, a free-text column, and a string target with two rows
# unlabelled.
MESSY_COLUMNS = ["passenger", "age", "fare", "deck", "sex", "country", "survived"]


def messy_rows(n=240, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        sex = rng.choice(["female", "male"])
        deck = rng.choice(["A", "B", "C", "D"], p=[0.2, 0.3, 0.4, 0.1])
        age = rng.uniform(1, 80)
        fare = rng.lognormal(3, 1)
        logit = 1.5 * (sex == "female") - 0.02 * (age - 40) + 0.6 * (deck == "A") - 0.5
        survived = "yes" if rng.random() < 1 / (1 + np.exp(-logit)) else "no"
        rows.append(
            [
                f"P{1000 + 7 * i}",
                "" if i % 9 == 0 else f"{age:.1f}",
                f"{fare:.3f}",
                "" if i % 11 == 0 else deck,
                sex,
                "UK",
                "" if i in (5, 50) else survived,
            ]
        )
    return rows


@pytest.fixture(scope="module")
def messy_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("messy") / "passengers.csv"
    return write_csv(path, MESSY_COLUMNS, messy_rows())


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


def test_other_warnings_are_said_once_in_one_line(tmp_path, capsys):
    """A column missing from whole training folds: SimpleImputer warns in many fits."""
    rows = [[f"{np.cos(i):.3f}", {3: "0.5", 4: "-1"}.get(i, ""), "uv"[i % 2]] for i in range(60)]
    path = write_csv(tmp_path / "holes.csv", ["a", "b", "y"], rows)
    status, out, err = run_main(capsys, "--csv", str(path), "--target", "y")
    assert status == 0, err
    assert "b (58 missing)" in out
    assert err.splitlines() == [
        "sklearn-logloss: warning: Skipping features without any observed values: ['b']. "
        "At least one non-missing value is needed for imputation with strategy='median'."
    ]


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


def test_alpha_zero_is_the_unpenalized_model(capsys):
    status, out, err = run_main(capsys, "--dataset", "wine", "--cv", "3", "--alpha", "0")
    assert status == 0, err
    assert "Penalty: none, alpha=0 for all three (LogisticRegression: C = inf" in out
    table = parse_table(out)
    assert set(table) == set(MODELS)
    models = build_models(0.0, n_train=118.7)
    assert models["LogisticRegression"][-1].C == np.inf
    assert models["SGDClassifier"][-1].learning_rate == "adaptive"
    assert models["GDLogisticRegression"][-1].alpha == 0


@pytest.mark.parametrize("alpha", ["1e308", "1e17", "1.7976931348623157e308"])
def test_huge_alpha_is_a_one_line_error(capsys, alpha):
    status, out, err = run_main(capsys, "--dataset", "iris", "--alpha", alpha)
    assert status == 2 and out == ""
    assert err.splitlines() == [
        f"sklearn-logloss: error: argument --alpha: must be at most 1e+16, got {alpha!r}: "
        "beyond it the coefficients (of order 1/alpha) vanish next to the intercept in "
        "double precision"
    ]


def test_largest_alpha_runs(capsys):
    status, out, err = run_main(capsys, "--dataset", "iris", "--cv", "3", "--alpha", "1e16")
    assert status == 0, err
    for row in parse_table(out).values():  # the intercept-only model: log(3)
        assert row["loss"] == pytest.approx(np.log(3), abs=1e-4)


def test_threads_are_fixed_and_reported(capsys):
    data = load_dataset("iris")
    results = run_comparison(data, build_models(1e-2, n_train=100), cv=3, threads=2)
    assert [result.threads["blas"] for result in results] == [2, 2, 2]
    status, out, err = run_main(capsys, "--dataset", "iris", "--cv", "3", "--threads", "2")
    assert status == 0, err
    assert re.search(r"^Threads: 2 BLAS \(\w+\)( and 2 OpenMP)? in every fit", out, re.M), out
    status, out, err = run_main(capsys, "--dataset", "iris", "--cv", "3")
    assert re.search(r"^Threads: 1 BLAS \(\w+\)( and 1 OpenMP)? in every fit", out, re.M), out


def test_run_comparison_returns_fitted_fold_estimators():
    """The fitted pipelines come back (for plots), one per fold, and score as reported."""
    data = load_dataset("breast_cancer")
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=1)
    results = run_comparison(data, build_models(1e-3, n_train=379.3), cv=folds)
    assert [result.name for result in results] == list(MODELS)
    gd = results[0]
    assert len(gd.estimators) == 3
    splits = list(folds.split(data.X, data.y))
    for (_, test), pipe, loss in zip(splits, gd.estimators, gd.log_loss, strict=True):
        model = pipe[-1]
        assert model.loss_history_.shape == (model.n_iter_ + 1,)
        proba = pipe.predict_proba(data.X[test])
        assert loss == pytest.approx(sk_log_loss(data.y[test], proba), rel=1e-9)
    np.testing.assert_array_equal(gd.n_iter, [pipe[-1].n_iter_ for pipe in gd.estimators])


def test_convergence_warnings_are_counted_not_shown(capsys):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, out, err = run_main(capsys, "--dataset", "iris", "--cv", "3", "--max-iter", "5")
    assert status == 0, err
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert "ConvergenceWarning" not in err
    table = parse_table(out)
    assert table["GDLogisticRegression"]["iters"] == 5
    assert table["LogisticRegression"]["iters"] == 5
    note = [line for line in out.splitlines() if line.startswith("Note:")]
    assert len(note) == 1 and "iteration limit" in out
    # One warning per fold for the two models limited to 5 iterations; SGD is not.
    assert "GDLogisticRegression 3" in note[0] and "LogisticRegression 3" in note[0]
    assert "SGDClassifier" not in note[0]


def test_help_and_version(capsys):
    status, out, _ = run_main(capsys, "--help")
    assert status == 0
    for option in (
        "--dataset", "--csv", "--target", "--alpha", "--cv", "--random-state", "--drop",
        "--keep", "--categorical", "--na-values", "--positive-class", "--threads", "--plot",
    ):  # fmt: skip
        assert option in out
    assert "C = 1 / (alpha * n_train)" in " ".join(out.split())
    assert 'pip install "sklearn-logloss[cli]"' in " ".join(out.split())
    status, out, _ = run_main(capsys, "--version")
    assert status == 0 and out.startswith("sklearn-logloss ")


def test_parser_defaults():
    args = build_parser().parse_args([])
    assert (args.dataset, args.csv, args.alpha, args.cv, args.random_state, args.threads) == (
        None,
        None,
        1e-4,
        5,
        0,
        1,
    )
    assert (args.drop, args.keep, args.categorical, args.na_values) == ([], [], [], [])
    assert GDLogisticRegression().alpha == args.alpha


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


def test_load_csv_raises_clierror_a_valueerror(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["a", "y"], [["1", "u"], ["-inf", "v"]])
    with pytest.raises(ValueError, match="non-finite value -inf") as info:
        load_csv(path, "y")
    assert isinstance(info.value, CLIError)


def test_model_failure_is_reported_as_one_line(capsys, tmp_path):
    """A ValueError raised inside a fit (here: features too large to standardize) is caught."""
    rows = [[f"{(-1) ** i * 1e308:.17g}", "u" if i % 2 else "v"] for i in range(12)]
    path = write_csv(tmp_path / "huge.csv", ["a", "y"], rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        status, out, err = run_main(capsys, "--csv", str(path), "--target", "y", "--cv", "3")
    assert status == 2, out
    assert len(err.splitlines()) == 1
    assert err.startswith("sklearn-logloss: error: GDLogisticRegression failed on 'huge.csv': ")


def test_plot_saves_the_three_training_curves(tmp_path, capsys):
    path = tmp_path / "curves.png"
    assert main(["--dataset", "iris", "--cv", "3", "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Training curves saved to" in capsys.readouterr().out

    curves = training_curves(load_dataset("iris"), 1e-4)
    assert list(curves) == ["GDLogisticRegression", "LogisticRegression", "SGDClassifier"]
    # Every curve starts at the objective of the all-zero model, log(3) for 3 classes.
    for curve in curves.values():
        assert curve[0] == pytest.approx(np.log(3), rel=1e-12)
    # GD and lbfgs minimize the same objective: both curves end at the same value.
    assert curves["GDLogisticRegression"][-1] == pytest.approx(
        curves["LogisticRegression"][-1], rel=1e-3
    )
    assert np.all(np.diff(curves["GDLogisticRegression"]) <= 1e-12)


def test_plot_x_axis_says_iterations_and_epochs(monkeypatch, tmp_path):
    import matplotlib.pyplot as plt

    saved = []
    monkeypatch.setattr(plt, "close", saved.append)  # keep the figure to look at it
    curves = {name: np.array([1.0, 0.5, 0.25]) for name in MODELS}
    save_training_curves(curves, str(tmp_path / "c.svg"))
    (figure,) = saved
    ax = figure.axes[0]
    assert ax.get_xlabel() == (
        "iterations (GDLogisticRegression, LogisticRegression) / epochs (SGDClassifier)"
    )
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend[2].startswith("SGDClassifier, per epoch")
    assert legend[0].startswith("GDLogisticRegression, per iteration")
    assert (tmp_path / "c.svg").read_text().lstrip().startswith("<?xml")
    plt.close(figure)


def test_curves_of_a_messy_csv_use_its_preprocessing(messy_csv):
    data = load_csv(messy_csv, "survived")
    curves = training_curves(data, 1e-3)
    for curve in curves.values():  # the all-zero model of two classes: log(2)
        assert curve[0] == pytest.approx(np.log(2), rel=1e-12)
        assert curve[-1] < curve[0] - 0.05
    assert curves["GDLogisticRegression"][-1] == pytest.approx(
        curves["LogisticRegression"][-1], rel=1e-4
    )


def test_bad_plot_path_is_refused_before_the_cross_validation(tmp_path, capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(main_module, "run_comparison", lambda *a, **k: calls.append(a))
    status = main(["--dataset", "iris", "--cv", "3", "--plot", str(tmp_path / "no" / "x.png")])
    assert status == 2 and calls == []
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"sklearn-logloss: error: cannot write the plot to {str(tmp_path / 'no' / 'x.png')!r}: "
        f"no directory {str(tmp_path / 'no')!r}\n"
    )

    def refuse(path, mode="r", *args, **kwargs):
        if str(path).endswith(".png"):
            raise PermissionError(13, "Permission denied")
        return builtins.open(path, mode, *args, **kwargs)

    monkeypatch.setattr(curves_module, "open", refuse, raising=False)
    target = str(tmp_path / "locked.png")
    assert main(["--dataset", "iris", "--plot", target]) == 2 and calls == []
    err = capsys.readouterr().err
    assert (
        err == f"sklearn-logloss: error: cannot write the plot to {target!r}: Permission denied\n"
    )
    # The probe leaves no file behind, and keeps an existing one as it was.
    existing = tmp_path / "old.png"
    existing.write_bytes(b"old")
    monkeypatch.undo()
    curves_module.check_plot_path(str(existing))
    curves_module.check_plot_path(str(tmp_path / "new.png"))
    assert existing.read_bytes() == b"old" and not (tmp_path / "new.png").exists()
