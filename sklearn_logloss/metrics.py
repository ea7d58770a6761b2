"""Log-loss metrics: from probabilities and, exactly, from logits.

:func:`log_loss` is a drop-in for :func:`sklearn.metrics.log_loss`: same
arguments, same values, same errors. :func:`log_loss_from_logits` evaluates
the same quantity from raw scores with the log-sigmoid / log-softmax, so it
stays exact where probabilities underflow. :data:`neg_log_loss_scorer` is a
scikit-learn scorer built on them. Under ``array_api_dispatch=True`` the
functions also accept arrays of other array API libraries (PyTorch, CuPy,
...), copied to the host once, so their value is exactly the NumPy one.
"""

import warnings

import numpy as np
from scipy.special import log_expit, log_softmax
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_array, check_consistent_length

from ._compat import _BaseScorer, array_api_namespace, check_sample_weight, to_numpy
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
        if binarizer.classes_.shape[0] != len(labels):
            raise ValueError(f"labels contains duplicate values: {list(labels)}.")
        if not np.all(binarizer.classes_ == np.asarray(labels)):
            warnings.warn(
                f"Labels passed were {labels}. But this function assumes labels are "
                f"ordered lexicographically. Pass the ordered "
                f"labels={binarizer.classes_.tolist()} and ensure that the columns of "
                "the predictions correspond to this ordering.",
                UserWarning,
                stacklevel=3,
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


def _on_host(*arrays):
    """NumPy copies of the array API arrays among ``arrays`` (under dispatch).

    The metrics reduce to one float: inputs of another namespace or device
    are brought to the host once and scored by the NumPy code, so they give
    exactly the NumPy result.
    """
    return [a if array_api_namespace(a) is None else to_numpy(a) for a in arrays]


def _average(losses, sample_weight, normalize):
    if normalize:
        return float(np.average(losses, weights=sample_weight))
    if sample_weight is None:
        return float(np.sum(losses))
    return float(np.dot(losses, sample_weight))


def _check_weights(sample_weight, values):
    if sample_weight is None:
        return None
    sample_weight = check_sample_weight(sample_weight, values)
    if not np.any(sample_weight):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return sample_weight


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
        Non-negative sample weights, not all zero. (scikit-learn accepts
        negative weights here; this function raises a ValueError.)

    labels : array-like, default=None
        All class labels. Inferred from ``y_true`` when None.

    Returns
    -------
    loss : float
        The (weighted) mean or sum of the per-sample log losses.

    Raises
    ------
    ValueError
        If probabilities lie outside [0, 1] or are not finite, lengths differ,
        ``y_true`` holds a single label and ``labels`` is None, ``y_true``
        holds values outside ``labels``, ``labels`` has duplicates, the number
        of columns differs from the number of labels, or the sample weights
        are negative or all zero.

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
    y_true, y_proba, sample_weight, labels = _on_host(y_true, y_proba, sample_weight, labels)
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
    # The tolerances of scikit-learn's check, so the warning fires on the same inputs.
    if not np.allclose(y_proba.sum(axis=1), 1, rtol=np.sqrt(eps), atol=1e-8):
        warnings.warn(
            "The y_proba values do not sum to one. Make sure to pass probabilities.",
            UserWarning,
            stacklevel=2,
        )
    _check_n_columns(classes.shape[0], y_proba.shape[1], classes, labels, "y_proba")
    y_proba = np.clip(y_proba, eps, 1 - eps)
    # As scikit-learn computes it, in the dtype of y_proba (scipy's xlogy
    # would compute float32 input in float64).
    onehot = onehot.astype(y_proba.dtype)
    losses = -np.where(onehot == 0, 0, onehot * np.log(y_proba)).sum(axis=1)
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
        probability). Evaluated in float64, whatever their dtype.

    normalize : bool, default=True
        Return the mean loss per sample if True, else the sum.

    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, not all zero. (scikit-learn accepts
        negative weights here; this function raises a ValueError.)

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
        ``labels``, ``labels`` has duplicates, the number of columns differs
        from the number of labels, or the sample weights are negative or all
        zero.

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
    >>> logits = [[2.0, 1.0, 0.1], [0.0, 0.0, 3.0]]
    >>> round(log_loss_from_logits([0, 2], logits, labels=[0, 1, 2]), 5)
    0.25598
    """
    # float64 even for float32 logits: a float32 logit is exact in float64, and
    # so is then its loss.
    y_true, logits, sample_weight, labels = _on_host(y_true, logits, sample_weight, labels)
    logits = check_array(logits, ensure_2d=False, dtype=np.float64, input_name="logits")
    check_consistent_length(logits, y_true, sample_weight)
    sample_weight = _check_weights(sample_weight, logits)
    onehot, classes = _one_hot_targets(y_true, labels)
    if logits.ndim == 1 or logits.shape[1] == 1:
        _check_n_columns(classes.shape[0], 2, classes, labels, "logits")
        z = logits.reshape(-1, 1)
        log_proba = np.hstack([log_expit(-z), log_expit(z)])
    else:
        _check_n_columns(classes.shape[0], logits.shape[1], classes, labels, "logits")
        log_proba = log_softmax(logits, axis=1)
    # Select rather than multiply: 0 * (-inf) would be nan.
    losses = -np.where(onehot != 0, log_proba, 0.0).sum(axis=1)
    return _average(losses, sample_weight, normalize)


def _final_estimator(estimator):
    """The estimator that computes the responses of ``estimator``.

    Reaches through a :class:`~sklearn.pipeline.Pipeline` (its last step) and a
    refitted :class:`~sklearn.model_selection.GridSearchCV` or
    :class:`~sklearn.model_selection.RandomizedSearchCV` (its
    ``best_estimator_``), whose ``decision_function`` delegates to it.
    """
    while True:
        if isinstance(estimator, Pipeline):
            estimator = estimator.steps[-1][1]
        elif isinstance(estimator, (GridSearchCV, RandomizedSearchCV)) and hasattr(
            estimator, "best_estimator_"
        ):
            estimator = estimator.best_estimator_
        else:
            return estimator


def _logits_from_decision(estimator):
    """How to turn ``decision_function`` into the logits of ``predict_proba``.

    Returns None when ``decision_function`` does not give those logits (the
    scorer then uses ``predict_proba``), else the factor to multiply it by.
    """
    final = _final_estimator(estimator)
    n_classes = len(getattr(final, "classes_", ()))
    if isinstance(final, GDLogisticRegression):
        return 1.0
    if isinstance(final, LogisticRegression):
        # Mirrors LogisticRegression.predict_proba. scikit-learn < 1.8 has
        # ``multi_class``: "ovr" (or "auto"/"deprecated" with liblinear) fits
        # one-vs-rest models, whose normalized sigmoids are not a softmax; an
        # explicit "multinomial" on two classes gives softmax([-d, d]), that
        # is sigmoid(2 d). Newer versions have no ``multi_class``: sigmoid for
        # two classes, softmax otherwise.
        multi_class = getattr(final, "multi_class", "deprecated")
        ovr = multi_class in ("ovr", "warn") or (
            multi_class in ("auto", "deprecated")
            and (n_classes <= 2 or getattr(final, "solver", None) == "liblinear")
        )
        if ovr:
            return 1.0 if n_classes == 2 else None
        return 2.0 if n_classes == 2 else 1.0
    if isinstance(final, SGDClassifier):
        # Multiclass SGDClassifier is one-vs-rest: not softmax logits.
        return 1.0 if final.loss == "log_loss" and n_classes == 2 else None
    return None


def _check_seen_labels(y_true, classes):
    y_true = np.asarray(y_true)
    unseen = ~np.isin(y_true, classes)
    if np.any(unseen):
        labels = sorted(set(y_true[unseen].tolist()), key=str)
        raise ValueError(
            f"y_true contains label(s) {labels} that the fitted estimator never saw "
            f"in training (its classes_ are {np.asarray(classes).tolist()}): their log loss is "
            "infinite. Use a stratified split, or make sure every class appears in "
            "every training fold."
        )


class _NegLogLossScorer(_BaseScorer):
    """Negative mean log loss, exact from logits where the model has them.

    Labels come from the fitted estimator's ``classes_``, so a test fold
    missing a class is still scored (``sklearn.metrics.log_loss`` would infer
    fewer labels than there are probability columns and fail). Like every
    scikit-learn classifier, the estimator is assumed to order ``classes_``
    (and its ``predict_proba`` columns) sorted. See ``neg_log_loss_scorer``.
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
        (y_true,) = _on_host(y_true)  # array API inputs (a GPU, say): scored on the host
        classes = getattr(estimator, "classes_", None)
        if classes is not None and kwargs.get("labels") is None:
            _check_seen_labels(y_true, classes)
            kwargs["labels"] = classes
        scale = _logits_from_decision(estimator)
        if scale is not None:
            logits = method_caller(estimator, "decision_function", X, pos_label=None)
            (logits,) = _on_host(logits)
            loss = log_loss_from_logits(y_true, scale * np.asarray(logits), **kwargs)
        else:
            proba = method_caller(estimator, "predict_proba", X, pos_label=None)
            loss = log_loss(y_true, proba, **kwargs)
        return self._sign * loss


