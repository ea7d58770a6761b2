"""The command line: ``python -m sklearn_logloss`` / ``sklearn-logloss``.

Reported numbers are checked against scikit-learn's own ``cross_val_score``
with its ``"neg_log_loss"`` / ``"accuracy"`` scorers on the same folds, and
against the fact that GDLogisticRegression and LogisticRegression minimize the
same objective at ``C = 1 / (alpha * n_train)``.
"""

import csv
import doctest
import re
import subprocess
import sys
import warnings
from importlib.metadata import entry_points

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss as sk_log_loss
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_logloss.__main__ as cli_module
from sklearn_logloss import GDLogisticRegression
from sklearn_logloss.__main__ import (
    CLIError,
    build_models,
    build_parser,
    load_csv,
    load_dataset,
    main,
    run_comparison,
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
    path = write_csv(tmp_path / "bad.csv", ["a", "y"], [["1", "u"], ["oops", "v"]])
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_logloss", "--csv", str(path), "--target", "y"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"sklearn-logloss: error: {str(path)!r} line 3: feature column 'a' is not numeric "
        "('oops'); encode categorical columns as numbers or drop them"
    ]


def test_console_script_is_main():
    (script,) = entry_points(group="console_scripts", name="sklearn-logloss")
    assert script.load() is main


def test_csv_with_string_target_matches_bundled_dataset(capsys, iris_csv):
    status, bundled, err = run_main(capsys, "--dataset", "iris", "--cv", "3")
    assert status == 0, err
    status, from_csv, err = run_main(
        capsys, "--csv", str(iris_csv), "--target", "species", "--cv", "3"
    )
    assert status == 0, err
    assert "Dataset: iris.csv (150 samples, 4 features, 3 classes)" in from_csv
    bundled, from_csv = parse_table(bundled), parse_table(from_csv)
    assert set(from_csv) == set(MODELS)
    # Species names sort like the integer codes, so the folds and models are the same.
    for name in MODELS:
        assert from_csv[name]["loss"] == bundled[name]["loss"]
        assert from_csv[name]["acc"] == bundled[name]["acc"]


def test_load_csv_values_names_and_label_types(tmp_path):
    path = write_csv(
        tmp_path / "data.csv",
        [" x1 ", "label", "x2"],
        [["1.5", "1", "-2"], ["  3e2 ", "0", "4"], [], ["0", "1", "0.25"]],
        delimiter=";",
    )
    data = load_csv(path, "label", delimiter=";")
    np.testing.assert_array_equal(data.X, [[1.5, -2.0], [300.0, 4.0], [0.0, 0.25]])
    assert data.feature_names == ["x1", "x2"]
    assert data.y.dtype.kind == "i"
    np.testing.assert_array_equal(data.y, [1, 0, 1])
    words = load_csv(write_csv(tmp_path / "w.csv", ["a", "t"], [["1", "no"], ["2", "yes"]]), "t")
    assert words.y.tolist() == ["no", "yes"]


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


def test_docstring_examples():
    """pytest's --doctest-modules skips files named __main__.py: run them here."""
    results = doctest.testmod(
        cli_module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert results.attempted > 10
    assert results.failed == 0


def test_help_and_version(capsys):
    status, out, _ = run_main(capsys, "--help")
    assert status == 0
    for option in ("--dataset", "--csv", "--target", "--alpha", "--cv", "--random-state"):
        assert option in out
    assert "C = 1 / (alpha * n_train)" in " ".join(out.split())
    status, out, _ = run_main(capsys, "--version")
    assert status == 0 and out.startswith("sklearn-logloss ")


def test_parser_defaults():
    args = build_parser().parse_args([])
    assert (args.dataset, args.csv, args.alpha, args.cv, args.random_state) == (
        None,
        None,
        1e-4,
        5,
        0,
    )
    assert GDLogisticRegression().alpha == args.alpha


def _bad_csvs(tmp_path):
    def make(name, header, rows):
        return str(write_csv(tmp_path / name, header, rows))

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"a,y\n\xff\xfe\x00\x81,1\n")
    return {
        "non_numeric": make(
            "nn.csv", ["a", "colour", "y"], [["1", "red", "u"], ["2", "blue", "v"]]
        ),
        "missing_value": make("mv.csv", ["a", "b", "y"], [["1", "", "u"], ["2", "3", "v"]]),
        "non_finite": make("nf.csv", ["a", "y"], [["1", "u"], ["inf", "v"]]),
        "ragged": make("rg.csv", ["a", "b", "y"], [["1", "2", "u"], ["3", "v"]]),
        "single_class": make("sc.csv", ["a", "y"], [[str(i), "only"] for i in range(10)]),
        "few_per_class": make(
            "fc.csv", ["a", "y"], [[str(i), "u"] for i in range(10)] + [["1", "v"], ["2", "v"]]
        ),
        "continuous": make("ct.csv", ["a", "y"], [[str(i), str(i / 7)] for i in range(10)]),
        "only_target": make("ot.csv", ["y"], [["u"], ["v"]]),
        "no_rows": make("nr.csv", ["a", "y"], []),
        "missing_label": make("ml.csv", ["a", "y"], [["1", "u"], ["2", " "]]),
        "empty": str(empty),
        "binary": str(binary),
        "duplicate_target": make("dt.csv", ["y", "a", "y"], [["u", "1", "u"]]),
    }


