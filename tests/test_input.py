"""``_input``: every kind of input becomes the same loss, classes and weights."""

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from _versions import skip_without_array_api_dispatch
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

from sklearn_logloss import GDLogisticRegression
from sklearn_logloss._input import (
    EarlyStopping,
    _is_plain,
    _relative_weights,
    class_weights,
    fit_input,
    is_dask_array,
    partial_fit_input,
)


@pytest.fixture
def three_classes():
    X, y = make_classification(
        120, 4, n_informative=3, n_redundant=0, n_classes=3, weights=[0.5, 0.3, 0.2],
        random_state=0,
    )  # fmt: skip
    return X, y


def _objective_and_gradient(loss, seed=0):
    coef = np.random.RandomState(seed).normal(size=loss.coef_shape)
    objective, grad = loss.objective_gradient(coef.astype(loss.dtype))
    return float(objective), np.asarray(grad, dtype=np.float64)


# class_weights


def test_class_weights_dict_in_class_order_and_missing_classes_weigh_one():
    classes = np.array([0, 1, 2])
    np.testing.assert_array_equal(class_weights({2: 3.0, 0: 0.5}, classes), [0.5, 1.0, 3.0])
    assert class_weights(None, classes) is None


def test_class_weights_balanced_matches_scikit_learn():
    y = np.array([0, 0, 0, 0, 1, 1, 2, 5, 5, 5])
    classes = np.unique(y)
    counts = np.array([4, 2, 1, 3])
    expected = compute_class_weight("balanced", classes=classes, y=y)
    np.testing.assert_array_equal(class_weights("balanced", classes, counts), expected)


def test_class_weights_string_labels():
    classes = np.array(["a", "b", "c"])
    np.testing.assert_array_equal(class_weights({"b": 2.0}, classes), [1.0, 2.0, 1.0])


@pytest.mark.parametrize("value", [-1.0, np.nan, np.inf, -np.inf, "2", None])
def test_class_weights_rejects_values_that_are_not_weights(value):
    with pytest.raises(ValueError, match="class_weight"):
        class_weights({0: 1.0, 1: value}, np.array([0, 1]))


def test_class_weights_unknown_class_uses_scikit_learns_error():
    with pytest.raises(ValueError, match="not in class_weight"):
        class_weights({7: 1.0}, np.array([0, 1, 2]))


# weights


def test_relative_weights_are_divided_by_their_maximum():
    codes = np.array([0, 1, 1, 0])
    weights = _relative_weights(np.array([1.0, 4.0, 2.0, 0.0]), 4, codes, None)
    np.testing.assert_array_equal(weights, [0.25, 1.0, 0.5, 0.0])
    weighted = _relative_weights(None, 4, codes, np.array([3.0, 0.5]))
    np.testing.assert_array_equal(weighted, [1.0, 1 / 6, 1 / 6, 1.0])


@pytest.mark.parametrize("value", [1e-300, 3.0, 1e308])
def test_uniform_weights_become_exactly_one(value):
    weights = _relative_weights(np.full(5, value), 5, np.zeros(5, dtype=int), None)
    np.testing.assert_array_equal(weights, np.ones(5))


def test_weights_without_a_positive_entry_raise():
    with pytest.raises(ValueError, match="sum to zero"):
        _relative_weights(np.zeros(3), 3, np.zeros(3, dtype=int), None)
    with pytest.raises(ValueError, match="sum to zero"):
        _relative_weights(None, 3, np.array([1, 1, 1]), np.array([1.0, 0.0]))


# scale of X


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_sum_of_squares_of_x_is_limited(dtype):
    X, y = make_classification(50, 4, random_state=0)
    X = X.astype(dtype)
    squares = float(np.sum(X.astype(np.float64) ** 2))
    limit = float(np.finfo(dtype).max) / 1024
    below = X * dtype(np.sqrt(0.99 * limit / squares))
    problem = fit_input(GDLogisticRegression(), below, y, None)  # accepted
    assert problem.loss.dtype == dtype
    above = X * dtype(np.sqrt(1.01 * limit / squares))
    name = np.dtype(dtype).name
    with pytest.raises(ValueError, match=rf"X holds values up to .* overflows {name}"):
        fit_input(GDLogisticRegression(), above, y, None)


