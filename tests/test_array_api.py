"""Array API support: fit and predict on torch tensors and array-api-strict arrays.

With ``sklearn.config_context(array_api_dispatch=True)`` the data stays in its
namespace and on its device; the reference is always the NumPy code path (or
an objective computed independently, ``conftest._reference_objective``).
"""

import inspect
import math
import warnings

import numpy as np
import pytest
import sklearn
from _versions import requires_array_api_dispatch
from sklearn.utils._array_api import get_namespace_and_device  # tests may use private API

from sklearn_logloss import GDLogisticRegression, log_loss, log_loss_from_logits

torch = pytest.importorskip("torch")
strict = pytest.importorskip("array_api_strict")
pytestmark = requires_array_api_dispatch


def dispatch():
    return sklearn.config_context(array_api_dispatch=True)


def _torch(array):
    return torch.asarray(array)


def _strict(array):
    # A device other than the default one: nothing may silently fall back to it.
    return strict.asarray(array, device=strict.Device("device1"))


def _host(array):
    if isinstance(array, torch.Tensor):
        return array.cpu().numpy()
    return np.asarray(strict.asarray(array, device=strict.Device("CPU_DEVICE")))


NAMESPACES = [pytest.param(_torch, id="torch"), pytest.param(_strict, id="strict")]


def _assert_same_place(result, reference):
    """``result`` is in the namespace and on the device of ``reference``."""
    with dispatch():
        xp_r, _, device_r = get_namespace_and_device(result)
        xp_ref, _, device_ref = get_namespace_and_device(reference)
    assert xp_r is xp_ref
    assert device_r == device_ref