BAD_ARGUMENTS = {
    # name: (argv, with {name} standing for a bad CSV file, a phrase the message must contain)
    "unknown_dataset": (["--dataset", "mnist"], "invalid choice: 'mnist'"),
    "cv_one": (["--cv", "1"], "--cv: needs at least 2 folds"),
    "cv_not_int": (["--cv", "five"], "--cv: not an integer"),
    "alpha_zero": (["--alpha", "0"], "--alpha: must be a positive"),
    "alpha_negative": (["--alpha", "-1"], "--alpha: must be a positive"),
    "alpha_nan": (["--alpha", "nan"], "--alpha: must be a positive"),
    "alpha_text": (["--alpha", "small"], "--alpha: not a number"),
    "tol_negative": (["--tol=-1e-3"], "--tol: must be a finite number >= 0"),
    "max_iter_zero": (["--max-iter", "0"], "--max-iter: must be at least 1"),
    "seed_negative": (["--random-state", "-3"], "--random-state: must be an integer"),
    "unknown_option": (["--folds", "3"], "unrecognized arguments: --folds 3"),
    "csv_and_dataset": (["--dataset", "iris", "--csv", "x.csv", "--target", "y"], "not allowed"),
    "csv_without_target": (["--csv", "{non_numeric}"], "--csv needs --target"),
    "target_without_csv": (["--target", "y"], "--target only applies to --csv"),
    "missing_file": (["--csv", "{missing}", "--target", "y"], "No such file or directory"),
    "directory": (["--csv", "{directory}", "--target", "y"], "cannot read"),
    "target_missing": (["--csv", "{non_numeric}", "--target", "label"], "'label' not found"),
    "non_numeric": (["--csv", "{non_numeric}", "--target", "y"], "'colour' is not numeric"),
    "missing_value": (["--csv", "{missing_value}", "--target", "y"], "missing value in feature"),
    "non_finite": (["--csv", "{non_finite}", "--target", "y"], "non-finite value 'inf'"),
    "ragged": (["--csv", "{ragged}", "--target", "y"], "line 3: 2 fields, but the header has 3"),
    "single_class": (["--csv", "{single_class}", "--target", "y"], "single class ('only')"),
    "few_per_class": (["--csv", "{few_per_class}", "--target", "y"], "class 'v'"),
    "continuous": (["--csv", "{continuous}", "--target", "y"], "continuous numbers"),
    "only_target": (["--csv", "{only_target}", "--target", "y"], "no feature column"),
    "no_rows": (["--csv", "{no_rows}", "--target", "y"], "no data rows"),
    "missing_label": (["--csv", "{missing_label}", "--target", "y"], "missing target value"),
    "empty": (["--csv", "{empty}", "--target", "y"], "is empty"),
    "binary": (["--csv", "{binary}", "--target", "y"], "not a UTF-8 text file"),
    "duplicate_target": (["--csv", "{duplicate_target}", "--target", "y"], "2 columns named"),
    "bad_delimiter": (["--delimiter", "::"], "--delimiter: must be a single character"),
}


@pytest.mark.parametrize("case", sorted(BAD_ARGUMENTS))
def test_bad_input_is_one_line_exit_2(case, tmp_path, capsys):
    argv, phrase = BAD_ARGUMENTS[case]
    files = _bad_csvs(tmp_path)
    files.update(missing=str(tmp_path / "missing.csv"), directory=str(tmp_path))
    status, out, err = run_main(capsys, *(arg.format(**files) for arg in argv))
    assert status == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sklearn-logloss: error: ")
    assert phrase in lines[0]
    assert "Traceback" not in err


def test_load_csv_raises_clierror_a_valueerror(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["a", "y"], [["x", "1"]])
    with pytest.raises(ValueError, match="'a' is not numeric") as info:
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
    from sklearn_logloss.__main__ import load_dataset, training_curves

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


def test_plot_to_an_unwritable_path_is_a_one_line_error(tmp_path, capsys):
    status = main(["--dataset", "iris", "--cv", "3", "--plot", str(tmp_path / "no" / "x.png")])
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("sklearn-logloss: error: cannot write the plot")
    assert err.count("\n") == 1 and "Traceback" not in err
