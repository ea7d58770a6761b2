"""
=====================================================
The decision boundary after minimizing the log loss
=====================================================

A logistic model predicts :math:`p = \\sigma(w^\\top x + b)`. Its decision
boundary :math:`p = 0.5` is where the logit is zero, the straight line
:math:`w^\\top x + b = 0`; the probability changes along :math:`w`, faster the
larger :math:`\\|w\\|`. This example draws the predicted probability and the
boundary of :class:`~sklearn_logloss.GDLogisticRegression` with scikit-learn's
:class:`~sklearn.inspection.DecisionBoundaryDisplay`, checks that
:class:`~sklearn.linear_model.LogisticRegression` (same objective, other
solver) finds the same line, and shows the softmax regions of three classes.
"""

# %%
# Two classes
# -----------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris, make_blobs
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import GDLogisticRegression

X, y = make_blobs(n_samples=800, centers=2, n_features=2, cluster_std=2.2, random_state=0)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)

alpha = 1e-3
model = GDLogisticRegression(alpha=alpha).fit(X_train, y_train)
# The same objective: C = 1 / (alpha * n_samples).
reference = LogisticRegression(C=1 / (alpha * len(y_train)), tol=1e-10).fit(X_train, y_train)
print("GDLogisticRegression w, b:", model.coef_.ravel().round(4), model.intercept_.round(4))
print(
    "LogisticRegression   w, b:", reference.coef_.ravel().round(4), reference.intercept_.round(4)
)
print(f"validation accuracy: {model.score(X_val, y_val):.3f}")

# %%
# The filled contours are :math:`P(y = 1 \mid x)`; the solid line is the
# zero level of ``decision_function`` (the boundary), the dotted line is the
# boundary of :class:`~sklearn.linear_model.LogisticRegression`: on top of each other.


def draw_probabilities(fitted, ax):
    """Filled contours of P(y = 1 | x) of ``fitted`` over the training data."""
    return DecisionBoundaryDisplay.from_estimator(
        fitted,
        X_train,
        response_method="predict_proba",
        plot_method="contourf",
        levels=np.linspace(0, 1, 11),
        cmap="RdBu_r",
        alpha=0.8,
        ax=ax,
    )


fig, ax = plt.subplots(figsize=(7, 5.5))
proba = draw_probabilities(model, ax)
fig.colorbar(proba.surface_, ax=ax, label="P(y = 1 | x)")
DecisionBoundaryDisplay.from_estimator(
    model,
    X_train,
    response_method="decision_function",
    plot_method="contour",
    levels=[0],
    colors="black",
    linewidths=2,
    ax=ax,
)
DecisionBoundaryDisplay.from_estimator(
    reference,
    X_train,
    response_method="decision_function",
    plot_method="contour",
    levels=[0],
    colors="yellow",
    linestyles=":",
    linewidths=2,
    ax=ax,
)
ax.scatter(*X_train.T, c=y_train, cmap="RdBu_r", edgecolor="k", s=15, label="train")
ax.scatter(*X_val.T, c=y_val, cmap="RdBu_r", marker="x", s=25, label="validation")
ax.set_xlabel("feature 1 (standardized)")
ax.set_ylabel("feature 2 (standardized)")
ax.set_title("Decision boundary after minimizing log loss")
ax.legend(loc="lower right")
fig.tight_layout()

# %%
# Less penalty, steeper probabilities
# -----------------------------------
# Without the penalty the weights are as large as the data allow; a strong
# penalty shrinks :math:`\|w\|` and the probabilities change more slowly
# across the boundary. On these overlapping blobs the line itself turns by
# only about five degrees: the penalty changes the confidence far more than
# the classification.
fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
for ax, strength in zip(axes, [0.0, 0.1, 1.0], strict=True):
    fitted = GDLogisticRegression(alpha=strength).fit(X_train, y_train)
    draw_probabilities(fitted, ax)
    ax.scatter(*X_train.T, c=y_train, cmap="RdBu_r", edgecolor="k", s=10)
    ax.set_title(f"alpha = {strength}: ||w|| = {np.linalg.norm(fitted.coef_):.2f}")
fig.tight_layout()

# %%
# Three classes: softmax regions
# ------------------------------
# With three classes the model has one logit per class and predicts the
# class of the largest; the regions meet along straight lines where two
# logits are equal. The display shades each region by the probability of its
# class, so the softmax's uncertainty near the borders shows. Iris, petal
# length and width:
X, y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X[:, 2:])
softmax_model = GDLogisticRegression(alpha=1e-2).fit(X, y)
fig, ax = plt.subplots(figsize=(6, 4.5))
regions = DecisionBoundaryDisplay.from_estimator(
    softmax_model,
    X,
    response_method="predict_proba",
    ax=ax,
    xlabel="petal length (standardized)",
    ylabel="petal width (standardized)",
)
ax.scatter(*X.T, c=regions.multiclass_colors_[y], edgecolor="k", s=20)
ax.set_title(f"Softmax regression on iris (training accuracy {softmax_model.score(X, y):.3f})")
fig.tight_layout()
plt.show()
