"""Matched-accuracy race: time to a relative objective gap of 1e-6 (issue 15).

Usage::

    python benchmarks/bench_race.py [--quick] [--problems a,b] [--repeats N]
        [--race-budget 12] [--out benchmarks/results_race.md] [--plot benchmarks/race.png]

Each peer (scikit-learn's lbfgs, newton-cholesky and newton-cg; glum and torch LBFGS when
importable) runs a sweep of ``tol`` from loose to tight and is timed at the loosest setting
whose fit reaches ``(J - J*) / J* <= 1e-6``; ``GDLogisticRegression`` runs at its defaults.
Two timings of every chosen fit, round-robin: CPU time with one thread, and wall time with
the default threads. When CUDA is available, ``race_cuda.py`` races ours on CUDA tensors
against torch LBFGS on the GPU (in a subprocess: array API dispatch needs
``SCIPY_ARRAY_API=1`` before SciPy is imported). See ``benchmarks/README.md``.

How many runs: in each mode, every racing candidate of a problem runs once per round-robin
round, and every one gets the same number of rounds (a candidate whose chosen fit took more
than ``LONG_FIT_S`` is timed once). The first round of a mode measures it (in CPU mode the
sweep's runs of the chosen settings; in wall mode a first round); the rounds are then
``floor(race_budget / time of that round)``, at least ``MIN_ROUNDS`` (3), at most
``MAX_ROUNDS`` (25), with ``race_budget`` (``RACE_BUDGET_S`` = 12 s; 2 s with ``--quick``) the
time of a problem's timed fits in one mode, about 2 s for each of its 5-6 candidates. So a
problem of millisecond fits gets 25 runs, one whose round takes seconds gets 3. ``--repeats N``
fixes the rounds at N instead. The rounds of each problem are in the report. Each round
starts one candidate later than the one before (every candidate follows every other equally
often), and every timed fit starts after a pause of ``SETTLE_S`` (0.1 s), by which the worker
threads of the fit before (OpenBLAS's, OpenMP's, torch's) have stopped spinning: without it a
millisecond fit right after another library's paid for their spinning, in wall time and in
CPU time alike (they are threads of this process).
"""

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from bench_fit import problem_fields
from race_peers import ALPHA, MAX_ITER, TOLS, glum, make_candidates, objective, sklearn_fit, torch
from race_problems import FULL_PROBLEMS, QUICK_PROBLEMS
from race_report import PLOTTED, TARGET_GAP, markdown, plot, rest
from threadpoolctl import threadpool_info, threadpool_limits

SWEEP_BUDGET_S = 20.0  # CPU seconds of sweep fits per candidate and problem
QUICK_BUDGET_S = 3.0  # the same with --quick
FIT_CAP = 1.5  # a sweep fit may use at most this times the budget (max_iter is capped)
LONG_FIT_S = 20.0  # a chosen fit longer than this is timed once in each mode
RACE_BUDGET_S = 12.0  # seconds of a problem's timed fits in one mode (sets the rounds)
QUICK_RACE_BUDGET_S = 2.0  # the same with --quick
MIN_ROUNDS, MAX_ROUNDS = 3, 25  # round-robin rounds per problem and mode
SETTLE_S = 0.1  # pause before each timed fit of the race: other libraries' threads stop spinning
DEEP_GAP = 1e-9  # sweeps of the plotted problems go on to this gap
MODES = ("cpu", "wall")
OURS = "ours (defaults)"
DEFAULT_TORCH_THREADS = None if torch is None else torch.get_num_threads()
_IN_CPU_MODE = []


