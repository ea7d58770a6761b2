"""Fitting on Dask arrays: the gradient is computed chunk by chunk on the cluster.

:class:`DaskLinearLogLoss` offers the interface the solvers use
(``objective``, ``objective_gradient``, ``init_coef``, ``lipschitz_bound``)
over a Dask array chunked by rows. Each evaluation maps the *same* loss code
(:class:`~._loss.LinearLogLoss`) over the row blocks where they live and adds
up the per-block sums — loss sum, gradient sum, weight sum — so only
``O(n_features * n_classes)`` numbers travel back to the client; ``X`` is never
gathered. Dask itself is an optional dependency (``pip install
sklearn-logloss[dask]``), imported only when a Dask array is passed.
"""

import numpy as np

from ._loss import LinearLogLoss, _LinearLayout

__all__ = ["DaskLinearLogLoss"]


def _block_sums(X, y, sample_weight, coef, n_classes, fit_intercept, gradient):
    """Unnormalized loss (and gradient) sums of one row block."""
    weight_sum = float(np.sum(sample_weight, dtype=np.float64))
    if weight_sum == 0.0:
        return 0.0, (np.zeros_like(coef) if gradient else None), 0.0
    block = LinearLogLoss(
        X, y, sample_weight, n_classes=n_classes, alpha=0.0, fit_intercept=fit_intercept
    )
    if not gradient:
        return block.objective(coef) * weight_sum, None, weight_sum
    mean_loss, mean_grad = block.objective_gradient(coef)
    return mean_loss * weight_sum, mean_grad * weight_sum, weight_sum


def _block_gram_product(X, sample_weight, v, fit_intercept):
    """Xt^T S Xt v for one row block (Xt: X with a column of ones)."""
    n_features = X.shape[1]
    xv = X @ v[:n_features]
    if fit_intercept:
        xv = xv + v[-1]
    xv = xv * sample_weight
    out = np.empty_like(v)
    out[:n_features] = X.T @ xv
    if fit_intercept:
        out[-1] = xv.sum()
    return out


class DaskLinearLogLoss(_LinearLayout):
    """Penalized log loss of a linear model over a row-chunked Dask array.

    Same objective and coefficient layout as :class:`~._loss.LinearLogLoss`.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Float data, chunked by rows (column chunks are merged).
    y : dask.array.Array of shape (n_samples,)
        Integer class codes, chunked like the rows of ``X``.
    sample_weight : dask.array.Array of shape (n_samples,)
        Non-negative weights, chunked like the rows of ``X``.
    n_classes, alpha, fit_intercept
        As in :class:`~._loss.LinearLogLoss`.
    """

    def __init__(self, X, y, sample_weight, *, n_classes, alpha, fit_intercept):
        import dask

        self._dask = dask
        X = X.rechunk({1: -1})
        row_chunks = X.chunks[0]
        y = y.rechunk((row_chunks,))
        sample_weight = sample_weight.astype(X.dtype).rechunk((row_chunks,))
        X, y, sample_weight = dask.persist(X, y, sample_weight)
        # The persisted arrays own the futures of their blocks on a cluster:
        # keep them alive as long as the blocks are used.
        self._persisted = (X, y, sample_weight)
        self._blocks = list(
            zip(
                X.to_delayed().ravel(),
                y.to_delayed().ravel(),
                sample_weight.to_delayed().ravel(),
                strict=True,
            )
        )
        self.dtype = X.dtype
        self.n_features = X.shape[1]
        self.n_classes = n_classes
        self.n_outputs = 1 if n_classes == 2 else n_classes
        self.alpha = float(alpha)
        self.fit_intercept = bool(fit_intercept)
        self.weight_sum = float(sample_weight.sum(dtype=np.float64).compute())

    #: Neither logits in memory nor subsamples (see ``_LinearLayout.supports``).
    supports = frozenset()

    @property
    def n_samples(self):
        """Number of rows of the data."""
        return self._persisted[0].shape[0]

    @property
    def data_nbytes(self):
        """Bytes of the data ``X`` (spread over the cluster)."""
        return self._persisted[0].nbytes

    #: No coarse problems (:func:`~._solvers.coarse_start`): every iteration
    #: costs a round trip to the cluster, whatever the number of rows.
    subsample = None

    def _sums(self, coef, gradient):
        block_sums = self._dask.delayed(_block_sums, pure=True)
        tasks = [
            block_sums(X, y, s, coef, self.n_classes, self.fit_intercept, gradient)
            for X, y, s in self._blocks
        ]
        results = self._dask.compute(*tasks)
        loss_sum = sum(r[0] for r in results)
        grad_sum = sum(r[1] for r in results) if gradient else None
        return loss_sum, grad_sum

    def objective(self, coef):
        """Objective ``J`` at ``coef``."""
        loss_sum, _ = self._sums(coef, gradient=False)
        return loss_sum / self.weight_sum + self._penalty(coef)

    def objective_gradient(self, coef):
        """Objective ``J`` and its gradient at ``coef``, reduced over blocks."""
        loss_sum, grad = self._sums(coef, gradient=True)
        grad = np.asarray(grad / self.weight_sum, dtype=coef.dtype)
        if self.alpha:
            grad[: self.n_features] += self.alpha * coef[: self.n_features]
        return loss_sum / self.weight_sum + self._penalty(coef), grad

    def lipschitz_bound(self, n_iter=20, rtol=1e-3):
        """See :meth:`~._loss.LinearLogLoss.lipschitz_bound`; each power step is
        one pass over the blocks (fewer steps by default)."""
        return super().lipschitz_bound(n_iter=n_iter, rtol=rtol)

    def _gram_product(self, v):
        """``Xt^T S Xt v / sum(s)``, summed over the blocks on the cluster."""
        product = self._dask.delayed(_block_gram_product, pure=True)
        v = v.astype(self.dtype)
        parts = self._dask.compute(
            *[product(X, s, v, self.fit_intercept) for X, _, s in self._blocks]
        )
        return np.sum(parts, axis=0, dtype=np.float64) / self.weight_sum
