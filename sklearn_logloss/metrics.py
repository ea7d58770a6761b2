"""Log-loss metrics: from probabilities and, exactly, from logits.

:func:`log_loss` is a drop-in for :func:`sklearn.metrics.log_loss`: same
arguments, same values, same errors. :func:`log_loss_from_logits` evaluates
the same quantity from raw scores with the log-sigmoid / log-softmax, so it
stays exact where probabilities underflow. :data:`neg_log_loss_scorer` is a
scikit-learn scorer built on them.
"""

import warnings

import numpy as np
from scipy.special import log_expit, log_softmax, xlogy
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_array, check_consistent_length

from ._compat import _BaseScorer, check_sample_weight
from ._logistic import GDLogisticRegression

__all__ = ["log_loss", "log_loss_from_logits", "neg_log_loss_scorer"]


def _one_hot_targets(y_true, labels):
    """One-hot ``y_true`` over ``labels`` (or its own labels), at least 2 columns.

    Follows :func:`sklearn.metrics.log_loss`: labels are sorted as
    :class:`~sklearn.preprocessing.LabelBinarizer` sorts them.
    """
    binarizer = LabelBinarizer()
    if labels is not None:
        binarizer.fit(labels)
        if not np.all(binarizer.classes_ == np.asarray(labels)):
            warnings.warn(
                f"Labels passed were {labels}. But this function assumes labels are "
                f"ordered lexicographically. Pass the ordered "
                f"labels={binarizer.classes_.tolist()} and ensure that the columns of "
                "the predictions correspond to this ordering.",
                UserWarning,
            )
        unknown = ~np.isin(np.asarray(y_true), binarizer.classes_)
        if np.any(unknown):
            undeclared = sorted(set(np.asarray(y_true)[unknown].tolist()), key=str)
            raise ValueError(
                f"y_true contains values {undeclared} not belonging to the passed "
                f"labels {list(labels)}."
            )
    else:
        binarizer.fit(y_true)
    classes = binarizer.classes_
    if classes.shape[0] == 1:
        if labels is None:
            raise ValueError(
                f"y_true contains only one label ({classes[0]}). Please provide the "
                "list of all expected class labels explicitly through the labels "
                "argument."
            )
        raise ValueError(f"The labels array needs to contain at least two labels, got {classes}.")
    onehot = binarizer.transform(y_true)
    if onehot.shape[1] == 1:
        onehot = np.hstack([1 - onehot, onehot])
    return onehot, classes


def _check_n_columns(n_classes, n_columns, classes, labels, what):
    if n_classes == n_columns:
        return
    if labels is None:
        raise ValueError(
            f"y_true and {what} contain different number of classes: {n_classes} vs "
            f"{n_columns}. Please provide the true labels explicitly through the "
            f"labels argument. Classes found in y_true: {classes}"
        )
    raise ValueError(
        f"The number of classes in labels is different from that in {what}. Classes "
        f"found in labels: {classes}"
    )


def _average(losses, sample_weight, normalize):
    if normalize:
        return float(np.average(losses, weights=sample_weight))
    if sample_weight is None:
        return float(np.sum(losses))
    return float(np.dot(losses, sample_weight))


def _check_weights(sample_weight, values):
    if sample_weight is None:
        return None
    return check_sample_weight(sample_weight, values)


