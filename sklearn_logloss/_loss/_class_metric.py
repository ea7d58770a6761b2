"""The softmax's class-block metric: each class's own Hessian block, the classes not coupled.

The Hessian of the softmax's log loss couples the classes: its ``(k, l)``
block is ``Xt^T diag(s (delta_kl p_k - p_k p_l)) Xt``, and forming all of them
costs ``K (K + 1) / 2`` weighted Gram matrices. Its diagonal blocks alone,
``C_k = Xt^T diag(s p_k (1 - p_k)) Xt`` (plus the penalty), cost ``K`` of them,
and bound it on the classes' zero-sum subspace, where the data term lives:
``diag(p) - p p^T <= 2 diag(p (1 - p))`` (for ``x`` over the classes,
``Var_p(x) = 1/2 sum_kl p_k p_l (x_k - x_l)^2 <= 2 sum_k p_k (1 - p_k) x_k^2``).

:class:`ClassBlockMetric` is the change of coordinates ``w = T u`` with

    T u = P (B u) + D u,

``B`` acting on each class column with ``T_k`` (``T_k T_k^T = C_k^{-1}``),
``P`` removing the mean over the classes, and ``D u = (E^T mean_k T_k^{-T}
u_k) 1^T`` a class-common column: ``T T^T = P B B^T P + D D^T``, the two parts
orthogonal. On the zero-sum subspace a gradient step is the block-Jacobi
step ``P diag(C_k^{-1}) P g``; along the class-common directions, which the
data term does not see, it is ``g / a`` with ``a = alpha``, the penalty's
curvature there (``E^T mean_k(C_k) E = I / a``). Iterates from a zero-sum
start stay zero-sum, as the minimizer's weights are.
"""

import numpy as np
from scipy.special import softmax

from ._precondition import standardizing_metric

__all__ = ["ClassBlockMetric", "class_block_metric", "class_block_work", "has_class_blocks"]

#: The rows' temporaries (centred, scaled rows and their logits) take about this many bytes.
BLOCK_BYTES = 2 << 20


def _per_class(matrices, a):
    """Columns ``matrices[k] @ a[..., :, k]`` of an array (or stack) ``a`` of shape ``(n, K)``."""
    products = np.matmul(matrices, a.swapaxes(-1, -2)[..., None])  # (..., K, n, 1)
    return products[..., 0].swapaxes(-1, -2)


class ClassBlockMetric:
    """``w = T u = P (B u) + D u``: see the module docstring.

    Every method acts on a coefficient array of shape ``(n_coef, n_outputs)``
    or on a stack of them; the results are float64.

    Parameters
    ----------
    matrix, inverse : ndarray of shape (n_outputs, n_coef, n_coef)
        ``T_k`` and ``T_k^{-1}``.
    curvature : ndarray of shape (n_outputs, n_coef, n_coef)
        ``C_k = T_k^{-T} T_k^{-1}``.
    common : float
        ``a``, the curvature given to the class-common directions.
    """

    #: ``T`` acts on whole coefficient arrays, not on each class column alike.
    couples_classes = True

    def __init__(self, matrix, inverse, curvature, common):
        self.matrix, self.inverse, self.curvature = matrix, inverse, curvature
        self._matrix_t = np.ascontiguousarray(np.swapaxes(matrix, 1, 2))
        self._inverse_t = np.ascontiguousarray(np.swapaxes(inverse, 1, 2))
        mean_factor = np.linalg.cholesky(curvature.mean(axis=0))  # mean_k C_k = L L^T
        self._common_t = np.linalg.inv(mean_factor) / np.sqrt(common)  # E^T = L^{-1} / sqrt(a)
        self._common = np.ascontiguousarray(self._common_t.T)
        self._common_inv_t = np.sqrt(common) * mean_factor  # E^{-T}
        self._mean_inverse = np.linalg.inv(mean_factor @ mean_factor.T)

    def to_coef(self, u):
        """``w = T u``."""
        u = np.asarray(u, dtype=np.float64)
        w = _per_class(self.matrix, u)
        w -= w.mean(axis=-1, keepdims=True)
        common = _per_class(self._inverse_t, u).mean(axis=-1)
        w += (common @ self._common)[..., None]  # E^T acting on each row vector
        return w

    def gradient(self, grad):
        """``T^T grad = B^T P grad + B^{-1} (E mean_k grad_k) 1^T``."""
        grad = np.asarray(grad, dtype=np.float64)
        mean = grad.mean(axis=-1, keepdims=True)
        out = _per_class(self._matrix_t, grad - mean)
        common = mean[..., 0] @ self._common_t  # E acting on each row vector
        k = grad.shape[-1]
        out += _per_class(self.inverse, np.repeat(common[..., None], k, axis=-1))
        return out

    def from_coef(self, w):
        """``u = T^{-1} w``: ``u_k = T_k^{-1} (w_k - mean_k w + c)``, ``c`` from the mean."""
        w = np.asarray(w, dtype=np.float64)
        mean = w.mean(axis=-1, keepdims=True)
        centred = w - mean
        target = mean[..., 0] @ self._common_inv_t.T
        target -= _per_class(self.curvature, centred).mean(axis=-1)
        shift = target @ self._mean_inverse.T
        return _per_class(self.inverse, centred + shift[..., None])


