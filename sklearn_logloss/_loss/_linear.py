"""The linear layer: what a linear model adds to the pointwise loss, once.

Every function here takes one block of rows ``X`` (all rows, a cache-sized
slice, a Dask chunk or an array on a GPU) with its normalized weights, and
returns *sums* over those rows, so that the callers add blocks up: the NumPy
loss sweeps cache-sized blocks, the Dask loss maps the functions over its
row chunks, the array API loss calls them on all rows where they live.

Layouts (the same everywhere):

* coefficients ``coef`` of shape ``(n_features + fit_intercept, n_outputs)``:
  column ``k`` holds the weights of logit ``k``, the last row the intercepts;
* logits of shape ``(n_outputs, n_rows)``, one row per logit, so that the
  softmax reductions over classes run along contiguous memory; a stack of
  ``k`` of them (directions) of shape ``(k, n_outputs, n_rows)``;
* ``Xt``: ``X`` with a column of ones when fitting an intercept.

``xp`` is the array API namespace of ``X`` (NumPy for NumPy and SciPy sparse
data). On NumPy the functions accept preallocated buffers (``out``,
``work``): an implementation detail that spares an allocation per block, not
another formula.
"""

import numpy as np
import scipy.sparse as sp

from ._csr import csr_moment_sums, csr_rows_sliceable
from ._pointwise import CHUNK_ROWS, loss_gradient

__all__ = [
    "BLOCK_BYTES",
    "block_sums",
    "data_gradient",
    "gram_product",
    "gram_sums",
    "hessian_form_sums",
    "intercept_hessian_sums",
    "linear_logits",
    "moment_sums",
    "row_blocks",
    "rows_sliceable",
    "targets",
    "weighted_sq_norm_sum",
]

#: Target size in bytes of the block of rows of a dense ``X`` processed at once.
BLOCK_BYTES = 1 << 21


