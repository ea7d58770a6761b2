"""
==============================================================
Cross-validated log loss when a test fold misses a class
==============================================================

scikit-learn's ``"neg_log_loss"`` scorer infers the class labels from the
``y`` of each test fold. When a rare class is absent from a test fold, it finds
fewer labels than ``predict_proba`` has columns, :func:`sklearn.metrics.log_loss`
raises, and :func:`~sklearn.model_selection.cross_val_score` reports ``nan``
for that fold (with a warning). :class:`~sklearn.model_selection.GridSearchCV`
then has no finite mean score to rank the candidates by.

:data:`sklearn_logloss.neg_log_loss_scorer` takes the labels from the fitted
estimator's ``classes_`` instead, so every such fold gets its true, finite log
loss. This example shows both side by side.
"""

# %%
# Data with a rare class
# ----------------------
# 60 samples in three classes of 30, 27 and 3. With
# ``KFold(5, shuffle=True, random_state=0)`` three of the five test folds
# hold no sample of the rare class 2 (every training fold still holds one).
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import log_loss_from_logits, neg_log_loss_scorer

rng = np.random.RandomState(0)
y = np.repeat([0, 1, 2], [30, 27, 3])
X = rng.randn(60, 4) + 1.5 * y[:, np.newaxis]
cv = KFold(5, shuffle=True, random_state=0)

for fold, (train, test) in enumerate(cv.split(X)):
    print(
        f"fold {fold}: test class counts {np.bincount(y[test], minlength=3)}, "
        f"train class counts {np.bincount(y[train], minlength=3)}"
    )

# %%
# The stock scorer and ours
# -------------------------
# The stock scorer fails on the folds without class 2;
# :func:`~sklearn.model_selection.cross_val_score`
# turns the failure into a warning and a ``nan``.
model = make_pipeline(StandardScaler(), LogisticRegression())

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    stock = cross_val_score(model, X, y, cv=cv, scoring="neg_log_loss")
print("stock 'neg_log_loss':", np.round(stock, 4))
failures = [str(w.message) for w in caught if "Scoring failed" in str(w.message)]
print(f"{len(failures)} 'Scoring failed' warnings; the cause:")
print(failures[0].strip().splitlines()[-1] if failures else "(none)")

ours = cross_val_score(model, X, y, cv=cv, scoring=neg_log_loss_scorer)
print("neg_log_loss_scorer: ", np.round(ours, 4))

# %%
# Each of our fold scores is the log loss computed by hand with the labels of
# the fitted model. Where the stock scorer did produce a number, the two agree.
by_hand = []
for train, test in cv.split(X):
    fitted = model.fit(X[train], y[train])
    logits = fitted.decision_function(X[test])
    by_hand.append(-log_loss_from_logits(y[test], logits, labels=fitted.classes_))
print("by hand:             ", np.round(by_hand, 4))
print("equal to ours:", np.allclose(ours, by_hand, rtol=1e-12, atol=0))
finite = np.isfinite(stock)
print("equal to stock where finite:", np.allclose(ours[finite], stock[finite], rtol=1e-9))

# %%
# Side by side, the folds the stock scorer could not score are marked ``nan``.
folds = np.arange(len(ours))
fig, ax = plt.subplots(figsize=(8, 4))
ax.bar(folds - 0.2, -np.nan_to_num(stock, nan=0.0), width=0.4, label='stock "neg_log_loss"')
ax.bar(folds + 0.2, -ours, width=0.4, label="neg_log_loss_scorer")
for fold in folds[~finite]:
    ax.annotate("nan", (fold - 0.2, 0.02), ha="center", color="tab:red", fontweight="bold")
has_rare = [2 in y[test] for _, test in cv.split(X)]
ax.set_xticks(
    folds, [f"fold {f}\n{'with' if h else 'no'} class 2" for f, h in enumerate(has_rare)]
)
ax.set_ylabel("test log loss")
ax.set_title("Cross-validated log loss, 30/27/3 classes, KFold(5, shuffle=True)")
ax.set_ylim(0, 1.25 * np.max(-ours))
ax.legend(loc="upper left", ncols=2)
fig.tight_layout()

# %%
# Hyper-parameter search
# ----------------------
# With the stock scorer every candidate has a ``nan`` fold, hence a ``nan``
# mean: the search has nothing to rank by. With ours the ranking uses the
# true mean log loss of all five folds.
grid = {"logisticregression__C": [0.01, 0.1, 1.0, 10.0]}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    stock_search = GridSearchCV(model, grid, scoring="neg_log_loss", cv=cv).fit(X, y)
our_search = GridSearchCV(model, grid, scoring=neg_log_loss_scorer, cv=cv).fit(X, y)

print("C        stock mean   our mean")
for C, stock_mean, our_mean in zip(
    grid["logisticregression__C"],
    stock_search.cv_results_["mean_test_score"],
    our_search.cv_results_["mean_test_score"],
    strict=True,
):
    print(f"{C:<8} {stock_mean:>10.4f} {our_mean:>10.4f}")
print("best C with neg_log_loss_scorer:", our_search.best_params_["logisticregression__C"])

# %%
# A class never seen in training
# ------------------------------
# A test fold can also hold a class that its training fold lacks. The model
# gives that class probability zero, so the true log loss is infinite: the
# scorer raises a ValueError that names the label, rather than reporting a
# clipped number.
y_rare = np.repeat(["common", "other", "rare"], [20, 20, 1])
X_rare = rng.randn(41, 4)
try:
    cross_val_score(
        LogisticRegression(),
        X_rare,
        y_rare,
        cv=KFold(3),
        scoring=neg_log_loss_scorer,
        error_score="raise",
    )
except ValueError as exc:
    print("ValueError:", exc)

plt.show()
