"""Every registered solver reaches the lbfgs optimum and keeps its documented promises."""

import importlib
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import GDLogisticRegression, _solvers
from sklearn_logloss._loss import LinearLogLoss
from sklearn_logloss._solvers import (
    SOLVERS,
    MomentumSubspaceSearch,
    StoppingRule,
    auto_solver,
    coarse_start,
    coarse_strides,
    momentum_gradient_sum,
    momentum_memory,
)
from sklearn_logloss._solvers.momentum import _subspace_step

LOADERS = {
    "breast_cancer": load_breast_cancer,
    "iris": load_iris,
    "wine": load_wine,
    "digits": load_digits,
}
FAST_SOLVERS = [name for name in SOLVERS if name != "gd"]  # gd: see test_logistic.py


def scaled(name):
    X, y = LOADERS[name](return_X_y=True)
    return StandardScaler().fit_transform(X), y


def reference_objective(X, y, alpha):
    """J at the lbfgs optimum, measured with the package's loss object."""
    n = X.shape[0]
    classes, codes = np.unique(y, return_inverse=True)
    loss = LinearLogLoss(
        X, codes, np.ones(n), n_classes=len(classes), alpha=alpha, fit_intercept=True
    )
    ref = LogisticRegression(C=1 / (alpha * n), tol=1e-12, max_iter=10_000).fit(X, y)
    return loss.objective(np.vstack([ref.coef_.T, ref.intercept_[None]])), ref


@pytest.mark.parametrize("solver", FAST_SOLVERS)
@pytest.mark.parametrize("name", list(LOADERS))
def test_each_solver_reaches_the_lbfgs_optimum(solver, name):
    X, y = scaled(name)
    alpha = 1e-3
    j_star, ref = reference_objective(X, y, alpha)
    model = GDLogisticRegression(alpha=alpha, solver=solver, tol=1e-8, max_iter=20_000).fit(X, y)
    assert abs(model.loss_history_[-1] - j_star) / j_star < 1e-6
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize("name", ["breast_cancer", "digits"])
def test_default_settings_reach_relative_gap_1e_6(name):
    # The default tol is meant to land within 1e-6 of the optimum.
    X, y = scaled(name)
    alpha = 1e-4
    j_star, _ = reference_objective(X, y, alpha)
    model = GDLogisticRegression(alpha=alpha).fit(X, y)
    assert (model.loss_history_[-1] - j_star) / j_star < 1e-6


@pytest.mark.parametrize("name", list(LOADERS))
def test_bb_history_stays_below_its_nonmonotone_window(name):
    X, y = scaled(name)
    history = GDLogisticRegression(alpha=1e-4, solver="bb", tol=1e-9, max_iter=5000).fit(X, y)
    history = history.loss_history_
    for k in range(1, history.shape[0]):
        window_max = history[max(0, k - 10) : k].max()
        assert history[k] <= window_max * (1 + 1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["gd", "agd", "momentum"])
def test_monotone_solvers_never_increase(solver):
    X, y = scaled("wine")
    history = GDLogisticRegression(alpha=1e-3, solver=solver, tol=1e-9, max_iter=20_000)
    history = history.fit(X, y).loss_history_
    assert np.all(np.diff(history) <= 1e-14 * history[:-1])


@pytest.mark.parametrize("solver", list(SOLVERS))
def test_float32_and_sparse_fits_match_dense_float64(solver):
    X, y = scaled("breast_cancer")
    params = dict(alpha=1e-2, solver=solver, tol=1e-11, max_iter=50_000)
    dense = GDLogisticRegression(**params).fit(X, y)
    csr = GDLogisticRegression(**params).fit(sp.csr_matrix(X), y)
    f32 = GDLogisticRegression(**params).fit(X.astype(np.float32), y)
    np.testing.assert_allclose(csr.coef_, dense.coef_, rtol=1e-6, atol=1e-8)
    assert f32.coef_.dtype == np.float32
    np.testing.assert_allclose(f32.predict_proba(X), dense.predict_proba(X), atol=1e-4)