@contextmanager
def timing(mode):
    """The clock of a timing mode, with its threads.

    ``"cpu"``: ``time.thread_time`` with one BLAS / OpenMP thread (threadpoolctl) and one
    torch thread: the work done, whatever else runs on the machine. Every fit then runs in
    the calling thread; the clock of that thread alone leaves out other threads of the
    process that spin after an earlier fit (OpenMP pools wait up to 200 ms before they
    sleep; ``process_time`` counted them: ours on float32 read 0.19 s of CPU for 0.10 s of
    wall time after glum). ``"wall"`` (and ``"cuda"``): ``time.perf_counter`` with the
    libraries' default threads.

    Held for a whole phase (all the fits of one mode), not switched fit by fit: switching
    the thread pools back to their defaults wakes worker threads whose spinning the next
    fit's ``process_time`` would count (ours on breast_cancer_raw: median 10 ms of CPU
    after wall-mode fits, 3.4 ms of wall time). Nested in a CPU phase, it switches nothing.
    """
    if mode != "cpu" or _IN_CPU_MODE:
        yield time.thread_time if mode == "cpu" else time.perf_counter
        return
    with threadpool_limits(1):
        if torch is not None:
            torch.set_num_threads(1)
        _IN_CPU_MODE.append(True)
        try:
            yield time.thread_time
        finally:
            _IN_CPU_MODE.pop()
            if torch is not None:
                torch.set_num_threads(DEFAULT_TORCH_THREADS)


def timed_fit(mode, fit, X, y, tol, max_iter):
    with timing(mode) as clock:
        start = clock()
        coef, intercept, n_iter = fit(X, y, tol, max_iter)
        return clock() - start, coef, intercept, n_iter


def reference(X, y, J):
    """J of a tight second-order fit on float64 data: newton-cholesky (dense) or newton-cg
    (sparse) at ``tol=1e-12``, untimed, default threads."""
    X64 = X.astype(np.float64) if X.dtype != np.float64 else X
    fit = sklearn_fit("newton-cg" if sp.issparse(X) else "newton-cholesky")
    return J(*fit(X64, y, 1e-12)[:2])


def warm_up(make_cands, modes=MODES):
    """A fit of each candidate on tiny binary and 3-class problems in each mode, so that
    first-call costs (imports, thread pools, a CUDA context) stay out of the timings.

    ``make_cands(X, y)`` returns ``(cands, notes)`` as ``make_candidates`` does.
    """
    X = np.random.default_rng(0).standard_normal((60, 4))
    for mode in modes:
        with timing(mode):
            for y in ((X[:, 0] > 0).astype(np.int64), np.arange(60) % 3):
                cands, _ = make_cands(X, y)
                for fit, tols in cands.values():
                    timed_fit(mode, fit, X, y, tols[0], 20)


# --------------------------------------------------------------------------- one problem


def sweep(cname, fit, tols, X, y, J, j_ref, mode, budget, deep, notes):
    """Single fits from loose to tight ``tol``: the gap-time trace of one candidate.

    Stops at the first fit within the target (``deep``: within ``DEEP_GAP``) or when the
    fits took ``budget`` seconds. A first fit with ``max_iter=1`` measures the cost of an
    iteration, so that no fit runs far past the budget: each gets the iterations of at most
    ``FIT_CAP`` times the budget (a fit stopped by that ``max_iter`` records it).
    """
    trace, spent, iter_s, work = [], 0.0, None, [0.0, 0]
    if cname != OURS and len(tols) > 1:
        iter_s, *_ = timed_fit(mode, fit, X, y, tols[0], 1)
        spent += iter_s
    for tol in tols:
        max_iter = MAX_ITER
        if iter_s is not None:
            max_iter = int(min(MAX_ITER, max(2, FIT_CAP * budget / iter_s)))
        seconds, coef, intercept, n_iter = timed_fit(mode, fit, X, y, tol, max_iter)
        spent += seconds
        value = J(coef, intercept)
        trace.append({"tol": tol, "s": seconds, "J": value, "n_iter": n_iter})
        if n_iter >= max_iter < MAX_ITER:  # stopped by the cap: the setting includes it
            trace[-1]["max_iter"] = max_iter
        if iter_s is not None:
            work = [work[0] + seconds, work[1] + max(n_iter, 1)]
            iter_s = work[0] / work[1]
        reached = value - j_ref <= TARGET_GAP * j_ref
        if (reached and not deep) or value - j_ref <= DEEP_GAP * j_ref:
            break
        if spent > budget:
            if not reached:
                capped = " (last fit stopped at its max_iter)" if "max_iter" in trace[-1] else ""
                notes.append(f"{cname}: sweep stopped at tol {tol:.0e}, {spent:.0f} s{capped}")
            break
    return trace


