"""
==============================================================
Training and validation curves, and early stopping
==============================================================

Gradient descent on the log loss is a loop you can watch: every iteration
lowers the training objective, recorded in ``loss_history_``. This example
draws it with :class:`~sklearn_logloss.LossCurveDisplay`, together with the
loss and accuracy on held-out data, first for the textbook fixed-step
descent and then for ``early_stopping=True``, where the
estimator itself measures the validation loss after every iteration
(``validation_loss_history_``) and keeps the best coefficients.
"""

# %%
# The textbook loop, with the estimator
# -------------------------------------
# Two overlapping blobs, a stratified 70/30 split and standardized features.
# ``solver="gd"`` with ``learning_rate=0.2`` is the textbook
# update :math:`w \leftarrow w - 0.2 \nabla J(w)`; ``alpha=0`` leaves the
# log loss unpenalized.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_blobs, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import GDLogisticRegression, LossCurveDisplay, log_loss_from_logits

X, y = make_blobs(n_samples=800, centers=2, n_features=2, cluster_std=2.2, random_state=0)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)

n_steps = 250
model = GDLogisticRegression(alpha=0.0, solver="gd", learning_rate=0.2, max_iter=n_steps)
with warnings.catch_warnings():
    # max_iter is a fixed budget here, not a convergence failure.
    warnings.simplefilter("ignore", ConvergenceWarning)
    model.fit(X_train, y_train)
print(
    f"{model.n_iter_} iterations; J from {model.loss_history_[0]:.4f} "
    f"to {model.loss_history_[-1]:.4f}"
)

# %%
# ``loss_history_[k]`` is the training log loss after ``k`` steps: the same
# loop written by hand in NumPy (``w -= 0.2 * X.T @ (p - y) / n``) prints
# 0.45572277119982485 after 249 steps, and the estimator reproduces it.
print(f"after 249 steps: {float(model.loss_history_[249])!r}")

# %%
# Validation loss and accuracy at every step
# ------------------------------------------
# Accuracy needs the coefficients of every iteration. With
# ``warm_start=True`` each call of ``fit`` with ``max_iter=1`` continues from
# the previous coefficients, so 250 such calls take the same 250 steps; after
# each we score both sets. (The training curve so obtained equals
# ``loss_history_`` above, which checks that ``warm_start`` really continues.)
stepper = GDLogisticRegression(
    alpha=0.0, solver="gd", learning_rate=0.2, max_iter=1, warm_start=True
)
history = {"train loss": [], "val loss": [], "train accuracy": [], "val accuracy": []}


def record(train_logits, val_logits):
    """Log loss and accuracy (labels 0/1: predict 1 where the logit is positive)."""
    for part, logits, labels in [("train", train_logits, y_train), ("val", val_logits, y_val)]:
        history[f"{part} loss"].append(log_loss_from_logits(labels, logits))
        history[f"{part} accuracy"].append(np.mean((logits > 0) == labels))


record(np.zeros(len(y_train)), np.zeros(len(y_val)))  # the all-zero start
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for _ in range(n_steps):
        stepper.fit(X_train, y_train)
        record(stepper.decision_function(X_train), stepper.decision_function(X_val))
history = {key: np.asarray(values) for key, values in history.items()}
print(
    "step-by-step training curve equals loss_history_:",
    np.allclose(history["train loss"], model.loss_history_, rtol=1e-12, atol=0),
)
print(
    f"after {n_steps} steps: validation loss {history['val loss'][-1]:.4f}, "
    f"validation accuracy {history['val accuracy'][-1]:.3f}"
)

# %%
# The display draws the two losses; the accuracies go on a second axis.
# Accuracy moves in jumps and settles within a few steps; the log loss keeps
# improving as the predicted probabilities sharpen.
fig, ax = plt.subplots(figsize=(8, 4.5))
display = LossCurveDisplay(
    loss_history=history["train loss"],
    validation_loss_history=history["val loss"],
    estimator_name="gd, learning_rate=0.2",
).plot(ax=ax)
ax.set_ylabel("log loss")
ax_acc = ax.twinx()
ax_acc.plot(history["train accuracy"], color="tab:green", label="training accuracy")
ax_acc.plot(history["val accuracy"], color="tab:green", ls="--", label="validation accuracy")
ax_acc.set_ylim(0.5, 1.0)
ax_acc.set_ylabel("accuracy")
ax_acc.legend(loc="center right")
ax.set_title("Minimizing log loss trains logistic regression")
fig.tight_layout()

# %%
# Early stopping on a problem that overfits
# -----------------------------------------
# 200 samples with 100 features, only 5 of them informative, and no penalty:
# the training loss can be driven towards 0 while the model fits noise. With
# ``early_stopping=True`` the estimator holds out a stratified 20% of the
# training data, records its log loss after every iteration, stops once it has
# not improved for ``n_iter_no_change`` iterations and restores the
# coefficients of the best iteration (as :class:`~sklearn.neural_network.MLPClassifier` does).
X, y = make_classification(
    n_samples=200, n_features=100, n_informative=5, n_redundant=0, random_state=0
)
X = StandardScaler().fit_transform(X)
early = GDLogisticRegression(
    alpha=0.0,
    solver="gd",
    early_stopping=True,
    validation_fraction=0.2,
    n_iter_no_change=30,
    random_state=0,
).fit(X, y)
print(
    f"stopped after {early.n_iter_} iterations; best validation loss at iteration "
    f"{early.best_iteration_}: {early.validation_loss_history_[early.best_iteration_]:.4f} "
    f"(last: {early.validation_loss_history_[-1]:.4f})"
)

# %%
# :meth:`LossCurveDisplay.from_estimator <sklearn_logloss.LossCurveDisplay.from_estimator>`
# finds both curves on the fitted estimator. Left: the values; the training
# objective keeps falling while the validation loss turns up. Right: the same
# curves as their distance to their own best value, the quantity that
# ``gap=True`` draws on a log axis. That distance is exactly 0 at the best
# iteration, which a log axis cannot show, so here it is drawn from the
# fitted attributes on a symmetric-log axis (linear below 1e-3): the
# validation curve touches 0 at the dotted line, the best iteration.
fig, (ax_values, ax_gap) = plt.subplots(1, 2, figsize=(11, 4))
LossCurveDisplay.from_estimator(early, ax=ax_values, name="early stopping")
curves = {
    "training objective": (early.loss_history_, "-"),
    "validation log loss": (early.validation_loss_history_, "--"),
}
for label, (values, style) in curves.items():
    ax_gap.plot(values - values.min(), ls=style, color="tab:blue", label=label)
ax_gap.set_yscale("symlog", linthresh=1e-3)
ax_gap.set_ylim(bottom=0)
ax_gap.set_xlabel("iteration")
ax_gap.set_ylabel("gap to the best value, J - min J")
ax_gap.legend()
for ax in (ax_values, ax_gap):
    ax.axvline(early.best_iteration_, color="gray", ls=":")
ax_values.annotate(
    "best iteration\n(coefficients restored)",
    (early.best_iteration_, early.validation_loss_history_.max()),
    xytext=(5, 0),
    textcoords="offset points",
    va="top",
)
fig.tight_layout()
plt.show()