def test_solver_result_contract():
    X, y = scaled("iris")
    classes, codes = np.unique(y, return_inverse=True)
    loss = LinearLogLoss(X, codes, np.ones(len(y)), n_classes=3, alpha=1e-2, fit_intercept=True)
    for name, solver in SOLVERS.items():
        result = solver(
            loss, loss.init_coef(), learning_rate="auto", max_iter=3000, tol=1e-6, verbose=0
        )
        assert result.converged, name
        assert result.loss_history.shape == (result.n_iter + 1,)
        assert result.loss_history[-1] == pytest.approx(loss.objective(result.coef), rel=1e-12)
        assert result.gap_estimate <= 1e-6, name


class _Quadratic:
    """J(w) = 1 + w^T A w / 2 with a diagonal A: curvatures are known exactly."""

    dtype = np.dtype(np.float64)

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


@pytest.mark.parametrize("name", sorted(SOLVERS))
@pytest.mark.parametrize("tol", [1e-4, 1e-7])
def test_tol_controls_the_relative_objective_gap(name, tol):
    # The documented meaning of tol: the relative gap (J - J*) / J* at the
    # returned coefficients is about tol (the estimate is not a bound: allow 10x).
    X, y = scaled("wine")
    alpha = 1e-2
    model = GDLogisticRegression(alpha=alpha, solver=name, tol=tol, max_iter=20_000).fit(X, y)
    j_star, _ = reference_objective(X, y, alpha)
    gap = (model.loss_history_[-1] - j_star) / j_star
    assert gap <= 10 * tol
    if tol == 1e-4:  # and a looser tol stops earlier than a tight one
        tight = GDLogisticRegression(alpha=alpha, solver=name, tol=1e-7, max_iter=20_000)
        assert model.n_iter_ < tight.fit(X, y).n_iter_


def test_auto_solver_rule():
    X, y = scaled("breast_cancer")
    binary = LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=1e-4, fit_intercept=True)
    assert auto_solver(binary) == "momentum"
    # 20 classes, 5 features, 300000 rows: four arrays of logits would be 16
    # times the size of X (and above 16 MiB), so the memory-light bb.
    X = np.zeros((300_000, 5))
    many = LinearLogLoss(
        X, np.arange(300_000) % 20, np.ones(300_000), n_classes=20, alpha=1e-4, fit_intercept=True
    )
    assert auto_solver(many) == "bb"

    class NoLogitSpace:  # e.g. the Dask loss: objective and gradient only
        supports = frozenset()

    assert auto_solver(NoLogitSpace()) == "agd"


@pytest.mark.parametrize(
    "n_samples, n_classes, n_features",
    # The last solves coarse problems first (on views of every 8th row).
    [(20_000, 2, 50), (20_000, 3, 200), (20_000, 2, 100)],
)
def test_fit_makes_no_copy_of_dense_float64(n_samples, n_classes, n_features):
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=10,
        n_classes=n_classes,
        random_state=0,
    )
    X = np.ascontiguousarray(X)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            GDLogisticRegression(alpha=1e-4, max_iter=30).fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= 0.25 * X.nbytes, f"peak {peak / X.nbytes:.1%} of X"


@pytest.mark.parametrize("memory", [1, 8])
def test_momentum_takes_the_conjugate_gradient_steps_on_a_quadratic_like_problem(memory):
    # Near the optimum J is almost quadratic, so from a point close to it the
    # plane search behaves like conjugate gradients: on d = 4 weights plus an
    # intercept it lands (to rounding of the quadratic model) in 5 steps.
    # Searching over more previous steps keeps that property.
    momentum = MomentumSubspaceSearch(memory=memory)
    X, y = scaled("iris")
    X, y = X[y < 2], y[y < 2]
    loss = LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=1.0, fit_intercept=True)
    coef = momentum(loss, loss.init_coef(), learning_rate="auto", max_iter=500, tol=1e-12).coef
    start = coef + 1e-4 * np.random.default_rng(0).standard_normal(coef.shape)
    result = momentum(loss, start, learning_rate="auto", max_iter=5, tol=0.0)
    _, grad = loss.objective_gradient(result.coef)
    _, grad_start = loss.objective_gradient(start)
    assert np.linalg.norm(grad) < 1e-6 * np.linalg.norm(grad_start)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_momentum_kept_logits_do_not_drift(dtype):
    # "momentum" updates its logits instead of recomputing them (refreshed
    # every 50 iterations, 10 in float32): after a long run its last objective
    # still equals J recomputed from the coefficients.
    X, y = scaled("digits")
    X = X.astype(dtype)
    classes, codes = np.unique(y, return_inverse=True)
    loss = LinearLogLoss(X, codes, np.ones(len(y)), n_classes=10, alpha=1e-4, fit_intercept=True)
    result = SOLVERS["momentum"](
        loss, loss.init_coef(), learning_rate="auto", max_iter=137, tol=0.0
    )
    # Float64 runs all 137 iterations (not a multiple of either refresh
    # period); float32 reaches its rounding floor after more than 10.
    assert result.n_iter == 137 if dtype == np.float64 else result.n_iter > 20
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert result.loss_history[-1] == pytest.approx(loss.objective(result.coef), rel=rtol)


