"""The softmax's class-block metric: block-Jacobi on the classes' zero-sum subspace."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification

from sklearn_logloss._loss import make_loss
from sklearn_logloss._loss._class_metric import class_block_metric, has_class_blocks
from sklearn_logloss._loss._precondition import PreconditionedLoss


def _loss(n_classes=4, scales=True, alpha=1e-3, fit_intercept=True, seed=0):
    X, y = make_classification(300, 6, n_informative=4, n_classes=n_classes, random_state=seed)
    if scales:
        X = X * np.logspace(-2, 3, X.shape[1]) + 5.0  # uncentred, five decades of scales
    weights = np.random.default_rng(seed).uniform(0.5, 2.0, len(y))
    loss = make_loss(X, y, weights, n_classes=n_classes, alpha=alpha, fit_intercept=fit_intercept)
    return loss, X, y, weights


def _point(loss, seed=1):
    """Zero-sum coefficients (as a fit's iterates) giving logits of order 1."""
    X = loss.X
    coef = 0.3 * np.random.default_rng(seed).standard_normal(loss.coef_shape)
    coef[: loss.n_features] /= X.std(axis=0)[:, None]
    if loss.fit_intercept:
        coef[-1] -= X.mean(axis=0) @ coef[: loss.n_features]
    return coef - coef.mean(axis=1, keepdims=True)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_a_change_of_coordinates_with_its_adjoint_and_inverse(fit_intercept):
    loss, *_ = _loss(fit_intercept=fit_intercept)
    metric = class_block_metric(loss, _point(loss))
    rng = np.random.default_rng(2)
    u, g = rng.standard_normal((2, *loss.coef_shape))
    w = metric.to_coef(u)
    np.testing.assert_allclose(metric.from_coef(w), u, rtol=1e-8, atol=1e-8)
    assert np.vdot(w, g) == pytest.approx(np.vdot(u, metric.gradient(g)), rel=1e-9)
    stack = rng.standard_normal((3, *loss.coef_shape))
    for method in (metric.to_coef, metric.gradient, metric.from_coef):
        one = method(stack[1])
        np.testing.assert_allclose(method(stack)[1], one, rtol=1e-9, atol=1e-9 * np.abs(one).max())


def test_zero_sum_steps_are_the_projected_block_jacobi_step():
    # On the zero-sum subspace T T^T g = P diag(C_k^{-1}) P g, with C_k the
    # Hessian's class blocks (data term's k-th diagonal block plus the penalty).
    loss, X, y, weights = _loss(scales=False)
    coef = _point(loss)
    metric = class_block_metric(loss, coef)
    g = np.random.default_rng(3).standard_normal(loss.coef_shape)
    g -= g.mean(axis=1, keepdims=True)
    step = metric.to_coef(metric.gradient(g))
    rows = np.hstack([X, np.ones((len(X), 1))])
    logits = rows @ coef
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    s = weights / weights.sum()
    expected = np.empty_like(g)
    for k in range(loss.n_outputs):
        block = rows.T @ (rows * (s * proba[:, k] * (1 - proba[:, k]))[:, None])
        block[: X.shape[1], : X.shape[1]] += loss.alpha * np.eye(X.shape[1])
        expected[:, k] = np.linalg.solve(block, g[:, k])
    expected -= expected.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(step, expected, rtol=1e-6, atol=1e-10 * np.abs(expected).max())
    assert np.abs(step.sum(axis=1)).max() <= 1e-8 * np.abs(step).max()


def test_class_common_directions_get_the_penalty_curvature():
    loss, *_ = _loss()
    metric = class_block_metric(loss, _point(loss))
    v = np.random.default_rng(4).standard_normal((loss.coef_shape[0], 1))
    common = np.repeat(v, loss.n_outputs, axis=1)
    step = metric.to_coef(metric.gradient(common))
    np.testing.assert_allclose(step, common / loss.alpha, rtol=1e-6)


def test_the_bound_on_whole_coefficient_arrays_sees_the_classes_coupled():
    loss, *_ = _loss()
    metric = class_block_metric(loss, _point(loss))
    pre = PreconditionedLoss(loss, metric)
    # The softmax's bound is at most 1/2 the Gram matrix's; the blocks at a
    # point see curvature at least ~p(1-p) of it: the bound is of order 1 and above.
    bound = pre.lipschitz_bound(n_iter=100, rtol=1e-8)
    assert np.isfinite(bound) and bound > 0.5


def test_only_dense_numpy_softmax_losses_have_class_blocks():
    loss, X, y, weights = _loss()
    binary = make_loss(X, y % 2, weights, n_classes=2, alpha=1e-3, fit_intercept=True)
    stored_sparse = make_loss(
        sp.csr_matrix(X), y, weights, n_classes=4, alpha=1e-3, fit_intercept=True
    )
    assert has_class_blocks(loss)
    assert not has_class_blocks(binary) and not has_class_blocks(stored_sparse)


def test_saturated_class_probabilities_still_give_a_metric():
    # Logits in the hundreds: p (1 - p) underflows to 0 on every row, and the
    # blocks keep only the penalty's curvature (none for the intercepts).
    loss, *_ = _loss()
    metric = class_block_metric(loss, 1e3 * _point(loss))
    u = np.random.default_rng(5).standard_normal(loss.coef_shape)
    assert np.all(np.isfinite(metric.to_coef(u)))
    np.testing.assert_allclose(metric.from_coef(metric.to_coef(u)), u, rtol=1e-6, atol=1e-6)
