"""
==============================================================
Progress bars and score logs with scikit-learn's callbacks
==============================================================

scikit-learn 1.9 brings callbacks (:mod:`sklearn.callback`): objects set on
an estimator with ``set_callbacks`` that follow its fit task by task.
:class:`~sklearn_logloss.GDLogisticRegression` reports one task per fit and
one subtask per iteration, as :class:`~sklearn.linear_model.LogisticRegression`
does for lbfgs; the coarse problems that ``solver="auto"`` solves first on
subsamples of a large data set are subtasks with iterations of their own.
So :class:`~sklearn.callback.ProgressBar` moves from the first second of a
long fit, and :class:`~sklearn.callback.ScoringMonitor` logs a score after
every iteration. This example needs scikit-learn 1.9 or later and ``rich``
(the progress bar's requirement).
"""

# %%
# A large fit, watched
# --------------------
# 100,000 samples and 20 standardized features: large enough for
# ``solver="auto"`` to start from two coarse problems (every 64th, then
# every 8th sample). The progress bar draws a bar for the fit and one for
# each coarse problem; the monitor scores the training data with the
# negated log loss after every iteration.
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator
from sklearn.callback import ProgressBar, ScoringMonitor
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import GDLogisticRegression

X, y = make_classification(
    n_samples=100_000, n_features=20, n_informative=10, flip_y=0.05, random_state=0
)
X = StandardScaler().fit_transform(X)

monitor = ScoringMonitor(scoring="neg_log_loss")
clf = GDLogisticRegression(alpha=1e-4).set_callbacks(ProgressBar(), monitor)
clf.fit(X, y)
print(f"{clf.n_iter_} iterations on all samples")

# %%
# The log, task by task
# ---------------------
# ``get_logs()`` holds a row per task that was scored: the fit (its end),
# each coarse problem, and every iteration, with the path of task ids from
# the fit down to it. An iteration's parent is the fit for the run on all
# samples, or a coarse problem.
rows = monitor.get_logs().data
fit_path = next(row["task_id_path"] for row in rows if row["task_name"] == "fit")
stages = {row["task_id_path"]: row["task_name"] for row in rows}
log_losses = {}
for row in rows:
    if row["task_name"] == "iteration":
        parent = row["parent_task_id_path"]
        stage = "all samples" if parent == fit_path else stages[parent]
        log_losses.setdefault(stage, []).append(-row["neg_log_loss"])
for stage, values in log_losses.items():
    print(f"{stage}: {len(values)} iterations, log loss {values[0]:.5f} -> {values[-1]:.5f}")

# %%
# Next to ``loss_history_``
# -------------------------
# ``loss_history_`` is the penalized objective of the run on all samples,
# from its start (the last coarse solution) after every iteration; the
# monitor's log loss of the same iterations lies just below it (the penalty
# ``alpha`` is small). On the right, every stage's log loss on all the
# training data: the coarse problems, with 64 and 8 times fewer samples per
# iteration, do most of the descent.
full = np.array(log_losses["all samples"])
fig, (ax_run, ax_stages) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
ax_run.plot(clf.loss_history_, "o-", label="objective (loss_history_)")
ax_run.plot(np.arange(1, len(full) + 1), full, "x--", label="log loss (ScoringMonitor)")
ax_run.set(xlabel="iteration on all samples", ylabel="training loss", title="The full run")
ax_run.legend()
for stage, values in log_losses.items():
    ax_stages.plot(np.arange(1, len(values) + 1), values, ".-", label=stage)
ax_stages.set(
    xlabel="iteration of the stage", ylabel="log loss on all samples", title="Every stage"
)
ax_stages.legend()
for ax in (ax_run, ax_stages):
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
plt.show()
