"""The matched-accuracy race on a GPU: ours on torch CUDA tensors against torch LBFGS.

Usage::

    python benchmarks/race_cuda.py [--problems breast_cancer,dense_binary] [--repeats N]
        [--budget 20] [--race-budget 12] [--device cuda] --json out.json

``bench_race.py`` runs it in a subprocess when ``torch.cuda.is_available()``. The data is moved
to the device once, before any fit (as a user's data already on the GPU would be);
``GDLogisticRegression`` fits it under ``sklearn.config_context(array_api_dispatch=True)``;
torch LBFGS runs the race's sweep of ``tol`` on the same tensors. Times are wall seconds
(``time.perf_counter`` after ``torch.cuda.synchronize``); the gaps are measured on the host
against the race's float64 reference. cuML's ``LogisticRegression`` joins when importable.
Dense problems only. The rounds of each problem follow ``bench_race.py``'s rule (``--repeats``
fixes them). ``--device cpu`` runs the same code on CPU tensors (the smoke test).
"""

import os

# Array API dispatch needs SciPy's array API support, switched on before SciPy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import argparse  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from bench_race import OURS, RACE_BUDGET_S, run_problem, warm_up  # noqa: E402
from race_peers import ALPHA, MAX_ITER, TOLS, quiet, to_torch, torch, torch_lbfgs  # noqa: E402
from race_problems import FULL_PROBLEMS  # noqa: E402

from sklearn_logloss import GDLogisticRegression  # noqa: E402

try:
    import cuml
except ImportError:  # pragma: no cover - needs CUDA
    cuml = None


def host(tensor):
    return tensor.detach().cpu().double().numpy()


def device_candidates(X, y, device):
    """``name -> (fit, tols)`` on tensors moved to ``device`` once; notes."""
    Xt = to_torch(X, device)
    classes, codes = np.unique(y, return_inverse=True)
    yt = torch.from_numpy(np.asarray(y)).to(device)
    codes_t = torch.from_numpy(codes).to(device)
    sync = torch.cuda.synchronize if Xt.device.type == "cuda" else None

    def ours(X_host, y_host, tol, max_iter=None):
        kwargs = {} if tol is None else {"tol": tol}
        with sklearn.config_context(array_api_dispatch=True):
            model = quiet(lambda: GDLogisticRegression(**kwargs).fit(Xt, yt))
        if sync is not None:
            sync()
        return host(model.coef_).T, host(model.intercept_), int(np.max(model.n_iter_))

    def lbfgs(X_host, y_host, tol, max_iter=MAX_ITER):
        return quiet(lambda: torch_lbfgs(Xt, codes_t, len(classes), tol, max_iter, sync))

    cands = {OURS: (ours, (None,)), "torch LBFGS": (lbfgs, TOLS)}
    notes = []
    if cuml is None:
        notes.append("cuML: not importable, skipped")
    else:  # pragma: no cover - needs CUDA
        C = 1.0 / (ALPHA * X.shape[0])

        def cuml_fit(X_host, y_host, tol, max_iter=MAX_ITER):
            model = cuml.LogisticRegression(C=C, tol=tol, max_iter=max_iter, output_type="numpy")
            quiet(lambda: model.fit(Xt, codes_t))
            if sync is not None:
                sync()
            coef = np.asarray(model.coef_, dtype=np.float64).reshape(-1, X.shape[1]).T
            intercept = np.asarray(model.intercept_, dtype=np.float64).ravel()
            return coef, intercept, int(np.max(np.asarray(model.n_iter_)))

        cands["cuML"] = (cuml_fit, TOLS)
    return cands, notes


def device_race(names, device, repeats, budget, race_budget=RACE_BUDGET_S):
    results = []
    warm_up(lambda X, y: device_candidates(X, y, device), modes=("cuda",))
    for name in names:
        X, y = FULL_PROBLEMS[name]()
        cands, notes = device_candidates(X, y, device)
        results.append(
            run_problem(
                name,
                X,
                y,
                repeats,
                False,
                budget,
                cands,
                notes,
                modes=("cuda",),
                race_budget=race_budget,
            )
        )
        del X, y, cands
    gpu = torch.cuda.get_device_name(0) if device.startswith("cuda") else f"device {device}"
    return {"ran": True, "gpu": gpu, "problems": results}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default="breast_cancer,digits,dense_binary")
    parser.add_argument("--repeats", type=int, default=None, help="fixed rounds")
    parser.add_argument("--budget", type=float, default=20.0)
    parser.add_argument("--race-budget", type=float, default=RACE_BUDGET_S)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args(argv)
    names = args.problems.split(",")
    result = device_race(names, args.device, args.repeats, args.budget, args.race_budget)
    args.json.write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
