"""Log-loss metrics: from probabilities and, exactly, from logits.

:func:`log_loss` is a drop-in for :func:`sklearn.metrics.log_loss` (of
scikit-learn 1.9): same arguments, same values, same errors and warnings.
:func:`log_loss_from_logits` evaluates the same quantity from raw scores, so it
stays exact where probabilities underflow. Under ``array_api_dispatch=True``
both also accept arrays of other array API libraries (PyTorch, CuPy, ...),
copied to the host once, so their value is exactly the NumPy one.

This module imports no estimator. The scorer built on these functions,
:data:`sklearn_logloss.neg_log_loss_scorer`, lives in ``sklearn_logloss._scorer``;
``sklearn_logloss.metrics.neg_log_loss_scorer`` still finds it, importing it on
first access.
"""

import math
import warnings

import numpy as np
from scipy.special import log_expit
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_array, check_consistent_length

from ._compat import array_api_namespace, to_numpy

# ``neg_log_loss_scorer`` is found by attribute access (below), not exported here:
# a star import of the metrics must not import the estimators.
__all__ = ["log_loss", "log_loss_from_logits"]


def __getattr__(name):
    # PEP 562: the scorer sits on top of the estimators; importing it here at
    # import time would make every metric import the estimator layer.
    if name == "neg_log_loss_scorer":
        from ._scorer import neg_log_loss_scorer

        return neg_log_loss_scorer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"neg_log_loss_scorer"})


def _as_values(array):
    """The elements of a 1-D array-like as Python objects (as ``set`` sees them)."""
    return array.tolist() if hasattr(array, "tolist") else list(array)


def _check_label_types(values):
    """A ValueError, as scikit-learn's, for labels mixing strings and numbers.

    Lists are caught by scikit-learn itself; object arrays would otherwise
    reach a sort and fail with a TypeError.
    """
    if isinstance(values, np.ndarray) and values.dtype != object:
        return
    objects = np.asarray(values, dtype=object)
    if objects.ndim != 1:
        return
    if len({isinstance(value, str) for value in objects.tolist()}) > 1:
        raise ValueError(
            f"Mix of label input types (string and number); Got {np.unique(objects.astype(str))}."
        )


def _undeclared_values(y_true, labels, classes):
    """The values of ``y_true`` outside ``labels`` (a set; empty if none).

    Membership as scikit-learn tests it (NumPy's, or Python's for object
    arrays); the values named as scikit-learn names them, a set difference
    of the values as given.
    """
    y_array = np.asarray(y_true)
    if y_array.dtype == object or classes.dtype == object:
        known = set(_as_values(classes))
        inside = np.array([value in known for value in _as_values(y_array.ravel())], dtype=bool)
    else:
        inside = np.isin(y_array, classes)
    if np.all(inside):
        return set()
    given = y_true.ravel() if isinstance(y_true, np.ndarray) else y_true
    undeclared = set(_as_values(given)) - set(_as_values(labels))
    return undeclared or set(_as_values(y_array.ravel()[~inside.ravel()]))


def _one_hot_targets(y_true, labels, what):
    """One-hot ``y_true`` over ``labels`` (or its own labels), at least 2 columns.

    Follows :func:`sklearn.metrics.log_loss` (1.9), checks and messages in
    its order: labels are sorted as
    :class:`~sklearn.preprocessing.LabelBinarizer` sorts them; ``what`` names
    the predictions in the messages.
    """
    binarizer = LabelBinarizer()
    if labels is not None:
        _check_label_types(labels)
        binarizer.fit(labels)
        if binarizer.classes_.shape[0] != len(labels):
            raise ValueError(f"labels contains duplicate values: {labels}.")
        if not np.all(binarizer.classes_ == np.asarray(labels)):
            warnings.warn(
                f"Labels passed were {labels}. But this function assumes labels are "
                f"ordered lexicographically. Pass the ordered "
                f"labels={binarizer.classes_.tolist()} and ensure that the columns of "
                f"{what} correspond to this ordering.",
                UserWarning,
                stacklevel=3,
            )
        undeclared = _undeclared_values(y_true, labels, binarizer.classes_)
        if undeclared:
            raise ValueError(
                f"y_true contains values {undeclared} not belonging to the passed labels {labels}."
            )
    else:
        _check_label_types(y_true)
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


def _check_weights(sample_weight, n_samples):
    """Sample weights as a 1-D float64 array (None stays None).

    Negative weights are accepted, as scikit-learn's ``log_loss`` accepts
    them; all-zero or non-finite ones are refused with scikit-learn's messages.
    """
    if sample_weight is None:
        return None
    sample_weight = check_array(
        sample_weight, ensure_2d=False, dtype=np.float64, input_name="sample_weight"
    )
    if sample_weight.ndim != 1:
        raise ValueError("Sample weights must be 1D array or scalar")
    if sample_weight.shape != (n_samples,):
        raise ValueError(f"sample_weight.shape == {sample_weight.shape}, expected {(n_samples,)}!")
    if not np.any(sample_weight):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return sample_weight


def _peak_exponent(values):
    """The power of two ``e`` with ``max |values| < 2**e`` (0 for all zeros)."""
    return int(np.frexp(np.max(np.abs(values)))[1])


