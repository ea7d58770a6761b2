"""Wall time and objective gap of GDLogisticRegression against lbfgs and SGD.

Usage::

    python benchmarks/bench_fit.py [--quick] [--repeats 3] [--out benchmarks/results.md]

See ``benchmarks/README.md`` for what is measured and how to read the table.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from scipy.special import expit
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

from sklearn_logloss import GDLogisticRegression
from sklearn_logloss._loss import LinearLogLoss
from sklearn_logloss._solvers import auto_solver, coarse_strides

ALPHA = 1e-4
# lbfgs at tol=1e-12 on the sparse problem (d=20000) is slow; its reference
# fit is capped at this many iterations (reported in the table notes).
SPARSE_REFERENCE_MAX_ITER = 2000
REFERENCE_MAX_ITER = 10000


# --------------------------------------------------------------------------- problems


def problem_fields(name, X, n_classes):
    """The fields that describe a problem in a results row (shared with bench_race.py)."""
    return {
        "problem": name,
        "n_samples": X.shape[0],
        "n_features": X.shape[1],
        "n_classes": n_classes,
        "dtype": str(X.dtype),
        "sparse": bool(sp.issparse(X)),
    }


def _standardized(X):
    return StandardScaler().fit_transform(X)


def breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return _standardized(X), y


def digits():
    X, y = load_digits(return_X_y=True)
    return _standardized(X), y


def dense_binary():
    X, y = make_classification(n_samples=200_000, n_features=100, random_state=0)
    return _standardized(X), y


def dense_binary_float32():
    X, y = dense_binary()
    return X.astype(np.float32), y


def dense_multiclass():
    """10 classes, moderately ill-conditioned: 20 of the 50 features are linear
    combinations of 10 informative ones and the classes are well separated
    (``class_sep=2``), so at ``alpha=1e-4`` the curvature spreads over orders of
    magnitude (lbfgs needs about 90 iterations to converge fully, 38 at its
    default tol)."""
    X, y = make_classification(
        n_samples=100_000,
        n_features=50,
        n_informative=10,
        n_redundant=20,
        n_classes=10,
        class_sep=2.0,
        random_state=1,
    )
    return _standardized(X), y


def sparse_binary():
    """CSR 100000 x 20000, 0.1% density, labels drawn from a planted linear model."""
    rng = np.random.default_rng(0)
    n, d = 100_000, 20_000
    X = sp.random(n, d, density=1e-3, format="csr", random_state=rng, dtype=np.float64)
    w = rng.standard_normal(d)
    z = X @ w
    z -= np.median(z)
    y = (rng.random(n) < expit(z)).astype(np.int64)
    return X, y


QUICK_PROBLEMS = {"breast_cancer": breast_cancer, "digits": digits}
FULL_PROBLEMS = {
    **QUICK_PROBLEMS,
    "dense_binary": dense_binary,
    "dense_10class": dense_multiclass,
    "sparse_binary": sparse_binary,
    "dense_binary_float32": dense_binary_float32,
}
TRACED = ("breast_cancer", "digits")


# --------------------------------------------------------------------------- helpers


def packed_coef(model):
    """``(n_features + 1, n_outputs)`` coefficients in LinearLogLoss's layout, float64."""
    coef = np.vstack([np.asarray(model.coef_).T, np.asarray(model.intercept_)[None]])
    return coef.astype(np.float64)


def make_objective(X, codes, n_classes):
    """J(coef) evaluated in float64 (float32 data is cast up once for the evaluation)."""
    if sp.issparse(X):
        X_eval = X.astype(np.float64)
    else:
        X_eval = np.ascontiguousarray(X, dtype=np.float64)
    loss = LinearLogLoss(
        X_eval,
        codes,
        np.ones(X.shape[0]),
        n_classes=n_classes,
        alpha=ALPHA,
        fit_intercept=True,
    )
    return lambda model: loss.objective(packed_coef(model))


def candidates(n_samples):
    C = 1.0 / (ALPHA * n_samples)
    return {
        "ours": lambda: GDLogisticRegression(alpha=ALPHA),
        "lbfgs": lambda: LogisticRegression(C=C),
        "sgd": lambda: SGDClassifier(loss="log_loss", alpha=ALPHA),
    }