def log_loss(y_true, y_proba, *, normalize=True, sample_weight=None, labels=None):
    r"""Log loss (cross-entropy) from predicted probabilities.

    A drop-in for :func:`sklearn.metrics.log_loss`: the same arguments, the
    same values and the same errors. For one sample with true class
    :math:`k` and predicted probabilities :math:`p`, the loss is
    :math:`-\log p_k`; for two classes,
    :math:`-(y \log p + (1 - y) \log(1 - p))`.

    Probabilities are clipped to ``[eps, 1 - eps]`` (``eps`` the machine
    precision of their dtype), which caps the loss of one sample at about 36
    in float64: a confident mistake the probabilities cannot represent is
    under-reported. Pass logits to :func:`log_loss_from_logits` to avoid it.

    Parameters
    ----------
    y_true : array-like or label indicator matrix
        Ground truth labels for ``n_samples`` samples.

    y_proba : array-like of shape (n_samples, n_classes) or (n_samples,)
        Predicted probabilities, as returned by ``predict_proba``; columns in
        the sorted order of the labels. A 1-D array holds the probabilities
        of the positive (larger) class.

    normalize : bool, default=True
        Return the mean loss per sample if True, else the sum.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    labels : array-like, default=None
        All class labels. Inferred from ``y_true`` when None.

    Returns
    -------
    loss : float
        The (weighted) mean or sum of the per-sample log losses.

    Raises
    ------
    ValueError
        If probabilities lie outside [0, 1], lengths differ, ``y_true`` holds
        a single label and ``labels`` is None, ``y_true`` holds values outside
        ``labels``, or the number of columns differs from the number of labels.

    See Also
    --------
    log_loss_from_logits : The same loss from logits, exact where
        probabilities underflow.
    sklearn.metrics.log_loss : The function this one replaces.

    Examples
    --------
    >>> from sklearn_logloss import log_loss
    >>> round(log_loss(["spam", "ham", "ham", "spam"],
    ...                [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]), 5)
    0.21616
    >>> round(log_loss([1, 1, 0], [0.9, 0.8, 0.3]), 5)
    0.22839
    """
    y_proba = check_array(
        y_proba, ensure_2d=False, dtype=[np.float64, np.float32, np.float16], input_name="y_proba"
    )
    if y_proba.size and y_proba.max() > 1:
        raise ValueError(f"y_proba contains values greater than 1: {y_proba.max()}")
    if y_proba.size and y_proba.min() < 0:
        raise ValueError(f"y_proba contains values lower than 0: {y_proba.min()}")
    check_consistent_length(y_proba, y_true, sample_weight)
    sample_weight = _check_weights(sample_weight, y_proba)
    onehot, classes = _one_hot_targets(y_true, labels)
    if y_proba.ndim == 1:
        y_proba = y_proba[:, np.newaxis]
    if y_proba.shape[1] == 1:
        y_proba = np.hstack([1 - y_proba, y_proba])
    eps = np.finfo(y_proba.dtype).eps
    if not np.allclose(y_proba.sum(axis=1), 1, rtol=np.sqrt(eps), atol=0):
        warnings.warn(
            "The y_proba values do not sum to one. Make sure to pass probabilities.",
            UserWarning,
        )
    _check_n_columns(classes.shape[0], y_proba.shape[1], classes, labels, "y_proba")
    y_proba = np.clip(y_proba, eps, 1 - eps)
    losses = -xlogy(onehot.astype(y_proba.dtype), y_proba).sum(axis=1)
    return _average(losses, sample_weight, normalize)


def log_loss_from_logits(y_true, logits, *, normalize=True, sample_weight=None, labels=None):
    r"""Log loss (cross-entropy) from logits, evaluated exactly.

    For two classes and a logit :math:`z` (the log-odds of the positive
    class) the per-sample loss is :math:`\operatorname{softplus}(z) - y z`,
    computed as ``-log_expit(z)`` for a positive and ``-log_expit(-z)`` for a
    negative sample. For ``K`` logits it is
    :math:`\operatorname{logsumexp}(z) - z_y`, computed with
    :func:`scipy.special.log_softmax`. No probability is formed, so nothing
    underflows or is clipped: a positive sample with logit -800 costs exactly
    800, where clipped probabilities report about 36.04.

    Parameters
    ----------
    y_true : array-like or label indicator matrix
        Ground truth labels for ``n_samples`` samples.

    logits : array-like of shape (n_samples,) or (n_samples, n_classes)
        Raw scores, as returned by ``decision_function`` of a logistic model:
        1-D log-odds of the positive (larger) class, or one logit per class
        in the sorted order of the labels (their softmax is the predicted
        probability).

    normalize : bool, default=True
        Return the mean loss per sample if True, else the sum.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    labels : array-like, default=None
        All class labels. Inferred from ``y_true`` when None.

    Returns
    -------
    loss : float
        The (weighted) mean or sum of the per-sample log losses.

    Raises
    ------
    ValueError
        If logits are not finite, lengths differ, ``y_true`` holds a single
        label and ``labels`` is None, ``y_true`` holds values outside
        ``labels``, or the number of columns differs from the number of labels.

    See Also
    --------
    log_loss : The same loss from probabilities.

    Examples
    --------
    >>> from sklearn_logloss import log_loss, log_loss_from_logits
    >>> log_loss_from_logits([1, 0], [-800.0, -800.0])
    400.0
    >>> round(log_loss([1, 0], [0.0, 0.0]), 2)  # clipped probabilities
    18.02
    >>> round(log_loss_from_logits([0, 2], [[2.0, 1.0, 0.1], [0.0, 0.0, 3.0]]), 5)
    0.29145
    """
    logits = check_array(logits, ensure_2d=False, dtype=[np.float64, np.float32], input_name="logits")
    if logits.ndim > 2:  # pragma: no cover - check_array rejects it
        raise ValueError(f"logits must be 1-D or 2-D, got shape {logits.shape}.")
    check_consistent_length(logits, y_true, sample_weight)
    sample_weight = _check_weights(sample_weight, logits)
    onehot, classes = _one_hot_targets(y_true, labels)
    onehot = onehot.astype(logits.dtype)
    if logits.ndim == 1 or logits.shape[1] == 1:
        _check_n_columns(classes.shape[0], 2, classes, labels, "logits")
        z = logits.reshape(-1)
        losses = -(onehot[:, 1] * log_expit(z) + onehot[:, 0] * log_expit(-z))
    else:
        _check_n_columns(classes.shape[0], logits.shape[1], classes, labels, "logits")
        losses = -(onehot * log_softmax(logits, axis=1)).sum(axis=1)
    return _average(losses, sample_weight, normalize)