def test_momentum_memory_is_eight_steps_on_small_problems_only():
    X, y = scaled("breast_cancer")  # 569 logits
    small = LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=1e-4, fit_intercept=True)
    assert momentum_memory(small) == 8
    X, y = scaled("digits")  # 1797 samples x 10 classes = 17970 logits
    large = LinearLogLoss(X, y, np.ones(len(y)), n_classes=10, alpha=1e-4, fit_intercept=True)
    assert momentum_memory(large) == 1


@pytest.mark.parametrize("name, n_classes", [("breast_cancer", 2), ("iris", 3)])
def test_momentum_with_eight_steps_saves_iterations(name, n_classes):
    # The same optimum with 1 and 8 previous steps; 8 take fewer iterations,
    # never increase the objective, and the kept logits stay exact.
    X, y = scaled(name)
    loss = LinearLogLoss(
        X, y, np.ones(len(y)), n_classes=n_classes, alpha=1e-4, fit_intercept=True
    )
    results = {}
    for memory in (1, 8):
        results[memory] = MomentumSubspaceSearch(memory=memory)(
            loss, loss.init_coef(), learning_rate="auto", max_iter=2000, tol=1e-10
        )
        history = results[memory].loss_history
        assert np.all(np.diff(history) <= 16 * np.finfo(float).eps * history[:-1])
        assert history[-1] == pytest.approx(loss.objective(results[memory].coef), rel=1e-12)
    one, eight = results[1], results[8]
    assert one.converged and eight.converged
    assert eight.loss_history[-1] == pytest.approx(one.loss_history[-1], rel=1e-9)
    assert eight.n_iter < one.n_iter


@pytest.mark.parametrize("k", [2, 3])  # 2: the closed form of the heavy ball
def test_subspace_step_solves_the_quadratic_model(k):
    rng = np.random.default_rng(0)
    basis = rng.standard_normal((k, k))
    forms = basis @ basis.T + 0.1 * np.eye(k)
    slope = rng.standard_normal(k)
    slope[0] = -abs(slope[0])  # a descent direction first, as the gradient's
    c = _subspace_step(forms, slope)
    np.testing.assert_allclose(forms @ c, -slope, rtol=1e-10)
    # Nearly parallel directions: only the first (the gradient) is used.
    parallel = np.ones((k, k)) + 1e-13 * np.eye(k)
    c = _subspace_step(parallel, -np.ones(k))
    np.testing.assert_allclose(c, np.eye(k)[0], rtol=1e-12, atol=0)
    # No curvature or no descent along the gradient: no step.
    assert _subspace_step(np.zeros((k, k)), -np.eye(k)[0]) is None
    assert _subspace_step(np.eye(k), np.eye(k)[0]) is None


def test_subspace_step_drops_only_the_dependent_direction():
    # Directions 0 and 2 independent, 1 a copy of 0: 1 is left out and the
    # model is solved on 0 and 2.
    rng = np.random.default_rng(1)
    d = rng.standard_normal((2, 5))
    directions = np.stack([d[0], d[0], d[1]])
    forms = directions @ directions.T
    slope = np.array([-1.0, -1.0, 0.5])
    c = _subspace_step(forms, slope)
    assert c[1] == 0.0 and c[2] != 0.0
    sub = forms[np.ix_([0, 2], [0, 2])]
    np.testing.assert_allclose(sub @ c[[0, 2]], -slope[[0, 2]], rtol=1e-10)


