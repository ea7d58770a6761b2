"""The input of a fit: data of any supported kind turned into a loss and its classes.

One entry point per estimator method, whatever the data: :func:`fit_input`
(NumPy, sparse, pandas, array API arrays under ``array_api_dispatch``, Dask
arrays) and :func:`partial_fit_input` (NumPy and sparse chunks). Each validates
``X``, ``y`` and ``sample_weight``, encodes the classes, applies the class
weights and builds the loss with :func:`~._loss.make_loss`, so the estimator
only chooses a solver and stores its result.

What every path shares is written once here: the class-weight vector (a dict or
``"balanced"``), the checks on weights, the scale of ``X`` and the number of
classes, and their error messages. Weights are relative: each factor is
divided by its maximum. Dask data is checked through scikit-learn's public
validation helpers applied to small computed pieces (the labels, a sum of
squares per block of ``X``, the extremes of the weights, the class counts), so
``X`` is read once and never gathered.
"""

import math
import numbers
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import train_test_split
from sklearn.utils import assert_all_finite
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, column_or_1d, validate_data

from ._compat import array_api_namespace, check_sample_weight, to_numpy
from ._loss import make_loss

__all__ = ["EarlyStopping", "FitInput", "fit_input", "is_dask_array", "partial_fit_input"]

_FLOATS = [np.float64, np.float32]
# X's finiteness is checked with its scale, in the same pass (_check_numpy_values).
_NUMPY_CHECKS = {
    "accept_sparse": ["csr", "csc"],
    "dtype": _FLOATS,
    "ensure_all_finite": False,
}


@dataclass(frozen=True)
class FitInput:
    """What a fit needs, built from validated input.

    Attributes
    ----------
    loss : loss object
        The penalized training objective (the loss contract of ``_loss``).
    classes : ndarray of shape (n_classes,)
        The sorted class labels; the loss holds their codes.
    validation : loss object or None
        With early stopping, the unpenalized log loss of the held-out samples.
    namespace : tuple or None
        ``(xp, device)`` of array API input, where the fitted arrays belong;
        None for NumPy, sparse and Dask input.
    """

    loss: object
    classes: np.ndarray
    validation: object = None
    namespace: tuple = None


def is_dask_array(X):
    """Whether ``X`` is a ``dask.array.Array`` (without importing dask)."""
    return type(X).__module__.split(".")[0] == "dask" and hasattr(X, "to_delayed")


def fit_input(estimator, X, y, sample_weight):
    """Validate the input of ``estimator.fit`` and build its :class:`FitInput`.

    Sets ``n_features_in_`` (and ``feature_names_in_`` where ``X`` has them)
    on ``estimator``, whose ``alpha``, ``fit_intercept``, ``class_weight`` and
    early-stopping parameters are read.
    """
    namespace = array_api_namespace(X)
    if is_dask_array(X):
        if estimator.early_stopping:
            raise ValueError("early_stopping=True is not supported for Dask arrays.")
        X, codes, classes, sample_weight = _dask_arrays(estimator, X, y, sample_weight)
        return FitInput(_loss(estimator, X, codes, sample_weight, classes), classes)
    if namespace is not None:
        if estimator.early_stopping:
            raise ValueError(
                "early_stopping=True is not supported for array API inputs; "
                "pass NumPy arrays or disable array_api_dispatch."
            )
        X, codes, classes, sample_weight = _array_api_arrays(estimator, X, y, sample_weight)
        loss = _loss(estimator, X, codes, sample_weight, classes)
        return FitInput(loss, classes, namespace=namespace)
    plain = _is_plain(X, y)
    if plain:  # what validate_data(reset=True) records for a NumPy X
        estimator.n_features_in_ = X.shape[1]
        estimator.__dict__.pop("feature_names_in_", None)
    else:
        X, y = validate_data(estimator, X, y, **_NUMPY_CHECKS)
    _check_numpy_values(estimator, X)
    classes, codes = _encode_labels(y, checked=plain)
    per_class = class_weights(estimator.class_weight, classes, np.bincount(codes))
    sample_weight = _relative_weights(sample_weight, X.shape[0], codes, per_class)
    validation = None
    if estimator.early_stopping:
        train, held_out = _validation_split(estimator, codes, classes, sample_weight)
        validation = make_loss(
            X[held_out],
            codes[held_out],
            sample_weight[held_out].astype(X.dtype),
            n_classes=classes.shape[0],
            alpha=0.0,
            fit_intercept=estimator.fit_intercept,
        )
        X, codes, sample_weight = X[train], codes[train], sample_weight[train]
    loss = _loss(estimator, X, codes, sample_weight.astype(X.dtype), classes)
    return FitInput(loss, classes, validation)


