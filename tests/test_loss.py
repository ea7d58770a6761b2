"""The loss module against scipy.special, finite differences and its own linearity."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.special import expit, log_expit, log_softmax, logsumexp, softmax

from sklearn_logloss._loss import (
    SMALL_LOGITS,
    LinearLogLoss,
    binary_loss_gradient,
    multinomial_loss_gradient,
)

EXTREME = np.array([-1e6, -800.0, -40.0, -1.0, -1e-12, 0.0, 1e-12, 1.0, 40.0, 800.0, 1e6])


def binary_logits(dtype):
    rng = np.random.default_rng(0)
    # |z| from 1e-3 to 700: exp(-|z|) from near 1 to below both epsilons,
    # where log1p(e) = e and the rounding of 1 + e loses e entirely.
    magnitudes = np.geomspace(1e-3, 700, 60)
    return np.concatenate([rng.normal(scale=5, size=40), magnitudes, -magnitudes, EXTREME]).astype(
        dtype
    )


def per_sample_binary(z, y):
    """Per-sample losses and gradients, one unit weight at a time."""
    losses, grads = [], []
    for i in range(z.shape[0]):
        weight = np.zeros_like(z)
        weight[i] = 1.0
        loss_sum, grad = binary_loss_gradient(z.copy(), (1 - 2 * y).astype(z.dtype), weight)
        losses.append(loss_sum)
        grads.append(grad[i] if grad[i] != 0 else 0.0)
    return np.array(losses), np.array(grads)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 2e-6)])
@pytest.mark.parametrize("label", [0, 1])
def test_binary_pointwise_equals_scipy(dtype, rtol, label):
    z = binary_logits(dtype)
    y = np.full(z.shape[0], label)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / invalid-value RuntimeWarning
        losses, grads = per_sample_binary(z, y)
    z64 = z.astype(np.float64)
    expected_loss = -log_expit(z64 if label == 1 else -z64)
    # Relative accuracy even for losses far below the epsilon: no absolute
    # floor but the smallest number the dtype holds (float32 underflows at 1e-45).
    atol = np.finfo(dtype).smallest_subnormal
    assert_allclose(losses, expected_loss, rtol=rtol, atol=atol)
    # p - y without cancellation: -expit(-z) for y = 1 (expit(z) - 1 would
    # round to 0 at z = 40, where the exact value is -4.2e-18).
    expected_grad = expit(z64) if label == 0 else -expit(-z64)
    assert_allclose(grads, expected_grad, rtol=rtol, atol=atol)
    # Saturated cases are exact: a true positive at logit -800 costs 800.
    if label == 1 and dtype == np.float64:
        assert losses[np.flatnonzero(z == -800.0)[0]] == 800.0
        assert losses[np.flatnonzero(z == -1e6)[0]] == 1e6


def test_binary_sum_and_probabilities():
    rng = np.random.default_rng(1)
    z = rng.normal(scale=3, size=200)
    y = rng.integers(2, size=200)
    weight = rng.uniform(0, 2, size=200)
    proba = np.empty_like(z)
    loss_sum, grad = binary_loss_gradient(
        z.copy(), (1 - 2 * y).astype(float), weight, proba_out=proba
    )
    loss = -np.where(y == 1, log_expit(z), log_expit(-z))
    assert loss_sum == pytest.approx(loss @ weight, rel=1e-13)
    exact = np.where(y == 1, -expit(-z), expit(z))
    assert_allclose(grad, weight * exact, rtol=1e-12, atol=1e-300)
    # The probability of the class not observed: p(1 - p) is the curvature.
    assert_allclose(proba, np.where(y == 1, expit(-z), expit(z)), rtol=1e-13)
    assert (
        binary_loss_gradient(z.copy(), (1 - 2 * y).astype(float), weight, gradient=False)[1]
        is None
    )


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 2e-6)])
def test_multinomial_pointwise_equals_scipy(dtype, rtol):
    rng = np.random.default_rng(2)
    n_classes = 4
    random = rng.normal(scale=5, size=(30, n_classes))
    extreme = rng.choice(EXTREME, size=(40, n_classes))
    logits = np.vstack([random, extreme]).astype(dtype)  # (n_samples, n_classes)
    y = rng.integers(n_classes, size=logits.shape[0])
    weight = rng.uniform(0.1, 2, size=logits.shape[0]).astype(dtype)
    proba = np.empty_like(logits.T)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss_sum, grad = multinomial_loss_gradient(
            np.ascontiguousarray(logits.T), y, weight, proba_out=proba
        )
    z = logits.astype(np.float64)
    losses = logsumexp(z, axis=1) - z[np.arange(len(y)), y]
    assert_allclose(losses, -log_softmax(z, axis=1)[np.arange(len(y)), y], rtol=1e-12)
    assert loss_sum == pytest.approx(losses @ weight, rel=rtol)
    expected = (softmax(z, axis=1) - np.eye(n_classes)[y]) * weight[:, None]
    # p - 1 for the true class cancels: an absolute error of one rounding of 1.
    atol = 4 * np.finfo(dtype).eps * weight.max() if dtype == np.float32 else 1e-300
    assert_allclose(grad.T, expected, rtol=rtol, atol=atol)
    assert_allclose(proba.T, softmax(z, axis=1), rtol=rtol, atol=np.finfo(dtype).tiny)
    assert np.all(np.isfinite(grad))


def make_loss(n_classes, sparse=False, dtype=np.float64, fit_intercept=True, n_samples=300):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(n_samples, 6))
    if sparse:
        X[rng.random(X.shape) < 0.6] = 0.0
        X = sp.csr_matrix(X)
    y = rng.integers(n_classes, size=n_samples)
    weight = rng.uniform(0.2, 3, size=n_samples)
    loss = LinearLogLoss(
        X.astype(dtype),
        y,
        weight,
        n_classes=n_classes,
        alpha=0.05,
        fit_intercept=fit_intercept,
    )
    return loss, rng


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("sparse", [False, True])
def test_zero_weights_skip_the_product_and_give_the_same_values(n_classes, sparse):
    # Zero weights (a solver's start) make no product with X: the logits are
    # the intercepts. Compare with the explicit formulas of scipy.special.
    loss, rng = make_loss(n_classes, sparse=sparse)
    X = loss.X.toarray() if sparse else loss.X
    coef = np.zeros(loss.coef_shape)
    coef[-1] = rng.normal(size=loss.n_outputs)
    j, g = loss.objective_gradient(coef)
    weight = loss._weight / loss._weight.sum()
    if n_classes == 2:
        z = np.full(X.shape[0], coef[-1, 0])
        y = loss._codes
        losses = -log_expit(np.where(y == 1, z, -z))
        residual = (expit(z) - y)[:, None]
    else:
        log_p = log_softmax(np.tile(coef[-1], (X.shape[0], 1)), axis=1)
        onehot = np.eye(n_classes)[loss._codes]
        losses = -(log_p * onehot).sum(axis=1)
        residual = np.exp(log_p) - onehot
    assert j == pytest.approx(float(losses @ weight), rel=1e-13)
    expected = np.vstack([X.T @ (residual * weight[:, None]), weight @ residual])
    assert_allclose(g, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("sparse", [False, True])
def test_blocks_do_not_change_the_result(n_classes, sparse, monkeypatch):
    # Rows in blocks of 256 (tiny BLOCK_BYTES) or all at once: same sums.
    import sklearn_logloss._loss as loss_module

    whole, rng = make_loss(n_classes, sparse=sparse, n_samples=1000)
    monkeypatch.setattr(loss_module._linear, "BLOCK_BYTES", 1)
    blocked, _ = make_loss(n_classes, sparse=sparse, n_samples=1000)
    assert len(blocked._bounds) == (1 if sparse else 4)
    coef = rng.normal(size=whole.coef_shape)
    j_whole, g_whole = whole.objective_gradient(coef)
    j_blocked, g_blocked = blocked.objective_gradient(coef)
    assert j_blocked == pytest.approx(j_whole, rel=1e-13)
    assert_allclose(g_blocked, g_whole, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
# 300 samples: small logit arrays (one matrix product with temporaries);
# 5000: large (dot products per pair, BLAS axpy in place).
@pytest.mark.parametrize("n_samples", [300, 5000])
def test_logit_space_methods(n_classes, sparse, fit_intercept, n_samples):
    assert (n_samples > SMALL_LOGITS) == (n_samples == 5000)
    loss, rng = make_loss(
        n_classes, sparse=sparse, fit_intercept=fit_intercept, n_samples=n_samples
    )
    coef = rng.normal(size=loss.coef_shape)
    dirs = rng.normal(size=(3, *loss.coef_shape))
    # Logits are linear in the coefficients.
    assert_allclose(
        loss.logits(coef + 0.5 * dirs[0]),
        loss.logits(coef) + 0.5 * loss.logits(dirs[0]),
        rtol=1e-12,
        atol=1e-12,
    )
    logit_dirs = loss.empty_logits(3)
    for d, out in zip(dirs, logit_dirs, strict=True):
        assert loss.logits(d, out=out) is out
    weights = np.array([0.5, -1.0, 2.0])
    expected = loss.logits(np.tensordot(weights, dirs, axes=1))
    stack = logit_dirs.copy()
    combined = loss.combine_into_first(weights, stack)
    assert np.shares_memory(combined, stack[0])
    assert_allclose(stack[0], expected, rtol=1e-12, atol=1e-12)
    assert_array_equal_strict(stack[1:], logit_dirs[1:])
    logits = loss.logits(coef)
    kept = logits.copy()
    proba = np.empty_like(logits)
    j_at, g_at = loss.objective_gradient_at(coef, logits, proba)
    assert_array_equal_strict(logits, kept)  # the logits are left unchanged
    j, g = loss.objective_gradient(coef)
    assert j_at == pytest.approx(j, rel=1e-13)
    assert_allclose(g_at, g, rtol=1e-12, atol=1e-15)
    # d_i^T H d_j against central differences of the gradient, for 1 to 3
    # directions (two classes: 3 directions take the scratch buffer).
    step = 1e-5
    for k in (1, 2, 3):
        forms = loss.hessian_forms(proba, logit_dirs, dirs[:k])
        assert forms.shape == (k, k)
        for i, di in enumerate(dirs[:k]):
            change = (
                loss.objective_gradient(coef + step * di)[1]
                - loss.objective_gradient(coef - step * di)[1]
            ) / (2 * step)
            for j_, dj in enumerate(dirs[:k]):
                assert forms[i, j_] == pytest.approx(np.vdot(dj, change), rel=1e-6)


def assert_array_equal_strict(a, b):
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_gradient_matches_central_differences_float32(n_classes):
    # The float64 checks live in test_gradient.py; float32 runs in float32.
    loss, rng = make_loss(n_classes, dtype=np.float32)
    coef = rng.normal(size=loss.coef_shape).astype(np.float32)
    objective, grad = loss.objective_gradient(coef)
    assert grad.dtype == np.float32
    reference, _ = make_loss(n_classes, dtype=np.float64)
    j64, g64 = reference.objective_gradient(coef.astype(np.float64))
    assert objective == pytest.approx(j64, rel=1e-6)
    assert_allclose(grad, g64, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_curvature_bounds(n_classes):
    loss, _ = make_loss(n_classes)
    lipschitz = loss.lipschitz_bound(n_iter=200, rtol=1e-12)
    trace = loss.trace_bound()
    assert lipschitz <= trace <= lipschitz * (loss.n_features + 1) * (1 + 1e-9)
    # The exact constant of the data term: the largest eigenvalue of the
    # weighted Gram matrix times the curvature bound.
    X = np.hstack([loss.X, np.ones((loss.X.shape[0], 1))])
    weight = loss._weight
    eig = np.linalg.eigvalsh(X.T @ (X * weight[:, None]))[-1]
    curvature = 0.25 if n_classes == 2 else 0.5
    assert lipschitz == pytest.approx(curvature * eig + loss.alpha, rel=1e-6)
