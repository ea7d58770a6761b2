"""The log loss of a linear model: the only place its math lives.

Two layers, in the spirit of scikit-learn's ``_loss`` / ``_linear_loss`` split:

* :func:`binary_loss_gradient` and :func:`multinomial_loss_gradient` are the
  pointwise losses. From one pass over the logits they return the weighted
  *sum* of the per-sample log losses and the derivative of that sum with
  respect to the logits, ``s_i * (p_i - y_i)``. Sums (not means) so that the
  results of several blocks of rows can simply be added.
* :class:`LinearLogLoss` binds a design matrix, targets and weights to those
  functions and adds what makes it a linear model: the coefficient layout,
  the intercept, the division by the total weight and the L2 penalty.

The objective is

.. math::

    J(W, b) = \\frac{\\sum_i s_i \\ell_i}{\\sum_i s_i} + \\frac{\\alpha}{2} \\|W\\|_F^2

with :math:`\\ell_i` the log loss of sample :math:`i` computed from its logits.
Every solver in :mod:`sklearn_logloss._solvers` works on this object only.
"""

import numpy as np
import scipy.sparse as sp

__all__ = [
    "LinearLogLoss",
    "binary_loss_gradient",
    "multinomial_loss_gradient",
]


def binary_loss_gradient(logits, y, sample_weight, *, gradient=True):
    """Weighted binary log loss and its derivative w.r.t. the logits.

    With the signed label ``t = 2 y - 1`` and margin ``m = t z`` the per-sample
    loss is ``softplus(-m) = log1p(exp(-|m|)) + max(-m, 0)`` and its derivative
    with respect to ``z`` is ``p - y = -t * expit(-m)``. Both are computed from
    the single ``exp(-|m|)``, which never overflows (it is at most 1) and
    underflows to 0 only where the exact answer is ``max(-m, 0)`` anyway.

    Parameters
    ----------
    logits : ndarray of shape (n_samples,)
        Raw scores ``z = X w + b``.
    y : ndarray of shape (n_samples,)
        Targets in {0, 1}, as floats of the dtype of ``logits``.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative sample weights.
    gradient : bool, default=True
        Whether to compute the derivative too.

    Returns
    -------
    loss_sum : float
        ``sum_i s_i * loss_i``.
    grad_logits : ndarray of shape (n_samples,) or None
        ``s_i * (p_i - y_i)``; None when ``gradient=False``.
    """
    margin = (2.0 * y - 1.0) * logits
    exp_neg_abs = np.exp(-np.abs(margin))
    loss = np.log1p(exp_neg_abs)
    loss += np.maximum(-margin, 0.0)
    loss_sum = float(loss @ sample_weight)
    if not gradient:
        return loss_sum, None
    # expit(-m): e / (1 + e) where m >= 0, 1 / (1 + e) where m < 0.
    denom = 1.0 + exp_neg_abs
    expit_neg_margin = np.where(margin >= 0, exp_neg_abs, 1.0) / denom
    grad = expit_neg_margin
    grad *= 1.0 - 2.0 * y  # -t
    grad *= sample_weight
    return loss_sum, grad


def multinomial_loss_gradient(logits, y, sample_weight, *, gradient=True):
    """Weighted multinomial log loss and its derivative w.r.t. the logits.

    The per-sample loss is ``logsumexp(z_i) - z_{i, y_i}`` and its derivative
    is ``softmax(z_i) - onehot(y_i)``. One ``exp`` of the shifted logits gives
    both the log-normalizer and the probabilities.

    Parameters
    ----------
    logits : ndarray of shape (n_samples, n_classes)
        Raw scores ``Z = X W^T + b``. Overwritten: on return it holds the
        gradient when ``gradient=True``.
    y : ndarray of shape (n_samples,)
        Integer class codes in ``[0, n_classes)``.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative sample weights.
    gradient : bool, default=True
        Whether to compute the derivative too.

    Returns
    -------
    loss_sum : float
        ``sum_i s_i * loss_i``.
    grad_logits : ndarray of shape (n_samples, n_classes) or None
        ``s_i * (softmax(z_i) - onehot(y_i))`` (the ``logits`` buffer).
    """
    n_samples = logits.shape[0]
    rows = np.arange(n_samples)
    true_logit = logits[rows, y]
    shift = logits.max(axis=1)
    logits -= shift[:, None]
    np.exp(logits, out=logits)
    normalizer = logits.sum(axis=1)
    loss = np.log(normalizer)
    loss += shift
    loss -= true_logit
    loss_sum = float(loss @ sample_weight)
    if not gradient:
        return loss_sum, None
    logits *= (sample_weight / normalizer)[:, None]
    logits[rows, y] -= sample_weight
    return loss_sum, logits


