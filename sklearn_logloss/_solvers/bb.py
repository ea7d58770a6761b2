"""Barzilai-Borwein steps with a nonmonotone line search (``solver="bb"``)."""

import numpy as np

from ._driver import NoStep, Solver

__all__ = ["BarzilaiBorwein", "barzilai_borwein"]


def _first_step(loss, learning_rate):
    """A first step no larger than ``1 / L``: ``learning_rate``, or one pass's bound."""
    if learning_rate != "auto":
        return learning_rate
    if "logit_space" in loss.supports:  # in memory: the trace bound is one pass
        return 1.0 / loss.trace_bound()
    return 1.0 / loss.lipschitz_bound(n_iter=5)


class BarzilaiBorwein(Solver):
    """Barzilai-Borwein steps with a nonmonotone line search (``"bb"``).

    Update ``w_{k+1} = w_k - eta_k grad J(w_k)``.

    Step-size rule: the trial step is chosen by the adaptive rule ABBmin of
    Frassoldati, Zanni and Zanghirati (2008) between the two Barzilai-Borwein
    steps ``eta1 = s^T s / s^T r`` and ``eta2 = s^T r / r^T r``
    (``s = w_k - w_{k-1}``, ``r = grad J(w_k) - grad J(w_{k-1})``, inverse
    curvatures along the last move): ``eta1`` when ``eta2 >= eta1 / 2``,
    else the smallest ``eta2`` of the last 5 iterations. The safeguard is the
    nonmonotone Armijo condition of Grippo, Lampariello and Lucidi,
    ``J(w_k - eta g) <= max(J over the last 10 iterates) - 1e-4 eta ||g||^2``
    (up to ``16 eps |J|`` of rounding), halving ``eta`` until it holds.
    ``loss_history`` may therefore rise, but never above the largest of its
    previous 10 entries. The first trial step is ``learning_rate``
    (``"auto"``: ``1 / L`` with ``L`` the trace bound of the Lipschitz
    constant, one pass over ``X``). Each trial costs one evaluation of the
    objective and its gradient; no logits are kept.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn_logloss._loss import make_loss
    >>> from sklearn_logloss._solvers import barzilai_borwein
    >>> X, y = make_classification(n_samples=500, random_state=0)
    >>> problem = make_loss(X, y, np.ones(500), n_classes=2, alpha=1e-3, fit_intercept=True)
    >>> barzilai_borwein(
    ...     problem, problem.init_coef(), learning_rate="auto", max_iter=1000, tol=1e-8
    ... ).converged
    True
    """

    name = "bb"
    #: Iterates the nonmonotone line search compares with.
    window = 10
    #: Iterations over which the smallest ``eta2`` is taken.
    memory = 5
    #: ``eta2 / eta1`` below which the smallest recent ``eta2`` is used.
    ratio = 0.5

    def setup(self, coef, learning_rate):
        self.trial = _first_step(self.loss, learning_rate)
        self.rounding = 16 * np.finfo(self.loss.dtype).eps
        self.recent_eta2 = []
        return self.loss.objective_gradient(coef)

    def step(self, iteration):
        coef, grad = self.coef, self.grad
        reference = max(self.history[-self.window :])
        sufficient = 1e-4 * self.rule.grad_norm**2
        step = self.trial
        for _ in range(60):
            new_coef = coef - step * grad
            new_objective, new_grad = self.loss.objective_gradient(new_coef)
            if new_objective <= reference - sufficient * step + self.rounding * abs(reference):
                break
            step *= 0.5
        else:  # no decrease even for a tiny step: the rounding floor is reached
            raise NoStep(converged=True)
        s = (new_coef - coef).ravel().astype(np.float64)
        r = (new_grad - grad).ravel().astype(np.float64)
        self.coef, self.objective, self.grad = new_coef, new_objective, new_grad
        self.step_size = step
        curvature = float(s @ r)
        if curvature > 0:
            eta1, eta2 = float(s @ s) / curvature, curvature / float(r @ r)
            self.recent_eta2 = [*self.recent_eta2[-(self.memory - 1) :], eta2]
            self.trial = min(self.recent_eta2) if eta2 < self.ratio * eta1 else eta1
        else:  # no curvature seen along the move: try a longer step
            self.trial = 2.0 * step


barzilai_borwein = BarzilaiBorwein()
