"""The loss contract: what every loss object offers the solvers.

A loss object binds data (a design matrix ``X``, class codes ``y`` and sample
weights ``s``) to the penalized log loss of a linear model,

.. math::

    J(W, b) = \\frac{\\sum_i s_i \\ell_i}{\\sum_i s_i} + \\frac{\\alpha}{2} \\|W\\|_F^2,

with :math:`\\ell_i` the log loss of sample :math:`i` computed from its
logits :math:`z_i = W^T x_i + b` (sigmoid for two classes, softmax for more).
Solvers and policy use nothing else of a loss than what :class:`LogLoss`
states; every loss class derives from it.
"""

import numpy as np

from ._curvature import centred_rows, curvature_sums, max_quadratic_form
from ._linear import BLOCK_BYTES

__all__ = ["InMemoryLoss", "LogLoss", "is_uniform", "power_iteration", "uniform_weights"]


class LogLoss:
    """Base class and contract of the loss objects.

    Coefficients are one small 2-D NumPy array ``coef`` of shape
    ``coef_shape = (n_features + fit_intercept, n_outputs)``: column ``k``
    holds the weights of logit ``k`` and, when ``fit_intercept``, the last row
    the intercepts. ``n_outputs`` is 1 for two classes (one logit through the
    sigmoid) and ``n_classes`` otherwise (softmax). The weights are divided by
    their sum once, when the loss is built; the data term is a sum over
    blocks of rows of the functions of :mod:`~._linear`, to which the penalty
    is added once (:meth:`_finish`). A subclass sets the attributes (through
    :meth:`_init_model`) and supplies :meth:`_data_sums`,
    :meth:`_gram_product` and :meth:`_weighted_sq_norm_sum`.

    Attributes
    ----------
    n_samples, n_features, n_classes, n_outputs : int
    fit_intercept : bool
    alpha : float
        L2 penalty strength on the weights (never on the intercepts).
    dtype : numpy.dtype
        float32 or float64: the dtype of the data, the computations and the
        coefficients.
    coef_shape : tuple
    data_nbytes : int
        Bytes of the data ``X`` (its stored values and indices when sparse).
    weight_sum : float
        The sum of the sample weights as given (before normalization).
    supports : frozenset of str
        Capabilities beyond the methods below:

        - ``"logit_space"``: ``logits(coef, out=None)``,
          ``empty_logits(n_directions=None)``, ``combine_into_first(weights,
          directions)``, ``objective_gradient_at(coef, logits, proba_out)``
          and ``hessian_forms(proba, logit_directions, coef_directions)``;
          logits are laid out ``(n_outputs, n_samples)`` in the namespace of
          the data, stacks of them ``(k, n_outputs, n_samples)``;
        - ``"subsample"``: ``subsample(stride)``, the same objective on every
          ``stride``-th sample (None when a class has no weight there);
        - ``"hessian"``: :meth:`hessian_at` and :meth:`max_row_form`, the
          exact Hessian at a point for the stopping rule's certificate;
        - ``"lean_logit_space"``: the logit-space methods spare a solver
          arrays of logits: ``hessian_forms`` takes ``proba`` as
          ``logit_directions[0]`` and writes the logits of the first
          direction there, ``objective_gradient_at`` takes ``logits=None``
          (made from ``coef`` a block at a time).

    Methods
    -------
    init_coef()
        All-zero coefficients.
    objective(coef)
        ``J`` at ``coef``.
    objective_gradient(coef)
        ``J`` and its gradient (an array like ``coef``, in ``dtype``).
    lipschitz_bound(n_iter=30, rtol=1e-3)
        An estimate from below of the Lipschitz constant of the gradient.
    trace_bound()
        An upper bound on it from one pass over the data.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_logloss._loss import LinearLogLoss, LogLoss
    >>> loss = LinearLogLoss(np.eye(2), np.array([0, 1]), np.ones(2),
    ...                      n_classes=2, alpha=0.0, fit_intercept=False)
    >>> isinstance(loss, LogLoss), sorted(loss.supports)
    (True, ['hessian', 'lean_logit_space', 'logit_space', 'subsample'])
    >>> round(loss.objective(loss.init_coef()), 6)  # log(2)
    0.693147
    """

    supports = frozenset()
    #: The fixed metric of the coordinates the solvers see (see
    #: :mod:`~._precondition`): None for a loss in the user's coefficients.
    metric = None
    #: The factor of the data term's sums: 1 unless the weights of a
    #: subsample are its parent's normalized ones, kept as they are (see _init_model).
    _scale = 1.0

    def _init_model(self, y, sample_weight, n_classes, alpha, fit_intercept, weight_unit=None):
        """Set the model, the class codes and the weights (host, NumPy).

        ``self.dtype`` must be set. The weights as given are divided by their
        sum once (``_weight``, in ``dtype``), so that the sums over rows are
        already means. A subsample passes weights already divided by
        ``weight_unit`` (its parent's weight sum) and keeps them as they are:
        its sums are scaled by ``_scale``, the inverse of their total, once
        at the end (:meth:`_finish`, the bounds, the Hessian forms).
        """
        self.n_classes = n_classes
        self.n_outputs = 1 if n_classes == 2 else n_classes
        self.alpha = float(alpha)
        self.fit_intercept = bool(fit_intercept)
        self._codes = np.asarray(y)
        if self._codes.dtype.kind not in "iu":
            self._codes = self._codes.astype(np.intp)
        if weight_unit is None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
            self.weight_sum = float(sample_weight.sum())
            if sample_weight.size and sample_weight.min() == sample_weight.max():
                # Equal weights: one number, read through a view of stride 0
                # (with few values per row an array of them would be a tenth
                # of sparse data). The same values as dividing each weight.
                one = (sample_weight[:1] / self.weight_sum).astype(self.dtype)
                self._weight = uniform_weights(one[0], sample_weight.size)
            else:
                self._weight = (sample_weight / self.weight_sum).astype(self.dtype)
            self._scale = 1.0
        else:
            self._weight = np.asarray(sample_weight, dtype=self.dtype)
            total = float(np.sum(self._weight, dtype=np.float64))
            self.weight_sum = weight_unit * total
            self._scale = 1.0 / total

    @property
    def coef_shape(self):
        """Shape of the packed coefficient array."""
        return (self.n_features + self.fit_intercept, self.n_outputs)

    def init_coef(self):
        """All-zero coefficients in the data's dtype."""
        return np.zeros(self.coef_shape, dtype=self.dtype)

    def objective(self, coef):
        """Objective ``J`` at ``coef`` (one pass over ``X``, no gradient)."""
        coef = np.asarray(coef, dtype=self.dtype)
        return self._data_sums(coef, gradient=False)[0] * self._scale + self._penalty(coef)

    def objective_gradient(self, coef):
        """Objective ``J`` and its gradient at ``coef`` from one pass of logits.

        Returns
        -------
        objective : float
        gradient : ndarray of the shape and dtype of ``coef``
            ``Xt^T (P - Y) s / sum(s) + alpha W`` (no penalty on the
            intercept row).
        """
        coef = np.asarray(coef, dtype=self.dtype)
        return self._finish(coef, *self._data_sums(coef, gradient=True))

    def _data_sums(self, coef, gradient):
        """``(loss sum, float64 gradient sum or None)`` of the data term over all rows."""
        raise NotImplementedError

    def _penalty(self, coef):
        weights = np.asarray(coef[: self.n_features], dtype=np.float64)
        return 0.5 * float(np.vdot(self.alpha * weights, weights))

    def _finish(self, coef, loss, grad):
        """Add the penalty to the data term's ``loss`` and float64 ``grad`` (host arrays)."""
        if self._scale != 1.0:
            loss *= self._scale
            grad *= self._scale
        if self.alpha:
            weights = np.asarray(coef[: self.n_features], dtype=np.float64)
            scaled = self.alpha * weights
            grad[: self.n_features] += scaled
            loss += 0.5 * float(np.vdot(scaled, weights))
        return loss, grad.astype(self.dtype, copy=False)

    def _penalty_forms(self, coef_directions):
        """``alpha <d_i, d_j>`` over the weights of a stack of coefficient arrays."""
        k = len(coef_directions)
        weights = np.asarray(coef_directions[:, : self.n_features], dtype=np.float64)
        weights = weights.reshape(k, -1)
        return self.alpha * (weights @ weights.T)

    def _curvature(self):
        # Largest second derivative of the pointwise loss w.r.t. the logits:
        # p (1 - p) <= 1/4 for the sigmoid; the largest eigenvalue of
        # diag(p) - p p^T is at most 1/2 for the softmax.
        return 0.25 if self.n_outputs == 1 else 0.5

    def trace_bound(self):
        """A cheap upper bound on the Lipschitz constant of the gradient.

        ``c * trace(Xt^T S Xt) / sum(s) + alpha`` with ``Xt`` the data with a
        column of ones when fitting an intercept and ``c`` the largest
        curvature of the pointwise loss (1/4 for the sigmoid, 1/2 for the
        softmax): the trace bounds the largest eigenvalue. One pass over
        ``X``; it exceeds the constant by at most a factor ``n_features +
        fit_intercept``.
        """
        total = self._weighted_sq_norm_sum() * self._scale
        return self._curvature() * (total + self.fit_intercept) + self.alpha

    def lipschitz_bound(self, n_iter=30, rtol=1e-3):
        """An estimate of the Lipschitz constant of the gradient.

        ``L = c * lambda_max(Xt^T S Xt) / sum(s) + alpha`` (see
        :meth:`trace_bound` for ``c`` and ``Xt``), with ``lambda_max`` found
        by power iteration from a fixed start vector, so the estimate is
        reproducible; it approaches the true value from below, and gradient
        descent converges for any step below ``2 / L``, so ``1 / L`` keeps a
        safety margin of 2. Each power step is one :meth:`_gram_product`.
        """
        eig = power_iteration(
            self._gram_product, self.n_features + self.fit_intercept, n_iter=n_iter, rtol=rtol
        )
        return self._curvature() * eig * self._scale + self.alpha

    def column_moments(self):
        """Weighted means and mean squares of the columns of ``X`` (float64, host).

        ``sum_i s_i x_ij / sum(s)`` and ``sum_i s_i x_ij^2 / sum(s)``: one pass
        over ``X`` the first time (for the metrics of :mod:`~._precondition`),
        kept for the next: the data and weights of a loss do not change.
        """
        if getattr(self, "_moments", None) is None:
            first, second = self._moment_sums()
            self._moments = (first * self._scale, second * self._scale)
        first, second = self._moments
        return first.copy(), second.copy()

    def hessian_at(self, coef, mean, inv_scale, proba=None):
        """The data term, its gradient and its Hessian at ``coef`` (float64, host).

        In the centred, scaled coordinates of :mod:`~._curvature` (rows
        ``((x - mean) * inv_scale, 1)``; ``coef`` float64 in those
        coordinates); the Hessian of the softmax on the classes' zero-sum
        subspace. One pass over ``X``, ``O(n_samples n_coef^2 r^2)`` with
        ``r = max(1, n_outputs - 1)``; offered where ``"hessian"`` is in
        :attr:`supports`. ``proba``, the probabilities at ``coef`` as
        :meth:`objective_gradient_at` records them, spares the pass for the
        logits where the loss can take them (NumPy data in memory): the data
        term and its gradient are then None.
        """
        loss, grad, hessian = self._curvature_sums(coef, mean, inv_scale, proba)
        if loss is None:
            return None, None, hessian * self._scale
        return loss * self._scale, grad * self._scale, hessian * self._scale

    def max_row_form(self, quad, mean, inv_scale):
        """``max_i z_i^T quad z_i`` over the rows with weight, ``z`` as in :meth:`hessian_at`."""
        return self._max_quadratic_form(quad, mean, inv_scale)

    def centred_gram(self, mean, inv_scale, stride=1):
        """``Z^T S Z / sum(s)`` on every ``stride``-th row (float64, host).

        ``Z`` holds the rows' ``(x - mean) * inv_scale`` and, when fitting an
        intercept, a column of ones; ``S`` their weights. The curvature bound
        of :mod:`~._precondition` is a multiple of it.
        """
        gram, total = self._gram_sums(mean, inv_scale, stride)
        return gram / total


