"""Preconditioning: gradient steps in a fixed metric, whatever the scale of the features.

The solvers minimize ``J(w)``; here they minimize the same function in other
coordinates, ``u`` with ``w = T u`` for a fixed invertible matrix ``T`` acting
on each class column of the packed coefficients. A gradient step in ``u``,
``u <- u - eta T^T grad J(w)``, is the step ``w <- w - eta T T^T grad J(w)``:
a gradient step in the metric ``(T T^T)^{-1}``. With ``T T^T`` the inverse of
a bound of the curvature of ``J``, steps no longer depend on how the features
are scaled, shifted or correlated (multiplying a column by 1e4 changes ``T``,
not the iterates' predictions), and the objective values the solvers record
are those of ``J`` itself.

Two metrics (:func:`make_metric`):

* ``"diagonal"``: an implicit standardization. ``T`` centres every column on
  its weighted mean (moving the mean into the intercept) and divides it by
  ``sqrt(c var_j + alpha)``: the diagonal of the curvature bound below in the
  centred coordinates. One pass over ``X`` (over a subsample of the rows
  of large dense data); applying ``T`` costs
  ``O(n_features * n_outputs)``. Sparse ``X`` stays sparse: only the
  coefficients are transformed.
* ``"gram"``: the whole bound, ``B = c Xc^T S Xc / sum(s) + alpha D`` in the
  centred, scaled coordinates (``Xc`` with a column of ones for the
  intercept, ``D`` the identity on the weights and 0 on the intercept, ``c``
  = 1/4 for two classes, 1/2 for the softmax: ``p (1 - p) <= 1/4`` and
  ``diag(p) - p p^T <= I / 2``), factored once, ``B = L L^T``, and
  ``T = S L^{-T}`` (Böhning and Lindsay's bound as a preconditioner). Correlated
  features are handled too. The Gram matrix is computed on evenly spaced
  rows, at least ``gram_rows`` of them (a preconditioner need not be exact:
  the solvers' line searches and subspace searches measure the true
  curvature); factoring it costs ``O(n_coef^3)``, applying ``T``
  ``O(n_coef^2 * n_outputs)`` per evaluation, ``n_coef = n_features + 1``.
"""

import numpy as np

from .._compat import lower_inverse
from ._base import power_iteration
from ._curvature import HessianReference, zero_sum_basis

__all__ = [
    "CoupledMetric",
    "DenseMetric",
    "PreconditionedLoss",
    "StandardizingMetric",
    "factored_metric",
    "hessian_in",
    "make_metric",
    "standardizing_metric",
]


class StandardizingMetric:
    """The change of coordinates ``w = T u``, ``T = S``: centre and scale.

    ``w_j = u_j / scale_j`` for the weights and ``b = u_b - sum_j shift_j
    u_j`` for the intercepts (``shift_j = mean_j / scale_j``). Every method
    acts on a coefficient array of shape ``(n_features + fit_intercept,
    n_outputs)`` or on a stack of them; the results are float64.
    """

    def __init__(self, inv_scale, shift):
        self.inv_scale, self.shift = inv_scale, shift
        self.n_features = inv_scale.shape[0]

    def to_coef(self, u):
        """``w = T u``."""
        d = self.n_features
        w = np.array(u, dtype=np.float64)
        w[..., :d, :] *= self.inv_scale[:, None]
        if w.shape[-2] > d:
            w[..., d, :] -= self.shift @ np.asarray(u, dtype=np.float64)[..., :d, :]
        return w

    def gradient(self, grad):
        """``T^T grad``: the gradient in the coordinates ``u``."""
        d = self.n_features
        out = np.array(grad, dtype=np.float64)
        out[..., :d, :] *= self.inv_scale[:, None]
        if out.shape[-2] > d:
            out[..., :d, :] -= self.shift[:, None] * out[..., d : d + 1, :]
        return out

    def from_coef(self, w):
        """``u = T^{-1} w``."""
        d = self.n_features
        u = np.array(w, dtype=np.float64)
        u[..., :d, :] /= self.inv_scale[:, None]
        if u.shape[-2] > d:
            u[..., d, :] += self.shift @ u[..., :d, :]
        return u


