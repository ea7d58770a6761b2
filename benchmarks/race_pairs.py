"""Ours against one peer of the matched-accuracy race, on chosen problems only.

A quick check between full races (``bench_race.py``): ``GDLogisticRegression`` at its defaults
against the peer that was fastest to a relative gap of 1e-6 on that problem in the last full
race (``results_race.md``), at that peer's ``tol``. CPU time (``time.process_time``) with one
BLAS/OpenMP thread, the two fits alternating, median and min of ``--repeats`` runs; the gap of
each fit against a tight newton-cholesky (lbfgs for more classes) reference.

    python benchmarks/race_pairs.py breast_cancer breast_cancer_raw digits --repeats 15
"""

import argparse
import time

import numpy as np
from race_peers import ALPHA, objective, ours_fit, sklearn_fit
from race_problems import FULL_PROBLEMS
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

#: The fastest peer of the last full race and its tol, per problem.
PEERS = {
    "breast_cancer": ("newton-cholesky", 1e-4),
    "breast_cancer_raw": ("newton-cholesky", 1e-2),
    "digits": ("newton-cg", 1e-6),
    "digits_raw": ("newton-cholesky", 1e-6),
    "dense_binary": ("lbfgs", 1e-4),
    "dense_binary_float32": ("lbfgs", 1e-4),
}


def reference_objective(X, y, codes, n_classes):
    solver = "newton-cholesky" if n_classes == 2 else "lbfgs"
    C = 1.0 / (ALPHA * X.shape[0])
    model = LogisticRegression(C=C, solver=solver, tol=1e-12, max_iter=10_000).fit(X, y)
    return objective(X, codes, n_classes, model.coef_.T, model.intercept_)


def race(name, repeats):
    X, y = FULL_PROBLEMS[name]()
    classes, codes = np.unique(y, return_inverse=True)
    X64 = np.asarray(X, dtype=np.float64)
    j_star = reference_objective(X64, y, codes, len(classes))
    solver, tol = PEERS[name]
    fits = {"ours": lambda: ours_fit(X, y, None), solver: lambda: sklearn_fit(solver)(X, y, tol)}
    times = {key: [] for key in fits}
    with threadpool_limits(1):
        for key, fit in fits.items():  # warm-up, and the gap each reaches
            coef, intercept, n_iter = fit()
            gap = (objective(X64, codes, len(classes), coef, intercept) - j_star) / j_star
            print(f"  {name} {key}: {n_iter} iterations, gap {gap:.1e}")
        for _ in range(repeats):
            for key, fit in fits.items():
                start = time.process_time()
                fit()
                times[key].append(time.process_time() - start)
    ours, peer = np.median(times["ours"]), np.median(times[solver])
    print(
        f"{name}: ours {1e3 * ours:.2f} ms (min {1e3 * min(times['ours']):.2f}), {solver} "
        f"{1e3 * peer:.2f} ms (min {1e3 * min(times[solver]):.2f}), ours / peer {ours / peer:.2f}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("problems", nargs="+", choices=sorted(PEERS))
    parser.add_argument("--repeats", type=int, default=11)
    args = parser.parse_args()
    for name in args.problems:
        race(name, args.repeats)


if __name__ == "__main__":
    main()
