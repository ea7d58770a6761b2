"""The analytic gradient of the objective against central finite differences.

This is the numerical gradient check of seed document 000 (analytic
``p - y`` against ``(loss(z + eps) - loss(z - eps)) / (2 eps)``), extended to
the whole penalized, weighted objective of ``LinearLogLoss``.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.special import expit

from sklearn_logloss._loss import LinearLogLoss


def central_differences(func, coef, step=1e-6):
    grad = np.empty_like(coef)
    for index in np.ndindex(coef.shape):
        shift = np.zeros_like(coef)
        shift[index] = step
        grad[index] = (func(coef + shift) - func(coef - shift)) / (2 * step)
    return grad


def make_problem(n_classes, fit_intercept, alpha, weighted, seed=0, sparse=False):
    rng = np.random.default_rng(seed)
    n_samples, n_features = 40, 5
    X = rng.standard_normal((n_samples, n_features))
    if sparse:
        X[rng.random(X.shape) < 0.5] = 0.0
        X = sp.csr_matrix(X)
    y = rng.integers(n_classes, size=n_samples)
    sample_weight = rng.uniform(0.1, 3.0, n_samples) if weighted else np.ones(n_samples)
    loss = LinearLogLoss(
        X, y, sample_weight, n_classes=n_classes, alpha=alpha, fit_intercept=fit_intercept
    )
    coef = rng.standard_normal(loss.coef_shape)
    return loss, coef


def test_seed_000_single_logit():
    # One sample with y = 1 and logit z = 0.7: the seed prints the analytic
    # gradient -0.33181222783183384 and agrees with the numerical one.
    loss = LinearLogLoss(
        np.array([[1.0]]),
        np.array([1]),
        np.array([1.0]),
        n_classes=2,
        alpha=0.0,
        fit_intercept=False,
    )
    coef = np.array([[0.7]])
    _, grad = loss.objective_gradient(coef)
    assert_allclose(grad[0, 0], expit(0.7) - 1.0, rtol=1e-14)
    assert_allclose(grad[0, 0], -0.33181222783183384, rtol=1e-14)
    numeric = central_differences(loss.objective, coef, step=1e-5)
    assert_allclose(grad, numeric, rtol=1e-9)


@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_matches_central_differences(n_classes, fit_intercept, alpha, weighted):
    loss, coef = make_problem(n_classes, fit_intercept, alpha, weighted)
    objective, grad = loss.objective_gradient(coef.copy())
    assert grad.shape == coef.shape
    assert grad.dtype == np.float64
    assert objective == pytest.approx(loss.objective(coef.copy()), rel=1e-14)
    numeric = central_differences(lambda c: loss.objective(c.copy()), coef)
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_gradient_sparse_matches_central_differences(n_classes):
    loss, coef = make_problem(n_classes, True, 0.1, True, seed=1, sparse=True)
    _, grad = loss.objective_gradient(coef.copy())
    numeric = central_differences(lambda c: loss.objective(c.copy()), coef)
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_gradient_of_duplicated_row_equals_weight_two(n_classes):
    # Sum s_i (p_i - y_i) x_i / sum s_i: a weight of 2 is a duplicated row.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((15, 4))
    y = np.arange(15) % n_classes
    weights = np.ones(15)
    weights[0] = 2.0
    weighted = LinearLogLoss(X, y, weights, n_classes=n_classes, alpha=0.2, fit_intercept=True)
    duplicated = LinearLogLoss(
        np.vstack([X, X[:1]]),
        np.r_[y, y[:1]],
        np.ones(16),
        n_classes=n_classes,
        alpha=0.2,
        fit_intercept=True,
    )
    coef = rng.standard_normal(weighted.coef_shape)
    j_w, g_w = weighted.objective_gradient(coef.copy())
    j_d, g_d = duplicated.objective_gradient(coef.copy())
    assert j_w == pytest.approx(j_d, rel=1e-13)
    assert_allclose(g_w, g_d, rtol=1e-12, atol=1e-15)