class DenseMetric:
    """``w = T u`` with a dense ``T`` of shape ``(n_coef, n_coef)`` (and its inverse).

    Every method acts on a coefficient array of shape ``(n_coef, n_outputs)``
    or on a stack of them; the results are float64.
    """

    def __init__(self, matrix, inverse):
        self.matrix, self.inverse = matrix, inverse
        self._matrix_t = np.ascontiguousarray(matrix.T)

    @staticmethod
    def _apply(matrix, matrix_t, a):
        a = np.asarray(a, dtype=np.float64)
        # ndarray.dot on one array: a fraction of the call overhead of matmul,
        # which the solvers pay several times an iteration.
        if a.ndim == 2:
            return matrix.dot(a)
        if a.ndim == 3 and a.shape[2] == 1:  # a stack of one-class arrays: one product
            return a[:, :, 0].dot(matrix_t)[:, :, None]
        return np.matmul(matrix, a)

    def to_coef(self, u):
        """``w = T u``."""
        return self._apply(self.matrix, self._matrix_t, u)

    def gradient(self, grad):
        """``T^T grad``."""
        return self._apply(self._matrix_t, self.matrix, grad)

    def from_coef(self, w):
        """``u = T^{-1} w``."""
        return self._apply(self.inverse, self.inverse.T, w)

    def user_gradient(self, grad):
        """``T^{-T} grad``: a gradient in ``u`` back in the user's coordinates."""
        return self._apply(self.inverse.T, self.inverse, grad)


class CoupledMetric:
    """``w = T u`` with ``T`` acting on whole coefficient arrays: classes coupled.

    ``T`` has shape ``(n_coef * n_outputs, n_coef * n_outputs)`` over the
    arrays flattened in C order (entry ``(j, k)`` at ``j * n_outputs + k``).
    Only ``T`` is kept (its inverse would double the memory): :meth:`from_coef`,
    which the fit needs at its start and the stopping rule at a check,
    solves with it. Every method acts on a coefficient array of shape
    ``(n_coef, n_outputs)`` or on a stack of them; the results are float64.
    """

    #: ``T`` acts on whole coefficient arrays, not on each class column alike.
    couples_classes = True

    def __init__(self, matrix):
        self.matrix = matrix

    @staticmethod
    def _flat(a):
        a = np.asarray(a, dtype=np.float64)
        return a, a.reshape(*a.shape[:-2], -1)

    def to_coef(self, u):
        """``w = T u``."""
        u, flat = self._flat(u)
        return (flat @ self.matrix.T).reshape(u.shape)

    def gradient(self, grad):
        """``T^T grad``."""
        grad, flat = self._flat(grad)
        return (flat @ self.matrix).reshape(grad.shape)

    def from_coef(self, w):
        """``u = T^{-1} w`` (a linear solve)."""
        w, flat = self._flat(w)
        return np.linalg.solve(self.matrix, flat.reshape(-1, flat.shape[-1]).T).T.reshape(w.shape)


