"""The Hessian of ``J`` at a point, for a certificate of the gap that is tight.

The stopping rule (:mod:`~.._solvers._stopping`) bounds ``J(w) - J*`` from
the Hessian ``H`` at ``w``: the log loss is *self-concordant in the logits*,
which keeps the curvature of ``J`` along any line from falling faster than
an exponential.

**The bound.** Along a line ``h(t) = J(w + t v)``, each row's logits move by
``t v^T z`` (``v^T z`` a vector of ``n_outputs`` numbers, ``z`` the row with a
1 for the intercept), and the pointwise loss ``l`` of a row obeys
``|D^3 l [u, u, u]| <= spread(u) D^2 l [u, u]``, with ``spread(u) = max_k
u_k - min_k u_k`` over the classes' logits (for the sigmoid, ``|l'''| =
p (1 - p) |1 - 2 p| <= l''``; for the softmax the third cumulant of ``u``
under ``p``). The penalty is quadratic. Hence ``|h'''(t)| <= R_v h''(t)``,
``R_v`` the largest spread of a row's logit direction, and ``h''(t) >=
h''(0) exp(-R_v |t|)``. With ``v`` of unit norm in ``H``, ``R_v <= rho``
(below), and ``lambda^2 = g^T H^{-1} g`` (Newton's decrement, ``g = grad
J(w)``), minimizing the lower bound this gives for ``h`` over every line
yields (Bach, 2010)

    J(w) - J*  <=  (s + (1 - s) log(1 - s)) / rho^2,   s = lambda rho < 1,

which is ``lambda^2 / 2 (1 + s/3 + ...)``: the gap to second order. The
bound holds whatever ``alpha`` (also 0) and however the features are scaled.

* Two classes: ``rho^2 = max_i z_i^T H^{-1} z_i`` over the rows with weight.
* The softmax: ``J`` does not change when the same vector is added to every
  class's coefficients (only the penalty sees it), so ``H`` is singular
  along those directions. They are split off: ``J(w) = J(w_0) + alpha K
  ||mean_k W_k||^2 / 2`` with ``w_0`` the coefficients less their class
  mean, and the bound is applied to ``J`` on the classes' zero-sum subspace
  (an orthonormal basis ``Q`` of it, ``K x (K - 1)``), where
  ``spread(u) <= sqrt(2) ||u||`` gives ``rho^2 = 2 max_i z_i^T (sum_m
  H^{-1}_{mm}) z_i`` (the sum of the diagonal blocks of ``H^{-1}``).

Everything is computed in float64 on the host in centred, scaled
coordinates (``z = ((x - mean) * inv_scale, 1)``, so that raw features of
any scale give a well-conditioned ``H``), a chunk of rows at a time.

Reference: F. Bach, "Self-concordant analysis for logistic regression",
Electronic Journal of Statistics 4 (2010), 384-414.
"""

import math

import numpy as np
import scipy.sparse as sp

from ._linear import BLOCK_BYTES, _to_numpy, targets
from ._pointwise import loss_gradient

__all__ = [
    "HessianReference",
    "centred_rows",
    "curvature_sums",
    "gap_bound",
    "max_quadratic_form",
    "zero_sum_basis",
]


def zero_sum_basis(n_classes):
    """An orthonormal basis of the vectors of ``n_classes`` entries summing to 0.

    Shape ``(n_classes, n_classes - 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> Q = zero_sum_basis(3)
    >>> np.allclose(Q.T @ Q, np.eye(2)), np.allclose(Q.sum(axis=0), 0)
    (True, True)
    """
    centring = np.eye(n_classes) - 1.0 / n_classes
    return np.linalg.qr(centring)[0][:, : n_classes - 1]


def centred_rows(X, start, stop, mean, inv_scale, fit_intercept, xp=np):
    """The rows ``start:stop`` centred and scaled, ``z = ((x - mean) * inv_scale, 1)``.

    Float64 NumPy; the column of ones (the intercept's) only when fitting one.
    """
    rows = X[start:stop] if sp.issparse(X) else X[start:stop, ...]
    if sp.issparse(rows):
        rows = rows.toarray()
    elif xp is not np:
        rows = _to_numpy(rows, xp)
    d = rows.shape[1]
    Z = np.empty((rows.shape[0], d + fit_intercept))
    centred = Z[:, :d]
    np.subtract(rows, mean, out=centred)
    centred *= inv_scale
    if fit_intercept:
        Z[:, d] = 1.0
    return Z


