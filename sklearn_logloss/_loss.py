"""The log loss of a linear model: the only place its math lives.

Two layers, in the spirit of scikit-learn's ``_loss`` / ``_linear_loss`` split:

* :func:`binary_loss_gradient` and :func:`multinomial_loss_gradient` are the
  pointwise losses. From one pass over the logits (one ``exp`` and one ``log``
  per logit) they return the weighted *sum* of the per-sample log losses and,
  in the logits' buffer, its derivative with respect to the logits,
  ``s_i * (p_i - y_i)``. Sums (not means) so that blocks of rows add up.
* :class:`LinearLogLoss` binds a design matrix, targets and weights to those
  functions and adds what makes it a linear model: the coefficient layout,
  the intercept, the normalization by the total weight and the L2 penalty.

The objective is

.. math::

    J(W, b) = \\frac{\\sum_i s_i \\ell_i}{\\sum_i s_i} + \\frac{\\alpha}{2} \\|W\\|_F^2

with :math:`\\ell_i` the log loss of sample :math:`i` computed from its logits.
Every solver in :mod:`sklearn_logloss._solvers` works on this object only.

Speed and memory. A dense C-contiguous ``X`` is swept in blocks of rows small
enough to stay in the CPU cache: each block computes its logits ``X_b W``, its
losses and residuals, and adds ``X_b^T R_b`` to the gradient while ``X_b`` is
still cached, so one evaluation of ``J`` and its gradient reads ``X`` from
memory once (cheaper than ``X @ W`` plus ``X.T @ R``), and all buffers are
block-sized and allocated once: fitting never copies ``X`` and allocates no
``n_samples x n_classes`` array per iteration. Multiclass logits are laid out
``(n_classes, n_rows)`` so that the softmax reductions over classes run along
contiguous memory. Sparse ``X`` is used as one block (slicing it would copy).
"""

import numpy as np
import scipy.sparse as sp

__all__ = [
    "SMALL_LOGITS",
    "LinearLogLoss",
    "binary_loss_gradient",
    "make_loss",
    "multinomial_loss_gradient",
]

#: Target size in bytes of the block of rows of a dense ``X`` processed at once.
BLOCK_BYTES = 1 << 21
#: Logit arrays of at most this many numbers (``n_samples * n_outputs``) are
#: "small": their operations cost mostly their call overhead, so the
#: logit-space methods use one matrix product with temporaries there, and a
#: few streaming passes without temporaries on larger ones.
SMALL_LOGITS = 2**12


def binary_loss_gradient(
    logits, sign, sample_weight, *, gradient=True, work=None, proba_out=None, out=None
):
    """Weighted binary log loss and its derivative w.r.t. the logits.

    With ``sign = 1 - 2 y`` (+1 for class 0, -1 for class 1) and
    ``v = sign * z``, the per-sample loss is the softplus
    ``log(1 + exp(v)) = log1p(e) + max(v, 0)`` and its derivative is
    ``p - y = sign * expit(v)``, with ``expit(v) = e / (1 + e)`` for ``v <= 0``
    and ``1 / (1 + e)`` for ``v > 0``, ``e = exp(-|v|)``. One ``exp`` and one
    ``log`` serve both; ``e <= 1`` never overflows. ``log1p(e)`` is computed
    as ``log(u) + (e - (u - 1)) / u`` with ``u = 1 + e`` rounded: ``u - 1``
    and the difference are exact, so the correction restores what the
    rounding of ``u`` lost (within 2 units in the last place of ``log1p``,
    also where ``e`` is below the machine epsilon and ``log(u)`` is 0), and
    numpy's ``log`` is vectorized where its ``log1p`` is not (2x faster).

    Parameters
    ----------
    logits : ndarray of shape (n_samples,)
        Raw scores ``z = X w + b``. Overwritten unless ``out`` is given: on
        return it holds the gradient when ``gradient=True``.
    sign : ndarray of shape (n_samples,)
        ``1 - 2 y`` for targets ``y`` in {0, 1}, in the dtype of ``logits``.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative sample weights.
    gradient : bool, default=True
        Whether to compute the derivative too.
    work : ndarray of shape (3, n_samples), default=None
        Scratch space in the dtype of ``logits``; allocated when None.
    proba_out : ndarray of shape (n_samples,), default=None
        When given (with ``gradient=True``), receives ``expit(v)``, the
        probability of the class *not* observed; ``expit(v) (1 - expit(v))``
        is the second derivative of the loss (see
        :meth:`LinearLogLoss.hessian_forms`).
    out : ndarray of shape (n_samples,), default=None
        Where the gradient (and the intermediate values) go; ``logits``
        itself when None. With a separate ``out``, ``logits`` is only read.

    Returns
    -------
    loss_sum : float
        ``sum_i s_i * loss_i``.
    grad_logits : ndarray of shape (n_samples,) or None
        ``s_i * (p_i - y_i)`` (the ``logits`` buffer); None when
        ``gradient=False``.
    """
    if work is None:
        work = np.empty((3, logits.shape[0]), dtype=logits.dtype)
    if out is None:
        out = logits
    exp_neg, one_plus, scratch = work
    v = np.multiply(logits, sign, out=out)
    np.abs(v, out=exp_neg)
    np.negative(exp_neg, out=exp_neg)
    np.exp(exp_neg, out=exp_neg)
    np.maximum(v, 0.0, out=scratch)
    loss_sum = float(np.dot(scratch, sample_weight))
    if gradient:  # numerator of expit(v): 1 where v > 0, e elsewhere
        np.greater(v, 0.0, out=scratch)
        np.maximum(exp_neg, scratch, out=scratch)
    np.add(exp_neg, 1.0, out=one_plus)
    # v is no longer needed: its buffer takes u - 1, then log1p(e).
    correction = np.subtract(exp_neg, np.subtract(one_plus, 1.0, out=out), out=exp_neg)
    correction /= one_plus
    log1p = np.log(one_plus, out=out)
    log1p += correction
    loss_sum += float(np.dot(log1p, sample_weight))
    if not gradient:
        return loss_sum, None
    if proba_out is None:
        grad = np.divide(scratch, one_plus, out=out)
        grad *= sign
    else:  # expit(v) into proba_out, and from there the gradient
        grad = np.multiply(np.divide(scratch, one_plus, out=proba_out), sign, out=out)
    grad *= sample_weight
    return loss_sum, grad


