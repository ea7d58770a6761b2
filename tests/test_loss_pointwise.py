"""The pointwise losses and probabilities (``_loss/_pointwise.py``) against scipy.special.

The NumPy kernels and their array API twins are checked against
``scipy.special`` at ordinary and extreme logits, and against each other.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import expit, log_expit, log_softmax, logsumexp, softmax

from sklearn_logloss._loss import (
    binary_loss_gradient,
    multinomial_loss_gradient,
    xp_expit_pair,
    xp_log_expit,
    xp_log_softmax,
    xp_softmax,
)
from sklearn_logloss._loss._pointwise import (
    loss_gradient,
    xp_binary_loss_gradient,
    xp_multinomial_loss_gradient,
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


@pytest.mark.parametrize("sign_dtype", [np.float64, np.int8])
@pytest.mark.parametrize("width", [1, 7, 64, 500])
def test_binary_kernel_in_chunks_equals_scipy(width, sign_dtype):
    # The rows are swept in chunks of the work's width (the last one shorter),
    # reading int8 signs as well as float ones; a separate out leaves the
    # logits as they were.
    rng = np.random.default_rng(2)
    z = np.concatenate([rng.normal(scale=4, size=300), EXTREME, -EXTREME])
    y = rng.integers(2, size=z.shape[0])
    weight = rng.uniform(0, 2, size=z.shape[0])
    logits, proba, out = z.copy(), np.empty_like(z), np.empty_like(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss_sum, grad = binary_loss_gradient(
            logits,
            (1 - 2 * y).astype(sign_dtype),
            weight,
            work=np.empty((2, width)),
            proba_out=proba,
            out=out,
        )
    assert grad is out
    assert_allclose(logits, z, rtol=0, atol=0)
    loss = -np.where(y == 1, log_expit(z), log_expit(-z))
    assert loss_sum == pytest.approx(loss @ weight, rel=1e-13)
    assert_allclose(grad, weight * np.where(y == 1, -expit(-z), expit(z)), rtol=1e-12, atol=1e-300)
    assert_allclose(proba, np.where(y == 1, expit(-z), expit(z)), rtol=1e-13, atol=1e-300)


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


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("width", [1, 9, 70])
def test_multinomial_kernel_in_chunks_equals_scipy(width, order):
    # Chunks of the work's width (the last one shorter), C- or Fortran-ordered
    # logits (the transpose of a product X W), compact class codes; a separate
    # out leaves the logits as they were.
    rng = np.random.default_rng(3)
    n_classes = 5
    z = np.vstack([rng.normal(scale=5, size=(60, n_classes)), rng.choice(EXTREME, (40, 5))])
    y = rng.integers(n_classes, size=z.shape[0]).astype(np.uint8)
    weight = rng.uniform(0.1, 2, size=z.shape[0])
    logits = np.asarray(z.T, order=order)
    out = np.empty_like(logits)
    proba = np.empty_like(logits)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss_sum, grad = multinomial_loss_gradient(
            logits, y, weight, work=np.empty((3, width)), proba_out=proba, out=out
        )
    assert grad is out
    assert_allclose(logits, z.T, rtol=0, atol=0)
    losses = logsumexp(z, axis=1) - z[np.arange(len(y)), y]
    assert loss_sum == pytest.approx(losses @ weight, rel=1e-12)
    expected = (softmax(z, axis=1) - np.eye(n_classes)[y]) * weight[:, None]
    assert_allclose(grad.T, expected, rtol=1e-12, atol=1e-300)
    assert_allclose(proba.T, softmax(z, axis=1), rtol=1e-12, atol=1e-300)


def _strict():
    return pytest.importorskip("array_api_strict")


def _to_numpy(array):
    return np.asarray(array) if isinstance(array, np.ndarray) else np.from_dlpack(array)


@pytest.mark.parametrize("xp_name", ["numpy", "strict"])
def test_array_api_binary_twin_equals_scipy(xp_name):
    xp = np if xp_name == "numpy" else _strict()
    z = binary_logits(np.float64)
    rng = np.random.default_rng(4)
    y = rng.integers(2, size=z.shape[0])
    weight = rng.uniform(0.1, 2, size=z.shape[0])
    sign = (1 - 2 * y).astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss_sum, grad, proba = xp_binary_loss_gradient(
            xp.asarray(z), xp.asarray(sign), xp.asarray(weight), xp
        )
    losses = -np.where(y == 1, log_expit(z), log_expit(-z))
    assert loss_sum == pytest.approx(float(losses @ weight), rel=1e-12)
    exact = np.where(y == 1, -expit(-z), expit(z))
    assert_allclose(_to_numpy(grad), weight * exact, rtol=1e-12, atol=1e-300)
    assert_allclose(_to_numpy(proba), np.where(y == 1, expit(-z), expit(z)), rtol=1e-12)
    # The twin agrees with the in-place NumPy kernel.
    kernel_sum, kernel_grad = binary_loss_gradient(z.copy(), sign, weight)
    assert loss_sum == pytest.approx(kernel_sum, rel=1e-13)
    assert_allclose(_to_numpy(grad), kernel_grad, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("xp_name", ["numpy", "strict"])
def test_array_api_multinomial_twin_equals_scipy(xp_name):
    xp = np if xp_name == "numpy" else _strict()
    rng = np.random.default_rng(5)
    logits = np.vstack([rng.normal(scale=5, size=(30, 4)), rng.choice(EXTREME, size=(40, 4))])
    y = rng.integers(4, size=logits.shape[0])
    weight = rng.uniform(0.1, 2, size=logits.shape[0])
    onehot = np.eye(4)[y]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss_sum, grad, proba = xp_multinomial_loss_gradient(
            xp.asarray(logits.T.copy()), xp.asarray(onehot.T.copy()), xp.asarray(weight), xp
        )
    losses = logsumexp(logits, axis=1) - logits[np.arange(len(y)), y]
    assert loss_sum == pytest.approx(float(losses @ weight), rel=1e-12)
    expected = (softmax(logits, axis=1) - onehot) * weight[:, None]
    assert_allclose(_to_numpy(grad).T, expected, rtol=1e-12, atol=1e-300)
    assert_allclose(_to_numpy(proba).T, softmax(logits, axis=1), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("n_outputs", [1, 3])
def test_loss_gradient_gives_the_same_on_numpy_and_array_api(n_outputs):
    # The one door to the pointwise math: the in-place NumPy kernels and the
    # array API twins, chosen by namespace, agree on logits laid out
    # (n_outputs, n_rows); each fills proba_out.
    from sklearn_logloss._loss._linear import targets

    xp = _strict()
    rng = np.random.default_rng(6)
    logits = rng.normal(scale=4, size=(n_outputs, 50))
    codes = rng.integers(max(2, n_outputs), size=50)
    weight = rng.uniform(0.1, 2, size=50)
    proba = np.empty_like(logits)
    numpy_sum, numpy_grad = loss_gradient(
        logits.copy(), targets(codes, n_outputs, np.float64), weight, proba_out=proba
    )
    xp_proba = xp.empty(logits.shape, dtype=xp.float64)
    xp_sum, xp_grad = loss_gradient(
        xp.asarray(logits),
        targets(codes, n_outputs, np.float64, xp),
        xp.asarray(weight),
        xp,
        proba_out=xp_proba,
    )
    assert numpy_grad.shape == (n_outputs, 50)
    assert xp_sum == pytest.approx(numpy_sum, rel=1e-13)
    assert_allclose(_to_numpy(xp_grad), numpy_grad, rtol=1e-12, atol=1e-300)
    assert_allclose(_to_numpy(xp_proba), proba, rtol=1e-12, atol=1e-300)
    if n_outputs == 1:  # the probability of the class not observed
        observed = np.where(codes == 1, expit(logits[0]), expit(-logits[0]))
        assert_allclose(proba[0], 1 - observed, rtol=1e-12)
    assert loss_gradient(logits.copy(), targets(codes, n_outputs, np.float64), weight,
                         gradient=False)[1] is None  # fmt: skip


@pytest.mark.parametrize("xp_name", ["numpy", "strict"])
def test_probabilities_equal_scipy_at_extreme_logits(xp_name):
    xp = np if xp_name == "numpy" else _strict()
    z = EXTREME
    logits = np.column_stack([EXTREME, -EXTREME[::-1], np.zeros_like(EXTREME)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        negative, positive = xp_expit_pair(xp.asarray(z), xp)
        log_positive = xp_log_expit(xp.asarray(z), xp)
        proba = xp_softmax(xp.asarray(logits), xp)
        log_proba = xp_log_softmax(xp.asarray(logits), xp)
    assert_allclose(_to_numpy(negative), expit(-z), rtol=1e-14, atol=0)
    assert_allclose(_to_numpy(positive), expit(z), rtol=1e-14, atol=0)
    # Exact where the probability rounds to 0: log(expit(-800)) is -800.
    assert_allclose(_to_numpy(log_positive), log_expit(z), rtol=1e-14, atol=0)
    assert _to_numpy(log_positive)[1] == -800.0
    assert_allclose(_to_numpy(proba), softmax(logits, axis=1), rtol=1e-14, atol=0)
    assert_allclose(_to_numpy(log_proba), log_softmax(logits, axis=1), rtol=1e-14, atol=1e-300)
