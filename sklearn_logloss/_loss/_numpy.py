"""The loss on NumPy and SciPy sparse data: cache-sized sweeps in preallocated buffers.

The math is that of :mod:`~._linear` and :mod:`~._pointwise`; what this
module adds is how it is run on a dense C-contiguous ``X``: in blocks of rows
small enough to stay in the CPU cache, each block forming its logits, losses
and residuals and adding ``X_b^T R_b`` to the gradient while ``X_b`` is still
cached, so one evaluation of ``J`` and its gradient reads ``X`` from memory
once; all buffers are block-sized and allocated once, so fitting never copies
``X`` and allocates no ``n_samples x n_classes`` array per iteration. CSR
``X`` (and Fortran-ordered ``X`` with more than one logit) is swept in chunks
of rows (an eighth of them, at most :data:`~._pointwise.CHUNK_ROWS` for two
classes) multiplied where they are stored (:mod:`~._csr`; views of
Fortran-ordered rows), so that no array of all logits or residuals is made
during a call. Other sparse ``X`` (CSC), and Fortran-ordered ``X`` with one
logit, is used as one block (slicing it would copy, or slow its product):
its products make one array of all logits per call.
"""

import numpy as np
import scipy.sparse as sp

from . import _linear
from ._base import InMemoryLoss
from ._csr import csr_coef, csr_rows_gradient, csr_rows_logits, csr_rows_sliceable
from ._linear import (
    data_gradient,
    gram_product,
    gram_sums,
    hessian_form_sums,
    intercept_hessian_sums,
    linear_logits,
    moment_sums,
    row_blocks,
    rows_sliceable,
    targets,
    weighted_sq_norm_sum,
)
from ._pointwise import CHUNK_ROWS, loss_gradient

__all__ = ["SMALL_LOGITS", "LinearLogLoss"]

#: Logit arrays of at most this many numbers (``n_samples * n_outputs``) are
#: "small": an iteration on them costs mostly its fixed overhead (see the
#: solvers' policy); :meth:`LinearLogLoss.combine_into_first` takes chunks of
#: at least this many.
SMALL_LOGITS = 2**12

#: Scratch of at most this many bytes is small whatever the size of the data
#: (a few pages): :meth:`LinearLogLoss.hessian_forms` on two classes then
#: makes all forms of a stretch of rows from one product, not one a direction.
SMALL_SCRATCH_BYTES = 2**16