neg_log_loss_scorer = _NegLogLossScorer()
neg_log_loss_scorer.__doc__ = """Scorer: the negative mean log loss, exact from logits.

Use it as ``scoring=neg_log_loss_scorer`` in
:class:`~sklearn.model_selection.GridSearchCV`,
:func:`~sklearn.model_selection.cross_val_score` or
:func:`~sklearn.model_selection.cross_validate` (alone or in a dict of
scorers); call it as ``neg_log_loss_scorer(estimator, X, y)``. Greater is
better, as with scikit-learn's ``"neg_log_loss"``. It differs from that
scorer in two ways:

- **Exact from logits.** When the estimator's ``decision_function`` returns
  the logits of its ``predict_proba`` (:class:`GDLogisticRegression`,
  :class:`~sklearn.linear_model.LogisticRegression`, two-class
  :class:`~sklearn.linear_model.SGDClassifier` with ``loss="log_loss"``;
  also as the last step of a :class:`~sklearn.pipeline.Pipeline` or the
  ``best_estimator_`` of a refitted
  :class:`~sklearn.model_selection.GridSearchCV` /
  :class:`~sklearn.model_selection.RandomizedSearchCV`), those logits are
  scored with :func:`log_loss_from_logits`: no clipping, so a confident
  mistake costs its true loss, not about 36. For any other classifier
  (multiclass ``SGDClassifier`` is one-vs-rest, hence not softmax logits)
  ``predict_proba`` is scored with :func:`log_loss`, giving the value of
  scikit-learn's ``"neg_log_loss"``.
- **Labels from the model.** The labels are the fitted estimator's
  ``classes_`` (reached through pipelines and meta-estimators that expose
  it), not those present in ``y``: a cross-validation test fold that misses
  a class gets its true, finite loss, where scikit-learn's scorer fails and
  reports ``nan``. A test label the estimator never saw in training has an
  infinite loss: the scorer raises a ValueError naming it. (The functions
  :func:`log_loss` and :func:`log_loss_from_logits` keep scikit-learn's
  behaviour and infer the labels from ``y_true`` when ``labels`` is None.)

``sample_weight`` is accepted as by scikit-learn's scorers: passed directly,
``neg_log_loss_scorer(estimator, X, y, sample_weight=w)``, or under metadata
routing after ``set_score_request(sample_weight=True)``. That call modifies
the scorer it is called on; request on a copy
(``copy.deepcopy(neg_log_loss_scorer)``) to leave this shared instance as it
is.

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

# doctest does not look at instances: run the scorer's Examples explicitly.
__test__ = {"neg_log_loss_scorer": neg_log_loss_scorer.__doc__}