def test_the_hot_loop_uses_numpy_blas_only():
    # scipy's wheels bundle their own OpenBLAS: calling it (scipy.linalg.blas
    # or lapack) between numpy's BLAS calls makes two thread pools spin on
    # the same cores, which slowed a digits fit 8x with default threads.
    import ast
    import inspect
    import pkgutil

    from sklearn_logloss import _loss

    modules = [_loss, _solvers]
    for package in (_loss, _solvers):  # packages: every module in them
        for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
            modules.append(importlib.import_module(f"{package.__name__}.{info.name}"))
    assert len(modules) >= 8  # the solvers' package and its modules at least
    for module in modules:
        tree = ast.parse(inspect.getsource(module))
        imported = {
            alias.name if isinstance(node, ast.Import) else f"{node.module}.{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not any(name.startswith("scipy.linalg") for name in imported), imported


def large_binary(n_samples=40_000, n_features=29, dtype=np.float64):
    """Large enough for coarse problems: 30 coefficients, n * 30 > 2**20."""
    X, y = make_classification(
        n_samples=n_samples, n_features=n_features, n_informative=10, random_state=0
    )
    return StandardScaler().fit_transform(X).astype(dtype), y


def test_momentum_gradient_sum_on_large_binary_problems_only():
    X, y = large_binary()
    loss = LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=1e-4, fit_intercept=True)
    assert momentum_gradient_sum(loss)
    small = LinearLogLoss(
        X[:500], y[:500], np.ones(500), n_classes=2, alpha=1e-4, fit_intercept=True
    )
    assert not momentum_gradient_sum(small)
    X3, y3 = make_classification(n_samples=6000, n_informative=5, n_classes=3, random_state=0)
    three = LinearLogLoss(X3, y3, np.ones(6000), n_classes=3, alpha=1e-4, fit_intercept=True)
    assert not momentum_gradient_sum(three)


@pytest.mark.parametrize("sparse", [False, True])
def test_momentum_gradient_sum_saves_iterations(sparse):
    # Nemirovski's gradient sum and the point itself as two more directions:
    # the same optimum in fewer iterations, the objective never increasing.
    X, y = large_binary(n_samples=20_000)
    if sparse:
        X = sp.csr_matrix(np.where(np.abs(X) > 1.0, X, 0.0))
    loss = LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=1e-4, fit_intercept=True)
    results = {}
    for extra in (False, True):
        results[extra] = MomentumSubspaceSearch(gradient_sum=extra)(
            loss, loss.init_coef(), learning_rate="auto", max_iter=500, tol=1e-10
        )
        history = results[extra].loss_history
        assert np.all(np.diff(history) <= 16 * np.finfo(float).eps * history[:-1])
        assert history[-1] == pytest.approx(loss.objective(results[extra].coef), rel=1e-12)
    plain, extra = results[False], results[True]
    assert plain.converged and extra.converged
    assert extra.loss_history[-1] == pytest.approx(plain.loss_history[-1], rel=1e-9)
    assert extra.n_iter < plain.n_iter


def test_coarse_strides_rule():
    X, y = large_binary()
    loss = LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=1e-4, fit_intercept=True)
    # 40000 / 64 = 625 rows >= 20 per coefficient (30); 40000 / 512 = 78 < 600.
    assert coarse_strides(loss) == [64, 8]
    unpenalized = LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=0.0, fit_intercept=True)
    assert coarse_strides(unpenalized) == []  # a subsample's minimizer may not exist
    small = LinearLogLoss(
        X[:2000], y[:2000], np.ones(2000), n_classes=2, alpha=1e-4, fit_intercept=True
    )
    assert coarse_strides(small) == []
    codes = np.arange(len(y)) % 5  # 150 coefficients: only every 8th row qualifies
    many = LinearLogLoss(X, codes, np.ones(len(y)), n_classes=5, alpha=1e-4, fit_intercept=True)
    assert coarse_strides(many) == [8]


