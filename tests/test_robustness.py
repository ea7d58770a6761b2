"""Hostile and edge-case input: a clear error naming the argument, or a sound fit.

Every test runs with RuntimeWarning turned into an error: bad input must be
caught before NumPy meets it. Each backend where an input applies is tried
(NumPy, sparse, torch under array API dispatch, Dask, ``partial_fit``).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from _versions import skip_without_array_api_dispatch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklearn_logloss import GDLogisticRegression

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _data(n_samples=60, n_classes=2, seed=0):
    return make_classification(
        n_samples, 4, n_informative=3, n_redundant=0, n_classes=n_classes, random_state=seed
    )


def _numpy(X, y, weights=None):
    return X, y, weights


def _sparse(X, y, weights=None):
    return sp.csr_matrix(X), y, weights


def _torch(X, y, weights=None):
    torch = pytest.importorskip("torch")
    skip_without_array_api_dispatch()
    return (
        torch.asarray(X),
        torch.asarray(y),
        None if weights is None else torch.asarray(np.asarray(weights, dtype=np.float64)),
    )


def _dask(X, y, weights=None):
    da = pytest.importorskip("dask.array")
    chunked = None if weights is None else da.from_array(np.asarray(weights), chunks=20)
    return da.from_array(X, chunks=(20, X.shape[1])), da.from_array(y, chunks=20), chunked


BACKENDS = {"numpy": _numpy, "sparse": _sparse, "torch": _torch, "dask": _dask}


def _fit(backend, estimator, X, y, weights=None):
    """Fit on ``backend``'s version of the data (dispatch on for torch)."""
    X, y, weights = BACKENDS[backend](X, y, weights)
    if backend == "torch":
        with sklearn.config_context(array_api_dispatch=True):
            return estimator.fit(X, y, sample_weight=weights)
    if backend == "dask":
        import dask

        with dask.config.set(scheduler="synchronous"):
            return estimator.fit(X, y, sample_weight=weights)
    return estimator.fit(X, y, sample_weight=weights)


def _numpy_coef(estimator):
    coef = estimator.coef_
    return np.asarray(coef.cpu() if hasattr(coef, "cpu") else coef)


# alpha


@pytest.mark.parametrize("alpha", [1e10, 1e300])
def test_huge_alpha_gives_the_intercept_only_model_or_an_error_naming_alpha(alpha):
    X, y = _data()
    try:
        model = GDLogisticRegression(alpha=alpha).fit(X, y)
    except ValueError as error:
        assert "alpha" in str(error)
        return
    assert np.all(np.abs(model.coef_) <= 10 / alpha)
    assert model.intercept_[0] == pytest.approx(np.log(y.mean() / (1 - y.mean())), abs=1e-6)


# class_weight

BAD_WEIGHTS = st.one_of(
    st.floats(max_value=-1e-300, allow_infinity=True, allow_nan=False),
    st.sampled_from([np.nan, np.inf]),
)


@pytest.mark.parametrize("backend", ["numpy", "sparse", "torch", "dask"])
@SETTINGS
@given(bad=BAD_WEIGHTS)
def test_bad_class_weight_is_rejected_on_every_backend(backend, bad):
    X, y = _data()
    with pytest.raises(ValueError, match="class_weight"):
        _fit(backend, GDLogisticRegression(class_weight={0: 1.0, 1: bad}), X, y)


@SETTINGS
@given(bad=BAD_WEIGHTS)
def test_bad_class_weight_is_rejected_by_partial_fit(bad):
    X, y = _data()
    model = GDLogisticRegression(class_weight={0: bad, 1: 1.0})
    with pytest.raises(ValueError, match="class_weight"):
        model.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(model, "coef_")


# validation_fraction


@pytest.mark.parametrize(
    "fraction, n_samples, n_classes",
    [(0.01, 60, 3), (0.98, 60, 3), (0.1, 12, 3)],
    ids=["held-out part too small", "training part too small", "few samples"],
)
def test_early_stopping_split_too_small_names_validation_fraction(fraction, n_samples, n_classes):
    X, y = _data(n_samples, n_classes)
    model = GDLogisticRegression(early_stopping=True, validation_fraction=fraction)
    with pytest.raises(ValueError, match="validation_fraction"):
        model.fit(X, y)


def test_early_stopping_with_a_class_of_one_sample_names_validation_fraction():
    X, y = _data()
    y = y.copy()
    y[0] = 2  # one sample of class 2: no stratified split puts it on both sides
    with pytest.raises(ValueError, match="validation_fraction"):
        GDLogisticRegression(early_stopping=True).fit(X, y)


def test_early_stopping_held_out_part_without_weight_names_validation_fraction():
    X, y = _data(200)
    _, held_out = train_test_split(np.arange(200), test_size=0.1, stratify=y, random_state=0)
    weights = np.ones(200)
    weights[held_out] = 0.0
    model = GDLogisticRegression(early_stopping=True, random_state=0)
    with pytest.raises(ValueError, match="validation_fraction"):
        model.fit(X, y, sample_weight=weights)