def multinomial_loss_gradient(
    logits,
    y,
    sample_weight,
    *,
    gradient=True,
    work=None,
    true_index=None,
    proba_out=None,
    out=None,
):
    """Weighted multinomial log loss and its derivative w.r.t. the logits.

    The per-sample loss is ``logsumexp(z_i) - z_{i, y_i}`` and its derivative
    is ``softmax(z_i) - onehot(y_i)``. The logits are shifted by their
    per-sample maximum, so the one ``exp`` of the shifted logits never
    overflows; it gives both the log-normalizer (one ``log`` per sample) and
    the probabilities.

    Parameters
    ----------
    logits : ndarray of shape (n_classes, n_samples)
        Raw scores ``Z^T = (X W + b)^T``, C-contiguous: one row per class so
        that the reductions over classes run along contiguous memory.
        Overwritten unless ``out`` is given: on return it holds the gradient
        when ``gradient=True``.
    y : ndarray of shape (n_samples,)
        Integer class codes in ``[0, n_classes)``.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative sample weights.
    gradient : bool, default=True
        Whether to compute the derivative too.
    work : ndarray of shape (3, n_samples), default=None
        Scratch space in the dtype of ``logits``; allocated when None.
    true_index : ndarray of shape (n_samples,), default=None
        ``y * n_samples + arange(n_samples)``, the flat positions of the true
        classes' logits; computed when None.
    proba_out : ndarray of shape (n_classes, n_samples), default=None
        When given (with ``gradient=True``), receives ``softmax(z_i)``.
    out : ndarray of shape (n_classes, n_samples), default=None
        C-contiguous; where the gradient goes, ``logits`` itself when None.
        With a separate ``out``, ``logits`` is only read.

    Returns
    -------
    loss_sum : float
        ``sum_i s_i * loss_i``.
    grad_logits : ndarray of shape (n_classes, n_samples) or None
        ``s_i * (softmax(z_i) - onehot(y_i))`` (the ``logits`` buffer); None
        when ``gradient=False``.
    """
    n_samples = logits.shape[1]
    if work is None:
        work = np.empty((3, n_samples), dtype=logits.dtype)
    if true_index is None:
        true_index = np.asarray(y, dtype=np.intp) * n_samples + np.arange(n_samples)
    shift, true_logit, scratch = work
    np.max(logits, axis=0, out=shift)
    logits = np.subtract(logits, shift, out=logits if out is None else out)
    flat = logits.reshape(-1)
    np.take(flat, true_index, out=true_logit)
    np.exp(logits, out=logits)
    normalizer = np.sum(logits, axis=0, out=shift)
    np.log(normalizer, out=scratch)
    loss_sum = float(np.dot(scratch, sample_weight)) - float(np.dot(true_logit, sample_weight))
    if not gradient:
        return loss_sum, None
    if proba_out is None:
        logits *= np.divide(sample_weight, normalizer, out=scratch)
    else:
        logits /= normalizer
        np.copyto(proba_out, logits)
        logits *= sample_weight
    flat[true_index] -= sample_weight
    return loss_sum, logits