def fit_quiet(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y)


#: Pause before each timed fit: the previous fit's worker threads (OpenBLAS's, OpenMP's) stop
#: spinning by then; a millisecond fit right after another library's otherwise pays for them
#: (see bench_race.SETTLE_S).
SETTLE_S = 0.1


def timed_fit(model, X, y):
    time.sleep(SETTLE_S)
    start = time.perf_counter()
    fit_quiet(model, X, y)
    return time.perf_counter() - start, model


def product_floor(X, n_outputs, repeats=7):
    """Times of ``X @ W`` plus ``X.T @ R`` at the fit's shape and dtype (``repeats`` runs)."""
    rng = np.random.default_rng(0)
    n, d = X.shape
    W = rng.standard_normal((d, n_outputs)).astype(X.dtype)
    R = rng.standard_normal((n, n_outputs)).astype(X.dtype)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        X @ W
        X.T @ R
        times.append(time.perf_counter() - start)
    return times


def peak_extra_memory(X, y):
    """Peak bytes allocated during an (untimed) fit of ours, traced by tracemalloc."""
    tracemalloc.start()
    try:
        fit_quiet(GDLogisticRegression(alpha=ALPHA), X, y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def gap_trace(X, y, objective, j_star, n_iter):
    """Relative gap of ours after ``max_iter=k`` iterations, with each fit's time."""
    ks = np.unique(np.round(np.geomspace(1, max(n_iter, 1), 10)).astype(int))
    trace = []
    for k in ks:
        seconds, model = timed_fit(GDLogisticRegression(alpha=ALPHA, max_iter=int(k)), X, y)
        gap = (objective(model) - j_star) / j_star
        trace.append(
            {"max_iter": int(k), "n_iter": int(model.n_iter_), "time_s": seconds, "gap": gap}
        )
    return trace


# --------------------------------------------------------------------------- one problem


def run_problem(name, X, y, repeats):
    n, d = X.shape
    classes = np.unique(y)
    codes = np.searchsorted(classes, y)
    K = len(classes)
    n_outputs = 1 if K == 2 else K
    objective = make_objective(X, codes, K)

    # Reference optimum, fitted on float64 data (the float32 problem's values cast up).
    X_ref = X.astype(np.float64) if X.dtype != np.float64 else X
    ref_max_iter = SPARSE_REFERENCE_MAX_ITER if sp.issparse(X) else REFERENCE_MAX_ITER
    start = time.perf_counter()
    ref = fit_quiet(
        LogisticRegression(C=1.0 / (ALPHA * n), tol=1e-12, max_iter=ref_max_iter), X_ref, y
    )
    ref_seconds = time.perf_counter() - start
    j_star = objective(ref)
    ref_n_iter = int(np.max(ref.n_iter_))
    del X_ref
    print(f"  {name}: reference lbfgs {ref_n_iter} iterations in {ref_seconds:.1f} s", flush=True)

    loss = LinearLogLoss(X, codes, np.ones(n), n_classes=K, alpha=ALPHA, fit_intercept=True)
    solver, strides = auto_solver(loss), coarse_strides(loss)
    del loss
    makers = candidates(n)
    # The solver "auto" stands for, named: no coarse problems first. Its
    # iterations all run on the whole of X, so they measure the cost of one.
    makers["ours_no_coarse"] = lambda: GDLogisticRegression(alpha=ALPHA, solver=solver)
    # One iteration of it: the setup (validation, first gradient) plus one step,
    # so that (t_full - t_one) / (n_iter - 1) is the marginal cost of an iteration.
    makers["ours_one_iter"] = lambda: GDLogisticRegression(alpha=ALPHA, solver=solver, max_iter=1)
    times = {key: [] for key in makers}
    gaps = {key: [] for key in makers}
    n_iters = {key: [] for key in makers}
    floor_times = []
    for _ in range(repeats):  # round-robin: one fit of each candidate per round
        # The floor too, in every round, so that a drift of the machine's
        # speed over the run moves the floor with the fits.
        floor_times += product_floor(X, n_outputs)
        for key, make in makers.items():
            seconds, model = timed_fit(make(), X, y)
            times[key].append(seconds)
            gaps[key].append((objective(model) - j_star) / j_star)
            n_iters[key].append(int(np.max(model.n_iter_)))
            print(f"  {name}: {key} {seconds:.2f} s, {n_iters[key][-1]} iterations", flush=True)

    floor = float(np.median(floor_times))
    ours_time = float(np.median(times["ours"]))
    ours_iter = int(np.median(n_iters["ours"]))
    plain_time = float(np.median(times["ours_no_coarse"]))
    plain_iter = int(np.median(n_iters["ours_no_coarse"]))
    row = {
        **problem_fields(name, X, K),
        "x_bytes": int(X.data.nbytes + X.indices.nbytes + X.indptr.nbytes)
        if sp.issparse(X)
        else int(X.nbytes),
        "j_star": j_star,
        "reference_n_iter": ref_n_iter,
        "reference_max_iter": ref_max_iter,
        "reference_time_s": ref_seconds,
        "times_s": times,
        "gaps": gaps,
        "n_iter": n_iters,
        "median_time_s": {key: float(np.median(v)) for key, v in times.items()},
        "median_gap": {key: float(np.median(v)) for key, v in gaps.items()},
        "median_n_iter": {key: int(np.median(v)) for key, v in n_iters.items()},
        "floor_s": floor,
        "ours_solver": solver,
        "coarse_strides": strides,
        "ours_per_iter_s": plain_time / max(plain_iter, 1),
        "ours_per_iter_over_floor": plain_time / max(plain_iter, 1) / floor,
        "ours_marginal_iter_over_floor": (
            (plain_time - float(np.median(times["ours_one_iter"]))) / (plain_iter - 1) / floor
            if plain_iter > 1
            else None
        ),
        "ratio_ours_over_lbfgs": ours_time / float(np.median(times["lbfgs"])),
    }
    if sp.issparse(X):
        row["peak_extra_bytes"] = None
        row["peak_extra_pct_of_x"] = None
    else:
        peak = peak_extra_memory(X, y)
        row["peak_extra_bytes"] = int(peak)
        row["peak_extra_pct_of_x"] = 100.0 * peak / X.nbytes
    if name in TRACED:
        row["gap_trace"] = gap_trace(X, y, objective, j_star, ours_iter)
    return row


# --------------------------------------------------------------------------- report


def machine_info():
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in lscpu.splitlines()
                if line.startswith("Model name")
            ),
            platform.processor() or "unknown",
        )
    except OSError:
        model = platform.processor() or "unknown"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": model,
        "nproc": os.cpu_count(),
        "loadavg_at_start": list(os.getloadavg()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
    }


