"""The one place this package touches private helpers of other libraries.

scikit-learn has no public equivalent of these (a scorer base class, sample
weight validation and its array API helpers, which find the namespace and
device of an array and bring an array back to NumPy), nor SciPy of its
compiled sparse kernels, which multiply a range of rows of a CSR matrix where
they are stored (slicing the matrix copies them), nor NumPy of its LAPACK
kernels without the checks of ``numpy.linalg`` (which cost several times the
work on the few-row systems a solver solves every iteration); everything else in the
package uses public API. ``tests/test_compat.py`` checks them against the
installed libraries, and CI runs that test on the oldest supported
scikit-learn.
"""

from inspect import signature

import numpy as np
from scipy.linalg.lapack import dtrtri as _dtrtri
from sklearn import get_config
from sklearn.metrics._scorer import _BaseScorer  # noqa: F401  (base of our scorer)
from sklearn.utils._array_api import (
    _convert_to_numpy,
    _is_numpy_namespace,
    _max_precision_float_dtype,
    get_namespace,
    get_namespace_and_device,
)
from sklearn.utils.validation import _check_sample_weight as _sk_check_sample_weight

try:  # SciPy's compiled sparse kernels (those its own sparse products call)
    from scipy.sparse import _sparsetools
except ImportError:  # pragma: no cover (then CSR data is multiplied whole)
    _sparsetools = None

__all__ = [
    "_BaseScorer",
    "array_api_namespace",
    "check_sample_weight",
    "cholesky_or_none",
    "csr_rows_matmul_add",
    "csr_rows_rmatmul_add",
    "has_csr_row_kernels",
    "lower_inverse",
    "max_float_dtype",
    "solve_small",
    "to_numpy",
]

# Newer scikit-learn (1.9, not 1.7) rejects all-zero weights unless told otherwise; 1.6 has
# no such check (nor the parameter).
_HAS_ALLOW_ALL_ZERO = "allow_all_zero_weights" in signature(_sk_check_sample_weight).parameters


def check_sample_weight(sample_weight, X, *, dtype=None):
    """Validate ``sample_weight`` (None gives ones) for ``X``.

    Returns a 1-D float array of length ``n_samples`` (a scalar is broadcast).
    Raises ValueError for a wrong shape or length and for negative or
    non-finite values. All-zero weights are returned as they are: each caller
    raises its own error for them.
    """
    kwargs = {"dtype": dtype, "ensure_non_negative": True}
    if _HAS_ALLOW_ALL_ZERO:
        kwargs["allow_all_zero_weights"] = True
    return _sk_check_sample_weight(sample_weight, X, **kwargs)


def _is_array_api_array(array):
    # NumPy arrays, lists, sparse matrices and dataframes take the NumPy path;
    # the array API libraries (torch, cupy, array-api-strict) all speak DLPack.
    return not isinstance(array, (np.ndarray, np.generic)) and hasattr(array, "__dlpack__")


def array_api_namespace(array):
    """``(xp, device)`` of a non-NumPy array under array API dispatch, else None.

    None means "use the NumPy code path": dispatch is off (the default; the
    array is then converted by ``np.asarray`` as scikit-learn does), or the
    input is a NumPy array, a list, a sparse matrix or a dataframe.
    """
    if not (get_config()["array_api_dispatch"] and _is_array_api_array(array)):
        return None
    xp, is_array_api, device = get_namespace_and_device(array)
    if not is_array_api or _is_numpy_namespace(xp):
        return None
    return xp, device


def to_numpy(array):
    """A NumPy array on the host holding ``array``.

    Array API arrays (any device) are copied to the host under array API
    dispatch; anything else goes through ``np.asarray``.
    """
    if get_config()["array_api_dispatch"] and _is_array_api_array(array):
        xp, _ = get_namespace(array)
        if xp.__name__ == "array_api_strict":
            # Its test devices other than the CPU refuse NumPy conversion, which
            # scikit-learn < 1.8 does not work around.
            array = xp.asarray(array, device=xp.Device("CPU_DEVICE"))
        return _convert_to_numpy(array, xp)
    return np.asarray(array)


def max_float_dtype(xp, device):
    """The most precise float dtype of ``xp`` on ``device`` (float32 on Apple MPS)."""
    return _max_precision_float_dtype(xp, device)


def has_csr_row_kernels():
    """Whether :func:`csr_rows_matmul_add` and :func:`csr_rows_rmatmul_add` can run.

    False where the installed SciPy has no such private kernels: callers then
    multiply the whole sparse matrix with its public products.
    """
    return _sparsetools is not None


def _check_row_operands(indptr, indices, data, dense, out):
    if not (indptr.dtype == indices.dtype and dense.dtype == data.dtype == out.dtype):
        raise ValueError(
            "indptr and indices, and data, dense and out, must share their dtypes; "
            f"got {indptr.dtype}, {indices.dtype} and {data.dtype}, {dense.dtype}, {out.dtype}"
        )
    if not (dense.flags.c_contiguous and out.flags.c_contiguous):
        raise ValueError("dense and out must be C-contiguous")