class _LinearLayout:
    """What every loss object shares: the packed coefficients and the penalty.

    Coefficients are a small NumPy array of shape ``(n_features +
    fit_intercept, n_outputs)``: the weights, then the intercept row. Needs
    ``n_features``, ``fit_intercept``, ``n_outputs``, ``alpha`` and ``dtype``.
    """

    #: What the loss offers beyond the methods every loss has (see the loss
    #: contract in ``docs/developers.rst``): ``"logit_space"`` (``logits``,
    #: ``empty_logits``, ``combine_into_first``, ``objective_gradient_at``,
    #: ``hessian_forms``) and ``"subsample"``.
    supports = frozenset({"logit_space", "subsample"})

    @property
    def coef_shape(self):
        """Shape of the packed coefficient array."""
        return (self.n_features + self.fit_intercept, self.n_outputs)

    @property
    def n_samples(self):
        """Number of rows of the data."""
        return self.X.shape[0]

    @property
    def data_nbytes(self):
        """Bytes of the data ``X`` (its stored values and indices when sparse)."""
        X = self.X
        if sp.issparse(X):
            return sum(a.nbytes for a in (X.data, X.indices, X.indptr))
        return X.shape[0] * X.shape[1] * self.dtype.itemsize

    def init_coef(self):
        """All-zero coefficients in the data's dtype."""
        return np.zeros(self.coef_shape, dtype=self.dtype)

    def _init_model(self, y, sample_weight, *, n_classes, alpha, fit_intercept):
        """Set the model and the per-sample class codes and weights (host, NumPy).

        The weights are normalized once (so that the pointwise sums are
        already means) and cast to ``self.dtype``, which must be set.
        """
        self.n_classes = n_classes
        self.n_outputs = 1 if n_classes == 2 else n_classes
        self.alpha = float(alpha)
        self.fit_intercept = bool(fit_intercept)
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        self.weight_sum = float(sample_weight.sum())
        self._sample_weight = (sample_weight / self.weight_sum).astype(self.dtype)
        self._codes = np.asarray(y, dtype=np.intp)

    def _penalty(self, coef):
        weights = np.asarray(coef[: self.n_features], dtype=np.float64)
        return 0.5 * float(np.vdot(self.alpha * weights, weights))

    def _finish(self, coef, loss, grad):
        """Add the penalty to the data term's ``loss`` and float64 ``grad`` (host arrays)."""
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

    def subsample(self, stride):
        """The same objective on every ``stride``-th sample: a coarse problem.

        Its minimizer is a cheap starting point for this problem (see
        :func:`~._solvers.coarse_start`). A dense ``X[::stride]`` is a view
        (no copy of ``X``); slicing a sparse matrix copies those rows. Returns
        None when some class has no weight among those samples (its problem
        could lack a minimizer). Uses what :meth:`_init_model` set and
        ``_placement``, the names of the class's further constructor
        arguments.
        """
        codes, weight = self._codes[::stride], self._sample_weight[::stride]
        if np.bincount(codes, weights=weight, minlength=self.n_classes).min() <= 0:
            return None
        return type(self)(
            self.X[::stride, ...],
            codes,
            weight,
            n_classes=self.n_classes,
            alpha=self.alpha,
            fit_intercept=self.fit_intercept,
            **{name: getattr(self, name) for name in self._placement},
        )

    def lipschitz_bound(self, n_iter=30, rtol=1e-3):
        """An estimate of the Lipschitz constant of the gradient.

        ``L = c * lambda_max(Xt^T S Xt) / sum(s) + alpha`` (see
        :meth:`LinearLogLoss.trace_bound` for ``c`` and ``Xt``), with
        ``lambda_max`` found by power iteration from a fixed start vector, so
        the estimate is reproducible; it approaches the true value from below,
        and gradient descent converges for any step below ``2 / L``, so
        ``1 / L`` keeps a safety margin of 2. Each power step is one
        :meth:`_gram_product`, the only part a loss object supplies.
        """
        v = 1.0 + 0.1 * np.random.default_rng(0).standard_normal(
            self.n_features + self.fit_intercept
        )
        v /= np.linalg.norm(v)
        eig = 0.0
        for _ in range(n_iter):
            new_v = self._gram_product(v)
            new_eig = float(np.linalg.norm(new_v))
            if new_eig == 0.0:
                break
            v = new_v / new_eig
            converged = abs(new_eig - eig) <= rtol * new_eig
            eig = new_eig
            if converged:
                break
        return self._curvature() * eig + self.alpha