@pytest.fixture(params=["binary", "multiclass"])
def problem(request, load_scaled):
    X, y = load_scaled("breast_cancer" if request.param == "binary" else "wine")
    weights = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y))
    return X, y, weights


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("to_xp", NAMESPACES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fit_reaches_the_numpy_optimum(problem, to_xp, dtype, reference_objective):
    X, y, weights = problem
    X = X.astype(dtype)
    alpha = 1e-3
    reference = GDLogisticRegression(alpha=alpha, tol=1e-8, max_iter=5000).fit(
        X, y, sample_weight=weights
    )
    X_xp = to_xp(X)
    with dispatch():
        model = GDLogisticRegression(alpha=alpha, tol=1e-8, max_iter=5000).fit(
            X_xp, to_xp(y), sample_weight=to_xp(weights.astype(dtype))
        )
    assert model.__sklearn_tags__().array_api_support
    for name in ("coef_", "intercept_", "loss_history_"):
        _assert_same_place(getattr(model, name), X_xp)
    coef, intercept = _host(model.coef_), _host(model.intercept_)
    assert coef.dtype == dtype and coef.shape == reference.coef_.shape
    np.testing.assert_array_equal(model.classes_, reference.classes_)
    # The objective at the fitted coefficients, computed independently.
    j_xp = reference_objective(X, y, coef, intercept, alpha, weights)
    j_np = reference_objective(X, y, reference.coef_, reference.intercept_, alpha, weights)
    assert abs(j_xp - j_np) <= 1e-6 * j_np
    assert float(model.loss_history_[-1]) == pytest.approx(j_xp, rel=1e-5)

    # The same solver ("auto") on NumPy gives the same coefficients, up to
    # rounding (float32 stops at its own rounding floor: ~1e-3).
    tol = 1e-6 if dtype == np.float64 else 2e-3
    np.testing.assert_allclose(coef, reference.coef_, rtol=tol, atol=tol)

    # The methods equal the NumPy methods of a model with these coefficients.
    numpy_twin = GDLogisticRegression(alpha=alpha).fit(X, y)
    numpy_twin.coef_, numpy_twin.intercept_ = coef, intercept
    methods = ("decision_function", "predict_proba", "predict_log_proba", "predict")
    with dispatch():
        outputs = {method: getattr(model, method)(X_xp) for method in methods}
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    for method, result in outputs.items():
        _assert_same_place(result, X_xp)
        expected = getattr(numpy_twin, method)(X)
        assert _host(result).dtype == expected.dtype, method
        np.testing.assert_allclose(_host(result), expected, rtol=rtol, atol=rtol, err_msg=method)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # gd, max_iter
@pytest.mark.parametrize("solver", ["gd", "agd", "bb", "momentum"])
def test_explicit_solvers_match_numpy(binary_data, solver):
    X, y = binary_data
    reference = GDLogisticRegression(alpha=1e-2, solver=solver).fit(X, y)
    with dispatch():
        model = GDLogisticRegression(alpha=1e-2, solver=solver).fit(_torch(X), _torch(y))
    np.testing.assert_allclose(_host(model.coef_), reference.coef_, rtol=1e-5, atol=1e-7)
    assert model.n_iter_ == reference.n_iter_


@pytest.mark.parametrize("namespace", ["torch", "array_api_strict"])
def test_momentum_runs_in_logit_space_on_the_device(multiclass_data, namespace):
    # The default solver keeps its logits in the input's namespace: same
    # iterates as the NumPy fit, up to rounding.
    X, y = multiclass_data
    convert = _torch if namespace == "torch" else _strict
    reference = GDLogisticRegression(alpha=1e-2).fit(X, y)
    with dispatch():
        model = GDLogisticRegression(alpha=1e-2).fit(convert(X), convert(y))
    assert model.n_iter_ == reference.n_iter_
    np.testing.assert_allclose(_host(model.coef_), reference.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(_host(model.loss_history_), reference.loss_history_, rtol=1e-10)


@pytest.mark.parametrize("to_xp", NAMESPACES)
def test_coarse_start_on_the_device_matches_numpy(to_xp, capsys):
    # Large enough for solver="auto" to solve coarse problems first (see
    # test_solvers.py): the same coarse problems, iterates and minimum.
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=40_000, n_features=29, random_state=0)
    reference = GDLogisticRegression(alpha=1e-4, verbose=1).fit(X, y)
    printed = capsys.readouterr().out
    with dispatch():
        model = GDLogisticRegression(alpha=1e-4, verbose=1).fit(to_xp(X), to_xp(y))
    coarse_lines = [line for line in printed.splitlines() if line.startswith("Coarse")]
    assert len(coarse_lines) == 2
    assert [
        line for line in capsys.readouterr().out.splitlines() if line.startswith("Coarse")
    ] == (coarse_lines)
    assert model.n_iter_ == reference.n_iter_
    np.testing.assert_allclose(_host(model.loss_history_), reference.loss_history_, rtol=1e-9)


def test_string_labels_and_numpy_targets(multiclass_data):
    X, y = multiclass_data
    labels = np.array(["a", "b", "c"])[y]
    X_xp = _torch(X)
    with dispatch():
        model = GDLogisticRegression(alpha=1e-2).fit(X_xp, labels)
        predicted = model.predict(X_xp)
        proba = model.predict_proba(X_xp)
    reference = GDLogisticRegression(alpha=1e-2).fit(X, labels)
    # Strings cannot live in torch: predict returns them as NumPy, like scikit-learn.
    assert isinstance(predicted, np.ndarray)
    np.testing.assert_array_equal(predicted, reference.predict(X))
    _assert_same_place(proba, X_xp)


def test_warm_start_from_an_array_api_fit(binary_data):
    X, y = binary_data
    X_xp, y_xp = _strict(X), _strict(y)
    with dispatch():
        model = GDLogisticRegression(alpha=1e-2, warm_start=True).fit(X_xp, y_xp)
        first = model.n_iter_
        model.fit(X_xp, y_xp)
    assert first > 5 and model.n_iter_ <= 2


def test_predict_with_another_namespace_raises(binary_data):
    X, y = binary_data
    with dispatch():
        model = GDLogisticRegression(alpha=1e-2).fit(_torch(X), _torch(y))
        for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
            with pytest.raises(ValueError, match=rf"GDLogisticRegression\.{method}\(\)"):
                getattr(model, method)(X)
    numpy_model = GDLogisticRegression(alpha=1e-2).fit(X, y)
    with dispatch(), pytest.raises(ValueError, match="same namespace"):
        numpy_model.predict(_torch(X))
    with pytest.raises(ValueError, match="same namespace"):
        model.predict(X)  # dispatch off, coefficients in torch


def test_partial_fit_rejects_array_api_input(binary_data):
    X, y = binary_data
    with dispatch(), pytest.raises(ValueError, match="partial_fit does not support array API"):
        GDLogisticRegression().partial_fit(_torch(X), _torch(y), classes=[0, 1])


def test_early_stopping_rejects_array_api_input(binary_data):
    X, y = binary_data
    with dispatch(), pytest.raises(ValueError, match="early_stopping=True is not supported"):
        GDLogisticRegression(early_stopping=True).fit(_torch(X), _torch(y))


def test_dispatch_off_converts_torch_like_logistic_regression(binary_data):
    # Without dispatch, scikit-learn converts CPU tensors with np.asarray and
    # returns NumPy; so do we.
    from sklearn.linear_model import LogisticRegression

    X, y = binary_data
    sk = LogisticRegression().fit(_torch(X), _torch(y))
    assert isinstance(sk.coef_, np.ndarray) and isinstance(sk.predict(_torch(X)), np.ndarray)
    model = GDLogisticRegression(alpha=1e-2).fit(_torch(X), _torch(y))
    reference = GDLogisticRegression(alpha=1e-2).fit(X, y)
    assert isinstance(model.coef_, np.ndarray)
    np.testing.assert_array_equal(model.coef_, reference.coef_)
    for method in ("predict", "predict_proba", "decision_function"):
        result = getattr(model, method)(_torch(X))
        assert isinstance(result, np.ndarray)
        np.testing.assert_array_equal(result, getattr(reference, method)(X))


# --------------------------------------------------------------------------
# The array API loss and the metrics at extreme logits
# --------------------------------------------------------------------------


@pytest.mark.parametrize("to_xp", NAMESPACES)
def test_loss_objective_and_gradient_equal_numpy(problem, to_xp):
    from sklearn_logloss._loss import ArrayAPILinearLogLoss, LinearLogLoss

    X, y, weights = problem
    codes = np.unique(y, return_inverse=True)[1]
    n_classes = codes.max() + 1
    kwargs = dict(n_classes=n_classes, alpha=0.1, fit_intercept=True)
    numpy_loss = LinearLogLoss(X, codes, weights, **kwargs)
    X_xp = to_xp(X)
    with dispatch():
        xp, _, device = get_namespace_and_device(X_xp)
        xp_loss = ArrayAPILinearLogLoss(X_xp, codes, weights, xp=xp, device=device, **kwargs)
        coef = np.random.default_rng(1).standard_normal(numpy_loss.coef_shape)
        value, grad = xp_loss.objective_gradient(coef)
        expected_value, expected_grad = numpy_loss.objective_gradient(coef)
        assert value == pytest.approx(expected_value, rel=1e-12)
        assert xp_loss.objective(coef) == pytest.approx(expected_value, rel=1e-12)
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-10, atol=1e-14)
        assert xp_loss.trace_bound() == pytest.approx(numpy_loss.trace_bound(), rel=1e-12)
        assert xp_loss.lipschitz_bound() == pytest.approx(numpy_loss.lipschitz_bound(), rel=1e-9)
        # The coarse problem of every 8th sample, on the device too.
        coarse, expected = xp_loss.subsample(8), numpy_loss.subsample(8)
        _assert_same_place(coarse.X, X_xp)
        assert coarse.objective(coef) == pytest.approx(expected.objective(coef), rel=1e-12)