#: Labels scikit-learn's checks accept as they are: integers, booleans, strings.
_PLAIN_LABEL_KINDS = frozenset("iubU")


def _is_plain(X, y):
    """Whether scikit-learn's checks would accept ``X`` and ``y`` unchanged.

    So for a 2-D float NumPy ``X`` (no subclass, at least one row and column)
    and a 1-D NumPy ``y`` of integers, booleans or strings of its length: the
    checks (dataframe probes, the type of the target) cost more than a small
    fit's iterations and can find nothing wrong. Other input takes them.
    """
    return (
        type(X) is np.ndarray
        and type(y) is np.ndarray
        and X.ndim == 2
        and y.ndim == 1
        and X.dtype in _FLOATS
        and y.dtype.kind in _PLAIN_LABEL_KINDS
        and X.shape[1] >= 1
        and 1 <= X.shape[0] == y.shape[0]
    )


def partial_fit_input(estimator, X, y, classes, sample_weight):
    """Validate one chunk for ``estimator.partial_fit``; returns ``(loss, classes)``.

    ``classes`` is required on the first call (``estimator`` has no
    ``classes_`` yet); later calls may omit it or repeat the same classes.
    """
    if array_api_namespace(X) is not None:
        raise ValueError(
            "partial_fit does not support array API inputs (array_api_dispatch=True "
            "with non-NumPy arrays): pass NumPy arrays, or use fit."
        )
    first_call = not hasattr(estimator, "classes_")
    if first_call and classes is None:
        raise ValueError("classes must be passed on the first call to partial_fit.")
    if classes is not None:
        classes = np.unique(np.asarray(classes))
        if not first_call and not np.array_equal(classes, estimator.classes_):
            raise ValueError(
                f"`classes={list(classes)}` is not the same as on last call to "
                f"partial_fit, was: {list(estimator.classes_)}."
            )
        if classes.shape[0] < 2:
            raise ValueError(f"classes must hold at least 2 classes, got {list(classes)}.")
    if isinstance(estimator.class_weight, str):
        raise ValueError(
            "class_weight 'balanced' is not supported for partial_fit: the class "
            "frequencies of a stream are unknown. Pass a dict of class weights, "
            "e.g. computed with sklearn.utils.class_weight.compute_class_weight."
        )
    X, y = validate_data(estimator, X, y, reset=first_call, **_NUMPY_CHECKS)
    _check_numpy_values(estimator, X)
    check_classification_targets(y)
    classes = classes if first_call else estimator.classes_
    unknown = ~np.isin(y, classes)
    if np.any(unknown):
        raise ValueError(
            f"y contains labels {sorted(set(y[unknown].tolist()), key=str)} that are "
            f"not in classes {list(classes)}."
        )
    codes = np.searchsorted(classes, y)
    per_class = class_weights(estimator.class_weight, classes)
    sample_weight = _relative_weights(sample_weight, X.shape[0], codes, per_class)
    return _loss(estimator, X, codes, sample_weight.astype(X.dtype), classes), classes


