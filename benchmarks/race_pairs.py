"""Ours against one peer of the matched-accuracy race, on chosen problems only.

A quick check between full races (``bench_race.py``): ``GDLogisticRegression`` at its defaults
against the peer that was fastest in CPU time to a relative gap of 1e-6 on that problem in the
last full race, at that peer's ``tol`` (and ``max_iter`` if the race capped it). ``PEERS`` is
read from ``results_race.json`` (the raw numbers behind ``results_race.md``), so it follows the
last race written there; any problem of ``race_problems.FULL_PROBLEMS`` in it can be chosen,
the unscaled (``_raw``) ones and the sparse one included. CPU time (``time.thread_time``, the
race's clock) with one BLAS/OpenMP/torch thread (``bench_race.timing("cpu")``), the two fits
alternating, median and min of ``--repeats`` runs; the gap of each fit against the race's reference
(``bench_race.reference``: newton-cholesky at ``tol=1e-12``, newton-cg on sparse data).

    python benchmarks/race_pairs.py breast_cancer breast_cancer_raw digits --repeats 15
"""

import argparse
import json
from pathlib import Path

import numpy as np
from bench_race import OURS, reference, timing
from race_peers import MAX_ITER, make_candidates, objective
from race_problems import FULL_PROBLEMS

RESULTS = Path(__file__).with_name("results_race.json")


def last_race_peers(path=RESULTS):
    """``problem -> (peer, tol, max_iter)``: the fastest peer in CPU time of the race in
    ``path`` and its chosen setting, for the problems where one reached the target."""
    if not path.is_file():
        return {}
    peers = {}
    for res in json.loads(path.read_text())["problems"]:
        name = res.get("fastest_peer_cpu")
        if name is None or res["problem"] not in FULL_PROBLEMS:
            continue
        row = next(r for r in res["rows"] if r["candidate"] == name)
        peers[res["problem"]] = (name, row["tol"], row.get("max_iter", MAX_ITER))
    return peers


#: The fastest peer of the last full race, its tol and max_iter, per problem.
PEERS = last_race_peers()


def race(name, repeats):
    X, y = FULL_PROBLEMS[name]()
    classes, codes = np.unique(y, return_inverse=True)
    K = len(classes)
    X64 = X.astype(np.float64) if X.dtype != np.float64 else X

    def gap_of(coef, intercept):
        return (objective(X64, codes, K, coef, intercept) - j_star) / j_star

    j_star = reference(X, y, lambda coef, intercept: objective(X64, codes, K, coef, intercept))
    solver, tol, max_iter = PEERS[name]
    cands, _ = make_candidates(X, K)
    if solver not in cands:
        raise SystemExit(f"{name}: {solver} is not available here (see race_peers.py)")
    ours, peer = cands[OURS][0], cands[solver][0]
    fits = {"ours": lambda: ours(X, y, None), solver: lambda: peer(X, y, tol, max_iter)}
    times = {key: [] for key in fits}
    with timing("cpu") as clock:
        for key, fit in fits.items():  # warm-up, and the gap each reaches
            coef, intercept, n_iter = fit()
            print(f"  {name} {key}: {n_iter} iterations, gap {gap_of(coef, intercept):.1e}")
        for _ in range(repeats):
            for key, fit in fits.items():
                start = clock()
                fit()
                times[key].append(clock() - start)
    t_ours, t_peer = np.median(times["ours"]), np.median(times[solver])
    print(
        f"{name}: ours {1e3 * t_ours:.2f} ms (min {1e3 * min(times['ours']):.2f}), {solver} "
        f"at tol {tol:g} {1e3 * t_peer:.2f} ms (min {1e3 * min(times[solver]):.2f}), "
        f"ours / peer {t_ours / t_peer:.2f} ({repeats} runs each)"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("problems", nargs="+", choices=sorted(PEERS))
    parser.add_argument("--repeats", type=int, default=11)
    args = parser.parse_args(argv)
    for name in args.problems:
        race(name, args.repeats)


if __name__ == "__main__":
    main()