def _scale_back(value, exponent):
    try:
        return math.ldexp(float(value), exponent)
    except OverflowError:
        raise ValueError(
            "The weighted mean or sum of the losses exceeds the float64 range: "
            "sample_weight too large for normalize=False, or with weights of both "
            "signs nearly cancelling."
        ) from None


def _average(losses, sample_weight, normalize):
    """The (weighted) mean or sum of ``losses``, as scikit-learn sums them.

    Losses, weights and their products are scaled by powers of two, which is
    exact: the result has scikit-learn's rounding where its sums stay in
    range, and weights as large as 1e300 or as small as 1e-300 neither
    overflow nor underflow (only their ratios matter to the mean).
    """
    loss_exponent = _peak_exponent(losses)
    if sample_weight is None:
        scaled = np.ldexp(losses, -loss_exponent)
        total = np.mean(scaled) if normalize else np.sum(scaled)
        return _scale_back(total, loss_exponent)
    dtype = np.result_type(losses, sample_weight)
    loss_mantissa, loss_exponents = np.frexp(losses.astype(dtype, copy=False))
    weight_mantissa, weight_exponents = np.frexp(sample_weight.astype(dtype, copy=False))
    product_exponents = loss_exponents + weight_exponents
    top = int(np.max(product_exponents))
    weighted = np.sum(
        np.ldexp(loss_mantissa * weight_mantissa, product_exponents - top, dtype=dtype)
    )
    if not normalize:
        return _scale_back(weighted, top)
    weight_exponent = _peak_exponent(sample_weight)
    weight_sum = np.sum(np.ldexp(sample_weight, -weight_exponent))
    if weight_sum == 0:
        raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    return _scale_back(weighted / weight_sum, top - weight_exponent)


