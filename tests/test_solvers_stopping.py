"""The stopping rule every solver shares."""

import numpy as np
import pytest

from sklearn_logloss._solvers import StoppingRule


class _Quadratic:
    """J(w) = 1 + w^T A w / 2 with a diagonal A: curvatures are known exactly."""

    dtype = np.dtype(np.float64)
    alpha = 0.0  # no penalty: the rule's secant estimate decides
    metric = None  # the user's coordinates (the loss contract)
    supports = frozenset()  # no capability: no Hessian for the certificate

    def __init__(self, diagonal):
        self.diagonal = np.asarray(diagonal, dtype=float)

    def init_coef(self):
        return np.zeros((len(self.diagonal), 1))

    def objective_gradient(self, coef):
        grad = self.diagonal[:, None] * coef
        return 1.0 + 0.5 * float(np.vdot(coef, grad)), grad


def test_stopping_rule_estimates_the_gap_from_the_smallest_secant_curvature():
    quadratic = _Quadratic([4.0, 1.0, 0.25])
    start = np.array([[1.0], [1.0], [1.0]])
    objective, grad = quadratic.objective_gradient(start)
    # A start away from zero (warm start): the move from zero is the first
    # secant, of curvature (4 + 1 + 0.25) / 3 along (1, 1, 1).
    rule = StoppingRule(quadratic, start, grad, tol=1e-3)
    met = rule(start, objective, grad)
    assert rule.curvature == pytest.approx(1.75)
    expected = float(np.vdot(grad, grad)) / (2 * 1.75 * objective)
    assert rule.gap_estimate == pytest.approx(expected)
    assert not met
    # Moves along the first two axes: secant curvatures 4 and 1, never 0.25.
    for point in ([[0.5], [1.0], [1.0]], [[0.5], [0.5], [1.0]]):
        point = np.array(point)
        objective, grad = quadratic.objective_gradient(point)
        met = rule(point, objective, grad)
    assert rule.curvature == pytest.approx(1.0)
    expected = float(np.vdot(grad, grad)) / (2 * 1.0 * objective)
    assert rule.gap_estimate == pytest.approx(expected)
    assert met == (expected <= 1e-3)
    # A cold start has no curvature, hence no estimate, before its first move.
    zero = np.zeros((3, 1))
    cold = StoppingRule(quadratic, zero, start, tol=1e-3)
    assert not cold(zero, 1.0, start)
    assert cold.gap_estimate == np.inf
    # A gradient at tol times its norm at zero stops the solver (a zero minimum).
    assert cold(zero, 1.0, 0.99e-3 * start)
