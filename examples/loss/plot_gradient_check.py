"""
===================================================
The gradient p − y, checked by finite differences
===================================================

Through the sigmoid, the derivative of the log loss with respect to the
logit :math:`z` is strikingly simple:

.. math::

    \\frac{\\partial \\ell}{\\partial z}
    = \\frac{\\partial \\ell}{\\partial p} \\frac{\\partial p}{\\partial z}
    = \\frac{p - y}{p (1 - p)} \\cdot p (1 - p) = p - y.

Through the softmax it is :math:`\\mathrm{softmax}(z) - \\mathrm{onehot}(y)`.
This example checks both against central finite differences of
:func:`sklearn_logloss.log_loss_from_logits`, then checks the gradient of the
whole penalized objective of :class:`~sklearn_logloss.GDLogisticRegression`,
:math:`\\nabla_W J = X^\\top (P - Y) / n + \\alpha W`, and that it vanishes at
the fitted coefficients.
"""

# %%
# One sample, one logit
# ---------------------
# ``log_loss_from_logits(y, z, normalize=False)`` is the loss of the sample
# itself; its central difference
# :math:`(\ell(z + h) - \ell(z - h)) / 2h` should equal :math:`p - y` up to
# :math:`O(h^2)` truncation and rounding. At
# :math:`z = 0.7`, :math:`y = 1` gives -0.3318 both ways.
import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit, softmax
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import GDLogisticRegression, log_loss_from_logits


def loss(label, logit):
    return log_loss_from_logits([label], [logit], labels=[0, 1], normalize=False)


def numerical_derivative(label, logit, h=1e-5):
    return (loss(label, logit + h) - loss(label, logit - h)) / (2 * h)


print("analytic :", expit(0.7) - 1)
print("numerical:", numerical_derivative(1, 0.7))

# %%
# Over a range of logits the two agree to about 1e-10 for both labels, even
# at :math:`z = \pm 30` where :math:`p` is within 1e-13 of 0 or 1: the loss is
# evaluated from the logit, so nothing is lost to rounding :math:`p`.
z = np.linspace(-30, 30, 241)
fig, (ax, ax_err) = plt.subplots(1, 2, figsize=(11, 4))
for label in (1, 0):
    analytic = expit(z) - label
    numerical = np.array([numerical_derivative(label, zi) for zi in z])
    print(f"y = {label}: max |analytic - numerical| = {np.max(np.abs(analytic - numerical)):.1e}")
    ax.plot(z, analytic, label=f"p - y, y = {label}")
    ax.plot(z[::8], numerical[::8], "o", mfc="none", color="black")
    ax_err.semilogy(z, np.abs(analytic - numerical) + 1e-17, label=f"y = {label}")
ax.plot([], [], "o", mfc="none", color="black", label="central difference")
ax.set_xlabel("logit z")
ax.set_ylabel("dℓ/dz")
ax.set_title("The derivative of the log loss is p − y")
ax.legend()
ax_err.set_xlabel("logit z")
ax_err.set_ylabel("|analytic − numerical|")
ax_err.set_title("Agreement (h = 1e-5)")
ax_err.legend()
fig.tight_layout()

# %%
# The softmax: K logits
# ---------------------
# For three classes, each partial derivative of
# :math:`\operatorname{logsumexp}(z) - z_y` matches
# :math:`\mathrm{softmax}(z)_k - [k = y]`.
logits = np.array([2.0, -1.0, 0.5])
h = 1e-6
for true_class in range(3):
    numerical = np.empty(3)
    for k in range(3):
        step = np.zeros(3)
        step[k] = h
        up = log_loss_from_logits([true_class], [logits + step], labels=[0, 1, 2])
        down = log_loss_from_logits([true_class], [logits - step], labels=[0, 1, 2])
        numerical[k] = (up - down) / (2 * h)
    analytic = softmax(logits) - np.eye(3)[true_class]
    print(
        f"y = {true_class}: analytic {np.round(analytic, 6)}, numerical {np.round(numerical, 6)}"
    )

# %%
# The whole objective
# -------------------
# :class:`~sklearn_logloss.GDLogisticRegression` minimizes
# :math:`J(W, b) = \frac1n \sum_i \ell_i + \frac{\alpha}{2}\|W\|^2`. Its
# gradient is one product with :math:`X^\top`:
# :math:`\nabla_W J = X^\top (P - Y) / n + \alpha W` and
# :math:`\nabla_b J = \mathbf 1^\top (P - Y) / n`. Checked against finite
# differences of :math:`J` at a random point, on the (standardized) wine
# data with 3 classes and 13 features:
X, y = load_wine(return_X_y=True)
X = StandardScaler().fit_transform(X)
alpha = 0.05
n_classes = 3


def objective(W, b):
    return log_loss_from_logits(y, X @ W + b) + 0.5 * alpha * np.sum(W**2)


def analytic_gradient(W, b):
    residual = softmax(X @ W + b, axis=1) - np.eye(n_classes)[y]  # P - Y
    return X.T @ residual / len(y) + alpha * W, residual.mean(axis=0)


rng = np.random.RandomState(0)
W, b = 0.3 * rng.randn(X.shape[1], n_classes), rng.randn(n_classes)
grad_W, grad_b = analytic_gradient(W, b)
numerical_W = np.empty_like(W)
for index in np.ndindex(W.shape):
    step = np.zeros_like(W)
    step[index] = 1e-6
    numerical_W[index] = (objective(W + step, b) - objective(W - step, b)) / 2e-6
relative_error = np.linalg.norm(grad_W - numerical_W) / np.linalg.norm(grad_W)
print(f"relative error of the analytic gradient of J: {relative_error:.1e}")

# %%
# At the coefficients the estimator returns, that gradient is (nearly) zero:
# gradient descent stopped at a stationary point, which for a convex
# objective is the minimum. (The estimator's ``coef_`` has shape
# ``(n_classes, n_features)``, the transpose of ``W`` here.)
model = GDLogisticRegression(alpha=alpha, tol=1e-8).fit(X, y)
grad_W, grad_b = analytic_gradient(model.coef_.T, model.intercept_)
start_W, start_b = analytic_gradient(np.zeros_like(W), np.zeros(n_classes))
print(f"gradient norm at zero:       {np.linalg.norm(np.r_[start_W.ravel(), start_b]):.2e}")
print(f"gradient norm at the fit:    {np.linalg.norm(np.r_[grad_W.ravel(), grad_b]):.2e}")
print(f"J at the fit:                {objective(model.coef_.T, model.intercept_):.10f}")
print(f"last entry of loss_history_: {model.loss_history_[-1]:.10f}")
plt.show()
