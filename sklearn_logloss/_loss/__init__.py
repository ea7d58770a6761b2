"""The log loss of a linear model: the only place its math lives.

Layers, in the spirit of scikit-learn's ``_loss`` / ``_linear_loss`` split:

* :mod:`._pointwise`: the pointwise losses and their derivatives with
  respect to the logits (NumPy in-place kernels and their array API twins),
  and the probabilities ``predict_proba`` / ``predict_log_proba`` use;
* :mod:`._linear`: the linear layer, written once over an array namespace:
  logits, gradient sums, Gram products, trace sums and Hessian forms of a
  block of rows, all sums that add up over blocks;
* :mod:`._base`: the loss contract (:class:`LogLoss`) every loss class
  fulfils, with the coefficient layout, the penalty (added once) and the
  curvature bounds;
* the loss classes, which differ only in how they run the linear layer over
  their data: :class:`LinearLogLoss` (NumPy / SciPy sparse, cache-sized
  blocks in preallocated buffers), :class:`ArrayAPILinearLogLoss` (any array
  API namespace and device) and :class:`DaskLinearLogLoss` (mapped over row
  chunks on a cluster);
* :func:`make_loss`, the factory choosing among them.
"""

from ._array_api import ArrayAPILinearLogLoss
from ._base import InMemoryLoss, LogLoss
from ._dask import DaskLinearLogLoss
from ._linear import BLOCK_BYTES
from ._numpy import SMALL_LOGITS, LinearLogLoss
from ._pointwise import (
    binary_loss_gradient,
    multinomial_loss_gradient,
    xp_expit_pair,
    xp_log_expit,
    xp_log_softmax,
    xp_softmax,
)

__all__ = [
    "BLOCK_BYTES",
    "SMALL_LOGITS",
    "ArrayAPILinearLogLoss",
    "DaskLinearLogLoss",
    "InMemoryLoss",
    "LinearLogLoss",
    "LogLoss",
    "binary_loss_gradient",
    "make_loss",
    "multinomial_loss_gradient",
    "xp_expit_pair",
    "xp_log_expit",
    "xp_log_softmax",
    "xp_softmax",
]


def make_loss(X, y, sample_weight, *, n_classes, alpha, fit_intercept):
    """The loss object for validated data ``X`` of any supported kind.

    The one place that chooses a loss class from the type of ``X``: a Dask
    array gives :class:`DaskLinearLogLoss`, an array of another namespace
    under array API dispatch :class:`ArrayAPILinearLogLoss`, anything else
    (NumPy, SciPy sparse) :class:`LinearLogLoss`.

    Parameters
    ----------
    X : {ndarray, sparse matrix, array API array, dask.array.Array}
        Validated float data of shape (n_samples, n_features).
    y : array of shape (n_samples,)
        Class codes in ``[0, n_classes)``, laid out like the rows of ``X``.
    sample_weight : array of shape (n_samples,)
        Non-negative weights with a positive sum, laid out like the rows of ``X``.
    n_classes : int
        Number of classes (at least 2).
    alpha : float
        L2 penalty strength.
    fit_intercept : bool
        Whether the model has intercepts.

    Returns
    -------
    loss : LogLoss

    Examples
    --------
    >>> import numpy as np
    >>> loss = make_loss(np.eye(3), np.array([0, 1, 2]), np.ones(3),
    ...                  n_classes=3, alpha=1.0, fit_intercept=False)
    >>> type(loss).__name__, loss.coef_shape
    ('LinearLogLoss', (3, 3))
    """
    from .._compat import array_api_namespace
    from .._input import is_dask_array  # the input layer tells the kinds of data apart

    model = {"n_classes": n_classes, "alpha": alpha, "fit_intercept": fit_intercept}
    if is_dask_array(X):
        return DaskLinearLogLoss(X, y, sample_weight, **model)
    namespace = array_api_namespace(X)
    if namespace is not None:
        xp, device = namespace
        return ArrayAPILinearLogLoss(X, y, sample_weight, xp=xp, device=device, **model)
    return LinearLogLoss(X, y, sample_weight, **model)