class LinearLogLoss(_LinearLayout):
    """Penalized log loss of a linear model on fixed data.

    Coefficients are one 2-D array ``coef`` of shape
    ``(n_features + fit_intercept, n_outputs)``: column ``k`` holds the
    weights of logit ``k`` and, when ``fit_intercept``, its last row holds the
    intercepts. ``n_outputs`` is 1 for two classes (one logit through the
    sigmoid) and ``n_classes`` otherwise (softmax).

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data (float32 or float64; computations run in its dtype).
        Never copied.
    y : ndarray of shape (n_samples,)
        Integer class codes in ``[0, n_classes)``.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights with a positive sum.
    n_classes : int
        Number of classes (at least 2).
    alpha : float
        L2 penalty strength on the weights (never on the intercepts).
    fit_intercept : bool
        Whether the model has intercepts.
    """

    _placement = ()  # no constructor arguments beyond the data and the model

    def __init__(self, X, y, sample_weight, *, n_classes, alpha, fit_intercept):
        if not sp.issparse(X):
            X = np.asarray(X)
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        self.X = X
        self._sparse = sp.issparse(X)
        self.dtype = X.dtype
        n_samples, self.n_features = X.shape
        self._init_model(
            y, sample_weight, n_classes=n_classes, alpha=alpha, fit_intercept=fit_intercept
        )
        self._weight, codes = self._sample_weight, self._codes
        self._sign = (1 - 2 * codes).astype(self.dtype) if self.n_outputs == 1 else None

        # Blocks of rows need contiguous rows: a C-contiguous X or a view of
        # every k-th of its rows (a coarse problem, see subsample).
        blocked = not sp.issparse(X) and (X.flags.c_contiguous or X.strides[1] == X.itemsize)
        row_bytes = max(1, self.n_features * X.dtype.itemsize)
        rows = max(256, BLOCK_BYTES // row_bytes) if blocked else n_samples
        rows = max(1, min(rows, n_samples))
        self._bounds = [
            (start, min(start + rows, n_samples)) for start in range(0, n_samples, rows)
        ]
        if self.n_outputs > 1:
            self._true_index = [
                codes[start:stop] * (stop - start) + np.arange(stop - start)
                for start, stop in self._bounds
            ]
        self._rows_per_block = rows
        self._buffers = None  # (logits, work) of one block: see _block_buffers
        self._full = None  # (logits, work) of all rows: see _all_rows_buffers
        self._forms_work = None  # scratch of hessian_forms

    def _rows(self, start, stop):
        return self.X if stop - start == self.X.shape[0] else self.X[start:stop]

    def _product(self, X, coef, out):
        """``X W + b`` of ``coef`` into ``out`` of shape (n_outputs, n_rows)."""
        weights = coef[: self.n_features]
        if not weights.any():  # zero weights (a solver's start): no pass over X
            out[...] = 0
        elif self._sparse:
            np.copyto(out, np.asarray(X @ weights).T)
        elif self.n_outputs == 1:
            np.matmul(X, weights[:, 0], out=out[0])
        else:
            np.matmul(weights.T, X.T, out=out)
        if self.fit_intercept:
            out += coef[-1][:, None]
        return out

    def _pointwise(
        self, start, stop, logits, grad, proba_out=None, *, work, true_index=None, out=None
    ):
        """Loss sum of rows ``start:stop`` from their logits.

        Adds the rows' data gradient ``Xt_b^T R_b`` into ``grad`` unless it
        is None; ``proba_out`` receives the probabilities and ``out`` (default:
        ``logits``, overwritten) the residuals (see the pointwise functions).
        """
        X, d, gradient = self._rows(start, stop), self.n_features, grad is not None
        weight = self._weight[start:stop]
        if self.n_outputs == 1:
            loss_sum, residual = binary_loss_gradient(
                logits[0],
                self._sign[start:stop],
                weight,
                gradient=gradient,
                work=work,
                proba_out=None if proba_out is None else proba_out[0],
                out=None if out is None else out[0],
            )
            if gradient:
                grad[:d, 0] += X.T @ residual
                if self.fit_intercept:
                    grad[-1, 0] += residual.sum()
            return loss_sum
        loss_sum, residual = multinomial_loss_gradient(
            logits,
            self._codes[start:stop],
            weight,
            gradient=gradient,
            work=work,
            true_index=true_index,
            proba_out=proba_out,
            out=out,
        )
        if gradient:
            grad[:d] += np.asarray(X.T @ residual.T)
            if self.fit_intercept:
                grad[-1] += residual.sum(axis=1)
        return loss_sum

    def _blocks(self):
        """``(start, stop, logits buffer, work buffer, true-class index)`` per block."""
        for block, (start, stop) in enumerate(self._bounds):
            n_rows = stop - start
            buffer, work = self._block_buffers()
            logits = buffer[: self.n_outputs * n_rows].reshape(self.n_outputs, n_rows)
            index = self._true_index[block] if self.n_outputs > 1 else None
            yield start, stop, logits, work[:, :n_rows], index

    def _sweep(self, coef, grad):
        total = 0.0
        for start, stop, logits, work, index in self._blocks():
            self._product(self._rows(start, stop), coef, logits)
            total += self._pointwise(start, stop, logits, grad, work=work, true_index=index)
        return total

    def objective(self, coef):
        """Objective ``J`` at ``coef`` (one pass over ``X``, no gradient)."""
        coef = np.asarray(coef, dtype=self.dtype)
        return self._sweep(coef, None) + self._penalty(coef)

    def objective_gradient(self, coef):
        """Objective ``J`` and its gradient at ``coef`` from one pass of logits.

        Returns
        -------
        objective : float
        gradient : ndarray of the shape and dtype of ``coef``
            ``X^T (P - Y) s / sum(s) + alpha W`` (and the column sums of the
            weighted residuals for the intercept row).
        """
        coef = np.asarray(coef, dtype=self.dtype)
        grad = np.zeros(self.coef_shape, dtype=np.float64)
        return self._finish(coef, self._sweep(coef, grad), grad)

    # Logit space. The logits are linear in the coefficients, so a solver that
    # keeps them can move along several directions at the cost of pointwise
    # operations only: the methods below take logits it maintains.

    def logits(self, coef, out=None):
        """Logits ``Xt coef`` of every sample, shape (n_outputs, n_samples).

        Linear in ``coef``: the logits of a direction ``d`` (intercept row
        included) are the change of the logits along it.
        """
        coef = np.asarray(coef, dtype=self.dtype)
        if out is None:
            out = self.empty_logits()
        return self._product(self.X, coef, out)

    def empty_logits(self, n_directions=None):
        """An uninitialized array of the shape and dtype of :meth:`logits`.

        With ``n_directions``, a stack of that many, shape
        ``(n_directions, n_outputs, n_samples)``.
        """
        shape = (self.n_outputs, self.X.shape[0])
        if n_directions is not None:
            shape = (n_directions, *shape)
        return np.empty(shape, dtype=self.dtype)

    def combine_into_first(self, weights, directions):
        """``directions[0] = sum_i weights[i] * directions[i]``, in place.

        ``directions`` is a stack from :meth:`empty_logits` with at least
        ``len(weights)`` entries. One matrix product per chunk of
        :data:`SMALL_LOGITS` numbers, so the temporaries stay small (numpy's
        BLAS only: scipy's is a second thread pool, see ``_solvers``).
        """
        k = len(weights)
        weights = np.asarray(weights, dtype=self.dtype)
        stack = directions[:k].reshape(k, -1)
        first = stack[0]
        for start in range(0, first.size, SMALL_LOGITS):
            stop = start + SMALL_LOGITS
            first[start:stop] = weights @ stack[:, start:stop]
        return directions[0]

    def _logit_blocks(self):
        """Blocks for the logit-space methods.

        Two classes: all rows at once (vectors of ``n_samples``, a few percent
        of ``X``; a product with the whole of ``X^T`` streams faster than
        block by block). More classes: the blocks of :meth:`_sweep`, so no
        temporary of shape ``(n_classes, n_samples)`` is made.
        """
        if self.n_outputs > 1:
            yield from self._blocks()
            return
        buffer, work = self._all_rows_buffers()
        yield 0, self.X.shape[0], buffer, work, None

    def _block_buffers(self):
        """The flat logits buffer and the (3, rows) work of one block, made once."""
        if self._buffers is None:
            rows = self._rows_per_block
            self._buffers = (
                np.empty(self.n_outputs * rows, dtype=self.dtype),
                np.empty((3, rows), dtype=self.dtype),
            )
        return self._buffers

    def _all_rows_buffers(self):
        """A logits buffer of shape (1, n_samples) and work of shape (3, n_samples).

        Two classes only. The blocks' buffers become views into these, so a
        fit in logit space keeps one set of buffers.
        """
        if self._full is None:
            full = np.empty((4, self.X.shape[0]), dtype=self.dtype)
            self._full = full[:1], full[1:]
            self._buffers = full[0, : self._rows_per_block], full[1:, : self._rows_per_block]
        return self._full

    def objective_gradient_at(self, coef, logits, proba_out):
        """Objective and gradient at ``coef`` given its ``logits`` (unchanged).

        ``proba_out`` (shape of ``logits``) receives the probabilities that
        :meth:`hessian_forms` needs. No product with ``X`` is made for the
        loss; the gradient makes one with ``X^T``.
        """
        coef = np.asarray(coef, dtype=self.dtype)
        grad = np.zeros(self.coef_shape, dtype=np.float64)
        total = 0.0
        for start, stop, buffer, work, index in self._logit_blocks():
            total += self._pointwise(
                start,
                stop,
                logits[:, start:stop],
                grad,
                proba_out[:, start:stop],
                work=work,
                true_index=index,
                out=buffer,
            )
        return self._finish(coef, total, grad)

    def hessian_forms(self, proba, logit_directions, coef_directions):
        """The matrix ``d_i^T H d_j`` of the Hessian ``H`` of ``J`` on directions.

        ``H`` is taken where ``proba`` was recorded by
        :meth:`objective_gradient_at`. ``coef_directions`` is an array of
        ``k`` coefficient arrays ``d_i`` and ``logit_directions`` the stack of
        their logits (``logits(d_i)``, from :meth:`empty_logits`). The data
        term is ``sum_n s_n u_n^T (diag(p_n) - p_n p_n^T) v_n / sum(s)`` (for
        two classes ``p_n (1 - p_n) u_n v_n``): on small problems one matrix
        product for all ``k^2`` forms, on larger ones a dot product per pair
        (see :data:`SMALL_LOGITS`). The penalty adds ``alpha <d_i, d_j>``
        over the weights.
        """
        k = len(coef_directions)
        forms = self._penalty_forms(coef_directions)
        # Large problems: a dot product per pair, which streams faster than a
        # matrix product with k rows and needs no scratch of k rows; small
        # ones: one matrix product, fewer calls.
        pairwise = logit_directions[0].size > SMALL_LOGITS
        if self.n_outputs == 1:  # all rows at once
            work = self._all_rows_buffers()[1]
            dirs = logit_directions[:k, 0]
            curvature = np.subtract(1.0, proba[0], out=work[0])
            curvature *= proba[0]
            curvature *= self._weight
            if pairwise:
                for i in range(k):
                    weighted = np.multiply(dirs[i], curvature, out=work[1])
                    for j in range(i + 1):
                        forms[i, j] += float(np.dot(weighted, dirs[j]))
                        forms[j, i] = forms[i, j]
            else:
                weighted = np.multiply(
                    dirs, curvature, out=self._forms_buffer(k, dirs.shape[1])[:, 0]
                )
                forms += weighted @ dirs.T
            return forms
        for start, stop, buffer, _, _ in self._blocks():
            weight = self._weight[start:stop]
            p = proba[:, start:stop]
            dirs = logit_directions[:k, :, start:stop]
            # sum_c p_c u_c v_c - (sum_c p_c u_c) (sum_c p_c v_c), per sample
            if pairwise:
                means = []
                for i in range(k):
                    p_dir = np.multiply(p, dirs[i], out=buffer)
                    means.append(p_dir.sum(axis=0))
                    for j in range(i + 1):
                        per_sample = np.einsum("cn,cn->n", p_dir, dirs[j])
                        per_sample -= means[i] * means[j]
                        forms[i, j] += float(np.dot(per_sample, weight))
                        forms[j, i] = forms[i, j]
                continue
            weighted = np.multiply(dirs, p, out=self._forms_buffer(k, stop - start))
            means = weighted.sum(axis=1)
            weighted *= weight
            forms += np.tensordot(weighted, dirs, axes=([1, 2], [1, 2]))
            forms -= (means * weight) @ means.T
        return forms

    def _forms_buffer(self, k, n_rows):
        """Scratch of shape ``(k, n_outputs, n_rows)`` for :meth:`hessian_forms` (small)."""
        size = k * self.n_outputs * n_rows
        if self._forms_work is None or self._forms_work.size < size:
            self._forms_work = np.empty(size, dtype=self.dtype)
        return self._forms_work[:size].reshape(k, self.n_outputs, n_rows)

    def trace_bound(self):
        """A cheap upper bound on the Lipschitz constant of the gradient.

        ``c * trace(Xt^T S Xt) / sum(s) + alpha`` with ``Xt`` the data with a
        column of ones when fitting an intercept: the trace bounds the largest
        eigenvalue. One pass over ``X``; it exceeds the constant by at most a
        factor ``n_features + fit_intercept``.
        """
        total = 0.0
        for start, stop in self._bounds:
            X = self._rows(start, stop)
            if sp.issparse(X):
                norms = np.asarray(X.multiply(X).sum(axis=1)).ravel()
            else:
                norms = np.einsum(
                    "ij,ij->i", X, X, out=self._block_buffers()[1][0, : stop - start]
                )
            total += float(np.dot(norms, self._weight[start:stop]))
        return self._curvature() * (total + self.fit_intercept) + self.alpha

    def _gram_product(self, v):
        """``Xt^T S Xt v / sum(s)`` (float64 ``v`` of ``n_features + fit_intercept``)."""
        d = self.n_features
        v_data = v.astype(self.dtype)
        xv = self.X @ v_data[:d]
        if self.fit_intercept:
            xv = xv + v_data[-1]
        xv = np.asarray(xv, dtype=np.float64) * self._weight
        out = np.empty_like(v)
        out[:d] = self.X.T @ xv.astype(self.dtype, copy=False)
        if self.fit_intercept:
            out[-1] = xv.sum()
        return out


# --------------------------------------------------------------------------
# Array API (any namespace and device: PyTorch, CuPy, array-api-strict, ...)
# --------------------------------------------------------------------------
#
# The same objective as above, written with the array API standard only, for
# data that lives in another library or on a GPU. The pointwise math uses the
# stable forms of the NumPy functions: ``exp(-|v|) <= 1`` for the softplus and
# the sigmoid, a per-sample maximum subtracted before the softmax. Nothing is
# evaluated where it could overflow, so no logit gives a warning, inf or nan.


def _xp_softplus_and_sigmoid(v, xp):
    """``log(1 + exp(v))`` and ``expit(v)`` from one ``exp(-|v|)``."""
    exp_neg = xp.exp(-xp.abs(v))
    ratio = 1 / (1 + exp_neg)  # expit(|v|)
    softplus = (v + xp.abs(v)) / 2 + xp.log1p(exp_neg)
    sigmoid = xp.where(v > 0, ratio, exp_neg * ratio)
    return softplus, sigmoid


def xp_expit_pair(z, xp):
    """``(expit(-z), expit(z))`` without overflow (two-class probabilities)."""
    exp_neg = xp.exp(-xp.abs(z))
    ratio = 1 / (1 + exp_neg)
    small = exp_neg * ratio
    positive = z > 0
    return xp.where(positive, small, ratio), xp.where(positive, ratio, small)


def xp_log_expit(z, xp):
    """``log(expit(z)) = -softplus(-z)``, exact for large ``|z|``."""
    return -_xp_softplus_and_sigmoid(-z, xp)[0]


def xp_log_softmax(logits, xp):
    """Log-softmax over the last axis of a 2-D array (max-shifted)."""
    shifted = logits - xp.max(logits, axis=1, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))