def standardizing_metric(loss, *, curvature=1.0, alpha=0.0, rows=None):
    """Centre every column on its weighted mean and divide it by ``sqrt(c var + alpha)``.

    A :class:`StandardizingMetric` (with ``c = curvature``), whose ``mean``
    attribute holds the means; one pass over ``X`` (:meth:`column_moments`),
    or with ``rows``, on dense data that supports ``"subsample"``, over
    every ``k``-th row, ``k`` the largest stride keeping at least ``rows``
    of them (the moments of a preconditioner need not be exact: any centring
    and scaling is a change of coordinates). A (nearly) constant column is
    the intercept's twin: it is scaled, not centred; without an intercept no
    column is centred. The plain standardization (``c = 1``, ``alpha = 0``,
    all rows) is kept on ``loss``: a fit's metrics and certificates share it.
    """
    source = loss
    dense = loss.data_nbytes >= loss.n_samples * loss.n_features * loss.dtype.itemsize
    if rows is not None and dense and "subsample" in loss.supports:
        stride = loss.n_samples // rows
        if stride >= 2:
            source = loss.subsample(stride) or loss  # None: a class without weight there
    plain = curvature == 1.0 and alpha == 0.0 and source is loss
    if plain and getattr(loss, "_plain_standardization", None) is not None:
        return loss._plain_standardization
    mean, square = source.column_moments()
    if loss.fit_intercept:
        variance = np.maximum(square - mean * mean, 0.0)
        constant = variance <= 1e-10 * square
        variance = np.where(constant, square, variance)
        mean = np.where(constant, 0.0, mean)
    else:
        variance, mean = square, np.zeros_like(mean)
    scale = np.sqrt(curvature * variance + alpha)
    scale[~(scale > 0)] = 1.0  # an all-zero column with alpha = 0: nothing to scale
    inv_scale = 1.0 / scale
    metric = StandardizingMetric(inv_scale, mean * inv_scale)
    metric.mean = mean
    if plain:
        loss._plain_standardization = metric
    return metric


def factored_metric(scaling, bound):
    """``T = S L^{-T}`` for ``bound = L L^T``, a matrix in the coordinates of ``scaling`` (``S``).

    A gradient step in ``u`` (``w = T u``) is then a step in the metric
    ``S^{-T} bound S^{-1}``. ``T`` and ``T^{-1} = L^T S^{-1}`` are formed
    once: ``S`` and ``S^{-1}`` act on every column of a square matrix as on
    the columns of a coefficient array.
    """
    return _metric_of_factor(scaling, np.linalg.cholesky(bound))[0]


def _metric_of_factor(scaling, factor):
    """:func:`factored_metric` of ``bound = factor factor^T``; and ``factor^{-1}``."""
    factor_inverse = lower_inverse(factor)
    matrix = scaling.to_coef(factor_inverse.T)
    inverse = factor.T @ scaling.from_coef(np.eye(factor.shape[0]))
    return DenseMetric(matrix, inverse), factor_inverse


def hessian_in(loss, coef, scaling, proba=None):
    """``(J, gradient, Hessian)`` at ``coef`` in the coordinates of ``scaling``.

    ``coef`` is in the user's coordinates; ``scaling`` a
    :func:`standardizing_metric` (which ``loss.hessian_at`` forms its rows
    with). The penalty is added to the data term's
    :meth:`~._base.LogLoss.hessian_at`: for the softmax, the Hessian is on
    the classes' zero-sum subspace (see :mod:`~._curvature`), the gradient
    on all classes. Float64. ``proba``, the probabilities at ``coef``, is
    passed on to ``hessian_at``: where the loss uses them, ``J`` and the
    gradient are None.
    """
    d = loss.n_features
    w = np.asarray(coef, dtype=np.float64)
    u = scaling.from_coef(w)
    objective, grad, hessian = loss.hessian_at(u, scaling.mean, scaling.inv_scale, proba)
    if objective is not None:
        weights = w[:d]
        scaled = loss.alpha * weights
        objective += 0.5 * float(np.vdot(scaled, weights))
        grad[:d] += scaled * scaling.inv_scale[:, None]  # T^T of the penalty's gradient
    n_coef = d + loss.fit_intercept
    hessian = np.ascontiguousarray(hessian)
    diagonal = hessian.reshape(-1)[:: hessian.shape[0] + 1]  # a view (C-contiguous)
    for start in range(0, len(diagonal), n_coef):  # each class's weights
        diagonal[start : start + d] += loss.alpha * scaling.inv_scale**2
    return objective, grad, hessian