def _chunk(X, start, stop, mean, inv_scale, fit_intercept, xp, rows):
    """:func:`centred_rows` of a chunk; ``rows``, those of all rows, when given."""
    if rows is not None and start == 0 and stop == X.shape[0]:
        return rows
    return centred_rows(X, start, stop, mean, inv_scale, fit_intercept, xp)


def _chunk_rows(X, width, block_bytes):
    """Row ranges whose centred rows (and their weighted copy) take about ``block_bytes``."""
    rows = max(16, int(block_bytes) // (16 * max(1, width)))
    return [(start, min(start + rows, X.shape[0])) for start in range(0, X.shape[0], rows)]


def _add_gram(out, Z, weight):
    """``out += Z^T diag(weight) Z``."""
    out += (Z * weight[:, None]).T @ Z


def curvature_sums(
    X,
    codes,
    sample_weight,
    coef,
    mean,
    inv_scale,
    fit_intercept,
    xp=np,
    block_bytes=BLOCK_BYTES,
    rows=None,
    proba=None,
):
    """The data term's sum, gradient and Hessian at ``coef`` over a block of rows.

    ``coef`` (float64, shape ``(n_coef, n_outputs)``) is in the centred,
    scaled coordinates of the rows ``z`` (see the module docstring).
    Returns ``(loss_sum, grad, hessian)``, float64 NumPy: ``grad`` of the
    shape of ``coef``; ``hessian`` of shape ``(n_coef, n_coef)`` for one
    logit, else ``(r n_coef, r n_coef)`` on the zero-sum subspace
    (``r = n_outputs - 1``, coordinates ``(m, j)`` at ``m n_coef + j``: the
    coefficients ``W Q``). The temporaries take about ``block_bytes``;
    ``rows``, when given, are the :func:`centred_rows` of all rows (one chunk).
    ``proba``, when given (NumPy, shape ``(n_outputs, n_rows)``), holds the
    probabilities at ``coef`` as :func:`~._pointwise.loss_gradient` records
    them: only the Hessian is formed (no pass for the logits; the sum and
    the gradient are None).
    """
    n_coef, n_outputs = coef.shape
    weight_all = np.asarray(_to_numpy(sample_weight, xp), dtype=np.float64)
    codes_all = _to_numpy(codes, xp)  # converted a chunk at a time (kept as bytes)
    basis = None if n_outputs == 1 else zero_sum_basis(n_outputs)
    r = 1 if basis is None else n_outputs - 1
    pairs = [(m, m2) for m in range(r) for m2 in range(m, r)]
    first, second = [m for m, _ in pairs], [m2 for _, m2 in pairs]
    if basis is not None:  # Q_km Q_km2 for every pair, shape (n_outputs, pairs)
        products = basis[:, first] * basis[:, second]
    blocks = np.zeros((len(pairs), n_coef, n_coef))
    loss_sum, grad = 0.0, np.zeros_like(coef)
    for start, stop in _chunk_rows(X, n_coef, block_bytes):
        Z = _chunk(X, start, stop, mean, inv_scale, fit_intercept, xp, rows)
        weight = weight_all[start:stop]
        if proba is None:
            logits = np.ascontiguousarray((Z @ coef).T)
            p = np.empty_like(logits)
            codes = np.asarray(codes_all[start:stop], dtype=np.intp)
            target = targets(codes, n_outputs, np.float64)
            loss, residuals = loss_gradient(logits, target, weight, proba_out=p)
            loss_sum += float(loss)
            grad += Z.T @ residuals.T
        else:
            p = np.asarray(proba[:, start:stop], dtype=np.float64)
        if basis is None:
            # p holds the probability of the class not observed: p (1 - p) alike.
            curvature = (weight * p[0] * (1.0 - p[0]))[:, None]
        else:
            # Q^T (diag(p) - p p^T) Q for every row, shape (rows, r, r).
            P = p.T
            projected = P @ basis
            curvature = P @ products - projected[:, first] * projected[:, second]
            curvature *= weight[:, None]
        for index in range(len(pairs)):
            _add_gram(blocks[index], Z, curvature[:, index])
    if proba is not None:
        loss_sum = grad = None
    if basis is None:
        return loss_sum, grad, blocks[0]
    hessian = np.empty((r, n_coef, r, n_coef))
    for index, (m, m2) in enumerate(pairs):
        hessian[m, :, m2, :] = blocks[index]
        hessian[m2, :, m, :] = blocks[index].T
    return loss_sum, grad, hessian.reshape(r * n_coef, r * n_coef)


def max_quadratic_form(
    X,
    sample_weight,
    quad,
    mean,
    inv_scale,
    fit_intercept,
    xp=np,
    block_bytes=BLOCK_BYTES,
    rows=None,
):
    """``max_i z_i^T quad z_i`` over the rows of a block with a positive weight (0 if none).

    ``quad`` is a symmetric matrix, or a pair ``(shift, vectors)`` for
    ``shift I + vectors vectors^T`` (a few columns: the product is that
    narrow). ``rows`` as for :func:`curvature_sums`.
    """
    weight_all = np.asarray(_to_numpy(sample_weight, xp), dtype=np.float64)
    largest = 0.0
    for start, stop in _chunk_rows(X, X.shape[1] + 1, block_bytes):
        Z = _chunk(X, start, stop, mean, inv_scale, fit_intercept, xp, rows)
        if isinstance(quad, tuple):
            shift, vectors = quad
            projections = Z @ vectors
            forms = np.einsum("ij,ij->i", projections, projections)
            if shift:
                forms += shift * np.einsum("ij,ij->i", Z, Z)
        else:
            forms = np.einsum("ij,ij->i", Z @ quad, Z)
        forms = forms[weight_all[start:stop] > 0]
        if forms.size:
            largest = max(largest, float(forms.max()))
    return largest


def gap_bound(decrement_sq, rho_sq):
    """The self-concordant bound on ``J(w) - J*`` (``inf`` where ``lambda rho >= 1``).

    ``decrement_sq`` is ``lambda^2 = g^T H^{-1} g`` and ``rho_sq`` the
    ``rho^2`` of the module docstring.

    Examples
    --------
    >>> round(gap_bound(1e-8, 1.0) / 0.5e-8, 6)  # lambda^2 / 2 near the optimum
    1.000033
    >>> gap_bound(1.0, 1.0)
    inf
    """
    s = math.sqrt(decrement_sq * rho_sq)
    if not s < 1.0:
        return math.inf
    if s < 1e-4:  # the series, where the closed form cancels
        return decrement_sq * (0.5 + s / 6.0 + s * s / 12.0)
    return (s + (1.0 - s) * math.log1p(-s)) / rho_sq


class HessianReference:
    """The Hessian ``H0`` at ``w0`` a metric was made of: it bounds the Hessians near ``w0``.

    Where the rows' logits move by ``Delta_i`` between ``w0`` and ``w``, each
    row's curvature falls by at most ``exp(-spread(Delta_i))`` (the log
    partition's Hessian is the covariance of the class probabilities, and
    tilting them by ``exp(Delta)`` changes each by a factor within
    ``exp(+-spread)``). So, with ``H0`` summed over ``rows`` (all the data, or
    a subsample whose weights are a fraction ``f`` of the whole), the Hessian
    of ``J`` at ``w`` is at least ``f exp(-max_i spread(Delta_i)) H0`` (the
    penalty's part is the same at both points and ``f exp(-.) <= 1``). A
    metric ``(T T^T)^{-1} = H0`` then bounds Newton's decrement at ``w`` by
    the gradient's norm in ``u`` (``w = T u``): ``lambda^2 <= ||T^T g||^2 /
    (f exp(-max spread))`` (see :meth:`~.._solvers._stopping.StoppingRule`).

    Parameters
    ----------
    rows : loss
        The loss whose rows ``H0`` summed (offers ``"logit_space"``).
    coef : ndarray
        ``w0``, in the user's coordinates.
    scaling : StandardizingMetric
        The centred, scaled coordinates ``H0`` is in.
    hessian : ndarray
        ``H0`` as factored, in those coordinates (two classes: the softmax's
        coupled metric would need a bound of ``rho`` this one is too loose for).
    ridge : float
        The relative increase of ``H0``'s diagonal before it was factored.
    inverse_factor : ndarray, default=None
        ``L^{-1}`` for the factor ``L L^T`` of ``H0`` (its diagonal so
        increased), where the metric has it: then no eigendecomposition is
        made, :meth:`inverse_bound` is exact (``H0^{-1}``, the ridge allowed
        for) and the bound is cheap enough to be checked before a new Hessian
        is formed (:attr:`preferred`).

    Attributes
    ----------
    min_eig : float
        A lower bound of the smallest eigenvalue of ``H0``.
    shrink : float
        A factor in ``(0, 1]`` such that the Hessian summed is at least
        ``shrink`` times the factored one (the ridge taken back).
    preferred : bool
        Whether ``inverse_factor`` was given.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_logloss._loss import make_loss
    >>> from sklearn_logloss._loss._precondition import hessian_in, standardizing_metric
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    >>> loss = make_loss(X, np.array([0, 1, 1, 0]), np.ones(4),
    ...                  n_classes=2, alpha=0.1, fit_intercept=True)
    >>> scaling = standardizing_metric(loss)
    >>> hessian = hessian_in(loss, loss.init_coef(), scaling)[2]
    >>> reference = HessianReference(loss, loss.init_coef(), scaling, hessian)
    >>> bool(reference.min_eig > 0), reference.shrink
    (True, 1.0)
    """

    def __init__(self, rows, coef, scaling, hessian, ridge=0.0, inverse_factor=None):
        self.rows, self.coef, self.scaling = rows, np.asarray(coef, dtype=np.float64), scaling
        self._hessian, self._ridge = hessian, ridge
        self._logits = self._min_eig = None
        self._inverse_factor = inverse_factor
        self.preferred = inverse_factor is not None

    def _eigen(self):
        """The eigenvalues and vectors of ``H0`` (the first time; ``H0`` is then let go)."""
        if self._min_eig is None and self._inverse_factor is not None:
            hessian, self._hessian = self._hessian, None
            # lambda_min of the factored matrix is 1 / ||L^{-1}||_2^2, at least
            # 1 / ||L^{-1}||_F^2; the ridge added at most ridge max(diag) to it.
            factored_min = 1.0 / float(np.sum(self._inverse_factor**2))
            excess = self._ridge * float(np.max(np.diagonal(hessian))) / (1.0 + self._ridge)
            self._min_eig = factored_min - excess
            self._shrink = 1.0 - excess / factored_min if self._min_eig > 0 else 0.0
        if self._min_eig is None:
            hessian, self._hessian = self._hessian, None
            values, vectors = np.linalg.eigh(hessian)
            # eigh is backward stable: its values are within a few eps ||H|| of the truth.
            values = values - 8 * hessian.shape[0] * np.finfo(np.float64).eps * abs(values[-1])
            self._min_eig = float(values[0])
            excess = self._ridge * float(np.max(np.diagonal(hessian))) / (1.0 + self._ridge)
            self._shrink = 1.0 - excess / self._min_eig if self._min_eig > 0 else 0.0
            self._values, self._vectors = values, vectors
        return self._min_eig, self._shrink

    @property
    def min_eig(self):
        return self._eigen()[0]

    @property
    def shrink(self):
        return self._eigen()[1]

    def inverse_bound(self, n_vectors=16):
        """``(shift, vectors)``, a quadratic form at least ``H0^{-1}`` (for ``max_row_form``).

        ``shift I + vectors vectors^T`` with ``shift = 1 / lambda_{m+1}`` and
        the eigenvectors of the ``m`` smallest eigenvalues scaled by
        ``sqrt(1 / lambda_k - shift)``: exact along the directions ``H0``
        curves least (collinear features, a weak penalty), bounded above by
        the next eigenvalue along the others; ``m = n_vectors``.
        """
        if not self.min_eig > 0:
            return None
        if self._inverse_factor is not None:
            # H0 >= shrink (H0 + ridge): H0^{-1} <= L^{-T} L^{-1} / shrink.
            return 0.0, self._inverse_factor.T / math.sqrt(self.shrink)
        values, vectors = self._values, self._vectors
        m = min(n_vectors, len(values) - 1)
        shift = 1.0 / values[m]
        weights = np.sqrt(np.maximum(1.0 / values[:m] - shift, 0.0))
        return shift, vectors[:, :m] * weights

    def lower_factor(self, coef, weight_sum):
        """``c`` with ``H(coef) >= c H0``, for data whose weights total ``weight_sum``.

        ``coef`` in the user's coordinates. The first call computes the
        logits of the rows at ``w0`` (kept), every call those at ``coef``:
        one product with the rows' data.
        """
        if not self.shrink > 0:  # H0 not positive definite: no bound
            return 0.0
        rows = self.rows
        if self._logits is None:
            self._logits = rows.logits(self.coef.astype(rows.dtype))
        moved = rows.logits(np.asarray(coef).astype(rows.dtype))
        xp = getattr(rows, "xp", np)
        # Two classes: one logit a row, whose change is its spread.
        spread = float(_to_numpy(xp.max(xp.abs(moved - self._logits)), xp))
        fraction = min(1.0, rows.weight_sum / weight_sum)
        # The logits were computed in the loss's dtype: allow for their rounding.
        eps = float(np.finfo(rows.dtype).eps)
        scale = float(_to_numpy(xp.max(xp.abs(moved)), xp)) + 1.0
        if not math.isfinite(spread):
            return 0.0
        return fraction * self.shrink * math.exp(-(spread + 64 * eps * scale))