@pytest.mark.parametrize("bad, match", [(np.nan, "Input X contains NaN"), (np.inf, "infinity")])
def test_non_finite_x_gets_scikit_learns_error(bad, match):
    X, y = make_classification(50, 4, random_state=0)
    X[3, 2] = bad
    for data in (X, sp.csr_matrix(X)):
        with pytest.raises(ValueError, match=match):
            fit_input(GDLogisticRegression(), data, y, None)


def test_fit_input_checks_the_scale_of_sparse_and_empty_columns():
    X = sp.csr_matrix(np.array([[0.0, 1e300], [1.0, 0.0], [0.0, 2.0], [3.0, 0.0]]))
    with pytest.raises(ValueError, match="X holds values up to 1e"):
        fit_input(GDLogisticRegression(), X, [0, 1, 0, 1], None)
    empty = sp.csr_matrix((4, 3))
    problem = fit_input(GDLogisticRegression(), empty, [0, 1, 0, 1], None)
    assert problem.loss.n_features == 3


# fit_input


def test_fit_input_numpy(three_classes):
    X, y = three_classes
    labels = np.array(["x", "y", "z"])[y]
    estimator = GDLogisticRegression(alpha=0.5, fit_intercept=False)
    problem = fit_input(estimator, X, labels, None)
    np.testing.assert_array_equal(problem.classes, ["x", "y", "z"])
    assert problem.validation is None and problem.namespace is None
    loss = problem.loss
    assert (loss.n_samples, loss.n_features, loss.n_classes) == (120, 4, 3)
    assert (loss.alpha, loss.fit_intercept) == (0.5, False)
    assert estimator.n_features_in_ == 4


@pytest.mark.parametrize("label_kind", ["int", "uint8", "bool", "str"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_plain_numpy_input_gives_what_scikit_learns_checks_give(three_classes, dtype, label_kind):
    # Plain NumPy arrays skip scikit-learn's checks (_is_plain): the same loss,
    # classes and fitted shape as the same data through them (a list for y).
    X, y = three_classes
    X = X.astype(dtype)
    y = (y > 0) if label_kind == "bool" else y
    y = np.array(["a", "b", "c"])[y.astype(int)] if label_kind == "str" else y
    y = y.astype(label_kind) if label_kind == "uint8" else y
    assert _is_plain(X, y) and not _is_plain(X, list(y))
    plain_estimator, checked_estimator = GDLogisticRegression(), GDLogisticRegression()
    checked_estimator.feature_names_in_ = plain_estimator.feature_names_in_ = np.array(["x"])
    plain = fit_input(plain_estimator, X, y, None)
    checked = fit_input(checked_estimator, X, list(y), None)
    np.testing.assert_array_equal(plain.classes, checked.classes)
    assert plain.classes.dtype == checked.classes.dtype
    assert plain.loss.dtype == checked.loss.dtype == dtype
    assert plain.loss.X is X  # not copied
    np.testing.assert_array_equal(plain.loss._codes, checked.loss._codes)
    assert _objective_and_gradient(plain.loss)[0] == _objective_and_gradient(checked.loss)[0]
    for estimator in (plain_estimator, checked_estimator):
        assert estimator.n_features_in_ == 4 and not hasattr(estimator, "feature_names_in_")


def test_only_plain_numpy_input_skips_the_checks():
    X, y = np.ones((3, 2)), np.array([0, 1, 0])
    assert _is_plain(X, y)
    for X_other in (np.asmatrix(X), X.astype(np.int64), X[:, :0], X[:, :, None], X.tolist()):
        assert not _is_plain(X_other, y)
    for y_other in (y.astype(float), y.astype(object), y[:, None], y[:2], y.astype("S1")):
        assert not _is_plain(X, y_other)


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.ones((3, 2)), np.array([0, 0, 0]), "only one class"),
        (np.array([[1.0], [np.inf]]), np.array([0, 1]), "Input X contains infinity"),
        (np.ones((2, 0)), np.array([0, 1]), "0 feature"),
        (np.ones((2, 1)), np.array([0, 1, 0]), "inconsistent numbers of samples"),
        (np.ones((3, 1)), np.array([0.5, 1.0, 0.0]), "Unknown label type"),
        (np.ones((3, 1)), np.array([0.0, 1.0, np.nan]), "Input y contains NaN"),
        (np.ones((3, 1), dtype=np.int64), np.array([[0], [1], [0]]), None),
    ],
)
def test_plain_and_checked_input_raise_and_warn_the_same(X, y, match):
    # Whatever path an input takes, it gets the errors of scikit-learn's checks.
    if match is None:  # a column vector y: scikit-learn's warning, then a fit
        with pytest.warns(sklearn.exceptions.DataConversionWarning):
            fit_input(GDLogisticRegression(), X, y, None)
        return
    for given in (X, X.tolist()):
        with pytest.raises(ValueError, match=match):
            fit_input(GDLogisticRegression(), given, y, None)