@SETTINGS
@given(seed=st.integers(0, 2**16))
def test_early_stopping_with_mostly_zero_weights_never_stores_nan(seed):
    X, y = _data(200)
    weights = np.zeros(200)
    weights[np.random.RandomState(seed).choice(200, 20, replace=False)] = 1.0
    model = GDLogisticRegression(early_stopping=True, random_state=seed)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y, sample_weight=weights)
    except ValueError as error:
        assert "validation_fraction" in str(error) or "sum to zero" in str(error)
    else:
        assert np.all(np.isfinite(model.validation_loss_history_))
        assert np.all(np.isfinite(model.coef_))


# set_params


@pytest.mark.parametrize("key", ["alpha__x", "class_weight__foo", "no_such_parameter"])
def test_set_params_with_an_invalid_name_raises_value_error_naming_it(key):
    model = GDLogisticRegression()
    with pytest.raises(ValueError, match=f"Invalid parameter '{key.split('__')[0]}"):
        model.set_params(**{key: 1})
    assert model.get_params() == GDLogisticRegression().get_params()


def test_set_params_still_sets_valid_parameters():
    model = GDLogisticRegression().set_params(alpha=0.5, solver="bb")
    assert (model.alpha, model.solver) == (0.5, "bb")


# sample_weight


@SETTINGS
@given(exponent=st.integers(-300, 308))
def test_uniform_weights_of_any_size_give_the_unit_weight_model(exponent):
    X, y = _data()
    expected = GDLogisticRegression().fit(X, y)
    model = GDLogisticRegression().fit(X, y, sample_weight=np.full(len(y), 10.0**exponent))
    np.testing.assert_array_equal(model.coef_, expected.coef_)
    np.testing.assert_array_equal(model.intercept_, expected.intercept_)
    assert model.n_iter_ == expected.n_iter_


@pytest.mark.parametrize("backend", ["sparse", "torch", "dask"])
def test_huge_uniform_weights_on_other_backends(backend):
    X, y = _data()
    expected = _fit(backend, GDLogisticRegression(), X, y)
    model = _fit(backend, GDLogisticRegression(), X, y, np.full(len(y), 1e308))
    np.testing.assert_array_equal(_numpy_coef(model), _numpy_coef(expected))


def test_huge_class_weights_times_huge_sample_weights():
    X, y = _data()
    weights = np.where(y == 0, 1e300, 2e300)
    expected = GDLogisticRegression().fit(X, y, sample_weight=np.where(y == 0, 1.0, 2.0) * 3.0)
    model = GDLogisticRegression(class_weight={0: 3e300, 1: 3e300}).fit(
        X, y, sample_weight=weights
    )
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=1e-12)


# the scale of X


@pytest.mark.parametrize("backend", ["numpy", "sparse", "torch", "dask"])
@pytest.mark.parametrize("value", [1e300, -1e300, 1e200])
def test_features_whose_products_overflow_are_rejected_naming_x(backend, value):
    X, y = _data()
    X = X.copy()
    X[3, 1] = value
    with pytest.raises(ValueError, match="X holds values up to"):
        _fit(backend, GDLogisticRegression(), X, y)


def test_partial_fit_rejects_features_whose_products_overflow():
    X, y = _data()
    with pytest.raises(ValueError, match="X holds values up to"):
        GDLogisticRegression().partial_fit(X * 1e300, y, classes=[0, 1])


def test_float32_features_are_checked_against_float32():
    X, y = _data()
    with pytest.raises(ValueError, match="X holds values up to .* overflows float32"):
        GDLogisticRegression().fit((X * 1e19).astype(np.float32), y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@SETTINGS
@given(exponents=st.lists(st.integers(-6, 8), min_size=4, max_size=4))
def test_column_scales_from_1e_minus_6_to_1e8_are_accepted(exponents):
    X, y = _data()
    X = X * 10.0 ** np.array(exponents)
    model = GDLogisticRegression(max_iter=200).fit(X, y)
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.loss_history_))
    assert np.all(np.isfinite(model.predict_log_proba(X)))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["auto", "gd", "agd", "bb", "momentum"])
def test_features_of_1e100_are_accepted_without_overflow(solver):
    X, y = _data()
    model = GDLogisticRegression(solver=solver, max_iter=20).fit(X * 1e100, y)
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.loss_history_))


def test_partial_fit_on_features_of_1e100_without_overflow():
    X, y = _data()
    model = GDLogisticRegression().partial_fit(X * 1e100, y, classes=[0, 1])
    assert np.all(np.isfinite(model.coef_))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_uint64_features_near_2_to_the_62_are_accepted(method):
    X, y = _data()
    X = ((X - X.min()) * 2.0**59).astype(np.uint64)
    assert X.max() > 2**61
    model = GDLogisticRegression(max_iter=200)
    if method == "fit":
        model.fit(X, y)
    else:
        model.partial_fit(X, y, classes=[0, 1])
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.loss_history_))
    assert np.all(np.isfinite(model.decision_function(X)))


# y


@pytest.mark.parametrize("backend", ["numpy", "torch", "dask"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_labels_name_y(backend, bad):
    X, y = _data()
    y = y.astype(np.float64)
    y[7] = bad
    with pytest.raises(ValueError, match="Input y contains"):
        _fit(backend, GDLogisticRegression(), X, y)


# solver


def test_momentum_on_dask_is_refused_naming_the_solver():
    X, y = _data()
    with pytest.raises(ValueError, match="solver='momentum' needs the logits of every sample"):
        _fit("dask", GDLogisticRegression(solver="momentum"), X, y)
