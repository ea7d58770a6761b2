"""The linear layer (``_loss/_linear.py``): block sums against explicit formulas.

Every function returns sums over a block of rows: split into blocks, the
sums add up to those of all rows, and each equals its formula written with
dense matrix products and ``scipy.special``, on NumPy, SciPy sparse and
array-api-strict data.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.special import expit, log_expit, log_softmax, softmax

from sklearn_logloss._loss._csr import csr_rows_gradient, csr_rows_logits, csr_rows_sliceable
from sklearn_logloss._loss._linear import (
    block_sums,
    gram_product,
    hessian_form_sums,
    linear_logits,
    moment_sums,
    row_blocks,
    targets,
    weighted_sq_norm_sum,
)


def problem(n_outputs, kind="dense", n_rows=120, n_features=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features))
    X[rng.random(X.shape) < 0.3] = 0.0
    codes = rng.integers(max(2, n_outputs), size=n_rows)
    weight = rng.uniform(0.1, 2.0, size=n_rows)
    weight /= weight.sum()
    coef = rng.normal(size=(n_features + 1, n_outputs))
    return X, codes, weight, coef, rng


def as_kind(X, kind):
    if kind == "sparse":
        return sp.csr_matrix(X), np
    if kind == "strict":
        xp = pytest.importorskip("array_api_strict")
        return xp.asarray(X), xp
    return X, np


def explicit_loss_and_gradient(X, codes, weight, coef, n_outputs):
    """The weighted loss sum and gradient sum, with scipy.special and dense products."""
    Xt = np.hstack([X, np.ones((X.shape[0], 1))])
    Z = Xt @ coef
    if n_outputs == 1:
        z = Z[:, 0]
        losses = -np.where(codes == 1, log_expit(z), log_expit(-z))
        residual = (expit(z) - codes)[:, None]
    else:
        losses = -log_softmax(Z, axis=1)[np.arange(len(codes)), codes]
        residual = softmax(Z, axis=1) - np.eye(n_outputs)[codes]
    return float(losses @ weight), Xt.T @ (residual * weight[:, None])


def test_row_blocks_cover_the_rows_in_cache_sized_blocks():
    X = np.zeros((1000, 4))
    blocks = row_blocks(X, block_bytes=256 * 4 * 8)
    assert blocks == [(0, 256), (256, 512), (512, 768), (768, 1000)]
    # Every 3rd row (a view) is swept in blocks too; sparse and column-strided
    # data are one block (slicing them would copy).
    assert len(row_blocks(X[::3], block_bytes=1)) == 2
    assert row_blocks(sp.csr_matrix(X), block_bytes=1) == [(0, 1000)]
    assert row_blocks(np.asfortranarray(X), block_bytes=1) == [(0, 1000)]


@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("kind", ["dense", "sparse", "strict"])
def test_block_sums_add_up_to_the_explicit_formula(n_outputs, kind):
    X, codes, weight, coef, _ = problem(n_outputs)
    expected_loss, expected_grad = explicit_loss_and_gradient(X, codes, weight, coef, n_outputs)
    total_loss, total_grad = 0.0, 0.0
    accumulated = np.zeros(coef.shape)  # NumPy: the blocks' gradients added in place
    for start, stop in [(0, 50), (50, 51), (51, 120)]:
        block, xp = as_kind(X[start:stop], kind)
        args = (
            block,
            targets(codes[start:stop], n_outputs, np.float64, xp),
            xp.asarray(weight[start:stop]),
            xp.asarray(coef),
            True,
            xp,
        )
        loss_sum, grad_sum = block_sums(*args, grad=True)
        total_loss += loss_sum
        total_grad = total_grad + np.asarray(grad_sum)
        if xp is np:
            assert block_sums(*args, grad=accumulated)[1] is accumulated
    assert total_loss == pytest.approx(expected_loss, rel=1e-12)
    assert_allclose(total_grad, expected_grad, rtol=1e-11, atol=1e-15)
    if kind != "strict":
        assert_allclose(accumulated, expected_grad, rtol=1e-11, atol=1e-15)
    block, xp = as_kind(X, kind)
    loss_only, none = block_sums(
        block,
        targets(codes, n_outputs, np.float64, xp),
        xp.asarray(weight),
        xp.asarray(coef),
        True,
        xp,
    )
    assert none is None and loss_only == pytest.approx(expected_loss, rel=1e-12)


@pytest.mark.parametrize("kind", ["dense", "sparse", "strict"])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_linear_logits_layout_and_zero_weights(kind, n_outputs):
    X, _, _, coef, _ = problem(n_outputs)
    block, xp = as_kind(X, kind)
    logits = np.asarray(linear_logits(block, xp.asarray(coef), True, xp))
    # One row per logit: the softmax reductions run along contiguous memory.
    assert logits.shape == (n_outputs, X.shape[0])
    assert_allclose(logits, (X @ coef[:-1] + coef[-1]).T, rtol=1e-12)
    without = np.asarray(linear_logits(block, xp.asarray(coef[:-1]), False, xp))
    assert_allclose(without, (X @ coef[:-1]).T, rtol=1e-12)
    intercepts_only = coef.copy()
    intercepts_only[:-1] = 0.0
    out = np.full((n_outputs, X.shape[0]), np.nan)
    if xp is np:
        assert linear_logits(block, intercepts_only, True, out=out) is out
        assert_allclose(out, np.repeat(coef[-1][:, None], X.shape[0], axis=1), rtol=0)


@pytest.mark.parametrize("kind", ["dense", "sparse", "strict"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gram_product_and_trace_sum_equal_the_weighted_gram_matrix(kind, fit_intercept):
    X, _, weight, _, rng = problem(1)
    Xt = np.hstack([X, np.ones((X.shape[0], 1))]) if fit_intercept else X
    gram = Xt.T @ (Xt * weight[:, None])
    v = rng.normal(size=Xt.shape[1])
    block, xp = as_kind(X, kind)
    product = gram_product(block, xp.asarray(weight), v, fit_intercept, xp)
    assert product.dtype == np.float64
    assert_allclose(product, gram @ v, rtol=1e-12)
    norm_sum = weighted_sq_norm_sum(block, xp.asarray(weight), xp)
    assert norm_sum == pytest.approx(np.trace(X.T @ (X * weight[:, None])), rel=1e-12)


def explicit_forms(proba, directions, weight):
    """``sum_n s_n u_n^T (diag(p_n) - p_n p_n^T) v_n`` sample by sample."""
    k = directions.shape[0]
    forms = np.zeros((k, k))
    for n in range(proba.shape[1]):
        p = proba[:, n]
        if p.shape[0] == 1:
            hessian = np.diag(p * (1 - p))
        else:
            hessian = np.diag(p) - np.outer(p, p)
        for i in range(k):
            for j in range(k):
                forms[i, j] += weight[n] * directions[i, :, n] @ hessian @ directions[j, :, n]
    return forms


@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("variant", ["product", "pairwise", "scratch", "strict"])
def test_hessian_form_sums_equal_the_explicit_formula(n_outputs, variant):
    rng = np.random.default_rng(7)
    n_rows, k = 40, 3
    proba = rng.uniform(0.05, 0.95, size=(n_outputs, n_rows))
    if n_outputs > 1:
        proba /= proba.sum(axis=0)
    directions = rng.normal(size=(k, n_outputs, n_rows))
    weight = rng.uniform(0.1, 2, size=n_rows)
    start = rng.normal(size=(k, k))
    start += start.T  # forms are symmetric (the penalty's, say)
    expected = start + explicit_forms(proba, directions, weight)
    forms = start.copy()
    if variant == "strict":
        xp = pytest.importorskip("array_api_strict")
        args = (xp.asarray(proba), xp.asarray(directions), xp.asarray(weight))
        result = hessian_form_sums(*args, forms, xp)
    else:
        work = None
        if variant != "product":
            work = {
                "rows": np.empty((2, n_rows)),
                "block": np.empty((n_outputs, n_rows)),
                "stack": np.empty((k, n_outputs, n_rows)),
            }
        pairwise = variant == "pairwise"
        result = hessian_form_sums(proba, directions, weight, forms, pairwise=pairwise, work=work)
    assert result is forms  # added in place into the given float64 array
    assert_allclose(forms, expected, rtol=1e-12)


@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_csr_row_ranges_multiply_like_the_sliced_rows(n_outputs, dtype, fit_intercept):
    # Products on a range of rows of CSR data, read in place, equal those of
    # the rows sliced out (a copy), for the logits and the gradient.
    rng = np.random.default_rng(0)
    X = sp.random(120, 9, density=0.3, format="csr", random_state=0, dtype=dtype)
    assert csr_rows_sliceable(X) and csr_rows_sliceable(sp.csr_array(X))
    assert not csr_rows_sliceable(X.tocsc()) and not csr_rows_sliceable(X.toarray())
    coef = rng.standard_normal((9 + fit_intercept, n_outputs)).astype(dtype)
    out = np.full((n_outputs, 50), np.nan, dtype=dtype)
    csr_rows_logits(X, 40, 90, coef, fit_intercept, out)
    expected = linear_logits(X[40:90], coef, fit_intercept)
    tol = 1e-6 if dtype == np.float32 else 1e-13  # the intercepts added first here
    assert_allclose(out, expected, rtol=tol, atol=tol)
    zero = np.zeros_like(coef)
    zero[-1] = 2.0 if fit_intercept else 0.0  # the intercepts' row (no product with X)
    csr_rows_logits(X, 40, 90, zero, fit_intercept, out)
    assert_allclose(out, 2.0 * fit_intercept)
    residuals = rng.standard_normal((n_outputs, 50)).astype(dtype)
    grad = np.ones(coef.shape)
    csr_rows_gradient(X, 40, 90, residuals, fit_intercept, grad)
    rows = X[40:90].toarray().astype(np.float64)
    expected = residuals.astype(np.float64) @ rows
    if fit_intercept:
        expected = np.column_stack([expected, residuals.sum(axis=1)])
    assert_allclose(grad, 1.0 + expected.T, rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("layout", ["C", "F", "every 3rd row"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dense_moment_sums_are_numpys(layout, dtype):
    # The weighted column sums of X and X * X in float64, over several
    # chunks of rows (20000 x 40), for X read in place (float64; never
    # written) or a chunk at a time in float64 (float32), of any layout.
    rng = np.random.default_rng(2)
    X = (rng.normal(size=(60_000, 40)) * rng.uniform(0.1, 1e3, size=40) + 5.0).astype(dtype)
    X = X[::3] if layout == "every 3rd row" else np.asarray(X[:20_000], order=layout)
    kept = X.copy()
    weight = rng.uniform(0.1, 2.0, size=20_000)
    first, second = moment_sums(X, weight)
    dense = X.astype(np.float64)
    assert first.dtype == second.dtype == np.float64
    assert_allclose(first, weight @ dense, rtol=1e-12)
    assert_allclose(second, weight @ dense**2, rtol=1e-12)
    np.testing.assert_array_equal(X, kept)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_moment_sums_are_the_dense_ones(fmt, dtype):
    # CSR ranges of rows read in place (squares of a range at a time), CSC
    # slices of columns: the weighted column sums of X and X * X in float64.
    rng = np.random.default_rng(1)
    X = sp.random(3000, 40, density=0.1, format=fmt, random_state=1, dtype=dtype)
    weight = rng.uniform(0.1, 2.0, size=3000)
    first, second = moment_sums(X, weight)
    dense = X.toarray().astype(np.float64)
    assert first.dtype == second.dtype == np.float64
    assert_allclose(first, weight @ dense, rtol=1e-12)
    assert_allclose(second, weight @ dense**2, rtol=1e-12)