def class_weights(class_weight, classes, counts=None):
    """The weight of each class, or None when ``class_weight`` is None.

    Parameters
    ----------
    class_weight : dict, "balanced" or None
        The estimator's parameter.
    classes : ndarray of shape (n_classes,)
        The sorted class labels.
    counts : ndarray of shape (n_classes,), default=None
        The number of samples of each class; needed for ``"balanced"``, whose
        weights are ``n_samples / (n_classes * counts)``.

    Returns
    -------
    weights : ndarray of shape (n_classes,) or None
        Finite non-negative float64 weights, in the order of ``classes``.
    """
    if class_weight is None:
        return None
    if isinstance(class_weight, str):
        counts = np.asarray(counts, dtype=np.float64)
        return counts.sum() / (classes.shape[0] * counts)
    if not all(_is_real(value) for value in class_weight.values()):
        raise ValueError(f"The values of class_weight must be real numbers, got {class_weight!r}.")
    weights = compute_class_weight(class_weight, classes=classes, y=classes)
    weights = np.asarray(weights, dtype=np.float64)
    if not np.all(np.isfinite(weights) & (weights >= 0)):
        raise ValueError(
            f"The values of class_weight must be finite and non-negative, got {class_weight!r}."
        )
    return weights


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _encode_labels(y, *, checked=False):
    """``(classes, codes)`` of classification targets; at least two classes.

    ``checked``: ``y`` is known to pass scikit-learn's checks (see :func:`_is_plain`).
    """
    if not checked:
        assert_all_finite(y, input_name="y")
        check_classification_targets(y)
    y = np.asarray(y)
    small_ints = y.dtype.kind == "i" or (y.dtype.kind == "u" and y.dtype.itemsize < 8)
    if small_ints and y.ndim == 1 and y.size:
        low = int(y.min())
        span = int(y.max()) - low
        if span <= max(y.size, 256):
            # Integer labels of a small range: a count per value, no sort.
            offsets = np.subtract(y, low, dtype=np.intp)
            present = np.bincount(offsets, minlength=span + 1) > 0
            classes = (np.flatnonzero(present) + low).astype(y.dtype)
            _check_n_classes(classes)
            return classes, (np.cumsum(present) - 1)[offsets]
    classes = np.unique(y)
    _check_n_classes(classes)
    # a binary search per label: cheaper than np.unique's sort for the inverse
    return classes, np.searchsorted(classes, y)


def _check_n_classes(classes):
    if classes.shape[0] < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but "
            f"the data contains only one class: {classes[0]!r}."
        )


def _relative_weights(sample_weight, n_samples, codes, per_class):
    """Sample weights times class weights, divided by their maximum (float64).

    Weights are relative: dividing each factor by its largest value keeps the
    model and keeps the products and their sum finite, so weights of 1e308
    give the unit-weight model.
    """
    if sample_weight is None and per_class is None:
        return np.ones(n_samples)  # what the checks below make of None
    sample_weight = check_sample_weight(sample_weight, np.empty((n_samples, 0)), dtype=np.float64)
    sample_weight = _by_maximum(sample_weight, np.max(sample_weight))
    if per_class is not None:
        sample_weight = sample_weight * _per_class_factors(per_class)[codes]
        sample_weight = _by_maximum(sample_weight, np.max(sample_weight))
    return sample_weight


def _by_maximum(weights, top):
    """``weights / top`` for their maximum ``top``, which must be positive."""
    if not top > 0:
        raise ValueError(
            "The sample weights (sample_weight times class_weight) sum to zero; at "
            "least one sample needs a positive weight."
        )
    return weights / float(top)


def _per_class_factors(per_class):
    top = np.max(per_class)
    return per_class / top if top > 0 else per_class


# The sum of the squared entries of X bounds the curvature of the loss, from
# which the step sizes come; it must stay this far below the largest float, for
# the small factors the solvers multiply it by.
_SCALE_MARGIN = 1024.0


def _squares_limit(dtype):
    return float(np.finfo(dtype).max) / _SCALE_MARGIN


#: Up to this many values, ``_sum_of_squares`` takes dot products of at most
#: ``_UNTHREADED_DOT`` values: OpenBLAS threads longer ones, and a threaded call
#: waits for its worker, which another library's threads still spinning after
#: their own work (scikit-learn's lbfgs, right before) can keep off the cores
#: for milliseconds: breast_cancer's fit took 8 ms instead of 3 there.
_SMALL_VALUES = 1 << 16
_UNTHREADED_DOT = 8192