def csr_rows_matmul_add(n_features, indptr, indices, data, dense, out):
    """Add ``A @ dense`` into ``out``, ``A`` the CSR rows that ``indptr`` delimits.

    ``indptr`` holds the ``n_rows + 1`` row pointers of a range of rows of a
    CSR matrix with ``n_features`` columns, into its full ``indices`` and
    ``data`` (a slice of the matrix's own ``indptr``: nothing is copied).
    ``dense`` is of shape ``(n_features,)`` or ``(n_features, k)`` and
    ``out`` of shape ``(n_rows,)`` or ``(n_rows, k)``, both C-contiguous in
    the dtype of ``data``; ``indices`` in the dtype of ``indptr``.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> X = sp.csr_array(np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]]))
    >>> out = np.zeros(2)
    >>> csr_rows_matmul_add(2, X.indptr[1:], X.indices, X.data, np.ones(2), out).tolist()
    [2.0, 7.0]
    """
    _check_row_operands(indptr, indices, data, dense, out)
    n_rows = len(indptr) - 1
    if dense.ndim == 1:
        _sparsetools.csr_matvec(n_rows, n_features, indptr, indices, data, dense, out)
    else:
        n_vecs = dense.shape[1]
        _sparsetools.csr_matvecs(
            n_rows, n_features, n_vecs, indptr, indices, data, dense.ravel(), out.ravel()
        )
    return out


def csr_rows_rmatmul_add(n_features, indptr, indices, data, dense, out):
    """Add ``A^T @ dense`` into ``out``, ``A`` the CSR rows that ``indptr`` delimits.

    As :func:`csr_rows_matmul_add`, with ``dense`` of shape ``(n_rows,)`` or
    ``(n_rows, k)`` and ``out`` of shape ``(n_features,)`` or
    ``(n_features, k)``.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> X = sp.csr_array(np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]]))
    >>> out = np.zeros(2)
    >>> csr_rows_rmatmul_add(2, X.indptr[1:], X.indices, X.data, np.ones(2), out).tolist()
    [3.0, 6.0]
    """
    _check_row_operands(indptr, indices, data, dense, out)
    n_rows = len(indptr) - 1
    if dense.ndim == 1:
        _sparsetools.csc_matvec(n_features, n_rows, indptr, indices, data, dense, out)
    else:
        n_vecs = dense.shape[1]
        _sparsetools.csc_matvecs(
            n_features, n_rows, n_vecs, indptr, indices, data, dense.ravel(), out.ravel()
        )
    return out


try:  # NumPy's LAPACK kernels without the checks of numpy.linalg's wrappers
    from numpy.linalg import _umath_linalg
except ImportError:  # pragma: no cover (then numpy.linalg's public functions)
    _umath_linalg = None


def cholesky_or_none(matrix):
    """The lower Cholesky factor of a small symmetric float64 matrix; None if not definite.

    NumPy's own LAPACK (as :func:`numpy.linalg.cholesky`) without the
    wrapper's checks, which on a matrix of a few rows cost several times the
    factorization (a solver factors one every iteration). ``matrix``: square,
    float64, no NaN. Call it under ``np.errstate(invalid="ignore")``: a matrix
    that is not positive definite raises the invalid flag.
    """
    if _umath_linalg is None:  # pragma: no cover
        try:
            return np.linalg.cholesky(matrix)
        except np.linalg.LinAlgError:
            return None
    factor = _umath_linalg.cholesky_lo(matrix, signature="d->d")
    return None if factor[0, 0] != factor[0, 0] else factor  # NaN where it failed


def lower_inverse(factor):
    """``L^{-1}`` of a lower-triangular float64 ``factor`` ``L`` with a nonzero diagonal.

    LAPACK's triangular inverse (``dtrtri``, through SciPy's public
    :mod:`scipy.linalg.lapack`): about a quarter of :func:`numpy.linalg.inv`'s
    time on a factor of a few dozen rows, which treats it as a general matrix
    (an LU factorization first). The upper triangle of the result is zero.
    """
    inverse, info = _dtrtri(factor, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"Singular triangular factor (LAPACK dtrtri info={info}).")
    return inverse


def solve_small(matrix, rhs):
    """``matrix^{-1} rhs`` for a small nonsingular float64 ``matrix`` and a vector ``rhs``.

    NumPy's LAPACK (as :func:`numpy.linalg.solve`) without the wrapper's
    checks; under ``np.errstate(invalid="ignore")`` as :func:`cholesky_or_none`.
    """
    if _umath_linalg is None:  # pragma: no cover
        return np.linalg.solve(matrix, rhs)
    return _umath_linalg.solve1(matrix, rhs, signature="dd->d")
