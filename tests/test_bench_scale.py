"""Smoke test of benchmarks/bench_scale.py on tiny sizes (no Dask cluster: too slow to start)."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from _versions import requires_array_api_dispatch

pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_scale  # noqa: E402

CANDIDATES = ("numpy", "torch-cpu", "sklearn-lbfgs")


def test_host_and_dask_blocks_are_the_same_data(monkeypatch):
    pytest.importorskip("dask")
    monkeypatch.setattr(bench_scale, "CHUNK_ROWS", 250)
    X, y = bench_scale.host_problem(600, 5)
    X_dask, y_dask = bench_scale.dask_problem(600, 5)
    np.testing.assert_array_equal(X, X_dask.compute(scheduler="sync"))
    np.testing.assert_array_equal(y, y_dask.compute(scheduler="sync"))
    assert X_dask.chunks[0] == (250, 250, 100)
    assert 0.2 < y.mean() < 0.8


@requires_array_api_dispatch  # the torch-cpu candidate fits ours under dispatch
def test_bench_scale_writes_a_row_per_size_and_candidate(tmp_path, monkeypatch):
    monkeypatch.setattr(bench_scale, "CHUNK_ROWS", 1500)  # several blocks per array
    out = tmp_path / "scale.md"
    bench_scale.main(
        [
            "--sizes",
            "2000,4000",
            "--features",
            "10",
            "--repeats",
            "1",
            "--candidates",
            ",".join(CANDIDATES),
            "--out",
            str(out),
        ]
    )
    table = out.read_text()
    assert "no GPU available" in table or "GPU: " in table
    results = json.loads(out.with_suffix(".json").read_text())
    assert [row["n_samples"] for row in results["sizes"]] == [2000, 4000]
    for row in results["sizes"]:
        assert set(row["candidates"]) == set(CANDIDATES)
        for name, cand in row["candidates"].items():
            assert cand["median_time_s"] > 0
            assert cand["median_n_iter"] >= 1
            assert 0 <= cand["rel_gap"] < 1e-5, (row["n_samples"], name)
            assert f"| {row['n_samples']:,} | {name} |" in table
        assert row["candidates"]["numpy"]["solver"] == "momentum"
        assert row["candidates"]["numpy"]["time_over_numpy"] == 1.0