def race_rounds(round_s, race_budget, repeats=None):
    """Round-robin rounds of one problem in one mode: ``repeats`` if given, else as many
    rounds of ``round_s`` seconds as fit in ``race_budget``, within
    ``[MIN_ROUNDS, MAX_ROUNDS]``."""
    if repeats is not None:
        return repeats
    if round_s <= 0:
        return MIN_ROUNDS
    return int(min(MAX_ROUNDS, max(MIN_ROUNDS, math.floor(race_budget / round_s))))


def summary_row(cname, point, runs, gaps, modes):
    row = {"candidate": cname, "reached": bool(np.max(gaps) <= TARGET_GAP), "tol": point["tol"]}
    if "max_iter" in point:
        row["max_iter"] = point["max_iter"]
    for mode in modes:
        t = np.asarray(runs[mode])
        row.update(
            {
                f"{mode}_median_s": float(np.median(t)),
                f"{mode}_min_s": float(t.min()),
                f"{mode}_max_s": float(t.max()),
                f"{mode}_runs": len(t),
            }
        )
    row.update(gap=float(np.median(gaps)), max_gap=float(np.max(gaps)), runs=len(gaps))
    return row


def run_problem(
    name,
    X,
    y,
    repeats,
    plotted,
    budget,
    cands=None,
    notes=None,
    modes=MODES,
    race_budget=RACE_BUDGET_S,
):
    """Sweeps (timed in ``modes[0]``), then the race: in each mode in turn, round-robin
    rounds of every chosen fit (the sweep run is the first of ``modes[0]``): ``repeats``
    rounds, or with ``repeats=None`` as many as ``race_rounds`` gives for the first round's
    time and ``race_budget``."""
    classes, codes = np.unique(y, return_inverse=True)
    K = len(classes)
    X_eval = X.astype(np.float64) if X.dtype != np.float64 else X

    def J(coef, intercept):
        return objective(X_eval, codes, K, coef, intercept)

    t0 = time.perf_counter()
    j_ref = reference(X, y, J)
    print(f"{name}: reference in {time.perf_counter() - t0:.1f} s", flush=True)
    if cands is None:
        cands, notes = make_candidates(X, K)
    notes = list(notes or [])

    sweeps = {}
    with timing(modes[0]):
        for cname, (fit, tols) in cands.items():
            t0 = time.perf_counter()
            trace = sweep(cname, fit, tols, X, y, J, j_ref, modes[0], budget, plotted, notes)
            sweeps[cname] = trace
            print(f"  {cname}: {len(trace)} settings, {time.perf_counter() - t0:.1f} s")
        if plotted:  # ours at tol 1e-2 ... 1e-9 too, for the time-to-accuracy plot only
            ours = cands[OURS][0]
            sweeps["ours (tol sweep)"] = []
            for tol in TOLS[:8]:
                seconds, coef, intercept, n_iter = timed_fit(modes[0], ours, X, y, tol, None)
                sweeps["ours (tol sweep)"].append(
                    {"tol": tol, "s": seconds, "J": J(coef, intercept), "n_iter": n_iter}
                )
    # J* below every fit seen (a candidate may land below the reference).
    j_star = min([j_ref] + [p["J"] for trace in sweeps.values() for p in trace])
    for trace in sweeps.values():
        for p in trace:
            p["gap"] = (p["J"] - j_star) / j_star

    chosen = {}
    for cname in cands:
        ok = [p for p in sweeps[cname] if p["gap"] <= TARGET_GAP]
        chosen[cname] = sweeps[cname][0] if cname == OURS else (ok[0] if ok else None)
    racing = [c for c in cands if chosen[c] is not None]
    runs = {c: {mode: [] for mode in modes} for c in racing}
    gaps = {c: [] for c in racing}
    for c in racing:
        runs[c][modes[0]].append(chosen[c]["s"])
        gaps[c].append(chosen[c]["gap"])

    def race_round(mode):
        # Each round starts one candidate later, so every candidate follows every other
        # equally often; each fit starts after a pause, by which the worker threads of the
        # previous fit (torch's, OpenMP's) have stopped spinning: a short fit right after
        # another library's would otherwise pay for them (in CPU time too: they are
        # threads of this process).
        first = len(runs[racing[0]][mode]) % len(racing)
        for c in racing[first:] + racing[:first]:
            if runs[c][mode] and chosen[c]["s"] > LONG_FIT_S:
                continue
            fit, point = cands[c][0], chosen[c]
            time.sleep(SETTLE_S)
            seconds, coef, intercept, _ = timed_fit(
                mode, fit, X, y, point["tol"], point.get("max_iter", MAX_ITER)
            )
            runs[c][mode].append(seconds)
            gaps[c].append((J(coef, intercept) - j_star) / j_star)

    rounds, round_s = {}, {}
    for mode in modes:
        with timing(mode):
            if mode != modes[0]:  # in modes[0] the sweep run is the first round
                race_round(mode)
            every = [c for c in racing if chosen[c]["s"] <= LONG_FIT_S]
            round_s[mode] = float(sum(runs[c][mode][0] for c in every))
            rounds[mode] = race_rounds(round_s[mode], race_budget, repeats)
            for _ in range(rounds[mode] - 1):
                race_round(mode)
    print(f"  rounds: {rounds} (one round: {', '.join(f'{v:.3g} s' for v in round_s.values())})")

    rows = []
    for c in cands:
        if c in racing:
            rows.append(summary_row(c, chosen[c], runs[c], gaps[c], modes))
        else:
            best = min(sweeps[c], key=lambda q: q["gap"])
            rows.append({"candidate": c, "reached": False, "best_gap": best["gap"], "runs": 0})
    result = {
        **problem_fields(name, X, K),
        "j_star": j_star,
        "j_reference": j_ref,
        "rows": rows,
        "rounds": rounds,
        "round_s": round_s,
        "sweeps": sweeps,
        "notes": notes,
    }
    ours = rows[0]
    peers = [r for r in rows[1:] if r["runs"]]
    for mode in modes:
        fastest = min(peers, key=lambda r: r[f"{mode}_median_s"]) if peers else None
        result[f"fastest_peer_{mode}"] = None if fastest is None else fastest["candidate"]
        result[f"ours_over_fastest_{mode}"] = (
            None if fastest is None else ours[f"{mode}_median_s"] / fastest[f"{mode}_median_s"]
        )
    return result