class LinearLogLoss(InMemoryLoss):
    """Penalized log loss of a linear model on NumPy or SciPy sparse data.

    Implements the loss contract of :class:`~._base.LogLoss` (coefficient
    layout, objective and attributes are described there), logit-space
    methods and subsamples included.

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
    weight_unit : float, default=None
        None: ``sample_weight`` holds the weights as given. Else they are
        already divided by ``weight_unit`` (a subsample's, see
        :meth:`~._base.InMemoryLoss.subsample`).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_logloss._loss import LinearLogLoss
    >>> loss = LinearLogLoss(np.array([[1.0], [-1.0]]), np.array([1, 0]), np.ones(2),
    ...                      n_classes=2, alpha=0.0, fit_intercept=True)
    >>> value, grad = loss.objective_gradient(loss.init_coef())
    >>> round(value, 6), grad.ravel().tolist()
    (0.693147, [-0.5, 0.0])
    """

    supports = InMemoryLoss.supports | {"lean_logit_space"}

    def __init__(self, X, y, sample_weight, *, n_classes, alpha, fit_intercept, weight_unit=None):
        if not sp.issparse(X):
            X = np.asarray(X)
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        self.X = X
        self.dtype = X.dtype
        self.n_features = X.shape[1]
        self._init_model(y, sample_weight, n_classes, alpha, fit_intercept, weight_unit)
        # The codes in the smallest unsigned type: with few values per row an
        # array of n_samples intp would be a tenth of sparse data.
        self._codes = self._codes.astype(np.min_scalar_type(max(n_classes - 1, 1)))
        # Blocks whose buffers (logits and work, n_outputs + 3 numbers a row)
        # take at most a sixteenth of the data, or 4096 rows: with few values
        # per row, buffers of cache-sized blocks would be large next to it.
        per_row = (self.n_outputs + 3) * self.dtype.itemsize
        max_rows = max(4096, self.data_nbytes // (16 * per_row))
        self._bounds = row_blocks(X, _linear.BLOCK_BYTES, max_rows=max_rows)
        rows = self._bounds[0][1] - self._bounds[0][0] if self._bounds else 1
        # CSR rows are multiplied in place, a range at a time (no copy of
        # them), and so are ranges of Fortran-ordered rows (views) with more
        # than one logit (the whole product's logits would be an array of
        # them): their blocks are the pointwise chunks below.
        self._csr = csr_rows_sliceable(X)
        fortran = isinstance(X, np.ndarray) and not rows_sliceable(X) and self.n_outputs > 1
        self._ranges = self._csr or fortran
        # One block of all rows of data that cannot be sliced without a copy
        # (CSC): its logits are made per call, not kept.
        self._whole = not (self._ranges or rows_sliceable(X))
        # Rows swept at once by the pointwise passes (two classes: at most
        # CHUNK_ROWS; more: a block; in one block of all rows, an eighth of
        # them beyond 8192), so that their scratch stays in the cache and
        # small next to the data and the solvers' arrays of all logits.
        self._chunk = max(1, min(CHUNK_ROWS, rows) if self.n_outputs == 1 else rows)
        if self._whole or self._ranges:
            self._chunk = min(self._chunk, max(1024, rows // 8))
        if self._ranges:  # a block a chunk
            rows = self._chunk
            n_rows = X.shape[0]
            self._bounds = [(a, min(a + rows, n_rows)) for a in range(0, n_rows, rows)]
        elif rows > self._chunk:  # blocks of whole chunks
            rows = rows // self._chunk * self._chunk
            self._bounds = row_blocks(X, _linear.BLOCK_BYTES, max_rows=rows)
        self._rows_per_block = rows
        if self.n_outputs == 1:  # the signs 1 - 2 y of all rows (a byte each)
            self._all_targets = self._codes.astype(np.int8)
            self._all_targets *= -2
            self._all_targets += 1
        else:  # the class codes
            self._all_targets = targets(self._codes, self.n_outputs, self.dtype)
        self._targets = [self._all_targets[start:stop] for start, stop in self._bounds]
        self._buffers = None  # (logits, work) of one block: see _block_buffers
        self._block_list = None  # see _blocks
        self._forms_scratch = None  # see _add_data_forms

    def _rows(self, start, stop):
        return self.X if stop - start == self.X.shape[0] else self.X[start:stop]

    def _prepared(self, coef):
        """``coef`` as :meth:`_block_logits` takes it (for CSR data, see ``csr_coef``)."""
        return csr_coef(coef, self.fit_intercept) if self._csr else coef

    def _block_logits(self, start, stop, coef, out):
        """:func:`~._linear.linear_logits` of a block (into ``out``, or a new array if None).

        ``coef`` as :meth:`_prepared` makes it.
        """
        if self._csr:  # the product's scratch: the pointwise passes', free until they run
            work = self._block_buffers()[1].reshape(-1)
            return csr_rows_logits(self.X, start, stop, coef, self.fit_intercept, out, work)
        return linear_logits(self._rows(start, stop), coef, self.fit_intercept, out=out)

    def _add_block_gradient(self, start, stop, residuals, grad):
        """Add the block's :func:`~._linear.data_gradient` into the float64 ``grad``."""
        if self._csr:
            return csr_rows_gradient(self.X, start, stop, residuals, self.fit_intercept, grad)
        return data_gradient(self._rows(start, stop), residuals, self.fit_intercept, out=grad)

    def _product_blocks(self):
        """Blocks for the products that are not per-iteration (all rows of CSR data at once)."""
        return [(0, self.X.shape[0])] if self._ranges else self._bounds

    def _blocks(self):
        """``(start, stop, logits buffer, work buffer, target)`` per block.

        The logits buffer is None where the block is all rows of a CSC or
        Fortran-ordered ``X`` (:func:`~._linear.linear_logits` then makes it).
        """
        if self._block_list is None:  # made once, with the buffers
            buffer, work = self._block_buffers()
            blocks = []
            for (start, stop), target in zip(self._bounds, self._targets, strict=True):
                n_rows = stop - start
                logits = None
                if buffer is not None:
                    logits = buffer[: self.n_outputs * n_rows].reshape(self.n_outputs, n_rows)
                blocks.append((start, stop, logits, work[:, :n_rows], target))
            self._block_list = blocks
        return self._block_list

    def _data_sums(self, coef, gradient):
        grad = np.zeros(self.coef_shape, dtype=np.float64) if gradient else None
        total = 0.0
        prepared = self._prepared(coef)
        for start, stop, logits, work, target in self._blocks():
            logits = self._block_logits(start, stop, prepared, logits)
            loss_sum, residuals = loss_gradient(
                logits, target, self._weight[start:stop], gradient=gradient, work=work
            )
            total += loss_sum
            if gradient:
                self._add_block_gradient(start, stop, residuals, grad)
        return total, grad

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
        if not self._ranges and (self.n_outputs == 1 or self._whole):
            return linear_logits(self.X, coef, self.fit_intercept, out=out)
        prepared = self._prepared(coef)
        for start, stop in self._bounds:  # temporaries of a block only
            self._block_logits(start, stop, prepared, out[:, start:stop])
        return out

    def _empty(self, shape):
        return np.empty(shape, dtype=self.dtype)

    def combine_into_first(self, weights, directions):
        """``directions[0] = sum_i weights[i] * directions[i]``, in place.

        ``directions`` is a stack from :meth:`empty_logits` with at least
        ``len(weights)`` entries. One matrix product per stretch of two
        chunks of the pointwise passes (at least :data:`SMALL_LOGITS`
        numbers), so the temporaries stay small (numpy's BLAS only: scipy's
        is a second thread pool, see ``_solvers``).
        """
        k = len(weights)
        weights = np.asarray(weights, dtype=self.dtype)
        stack = directions[:k].reshape(k, -1)
        first = stack[0]
        if stack.strides[0] < 0:  # a reversed stack: BLAS reads the rows in their order
            stack, weights = stack[::-1], np.ascontiguousarray(weights[::-1])
        step = max(SMALL_LOGITS, 2 * self._chunk)
        for start in range(0, first.size, step):
            stop = start + step
            first[start:stop] = weights @ stack[:, start:stop]
        return directions[0]

    def _block_buffers(self):
        """The flat logits buffer (None for a whole block) and the pointwise work.

        The pointwise kernels sweep chunks of rows, so the work has their
        width. Made once.
        """
        if self._buffers is None:
            rows = self._rows_per_block
            shape = (2 if self.n_outputs == 1 else 3, self._chunk)
            buffer = None
            if not self._whole:
                buffer = np.empty(self.n_outputs * rows, dtype=self.dtype)
            self._buffers = buffer, np.empty(shape, dtype=self.dtype)
        return self._buffers

    def _logit_pass(self, logits, proba_out, add_block, coef=None):
        """Loss sum at ``logits``; ``add_block(start, stop, residuals, proba)`` per block.

        ``proba_out`` receives the probabilities; ``logits`` is unchanged.
        ``logits`` None: those of ``coef``, made a block at a time.
        """
        if logits is None and self._whole:  # CSC: made whole
            logits = self.logits(coef)
        prepared = None if logits is not None else self._prepared(coef)
        total = 0.0
        blocks = self._blocks()
        for start, stop, buffer, work, target in blocks:
            if buffer is None:  # one block: R^T is C-ordered for the product X^T R^T
                buffer = np.empty((stop - start, self.n_outputs), dtype=self.dtype).T
            if logits is None:  # made in the buffer, where the residuals go
                block = self._block_logits(start, stop, prepared, buffer)
            elif len(blocks) == 1:
                block = logits
            else:
                block = logits[:, start:stop]
            proba = proba_out if len(blocks) == 1 else proba_out[:, start:stop]
            loss_sum, residuals = loss_gradient(
                block,
                target,
                self._weight[start:stop],
                work=work,
                proba_out=proba,
                out=buffer,
            )
            total += loss_sum
            add_block(start, stop, residuals, proba)
        return total

    def objective_gradient_at(self, coef, logits, proba_out):
        """Objective and gradient at ``coef`` given its ``logits`` (unchanged).

        ``proba_out`` (shape of ``logits``) receives the probabilities that
        :meth:`hessian_forms` needs. No product with ``X`` is made for the
        loss; the gradient makes one with ``X^T``. ``logits`` may be None
        (``"lean_logit_space"``): those of ``coef`` are then made a block at a
        time (one product with ``X`` more, no array of them kept).
        """
        coef = np.asarray(coef, dtype=self.dtype)
        grad = np.zeros(self.coef_shape, dtype=np.float64)

        def add_gradient(start, stop, residuals, proba):
            self._add_block_gradient(start, stop, residuals, grad)

        total = self._logit_pass(logits, proba_out, add_gradient, coef)
        return self._finish(coef, total, grad)

    def intercept_sums(self, logits, proba_out):
        """Data term, its gradient and Hessian in the intercepts, at ``logits``.

        Pointwise passes only (no product with ``X``): what Newton's method on
        the intercepts needs. ``proba_out`` receives the probabilities.
        Returns ``(float, float64 (n_outputs,), float64 (n_outputs, n_outputs))``.
        """
        k = self.n_outputs
        grad, hessian = np.zeros(k), np.zeros((k, k))

        def add_sums(start, stop, residuals, proba):
            grad[...] += residuals.sum(axis=1)
            hessian[...] += intercept_hessian_sums(proba, self._weight[start:stop])

        total = self._logit_pass(logits, proba_out, add_sums)
        return total * self._scale, grad * self._scale, hessian * self._scale

    def intercept_sums_at(self, coef):
        """As :meth:`intercept_sums` at ``coef``, with logits formed block by block.

        One product with ``X`` and no array of all logits where ``X`` is
        sliced in blocks: for problems whose logits would be large next to
        ``X`` (many classes).
        """
        coef = np.asarray(coef, dtype=self.dtype)
        k = self.n_outputs
        total, grad, hessian = 0.0, np.zeros(k), np.zeros((k, k))
        # The probabilities of a chunk at a time (the work's width; one
        # logit: in the work's second row, which the kernel leaves then).
        chunk = self._chunk
        proba = None if k == 1 else np.empty((k, chunk), dtype=self.dtype)
        prepared = self._prepared(coef)
        for start, stop, logits, work, target in self._blocks():
            logits = self._block_logits(start, stop, prepared, logits)
            weight = self._weight[start:stop]
            for first in range(0, stop - start, chunk):
                rows = slice(first, first + chunk)
                n_rows = logits[:, rows].shape[1]
                p = work[1:, :n_rows] if k == 1 else proba[:, :n_rows]
                loss_sum, residuals = loss_gradient(
                    logits[:, rows],
                    target[rows],
                    weight[rows],
                    work=work,
                    proba_out=p,
                )
                total += loss_sum
                grad += residuals.sum(axis=1)
                scratch = work[0] if k == 1 else None
                hessian += intercept_hessian_sums(p, weight[rows], work=scratch)
        return total * self._scale, grad * self._scale, hessian * self._scale

    def _add_data_forms(self, proba, directions, forms, first=None):
        """Add the data term of :meth:`hessian_forms` into ``forms``.

        Two classes: up to four chunks of the pointwise passes at a time (a
        scratch of ``k + 1`` such rows, at most a sixteenth of the data or
        :data:`SMALL_SCRATCH_BYTES`, kept between calls when at most that),
        all ``k^2`` forms from one product each;
        where such a scratch would be larger, a chunk at a time in the
        pointwise passes' own scratch, one product per direction. More: a
        block at a time (the chunks of a whole block), a dot product per
        pair, in the scratch of the pointwise passes where it is large
        enough. With ``first`` (a coefficient array), ``proba`` is
        ``directions[0]``: each stretch of rows has its probabilities read
        first and the logits of ``first`` written over them.
        """
        k = directions.shape[0]
        if first is not None and self._whole and sp.issparse(self.X):
            # CSC: rows cannot be multiplied a range at a time.
            proba = proba.copy()
            self.logits(first, out=directions[0])
            first = None
        if first is not None:
            first = self._prepared(first)
        if self.n_outputs == 1:
            step = min(4 * self._chunk, proba.shape[1])
            n_scratch = k + 1 + (first is not None)
            scratch_nbytes = n_scratch * step * self.dtype.itemsize
            if scratch_nbytes > max(self.data_nbytes // 16, SMALL_SCRATCH_BYTES):
                # Data of few values a row: a scratch over a sixteenth of it.
                return self._add_binary_forms_by_rows(proba, directions, forms, first)
            if scratch_nbytes <= SMALL_SCRATCH_BYTES:  # a small scratch is kept between calls
                kept = self._forms_scratch
                if kept is None or kept.shape[0] < n_scratch or kept.shape[2] < step:
                    kept = self._forms_scratch = np.empty((n_scratch, 1, step), dtype=self.dtype)
                scratch = kept[:n_scratch, :, :step]
            else:
                scratch = np.empty((n_scratch, 1, step), dtype=self.dtype)
            work = {"stack": scratch[:k], "rows": scratch[k : k + 1, 0]}
            aside = scratch[-1]
        else:
            step = self._chunk if self._whole else self._rows_per_block
            logits_buffer, rows_buffer = self._block_buffers()
            shape = (self.n_outputs, step)
            block = rows_buffer[:, :step] if len(rows_buffer) >= self.n_outputs else None
            work = {"block": np.empty(shape, dtype=self.dtype) if block is None else block}
            if first is not None:  # the probabilities of a block aside
                size = self.n_outputs * step
                aside = None if logits_buffer is None else logits_buffer[:size].reshape(shape)
                aside = np.empty(shape, dtype=self.dtype) if aside is None else aside
        for start in range(0, proba.shape[1], step):
            rows = slice(start, start + step)
            p = proba[:, rows]
            n_rows = p.shape[1]
            if first is not None:  # the probabilities aside, then the logits of first there
                p = aside[:, :n_rows]
                p[...] = proba[:, rows]
                self._block_logits(start, start + n_rows, first, directions[0][:, rows])
            hessian_form_sums(
                p,
                directions[:, :, rows],
                self._weight[rows],
                forms,
                pairwise=self.n_outputs > 1,
                work=work if n_rows == step else {n: a[..., :n_rows] for n, a in work.items()},
            )
        return forms

    def _add_binary_forms_by_rows(self, proba, directions, forms, first):
        """Two classes, a chunk at a time in the scratch of the pointwise passes.

        The curvature of a chunk is made from ``proba`` before the logits of
        ``first`` (when given) are written over it; each direction then
        weighted by it and multiplied with those before it.
        """
        k = directions.shape[0]
        curvature_row, weighted_row = self._block_buffers()[1][:2]
        data = np.zeros((k, k))
        step = self._chunk
        for start in range(0, proba.shape[1], step):
            p = proba[0, start : start + step]
            n_rows = p.shape[0]
            curvature = np.subtract(1.0, p, out=curvature_row[:n_rows])
            curvature *= p
            curvature *= self._weight[start : start + n_rows]
            if first is not None:
                out = directions[0][:, start : start + n_rows]
                self._block_logits(start, start + n_rows, first, out)
            chunk = directions[:, 0, start : start + n_rows]
            weighted = weighted_row[:n_rows]
            for i in range(k):
                np.multiply(chunk[i], curvature, out=weighted)
                data[i, : i + 1] += chunk[: i + 1] @ weighted
        forms += data
        forms += np.tril(data, -1).T
        return forms

    def _weighted_sq_norm_sum(self):
        return sum(
            weighted_sq_norm_sum(self._rows(start, stop), self._weight[start:stop])
            for start, stop in self._product_blocks()
        )

    def _gram_product(self, v):
        """``Xt^T S Xt v / sum(s)`` (float64 ``v`` of ``n_features + fit_intercept``)."""
        return sum(
            gram_product(self._rows(start, stop), self._weight[start:stop], v, self.fit_intercept)
            for start, stop in self._product_blocks()
        )

    def _moment_sums(self):
        return moment_sums(self.X, self._weight)

    def _gram_sums(self, mean, inv_scale, stride):
        rows = self._centred_rows(mean, inv_scale) if stride == 1 else None
        if rows is not None:  # small data: the centred rows kept for the Hessian's sums
            gram = (rows * self._weight[:, None]).T @ rows
        else:  # every stride-th row, a chunk at a time: no copy of them when X is sparse
            gram = gram_sums(
                self.X, self._weight, mean, inv_scale, self.fit_intercept, stride=stride
            )
        return gram, float(np.sum(self._weight[::stride], dtype=np.float64))
