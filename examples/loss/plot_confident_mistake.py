"""
=================================================
Confident mistakes dominate the mean log loss
=================================================

The mean log loss is an average of per-sample losses that are unbounded
above: a few predictions that are confidently wrong can outweigh all the
others. This example compares six predictions with the same six after two
of them turn into confident mistakes, then compares real models with the
*base-rate baseline* — the constant prediction of the class frequency, the
loss to beat.
"""

# %%
# Six predictions, then two of them confident mistakes
# ----------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import GDLogisticRegression, log_loss, neg_log_loss_scorer

y_true = np.array([1, 1, 1, 0, 0, 0])
p_good = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
p_mistake = np.array([0.9, 0.8, 0.01, 0.3, 0.2, 0.99])


def per_sample(y, p):
    """The log loss of each prediction on its own."""
    return np.array([log_loss([yi], [pi], labels=[0, 1]) for yi, pi in zip(y, p, strict=True)])


losses_good = per_sample(y_true, p_good)
losses_mistake = per_sample(y_true, p_mistake)
print(f"mean log loss, good predictions:       {log_loss(y_true, p_good):.4f}")
print(f"mean log loss, two confident mistakes: {log_loss(y_true, p_mistake):.4f}")
share = losses_mistake[[2, 5]].sum() / losses_mistake.sum()
print(f"share of the total loss from samples 2 and 5: {share:.0%}")

# %%
# The mean is the average of the bars: the two confident mistakes (p = 0.01
# for a positive, p = 0.99 for a negative) cost 4.6 each and carry most of
# it, although four of the six predictions are unchanged.
index = np.arange(len(y_true))
fig, ax = plt.subplots(figsize=(7, 4))
ax.bar(index - 0.2, losses_good, width=0.4, label=f"good (mean {losses_good.mean():.3f})")
ax.bar(
    index + 0.2,
    losses_mistake,
    width=0.4,
    label=f"with confident mistakes (mean {losses_mistake.mean():.3f})",
)
ax.set_xticks(index, [f"y={y}\np={p}" for y, p in zip(y_true, p_mistake, strict=True)])
ax.set_ylabel("per-sample log loss")
ax.set_ylim(0, 6)  # room for the legend above the bars
ax.set_title("Two confident mistakes carry most of the mean log loss")
ax.legend()
fig.tight_layout()

# %%
# The base-rate baseline
# ----------------------
# A model that ignores the features and always predicts the class
# frequency :math:`\bar y` has the log loss
# :math:`-\bar y \log \bar y - (1-\bar y)\log(1-\bar y)`, the entropy of
# the labels (:math:`\log 2 \approx 0.693` for balanced classes). A model
# whose log loss is above it is worse than knowing nothing about the
# features. Here the two confident mistakes put the predictions above it.
base_rate = y_true.mean()
baseline = log_loss(y_true, np.full(len(y_true), base_rate))
print(f"base rate {base_rate:.2f}: baseline log loss {baseline:.4f} (log 2 = {np.log(2):.4f})")

# %%
# On real data the baseline is what :class:`~sklearn.dummy.DummyClassifier`
# with ``strategy="prior"`` scores. Cross-validated with
# :data:`~sklearn_logloss.neg_log_loss_scorer`, a logistic regression fitted
# by gradient descent does far better on breast_cancer; a 1-nearest-neighbor
# classifier, whose probabilities are all 0 or 1, is right 95% of the
# time but does far *worse* than the baseline in log loss: each of its
# mistakes is infinitely confident (clipped, it costs about 36).
X, y = load_breast_cancer(return_X_y=True)
models = {
    "base rate (DummyClassifier)": DummyClassifier(strategy="prior"),
    "GDLogisticRegression": make_pipeline(StandardScaler(), GDLogisticRegression(alpha=1e-2)),
    "1-nearest neighbor": make_pipeline(StandardScaler(), KNeighborsClassifier(1)),
}
results = {}
for name, model in models.items():
    cv = cross_validate(
        model, X, y, cv=5, scoring={"log_loss": neg_log_loss_scorer, "accuracy": "accuracy"}
    )
    results[name] = (-cv["test_log_loss"].mean(), cv["test_accuracy"].mean())
    print(f"{name:28s} log loss {results[name][0]:7.4f}   accuracy {results[name][1]:.3f}")

q = y.mean()
print(f"entropy of the labels: {-q * np.log(q) - (1 - q) * np.log(1 - q):.4f}")

fig, ax = plt.subplots(figsize=(7, 3))
names = list(results)
ax.barh(names, [results[n][0] for n in names], color=["gray", "tab:blue", "tab:orange"])
ax.axvline(results[names[0]][0], color="black", linestyle="--", label="base-rate baseline")
ax.set_xscale("log")
ax.set_xlabel("5-fold CV log loss (log scale)")
ax.set_title("breast_cancer: log loss against the base-rate baseline")
ax.legend(loc="center right")  # the middle row's bar is short: nothing under it
fig.tight_layout()
plt.show()