def uniform_weights(value, size):
    """``size`` equal weights ``value``: a read-only view of one number (stride 0).

    Examples
    --------
    >>> import numpy as np
    >>> weight = uniform_weights(np.float64(0.25), 4)
    >>> weight.tolist(), weight.strides, is_uniform(weight)
    ([0.25, 0.25, 0.25, 0.25], (0,), True)
    """
    return np.broadcast_to(np.asarray(value), (size,))


def is_uniform(weight):
    """Whether ``weight`` is a view of one number (from :func:`uniform_weights`)."""
    return isinstance(weight, np.ndarray) and weight.ndim == 1 and weight.strides == (0,)


def power_iteration(operator, size, *, n_iter, rtol):
    """The largest eigenvalue of a symmetric positive semi-definite ``operator``.

    Power iteration from a fixed start vector (so the estimate is
    reproducible) on float64 vectors of ``size``; it stops after ``n_iter``
    products or when the estimate changes by at most ``rtol`` relative. The
    estimate approaches the eigenvalue from below; it is finite whenever the
    products are (no overflow in their norms).

    Examples
    --------
    >>> import numpy as np
    >>> round(power_iteration(lambda v: np.diag([1.0, 3.0]) @ v, 2, n_iter=100, rtol=1e-12), 6)
    3.0
    """
    v = 1.0 + 0.1 * np.random.default_rng(0).standard_normal(size)
    v /= _norm(v)
    eig = 0.0
    for _ in range(n_iter):
        new_v = operator(v)
        new_eig = _norm(new_v)
        if new_eig == 0.0:
            break
        v = new_v / new_eig
        converged = abs(new_eig - eig) <= rtol * new_eig
        eig = new_eig
        if converged:
            break
    return eig