def _sum_of_squares(values):
    """``sum(values**2)`` of a 1-D NumPy array in one pass, inf on overflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        if values.size > _SMALL_VALUES:  # a threaded product pays on large data
            return float(np.dot(values, values))
        total = 0.0
        for start in range(0, values.size, _UNTHREADED_DOT):
            part = values[start : start + _UNTHREADED_DOT]
            total += float(np.dot(part, part))
        return total


def _check_numpy_values(estimator, X):
    """One pass over NumPy or sparse ``X``: finite, and not too large to square.

    Takes the place of scikit-learn's finiteness check (``validate_data`` is
    called with ``ensure_all_finite=False``), whose errors it raises for NaN
    and infinity.
    """
    values = X.data if sp.issparse(X) else X.ravel(order="K")  # a view, C or F order
    if _sum_of_squares(values) <= _squares_limit(X.dtype):
        return
    assert_all_finite(values, estimator_name=type(estimator).__name__, input_name="X")
    _scale_error(max(float(values.max()), -float(values.min())), X.dtype)


def _scale_error(max_abs, dtype):
    raise ValueError(
        f"X holds values up to {max_abs:.3g} in magnitude: the sum of their squares, "
        f"from which the step sizes of gradient descent are computed, overflows "
        f"{np.dtype(dtype).name}. Scale the features, e.g. with "
        "sklearn.preprocessing.StandardScaler."
    )


def _loss(estimator, X, codes, sample_weight, classes):
    return make_loss(
        X,
        codes,
        sample_weight,
        n_classes=classes.shape[0],
        alpha=estimator.alpha,
        fit_intercept=estimator.fit_intercept,
    )


def _validation_split(estimator, codes, classes, sample_weight):
    """Stratified ``(train, held_out)`` indices for early stopping."""
    n_samples, n_classes = codes.shape[0], classes.shape[0]
    fraction = estimator.validation_fraction
    counts = np.bincount(codes, minlength=n_classes)
    n_held_out = math.ceil(fraction * n_samples)
    if counts.min() < 2 or min(n_held_out, n_samples - n_held_out) < n_classes:
        raise ValueError(
            f"early_stopping=True with validation_fraction={fraction} holds out "
            f"{n_held_out} of {n_samples} samples, stratified by class; it needs "
            f"at least one sample of each of the {n_classes} classes in both the "
            f"held-out and the training part (class counts: {counts.tolist()}). "
            "Change validation_fraction or pass more samples."
        )
    train, held_out = train_test_split(
        np.arange(n_samples),
        test_size=fraction,
        stratify=codes,
        random_state=estimator.random_state,
    )
    for part, name in ((held_out, "held-out"), (train, "training")):
        if not np.any(sample_weight[part] > 0):
            raise ValueError(
                f"The {name} samples of early stopping (validation_fraction="
                f"{fraction}) all have zero weight (sample_weight times "
                "class_weight): change validation_fraction or random_state, or "
                "fit without early_stopping."
            )
    return train, held_out


def _array_api_arrays(estimator, X, y, sample_weight):
    """Validated array API ``X`` (kept in its namespace and on its device) and
    its codes, classes and relative weights (small next to ``X``, on the host)."""
    xp, _ = array_api_namespace(X)
    X = validate_data(estimator, X, dtype=[xp.float64, xp.float32])
    dtype = np.float32 if X.dtype == xp.float32 else np.float64
    norm = float(xp.linalg.vector_norm(X))
    if not norm <= math.sqrt(_squares_limit(dtype)):
        _scale_error(max(float(xp.max(X)), -float(xp.min(X))), dtype)
    y = column_or_1d(to_numpy(y), warn=True)
    check_consistent_length(X, y)
    classes, codes = _encode_labels(y)
    if sample_weight is not None and not np.isscalar(sample_weight):
        sample_weight = to_numpy(sample_weight)
    per_class = class_weights(estimator.class_weight, classes, np.bincount(codes))
    sample_weight = _relative_weights(sample_weight, X.shape[0], codes, per_class)
    return X, codes, classes, sample_weight.astype(dtype)


def _dask_arrays(estimator, X, y, sample_weight):
    """Validated Dask ``X`` chunked by rows, with lazy codes and relative weights.

    Only small results travel to the client: the classes, the sum of squares
    of each block of ``X``, the extremes of the weights, and the class counts
    for ``"balanced"``.
    """
    import dask
    import dask.array as da

    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D Dask array for X, got {X.ndim} dimension(s).")
    if X.dtype not in _FLOATS:
        X = X.astype(np.float64)
    y = da.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y should be a 1-D array, got an array of shape {y.shape}.")
    check_consistent_length(X, y)
    X = X.rechunk({1: -1})
    y = y.rechunk((X.chunks[0],))
    block_squares = X.map_blocks(_block_squares, drop_axis=1, chunks=((1,) * X.numblocks[0],))
    block_squares, labels = dask.compute(block_squares, da.unique(y))
    with np.errstate(over="ignore", invalid="ignore"):
        squares = float(np.sum(block_squares))
    if not squares <= _squares_limit(X.dtype):
        lowest, highest = dask.compute(X.min(), X.max())
        if not np.all(np.isfinite([lowest, highest])):
            raise ValueError("Input X contains NaN or infinity.")
        _scale_error(max(float(highest), -float(lowest)), X.dtype)
    classes, _ = _encode_labels(np.asarray(labels))
    codes = y.map_blocks(_encode, classes, dtype=np.intp)
    counts = None
    if isinstance(estimator.class_weight, str):
        counts = da.bincount(codes, minlength=classes.shape[0]).compute()
    per_class = class_weights(estimator.class_weight, classes, counts)
    if sample_weight is None:
        sample_weight = da.ones(X.shape[0], chunks=(X.chunks[0],), dtype=np.float64)
    else:
        sample_weight = _dask_sample_weight(sample_weight, X)
    if per_class is not None:
        factors = codes.map_blocks(_take, _per_class_factors(per_class), dtype=np.float64)
        sample_weight = sample_weight * factors
        sample_weight = _by_maximum(sample_weight, sample_weight.max().compute())
    sample_weight = sample_weight.astype(X.dtype)
    estimator.n_features_in_ = X.shape[1]
    estimator.__dict__.pop("feature_names_in_", None)
    return X, codes, classes, sample_weight


def _dask_sample_weight(sample_weight, X):
    """Dask ``sample_weight`` chunked like the rows of ``X``, checked on its
    extremes (and by scikit-learn on its shape, when that is wrong), divided
    by its maximum."""
    import dask
    import dask.array as da

    n_samples = X.shape[0]
    if np.isscalar(sample_weight):
        sample_weight = da.full(n_samples, sample_weight, chunks=(X.chunks[0],))
    sample_weight = da.asarray(sample_weight).astype(np.float64)
    if sample_weight.shape != (n_samples,):
        # scikit-learn's error for the shape; the array is not used
        check_sample_weight(np.zeros(sample_weight.shape), np.empty((n_samples, 0)))
    sample_weight = sample_weight.rechunk((X.chunks[0],))
    extremes = np.array(dask.compute(sample_weight.min(), sample_weight.max()))
    if not (np.all(np.isfinite(extremes)) and extremes[0] >= 0):
        raise ValueError("sample_weight must be finite and non-negative.")
    return _by_maximum(sample_weight, extremes[1])


def _block_squares(block):
    return np.array([_sum_of_squares(np.ascontiguousarray(block).reshape(-1))])


def _encode(labels, classes):
    return np.searchsorted(classes, labels)


def _take(codes, per_class):
    return per_class[codes]


class EarlyStopping:
    """Solver callback: the validation loss per iteration, the best coefficients.

    Asks to stop once the validation loss has not improved by at least
    ``tol`` for ``patience`` consecutive iterations.
    """

    def __init__(self, validation_loss, patience, tol, coef):
        self.validation_loss = validation_loss
        self.patience = patience
        self.tol = tol
        self.history = []
        self.best_loss = np.inf
        self.best_coef = coef
        self.best_iteration = 0
        self.no_improvement = 0
        self(coef)

    def __call__(self, coef):
        value = self.validation_loss.objective(coef)
        self.history.append(value)
        if value < self.best_loss - self.tol:
            self.best_loss, self.best_coef = value, np.array(coef, copy=True)
            self.best_iteration = len(self.history) - 1
            self.no_improvement = 0
        else:
            self.no_improvement += 1
        return self.no_improvement >= self.patience

    def finish(self, result):
        """``(best coefficients, best iteration, validation loss history)`` of a
        solver's ``result`` run with this callback."""
        if not result.stopped:
            self(result.coef)  # the final iterate, if the solver converged first
            self.history = self.history[: result.n_iter + 1]
        return self.best_coef, self.best_iteration, np.asarray(self.history)