def test_class_weight_and_sample_weight_give_the_same_loss(three_classes):
    X, y = three_classes
    balanced = fit_input(GDLogisticRegression(class_weight="balanced"), X, y, None)
    weights = compute_sample_weight("balanced", y)
    by_sample = fit_input(GDLogisticRegression(), X, y, weights)
    by_sample_scaled = fit_input(GDLogisticRegression(), X, y, 1e300 * weights)
    expected = _objective_and_gradient(by_sample.loss)
    for problem in (balanced, by_sample_scaled):
        objective, grad = _objective_and_gradient(problem.loss)
        assert objective == pytest.approx(expected[0], rel=1e-13)
        np.testing.assert_allclose(grad, expected[1], rtol=1e-12)


def test_fit_input_early_stopping_split(three_classes):
    X, y = three_classes
    estimator = GDLogisticRegression(early_stopping=True, validation_fraction=0.25, random_state=4)
    problem = fit_input(estimator, X, y, None)
    assert problem.validation.n_samples == 30 and problem.loss.n_samples == 90
    assert problem.validation.alpha == 0.0
    # the held-out part is the stratified split scikit-learn makes
    _, held_out = train_test_split(np.arange(120), test_size=0.25, stratify=y, random_state=4)
    reference = fit_input(GDLogisticRegression(alpha=0.0), X[held_out], y[held_out], None)
    coef = np.random.RandomState(1).normal(size=reference.loss.coef_shape)
    assert problem.validation.objective(coef) == pytest.approx(
        reference.loss.objective(coef), rel=1e-12
    )


@pytest.mark.parametrize(
    "fraction, n_samples",
    [(0.01, 120), (0.99, 120), (0.5, 5)],
    ids=["held-out too small", "training part too small", "too few samples"],
)
def test_fit_input_early_stopping_split_too_small(three_classes, fraction, n_samples):
    X, y = three_classes
    estimator = GDLogisticRegression(early_stopping=True, validation_fraction=fraction)
    with pytest.raises(ValueError, match=f"validation_fraction={fraction} holds out"):
        fit_input(estimator, X[:n_samples], y[:n_samples], None)