def xp_softmax(logits, xp):
    """Softmax over the last axis of a 2-D array (max-shifted)."""
    exp = xp.exp(logits - xp.max(logits, axis=1, keepdims=True))
    return exp / xp.sum(exp, axis=1, keepdims=True)


class ArrayAPILinearLogLoss(_LinearLayout):
    """:class:`LinearLogLoss` on data of any array API namespace and device.

    ``X``, the class codes and the weights stay where they are (a GPU, say);
    the coefficients the solvers pass in and get back are small NumPy arrays
    in the layout of :class:`LinearLogLoss`, moved to the device for each
    evaluation (``(n_features + fit_intercept) * n_outputs`` numbers). It
    offers the interface of :class:`LinearLogLoss`, logit-space methods
    included, so every solver runs on the device; its logits have shape
    ``(n_samples, n_outputs)`` and live there too.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        Float32 or float64 data of namespace ``xp`` on ``device``.
    y : ndarray of shape (n_samples,)
        Integer class codes in ``[0, n_classes)`` (moved to ``device``).
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights with a positive sum (moved to ``device``).
    n_classes, alpha, fit_intercept
        As in :class:`LinearLogLoss`.
    xp : namespace
        The array API namespace of ``X``.
    device : device
        The device of ``X``.
    """

    _placement = ("xp", "device")  # where the data lives

    def __init__(self, X, y, sample_weight, *, n_classes, alpha, fit_intercept, xp, device):
        self.xp, self.device, self.X = xp, device, X
        self.dtype = np.dtype(np.float32 if X.dtype == xp.float32 else np.float64)
        self.n_features = X.shape[1]
        self._init_model(
            y, sample_weight, n_classes=n_classes, alpha=alpha, fit_intercept=fit_intercept
        )
        self._weight = xp.asarray(self._sample_weight, device=device)
        codes = self._codes
        if self.n_outputs == 1:
            # sign = 1 - 2 y, as in binary_loss_gradient.
            self._target = xp.asarray((1 - 2 * codes).astype(self.dtype), device=device)
        else:
            onehot = (codes[:, None] == np.arange(n_classes)).astype(self.dtype)
            self._target = xp.asarray(onehot, device=device)

    def _to_host(self, array):
        from ._compat import to_numpy  # the one module with private sklearn imports

        return to_numpy(array)

    def _logits_of(self, coef):
        """Logits ``X W + b`` on the device, shape (n_samples, n_outputs)."""
        xp = self.xp
        coef = xp.asarray(np.asarray(coef, dtype=self.dtype), device=self.device)
        logits = self.X @ coef[: self.n_features, :]
        if self.fit_intercept:
            logits = logits + coef[self.n_features :, :]
        return logits

    def _pointwise(self, logits, gradient, proba_out=None):
        """Weighted mean loss and (on the device) the weighted residuals.

        ``proba_out``, when given, receives the probabilities
        :meth:`hessian_forms` needs (two classes: of the class not observed).
        """
        xp = self.xp
        if self.n_outputs == 1:
            sign = self._target
            losses, proba = _xp_softplus_and_sigmoid(sign * logits[:, 0], xp)
            proba = proba[:, None]
            residual = sign[:, None] * proba
        else:
            shifted = logits - xp.max(logits, axis=1, keepdims=True)
            exp = xp.exp(shifted)
            normalizer = xp.sum(exp, axis=1)
            losses = xp.log(normalizer) - xp.sum(shifted * self._target, axis=1)
            proba = exp / normalizer[:, None]
            residual = proba - self._target
        loss = float(xp.sum(losses * self._weight))
        if not gradient:
            return loss, None
        if proba_out is not None:
            proba_out[...] = proba
        return loss, residual * self._weight[:, None]

    def _data_gradient(self, residual):
        """``Xt^T R`` on the host, float64, in the coefficient layout."""
        xp = self.xp
        grad = self.X.T @ residual
        if self.fit_intercept:
            grad = xp.concat([grad, xp.sum(residual, axis=0, keepdims=True)], axis=0)
        return self._to_host(grad).astype(np.float64)

    def objective(self, coef):
        """Objective ``J`` at ``coef`` (one product with ``X``)."""
        return self._pointwise(self._logits_of(coef), gradient=False)[0] + self._penalty(coef)

    def objective_gradient(self, coef):
        """Objective ``J`` and its gradient (NumPy, dtype of the data) at ``coef``."""
        loss, residual = self._pointwise(self._logits_of(coef), gradient=True)
        return self._finish(coef, loss, self._data_gradient(residual))

    # Logit space, as in LinearLogLoss (arrays on the device).

    def empty_logits(self, n_directions=None):
        """An uninitialized array of the shape and dtype of :meth:`logits`.

        With ``n_directions``, a stack of that many, shape
        ``(n_directions, n_samples, n_outputs)``.
        """
        shape = (self.X.shape[0], self.n_outputs)
        if n_directions is not None:
            shape = (n_directions, *shape)
        return self.xp.empty(shape, dtype=self.X.dtype, device=self.device)

    def logits(self, coef, out=None):
        """Logits ``X W + b`` of every sample, shape (n_samples, n_outputs).

        Written into ``out`` when given (which may be an entry of a stack
        from :meth:`empty_logits`), else a new array.
        """
        logits = self._logits_of(coef)
        if out is None:
            return logits
        out[...] = logits
        return out

    def combine_into_first(self, weights, directions):
        """``directions[0] = sum_i weights[i] * directions[i]`` (a new array, then copied).

        As :meth:`LinearLogLoss.combine_into_first`.
        """
        xp = self.xp
        weights = xp.asarray(np.asarray(weights, dtype=self.dtype), device=self.device)
        directions[0, ...] = xp.tensordot(weights, directions[: weights.shape[0], ...], axes=1)
        return directions[0, ...]

    def objective_gradient_at(self, coef, logits, proba_out):
        """Objective and gradient at ``coef`` given its ``logits``.

        ``proba_out`` receives the probabilities :meth:`hessian_forms` needs
        (two classes: of the class not observed).
        """
        loss, residual = self._pointwise(logits, gradient=True, proba_out=proba_out)
        return self._finish(coef, loss, self._data_gradient(residual))

    def hessian_forms(self, proba, logit_directions, coef_directions):
        """The matrix ``d_i^T H d_j``, as :meth:`LinearLogLoss.hessian_forms`."""
        xp, k = self.xp, len(coef_directions)
        dirs = logit_directions[:k, ...]  # (k, n_samples, n_outputs)
        weight = self._weight[:, None]
        if self.n_outputs == 1:
            weighted = dirs[:, :, 0] * (proba[:, 0] * (1 - proba[:, 0]) * self._weight)
            forms = weighted @ xp.permute_dims(dirs[:, :, 0], (1, 0))
        else:
            # sum_c p_c u_c v_c - (sum_c p_c u_c) (sum_c p_c v_c), per sample
            p_dirs = dirs * proba
            means = xp.sum(p_dirs, axis=2)  # (k, n_samples)
            forms = xp.tensordot(p_dirs * weight, dirs, axes=([1, 2], [1, 2]))
            forms = forms - (means * self._weight) @ xp.permute_dims(means, (1, 0))
        forms = self._to_host(forms).astype(np.float64)
        return forms + self._penalty_forms(coef_directions)

    def trace_bound(self):
        """The trace bound of :meth:`LinearLogLoss.trace_bound` (one pass)."""
        xp = self.xp
        total = float(xp.sum(xp.sum(self.X * self.X, axis=1) * self._weight))
        return self._curvature() * (total + self.fit_intercept) + self.alpha

    def _gram_product(self, v):
        """``Xt^T S Xt v / sum(s)`` computed on the device; ``v`` and the result on the host."""
        xp, d = self.xp, self.n_features
        v = xp.asarray(v.astype(self.dtype), device=self.device)
        xv = self.X @ v[:d]
        if self.fit_intercept:
            xv = xv + v[d]
        xv = xv * self._weight
        out = self.X.T @ xv
        if self.fit_intercept:
            out = xp.concat([out, xp.reshape(xp.sum(xv), (1,))])
        return self._to_host(out).astype(np.float64)


def make_loss(X, y, sample_weight, *, n_classes, alpha, fit_intercept):
    """The loss object for validated data ``X`` of any supported kind.

    The one place that chooses a loss class from the type of ``X``: a Dask
    array gives the Dask loss, an array of another namespace under array API
    dispatch the array API loss, anything else (NumPy, sparse) the NumPy one.
    ``y`` holds class codes in ``[0, n_classes)`` and ``sample_weight``
    non-negative weights with a positive sum, laid out like the rows of ``X``.
    """
    from ._compat import array_api_namespace
    from ._dask import DaskLinearLogLoss
    from ._input import is_dask_array

    model = {"n_classes": n_classes, "alpha": alpha, "fit_intercept": fit_intercept}
    if is_dask_array(X):
        return DaskLinearLogLoss(X, y, sample_weight, **model)
    namespace = array_api_namespace(X)
    if namespace is not None:
        xp, device = namespace
        return ArrayAPILinearLogLoss(X, y, sample_weight, xp=xp, device=device, **model)
    return LinearLogLoss(X, y, sample_weight, **model)
