"""Tests of the matched-accuracy race (benchmarks/bench_race.py and its modules).

The smoke test runs ``bench_race.py --quick`` (bundled data sets, one repeat) and is marked
slow, as is the device race on CPU tensors.
"""

import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_info

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_race  # noqa: E402
import race_peers  # noqa: E402
import race_problems  # noqa: E402
import race_report  # noqa: E402


def test_objective_matches_an_independent_binary_and_multiclass_formula():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    coef, intercept = rng.standard_normal((3, 1)), np.array([0.3])
    codes = rng.integers(0, 2, 50)
    p = 1 / (1 + np.exp(-(X @ coef[:, 0] + 0.3)))
    expected = -np.mean(codes * np.log(p) + (1 - codes) * np.log(1 - p))
    expected += 0.5 * race_peers.ALPHA * np.sum(coef**2)
    assert race_peers.objective(X, codes, 2, coef, intercept) == pytest.approx(expected)

    coef3, intercept3 = rng.standard_normal((3, 3)), rng.standard_normal(3)
    codes3 = rng.integers(0, 3, 50)
    Z = X @ coef3 + intercept3
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    expected3 = -np.mean(np.log(P[np.arange(50), codes3]))
    expected3 += 0.5 * race_peers.ALPHA * np.sum(coef3**2)
    assert race_peers.objective(X, codes3, 3, coef3, intercept3) == pytest.approx(expected3)


def test_objective_is_minimized_by_logistic_regression_at_matching_C():
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    C = 1 / (race_peers.ALPHA * len(y))
    model = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(X, y)
    j = race_peers.objective(X, y, 2, model.coef_.T, model.intercept_)
    worse = race_peers.objective(X, y, 2, 1.01 * model.coef_.T, model.intercept_)
    assert worse > j


def test_sparse_problem_is_built_without_dense_intermediates(monkeypatch):
    def no_random(*args, **kwargs):
        raise AssertionError("scipy.sparse.random allocates too much at this size")

    monkeypatch.setattr(sp, "random", no_random)
    X, y = race_problems.sparse_binary()
    assert sp.issparse(X) and X.shape == (100_000, 20_000)
    assert 0.9e-3 < X.nnz / (X.shape[0] * X.shape[1]) <= 1e-3
    assert X.min() >= 0  # uncentred
    assert 0.3 < y.mean() < 0.7


def test_mixed_units_spread_column_scales_over_five_decades_with_positive_means():
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((4000, 40))
    Z = (Z - Z.mean(0)) / Z.std(0)
    X = race_problems.in_mixed_units(Z, seed=3)
    scales = X.std(0)
    assert scales.min() == pytest.approx(1e-2, rel=1e-6)
    assert scales.max() == pytest.approx(1e3, rel=1e-6)
    assert np.all(X.mean(0) >= 0) and np.any(X.mean(0) > scales)  # uncentred
    assert not np.all(np.diff(scales) > 0)  # scales in a shuffled column order
    X32 = race_problems.in_mixed_units(Z.astype(np.float32), seed=3)
    assert X32.dtype == np.float32
    np.testing.assert_allclose(X32 / scales, X / scales, atol=1e-5)  # float32 rounding


def test_unscaled_bundled_problems_are_the_data_as_loaded():
    X, _ = race_problems.digits_raw()
    assert X.min() == 0 and X.max() == 16 and np.all(X == np.round(X))
    X, _ = race_problems.breast_cancer_raw()
    assert X.std(0).max() / X.std(0).min() > 1e5
    standardized, _ = race_problems.breast_cancer()
    np.testing.assert_allclose(standardized, (X - X.mean(0)) / X.std(0), atol=1e-12)


def test_every_standardized_problem_has_an_unscaled_twin():
    names = set(race_problems.FULL_PROBLEMS)
    standardized = {n for n in names if not n.endswith("_raw") and n != "sparse_binary"}
    assert standardized == {
        "breast_cancer",
        "digits",
        "dense_binary",
        "dense_10class",
        "dense_binary_float32",
    }
    assert {n + "_raw" for n in standardized} <= names


def test_cpu_mode_runs_one_thread_and_wall_mode_the_defaults():
    default = [lib["num_threads"] for lib in threadpool_info()]
    with bench_race.timing("cpu") as clock:
        assert clock is time.thread_time
        assert {lib["num_threads"] for lib in threadpool_info()} == {1}
        if race_peers.torch is not None:
            assert race_peers.torch.get_num_threads() == 1
    with bench_race.timing("wall") as clock:
        assert clock is time.perf_counter
        assert [lib["num_threads"] for lib in threadpool_info()] == default
    if race_peers.torch is not None:
        assert race_peers.torch.get_num_threads() == bench_race.DEFAULT_TORCH_THREADS


def test_cpu_mode_held_for_a_phase_is_not_switched_back_by_each_fit():
    with bench_race.timing("cpu"):
        with bench_race.timing("cpu") as clock:
            assert clock is time.thread_time
        assert {lib["num_threads"] for lib in threadpool_info()} == {1}
        if race_peers.torch is not None:
            assert race_peers.torch.get_num_threads() == 1