def test_fit_input_early_stopping_needs_weight_in_both_parts(three_classes):
    X, y = three_classes
    _, held_out = train_test_split(np.arange(120), test_size=0.1, stratify=y, random_state=0)
    weights = np.ones(120)
    weights[held_out] = 0.0
    estimator = GDLogisticRegression(early_stopping=True, random_state=0)
    with pytest.raises(ValueError, match=r"held-out samples .*validation_fraction=0.1"):
        fit_input(estimator, X, y, weights)
    with pytest.raises(ValueError, match=r"training samples .*validation_fraction=0.1"):
        fit_input(estimator, X, y, 1.0 - weights)


def test_fit_input_dask_matches_numpy(three_classes):
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    X, y = three_classes
    weights = np.random.RandomState(0).uniform(0, 5, 120)
    for class_weight in (None, "balanced", {0: 2.0, 2: 0.25}):
        estimator = GDLogisticRegression(class_weight=class_weight)
        expected = fit_input(estimator, X, y, weights)
        with dask.config.set(scheduler="synchronous"):
            problem = fit_input(
                estimator, da.from_array(X, chunks=(50, 2)), da.from_array(y, chunks=50), weights
            )
            objective, grad = _objective_and_gradient(problem.loss)
        np.testing.assert_array_equal(problem.classes, expected.classes)
        reference = _objective_and_gradient(expected.loss)
        assert objective == pytest.approx(reference[0], rel=1e-12)
        np.testing.assert_allclose(grad, reference[1], rtol=1e-10, atol=1e-14)


def test_fit_input_dask_checks(three_classes):
    da = pytest.importorskip("dask.array")
    X, y = three_classes
    dX, dy = da.from_array(X, chunks=(50, 4)), da.from_array(y, chunks=50)
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(119,\), expected \(120,\)"):
        fit_input(GDLogisticRegression(), dX, dy, np.ones(119))
    with pytest.raises(ValueError, match="finite and non-negative"):
        fit_input(GDLogisticRegression(), dX, dy, np.r_[np.ones(119), np.nan])
    with pytest.raises(ValueError, match="early_stopping=True is not supported for Dask"):
        fit_input(GDLogisticRegression(early_stopping=True), dX, dy, None)
    problem = fit_input(GDLogisticRegression(), dX.astype(np.int64), dy, 2.0)
    assert problem.loss.dtype == np.float64 and problem.loss.weight_sum == 120


def test_fit_input_array_api_matches_numpy(three_classes):
    torch = pytest.importorskip("torch")
    skip_without_array_api_dispatch()
    X, y = three_classes
    weights = np.random.RandomState(0).uniform(0, 5, 120)
    estimator = GDLogisticRegression(class_weight="balanced")
    expected = _objective_and_gradient(fit_input(estimator, X, y, weights).loss)
    with sklearn.config_context(array_api_dispatch=True):
        problem = fit_input(estimator, torch.asarray(X), torch.asarray(y), torch.asarray(weights))
        assert problem.namespace is not None and problem.namespace[0].__name__.endswith("torch")
        coef = np.random.RandomState(0).normal(size=problem.loss.coef_shape)
        objective, grad = problem.loss.objective_gradient(torch.asarray(coef))
    assert float(objective) == pytest.approx(expected[0], rel=1e-12)
    np.testing.assert_allclose(np.asarray(grad), expected[1], rtol=1e-10, atol=1e-14)


def test_is_dask_array():
    da = pytest.importorskip("dask.array")
    assert is_dask_array(da.zeros((2, 2)))
    assert not any(is_dask_array(x) for x in (np.zeros(2), [1, 2], sp.eye(2), None))


# partial_fit_input


def test_partial_fit_input_chunk_without_a_class_keeps_all_classes():
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 2, 0, 2, 0, 2])  # class 1 absent from this chunk
    estimator = GDLogisticRegression(class_weight={2: 3.0})
    loss, classes = partial_fit_input(estimator, X, y, [2, 1, 0], None)
    np.testing.assert_array_equal(classes, [0, 1, 2])
    assert loss.n_classes == 3
    dense = fit_input(GDLogisticRegression(), X, y, np.array([1.0, 3.0] * 3))
    coef = np.zeros(loss.coef_shape)
    coef[:, 1] = 5.0  # class 1 has a large logit: both losses see all three classes
    reference = np.zeros(dense.loss.coef_shape)
    assert loss.objective(coef) > dense.loss.objective(reference)