def _coupled_hessian_metric(loss, scaling, hessian):
    """The softmax's Hessian metric over whole coefficient arrays (:class:`CoupledMetric`).

    ``hessian`` is on the classes' zero-sum subspace (coordinates ``(m, j)``
    of ``W Q``, see :mod:`~._curvature`). Along the class-common directions,
    which it leaves out, ``J`` has the curvature of the penalty alone,
    ``alpha`` (and none for the intercepts, where any positive value will do:
    ``J`` is flat there): the metric is ``E H E^T + C D C^T`` with ``E`` the
    zero-sum basis and ``C`` the common directions, factored, ``T = S L^{-T}``.
    Built with two matrices of its size alive at most.
    """
    n_coef, k = loss.n_features + loss.fit_intercept, loss.n_outputs
    r, size = k - 1, n_coef * k
    basis = zero_sum_basis(k)
    blocks = hessian.reshape(r, n_coef, r, n_coef)
    bound = np.einsum("cm,mjnJ,Cn->jcJC", basis, blocks, basis, optimize=True)
    curvature = np.full(n_coef, np.trace(hessian) / hessian.shape[0])
    curvature[: loss.n_features] = loss.alpha * scaling.inv_scale**2
    rows = np.arange(n_coef)
    bound[rows, :, rows, :] += (curvature / k)[:, None, None]  # the common directions
    factor = np.linalg.cholesky(bound.reshape(size, size))
    del bound
    inverse = lower_inverse(factor)  # rows of L^{-1}: the columns of L^{-T}
    del factor
    # T = S L^{-T}: S on each column of L^{-T}, as on a coefficient array.
    columns = scaling.to_coef(inverse.reshape(size, n_coef, k))
    del inverse
    return CoupledMetric(np.ascontiguousarray(columns.reshape(size, size).T))


