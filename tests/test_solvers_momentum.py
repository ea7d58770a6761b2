"""``"momentum"``: the subspace step, the kept steps and logits, the extra directions."""

import numpy as np
import pytest
import scipy.sparse as sp
from _solver_problems import large_binary, log_loss_of, scaled
from sklearn.datasets import make_classification

from sklearn_logloss._loss import LinearLogLoss
from sklearn_logloss._solvers import SOLVERS, MomentumSubspaceSearch
from sklearn_logloss._solvers.momentum import _subspace_step


@pytest.mark.parametrize("memory", [1, 8])
def test_momentum_takes_the_conjugate_gradient_steps_on_a_quadratic_like_problem(memory):
    # Near the optimum J is almost quadratic, so from a point close to it the
    # plane search behaves like conjugate gradients: on d = 4 weights plus an
    # intercept it lands (to rounding of the quadratic model) in 5 steps.
    # Searching over more previous steps keeps that property.
    momentum = MomentumSubspaceSearch(memory=memory, gradient_sum=False)
    X, y = scaled("iris")
    X, y = X[y < 2], y[y < 2]
    loss = log_loss_of(X, y, alpha=1.0)
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
    loss = log_loss_of(X, y)
    result = SOLVERS["momentum"](
        loss, loss.init_coef(), learning_rate="auto", max_iter=137, tol=0.0
    )
    # Float64 runs all 137 iterations (not a multiple of either refresh
    # period); float32 reaches its rounding floor after more than 10.
    assert result.n_iter == 137 if dtype == np.float64 else result.n_iter > 20
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert result.loss_history[-1] == pytest.approx(loss.objective(result.coef), rel=rtol)


@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
def test_momentum_with_eight_steps_saves_iterations(name):
    # The same optimum with 1 and 8 previous steps; 8 take fewer iterations,
    # never increase the objective, and the kept logits stay exact.
    X, y = scaled(name)
    loss = log_loss_of(X, y)
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


@pytest.mark.parametrize("sparse", [False, True])
def test_momentum_gradient_sum_saves_iterations(sparse):
    # Nemirovski's gradient sum and the point itself as two more directions:
    # the same optimum in fewer iterations, the objective never increasing.
    X, y = large_binary(n_samples=20_000)
    if sparse:
        X = sp.csr_matrix(np.where(np.abs(X) > 1.0, X, 0.0))
    loss = log_loss_of(X, y)
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


class _LeanLoss(LinearLogLoss):
    """The loss, recording how momentum calls it."""

    def objective_gradient_at(self, coef, logits, proba_out):
        self.calls.add("no point logits" if logits is None else "point logits")
        return super().objective_gradient_at(coef, logits, proba_out)

    def hessian_forms(self, proba, logit_directions, coef_directions):
        if np.may_share_memory(proba, logit_directions[0]):
            self.calls.add("gradient logits made in the forms")
        return super().hessian_forms(proba, logit_directions, coef_directions)


class _OrdinaryLoss(LinearLogLoss):
    """The same loss without ``"lean_logit_space"``: momentum keeps every array."""

    supports = LinearLogLoss.supports - {"lean_logit_space"}


@pytest.mark.parametrize(
    ("n_classes", "sparse", "point_logits_kept"),
    [(2, False, True), (2, True, True), (3, False, True), (3, True, False)],
)
def test_lean_momentum_takes_the_steps_of_the_ordinary_one(n_classes, sparse, point_logits_kept):
    # Gradient's logits made in the forms' pass over the probabilities, each
    # step combined over the kept one's logits (two classes: in the basis of
    # the previous gradient sum, then moved), and on data with few values a
    # row and three classes no logits of the point kept: the same path.
    X, y = make_classification(3000, 12, n_informative=6, n_classes=n_classes, random_state=0)
    if sparse:
        X = sp.csr_matrix(np.where(np.abs(X) > 1.2, X, 0.0))
    model = dict(n_classes=n_classes, alpha=1e-3, fit_intercept=True)
    runs = {}
    for kind in (_LeanLoss, _OrdinaryLoss):
        loss = kind(X, y, np.ones(3000), **model)
        loss.calls = set()
        solver = MomentumSubspaceSearch(memory=1)
        runs[kind] = solver(loss, loss.init_coef(), learning_rate="auto", max_iter=30, tol=1e-12)
        lean = kind is _LeanLoss
        assert ("gradient logits made in the forms" in loss.calls) == lean
        kept = "no point logits" not in loss.calls
        assert kept == (point_logits_kept or not lean)
    lean, ordinary = runs[_LeanLoss], runs[_OrdinaryLoss]
    assert lean.n_iter == ordinary.n_iter > 5
    np.testing.assert_allclose(lean.loss_history, ordinary.loss_history, rtol=1e-12)
    np.testing.assert_allclose(lean.coef, ordinary.coef, rtol=1e-7, atol=1e-10)