def _norm(v):
    """The Euclidean norm of a float64 vector, also where its square overflows.

    numpy's norm squares the entries (entries past 1e154 overflow, as the
    Gram products of data of size 1e100 do); only then is the vector scaled
    by its largest entry first, so ordinary vectors get numpy's value.
    """
    with np.errstate(over="ignore"):
        norm = float(np.linalg.norm(v))
    if np.isfinite(norm) or not np.all(np.isfinite(v)):
        return norm
    scale = float(np.max(np.abs(v)))
    return scale * float(np.linalg.norm(v / scale))


class InMemoryLoss(LogLoss):
    """A loss whose data ``X`` is one array (NumPy, sparse, or of another namespace).

    Offers ``"logit_space"`` and ``"subsample"``. A subclass stores ``X``
    and supplies, beyond what :class:`LogLoss` asks, ``_empty(shape)`` (an
    uninitialized array in the data's namespace), ``_add_data_forms``
    (the data term of :meth:`hessian_forms`), ``logits``,
    ``combine_into_first`` and ``objective_gradient_at``; ``_placement``
    names its constructor arguments beyond the data and the model.
    """

    supports = frozenset({"logit_space", "subsample", "hessian"})
    _placement = ()

    def _curvature_sums(self, coef, mean, inv_scale, proba=None):
        xp = getattr(self, "xp", np)
        if xp is not np or not isinstance(proba, np.ndarray):
            proba = None
        return curvature_sums(
            self.X,
            self._codes,
            self._weight,
            coef,
            mean,
            inv_scale,
            self.fit_intercept,
            xp,
            self._curvature_block_bytes,
            rows=self._centred_rows(mean, inv_scale),
            proba=proba,
        )

    def _max_quadratic_form(self, quad, mean, inv_scale):
        xp = getattr(self, "xp", np)
        return max_quadratic_form(
            self.X,
            self._weight,
            quad,
            mean,
            inv_scale,
            self.fit_intercept,
            xp,
            self._curvature_block_bytes,
            rows=self._centred_rows(mean, inv_scale),
        )

    def _centred_rows(self, mean, inv_scale):
        """All rows centred and scaled (see :func:`~._curvature.centred_rows`), or None.

        Only where they are one chunk of the curvature sums (small data):
        they are then kept for the next call with the same centring and
        scaling (the Hessian's metric, then the certificates, use one).
        """
        if self._curvature_block_bytes < 16 * self.n_samples * (self.n_features + 1):
            return None
        kept = getattr(self, "_kept_rows", None)
        if kept is None or not (
            np.array_equal(kept[0], mean) and np.array_equal(kept[1], inv_scale)
        ):
            xp = getattr(self, "xp", np)
            rows = centred_rows(self.X, 0, self.n_samples, mean, inv_scale, self.fit_intercept, xp)
            kept = self._kept_rows = (np.array(mean), np.array(inv_scale), rows)
        return kept[2]

    @property
    def _curvature_block_bytes(self):
        # The certificate's temporaries (a chunk's centred rows and their
        # weighted copy, float64) stay small next to X (sparse X has few
        # bytes per row, and its rows are densified there); where those of
        # all rows take at most BLOCK_BYTES, all rows at once (one chunk:
        # each costs a few small products and their fixed overhead).
        all_rows = 16 * self.n_samples * (self.n_features + 1)
        if all_rows <= BLOCK_BYTES:
            return all_rows
        return min(BLOCK_BYTES, max(0.05 * self.data_nbytes, BLOCK_BYTES / 8))

    @property
    def n_samples(self):
        """Number of rows of the data."""
        return self.X.shape[0]

    @property
    def data_nbytes(self):
        """Bytes of the data ``X`` (its stored values and indices when sparse)."""
        X = self.X
        if hasattr(X, "indptr"):
            return sum(a.nbytes for a in (X.data, X.indices, X.indptr))
        return X.shape[0] * X.shape[1] * self.dtype.itemsize

    def empty_logits(self, n_directions=None):
        """An uninitialized array of the shape and dtype of ``logits``, in the data's namespace.

        Shape ``(n_outputs, n_samples)``; with ``n_directions``, a stack of
        that many, shape ``(n_directions, n_outputs, n_samples)``.
        """
        shape = (self.n_outputs, self.X.shape[0])
        if n_directions is not None:
            shape = (n_directions, *shape)
        return self._empty(shape)

    def subsample(self, stride):
        """The same objective on every ``stride``-th sample: a coarse problem.

        Its minimizer is a cheap starting point for this problem (see
        :func:`~.._solvers.coarse_start`). A dense ``X[::stride]`` is a view
        (no copy of ``X``); slicing a sparse matrix copies those rows. The
        normalized weights of those samples are kept as they are, not
        normalized again: the subsample's sums are divided by their total
        once (``_scale``).
        Returns None when some class has no weight among those samples (its
        problem could lack a minimizer).
        """
        # A contiguous copy of every stride-th normalized weight (not a strided
        # view: the pointwise kernels stream it; equal weights stay one
        # number), not normalized again.
        codes, weight = self._codes[::stride], self._weight[::stride]
        if not is_uniform(weight):
            weight = np.ascontiguousarray(weight)
        if np.bincount(codes, weights=weight, minlength=self.n_classes).min() <= 0:
            return None
        return type(self)(
            self.X[::stride, ...],
            codes,
            weight,
            n_classes=self.n_classes,
            alpha=self.alpha,
            fit_intercept=self.fit_intercept,
            weight_unit=self.weight_sum * self._scale,
            **{name: getattr(self, name) for name in self._placement},
        )

    def hessian_forms(self, proba, logit_directions, coef_directions):
        """The matrix ``d_i^T H d_j`` of the Hessian ``H`` of ``J`` on directions.

        ``H`` is taken where ``proba`` was recorded by
        ``objective_gradient_at``. ``coef_directions`` is an array of ``k``
        coefficient arrays ``d_i`` and ``logit_directions`` the stack of
        their logits (``logits(d_i)``, from ``empty_logits``). The data term
        is :func:`~._linear.hessian_form_sums`; the penalty adds ``alpha
        <d_i, d_j>`` over the weights.

        Where :attr:`supports` has ``"lean_logit_space"``, ``proba`` may
        be ``logit_directions[0]`` itself: the logits of ``d_0`` are then made
        in the same pass and written there, over the probabilities (no array
        of all logits besides: one fewer for a solver to keep).
        """
        k = len(coef_directions)
        forms = self._penalty_forms(coef_directions)
        extra = {}
        if "lean_logit_space" in self.supports and np.may_share_memory(
            proba, logit_directions[0, ...]
        ):
            extra["first"] = np.asarray(coef_directions[0], dtype=self.dtype)
        if self._scale == 1.0:
            return self._add_data_forms(proba, logit_directions[:k, ...], forms, **extra)
        data = np.zeros_like(forms)
        data = self._add_data_forms(proba, logit_directions[:k, ...], data, **extra)
        return forms + self._scale * data