# --------------------------------------------------------------------------- CUDA


def cuda_race(problems, repeats, budget, race_budget=RACE_BUDGET_S):
    """The CUDA race (``race_cuda.py`` in a subprocess), or why it did not run."""
    if torch is None:
        return {"ran": False, "note": "not run: torch is not installed"}
    if not torch.cuda.is_available():
        return {
            "ran": False,
            "note": "not run: no GPU on this machine (torch.cuda.is_available() is False; "
            "no GPU was lent to this run). race_cuda.py runs it where CUDA is available.",
        }
    dense = [name for name in problems if name != "sparse_binary"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cuda.json"
        command = [sys.executable, str(Path(__file__).with_name("race_cuda.py"))]
        command += ["--problems", ",".join(dense), "--budget", str(budget)]
        command += ["--race-budget", str(race_budget), "--json", str(out)]
        if repeats is not None:
            command += ["--repeats", str(repeats)]
        env = {**os.environ, "SCIPY_ARRAY_API": "1"}
        process = subprocess.run(command, env=env, capture_output=True, text=True)
        if process.returncode != 0 or not out.is_file():
            return {"ran": False, "note": f"failed: {process.stderr.strip()[-500:]}"}
        return json.loads(out.read_text())


# --------------------------------------------------------------------------- main


def _code_version():
    """The commit measured, and whether the package had uncommitted changes."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "sklearn_logloss"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown (no git)"
    return head + (" + uncommitted changes in sklearn_logloss/" if dirty else "")


def rounds_rule(repeats, race_budget):
    """The rule of ``race_rounds`` in words, for the report."""
    first = (
        f"the sweep run is the first CPU run; each round starts one candidate later, and each "
        f"timed fit after a pause of {SETTLE_S:g} s"
    )
    if repeats is not None:
        return f"{repeats} round-robin runs in each mode ({first})"
    return (
        f"N round-robin runs in each mode ({first}): N = floor({race_budget:g} s / the time of "
        f"the first round of every racing candidate in that mode), at least {MIN_ROUNDS}, at "
        f"most {MAX_ROUNDS}, the same for every candidate of a problem; N per problem under "
        "'Timed runs'"
    )


def _meta(args, start):
    versions = f"python {platform.python_version()}, numpy {np.__version__}, scipy "
    versions += f"{scipy.__version__}, scikit-learn {sklearn.__version__}"
    versions += ", torch not installed" if torch is None else f", torch {torch.__version__}"
    versions += ", glum not installed" if glum is None else f", glum {glum.__version__}"
    default_threads = sorted({lib["num_threads"] for lib in threadpool_info()})
    torch_threads = "" if torch is None else f", torch {DEFAULT_TORCH_THREADS}"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, nproc={os.cpu_count()}",
        "load average at start": ", ".join(f"{v:.2f}" for v in start["load"]),
        "versions": versions,
        "code": _code_version(),
        "timing": "CPU: time.thread_time (the fitting thread) with one BLAS/OpenMP/torch thread; "
        "wall: "
        f"time.perf_counter with default threads (BLAS/OpenMP {default_threads}{torch_threads});"
        f" median/min/max of {rounds_rule(args.repeats, start['race_budget'])}",
        "target": f"relative gap (J - J*)/J* <= {TARGET_GAP:g}, alpha={ALPHA:g}, C = 1/(alpha n)",
        "sweep budget": f"{start['budget']:g} CPU s per candidate and problem",
        "total wall time": f"{time.perf_counter() - start['time']:.0f} s",
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="bundled data sets only")
    parser.add_argument(
        "--repeats", type=int, default=None, help="fixed rounds (default: the budget's rule)"
    )
    parser.add_argument(
        "--race-budget", type=float, default=None, help="timed fits per problem and mode (s)"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results_race.md"))
    parser.add_argument("--plot", type=Path, default=None, help="default: race.png next to --out")
    parser.add_argument("--problems", default=None, help="comma-separated subset")
    parser.add_argument("--budget", type=float, default=None, help="sweep budget (CPU s)")
    args = parser.parse_args(argv)
    problems = QUICK_PROBLEMS if args.quick else FULL_PROBLEMS
    if args.problems:
        problems = {k: FULL_PROBLEMS[k] for k in args.problems.split(",")}
    budget = args.budget or (QUICK_BUDGET_S if args.quick else SWEEP_BUDGET_S)
    race_budget = args.race_budget or (QUICK_RACE_BUDGET_S if args.quick else RACE_BUDGET_S)
    start = {"time": time.perf_counter(), "load": os.getloadavg(), "budget": budget}
    start["race_budget"] = race_budget
    results = []
    warm_up(lambda X, y: make_candidates(X, len(np.unique(y))))
    for name, load in problems.items():
        X, y = load()
        plotted = name in PLOTTED and not args.quick
        results.append(
            run_problem(name, X, y, args.repeats, plotted, budget, race_budget=race_budget)
        )
        del X, y
    cuda = cuda_race(problems, args.repeats, budget, race_budget)
    meta = _meta(args, start)
    table = markdown(meta, results, cuda)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table)
    args.out.with_suffix(".json").write_text(
        json.dumps({"meta": meta, "problems": results, "cuda": cuda}, indent=1)
    )
    args.out.with_suffix(".rst").write_text(rest(meta, results, cuda))
    plot(results, args.plot or args.out.with_name("race.png"))
    return results


if __name__ == "__main__":
    main()
