"""
===================================================
Softmax regression on handwritten digits
===================================================

With :math:`K > 2` classes :class:`~sklearn_logloss.GDLogisticRegression`
fits one logit per class, :math:`z_k = w_k^\\top x + b_k`, and the softmax
:math:`p_k = e^{z_k} / \\sum_j e^{z_j}` (multinomial, not one-vs-rest). The
gradient of the log loss with respect to the logits is
:math:`\\mathrm{softmax}(z) - \\mathrm{onehot}(y)`, so every gradient step
pushes the weights of the true class towards the image and those of the
other classes away from it, in proportion to their predicted probability.
On the 8x8 digits each :math:`w_k` is itself an 8x8 image: a template of the
digit.
"""

# %%
# Fit
# ---
# Pixel intensities range over 0..16; dividing by 16 keeps the weights
# readable as images (standardizing would rescale each pixel differently).
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split

from sklearn_logloss import GDLogisticRegression, LossCurveDisplay, log_loss, log_loss_from_logits

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
alpha = 1e-2
model = GDLogisticRegression(alpha=alpha).fit(X_train, y_train)
print(f"{model.n_iter_} iterations; coef_ shape {model.coef_.shape}")
print(f"test accuracy: {model.score(X_test, y_test):.4f}")
logits = model.decision_function(X_test)
print(f"test log loss from logits:        {log_loss_from_logits(y_test, logits):.6f}")
print(f"test log loss from probabilities: {log_loss(y_test, model.predict_proba(X_test)):.6f}")

# %%
# The same objective as the multinomial :class:`~sklearn.linear_model.LogisticRegression`
# at ``C = 1 / (alpha * n_samples)``: both fits agree up to their stopping tolerances.
reference = LogisticRegression(C=1 / (alpha * len(y_train)), max_iter=10_000)
reference.fit(X_train, y_train)
difference = np.abs(model.predict_proba(X_test) - reference.predict_proba(X_test)).max()
print(f"largest difference of the test probabilities to LogisticRegression: {difference:.1e}")

# %%
# Convergence
# -----------
# The gap of the objective to its final value, iteration by iteration:
# ``tol`` stops the descent once the estimated relative gap to the minimum,
# ``||grad J||^2 / (2 mu_hat J)`` with ``mu_hat`` the smallest curvature seen
# along the moves, is below it (default ``1e-7``).
display = LossCurveDisplay.from_estimator(model, gap=True)
display.ax_.set_title("Softmax regression on digits: objective gap per iteration")

# %%
# The weights as images
# ---------------------
# Red pixels raise the logit of the class, blue ones lower it. Each template
# shows the strokes that distinguish its digit from the others. Pixels that
# are blank in every training image keep the weight 0 they start with: their
# gradient, a sum of ``(p - y) * x`` over the images, is always zero.
fig, axes = plt.subplots(2, 5, figsize=(10, 4.5))
scale = np.abs(model.coef_).max()
for digit, ax in enumerate(axes.ravel()):
    image = ax.imshow(model.coef_[digit].reshape(8, 8), cmap="RdBu_r", vmin=-scale, vmax=scale)
    ax.set_title(f"class {digit}")
    ax.set_axis_off()
fig.colorbar(image, ax=axes, shrink=0.8, label="weight")
fig.suptitle("coef_ of each class, as 8x8 images")

# %%
# Confusion matrix
# ----------------
ConfusionMatrixDisplay.from_estimator(model, X_test, y_test, colorbar=False)
plt.title(f"Test set, accuracy {model.score(X_test, y_test):.3f}")

# %%
# The least confident test digits
# -------------------------------
# The log loss charges each test image :math:`-\log p_{y}`. The largest
# charges go to the digits the model got wrong with confidence.
log_proba = model.predict_log_proba(X_test)
per_sample = -log_proba[np.arange(len(y_test)), y_test]
worst = np.argsort(per_sample)[::-1][:6]
fig, axes = plt.subplots(1, 6, figsize=(11, 2.5))
for ax, index in zip(axes, worst, strict=True):
    ax.imshow(X_test[index].reshape(8, 8), cmap="gray_r")
    ax.set_title(
        f"true {y_test[index]}, pred {model.predict(X_test[index : index + 1])[0]}\n"
        f"loss {per_sample[index]:.1f}",
        fontsize=9,
    )
    ax.set_axis_off()
fig.tight_layout()
print(
    f"the 6 largest of {len(y_test)} losses make up "
    f"{per_sample[worst].sum() / per_sample.sum():.0%} of the total"
)
plt.show()
