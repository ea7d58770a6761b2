"""The fit plan: the metric of the steps, refreshed once with the Hessian on small problems."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import GDLogisticRegression
from sklearn_logloss._loss import make_loss
from sklearn_logloss._loss._precondition import PreconditionedLoss, make_metric
from sklearn_logloss._solvers import _fit
from sklearn_logloss._solvers._fit import WARM_ITERATIONS, FitPlan
from sklearn_logloss._solvers._stopping import StoppingRule
from sklearn_logloss._solvers.momentum import MomentumSubspaceSearch


def _loss(alpha=1e-4):
    X, y = load_breast_cancer(return_X_y=True)  # unscaled: scales 1e-3 to 4e3
    return make_loss(X, y, np.ones(len(y)), n_classes=2, alpha=alpha, fit_intercept=True), X, y


def test_small_two_class_fit_moves_to_the_hessian_metric_once(metric_calls):
    loss, X, y = _loss()
    plan = FitPlan(loss, loss.init_coef(), solver="auto", learning_rate="auto", max_iter=1000)
    seen = []
    result = plan.run(tol=1e-6, callback=lambda coef: seen.append(coef.copy()) and False)
    assert [kind for kind, _, _ in metric_calls] == ["gram", "hessian"]
    # The Hessian is taken where the first run ended, after its few iterations.
    assert np.allclose(metric_calls[1][2], seen[WARM_ITERATIONS - 1])
    assert result.converged and result.n_iter > WARM_ITERATIONS
    assert result.loss_history.shape == (result.n_iter + 1,) == (len(seen) + 1,)
    assert np.all(np.diff(result.loss_history) <= 1e-12)  # one descent, not two
    reference = LogisticRegression(C=1 / (1e-4 * len(y)), solver="newton-cholesky", tol=1e-10)
    reference.fit(X, y)
    j_star = loss.objective(np.r_[reference.coef_.T, reference.intercept_[None]])
    assert (result.loss_history[-1] - j_star) / j_star <= 1e-6


def test_the_refresh_keeps_the_iterations_counted_for_callbacks_and_verbose(capsys):
    loss, X, y = _loss()
    infos = []

    class Record:
        def on_iteration(self, info):
            infos.append(info.iteration)
            return False

    plan = FitPlan(
        loss, loss.init_coef(), solver="auto", learning_rate="auto", max_iter=1000, verbose=1
    )
    result = plan.run(tol=1e-6, callback=Record())
    assert infos == list(range(1, result.n_iter + 1))
    printed = [line for line in capsys.readouterr().out.splitlines() if "Iteration" in line]
    assert [int(line.split()[1].rstrip(",")) for line in printed] == infos


@pytest.mark.parametrize("alpha", [0.0])
def test_no_refresh_without_a_penalty_and_separable_data_warn(alpha):
    # Without a penalty separable data have no minimum: the fit says so.
    X, y = make_classification(
        150,
        6,
        n_informative=6,
        n_redundant=0,
        flip_y=0.05,
        n_clusters_per_class=1,
        random_state=7303,
    )
    weights = np.random.default_rng(7303).uniform(0.1, 10.0, len(y))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = GDLogisticRegression(alpha=alpha).fit(X, y, sample_weight=weights)
    messages = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(messages) == 1 and "separable" in messages[0] and "alpha > 0" in messages[0]
    assert np.all(np.isfinite(model.coef_))


def test_softmax_hessian_metric_is_a_change_of_coordinates_that_whitens_the_hessian():
    from sklearn_logloss._loss._precondition import CoupledMetric, make_metric

    X, y = make_classification(
        300, 5, n_informative=4, n_redundant=0, n_classes=3, n_clusters_per_class=1, random_state=0
    )
    X = X * np.array([1.0, 1e3, 1e-2, 5.0, 1.0])
    loss = make_loss(X, y, np.ones(300), n_classes=3, alpha=1e-2, fit_intercept=True)
    w = np.random.default_rng(0).normal(scale=0.1, size=loss.coef_shape)
    metric = make_metric(loss, "hessian", coef=w)
    assert isinstance(metric, CoupledMetric)
    u = np.random.default_rng(1).normal(size=(4, *loss.coef_shape))
    np.testing.assert_allclose(metric.from_coef(metric.to_coef(u)), u, atol=1e-9)
    g = np.random.default_rng(2).normal(size=loss.coef_shape)
    # <T u, g> = <u, T^T g>: the gradient map is the adjoint
    assert np.vdot(metric.to_coef(u[0]), g) == pytest.approx(np.vdot(u[0], metric.gradient(g)))
    # Along coordinate directions of the weights in u, the curvature of J(T u) at w is 1.
    from sklearn_logloss._loss._precondition import PreconditionedLoss

    pre = PreconditionedLoss(loss, metric)
    at = metric.from_coef(w)
    h = 1e-5
    for index in [(0, 0), (2, 1), (4, 2)]:
        e = np.zeros(loss.coef_shape)
        e[index] = 1.0
        plus = pre.objective(at + h * e)
        minus = pre.objective(at - h * e)
        curvature = (plus - 2 * pre.objective(at) + minus) / h**2 / np.vdot(e, e)
        assert curvature == pytest.approx(1.0, rel=1e-3)


@pytest.mark.parametrize("class_blocks", [True, False])
def test_ill_conditioned_softmax_fit_moves_to_the_hessian_metric(
    class_blocks, metric_calls, monkeypatch
):
    # The coupled Hessian of 10 classes is costly here: the fit moves to its
    # class blocks' metric, or to the coupled one where the blocks cannot be
    # formed (once the iterations have cost as much as it).
    from sklearn.datasets import load_digits

    from sklearn_logloss._solvers import _fit

    if not class_blocks:
        monkeypatch.setattr(_fit, "has_class_blocks", lambda loss: False)
    X, y = load_digits(return_X_y=True)  # raw pixels 0..16: slow in the bound's metric
    X, y = X[:600], y[:600]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = GDLogisticRegression(alpha=1e-4, max_iter=5000).fit(X, y)
    move = "class_blocks" if class_blocks else "hessian"
    assert [kind for kind, _, _ in metric_calls] == ["gram", move]
    reference = LogisticRegression(
        C=1 / (1e-4 * 600), solver="newton-cg", tol=1e-12, max_iter=1000
    ).fit(X, y)
    loss = make_loss(
        X,
        np.searchsorted(model.classes_, y),
        np.ones(600),
        n_classes=10,
        alpha=1e-4,
        fit_intercept=True,
    )
    ours = loss.objective(np.vstack([model.coef_.T, model.intercept_[None]]))
    theirs = loss.objective(np.vstack([reference.coef_.T, reference.intercept_[None]]))
    assert (ours - theirs) / theirs <= 1e-6


@pytest.mark.parametrize("n_classes", [2, 3])
def test_after_coarse_problems_the_full_run_steps_in_the_hessian_metric(n_classes, metric_calls):
    # Coarse problems start the fit near the optimum: the Hessian there, on the
    # finest coarse problem's rows, is the full run's metric.
    n = 20000 if n_classes == 2 else 40000  # 20 samples per coefficient on every 8th
    X, y = make_classification(
        n, 60, n_informative=10, n_classes=n_classes, n_clusters_per_class=1, random_state=0
    )
    loss = make_loss(X, y, np.ones(len(y)), n_classes=n_classes, alpha=1e-4, fit_intercept=True)
    plan = FitPlan(loss, loss.init_coef(), solver="auto", learning_rate="auto", max_iter=1000)
    calls = [(kind, loss.n_samples) for kind, loss, _ in metric_calls]
    assert calls[0] == ("gram", n)
    assert calls[1][0] == "hessian" and calls[1][1] < n  # a coarse problem's rows
    result = plan.run(tol=1e-6)
    assert result.converged and len(metric_calls) == 2  # no second move
    reference = LogisticRegression(C=1 / (1e-4 * n), tol=1e-10, max_iter=5000).fit(X, y)
    j_star = loss.objective(np.vstack([reference.coef_.T, reference.intercept_[None]]))
    assert (result.loss_history[-1] - j_star) / j_star <= 1e-6


def test_the_move_to_the_hessian_metric_makes_no_check_at_the_move(monkeypatch):
    # A certificate where the metric moves (a Hessian at a point the fit
    # moves on from) would be wasted work.
    from sklearn_logloss._solvers import _stopping

    loss, X, y = _loss()
    checked = []
    check = _stopping.StoppingRule.check

    def recording(rule, coef, **kwargs):
        checked.append(rule.loss.metric.to_coef(coef))
        return check(rule, coef, **kwargs)

    monkeypatch.setattr(_stopping.StoppingRule, "check", recording)
    seen = []
    plan = FitPlan(loss, loss.init_coef(), solver="auto", learning_rate="auto", max_iter=1000)
    result = plan.run(tol=1e-6, callback=lambda coef: seen.append(coef.copy()) and False)
    assert result.converged and not result.stopped and result.n_iter > WARM_ITERATIONS
    assert checked  # the certificate was checked, but never at the move's point
    assert not any(np.allclose(c, seen[WARM_ITERATIONS - 1], atol=1e-10) for c in checked)


@pytest.mark.parametrize("at", [WARM_ITERATIONS - 1, WARM_ITERATIONS])
def test_a_callback_stopping_at_or_before_the_move_stops_the_fit(at):
    loss, X, y = _loss()
    seen = []

    def callback(coef):
        seen.append(coef.copy())
        return len(seen) == at

    plan = FitPlan(loss, loss.init_coef(), solver="auto", learning_rate="auto", max_iter=1000)
    result = plan.run(tol=1e-6, callback=callback)
    assert result.stopped and result.reason == "callback" and not result.converged
    assert result.n_iter == at == len(seen)
    assert np.allclose(result.coef, seen[-1])


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("solver", ["auto", "bb"])
def test_class_blocks_metric_fit_reaches_scikit_learns_optimum(
    fit_intercept, solver, metric_calls
):
    # Eight classes and 30 features: the coupled Hessian is costly, the fit
    # moves to its class blocks' metric; weighted samples, unscaled columns.
    X, y = make_classification(
        1500, 30, n_informative=12, n_classes=8, n_clusters_per_class=1, random_state=3
    )
    X = X * np.logspace(-1, 2, 30) + 2.0
    weights = np.random.default_rng(3).uniform(0.2, 3.0, len(y))
    alpha = 1e-3
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = GDLogisticRegression(
            alpha=alpha, solver=solver, fit_intercept=fit_intercept, max_iter=3000
        ).fit(X, y, sample_weight=weights)
    assert [kind for kind, _, _ in metric_calls] == ["gram", "class_blocks"]
    reference = LogisticRegression(
        C=1 / (alpha * weights.sum()),
        fit_intercept=fit_intercept,
        solver="newton-cholesky",
        tol=1e-12,
        max_iter=1000,
    ).fit(X, y, sample_weight=weights)
    loss = make_loss(X, y, weights, n_classes=8, alpha=alpha, fit_intercept=fit_intercept)

    def objective(fitted):
        coef = fitted.coef_.T
        if fit_intercept:
            coef = np.vstack([coef, fitted.intercept_[None]])
        return loss.objective(coef)

    assert (objective(model) - objective(reference)) / objective(reference) <= 1e-6
    np.testing.assert_allclose(
        model.predict_proba(X), reference.predict_proba(X), rtol=0, atol=2e-3
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_full_run_starts_with_the_coarse_problems_calibration(dtype, monkeypatch):
    # In float32 the full run steps in the coarse problems' metric: its first
    # check of the penalty's bound used to come where that bound, loose by
    # the ratio of the curvature to alpha, was known to fail (14 ms of a
    # 150 ms fit on 200000 x 100). It now starts with the coarse problems'
    # calibration; after a move to the Hessian's metric (float64), at 1.
    from sklearn_logloss._solvers import _stopping

    X, y = make_classification(50_000, 60, n_informative=30, flip_y=0.1, random_state=0)
    X = X.astype(dtype)
    rules = []
    init = _stopping.StoppingRule.__init__

    def recording(self, loss, coef, grad, tol, *, calibration=1.0):
        init(self, loss, coef, grad, tol, calibration=calibration)
        rules.append((self, self.calibration))  # the rule, its first calibration

    monkeypatch.setattr(_stopping.StoppingRule, "__init__", recording)
    loss = make_loss(X, y, np.ones(len(y)), n_classes=2, alpha=1e-4, fit_intercept=True)
    plan = FitPlan(loss, loss.init_coef(), solver="auto", learning_rate="auto", max_iter=1000)
    coarse = [rule for rule, _ in rules if rule.loss.n_samples < len(y)]
    assert coarse and coarse[-1].calibration > 1  # a check failed there
    result = plan.run(tol=1e-6)
    (first,) = [start for rule, start in rules if rule.loss.n_samples == len(y)]
    moved = getattr(plan.metric, "reference", None) is not None
    assert moved == (dtype == np.float64) and result.converged
    # Another metric after a move: the coarse calibration says nothing there.
    assert first == (1.0 if moved else coarse[-1].calibration)


def _scaled_loss(alpha=1e-4):
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return make_loss(X, y, np.ones(len(y)), n_classes=2, alpha=alpha, fit_intercept=True), X, y


def _fit_plan(loss, callback=None):
    plan = FitPlan(loss, loss.init_coef(), solver="auto", learning_rate="auto", max_iter=1000)
    return plan.run(tol=1e-6, callback=callback)


def test_a_fit_near_the_optimum_moves_to_the_hessian_again_and_ends_on_its_bound(
    metric_calls, monkeypatch
):
    # Standardized breast_cancer: the steps in the metric of the Hessian at
    # the warm point converge linearly (about 4x an iteration); near the
    # optimum the metric moves to the Hessian there, whose steps nearly
    # square the gap, and whose bound certifies the end (no new Hessian).
    from sklearn_logloss._solvers import _stopping

    loss, X, y = _scaled_loss()
    certificates = []
    full = _stopping.curvature_certificate
    monkeypatch.setattr(
        _stopping,
        "curvature_certificate",
        lambda *args, **kwargs: certificates.append(1) or full(*args, **kwargs),
    )
    seen = []
    result = _fit_plan(loss, lambda coef: seen.append(coef.copy()) and False)
    assert [kind for kind, _, _ in metric_calls] == ["gram", "hessian", "hessian"]
    # The second Hessian is taken at an iterate after the first move, before the end.
    moved = [i + 1 for i, coef in enumerate(seen) if np.allclose(coef, metric_calls[2][2])]
    assert moved and WARM_ITERATIONS < moved[0] < result.n_iter
    assert result.converged and not certificates  # the last metric's bound certified it
    assert result.loss_history.shape == (result.n_iter + 1,) == (len(seen) + 1,)
    assert np.all(np.diff(result.loss_history) <= 1e-12)
    reference = LogisticRegression(C=1 / (1e-4 * len(y)), solver="newton-cholesky", tol=1e-10)
    reference.fit(X, y)
    j_star = loss.objective(np.r_[reference.coef_.T, reference.intercept_[None]])
    assert (result.loss_history[-1] - j_star) / j_star <= 1e-6
    # Without the second move the fit takes more iterations (13 against 10).
    metric_calls.clear()
    monkeypatch.setattr(_fit, "NEAR_GAP", 0.0)
    once = _fit_plan(loss)
    assert [kind for kind, _, _ in metric_calls] == ["gram", "hessian"]
    assert once.converged and once.n_iter >= result.n_iter + 2


def test_a_fit_whose_steps_converge_fast_does_not_move_again(metric_calls):
    # Unscaled breast_cancer: near the optimum the steps in the warm point's
    # Hessian metric gain 20x an iteration; a move would cost what it saves.
    loss, X, y = _loss()
    result = _fit_plan(loss)
    assert [kind for kind, _, _ in metric_calls] == ["gram", "hessian"]
    assert result.converged


def test_rebase_maps_the_momentum_state_to_the_new_metric():
    # An in-place change of metric keeps the point, its logits and the kept
    # directions (their coefficients w); the gradient is the new metric's.
    loss, X, y = _scaled_loss()
    gram = make_metric(loss, "gram")
    problem = PreconditionedLoss(loss, gram)
    run = object.__new__(MomentumSubspaceSearch)
    run.memory, run.gradient_sum, run.loss = None, None, problem
    start = problem.init_coef()
    run.objective, run.grad = run.setup(start, "auto")
    run.coef = start
    run.rule = StoppingRule(problem, start, run.grad, tol=1e-6)
    for iteration in range(1, 6):
        run.step(iteration)
    point, kept = gram.to_coef(run.coef), gram.to_coef(run.directions[1:])
    hessian = make_metric(loss, "hessian", coef=point)
    run.rebase(PreconditionedLoss(loss, hessian))
    np.testing.assert_allclose(hessian.to_coef(run.coef), point, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(hessian.to_coef(run.directions[1:]), kept, rtol=1e-8, atol=1e-10)
    objective, grad = run.loss.objective_gradient(run.coef)
    np.testing.assert_allclose(run.grad, grad, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(run.logits, loss.logits(point), rtol=1e-9, atol=1e-9)
    before = run.objective
    for iteration in range(6, 9):  # and the search goes on from there, downhill
        run.step(iteration)
    assert run.objective < before


@pytest.mark.parametrize("solver", ["agd", "bb"])
def test_other_solvers_start_afresh_at_the_move_and_reach_the_optimum(solver, metric_calls):
    # The driver's default rebase: a new setup at the same coefficients in
    # the Hessian's metric (one move: the second is for "momentum" only).
    loss, X, y = _scaled_loss()
    plan = FitPlan(loss, loss.init_coef(), solver=solver, learning_rate="auto", max_iter=5000)
    seen = []
    result = plan.run(tol=1e-6, callback=lambda coef: seen.append(coef.copy()) and False)
    assert [kind for kind, _, _ in metric_calls] == ["gram", "hessian"]
    assert np.allclose(metric_calls[1][2], seen[WARM_ITERATIONS - 1])
    assert result.converged and result.loss_history.shape == (result.n_iter + 1,)
    reference = LogisticRegression(C=1 / (1e-4 * len(y)), solver="newton-cholesky", tol=1e-10)
    reference.fit(X, y)
    j_star = loss.objective(np.r_[reference.coef_.T, reference.intercept_[None]])
    assert (result.loss_history[-1] - j_star) / j_star <= 1e-6