@pytest.mark.parametrize("to_xp", NAMESPACES)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_loss_at_extreme_logits_is_exact_and_silent(to_xp, n_classes):
    from sklearn_logloss._loss import ArrayAPILinearLogLoss

    # One feature equal to 1, no intercept: the coefficients are the logits.
    X = np.ones((2, 1))
    codes = np.array([0, 1])
    with dispatch():
        X_xp = to_xp(X)
        xp, _, device = get_namespace_and_device(X_xp)
        loss = ArrayAPILinearLogLoss(
            X_xp,
            codes,
            np.ones(2),
            n_classes=n_classes,
            alpha=0.0,
            fit_intercept=False,
            xp=xp,
            device=device,
        )
        for z in (1e6, -1e6, -800.0):
            coef = np.full((1, 1), z) if n_classes == 2 else np.array([[0.0, z, 0.0]])
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                value, grad = loss.objective_gradient(coef)
            # Sample 0 (class 0) and sample 1 (class 1), logit z for class 1;
            # the mean of their losses, by hand in Python floats.
            m = max(z, 0.0)
            if n_classes == 2:
                softplus = math.log1p(math.exp(-abs(z)))
                expected = (m + softplus + max(-z, 0.0) + softplus) / 2
            else:
                lse = m + math.log(2 * math.exp(-m) + math.exp(z - m))  # logsumexp(0, z, 0)
                expected = (lse + (lse - z)) / 2
            assert np.isfinite(value) and np.all(np.isfinite(grad))
            assert value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("to_xp", NAMESPACES)
