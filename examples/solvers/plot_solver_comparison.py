"""
=====================================================
Comparing the solvers: objective gap against time
=====================================================

:class:`~sklearn_logloss.GDLogisticRegression` minimizes the same penalized
log loss with several gradient methods (``solver="gd"``, ``"agd"``, ``"bb"``, ...).
They differ only in how they choose the step along the negative gradient (see
the :ref:`User Guide <user_guide>`). This example fits the same small problem
with each ``solver`` and draws how far each one is from the optimum,
``J(w_k) - J*``, against the iteration and against the wall-clock time.

The reference value ``J*`` comes from
:class:`~sklearn.linear_model.LogisticRegression` with a very tight tolerance:
with ``C = 1 / (alpha * n_samples)`` it minimizes the same objective up to a
constant factor. The times are measured while this page is built, on whatever
machine builds it: their ratios matter, not their values.
"""

# %%
# The problem and the reference optimum
# -------------------------------------
# The breast cancer data, standardized, with a small L2 penalty. The objective is
#
# .. math:: J(w, b) = \frac{1}{n} \sum_i \ell_i + \frac{\alpha}{2} \|w\|^2 .
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import GDLogisticRegression, log_loss

X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
n_samples = X.shape[0]
alpha = 1e-2

reference = LogisticRegression(C=1.0 / (alpha * n_samples), tol=1e-12, max_iter=10_000)
reference.fit(X, y)
J_star = log_loss(y, reference.predict_proba(X)) + 0.5 * alpha * np.sum(reference.coef_**2)
print(f"J* = {J_star:.12f}")

# %%
# One fit per solver
# ------------------
# ``loss_history_[k]`` is the objective after ``k`` iterations. A fit is
# timed as a whole (the best of three runs); the time axis below spreads that
# time evenly over the iterations of the fit.
runs = {}
for solver in ["gd", "agd", "bb", "momentum"]:
    model = GDLogisticRegression(alpha=alpha, solver=solver, tol=1e-10, max_iter=1000)
    fit_times = []
    for _ in range(3):
        start = time.perf_counter()
        with warnings.catch_warnings():
            # "gd" may use its whole budget of iterations: that is what we draw.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        fit_times.append(time.perf_counter() - start)
    history = model.loss_history_
    elapsed = min(fit_times) * np.arange(history.shape[0]) / max(model.n_iter_, 1)
    runs[solver] = (elapsed, history)
    print(
        f"{solver:>8}: {model.n_iter_:5d} iterations, {min(fit_times) * 1e3:7.1f} ms, "
        f"final gap {history[-1] - J_star:.2e}"
    )

# %%
# The gap to the optimum
# ----------------------
# Plain gradient descent with the step ``1 / L`` converges linearly but slowly;
# the solvers that adapt their steps to the curvature (Nesterov's acceleration
# ``agd``, the Barzilai-Borwein steps ``bb`` and the default ``momentum``)
# reach the same precision in far fewer iterations. The ``bb`` curve need not
# be monotone: its line search only asks the objective to stay below the
# largest of its last few values. Gaps below about ``1e-13`` are rounding noise
# and are not drawn.
fig, (ax_iter, ax_time) = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for name, (elapsed, history) in runs.items():
    gap = history - J_star
    keep = gap > 1e-13
    iterations = np.arange(history.shape[0])
    ax_iter.plot(iterations[keep], gap[keep], label=name)
    ax_time.plot(elapsed[keep] * 1e3, gap[keep], label=name)
ax_iter.set_yscale("log")
ax_iter.set_xscale("symlog", linthresh=10)
ax_iter.set_xlim(left=0)
ax_iter.set_xlabel("iteration")
ax_iter.set_ylabel("J(w_k) - J*")
ax_time.set_xlabel("time (ms)")
ax_iter.legend(title="solver")
fig.suptitle(f"Objective gap of each solver (breast cancer, alpha={alpha:g})")
fig.tight_layout()
plt.show()