class LinearLogLoss:
    """Penalized log loss of a linear model on fixed data.

    Coefficients are one 2-D array ``coef`` of shape
    ``(n_features + fit_intercept, n_outputs)``: column ``k`` holds the
    weights of logit ``k`` and, when ``fit_intercept``, its last row holds the
    intercepts. ``n_outputs`` is 1 for two classes (one logit through the
    sigmoid) and ``n_classes`` otherwise (softmax).

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data (float32 or float64).
    y : ndarray of shape (n_samples,)
        Integer class codes in ``[0, n_classes)``.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights with a positive sum.
    n_classes : int
        Number of classes (at least 2).
    alpha : float
        L2 penalty strength on the weights (never on the intercepts).
    fit_intercept : bool
        Whether the model has intercepts.
    """

    def __init__(self, X, y, sample_weight, *, n_classes, alpha, fit_intercept):
        self.X = X
        self.dtype = X.dtype
        self.n_features = X.shape[1]
        self.n_classes = n_classes
        self.n_outputs = 1 if n_classes == 2 else n_classes
        self.alpha = float(alpha)
        self.fit_intercept = bool(fit_intercept)
        self.sample_weight = np.asarray(sample_weight, dtype=self.dtype)
        self.weight_sum = float(self.sample_weight.sum(dtype=np.float64))
        if self.n_outputs == 1:
            self.y = np.asarray(y, dtype=self.dtype)
            self._pointwise = binary_loss_gradient
        else:
            self.y = np.asarray(y, dtype=np.intp)
            self._pointwise = multinomial_loss_gradient

    @property
    def coef_shape(self):
        """Shape of the packed coefficient array."""
        return (self.n_features + self.fit_intercept, self.n_outputs)

    def init_coef(self):
        """All-zero coefficients in the data's dtype."""
        return np.zeros(self.coef_shape, dtype=self.dtype)

    def weights(self, coef):
        """The penalized part of ``coef`` (a view)."""
        return coef[: self.n_features]

    def logits(self, coef):
        """Logits of every sample, shape (n_samples, n_outputs)."""
        logits = self.X @ coef[: self.n_features]
        if self.fit_intercept:
            logits += coef[-1]
        return logits

    def _penalty(self, coef):
        w = self.weights(coef)
        return 0.5 * self.alpha * float(np.vdot(w, w))

    def _pointwise_sums(self, logits, gradient):
        if self.n_outputs == 1:
            loss_sum, grad = self._pointwise(
                logits[:, 0], self.y, self.sample_weight, gradient=gradient
            )
            return loss_sum, None if grad is None else grad[:, None]
        return self._pointwise(logits, self.y, self.sample_weight, gradient=gradient)

    def objective(self, coef, logits=None):
        """Objective ``J`` at ``coef``.

        ``logits`` may be passed when already known (they are overwritten).
        """
        if logits is None:
            logits = self.logits(coef)
        loss_sum, _ = self._pointwise_sums(logits, gradient=False)
        return loss_sum / self.weight_sum + self._penalty(coef)

    def objective_gradient(self, coef, logits=None):
        """Objective ``J`` and its gradient at ``coef`` from one pass of logits.

        ``logits`` may be passed when already known (they are overwritten).

        Returns
        -------
        objective : float
        gradient : ndarray of the shape of ``coef``
            ``X^T (P - Y) s / sum(s) + alpha W`` (and the column sums of the
            weighted residuals for the intercept row).
        """
        if logits is None:
            logits = self.logits(coef)
        loss_sum, residual = self._pointwise_sums(logits, gradient=True)
        residual /= self.weight_sum
        grad = np.empty_like(coef)
        grad_w = self.X.T @ residual
        if sp.issparse(grad_w):  # pragma: no cover - defensive, scipy returns ndarray
            grad_w = grad_w.toarray()
        grad[: self.n_features] = grad_w
        if self.fit_intercept:
            grad[-1] = residual.sum(axis=0)
        if self.alpha:
            grad[: self.n_features] += self.alpha * coef[: self.n_features]
        return loss_sum / self.weight_sum + self._penalty(coef), grad

    def lipschitz_bound(self, n_iter=30, rtol=1e-3):
        """An estimate of the Lipschitz constant of the gradient.

        The Hessian of the binary loss w.r.t. a logit is at most 1/4 and that
        of the softmax loss at most 1/2 (largest eigenvalue of
        ``diag(p) - p p^T``), so ``L = c * lambda_max(Xt^T S Xt) / sum(s) +
        alpha`` with ``Xt`` the data with a column of ones when fitting an
        intercept. ``lambda_max`` is found by power iteration from a fixed
        start vector, so the estimate is reproducible; it approaches the true
        value from below, and gradient descent converges for any step below
        ``2 / L``, so ``1 / L`` keeps a safety margin of 2.
        """
        n_cols = self.n_features + self.fit_intercept
        rng = np.random.default_rng(0)
        v = 1.0 + 0.1 * rng.standard_normal(n_cols)
        v /= np.linalg.norm(v)
        sw = self.sample_weight.astype(np.float64, copy=False)
        eig = 0.0
        for _ in range(n_iter):
            v_data = v.astype(self.dtype, copy=False)
            xv = self.X @ v_data[: self.n_features]
            if self.fit_intercept:
                xv = xv + v_data[-1]
            xv = np.asarray(xv, dtype=np.float64) * sw
            new_v = np.empty(n_cols)
            new_v[: self.n_features] = self.X.T @ xv.astype(self.dtype, copy=False)
            if self.fit_intercept:
                new_v[-1] = xv.sum()
            new_eig = float(np.linalg.norm(new_v))
            if new_eig == 0.0:
                break
            v = new_v / new_eig
            converged = abs(new_eig - eig) <= rtol * new_eig
            eig = new_eig
            if converged:
                break
        curvature = 0.25 if self.n_outputs == 1 else 0.5
        return curvature * eig / self.weight_sum + self.alpha
