"""The NumPy / sparse loss (``_loss/_numpy.py``): blocks, logit space, subsamples, bounds.

References are written with ``scipy.special`` and explicit matrix products, or
come from finite differences and the linearity of the logits.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.special import expit, log_expit, log_softmax

from sklearn_logloss._loss import SMALL_LOGITS, LinearLogLoss


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


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("sparse", [False, True])
def test_subsample_is_the_loss_of_the_kept_rows(n_classes, sparse):
    # The coarse problem of every 4th sample: the same objective, gradient,
    # bounds and Hessian forms as a loss built from those rows and their
    # weights as given, while it keeps the parent's normalized weights as
    # they are (normalized once: the subsample divides its sums).
    rng = np.random.default_rng(8)
    X = rng.normal(size=(1000, 6))
    if sparse:
        X[rng.random(X.shape) < 0.6] = 0.0
        X = sp.csr_matrix(X)
    codes = rng.integers(n_classes, size=1000)
    weight = rng.uniform(0.2, 3, size=1000)
    model = dict(n_classes=n_classes, alpha=0.05, fit_intercept=True)
    loss = LinearLogLoss(X, codes, weight, **model)
    coarse = loss.subsample(4)
    fresh = LinearLogLoss(X[::4], codes[::4], weight[::4], **model)
    np.testing.assert_array_equal(coarse._weight, loss._weight[::4])  # not normalized again
    if not sparse:
        assert np.shares_memory(coarse.X, loss.X)
    assert coarse.n_samples == 250
    assert coarse.weight_sum == pytest.approx(weight[::4].sum(), rel=1e-13)
    coef = rng.normal(size=loss.coef_shape)
    j, g = coarse.objective_gradient(coef)
    j_fresh, g_fresh = fresh.objective_gradient(coef)
    assert j == pytest.approx(j_fresh, rel=1e-13)
    assert coarse.objective(coef) == pytest.approx(j_fresh, rel=1e-13)
    assert_allclose(g, g_fresh, rtol=1e-12, atol=1e-15)
    assert coarse.trace_bound() == pytest.approx(fresh.trace_bound(), rel=1e-13)
    assert coarse.lipschitz_bound() == pytest.approx(fresh.lipschitz_bound(), rel=1e-12)
    logits, proba = coarse.logits(coef), coarse.empty_logits()
    j_at, g_at = coarse.objective_gradient_at(coef, logits, proba)
    assert j_at == pytest.approx(j_fresh, rel=1e-13)
    assert_allclose(g_at, g_fresh, rtol=1e-12, atol=1e-15)
    dirs = rng.normal(size=(2, *loss.coef_shape))
    logit_dirs = coarse.empty_logits(2)
    for d, out in zip(dirs, logit_dirs, strict=True):
        coarse.logits(d, out=out)
    fresh_proba = fresh.empty_logits()
    fresh.objective_gradient_at(coef, fresh.logits(coef), fresh_proba)
    assert_allclose(
        coarse.hessian_forms(proba, logit_dirs, dirs),
        fresh.hessian_forms(fresh_proba, logit_dirs, dirs),
        rtol=1e-12,
    )
    # A class without weight among the kept samples: no coarse problem.
    only_zero = LinearLogLoss(
        np.ones((4, 1)), [0, 1, 0, 1], np.ones(4), n_classes=2, alpha=1.0, fit_intercept=False
    )
    assert only_zero.subsample(2) is None


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("layout", ["C", "F", "csr", "csc"])
@pytest.mark.parametrize("n_samples", [300, 20_000])
def test_forms_make_the_first_logits_over_the_probabilities(n_classes, layout, n_samples):
    # With proba passed as logit_directions[0], hessian_forms makes the logits
    # of the first direction in its pass and writes them there: the same
    # forms as from the probabilities and the logits kept apart, and the
    # same logits as logits(d_0). 20000 rows: several chunks and blocks.
    loss, rng = make_loss(n_classes, sparse=layout in ("csr", "csc"), n_samples=n_samples)
    X = loss.X
    X = X.asformat(layout) if layout in ("csr", "csc") else np.asarray(X, order=layout)
    model = dict(n_classes=n_classes, alpha=0.05, fit_intercept=True)
    weight = rng.uniform(0.2, 3, size=n_samples)
    full = LinearLogLoss(X, rng.integers(n_classes, size=n_samples), weight, **model)
    assert "lean_logit_space" in full.supports
    for loss in (full, full.subsample(3)):  # a subsample: data sums scaled
        coef = 0.3 * rng.normal(size=loss.coef_shape)
        dirs = rng.normal(size=(3, *loss.coef_shape))
        stack = loss.empty_logits(3)
        for d, out in zip(dirs, stack, strict=True):
            loss.logits(d, out=out)
        proba = loss.empty_logits()
        loss.objective_gradient_at(coef, loss.logits(coef), proba)
        expected = loss.hessian_forms(proba, stack, dirs)
        first = stack[0].copy()
        stack[0] = proba
        forms = loss.hessian_forms(stack[0], stack, dirs)
        assert_allclose(forms, expected, rtol=1e-12, atol=1e-15)
        assert_allclose(stack[0], first, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("first", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_two_class_forms_of_small_data_take_one_product(sparse, first, monkeypatch):
    # Two classes, 300 rows of 6 features: all forms from one product (a
    # scratch of a few KB, small whatever the data), not one product per
    # direction and chunk (that path is for a scratch over a sixteenth of
    # large data of few values a row; it cost ~10% of a breast_cancer fit).
    # Both paths give the same forms and first logits.
    from sklearn_logloss._loss import _numpy

    loss, rng = make_loss(2, sparse=sparse)
    coef = 0.3 * rng.normal(size=loss.coef_shape)
    dirs = rng.normal(size=(4, *loss.coef_shape))
    proba = loss.empty_logits()
    loss.objective_gradient_at(coef, loss.logits(coef), proba)
    by_rows = []
    original = LinearLogLoss._add_binary_forms_by_rows

    def spy(self, *args):
        by_rows.append(True)
        return original(self, *args)

    monkeypatch.setattr(LinearLogLoss, "_add_binary_forms_by_rows", spy)
    results = []
    for small_scratch in (_numpy.SMALL_SCRATCH_BYTES, 0):
        monkeypatch.setattr(_numpy, "SMALL_SCRATCH_BYTES", small_scratch)
        stack = loss.empty_logits(4)
        for d, out in zip(dirs, stack, strict=True):
            loss.logits(d, out=out)
        if first:
            stack[0] = proba
        forms = loss.hessian_forms(stack[0] if first else proba.copy(), stack, dirs)
        results.append((forms, stack[0].copy()))
        assert by_rows == ([True] if small_scratch == 0 else [])
    assert_allclose(results[0][0], results[1][0], rtol=1e-12, atol=1e-15)
    assert_allclose(results[0][1], loss.logits(dirs[0]), rtol=1e-12, atol=1e-12)
    assert_allclose(results[1][1], loss.logits(dirs[0]), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("layout", ["C", "F", "csr", "csc"])
def test_evaluation_without_logits_makes_them_from_the_coefficients(n_classes, layout):
    # objective_gradient_at(coef, None, proba): the logits of coef made a
    # block at a time; the same objective, gradient and probabilities.
    loss, rng = make_loss(n_classes, sparse=layout in ("csr", "csc"), n_samples=20_000)
    X = loss.X.asformat(layout) if layout in ("csr", "csc") else np.asarray(loss.X, order=layout)
    weight = rng.uniform(0.2, 3, size=20_000)
    model = dict(n_classes=n_classes, alpha=0.05, fit_intercept=True)
    loss = LinearLogLoss(X, rng.integers(n_classes, size=20_000), weight, **model)
    coef = 0.3 * rng.normal(size=loss.coef_shape)
    proba, expected_proba = loss.empty_logits(), loss.empty_logits()
    value, grad = loss.objective_gradient_at(coef, None, proba)
    expected, expected_grad = loss.objective_gradient_at(coef, loss.logits(coef), expected_proba)
    assert value == pytest.approx(expected, rel=1e-13)
    assert_allclose(grad, expected_grad, rtol=1e-11, atol=1e-15)
    assert_allclose(proba, expected_proba, rtol=1e-12, atol=1e-15)
