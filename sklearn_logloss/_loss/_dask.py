"""The loss on a row-chunked Dask array: the linear layer mapped over the chunks.

Each evaluation maps the functions of :mod:`~._linear` (the same code the
NumPy loss runs on its blocks) over the row chunks where they live and adds
up the sums they return, so only ``O(n_features * n_classes)`` numbers travel
back to the client; ``X`` is never gathered. The weights are divided by their
sum once, when the loss is built. Dask itself is an optional dependency
(``pip install sklearn-logloss[dask]``), imported only when a Dask array is
passed.
"""

import numpy as np

from ._base import LogLoss
from ._curvature import curvature_sums, max_quadratic_form
from ._linear import (
    block_sums,
    gram_product,
    gram_sums,
    moment_sums,
    row_blocks,
    targets,
    weighted_sq_norm_sum,
)

__all__ = ["DaskLinearLogLoss"]


def _chunk_sums(X, codes, sample_weight, coef, n_outputs, fit_intercept, gradient):
    """``(loss sum, float64 gradient sum or None)`` of one chunk, in cache-sized blocks."""
    loss_total = 0.0
    grad_total = np.zeros(coef.shape, dtype=np.float64) if gradient else None
    for start, stop in row_blocks(X):
        loss_total += block_sums(
            X[start:stop],
            targets(codes[start:stop], n_outputs, X.dtype),
            sample_weight[start:stop],
            coef,
            fit_intercept,
            grad=grad_total,
        )[0]
    return loss_total, grad_total


def _chunk_sq_norm_sum(X, sample_weight):
    return weighted_sq_norm_sum(X, sample_weight)


class DaskLinearLogLoss(LogLoss):
    """The loss contract of :class:`~._base.LogLoss` over a row-chunked Dask array.

    Offers ``"hessian"`` (each chunk sends back one small matrix) and no
    other capability: no logits are kept in memory, and no subsamples are
    solved, as every iteration costs a round trip to the cluster whatever the
    number of rows.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Float data, chunked by rows (column chunks are merged).
    y : dask.array.Array of shape (n_samples,)
        Integer class codes, chunked like the rows of ``X``.
    sample_weight : dask.array.Array of shape (n_samples,)
        Non-negative weights with a positive sum, chunked like the rows of ``X``.
    n_classes, alpha, fit_intercept
        As in :class:`~._numpy.LinearLogLoss`.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from sklearn_logloss._loss import DaskLinearLogLoss
    >>> X = da.from_array(np.array([[1.0], [-1.0], [2.0], [-2.0]]), chunks=(2, 1))
    >>> loss = DaskLinearLogLoss(X, da.from_array(np.array([1, 0, 1, 0]), chunks=2),
    ...                          da.ones(4, chunks=2), n_classes=2, alpha=0.0,
    ...                          fit_intercept=True)
    >>> round(loss.objective(loss.init_coef()), 6)
    0.693147
    """

    supports = frozenset({"hessian"})

    def __init__(self, X, y, sample_weight, *, n_classes, alpha, fit_intercept):
        import dask

        self._dask = dask
        X = X.rechunk({1: -1})
        row_chunks = X.chunks[0]
        y = y.rechunk((row_chunks,))
        sample_weight = sample_weight.astype(np.float64).rechunk((row_chunks,))
        self.dtype = np.dtype(X.dtype)
        self.n_features = X.shape[1]
        self.n_classes = n_classes
        self.n_outputs = 1 if n_classes == 2 else n_classes
        self.alpha = float(alpha)
        self.fit_intercept = bool(fit_intercept)
        self.weight_sum = float(sample_weight.sum().compute())
        # Normalized once, as LogLoss._init_model does in memory.
        sample_weight = (sample_weight / self.weight_sum).astype(self.dtype)
        X, y, sample_weight = dask.persist(X, y, sample_weight)
        # The persisted arrays own the futures of their chunks on a cluster:
        # keep them alive as long as the chunks are used.
        self._persisted = (X, y, sample_weight)
        self._chunks = list(
            zip(
                X.to_delayed().ravel(),
                y.to_delayed().ravel(),
                sample_weight.to_delayed().ravel(),
                strict=True,
            )
        )

    @property
    def n_samples(self):
        """Number of rows of the data."""
        return self._persisted[0].shape[0]

    @property
    def data_nbytes(self):
        """Bytes of the data ``X`` (spread over the cluster)."""
        return self._persisted[0].nbytes

    def _map_chunks(self, function, *args, use_codes=True):
        """``function(X, [codes,] weights, *args)`` of every chunk, computed on the cluster."""
        task = self._dask.delayed(function, pure=True)
        tasks = [
            task(X, y, s, *args) if use_codes else task(X, s, *args) for X, y, s in self._chunks
        ]
        return self._dask.compute(*tasks)

    def _data_sums(self, coef, gradient):
        results = self._map_chunks(_chunk_sums, coef, self.n_outputs, self.fit_intercept, gradient)
        loss_sum = sum(r[0] for r in results)
        grad_sum = sum(r[1] for r in results) if gradient else None
        return loss_sum, grad_sum

    def lipschitz_bound(self, n_iter=20, rtol=1e-3):
        """See :meth:`~._base.LogLoss.lipschitz_bound`; each power step is one
        pass over the chunks (fewer steps by default)."""
        return super().lipschitz_bound(n_iter=n_iter, rtol=rtol)

    def _gram_product(self, v):
        parts = self._map_chunks(gram_product, v, self.fit_intercept, use_codes=False)
        return np.sum(parts, axis=0, dtype=np.float64)

    def _weighted_sq_norm_sum(self):
        return sum(self._map_chunks(_chunk_sq_norm_sum, use_codes=False))

    def _moment_sums(self):
        parts = self._map_chunks(moment_sums, use_codes=False)
        return sum(p[0] for p in parts), sum(p[1] for p in parts)

    def _gram_sums(self, mean, inv_scale, stride):
        # Every row: each chunk sends back one small matrix.
        parts = self._map_chunks(gram_sums, mean, inv_scale, self.fit_intercept, use_codes=False)
        return sum(parts), 1.0

    def _curvature_sums(self, coef, mean, inv_scale, proba=None):
        del proba  # the chunks make their own: the solver's are Dask arrays
        parts = self._map_chunks(curvature_sums, coef, mean, inv_scale, self.fit_intercept)
        return tuple(sum(part[i] for part in parts) for i in range(3))

    def _max_quadratic_form(self, quad, mean, inv_scale):
        parts = self._map_chunks(
            max_quadratic_form, quad, mean, inv_scale, self.fit_intercept, use_codes=False
        )
        return max(parts)