def row_blocks(X, block_bytes=None, max_rows=None):
    """``(start, stop)`` of the blocks of rows of ``X`` swept at once.

    Blocks of about ``block_bytes`` of data (default :data:`BLOCK_BYTES`,
    small enough to stay in the CPU cache while a block's logits and
    gradient are formed), of at most ``max_rows`` rows (but at least 256),
    when blocks of rows are views (:func:`rows_sliceable`); one block
    otherwise (slicing would copy).
    """
    n_rows, n_features = X.shape
    if rows_sliceable(X):
        row_bytes = max(1, n_features * X.dtype.itemsize)
        block_bytes = BLOCK_BYTES if block_bytes is None else block_bytes
        rows = max(256, block_bytes // row_bytes)
        if max_rows is not None:
            rows = min(rows, max(256, max_rows))
    else:
        rows = n_rows
    rows = max(1, min(rows, n_rows))
    return [(start, min(start + rows, n_rows)) for start in range(0, n_rows, rows)]


def rows_sliceable(X):
    """Whether blocks of rows of ``X`` are views: a NumPy array with contiguous rows.

    (C-ordered, or every ``k``-th row of one. Slicing a sparse matrix copies
    the rows, and scipy's sparse constructors copy views of larger arrays.)
    """
    return isinstance(X, np.ndarray) and (X.flags.c_contiguous or X.strides[1] == X.itemsize)


def targets(codes, n_outputs, dtype, xp=np, device=None):
    """The pointwise functions' encoding of the class codes of a block of rows.

    One logit: ``sign = 1 - 2 y``. More: on NumPy the class codes
    themselves (any integer dtype), elsewhere the one-hot array of shape
    ``(n_outputs, n_rows)`` (see :func:`~._pointwise.loss_gradient`).
    ``codes`` is a NumPy array; the result lives on ``device``.
    """
    if n_outputs > 1 and xp is np:
        return np.asarray(codes)
    codes = np.asarray(codes, dtype=np.intp)
    if n_outputs == 1:
        target = (1 - 2 * codes).astype(dtype)
    else:
        target = (np.arange(n_outputs)[:, None] == codes).astype(dtype)
    return target if xp is np else xp.asarray(target, device=device)


def linear_logits(X, coef, fit_intercept, xp=np, out=None):
    """Logits ``(Xt coef)^T`` of a block of rows, shape ``(n_outputs, n_rows)``.

    Written into ``out`` when given; else, on NumPy, Fortran-ordered with more
    than one logit (the transpose of ``X W``). On NumPy, zero weights (a
    solver's start) make no product with ``X``: the logits are the intercepts.
    """
    n_features, n_outputs = X.shape[1], coef.shape[1]
    if xp is not np:
        weights = coef[:n_features, ...]
        if n_outputs == 1:
            logits = xp.reshape(X @ weights[:, 0], (1, -1))
        else:
            logits = weights.T @ X.T
        if fit_intercept:
            logits = logits + xp.reshape(coef[n_features, :], (-1, 1))
        if out is None:
            return logits
        out[...] = logits
        return out
    weights = coef[:n_features]
    if not np.count_nonzero(weights):  # (count_nonzero: a fraction of any()'s overhead)
        out = np.empty((n_outputs, X.shape[0]), dtype=coef.dtype) if out is None else out
        out[...] = 0
    elif n_outputs == 1 and isinstance(X, np.ndarray):
        out = np.empty((1, X.shape[0]), dtype=coef.dtype) if out is None else out
        np.matmul(X, weights[:, 0], out=out[0])
    else:  # X W transposed (BLAS is faster on this layout than on W^T X^T)
        product = np.asarray(X @ weights, dtype=coef.dtype).T
        if out is None:  # the product's own array (Fortran-ordered): no second one
            out = product
        else:
            np.copyto(out, product)
    if fit_intercept:
        out += coef[-1][:, None]
    return out


def data_gradient(X, residuals, fit_intercept, xp=np, out=None):
    """``Xt^T R^T`` of a block: the gradient sum in the coefficient layout.

    ``residuals`` has shape ``(n_outputs, n_rows)`` (from
    :func:`~._pointwise.loss_gradient`); the result, of shape
    ``(n_features + fit_intercept, n_outputs)``, is in the dtype and
    namespace of ``X``, or (NumPy) added into ``out``, a float64 array of
    that shape accumulating the blocks.
    """
    n_features = X.shape[1]
    if out is not None:  # NumPy: in place, no temporary of the coefficients' shape
        if residuals.shape[0] == 1:
            out[:n_features, 0] += X.T @ residuals[0]
        elif isinstance(X, np.ndarray):  # R X: BLAS is faster on this layout than on X^T R^T
            out[:n_features] += (residuals @ X).T
        else:
            out[:n_features] += np.asarray(X.T @ residuals.T)
        if fit_intercept:
            out[n_features] += np.add.reduce(residuals, axis=1)
        return out
    if residuals.shape[0] == 1:
        weights = xp.reshape(X.T @ residuals[0, ...], (-1, 1))
    else:
        weights = X.T @ residuals.T
    if sp.issparse(X):
        weights = np.asarray(weights)
    if not fit_intercept:
        return weights
    intercepts = xp.sum(residuals, axis=1)[None, ...]
    if xp is np:
        return np.concatenate([weights, intercepts])
    return xp.concat([weights, intercepts], axis=0)


def block_sums(
    X, target, sample_weight, coef, fit_intercept, xp=np, *, grad=None, logits=None, work=None
):
    """Loss sum of one block of rows, and its gradient sum.

    ``coef`` is in the namespace and dtype of ``X``; ``target`` as made by
    :func:`targets`. The gradient sum (:func:`data_gradient`) is added into
    ``grad`` when it is an array (NumPy), returned when ``grad=True``, not
    computed when ``grad`` is None. NumPy buffers: ``logits`` (shape
    ``(n_outputs, n_rows)``, overwritten) and ``work`` (shape ``(3,
    n_rows)``). Returns ``(loss_sum, gradient_sum or None)``.
    """
    logits = linear_logits(X, coef, fit_intercept, xp, out=logits)
    gradient = grad is not None
    loss_sum, residuals = loss_gradient(
        logits, target, sample_weight, xp, gradient=gradient, work=work
    )
    if not gradient:
        return loss_sum, None
    out = None if grad is True else grad
    return loss_sum, data_gradient(X, residuals, fit_intercept, xp, out=out)


def gram_product(X, sample_weight, v, fit_intercept, xp=np, device=None, wide=None):
    """``Xt^T S Xt v`` of a block (``S``: the diagonal of weights), float64 NumPy.

    ``v`` is a float64 NumPy vector of ``n_features + fit_intercept`` numbers.
    The products with ``X`` run in its dtype; the weighting and the
    intercept's sum in ``wide``, the widest float dtype of ``device``
    (default: float64 of ``xp``).
    """
    n_features = X.shape[1]
    if xp is np:
        v_data = v.astype(X.dtype)
    else:
        v_data = xp.asarray(v.astype(_numpy_dtype(X, xp)), device=device)
    xv = X @ v_data[:n_features]
    if fit_intercept:
        xv = xv + v_data[n_features]
    if xp is np:
        weighted = np.asarray(xv, dtype=np.float64) * sample_weight
    else:
        weighted = xp.astype(xv, xp.float64 if wide is None else wide) * sample_weight
    product = X.T @ (
        weighted.astype(X.dtype, copy=False) if xp is np else xp.astype(weighted, X.dtype)
    )
    out = np.empty_like(v)
    out[:n_features] = _to_numpy(product, xp)
    if fit_intercept:
        out[n_features] = float(xp.sum(weighted))
    return out


def weighted_sq_norm_sum(X, sample_weight, xp=np, out=None):
    """``sum_i s_i ||x_i||^2`` over a block (one pass; ``out``: NumPy scratch of n_rows)."""
    if sp.issparse(X):
        return float(np.sum(_sparse_moments(X, sample_weight)[1]))
    if xp is np:
        norms = np.einsum("ij,ij->i", X, X, out=out)
    else:
        norms = xp.sum(X * X, axis=1)
    if xp is np:
        return float(np.dot(norms, sample_weight))
    return float(xp.sum(norms * sample_weight))


def _chunks(n_rows, n_features):
    """Row ranges of ``BLOCK_BYTES / 8`` of float64: the temporaries of the sums below."""
    rows = max(1, BLOCK_BYTES // (64 * max(1, n_features + 1)))
    return [(start, min(start + rows, n_rows)) for start in range(0, n_rows, rows)]


def _sparse_moments(X, sample_weight):
    """:func:`moment_sums` of a sparse block, a slice of its major axis at a time.

    Rows of CSR, columns of CSC (slices that copy only themselves): the
    squares are formed for a chunk of about ``BLOCK_BYTES / 64`` stored
    values, and at most a sixteenth of them.
    """
    X = X.tocsr() if X.format not in ("csr", "csc") else X
    n_major = X.shape[0] if X.format == "csr" else X.shape[1]
    per_value = max(1, X.nnz // max(1, n_major))
    step = max(1, min(BLOCK_BYTES // (64 * per_value), n_major // 16))
    if csr_rows_sliceable(X):  # ranges of rows read in place
        return csr_moment_sums(X, sample_weight, step)
    weight = np.asarray(sample_weight, dtype=np.float64)
    first, second = np.zeros(X.shape[1]), np.zeros(X.shape[1])
    for start in range(0, n_major, step):
        stop = min(start + step, n_major)
        if X.format == "csr":
            chunk, w, cols = X[start:stop], weight[start:stop], slice(None)
        else:
            chunk, w, cols = X[:, start:stop], weight, slice(start, stop)
        first[cols] += np.asarray(chunk.T @ w, dtype=np.float64).ravel()
        # The squares share the chunk's indices (no copy of them).
        squares = type(chunk)(
            (np.square(chunk.data, dtype=np.float64), chunk.indices, chunk.indptr),
            shape=chunk.shape,
        )
        second[cols] += np.asarray(squares.T @ w, dtype=np.float64).ravel()
    return first, second


def moment_sums(X, sample_weight, xp=np):
    """``(sum_i s_i x_i, sum_i s_i x_i**2)`` of a block of rows, float64 NumPy vectors.

    Computed in float64 on the host, a cache-sized chunk of rows at a time
    (no copy of ``X``; elsewhere than NumPy each chunk is brought over once),
    so every namespace gets the same sums to the last bit.
    """
    if sp.issparse(X):
        return _sparse_moments(X, sample_weight)
    weight = np.asarray(_to_numpy(sample_weight, xp), dtype=np.float64)
    first, second = np.zeros(X.shape[1]), np.zeros(X.shape[1])
    scratch = None
    for start, stop in _chunks(X.shape[0], X.shape[1]):
        rows = X[start:stop] if xp is np else _to_numpy(X[start:stop, ...], xp)
        rows = np.asarray(rows)
        w = weight[start:stop]
        if rows.dtype == np.float64:  # read where they are (they may be X: never written)
            weighted = rows * w[:, None]
            first += weighted.sum(axis=0)
            second += np.einsum("ij,ij->j", weighted, rows)
            continue
        # Other dtypes: the rows in float64 in one chunk of scratch, then
        # their squares there, each sum a matrix-vector product (no weighted
        # copy of the converted rows).
        if scratch is None:
            scratch = np.empty((stop - start, X.shape[1]))
        chunk = scratch[: stop - start]
        chunk[...] = rows
        first += w @ chunk
        np.square(chunk, out=chunk)
        second += w @ chunk
    return first, second


def gram_sums(X, sample_weight, mean, inv_scale, fit_intercept, xp=np, stride=1):
    """``Z^T S Z`` of a block, ``Z`` its rows centred and scaled (and a column of ones).

    On every ``stride``-th row. Float64 NumPy; a chunk of rows at a time
    (brought to the host elsewhere than NumPy, densified when sparse: only a
    chunk is copied).
    """
    n_coef = X.shape[1] + fit_intercept
    gram = np.zeros((n_coef, n_coef))
    n_rows = -(-X.shape[0] // stride)
    for start, stop in _chunks(n_rows, X.shape[1]):
        picked = slice(start * stride, (stop - 1) * stride + 1, stride)
        rows = X[picked, ...] if not sp.issparse(X) else X[picked]
        if sp.issparse(rows):
            rows = rows.toarray()
        elif xp is not np:
            rows = _to_numpy(rows, xp)
        weight = sample_weight[picked]
        weight = np.asarray(weight if xp is np else _to_numpy(weight, xp), dtype=np.float64)
        Z = np.empty((stop - start, n_coef))
        np.subtract(rows, mean, out=Z[:, : X.shape[1]])
        Z[:, : X.shape[1]] *= inv_scale
        if fit_intercept:
            Z[:, -1] = 1.0
        gram += (Z * weight[:, None]).T @ Z
    return gram


def intercept_hessian_sums(proba, sample_weight, xp=np, work=None):
    """``sum_n s_n (diag(p_n) - p_n p_n^T)``: the Hessian of the data term in the intercepts.

    ``proba`` (shape ``(n_outputs, n_rows)``) as recorded by
    :func:`~._pointwise.loss_gradient` (one logit: the probability of the
    class not observed, whose ``p (1 - p)`` is the same). A float64 NumPy
    ``(n_outputs, n_outputs)`` array; on NumPy a chunk of rows at a time.
    ``work``: NumPy scratch of ``n_rows`` numbers for one logit.
    """
    k, n_rows = proba.shape
    hessian = np.zeros((k, k))
    if k == 1 and work is not None:  # p (1 - p) in the scratch
        curvature = np.subtract(1.0, proba[0], out=work[:n_rows])
        curvature *= proba[0]
        hessian[0, 0] = float(np.dot(curvature, sample_weight))
        return hessian
    step = n_rows if xp is not np else max(1, CHUNK_ROWS // k)
    for start in range(0, n_rows, step):
        p = proba[:, start : start + step]
        weighted = p * sample_weight[start : start + step]
        if k == 1:
            block = xp.reshape(xp.sum(weighted * (1 - p)), (1, 1))
        else:
            block = -(weighted @ p.T)
        hessian += _to_numpy(block, xp)
        if k > 1:
            hessian[np.diag_indices(k)] += _to_numpy(xp.sum(weighted, axis=1), xp)
    return hessian


def hessian_form_sums(
    proba, directions, sample_weight, forms, xp=np, *, pairwise=False, work=None
):
    """Add ``sum_n s_n u_n^T (diag(p_n) - p_n p_n^T) v_n`` of every pair into ``forms``.

    ``proba`` (shape ``(n_outputs, n_rows)``) holds the probabilities
    recorded by :func:`~._pointwise.loss_gradient`, ``directions`` a stack of
    ``k`` logit arrays ``u`` (shape ``(k, n_outputs, n_rows)``) and
    ``forms`` is a symmetric float64 NumPy ``(k, k)`` array. One logit: ``p_n`` is the
    probability of the class not observed and the form ``p_n (1 - p_n) u_n
    v_n``. One matrix product for all pairs, or (NumPy, ``pairwise=True``) a
    dot product per pair, which streams faster on long rows and needs no
    scratch of ``k`` rows. NumPy scratch, the dict ``work``: ``"rows"`` of
    shape ``(1, n_rows)`` for one logit (``(2, n_rows)`` when ``pairwise``),
    ``"block"`` of shape ``(n_outputs, n_rows)`` for more when ``pairwise``,
    and ``"stack"`` of shape ``(k, n_outputs, n_rows)`` unless ``pairwise``.
    """
    k = directions.shape[0]
    inplace = xp is np and work is not None
    if proba.shape[0] == 1:
        p, dirs = proba[0, ...], directions[:, 0, ...]
        if inplace:
            curvature = np.subtract(1.0, p, out=work["rows"][0])
            curvature *= p
            curvature *= sample_weight
        else:
            curvature = (1 - p) * p * sample_weight
        if pairwise:
            for i in range(k):
                weighted = np.multiply(dirs[i], curvature, out=work["rows"][1])
                for j in range(i + 1):
                    forms[i, j] += float(np.dot(weighted, dirs[j]))
                    forms[j, i] = forms[i, j]
            return forms
        if inplace:
            weighted = np.multiply(dirs, curvature, out=work["stack"][:, 0])
        else:
            weighted = dirs * curvature
        return _add(forms, weighted @ dirs.T, None, xp)
    # sum_c p_c u_c v_c - (sum_c p_c u_c) (sum_c p_c v_c), per sample
    if pairwise:
        means = []
        for i in range(k):
            p_dir = np.multiply(proba, directions[i], out=work["block"])
            means.append(p_dir.sum(axis=0))
            for j in range(i + 1):
                per_sample = np.einsum("cn,cn->n", p_dir, directions[j])
                per_sample -= means[i] * means[j]
                forms[i, j] += float(np.dot(per_sample, sample_weight))
                forms[j, i] = forms[i, j]
        return forms
    if inplace:
        weighted = np.multiply(directions, proba, out=work["stack"])
    else:
        weighted = directions * proba
    means = xp.sum(weighted, axis=1)
    if inplace:
        weighted *= sample_weight
    else:
        weighted = weighted * sample_weight
    data = xp.tensordot(weighted, directions, axes=([1, 2], [1, 2]))
    return _add(forms, data, (means * sample_weight) @ means.T, xp)


def _add(forms, data, correction, xp):
    """``forms += data - correction`` (NumPy: in place, in that order)."""
    if xp is np:
        forms += data
        if correction is not None:
            forms -= correction
        return forms
    if correction is not None:
        data = data - correction
    forms += _to_numpy(data, xp)
    return forms


def _numpy_dtype(X, xp):
    return np.dtype(np.float32 if X.dtype == xp.float32 else np.float64)


def _to_numpy(array, xp):
    if xp is np:
        return array
    from .._compat import to_numpy  # the one module with private sklearn imports

    return np.asarray(to_numpy(array), dtype=np.float64)
