"""The command line: ``python -m sklearn_logloss`` / ``sklearn-logloss``.

The comparison, its report, its options and its plot. Reported numbers are
checked against scikit-learn's own ``cross_val_score`` with its
``"neg_log_loss"`` / ``"accuracy"`` scorers on the same folds, and against the
fact that GDLogisticRegression and LogisticRegression minimize the same
objective at ``C = 1 / (alpha * n_train)``. Reading CSV files is tested in
``test_cli_data.py``; the docstring examples of ``sklearn_logloss/_cli/`` run
with the package's doctests (``--doctest-modules``).
"""

import builtins
import re
import subprocess
import sys
import warnings
from importlib.metadata import entry_points

import numpy as np
import pytest
from cli_helpers import (
    MODELS,
    parse_table,
    run_main,
    write_csv,
)
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss as sk_log_loss
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_logloss._cli._curves as curves_module
import sklearn_logloss._cli._main as main_module
from sklearn_logloss import GDLogisticRegression
from sklearn_logloss.__main__ import (
    build_models,
    build_parser,
    load_csv,
    load_dataset,
    main,
    run_comparison,
    save_training_curves,
    training_curves,
)


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
    # Every coefficient vanishes: intercept-only models, whose test log loss is log(3), or a
    # hair above it with the intercepts fitted to the training folds' class shares (1/3 +- 0.01).
    for row in parse_table(out).values():
        assert np.log(3) - 1e-4 <= row["loss"] <= np.log(3) + 1e-3
    results = run_comparison(load_dataset("iris"), build_models(1e16, n_train=100), cv=3)
    for result in results:
        for pipe in result.estimators:
            assert np.abs(pipe[-1].coef_).max() < 1e-15, result.name


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


def test_run_comparison_warms_each_model_up_before_its_timed_folds():
    """Each model is fitted once, untimed, before the folds: the first fold pays no imports."""
    from sklearn.dummy import DummyClassifier

    fits = []

    class Recording(DummyClassifier):
        def fit(self, X, y, sample_weight=None):
            fits.append(len(y))
            return super().fit(X, y, sample_weight=sample_weight)

    data = load_dataset("iris")
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    results = run_comparison(data, {"recording": Recording(strategy="prior")}, cv=folds)
    train_sizes = [len(train) for train, _ in folds.split(data.X, data.y)]
    assert fits == [train_sizes[0], *train_sizes]
    assert len(results[0].fit_time) == 3
