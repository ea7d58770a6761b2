"""The stopping rule every solver shares.

Stop once the estimated relative gap to the minimum,

    ||grad J(w_k)||^2 / (2 mu_hat |J(w_k)|),

is at most ``tol``. For a ``mu``-strongly convex ``J``,
``J(w) - J* <= ||grad J(w)||^2 / (2 mu)``; ``mu`` is not known, so
``mu_hat`` is the smallest curvature of ``J`` seen along the solver's moves,
the secant ``s^T r / s^T s`` (``s`` a move, ``r`` the change of the gradient
over it: first-order information, the quantity Barzilai-Borwein steps use).
A solver also stops when the gradient has fallen to ``tol`` times its
norm at zero, ``||grad J(w_k)|| <= tol ||grad J(0)||`` (``tol`` at least 32
machine epsilons): on problems whose minimum is zero (separable data with
``alpha=0``) no relative gap is ever small. And it stops when no step
decreases ``J`` beyond rounding (the solvers' own check).
"""

import math

import numpy as np

__all__ = ["StoppingRule"]

_TINY = float(np.finfo(np.float64).tiny)


class StoppingRule:
    """The stopping rule every solver shares (see the module docstring).

    Call it with each point where the solver evaluated the gradient, in
    order; it returns True once the rule is met there.

    Parameters
    ----------
    loss : object
        The objective, a loss following the loss contract (for ``dtype``,
        ``init_coef`` and the gradient at zero).
    coef, grad : ndarray
        The starting point and its gradient.
    tol : float
        Tolerance on the estimated relative gap.

    Attributes
    ----------
    grad_norm : float
        Gradient norm at the last point recorded.
    gap_estimate : float
        Estimated relative gap ``(J - J*) / J`` there (``inf`` before any
        curvature was seen).
    curvature : float
        The smallest secant curvature seen so far (``inf`` before any).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_logloss._loss import make_loss
    >>> from sklearn_logloss._solvers import StoppingRule
    >>> loss = make_loss(np.eye(3), np.array([0, 1, 0]), np.ones(3),
    ...                  n_classes=2, alpha=1.0, fit_intercept=False)
    >>> start = loss.init_coef()
    >>> value, grad = loss.objective_gradient(start)
    >>> rule = StoppingRule(loss, start, grad, tol=1e-6)
    >>> rule(start, value, grad), rule.gap_estimate  # no curvature seen yet: no estimate
    (False, inf)
    """

    def __init__(self, loss, coef, grad, tol):
        self.tol = tol
        self.curvature = np.inf
        self.grad_norm = self.gap_estimate = np.inf
        self._last = None
        warm = np.any(coef)
        if warm:
            zero = loss.init_coef()
            objective, grad = loss.objective_gradient(zero)
        eps = float(np.finfo(loss.dtype).eps)
        reference = float(np.linalg.norm(grad))  # ||grad J(0)||
        self.rounding = 32 * eps * reference
        self.floor = max(tol, 32 * eps) * reference
        if warm:  # the move from zero gives a first curvature
            self(zero, objective, grad)

    def __call__(self, coef, objective, grad):
        """Record ``grad = grad J(coef)``; whether to stop at ``coef``."""
        coef, grad = coef.ravel(), grad.ravel()
        if coef.dtype != np.float64:
            coef, grad = coef.astype(np.float64), grad.astype(np.float64)
        if self._last is not None:
            s, r = coef - self._last[0], grad - self._last[1]
            s_r = float(np.dot(s, r))
            # A move at rounding level gives no curvature information.
            if s_r > 0 and float(np.dot(r, r)) > self.rounding**2:
                self.curvature = min(self.curvature, s_r / float(np.dot(s, s)))
        self._last = (coef, grad)
        self.grad_norm = math.sqrt(float(np.dot(grad, grad)))
        if self.curvature < np.inf:
            scale = 2.0 * self.curvature * max(abs(objective), _TINY)
            self.gap_estimate = self.grad_norm**2 / scale
        else:  # no curvature seen yet: no estimate
            self.gap_estimate = np.inf
        return self.grad_norm <= self.floor or self.gap_estimate <= self.tol