def has_class_blocks(loss):
    """Whether :func:`class_block_metric` can form the blocks of ``loss``: dense NumPy data."""
    X = getattr(loss, "X", None)
    return (
        loss.n_outputs > 1
        and isinstance(X, np.ndarray)
        and X.ndim == 2
        and getattr(loss, "xp", np) is np
        and hasattr(loss, "_weight")
    )


def class_block_work(loss):
    """Multiply-adds of :func:`class_block_metric`, counted as ``hessian_work`` counts them.

    ``K`` weighted Gram matrices, ``n K n_coef^2``, and ``K`` factors and
    inverses, ``2 K n_coef^3``, at half (products of matrices).
    """
    n_coef = loss.n_features + loss.fit_intercept
    k = loss.n_outputs
    return 0.5 * k * (loss.n_samples * n_coef * n_coef + 2.0 * n_coef**3)


def class_block_metric(loss, coef, *, block_bytes=BLOCK_BYTES):
    """The :class:`ClassBlockMetric` of the class blocks at ``coef`` (user's coordinates).

    The blocks are formed in the centred, scaled coordinates of
    :func:`~._precondition.standardizing_metric` (well conditioned whatever
    the features' scales), with the penalty, over rows taken a chunk at a
    time (temporaries of about ``block_bytes``). ``loss`` must pass
    :func:`has_class_blocks`. Raises ``numpy.linalg.LinAlgError`` where a
    block is singular.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_logloss._loss import make_loss
    >>> from sklearn_logloss._loss._class_metric import class_block_metric
    >>> X, y = load_iris(return_X_y=True)
    >>> loss = make_loss(X, y, np.ones(150), n_classes=3, alpha=1e-2, fit_intercept=True)
    >>> metric = class_block_metric(loss, loss.init_coef())
    >>> u = np.arange(15.0).reshape(5, 3)
    >>> bool(np.allclose(metric.from_coef(metric.to_coef(u)), u))
    True
    >>> grad = np.ones((5, 3)) - np.eye(5, 3)  # its class means aside, a zero-sum gradient
    >>> step = metric.to_coef(metric.gradient(grad - grad.mean(axis=1, keepdims=True)))
    >>> bool(np.allclose(step.sum(axis=1), 0))  # zero-sum steps keep zero-sum iterates
    True
    """
    scaling = standardizing_metric(loss)
    X, d = loss.X, loss.n_features
    n_coef, k = d + loss.fit_intercept, loss.n_outputs
    u = scaling.from_coef(np.asarray(coef, dtype=np.float64))
    weight = np.asarray(loss._weight, dtype=np.float64)
    blocks = np.zeros((k, n_coef, n_coef))
    step = max(16, int(block_bytes) // (8 * (n_coef + k)))
    for start in range(0, X.shape[0], step):
        stop = min(start + step, X.shape[0])
        rows = np.empty((stop - start, n_coef))
        np.subtract(X[start:stop], scaling.mean, out=rows[:, :d])
        rows[:, :d] *= scaling.inv_scale
        if loss.fit_intercept:
            rows[:, d] = 1.0
        proba = softmax(rows @ u, axis=1)
        curvature = proba * (1.0 - proba) * weight[start:stop, None]
        np.sqrt(curvature, out=curvature)
        for cls in range(k):
            weighted = rows * curvature[:, cls : cls + 1]
            blocks[cls] += weighted.T @ weighted  # a symmetric product (syrk)
    blocks *= loss._scale
    diagonal = np.arange(n_coef)
    blocks[:, diagonal[:d], diagonal[:d]] += loss.alpha * scaling.inv_scale**2
    # A ridge of 1e-10 of a block's average eigenvalue keeps its factor defined
    # where a class's probabilities saturate (no curvature for its intercept).
    ridge = 1e-10 * np.trace(blocks, axis1=1, axis2=2) / n_coef
    blocks[:, diagonal, diagonal] += np.maximum(ridge, 1e-300)[:, None]
    factor = np.linalg.cholesky(blocks)
    factor_inv = np.linalg.inv(factor)
    # T_k = S L_k^{-T}: S on each column of L_k^{-T}, as on a coefficient array.
    matrix = scaling.to_coef(np.swapaxes(factor_inv, 1, 2))
    unscale = scaling.from_coef(np.eye(n_coef))  # S^{-1}
    inverse = np.swapaxes(factor, 1, 2) @ unscale  # T_k^{-1} = L_k^T S^{-1}
    curvature = unscale.T @ blocks @ unscale  # C_k = S^{-T} H_k S^{-1}
    common = loss.alpha if loss.alpha > 0 else float(np.trace(curvature.mean(axis=0))) / n_coef
    return ClassBlockMetric(matrix, inverse, curvature, common)