def test_subsample_is_the_same_objective_on_every_kth_sample():
    X, y = large_binary(n_samples=4000)
    weight = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    for data in (X, sp.csr_matrix(X)):
        loss = LinearLogLoss(data, y, weight, n_classes=2, alpha=1e-3, fit_intercept=True)
        coarse = loss.subsample(8)
        direct = LinearLogLoss(
            X[::8], y[::8], weight[::8], n_classes=2, alpha=1e-3, fit_intercept=True
        )
        coef = np.random.default_rng(1).standard_normal(loss.coef_shape)
        assert coarse.X.shape == (500, X.shape[1])
        assert sp.issparse(data) or np.shares_memory(coarse.X, X)  # dense: a view
        assert coarse.objective(coef) == pytest.approx(direct.objective(coef), rel=1e-12)
        np.testing.assert_allclose(
            coarse.objective_gradient(coef)[1], direct.objective_gradient(coef)[1], rtol=1e-10
        )
    # A class with no weight among every 8th sample: no coarse problem.
    weight[::8][y[::8] == 1] = 0.0
    loss = LinearLogLoss(X, y, weight, n_classes=2, alpha=1e-3, fit_intercept=True)
    assert loss.subsample(8) is None
    assert loss.subsample(7) is not None


def test_coarse_start_lands_near_the_optimum_and_skips_warm_starts():
    X, y = large_binary()
    loss = LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=1e-4, fit_intercept=True)
    j_star = SOLVERS["momentum"](
        loss, loss.init_coef(), learning_rate="auto", max_iter=1000, tol=1e-12
    ).loss_history[-1]
    start = coarse_start(loss, loss.init_coef(), max_iter=1000)
    j_zero = loss.objective(loss.init_coef())
    # Within 1% of the minimum, from a relative gap of about 0.5 at zero.
    assert (loss.objective(start) - j_star) / j_star < 1e-2 < (j_zero - j_star) / j_star
    warm = np.full(loss.coef_shape, 0.01)
    assert coarse_start(loss, warm, max_iter=1000) is warm
    flat = LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=0.0, fit_intercept=True)
    assert not np.any(coarse_start(flat, flat.init_coef(), max_iter=1000))


def test_auto_starts_from_coarse_problems_and_reaches_the_same_optimum(capsys):
    X, y = large_binary()
    weight = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    params = dict(alpha=1e-4, tol=1e-10, max_iter=1000)
    auto = GDLogisticRegression(**params, verbose=1).fit(X, y, sample_weight=weight)
    printed = capsys.readouterr().out
    assert "Coarse problem on every 64th sample (625 samples" in printed
    assert "Coarse problem on every 8th sample (5000 samples" in printed
    plain = GDLogisticRegression(**params, solver="momentum").fit(X, y, sample_weight=weight)
    assert auto.loss_history_[-1] == pytest.approx(plain.loss_history_[-1], rel=1e-9)
    np.testing.assert_allclose(auto.coef_, plain.coef_, rtol=1e-4, atol=1e-5)
    # The full problem starts near its minimum: fewer iterations on all rows.
    assert auto.loss_history_[0] < 0.9 * plain.loss_history_[0]
    assert auto.n_iter_ < plain.n_iter_
    # A warm start skips the coarse problems (nothing printed for them).
    auto.set_params(warm_start=True).fit(X, y, sample_weight=weight)
    assert "Coarse" not in capsys.readouterr().out


def test_coarse_start_in_float32_and_sparse():
    X, y = large_binary()
    expected = GDLogisticRegression(alpha=1e-4, solver="momentum").fit(X, y)
    for data in (X.astype(np.float32), sp.csr_matrix(X)):
        model = GDLogisticRegression(alpha=1e-4).fit(data, y)
        assert model.coef_.dtype == data.dtype
        np.testing.assert_allclose(model.predict_proba(X), expected.predict_proba(X), atol=1e-3)


def test_default_settings_with_coarse_start_reach_relative_gap_1e_6():
    X, y = large_binary()
    j_star, _ = reference_objective(X, y, 1e-4)
    model = GDLogisticRegression(alpha=1e-4).fit(X, y)
    assert coarse_strides(
        LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=1e-4, fit_intercept=True)
    )
    assert (model.loss_history_[-1] - j_star) / j_star < 1e-6