def log_loss(
    y_true,
    y_proba=None,
    *,
    normalize=True,
    sample_weight=None,
    labels=None,
    y_pred="deprecated",
):
    r"""Log loss (cross-entropy) from predicted probabilities.

    A drop-in for :func:`sklearn.metrics.log_loss` (scikit-learn 1.9): the
    same arguments, the same values, and the same errors and warnings with
    the same messages. For one sample with true class :math:`k` and
    predicted probabilities :math:`p`, the loss is :math:`-\log p_k`; for two
    classes, :math:`-(y \log p + (1 - y) \log(1 - p))`.

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
        Return the (weighted) mean loss per sample if True, else the
        (weighted) sum.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights, not all zero. Negative weights are accepted, as by
        scikit-learn: the result is then the weighted mean (or sum) as
        written, which can be negative; with ``normalize=True`` the weights
        must not sum to zero.

    labels : array-like, default=None
        All class labels. Inferred from ``y_true`` when None.

    y_pred : array-like, default="deprecated"
        The former name of ``y_proba`` (scikit-learn < 1.9). Accepted as there,
        with a FutureWarning; passing both raises a ValueError.

    Returns
    -------
    loss : float
        The (weighted) mean or sum of the per-sample log losses.

    Raises
    ------
    ValueError
        If probabilities lie outside [0, 1] or are not finite, lengths differ,
        ``y_true`` holds a single label and ``labels`` is None, ``y_true``
        holds values outside ``labels``, labels mix strings and numbers,
        ``labels`` has duplicates, the number of columns differs from the
        number of labels, the sample weights are all zero or not finite, or
        both ``y_proba`` and ``y_pred`` are given.
    ZeroDivisionError
        If ``normalize=True`` and the sample weights sum to zero (possible
        with negative weights), as in scikit-learn.

    Warns
    -----
    UserWarning
        If the rows of ``y_proba`` do not sum to one, or ``labels`` is not
        sorted.

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
    if not (isinstance(y_pred, str) and y_pred == "deprecated"):
        if y_proba is not None:
            raise ValueError(
                "Cannot use both `y_pred` and `y_proba`. `y_pred` is deprecated, "
                "use `y_proba` instead."
            )
        warnings.warn(
            "`y_pred` was renamed to `y_proba` in version 1.9 and will be removed in "
            "1.11. Use `y_proba` instead. (These are scikit-learn's versions: this "
            "function follows its signature.)",
            FutureWarning,
            stacklevel=2,
        )
        y_proba = y_pred
    if y_proba is None:
        raise TypeError("log_loss() missing required argument: 'y_proba'")
    y_true, y_proba, sample_weight, labels = _on_host(y_true, y_proba, sample_weight, labels)
    y_proba = check_array(y_proba, ensure_2d=False, dtype=[np.float64, np.float32, np.float16])
    if y_proba.max() > 1:
        raise ValueError(f"y_prob contains values greater than 1: {y_proba.max()}")
    if y_proba.min() < 0:
        raise ValueError(f"y_prob contains values lower than 0: {y_proba.min()}")
    check_consistent_length(y_proba, y_true, sample_weight)
    sample_weight = _check_weights(sample_weight, y_proba.shape[0])
    onehot, classes = _one_hot_targets(y_true, labels, "y_prob")
    if y_proba.ndim == 1:
        y_proba = y_proba[:, np.newaxis]
    if y_proba.shape[1] == 1:
        y_proba = np.hstack([1 - y_proba, y_proba])
    eps = np.finfo(y_proba.dtype).eps
    # The tolerances of scikit-learn's check, so the warning fires on the same inputs.
    if not np.allclose(y_proba.sum(axis=1), 1, rtol=np.sqrt(eps), atol=1e-8):
        warnings.warn(
            "The y_prob values do not sum to one. Make sure to pass probabilities.",
            UserWarning,
            stacklevel=2,
        )
    _check_n_columns(classes.shape[0], y_proba.shape[1], classes, labels, "y_prob")
    y_proba = np.clip(y_proba, eps, 1 - eps)
    # As scikit-learn computes it, in the dtype of y_proba (scipy's xlogy
    # would compute float32 input in float64).
    onehot = onehot.astype(y_proba.dtype)
    losses = -np.where(onehot == 0, 0, onehot * np.log(y_proba)).sum(axis=1)
    return _average(losses, sample_weight, normalize)


def _multiclass_neg_log_proba(logits):
    r"""``-log softmax(logits)`` by rows, with relative precision near zero.

    With ``m`` a row's largest logit (column ``t``), ``-log p_k = (m - z_k) +
    log1p(\sum_{j \ne t} e^{z_j - m})``: two non-negative terms, so a loss of
    1e-17 (a confident, correct row) keeps its digits where
    ``logsumexp(z) - z_k`` cancels to 0. A difference beyond the float64
    range is +inf (its exponential is 0, as it should be).
    """
    rows = np.arange(logits.shape[0])
    top = np.argmax(logits, axis=1)
    with np.errstate(over="ignore"):
        gaps = logits[rows, top][:, np.newaxis] - logits
    others = -gaps
    others[rows, top] = -np.inf
    return gaps + np.log1p(np.exp(others).sum(axis=1))[:, np.newaxis]


def log_loss_from_logits(y_true, logits, *, normalize=True, sample_weight=None, labels=None):
    r"""Log loss (cross-entropy) from logits, evaluated exactly.

    For two classes and a logit :math:`z` (the log-odds of the positive
    class) the per-sample loss is :math:`\operatorname{softplus}(z) - y z`,
    computed as ``-log_expit(z)`` for a positive and ``-log_expit(-z)`` for a
    negative sample. For ``K`` logits it is
    :math:`\operatorname{logsumexp}(z) - z_y`, computed as
    :math:`(m - z_y) + \operatorname{log1p}(\sum_{j \ne t} e^{z_j - m})` with
    :math:`m = z_t` the largest logit: a sum of two non-negative terms. No
    probability is formed, so nothing underflows or is clipped: a positive
    sample with logit -800 costs exactly 800, where clipped probabilities
    report about 36.04, and a confidently correct sample keeps its small
    loss to relative precision (1.7e-16 for logits ``[18, -19, -19]``, not 0).

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
        Return the (weighted) mean loss per sample if True, else the
        (weighted) sum.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights, not all zero; negative weights are accepted, as by
        :func:`log_loss`.

    labels : array-like, default=None
        All class labels. Inferred from ``y_true`` when None.

    Returns
    -------
    loss : float
        As :func:`log_loss`: the (weighted) mean, or sum, of the per-sample
        log losses, here computed from the logits.

    Raises
    ------
    ValueError
        In the cases of :func:`log_loss` (lengths, labels, weights), with
        logits in place of probabilities: if they are not finite, or a loss
        exceeds the float64 range (logits of one row more than about 1.8e308
        apart).
    ZeroDivisionError
        If ``normalize=True`` and the sample weights sum to zero.

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
    >>> float(f"{log_loss_from_logits([0], [[40.0, 0.0, 0.0]], labels=[0, 1, 2]):.4g}")
    8.497e-18
    """
    # float64 even for float32 logits: a float32 logit is exact in float64, and
    # so is then its loss.
    y_true, logits, sample_weight, labels = _on_host(y_true, logits, sample_weight, labels)
    logits = check_array(logits, ensure_2d=False, dtype=np.float64, input_name="logits")
    check_consistent_length(logits, y_true, sample_weight)
    sample_weight = _check_weights(sample_weight, logits.shape[0])
    onehot, classes = _one_hot_targets(y_true, labels, "logits")
    if logits.ndim == 1 or logits.shape[1] == 1:
        _check_n_columns(classes.shape[0], 2, classes, labels, "logits")
        z = logits.reshape(-1, 1)
        neg_log_proba = -np.hstack([log_expit(-z), log_expit(z)])
    else:
        _check_n_columns(classes.shape[0], logits.shape[1], classes, labels, "logits")
        neg_log_proba = _multiclass_neg_log_proba(logits)
    # Select rather than multiply: 0 * inf would be nan.
    losses = np.where(onehot != 0, neg_log_proba, 0.0).sum(axis=1)
    if not np.all(np.isfinite(losses)):
        raise ValueError(
            "The log loss of some samples exceeds the float64 range: their logits are "
            "more than about 1.8e308 apart."
        )
    return _average(losses, sample_weight, normalize)
