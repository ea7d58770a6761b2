"""
======================================================================
Tuning alpha by cross-validated log loss, and three ways to fit it
======================================================================

The penalty strength ``alpha`` trades fit for confidence: too small and the
model is over-confident on new data, too large and it is under-confident.
The cross-validated log loss measures exactly that. This example tunes
``alpha`` with :class:`~sklearn.model_selection.GridSearchCV` and
:data:`~sklearn_logloss.neg_log_loss_scorer`, then compares, fold by fold,
three fits of the same penalized objective:
:class:`~sklearn_logloss.GDLogisticRegression` (gradient descent),
:class:`~sklearn.linear_model.LogisticRegression` (L-BFGS, at
``C = 1 / (alpha * n_samples)``) and
:class:`~sklearn.linear_model.SGDClassifier` with ``loss="log_loss"``
(stochastic gradient descent; its ``alpha`` means the same as ours).
"""

# %%
# The search
# ----------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import GDLogisticRegression, neg_log_loss_scorer

X, y = load_breast_cancer(return_X_y=True)
cv = StratifiedKFold(5, shuffle=True, random_state=0)
pipe = make_pipeline(StandardScaler(), GDLogisticRegression())
alphas = np.logspace(-5, 1, 13)
search = GridSearchCV(
    pipe,
    {"gdlogisticregression__alpha": alphas},
    scoring={"log_loss": neg_log_loss_scorer, "accuracy": "accuracy"},
    refit="log_loss",
    cv=cv,
).fit(X, y)
best_alpha = search.best_params_["gdlogisticregression__alpha"]
print(f"best alpha: {best_alpha:.3g}, CV log loss {-search.best_score_:.4f}")

# %%
# The CV log loss has a single clear minimum. The accuracy moves by about
# one point (a handful of the 569 samples) between ``alpha = 1e-4`` and
# ``1e-1`` and has tied maxima: a coarse guide for choosing ``alpha``.
results = search.cv_results_
mean_loss = -results["mean_test_log_loss"]
std_loss = results["std_test_log_loss"]
fig, ax = plt.subplots(figsize=(7, 4))
ax.errorbar(alphas, mean_loss, yerr=std_loss, marker="o", capsize=3, label="CV log loss")
ax.axvline(best_alpha, color="gray", ls=":", label=f"best alpha = {best_alpha:.2g}")
ax.set_xscale("log")
ax.set_xlabel("alpha")
ax.set_ylabel("mean test log loss (5 folds)")
ax_acc = ax.twinx()
ax_acc.plot(
    alphas, results["mean_test_accuracy"], color="tab:green", marker="s", label="CV accuracy"
)
ax_acc.set_ylabel("mean test accuracy")
fig.legend(loc="upper center", ncols=3)
fig.tight_layout(rect=(0, 0, 1, 0.92))

# %%
# Three solvers, one objective
# ----------------------------
# Our ``J = mean log loss + alpha/2 ||w||^2`` is
# :class:`~sklearn.linear_model.LogisticRegression`'s objective at
# ``C = 1 / (alpha * n)`` (``n`` the number of training samples, 4/5 of the data here) and exactly
# ``SGDClassifier(loss="log_loss", alpha=alpha)``'s. The first two reach the
# same optimum; SGD approximates it with noisy steps.
n_train = len(y) * 4 // 5
models = {
    "GDLogisticRegression": make_pipeline(
        StandardScaler(), GDLogisticRegression(alpha=best_alpha)
    ),
    "LogisticRegression": make_pipeline(
        StandardScaler(), LogisticRegression(C=1 / (best_alpha * n_train))
    ),
    "SGDClassifier": make_pipeline(
        StandardScaler(), SGDClassifier(loss="log_loss", alpha=best_alpha, random_state=0)
    ),
}
scores = {}
print(f"{'model':22s} {'log loss':>9s} {'accuracy':>9s} {'fit time':>9s}")
for name, model in models.items():
    scores[name] = cross_validate(
        model, X, y, cv=cv, scoring={"log_loss": neg_log_loss_scorer, "accuracy": "accuracy"}
    )
    print(
        f"{name:22s} {-scores[name]['test_log_loss'].mean():9.4f} "
        f"{scores[name]['test_accuracy'].mean():9.4f} "
        f"{scores[name]['fit_time'].mean() * 1e3:7.1f} ms"
    )

# %%
# Fold by fold, the gradient-descent and L-BFGS fits have nearly the same
# test log loss (L-BFGS stops at its default ``tol=1e-4``, a little short of
# the optimum); SGD's noisy steps land further away.
gd_loss = -scores["GDLogisticRegression"]["test_log_loss"]
for name in ["LogisticRegression", "SGDClassifier"]:
    gap = np.max(np.abs(-scores[name]["test_log_loss"] - gd_loss))
    print(f"largest fold difference from GDLogisticRegression, {name}: {gap:.1e}")

fig, ax = plt.subplots(figsize=(7, 4))
folds = np.arange(cv.get_n_splits())
for offset, (name, result) in zip([-0.25, 0.0, 0.25], scores.items(), strict=True):
    ax.bar(folds + offset, -result["test_log_loss"], width=0.25, label=name)
ax.set_xticks(folds, [f"fold {fold}" for fold in folds])
ax.set_ylabel("test log loss (neg_log_loss_scorer)")
ax.set_title(f"Same objective, three solvers (alpha = {best_alpha:.2g})")
ax.legend()
fig.tight_layout()
plt.show()
