"""Products with a range of rows of CSR data, read where they are stored.

Slicing rows of a sparse matrix copies them; the row pointers of CSR data
delimit the stored values of any range of rows, so scipy's own sparse
kernels can multiply that range in place (private ones: reached through
:mod:`sklearn_logloss._compat` only). The NumPy loss sweeps CSR data
this way a chunk of rows at a time (:mod:`~._numpy`), with no array of all
logits or residuals. The functions are those of :mod:`~._linear` for such a
range: :func:`csr_rows_logits` for ``linear_logits`` and
:func:`csr_rows_gradient` for ``data_gradient``.
"""

import numpy as np
import scipy.sparse as sp

from .._compat import csr_rows_matmul_add, csr_rows_rmatmul_add, has_csr_row_kernels

__all__ = [
    "csr_coef",
    "csr_moment_sums",
    "csr_rows_gradient",
    "csr_rows_logits",
    "csr_rows_sliceable",
]


def csr_rows_sliceable(X):
    """Whether ranges of rows of ``X`` can be multiplied in place: a CSR matrix of floats.

    (Its row pointers delimit the stored values of any range of rows, so
    :func:`csr_rows_logits` and :func:`csr_rows_gradient` read them where
    they are; slicing the matrix would copy them.)
    """
    return (
        has_csr_row_kernels()
        and sp.issparse(X)
        and X.format == "csr"
        and X.dtype in (np.float32, np.float64)
        and X.indices.dtype == X.indptr.dtype
    )


def csr_rows_logits(X, start, stop, coef, fit_intercept, out, scratch=None):
    """Logits of rows ``start:stop`` of a CSR ``X`` into ``out``, shape ``(n_outputs, rows)``.

    :func:`~._linear.linear_logits` of those rows, with no copy of them (see
    :func:`csr_rows_sliceable`); ``coef`` in the dtype of ``X``, or the pair
    that :func:`csr_coef` makes of it (once for many ranges of rows).
    ``scratch``: a flat array in the dtype of ``X`` for the product ``X W``
    of more than one logit (made when None or too small).
    """
    weights, intercepts = coef if isinstance(coef, tuple) else csr_coef(coef, fit_intercept)
    n_rows = stop - start
    indptr = X.indptr[start : stop + 1]
    if weights is None or weights.shape[1] == 1:  # the product adds into the intercepts
        out[...] = 0 if intercepts is None else intercepts[:, None]
        if weights is not None:
            csr_rows_matmul_add(X.shape[1], indptr, X.indices, X.data, weights.ravel(), out[0])
        return out
    # X W in the rows' layout: in out itself where out is Fortran-ordered
    # (the transpose of a C-ordered X W), else transposed into it.
    n_outputs = weights.shape[1]
    size = n_rows * n_outputs
    in_place = out.T.flags.c_contiguous
    if in_place:
        product = out.T
    elif scratch is not None and scratch.size >= size:
        product = scratch[:size].reshape(n_rows, n_outputs)
    else:
        product = np.empty((n_rows, n_outputs), dtype=X.dtype)
    product[...] = 0
    csr_rows_matmul_add(X.shape[1], indptr, X.indices, X.data, weights, product)
    if not in_place:
        out[...] = product.T
    if intercepts is not None:  # along the rows of out (long runs)
        out += intercepts[:, None]
    return out


def csr_coef(coef, fit_intercept):
    """``(weights, intercepts)`` of ``coef`` for :func:`csr_rows_logits`.

    The weights C-contiguous, or None where all are zero; the intercepts, or
    None without them.
    """
    n_features = coef.shape[0] - fit_intercept
    weights = coef[:n_features]
    weights = np.ascontiguousarray(weights) if weights.any() else None
    return weights, (coef[n_features] if fit_intercept else None)


def csr_rows_gradient(X, start, stop, residuals, fit_intercept, out):
    """Add ``Xt^T R^T`` of rows ``start:stop`` of a CSR ``X`` into ``out``.

    :func:`~._linear.data_gradient` of those rows (``out`` float64, of the
    coefficients' shape), with no copy of them (see :func:`csr_rows_sliceable`).
    """
    n_features = X.shape[1]
    n_outputs = residuals.shape[0]
    indptr = X.indptr[start : stop + 1]
    wide = X.dtype == np.float64
    total = out[:n_features] if wide else np.zeros((n_features, n_outputs), dtype=X.dtype)
    if n_outputs == 1:  # a vector of residuals (total[:, 0] is contiguous)
        dense, total_out = np.ascontiguousarray(residuals[0]), total[:, 0]
    else:
        dense, total_out = np.ascontiguousarray(residuals.T), total
    csr_rows_rmatmul_add(n_features, indptr, X.indices, X.data, dense, total_out)
    if not wide:
        out[:n_features] += total
    if fit_intercept:
        out[n_features] += residuals.sum(axis=1)
    return out


def csr_moment_sums(X, sample_weight, step):
    """``(X^T s, (X * X)^T s)`` of a CSR ``X`` in float64, ``step`` rows at a time.

    :func:`~._linear.moment_sums` of sparse data: the squares (and, for
    float32 data, the values in float64) are formed for a range of rows only.
    """
    n_rows, n_features = X.shape
    first, second = np.zeros(n_features), np.zeros(n_features)
    for start in range(0, n_rows, step):
        stop = min(start + step, n_rows)
        begin, end = X.indptr[start], X.indptr[stop]
        pointers = X.indptr[start : stop + 1] - begin
        indices = X.indices[begin:end]
        values = np.asarray(X.data[begin:end], dtype=np.float64)
        weight = np.ascontiguousarray(sample_weight[start:stop], dtype=np.float64)
        for total, stored in ((first, values), (second, np.square(values))):
            csr_rows_rmatmul_add(n_features, pointers, indices, stored, weight, total)
    return first, second
