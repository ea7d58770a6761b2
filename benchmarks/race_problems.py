"""Problems of the matched-accuracy race (``bench_race.py``): each standardized, and unscaled.

The standardized problems are those of ``bench_fit.py``. Each has an unscaled twin, the same
data as a user meets it before any scaling:

- ``breast_cancer_raw``, ``digits_raw``: the bundled data sets as loaded (breast_cancer's
  column scales run from 1e-3 to 4e3; digits' pixels are counts 0..16, some always 0);
- the synthetic problems (``dense_binary_raw``, ``dense_10class_raw``,
  ``dense_binary_float32_raw``): the standardized columns turned into measurements in mixed
  units by :func:`in_mixed_units` (scales spread over five decades, positive offsets).

The sparse problem is built unscaled and uncentred, as sparse data is used: centring would
make it dense, and its values, all in [0, 1), already share one scale (``MaxAbsScaler``
would leave them almost as they are). It is its own unscaled variant; there is no
standardized twin.
"""

import numpy as np
import scipy.sparse as sp
from bench_fit import (
    breast_cancer,
    dense_binary,
    dense_binary_float32,
    digits,
)
from bench_fit import dense_multiclass as dense_10class
from scipy.special import expit
from sklearn.datasets import load_breast_cancer, load_digits

DECADES = (-2.0, 3.0)  # column scales of the unscaled synthetic problems: 1e-2 ... 1e3
MAX_OFFSET = 3.0  # column means of the unscaled synthetic problems: 0 ... 3 scales


def in_mixed_units(X, seed=0):
    """Standardized columns as raw measurements: ``(X[:, j] + m_j) * s_j``.

    The scales ``s_j`` are ``10**u`` for ``u`` evenly spaced over ``DECADES`` (five decades,
    like grams next to kilometres next to fractions), in a random column order; the offsets
    ``m_j`` are uniform in ``[0, MAX_OFFSET]`` (positive quantities whose mean is a few
    standard deviations from zero). The dtype of ``X`` is kept.
    """
    rng = np.random.default_rng(seed)
    d = X.shape[1]
    scales = 10.0 ** rng.permutation(np.linspace(*DECADES, d))
    offsets = rng.uniform(0.0, MAX_OFFSET, d)
    return ((X + offsets) * scales).astype(X.dtype, copy=False)


def breast_cancer_raw():
    """As loaded: column scales from 1e-3 to 4e3."""
    return load_breast_cancer(return_X_y=True)


def digits_raw():
    """As loaded: pixel counts 0..16 (uncentred; some pixels always 0)."""
    return load_digits(return_X_y=True)


def dense_binary_raw():
    X, y = dense_binary()
    return in_mixed_units(X, seed=10), y


def dense_10class_raw():
    X, y = dense_10class()
    return in_mixed_units(X, seed=11), y


def dense_binary_float32_raw():
    """``dense_binary_raw`` cast to float32 (the float64 values rounded once)."""
    X, y = dense_binary_raw()
    return X.astype(np.float32), y


def sparse_binary(n=100_000, d=20_000, density=1e-3):
    """CSR, values uniform in [0, 1) (uncentred), indices drawn with NumPy.

    ``scipy.sparse.random`` allocates far more than the matrix at this size; duplicates
    are summed. Labels come from a planted Gaussian ``w``: ``y ~ Bernoulli(expit(Xw - m))``
    with ``m`` the median of ``Xw``.
    """
    rng = np.random.default_rng(0)
    nnz = int(n * d * density)
    rows = rng.integers(0, n, nnz)
    cols = rng.integers(0, d, nnz)
    X = sp.csr_matrix((rng.random(nnz), (rows, cols)), shape=(n, d))
    X.sum_duplicates()
    w = rng.standard_normal(d)
    z = X @ w
    y = (rng.random(n) < expit(z - np.median(z))).astype(np.int64)
    return X, y


QUICK_PROBLEMS = {
    "breast_cancer": breast_cancer,
    "breast_cancer_raw": breast_cancer_raw,
    "digits": digits,
    "digits_raw": digits_raw,
}
FULL_PROBLEMS = {
    **QUICK_PROBLEMS,
    "dense_binary": dense_binary,
    "dense_binary_raw": dense_binary_raw,
    "dense_10class": dense_10class,
    "dense_10class_raw": dense_10class_raw,
    "dense_binary_float32": dense_binary_float32,
    "dense_binary_float32_raw": dense_binary_float32_raw,
    "sparse_binary": sparse_binary,
}