def test_partial_fit_input_classes_rules():
    X, y = np.arange(8.0).reshape(4, 2), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        partial_fit_input(GDLogisticRegression(), X, y, None, None)
    with pytest.raises(ValueError, match=r"y contains labels \[1\]"):
        partial_fit_input(GDLogisticRegression(), X, y, [0, 2], None)
    with pytest.raises(ValueError, match="'balanced' is not supported"):
        partial_fit_input(GDLogisticRegression(class_weight="balanced"), X, y, [0, 1], None)


# EarlyStopping


class _Scripted:
    """A validation loss returning the next value of a script at each call."""

    def __init__(self, values):
        self.values = iter(values)

    def objective(self, coef):
        return next(self.values)


def test_early_stopping_callback_keeps_the_best_and_counts_patience():
    monitor = EarlyStopping(_Scripted([5.0, 4.0, 3.0, 3.5, 2.9999, 3.2]), 3, 1e-3, np.zeros(2))
    assert [monitor(np.full(2, i)) for i in (1, 2, 3, 4)] == [False, False, False, False]
    assert monitor.best_iteration == 2 and monitor.best_loss == 3.0
    np.testing.assert_array_equal(monitor.best_coef, [2.0, 2.0])
    assert monitor(np.full(2, 5)) is True  # three calls without improving by tol
    assert monitor.history == [5.0, 4.0, 3.0, 3.5, 2.9999, 3.2]


@pytest.mark.parametrize(
    "labels",
    [
        np.array([3, -2, 7, 3, -2, 5], dtype=np.int8),  # negative, with gaps
        np.array([40000, 2, 2, 40000], dtype=np.uint16),  # a range wider than the labels
        np.array([1, 0, 1, 1], dtype=np.uint64),  # no count per value for uint64
        np.array([2**62, -(2**62), 0, 0]),  # a range too wide to count
        np.array([0.5, 2.0, 0.5]),  # not integers
    ],
)
def test_labels_are_encoded_as_numpys_sorted_unique_values(labels):
    from sklearn_logloss._input import _encode_labels

    classes, codes = _encode_labels(labels, checked=True)
    expected = np.unique(labels)
    np.testing.assert_array_equal(classes, expected)
    assert classes.dtype == labels.dtype
    np.testing.assert_array_equal(codes, np.searchsorted(expected, labels))
    np.testing.assert_array_equal(classes[codes], labels)


def test_a_single_integer_label_is_refused():
    from sklearn_logloss._input import _encode_labels

    with pytest.raises(ValueError, match="at least 2 classes"):
        _encode_labels(np.array([4, 4, 4]), checked=True)


@pytest.mark.parametrize("size", [1, 8192, 8193, 17070, 1 << 16, (1 << 16) + 1])
def test_the_sum_of_squares_of_small_x_takes_only_unthreaded_products(size, monkeypatch):
    # OpenBLAS threads dot products of more than 10000 values; on small data
    # the check takes shorter ones (a threaded call can wait for a worker kept
    # off the cores by another library's spinning threads).
    from sklearn_logloss import _input

    values = np.random.default_rng(size).standard_normal(size)
    lengths = []
    dot = np.dot

    def recording(a, b):
        lengths.append(len(a))
        return dot(a, b)

    monkeypatch.setattr(_input.np, "dot", recording)
    total = _input._sum_of_squares(values)
    monkeypatch.undo()
    np.testing.assert_allclose(total, np.sum(values**2), rtol=1e-12)
    if size <= _input._SMALL_VALUES:
        assert max(lengths) <= _input._UNTHREADED_DOT < 10000
    else:
        assert lengths == [size]
