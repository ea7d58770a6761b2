"""The loss on data of any array API namespace and device (PyTorch, CuPy, ...)."""

import numpy as np

from . import _linear as linear
from ._base import InMemoryLoss
from ._pointwise import loss_gradient

__all__ = ["ArrayAPILinearLogLoss"]


class ArrayAPILinearLogLoss(InMemoryLoss):
    """The loss contract of :class:`~._base.LogLoss` on data of any array API namespace.

    ``X``, the class targets and the weights stay where they are (a GPU,
    say) and every evaluation runs the functions of :mod:`~._linear` there,
    on all rows at once; the coefficients the solvers pass in and get back
    are small NumPy arrays (``(n_features + fit_intercept) * n_outputs``
    numbers), moved for each evaluation. The logits of the logit-space
    methods live on the device too, laid out ``(n_outputs, n_samples)``.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        Float32 or float64 data of namespace ``xp`` on ``device``.
    y : ndarray of shape (n_samples,)
        Integer class codes in ``[0, n_classes)`` (moved to ``device``).
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights with a positive sum (moved to ``device``).
    n_classes, alpha, fit_intercept, weight_unit
        As in :class:`~._numpy.LinearLogLoss`.
    xp : namespace
        The array API namespace of ``X``.
    device : device
        The device of ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from array_api_compat import numpy as xp  # any array API namespace, torch say
    >>> from sklearn_logloss._loss import ArrayAPILinearLogLoss
    >>> loss = ArrayAPILinearLogLoss(xp.asarray([[1.0], [-1.0]]), np.array([1, 0]), np.ones(2),
    ...                              n_classes=2, alpha=0.0, fit_intercept=True, xp=xp,
    ...                              device="cpu")
    >>> round(loss.objective(loss.init_coef()), 6)
    0.693147
    """

    _placement = ("xp", "device")  # where the data lives

    def __init__(
        self, X, y, sample_weight, *, n_classes, alpha, fit_intercept, xp, device, weight_unit=None
    ):
        self.xp, self.device, self.X = xp, device, X
        self.dtype = np.dtype(np.float32 if X.dtype == xp.float32 else np.float64)
        self.n_features = X.shape[1]
        self._init_model(y, sample_weight, n_classes, alpha, fit_intercept, weight_unit)
        self._device_weight = xp.asarray(np.ascontiguousarray(self._weight), device=device)
        self._target = linear.targets(self._codes, self.n_outputs, self.dtype, xp, device)

    def _to_device(self, coef):
        return self.xp.asarray(np.asarray(coef, dtype=self.dtype), device=self.device)

    def _to_host(self, array):
        from .._compat import to_numpy  # the one module with private sklearn imports

        return np.asarray(to_numpy(array), dtype=np.float64)

    def _data_sums(self, coef, gradient):
        loss_sum, grad = linear.block_sums(
            self.X,
            self._target,
            self._device_weight,
            self._to_device(coef),
            self.fit_intercept,
            self.xp,
            grad=True if gradient else None,
        )
        return loss_sum, None if grad is None else self._to_host(grad)

    # Logit space, as in LinearLogLoss (arrays on the device).

    def _empty(self, shape):
        return self.xp.empty(shape, dtype=self.X.dtype, device=self.device)

    def logits(self, coef, out=None):
        """Logits ``Xt coef`` of every sample, shape (n_outputs, n_samples).

        Written into ``out`` when given (which may be an entry of a stack
        from :meth:`empty_logits`), else a new array.
        """
        coef = self._to_device(coef)
        return linear.linear_logits(self.X, coef, self.fit_intercept, self.xp, out)

    def combine_into_first(self, weights, directions):
        """``directions[0] = sum_i weights[i] * directions[i]`` (a new array, then copied)."""
        xp = self.xp
        weights = xp.asarray(np.asarray(weights, dtype=self.dtype), device=self.device)
        directions[0, ...] = xp.tensordot(weights, directions[: weights.shape[0], ...], axes=1)
        return directions[0, ...]

    def objective_gradient_at(self, coef, logits, proba_out):
        """Objective and gradient at ``coef`` given its ``logits`` (unchanged).

        ``proba_out`` receives the probabilities :meth:`hessian_forms` needs
        (two classes: of the class not observed).
        """
        loss_sum, residuals = loss_gradient(
            logits, self._target, self._device_weight, self.xp, proba_out=proba_out
        )
        grad = self._to_host(linear.data_gradient(self.X, residuals, self.fit_intercept, self.xp))
        return self._finish(np.asarray(coef, dtype=self.dtype), loss_sum, grad)

    def intercept_sums(self, logits, proba_out):
        """As :meth:`LinearLogLoss.intercept_sums` (on the device, results on the host)."""
        xp = self.xp
        loss_sum, residuals = loss_gradient(
            logits, self._target, self._device_weight, xp, proba_out=proba_out
        )
        grad = self._to_host(xp.sum(residuals, axis=1))
        hessian = linear.intercept_hessian_sums(proba_out, self._device_weight, xp)
        return loss_sum * self._scale, grad * self._scale, hessian * self._scale

    def _add_data_forms(self, proba, directions, forms):
        return linear.hessian_form_sums(proba, directions, self._device_weight, forms, self.xp)

    def _weighted_sq_norm_sum(self):
        return linear.weighted_sq_norm_sum(self.X, self._device_weight, self.xp)

    def _moment_sums(self):
        return linear.moment_sums(self.X, self._weight, self.xp)

    def _gram_sums(self, mean, inv_scale, stride):
        weight = self._weight[::stride]  # host copy
        rows = self.X[::stride, ...]
        gram = linear.gram_sums(rows, weight, mean, inv_scale, self.fit_intercept, self.xp)
        return gram, float(np.sum(weight, dtype=np.float64))

    def _gram_product(self, v):
        from .._compat import max_float_dtype

        wide = max_float_dtype(self.xp, self.device)
        return linear.gram_product(
            self.X, self._device_weight, v, self.fit_intercept, self.xp, self.device, wide
        )
