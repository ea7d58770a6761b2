"""Smoke test of benchmarks/bench_race.py --quick (bundled data sets, one repeat)."""

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_race  # noqa: E402

pytestmark = pytest.mark.slow  # runs the race on the bundled data sets (~40 s)


def test_objective_matches_an_independent_binary_and_multiclass_formula():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    coef, intercept = rng.standard_normal((3, 1)), np.array([0.3])
    codes = rng.integers(0, 2, 50)
    p = 1 / (1 + np.exp(-(X @ coef[:, 0] + 0.3)))
    expected = -np.mean(codes * np.log(p) + (1 - codes) * np.log(1 - p))
    expected += 0.5 * bench_race.ALPHA * np.sum(coef**2)
    assert bench_race.objective(X, codes, 2, coef, intercept) == pytest.approx(expected)

    coef3, intercept3 = rng.standard_normal((3, 3)), rng.standard_normal(3)
    codes3 = rng.integers(0, 3, 50)
    Z = X @ coef3 + intercept3
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    expected3 = -np.mean(np.log(P[np.arange(50), codes3]))
    expected3 += 0.5 * bench_race.ALPHA * np.sum(coef3**2)
    assert bench_race.objective(X, codes3, 3, coef3, intercept3) == pytest.approx(expected3)


def test_objective_is_minimized_by_logistic_regression_at_matching_C():
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    C = 1 / (bench_race.ALPHA * len(y))
    model = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(X, y)
    j = bench_race.objective(X, y, 2, model.coef_.T, model.intercept_)
    worse = bench_race.objective(X, y, 2, 1.01 * model.coef_.T, model.intercept_)
    assert worse > j


def test_sparse_problem_is_built_without_dense_intermediates(monkeypatch):
    import scipy.sparse as sp

    def no_random(*args, **kwargs):
        raise AssertionError("scipy.sparse.random allocates too much at this size")

    monkeypatch.setattr(sp, "random", no_random)
    X, y = bench_race.sparse_binary()
    assert sp.issparse(X) and X.shape == (100_000, 20_000)
    assert 0.9e-3 < X.nnz / (X.shape[0] * X.shape[1]) <= 1e-3
    assert 0.3 < y.mean() < 0.7


def test_bench_race_quick_writes_a_row_per_problem_and_candidate(tmp_path):
    out = tmp_path / "race.md"
    bench_race.main(["--quick", "--repeats", "1", "--out", str(out)])
    table = out.read_text()
    results = json.loads(out.with_suffix(".json").read_text())
    assert [p["problem"] for p in results["problems"]] == list(bench_race.QUICK_PROBLEMS)
    expected = ["ours (defaults)", "lbfgs", "newton-cholesky", "newton-cg"]
    for problem in results["problems"]:
        names = [row["candidate"] for row in problem["rows"]]
        assert names[: len(expected)] == expected
        if bench_race.torch is not None:
            assert "torch LBFGS" in names
        for row in problem["rows"]:
            gap = row["gap"] if row["runs"] else row["best_gap"]
            assert math.isfinite(gap), (problem["problem"], row["candidate"])
            assert gap > -1e-9  # J* is the lowest objective seen
            assert f"| {problem['problem']} | {row['candidate']} |" in table
            if row["runs"]:
                assert row["min_s"] <= row["median_s"] <= row["max_s"]
        ours = problem["rows"][0]
        assert ours["runs"] == 1 and ours["tol"] is None
        assert f"| {problem['problem']} | {problem['n_samples']} x" in table
    assert (tmp_path / "race.png").stat().st_size > 10_000