def _fmt_gap(value):
    return f"{value:.1e}"


def markdown(info, rows, blas_threads, repeats, total_seconds):
    lines = [
        "# GDLogisticRegression fit benchmark",
        "",
        f"- date: {info['date']}",
        f"- machine: {info['cpu']}, nproc={info['nproc']}",
        "- load average at start (1/5/15 min): "
        + ", ".join(f"{v:.2f}" for v in info["loadavg_at_start"]),
        f"- versions: python {info['python']}, numpy {info['numpy']}, scipy {info['scipy']}, "
        f"scikit-learn {info['scikit-learn']}",
        f"- BLAS threads: set to {blas_threads} with threadpoolctl.threadpool_limits "
        f"({info['nproc']} cores)",
        f"- alpha={ALPHA:g}; times are medians of {repeats} round-robin repeats; "
        f"gap = (J - J*)/J* (median over repeats)",
        f"- total benchmark wall time: {total_seconds:.1f} s",
        "",
        "| problem | n x d | K | ours time (s) | ours gap | ours iter | lbfgs time (s) "
        "| lbfgs gap | SGD time (s) | SGD gap | ours/lbfgs | no-coarse time (s) "
        "| no-coarse iter | iter / floor | marginal iter / floor | ours peak mem (% of X) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        t, g, it = row["median_time_s"], row["median_gap"], row["median_n_iter"]
        shape = f"{row['n_samples']}x{row['n_features']}"
        if row["sparse"]:
            shape += " CSR"
        if row["dtype"] == "float32":
            shape += " f32"
        mem = row["peak_extra_pct_of_x"]
        marginal = row["ours_marginal_iter_over_floor"]
        lines.append(
            f"| {row['problem']} | {shape} | {row['n_classes']} | {t['ours']:.3f} "
            f"| {_fmt_gap(g['ours'])} | {it['ours']} | {t['lbfgs']:.3f} "
            f"| {_fmt_gap(g['lbfgs'])} | {t['sgd']:.3f} | {_fmt_gap(g['sgd'])} "
            f"| {row['ratio_ours_over_lbfgs']:.2f} | {t['ours_no_coarse']:.3f} "
            f"| {it['ours_no_coarse']} | {row['ours_per_iter_over_floor']:.2f} "
            f"| {'n/a' if marginal is None else f'{marginal:.2f}'} "
            f"| {'n/a' if mem is None else f'{mem:.1f}'} |"
        )
    lines += ["", "Notes:", ""]
    for row in rows:
        note = (
            f"- {row['problem']}: J* = {row['j_star']:.10g} from lbfgs tol=1e-12 "
            f"({row['reference_n_iter']} iterations, max_iter={row['reference_max_iter']}, "
            f"{row['reference_time_s']:.1f} s); floor = {1e3 * row['floor_s']:.3f} ms, "
            f"ours {1e3 * row['ours_per_iter_s']:.3f} ms/iter; "
            f"lbfgs iter {row['median_n_iter']['lbfgs']}, SGD epochs {row['median_n_iter']['sgd']}"
        )
        note += f"; ours solver (auto): {row['ours_solver']}"
        if row["coarse_strides"]:
            note += (
                ", after coarse problems on every "
                + " then every ".join(f"{k}th" for k in row["coarse_strides"])
                + " sample"
            )
        if row["reference_n_iter"] >= row["reference_max_iter"]:
            note += " (reference hit its iteration cap: J* is an upper bound on the optimum)"
        lines.append(note)
    lines += [
        '- ours: the defaults (solver="auto": on large problems coarse problems on '
        "subsamples first, then the named solver from their solution); ours iter counts "
        "the iterations on all samples. no-coarse: the named solver alone, from zero.",
        "- iter / floor: (no-coarse median fit time / its n_iter_) / floor; the whole fit "
        "time (validation, setup) is charged to the iterations. marginal iter / floor: "
        "(no-coarse fit time - time of its fit with max_iter=1) / (n_iter_ - 1) / floor, "
        'the cost of one more iteration. One "momentum" iteration makes '
        "one product with X and one with X^T plus pointwise work (about 1 + pointwise); "
        'one "bb" iteration reads X once for both products (blocked), plus pointwise work.',
        "- gaps below ~1e-9 are at the accuracy of J* itself; a negative gap means the "
        "candidate beat the reference.",
        "- SGD's gap is J of its (one-vs-rest for K > 2) coefficients under the same objective.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="bundled datasets only")
    parser.add_argument("--repeats", type=int, default=3, help="timed fits per candidate")
    parser.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count(),
        help="BLAS threads (default: the number of cores)",
    )
    parser.add_argument("--out", default=str(Path(__file__).with_name("results.md")))
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.threads < 1:
        parser.error("--threads must be at least 1")

    problems = QUICK_PROBLEMS if args.quick else FULL_PROBLEMS
    info = machine_info()
    blas_threads = args.threads
    start = time.perf_counter()
    rows = []
    with threadpool_limits(limits=blas_threads):
        blas = [
            {k: lib.get(k) for k in ("internal_api", "num_threads", "version")}
            for lib in threadpool_info()
        ]
        for name, build in problems.items():
            X, y = build()
            problem_start = time.perf_counter()
            rows.append(run_problem(name, X, y, args.repeats))
            print(f"{name}: {time.perf_counter() - problem_start:.1f} s", flush=True)
    total = time.perf_counter() - start

    table = markdown(info, rows, blas_threads, args.repeats, total)
    print(table)
    out = Path(args.out)
    out.write_text(table)
    results = {
        "machine": info,
        "blas": blas,
        "alpha": ALPHA,
        "repeats": args.repeats,
        "quick": args.quick,
        "total_time_s": total,
        "problems": rows,
        "gap_trace_method": "separate fits with max_iter=k (warnings ignored), "
        "one timed fit per k",
    }
    out.with_suffix(".json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