def test_sweep_stays_near_its_budget_when_a_peer_never_reaches_the_target():
    """A peer costing 2 ms of CPU an iteration that never converges: its sweep stops after
    about the budget (its fits capped by max_iter), not after 10000 iterations a fit."""

    def slow_peer(X, y, tol, max_iter):
        start = time.process_time()
        while time.process_time() - start < 2e-3 * max_iter:
            pass
        return np.zeros((X.shape[1], 1)), np.zeros(1), max_iter

    X, y = np.ones((4, 2)), np.array([0, 1, 0, 1])
    notes = []
    start = time.process_time()
    tols, never = (1e-2, 1e-3, 1e-4), lambda coef, intercept: 1.0
    trace = bench_race.sweep("slow", slow_peer, tols, X, y, never, 0.5, "cpu", 0.3, False, notes)
    spent = time.process_time() - start
    assert spent < 1.2  # probe + at most the budget + FIT_CAP x what is left
    assert all(p["max_iter"] < race_peers.MAX_ITER for p in trace)
    assert len(notes) == 1 and "sweep stopped" in notes[0] and "max_iter" in notes[0]


def _row(name, cpu, wall, gap):
    row = {"candidate": name, "tol": None, "runs": 2, "gap": gap, "max_gap": gap}
    for mode, t in (("cpu", cpu), ("wall", wall)):
        row.update({f"{mode}_{k}_s": t for k in ("median", "min", "max")}, **{f"{mode}_runs": 1})
    return row


def test_summary_marks_wins_and_a_default_fit_that_misses_the_target():
    result = {
        "problem": "p",
        "n_samples": 10,
        "n_features": 2,
        "n_classes": 2,
        "dtype": "float64",
        "sparse": False,
        "rows": [_row("ours (defaults)", 1.0, 4.0, 3e-6), _row("lbfgs", 2.0, 2.0, 1e-7)],
        "notes": [],
    }
    for mode in ("cpu", "wall"):
        result[f"fastest_peer_{mode}"] = "lbfgs"
        result[f"ours_over_fastest_{mode}"] = result["rows"][0][f"{mode}_median_s"] / 2.0
    header, (row,) = race_report.summary_rows([result])
    assert len(header) == len(row) == 10
    assert row[3] == "3.0e-06 (misses 1e-6)"
    assert row[4:] == ["1", "lbfgs 2", "**0.50**", "4", "lbfgs 2", "2.00"]
    cuda = {"ran": False, "note": "not run: no GPU"}
    assert "CUDA race: not run: no GPU" in race_report.markdown({}, [result], cuda)
    assert "CUDA race: not run: no GPU" in race_report.rest({}, [result], cuda)


def test_cuda_race_says_why_it_did_not_run(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    result = bench_race.cuda_race({"breast_cancer": None}, 1, 1.0)
    assert result["ran"] is False and "no GPU" in result["note"]


@pytest.mark.slow  # the race on the bundled data sets (about a minute on 2 cores)
def test_bench_race_quick_writes_a_row_per_problem_and_candidate(tmp_path):
    out = tmp_path / "race.md"
    bench_race.main(["--quick", "--repeats", "1", "--out", str(out)])
    table = out.read_text()
    results = json.loads(out.with_suffix(".json").read_text())
    assert [p["problem"] for p in results["problems"]] == list(race_problems.QUICK_PROBLEMS)
    expected = ["ours (defaults)", "lbfgs", "newton-cholesky", "newton-cg"]
    for problem in results["problems"]:
        names = [row["candidate"] for row in problem["rows"]]
        assert names[: len(expected)] == expected
        if race_peers.torch is not None:
            assert "torch LBFGS" in names
        if race_peers.glum is not None and problem["n_classes"] == 2:
            assert "glum" in names
        for row in problem["rows"]:
            gap = row["gap"] if row["runs"] else row["best_gap"]
            assert math.isfinite(gap), (problem["problem"], row["candidate"])
            assert gap > -1e-9  # J* is the lowest objective seen
            assert f"| {problem['problem']} | {row['candidate']} |" in table
            for mode in bench_race.MODES if row["runs"] else ():
                assert row[f"{mode}_runs"] == 1
                assert 0 < row[f"{mode}_min_s"] <= row[f"{mode}_median_s"] <= row[f"{mode}_max_s"]
        ours = problem["rows"][0]
        assert ours["runs"] == 2 and ours["tol"] is None  # one CPU and one wall run
        for mode in bench_race.MODES:
            fastest = problem[f"fastest_peer_{mode}"]
            peer = next(r for r in problem["rows"] if r["candidate"] == fastest)
            ratio = ours[f"{mode}_median_s"] / peer[f"{mode}_median_s"]
            assert problem[f"ours_over_fastest_{mode}"] == pytest.approx(ratio)
        assert f"| {problem['problem']} | {problem['n_samples']} x" in table
    if not results["cuda"]["ran"]:
        assert "CUDA race: not run" in table
    assert "CUDA race" in out.with_suffix(".rst").read_text()
    assert (tmp_path / "race.png").stat().st_size > 10_000


def test_cpu_clock_leaves_out_other_threads_of_the_process():
    # Another thread of the process busy for 0.1 s (as a pool spinning after an earlier
    # fit) while the fitting thread waits: the CPU clock does not count it.
    import threading

    def spin():
        end = time.perf_counter() + 0.1
        while time.perf_counter() < end:
            pass

    with bench_race.timing("cpu") as clock:
        start = clock()
        worker = threading.Thread(target=spin)
        worker.start()
        worker.join()
        assert clock() - start < 0.05
