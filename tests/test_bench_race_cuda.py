"""The GPU race's code path (benchmarks/race_cuda.py), run on CPU tensors."""

import sys
from pathlib import Path

import pytest
from _versions import requires_array_api_dispatch

pytest.importorskip("torch")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import race_cuda  # noqa: E402


@pytest.mark.slow  # array API fits of ours on torch tensors (about 10 s)
@requires_array_api_dispatch
def test_device_race_on_cpu_tensors_races_ours_against_torch_lbfgs(tmp_path):
    out = tmp_path / "cuda.json"
    result = race_cuda.main(
        ["--device", "cpu", "--problems", "breast_cancer", "--repeats", "2", "--budget", "5"]
        + ["--json", str(out)]
    )
    assert out.is_file() and result["ran"] and result["gpu"] == "device cpu"
    (problem,) = result["problems"]
    rows = {row["candidate"]: row for row in problem["rows"]}
    assert set(rows) >= {"ours (defaults)", "torch LBFGS"}
    for name in ("ours (defaults)", "torch LBFGS"):
        row = rows[name]
        assert row["cuda_runs"] == 2, name
        assert 0 < row["cuda_min_s"] <= row["cuda_median_s"] <= row["cuda_max_s"]
        assert -1e-9 < row["max_gap"] < 1e-5, name  # ours' fit on tensors is a real fit
    assert rows["torch LBFGS"]["max_gap"] <= 1e-6  # chosen where it reaches the target
    assert problem["fastest_peer_cuda"] == "torch LBFGS"
