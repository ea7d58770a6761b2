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


def _without_the_hessian(monkeypatch):
    """Make every problem too large for the Hessian's certificate (as past 1024 coefficients)."""
    from sklearn_logloss._solvers import _stopping

    monkeypatch.setattr(_stopping, "HESSIAN_SIZE", 0)


def _recorded_stops(monkeypatch):
    """A list that receives ``(certified_gap, tol, uncertified)`` at every stop the rule allows."""
    stops = []
    check = StoppingRule.check

    def recording(self, coef, *, estimate=True):
        done = check(self, coef, estimate=estimate)
        if done:
            stops.append((self.certified_gap, self.tol, self.uncertified))
        return done

    monkeypatch.setattr(StoppingRule, "check", recording)
    return stops


@pytest.mark.parametrize("solver", ["momentum", "agd", "bb", "gd"])
def test_without_the_hessian_a_stop_with_a_penalty_is_certified(monkeypatch, solver):
    # Issue 14: past the Hessian's reach, a run with alpha > 0 used to stop
    # once the estimate in the metric of its steps was 10 times below tol:
    # on wide unscaled data the penalty's bound there was 30x above tol.
    # Now only the bound ends it (or max_iter, with a warning).
    import warnings

    from sklearn.datasets import make_classification
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_logloss import GDLogisticRegression

    _without_the_hessian(monkeypatch)
    stops = _recorded_stops(monkeypatch)
    X, y = make_classification(400, 60, n_informative=20, random_state=0)
    X[:, 0] *= 1e4
    X[:, 1] = np.random.default_rng(0).lognormal(10, 1, 400)  # an income column
    model = GDLogisticRegression(alpha=1e-4, solver=solver, max_iter=20_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y)
    assert stops, "the fit ended without the rule's consent"
    for certified, tol, uncertified in stops:
        assert certified <= tol and uncertified is None


def test_without_the_hessian_or_a_penalty_a_stop_warns(monkeypatch):
    # alpha = 0 past the Hessian's reach: nothing bounds the gap (separable
    # data have no minimum), so the stop on the estimate or the gradient's fall
    # says so instead of passing for convergence.
    from sklearn.datasets import make_classification
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_logloss import GDLogisticRegression

    _without_the_hessian(monkeypatch)
    X, y = make_classification(400, 10, n_redundant=0, flip_y=0.2, random_state=0)
    model = GDLogisticRegression(alpha=0.0)
    with pytest.warns(ConvergenceWarning, match="no bound backs it|no certificate"):
        model.fit(X, y)
    assert np.all(np.isfinite(model.coef_))
    # With the Hessian in reach the same fit is certified, and silent.
    monkeypatch.undo()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        GDLogisticRegression(alpha=0.0).fit(X, y)


def test_a_fit_in_the_metric_of_a_subsample_hessian_stops_on_its_certificate(monkeypatch):
    # After coarse problems the full run steps in the metric of the Hessian on
    # the finest coarse rows. That Hessian bounds the one at later points
    # (a fraction of the rows, logits that moved): the stop is certified from
    # it, without the penalty's passes over all rows (which over-solve).
    import warnings

    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from sklearn_logloss import GDLogisticRegression
    from sklearn_logloss._solvers import _stopping

    X, y = make_classification(20_000, 60, n_informative=30, flip_y=0.1, random_state=0)
    stops = _recorded_stops(monkeypatch)
    full_data_penalty_checks = []
    certify = _stopping.certify

    def recording_certify(loss, coef):
        if loss.n_samples == X.shape[0]:
            full_data_penalty_checks.append(coef)
        return certify(loss, coef)

    monkeypatch.setattr(_stopping, "certify", recording_certify)
    model = GDLogisticRegression(alpha=1e-4).fit(X, y)
    certified, tol, _ = stops[-1]
    assert certified <= tol and not full_data_penalty_checks
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = LogisticRegression(C=1 / (1e-4 * len(y)), solver="newton-cholesky", tol=1e-12)
        reference.fit(X, y)

    def objective(m):
        z = X @ m.coef_.ravel() + m.intercept_[0]
        return np.mean(np.logaddexp(0, np.where(y == 1, -z, z))) + 0.5e-4 * np.sum(m.coef_**2)

    gap = (objective(model) - objective(reference)) / objective(reference)
    assert gap <= tol


def test_with_a_penalty_the_gradient_floor_does_not_force_checks(monkeypatch):
    # The gradient's floor (tol times its norm at the start) ends fits
    # without a penalty. With one, checks come when the trigger says: at a
    # loose tol the floor is reached early, and the penalty's bound (loose by
    # curvature / alpha) used to be checked, and fail, at every iteration.
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    from sklearn_logloss import GDLogisticRegression
    from sklearn_logloss._solvers import _stopping

    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    calls = []
    certify = _stopping.certify
    monkeypatch.setattr(_stopping, "certify", lambda *args: calls.append(1) or certify(*args))
    model = GDLogisticRegression(alpha=1e-4, tol=1e-2).fit(X, y)
    assert model.n_iter_ < 40 and len(calls) <= 4  # was 14 penalty checks in 30 iterations


def test_a_check_where_the_hessian_bound_is_far_waits_until_it_may_hold(monkeypatch):
    # Where lambda rho >= 1 the bound does not hold yet; the next check is
    # scheduled where (lambda rho)^2 is expected at FAR_MARGIN, not at the
    # next iteration (breast_cancer at tol=1e-2: 3 Hessian checks, was 4).
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    from sklearn_logloss import GDLogisticRegression
    from sklearn_logloss._solvers import _stopping

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    statuses = []
    full = _stopping.curvature_certificate

    def recording(*args, **kwargs):
        result = full(*args, **kwargs)
        statuses.append(result[1])
        return result

    monkeypatch.setattr(_stopping, "curvature_certificate", recording)
    GDLogisticRegression(alpha=1e-4, tol=1e-2).fit(X, y)
    assert "far" in statuses and len(statuses) <= 3