def _final_estimator(estimator):
    while isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    return estimator


def _decision_function_is_logits(estimator):
    """Whether ``decision_function`` returns the logits of ``predict_proba``."""
    final = _final_estimator(estimator)
    n_classes = len(getattr(final, "classes_", ()))
    if isinstance(final, GDLogisticRegression):
        return True
    if isinstance(final, LogisticRegression):
        # scikit-learn < 1.8 could fit one-vs-rest models (multi_class="ovr",
        # or "auto" with liblinear); their logits are not softmax logits.
        multi_class = getattr(final, "multi_class", "deprecated")
        ovr = multi_class == "ovr" or (
            multi_class == "auto" and getattr(final, "solver", None) == "liblinear"
        )
        return n_classes == 2 or not ovr
    if isinstance(final, SGDClassifier):
        # Multiclass SGDClassifier is one-vs-rest: not softmax logits.
        return final.loss == "log_loss" and n_classes == 2
    return False


def _check_seen_labels(y_true, classes):
    y_true = np.asarray(y_true)
    unseen = ~np.isin(y_true, classes)
    if np.any(unseen):
        labels = sorted(set(y_true[unseen].tolist()), key=str)
        raise ValueError(
            f"y_true contains label(s) {labels} that the fitted estimator never saw "
            f"in training (its classes_ are {list(classes)}): their log loss is "
            "infinite. Use a stratified split, or make sure every class appears in "
            "every training fold."
        )


class _NegLogLossScorer(_BaseScorer):
    """Negative mean log loss, exact from logits where the model has them.

    Labels come from the fitted estimator's ``classes_``, so a test fold
    missing a class is still scored (``sklearn.metrics.log_loss`` would infer
    fewer labels than there are probability columns and fail).
    """

    def __init__(self):
        super().__init__(
            score_func=log_loss,
            sign=-1,
            kwargs={},
            response_method=("decision_function", "predict_proba"),
        )

    def __repr__(self):
        return "neg_log_loss_scorer"

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        self._warn_overlap(
            message=(
                "There is an overlap between set kwargs of this scorer instance and "
                "passed metadata. Please pass them either as kwargs to `make_scorer` "
                "or metadata, but not both."
            ),
            kwargs=kwargs,
        )
        classes = getattr(estimator, "classes_", None)
        if classes is not None and kwargs.get("labels") is None:
            _check_seen_labels(y_true, classes)
            kwargs["labels"] = classes
        if _decision_function_is_logits(estimator):
            logits = method_caller(estimator, "decision_function", X, pos_label=None)
            loss = log_loss_from_logits(y_true, logits, **kwargs)
        else:
            proba = method_caller(estimator, "predict_proba", X, pos_label=None)
            loss = log_loss(y_true, proba, **kwargs)
        return self._sign * loss


neg_log_loss_scorer = _NegLogLossScorer()
neg_log_loss_scorer.__doc__ = """Scorer: the negative mean log loss, exact from logits.

Use it as ``scoring=neg_log_loss_scorer`` in
:class:`~sklearn.model_selection.GridSearchCV`,
:func:`~sklearn.model_selection.cross_val_score` or
:func:`~sklearn.model_selection.cross_validate`; call it as
``neg_log_loss_scorer(estimator, X, y)``. Greater is better, as with
scikit-learn's ``"neg_log_loss"``.

- When the estimator's ``decision_function`` returns log-odds / softmax
  logits (:class:`GDLogisticRegression`,
  :class:`~sklearn.linear_model.LogisticRegression`, two-class
  :class:`~sklearn.linear_model.SGDClassifier` with ``loss="log_loss"``,
  also as the last step of a :class:`~sklearn.pipeline.Pipeline`), those
  logits are scored with :func:`log_loss_from_logits`: no clipping, exact
  for confident mistakes.
- Otherwise ``predict_proba`` is scored with :func:`log_loss`, which equals
  scikit-learn's ``"neg_log_loss"``.
- The labels are the fitted estimator's ``classes_``, so a test fold that
  misses a class gets its true, finite loss; a test label the estimator never
  saw raises a ValueError naming it.
- ``sample_weight`` is routed as for scikit-learn's scorers: passed directly,
  or with ``set_score_request(sample_weight=True)`` under metadata routing.

Examples
--------
>>> from sklearn.datasets import load_breast_cancer
>>> from sklearn.model_selection import cross_val_score
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from sklearn_logloss import GDLogisticRegression, neg_log_loss_scorer
>>> X, y = load_breast_cancer(return_X_y=True)
>>> model = make_pipeline(StandardScaler(), GDLogisticRegression(alpha=1e-2))
>>> scores = cross_val_score(model, X, y, cv=3, scoring=neg_log_loss_scorer)
>>> bool(-0.2 < scores.mean() < 0)
True
"""