def make_metric(
    loss,
    kind,
    *,
    gram_rows=4096,
    moment_rows=16384,
    coef=None,
    exact_reference=False,
    proba=None,
):
    """The metric of ``kind`` (``"diagonal"``, ``"gram"``, ``"hessian"``, ``"class_blocks"``).

    ``"gram"`` computes the curvature bound on every ``k``-th row, ``k`` the
    largest stride keeping at least ``gram_rows`` rows (and 16 per
    coefficient); ``"diagonal"`` and ``"gram"`` take the columns' moments on
    dense data over at least ``moment_rows`` rows (see
    :func:`standardizing_metric`). ``"hessian"`` factors the Hessian of ``J`` at ``coef``
    (user's coordinates), with the penalty; for the softmax it couples the
    classes (:class:`CoupledMetric`); for two classes its ``reference``
    (:class:`~._curvature.HessianReference`) bounds later Hessians, with
    ``exact_reference`` from the factor's inverse (a metric taken near the
    optimum: its bound is checked first); ``"class_blocks"`` only the softmax's
    class blocks of the Hessian at ``coef``
    (:func:`~._class_metric.class_block_metric`). ``proba``, a solver's
    probabilities at ``coef``, spares the Hessian's pass for the logits
    (see :func:`hessian_in`).
    """
    if kind == "class_blocks":
        from ._class_metric import class_block_metric  # it builds on this module

        return class_block_metric(loss, coef)
    if kind == "hessian":
        scaling = standardizing_metric(loss)
        hessian = hessian_in(loss, coef, scaling, proba)[2]
        hessian.reshape(-1)[:: hessian.shape[0] + 1] *= 1.0 + 1e-12  # rounding of a singular H
        if loss.n_outputs == 1:
            metric, factor_inverse = _metric_of_factor(scaling, np.linalg.cholesky(hessian))
            metric.standard = scaling  # the stopping rule's centring and scaling too
            if "logit_space" in loss.supports:  # for the stopping rule's certificate
                if not exact_reference:
                    factor_inverse = None
                metric.reference = HessianReference(
                    loss, coef, scaling, hessian, ridge=1e-12, inverse_factor=factor_inverse
                )
            return metric
        return _coupled_hessian_metric(loss, scaling, hessian)
    c = loss._curvature()
    if kind == "diagonal":
        return standardizing_metric(loss, curvature=c, alpha=loss.alpha, rows=moment_rows)
    # The bound's factor absorbs any scaling of the columns: the plain
    # standardization, which the Hessian's metric and the certificates use
    # too (on small data they share its centred rows, see hessian_at).
    scaling = standardizing_metric(loss, rows=moment_rows)
    rows = max(gram_rows, 16 * (loss.n_features + 1))
    stride = max(1, loss.n_samples // rows)
    bound = np.ascontiguousarray(c * loss.centred_gram(scaling.mean, scaling.inv_scale, stride))
    n_coef, d = bound.shape[0], loss.n_features
    diagonal = bound.reshape(-1)[:: n_coef + 1]  # a view: bound is C-contiguous
    # A ridge of 1e-6 of the data term's average eigenvalue keeps the factor
    # well defined for duplicated columns and alpha = 0.
    ridge = 1e-6 * max(diagonal.sum() / n_coef, 1e-300)
    diagonal[:d] += loss.alpha * scaling.inv_scale**2
    diagonal += ridge
    return factored_metric(scaling, bound)


class PreconditionedLoss:
    """``loss`` in the coordinates ``u`` of ``metric`` (``w = T u``).

    Offers the loss contract of ``loss`` (its capabilities included):
    objective values are those of ``loss``; coefficients, gradients and
    coefficient directions are in ``u``; logits are ``loss``'s.
    """

    def __init__(self, loss, metric):
        self.base, self.metric = loss, metric
        for name in (
            "n_samples",
            "n_features",
            "n_classes",
            "n_outputs",
            "fit_intercept",
            "alpha",
            "dtype",
            "coef_shape",
            "data_nbytes",
            "weight_sum",
            "supports",
        ):
            setattr(self, name, getattr(loss, name))

    def _coef(self, u):
        return self.metric.to_coef(u).astype(self.dtype, copy=False)

    def _grad(self, grad):
        return self.metric.gradient(grad).astype(self.dtype, copy=False)

    def init_coef(self):
        return self.base.init_coef()

    def objective(self, coef):
        return self.base.objective(self._coef(coef))

    def objective_gradient(self, coef):
        objective, grad = self.base.objective_gradient(self._coef(coef))
        return objective, self._grad(grad)

    def objective_gradient_at(self, coef, logits, proba_out):
        objective, grad = self.base.objective_gradient_at(self._coef(coef), logits, proba_out)
        return objective, self._grad(grad)

    def logits(self, coef, out=None):
        return self.base.logits(self._coef(coef), out=out)

    def empty_logits(self, n_directions=None):
        return self.base.empty_logits(n_directions)

    def combine_into_first(self, weights, directions):
        return self.base.combine_into_first(weights, directions)

    def hessian_forms(self, proba, logit_directions, coef_directions):
        forms = self.base.hessian_forms(proba, logit_directions, self._coef(coef_directions))
        # Symmetric by definition, but sums need not round so; a solver may
        # factor one triangle and solve with the whole matrix.
        forms += forms.T
        forms *= 0.5
        return forms

    def subsample(self, stride):
        coarse = self.base.subsample(stride)
        return None if coarse is None else PreconditionedLoss(coarse, self.metric)

    def lipschitz_bound(self, n_iter=30, rtol=1e-3):
        """The Lipschitz bound of the gradient in the coordinates ``u``.

        The largest eigenvalue of ``T^T (c Xt^T S Xt / sum(s) + alpha D) T``
        by power iteration (about 1 for the ``"gram"`` metric, whose ``T``
        was made to whiten that bound).
        """
        base = self.base
        c = base._curvature()
        # The bound acts on each class column alike: a per-class metric needs
        # one column; a coupled one, whole coefficient arrays.
        coupled = getattr(self.metric, "couples_classes", False)
        shape = self.coef_shape if coupled else (self.coef_shape[0], 1)

        def bound_product(v):
            w = self.metric.to_coef(v.reshape(shape))
            product = np.stack(
                [c * base._scale * base._gram_product(column) for column in w.T], axis=1
            )
            product[: self.n_features] += self.alpha * w[: self.n_features]
            return self.metric.gradient(product).ravel()

        return power_iteration(bound_product, shape[0] * shape[1], n_iter=n_iter, rtol=rtol)

    def trace_bound(self):
        """A first estimate of :meth:`lipschitz_bound` (five power steps)."""
        return self.lipschitz_bound(n_iter=5)
