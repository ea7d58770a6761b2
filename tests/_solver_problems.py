"""Problems the solver tests share: scaled datasets, large binary data, the
lbfgs optimum, and a quadratic "loss" whose minimizer is known in closed form."""

import numpy as np
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sklearn_logloss._loss import LinearLogLoss

LOADERS = {
    "breast_cancer": load_breast_cancer,
    "iris": load_iris,
    "wine": load_wine,
    "digits": load_digits,
}


def scaled(name):
    X, y = LOADERS[name](return_X_y=True)
    return StandardScaler().fit_transform(X), y


def log_loss_of(X, y, alpha=1e-4, sample_weight=None):
    """The package's loss on ``(X, y)`` with an intercept."""
    classes, codes = np.unique(y, return_inverse=True)
    weight = np.ones(len(y)) if sample_weight is None else sample_weight
    return LinearLogLoss(X, codes, weight, n_classes=len(classes), alpha=alpha, fit_intercept=True)


def reference_objective(X, y, alpha):
    """J at the lbfgs optimum, measured with the package's loss object."""
    n = X.shape[0]
    ref = LogisticRegression(C=1 / (alpha * n), tol=1e-12, max_iter=10_000).fit(X, y)
    coef = np.vstack([ref.coef_.T, ref.intercept_[None]])
    return log_loss_of(X, y, alpha).objective(coef), ref


def large_binary(n_samples=40_000, n_features=29, dtype=np.float64):
    """Large enough for coarse problems: 30 coefficients, n * 30 > 2**20."""
    X, y = make_classification(
        n_samples=n_samples, n_features=n_features, n_informative=10, random_state=0
    )
    return StandardScaler().fit_transform(X).astype(dtype), y


class QuadraticLoss:
    """``J(w) = 1 + ||X w - b||^2 / (2 n) + alpha ||w||^2 / 2``: the loss contract
    on a least-squares problem, minimizer ``(X^T X / n + alpha I)^{-1} X^T b / n``.

    The "logits" are ``X w`` (shape ``(1, n)``), the Hessian in logit space is
    the identity over ``n``: the logit-space methods of the contract are exact
    and simple. ``supports`` can be narrowed to drop them.
    """

    n_classes, n_outputs, fit_intercept = 2, 1, False
    dtype = np.dtype(np.float64)

    def __init__(self, n_samples=60, n_features=4, alpha=0.1, seed=0, supports=None):
        rng = np.random.default_rng(seed)
        self.X = rng.standard_normal((n_samples, n_features)) * np.linspace(0.5, 2, n_features)
        self.b = self.X @ rng.standard_normal(n_features) + rng.standard_normal(n_samples)
        self.alpha = alpha
        self.n_samples, self.n_features = n_samples, n_features
        self.coef_shape = (n_features, 1)
        self.data_nbytes = self.X.nbytes
        self.weight_sum = float(n_samples)
        self.supports = frozenset({"logit_space"}) if supports is None else supports
        self.metric = None  # the user's coordinates (the loss contract)
        self.hessian = self.X.T @ self.X / n_samples + alpha * np.eye(n_features)
        self.minimizer = np.linalg.solve(self.hessian, self.X.T @ self.b / n_samples)[:, None]
        self.minimum = self.objective(self.minimizer)

    def init_coef(self):
        return np.zeros(self.coef_shape)

    def _value_gradient(self, coef, residual):
        n = self.n_samples
        objective = 1.0 + residual @ residual / (2 * n) + 0.5 * self.alpha * np.vdot(coef, coef)
        grad = (self.X.T @ residual)[:, None] / n + self.alpha * coef
        return float(objective), grad

    def objective(self, coef):
        return self.objective_gradient(coef)[0]

    def objective_gradient(self, coef):
        return self._value_gradient(coef, self.X @ coef[:, 0] - self.b)

    def lipschitz_bound(self, n_iter=30, rtol=1e-3):
        return float(np.linalg.eigvalsh(self.hessian)[-1])

    def trace_bound(self):
        return float(np.trace(self.hessian))

    # The logit-space methods.

    def logits(self, coef, out=None):
        if out is None:
            out = self.empty_logits()
        out[0] = self.X @ coef[:, 0]
        return out

    def empty_logits(self, n_directions=None):
        shape = (1, self.n_samples) if n_directions is None else (n_directions, 1, self.n_samples)
        return np.empty(shape)

    def combine_into_first(self, weights, directions):
        k = len(weights)
        directions[0] = np.tensordot(weights, directions[:k], axes=1)
        return directions[0]

    def objective_gradient_at(self, coef, logits, proba_out):
        proba_out[...] = 1.0  # the curvature in logit space (constant)
        return self._value_gradient(coef, logits[0] - self.b)

    def hessian_forms(self, proba, logit_directions, coef_directions):
        k = len(coef_directions)
        logit_rows = logit_directions[:k, 0]
        coef_rows = coef_directions.reshape(k, -1)
        return (logit_rows @ logit_rows.T) / self.n_samples + self.alpha * coef_rows @ coef_rows.T