def test_metrics_equal_numpy(to_xp):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=50)
    logits = rng.standard_normal((50, 3)) * 5
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    weights = rng.uniform(0.5, 2.0, size=50)
    expected = log_loss(y, proba, sample_weight=weights)
    expected_logits = log_loss_from_logits(y, logits, sample_weight=weights)
    with dispatch():
        value = log_loss(to_xp(y), to_xp(proba), sample_weight=to_xp(weights))
        value_logits = log_loss_from_logits(to_xp(y), to_xp(logits), sample_weight=to_xp(weights))
    assert type(value) is float and type(value_logits) is float
    assert value == expected and value_logits == expected_logits


@pytest.mark.parametrize("to_xp", NAMESPACES)
def test_metrics_at_extreme_logits(to_xp):
    y = np.array([1, 0, 1, 0])
    logits = np.array([1e6, -1e6, -800.0, 1e6])
    with dispatch(), warnings.catch_warnings():
        warnings.simplefilter("error")
        total = log_loss_from_logits(to_xp(y), to_xp(logits), normalize=False)
    assert total == 800.0 + 1e6


@pytest.mark.parametrize("to_xp", NAMESPACES)
def test_predict_log_proba_at_extreme_logits(to_xp):
    X = np.array([[1.0], [-1.0]])
    model = GDLogisticRegression().fit(X, [0, 1])
    with dispatch():
        X_xp = to_xp(X)
        xp, _, device = get_namespace_and_device(X_xp)
        model.coef_ = xp.asarray([[800.0]], device=device)
        model.intercept_ = xp.asarray([0.0], device=device)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            log_proba = _host(model.predict_log_proba(X_xp))
            proba = _host(model.predict_proba(X_xp))
    np.testing.assert_array_equal(log_proba, [[-800.0, 0.0], [0.0, -800.0]])
    np.testing.assert_array_equal(proba, [[0.0, 1.0], [1.0, 0.0]])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "namespace, device",
    [("torch", "cpu"), ("array_api_strict", "CPU_DEVICE"), ("array_api_strict", "device1")],
)
@pytest.mark.parametrize("solver", ["gd", "agd"])
def test_sklearn_array_api_check_with_values(namespace, device, solver):
    # scikit-learn's check, comparing values too (attributes and every method's
    # output against the NumPy fit), with sample weights, for the solvers that
    # run the same on both paths. ("bb" is left out: its nonmonotone steps turn
    # the rounding differences of the two paths' metric sums into a stop a few
    # iterations apart; test_fit_reaches_the_numpy_optimum compares its optimum.)
    from sklearn.utils.estimator_checks import check_array_api_input

    parameters = inspect.signature(check_array_api_input).parameters
    if not {"device_name", "check_sample_weight"} <= parameters.keys():
        pytest.skip(
            f"scikit-learn {sklearn.__version__}'s check_array_api_input has no "
            "device_name or check_sample_weight (newer scikit-learn)"
        )
    check_array_api_input(
        "GDLogisticRegression",
        GDLogisticRegression(solver=solver),
        array_namespace=namespace,
        device_name=device,
        dtype_name="float64",
        check_values=True,
        check_sample_weight=True,
    )


def test_class_weight_matches_numpy(multiclass_data):
    X, y = multiclass_data
    params = dict(alpha=1e-2, solver="agd", class_weight={0: 3.0, 1: 1.0, 2: 0.5})
    reference = GDLogisticRegression(**params).fit(X, y)
    with dispatch():
        model = GDLogisticRegression(**params).fit(_strict(X), _strict(y))
    np.testing.assert_allclose(_host(model.coef_), reference.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(_host(model.loss_history_), reference.loss_history_, rtol=1e-9)


@pytest.mark.parametrize("to_xp", NAMESPACES)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_scorer_equals_numpy_on_array_api_inputs(to_xp, n_classes, binary_data, multiclass_data):
    from sklearn_logloss import neg_log_loss_scorer

    X, y = binary_data if n_classes == 2 else multiclass_data
    numpy_model = GDLogisticRegression(alpha=1e-2).fit(X, y)
    expected = neg_log_loss_scorer(numpy_model, X, y)
    with dispatch():
        model = GDLogisticRegression(alpha=1e-2).fit(to_xp(X), to_xp(y))
        score = neg_log_loss_scorer(model, to_xp(X), to_xp(y))
    assert isinstance(score, float)
    assert score == pytest.approx(expected, rel=1e-6)
