"""Predictions of a fitted linear classifier, on NumPy, sparse or array API input.

:class:`LinearClassifierPredictions` gives an estimator with ``coef_``,
``intercept_`` and ``classes_`` its logits, classes and (log-)probabilities,
in the namespace and on the device of the fitted arrays, as scikit-learn's
``LinearClassifierMixin`` does for NumPy.
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.utils.validation import check_is_fitted, validate_data

from ._compat import array_api_namespace, max_float_dtype, to_numpy
from ._loss import xp_expit_pair, xp_log_expit, xp_log_softmax, xp_softmax

__all__ = ["LinearClassifierPredictions"]


class LinearClassifierPredictions:
    """Mixin: prediction methods from ``coef_``, ``intercept_`` and ``classes_``.

    The logits are ``X @ coef_.T + intercept_``, one column for two classes
    (the log-odds of ``classes_[1]``), one per class otherwise.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_logloss import GDLogisticRegression
    >>> from sklearn_logloss._predict import LinearClassifierPredictions
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = GDLogisticRegression(alpha=1e-2).fit(X, y)
    >>> isinstance(clf, LinearClassifierPredictions)
    True
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    """

    def decision_function(self, X):
        """Logits of the samples in ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples whose logits are computed.

        Returns
        -------
        logits : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes the log-odds of ``classes_[1]`` (1-D, like
            scikit-learn); otherwise one logit per class, whose softmax is
            ``predict_proba``.
        """
        return self._decision_function(X, "decision_function")

    def _decision_function(self, X, method):
        check_is_fitted(self)
        namespace = self._namespace(X, method)
        if namespace is not None:
            xp = namespace[0]
            X = validate_data(self, X, dtype=[xp.float64, xp.float32], reset=False)
            dtype = xp.result_type(X.dtype, self.coef_.dtype)
            logits = xp.astype(X, dtype, copy=False) @ xp.astype(self.coef_.T, dtype)
            logits = logits + xp.astype(self.intercept_, dtype)
            return logits[:, 0] if logits.shape[1] == 1 else logits
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32], reset=False
        )
        # Usual type promotion, as in scikit-learn: float32 only when both the
        # data and the model are float32, so float32 input loses no precision
        # against a float64 model.
        logits = X @ self.coef_.T + self.intercept_
        if sp.issparse(logits):  # pragma: no cover - scipy returns ndarray
            logits = logits.toarray()
        return logits[:, 0] if logits.shape[1] == 1 else logits

    def predict(self, X):
        """Predict the class of each sample in ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The class with the largest logit (probability).
        """
        logits = self._decision_function(X, "predict")
        namespace = self._namespace(X, "predict")
        if namespace is None:
            if logits.ndim == 1:
                return self.classes_[(logits > 0).astype(np.intp)]
            return self.classes_[np.argmax(logits, axis=1)]
        xp, device = namespace
        indices = (
            xp.astype(logits > 0, xp.int64) if logits.ndim == 1 else xp.argmax(logits, axis=1)
        )
        if self.classes_.dtype.kind in "OUS":  # labels the namespace cannot hold
            return self.classes_[to_numpy(indices)]
        return xp.take(xp.asarray(self.classes_, device=device), indices, axis=0)

    def _float64_logits(self, X, method):
        # Probabilities are formed in float64 even for float32 data: a float32
        # probability rounds to 1 long before its log-probability reaches 0.
        logits = self._decision_function(X, method)
        namespace = self._namespace(X, method)
        if namespace is None:
            return logits.astype(np.float64, copy=False), None
        xp = namespace[0]
        return xp.astype(logits, max_float_dtype(*namespace), copy=False), xp

    def predict_proba(self, X):
        """Class probabilities of the samples in ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples whose class probabilities are computed.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Sigmoid (two classes) or softmax of the logits, columns ordered
            as ``classes_``, in float64.
        """
        logits, xp = self._float64_logits(X, "predict_proba")
        if xp is not None:
            if logits.ndim == 1:
                return xp.stack(xp_expit_pair(logits, xp), axis=1)
            return xp_softmax(logits, xp)
        if logits.ndim == 1:
            return np.column_stack([expit(-logits), expit(logits)])
        return softmax(logits, axis=1)

    def predict_log_proba(self, X):
        """Log of the class probabilities, computed from the logits.

        Uses the log-sigmoid or log-softmax of the logits, never the log of a
        rounded probability, so a logit of -800 gives -800, not ``-inf``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples whose log-probabilities are computed.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns ordered as ``classes_``.
        """
        logits, xp = self._float64_logits(X, "predict_log_proba")
        if xp is not None:
            if logits.ndim == 1:
                return xp.stack([xp_log_expit(-logits, xp), xp_log_expit(logits, xp)], axis=1)
            return xp_log_softmax(logits, xp)
        if logits.ndim == 1:
            return np.column_stack([log_expit(-logits), log_expit(logits)])
        return log_softmax(logits, axis=1)

    def _namespace(self, X, method):
        """``(xp, device)`` of array API ``X`` for a prediction method, None for NumPy.

        Raises a ValueError when ``X`` is not in the namespace and on the device
        of the fitted coefficients (as scikit-learn's selfs do).
        """
        namespace = array_api_namespace(X)
        fitted = array_api_namespace(self.coef_)
        if namespace is None and isinstance(self.coef_, np.ndarray):
            return None
        if (
            namespace is not None
            and fitted is not None
            and namespace[0] is fitted[0]
            and namespace[1] == fitted[1]
        ):
            return namespace

        def where(ns):
            return "NumPy" if ns is None else f"{ns[0].__name__} on device {ns[1]}"

        if fitted is None and not isinstance(self.coef_, np.ndarray):
            fit_where = f"{type(self.coef_).__module__} (array_api_dispatch is now off)"
        else:
            fit_where = where(fitted)
        raise ValueError(
            f"Inputs passed to {type(self).__name__}.{method}() must use the same "
            "namespace and the same device as those passed to fit(): fitted on "
            f"{fit_where}, got {where(namespace)}."
        )
