"""The private scikit-learn helpers of ``_compat`` behave as the package expects.

CI also runs this file against the oldest supported scikit-learn (1.6), where
these private helpers have other signatures (and array API dispatch needs the
separately installed array-api-compat, a test extra).
"""

import ast
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.utils.metadata_routing import MetadataRequest

from sklearn_logloss import _compat, log_loss
from sklearn_logloss._compat import (
    _BaseScorer,
    array_api_namespace,
    check_sample_weight,
    max_float_dtype,
    to_numpy,
)

X = np.zeros((4, 2))


# --------------------------------------------------------------------------
# check_sample_weight
# --------------------------------------------------------------------------


def test_none_gives_ones():
    weights = check_sample_weight(None, X)
    np.testing.assert_array_equal(weights, np.ones(4))
    assert weights.dtype == np.float64 and weights.shape == (4,)
    weights32 = check_sample_weight(None, X.astype(np.float32), dtype=np.float32)
    assert weights32.dtype == np.float32
    np.testing.assert_array_equal(weights32, np.ones(4))


def test_scalar_list_and_array():
    np.testing.assert_array_equal(check_sample_weight(2.5, X), np.full(4, 2.5))
    np.testing.assert_array_equal(check_sample_weight([1, 2, 3, 4], X), [1.0, 2.0, 3.0, 4.0])
    assert check_sample_weight([1, 2, 3, 4], X).dtype == np.float64
    weights = check_sample_weight(np.array([0.5, 1.0, 0.0, 2.0]), X, dtype=np.float32)
    assert weights.dtype == np.float32
    np.testing.assert_array_equal(weights, [0.5, 1.0, 0.0, 2.0])


def test_all_zero_weights_are_returned():
    # The callers decide what an all-zero total means (the estimator and the
    # metrics raise their own ValueError), so the helper passes them through.
    np.testing.assert_array_equal(check_sample_weight(np.zeros(4), X), np.zeros(4))


@pytest.mark.parametrize(
    "sample_weight, message",
    [
        ([1.0, -0.5, 1.0, 1.0], "Negative values"),
        (-1.0, "Negative values"),
        ([1.0, 1.0, 1.0], r"sample_weight.shape == \(3,\), expected \(4,\)"),
        (np.ones((4, 1)), "1D"),
        ([1.0, np.nan, 1.0, 1.0], "NaN"),
        ([1.0, np.inf, 1.0, 1.0], "infinity"),
    ],
)
def test_bad_weights_raise_value_error(sample_weight, message):
    with pytest.raises(ValueError, match=message):
        check_sample_weight(sample_weight, X)


# --------------------------------------------------------------------------
# _BaseScorer: the contract our scorer relies on
# --------------------------------------------------------------------------


class _RecordingScorer(_BaseScorer):
    """Records how ``__call__`` reaches ``_score``."""

    def __init__(self):
        super().__init__(score_func=log_loss, sign=-1, kwargs={}, response_method="predict_proba")
        self.calls = []

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        proba = method_caller(estimator, "predict_proba", X, pos_label=None)
        self.calls.append(kwargs)
        return self._sign * self._score_func(y_true, proba, **kwargs)


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.RandomState(0)
    X_fit = rng.randn(30, 2)
    y_fit = np.array([0, 1, 2] * 10)
    return LogisticRegression().fit(X_fit, y_fit), X_fit, y_fit


def test_base_scorer_interface():
    for name in ("__call__", "set_score_request", "_get_metadata_request", "_warn_overlap"):
        assert callable(getattr(_BaseScorer, name)), name
    scorer = _RecordingScorer()
    assert scorer._sign == -1 and scorer._kwargs == {}
    assert scorer._score_func is log_loss


def test_base_scorer_call_reaches_score(fitted):
    estimator, X_fit, y_fit = fitted
    scorer = _RecordingScorer()
    value = scorer(estimator, X_fit, y_fit)
    assert value == pytest.approx(-log_loss(y_fit, estimator.predict_proba(X_fit)), rel=1e-12)
    weights = np.linspace(0.5, 2.0, 30)
    weighted = scorer(estimator, X_fit, y_fit, sample_weight=weights)
    np.testing.assert_array_equal(scorer.calls[-1]["sample_weight"], weights)
    expected = -log_loss(y_fit, estimator.predict_proba(X_fit), sample_weight=weights)
    assert weighted == pytest.approx(expected, rel=1e-12)
    # The method caller returns the raw predict_proba (no column selection).
    assert scorer.calls[0] == {}


def test_base_scorer_metadata_routing(fitted):
    scorer = _RecordingScorer()
    request = scorer._get_metadata_request()
    assert isinstance(request, MetadataRequest)
    # Nothing requested by default (1.9 lists sample_weight as None, the
    # request of an unset parameter; 1.6 does not list it).
    assert request.score.requests.get("sample_weight") is None
    with pytest.raises(RuntimeError, match="metadata routing"):
        scorer.set_score_request(sample_weight=True)
    with sklearn.config_context(enable_metadata_routing=True):
        assert scorer.set_score_request(sample_weight=True) is scorer
        assert scorer._get_metadata_request().score.requests["sample_weight"] is True


# --------------------------------------------------------------------------
# Array API helpers
# --------------------------------------------------------------------------


def _array_api_inputs():
    """Non-NumPy arrays of the installed array API libraries: (array, values)."""
    values = np.array([[1.5, -2.0], [0.25, 4.0]])
    inputs = []
    torch = pytest.importorskip("torch")
    inputs.append(torch.asarray(values))
    strict = pytest.importorskip("array_api_strict")
    inputs.append(strict.asarray(values))
    inputs.append(strict.asarray(values, device=strict.Device("device1")))
    return inputs, values


def test_array_api_namespace_needs_dispatch_and_a_non_numpy_array():
    inputs, values = _array_api_inputs()
    for array in inputs:
        assert array_api_namespace(array) is None  # dispatch off: the NumPy path
        with sklearn.config_context(array_api_dispatch=True):
            xp, device = array_api_namespace(array)
            assert xp.asarray(array) is not None and xp.sum(array).shape == ()
            assert device == array.device
            moved = xp.asarray(values, device=device)
            assert float(xp.max(xp.abs(moved - array))) == 0.0
    with sklearn.config_context(array_api_dispatch=True):
        for other in (values, values.tolist(), np.float64(1.0), None):
            assert array_api_namespace(other) is None


def test_to_numpy_copies_to_the_host():
    inputs, values = _array_api_inputs()
    for array in inputs:
        with sklearn.config_context(array_api_dispatch=True):
            result = to_numpy(array)
        assert isinstance(result, np.ndarray)
        np.testing.assert_array_equal(result, values)
    assert to_numpy([1, 2]).tolist() == [1, 2]
    assert to_numpy(values) is values


def test_max_float_dtype():
    inputs, _ = _array_api_inputs()
    with sklearn.config_context(array_api_dispatch=True):
        for array in inputs:
            xp, device = array_api_namespace(array)
            assert max_float_dtype(xp, device) == xp.float64  # CPU devices


# --------------------------------------------------------------------------
# _compat is the only door to private scikit-learn names, and every name it
# exports is used
# --------------------------------------------------------------------------

PACKAGE = Path(_compat.__file__).parent


def _imported_names(tree, module):
    """``(module, name)`` of each import in ``tree``, relative imports resolved
    against the dotted ``module`` the tree was parsed from."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                base = module.split(".")[: -node.level]
                source = ".".join([*base, source] if source else base)
            yield from ((source, alias.name) for alias in node.names)


def _private_sklearn_imports(tree, module):
    found = []
    for source, name in _imported_names(tree, module):
        parts = source.split(".")
        if parts[0] != "sklearn":
            continue
        if any(part.startswith("_") for part in parts) or (name or "").startswith("_"):
            found.append(f"{source}.{name}" if name else source)
    return found


def _package_modules():
    """``{dotted module name: syntax tree}`` of every module of the package."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["sklearn_logloss", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = ast.parse(path.read_text(encoding="utf-8"))
    return modules


def test_only_compat_imports_private_scikit_learn_names():
    offenders = {
        module: found
        for module, tree in _package_modules().items()
        if module != "sklearn_logloss._compat"
        and (found := _private_sklearn_imports(tree, module))
    }
    assert offenders == {}
    # _compat itself does, so the detector finds what it looks for
    compat = _package_modules()["sklearn_logloss._compat"]
    assert "sklearn.utils._array_api._convert_to_numpy" in _private_sklearn_imports(
        compat, "sklearn_logloss._compat"
    )


@pytest.mark.parametrize(
    "source",
    [
        "from sklearn.utils._array_api import get_namespace",
        "from sklearn.utils.validation import _check_sample_weight",
        "import sklearn.metrics._scorer",
        "from ..utils._x import y",  # relative, inside a vendored sklearn: not ours
    ],
)
def test_private_import_detector(source):
    found = _private_sklearn_imports(ast.parse(source), "sklearn.a.b")
    assert found and all(name.startswith("sklearn.") for name in found)


def test_every_compat_export_is_imported_by_the_package():
    used = {
        name
        for module, tree in _package_modules().items()
        if module != "sklearn_logloss._compat"
        for source, name in _imported_names(tree, module)
        if source == "sklearn_logloss._compat"
    }
    assert set(_compat.__all__) <= used, set(_compat.__all__) - used
    # and nothing is imported from _compat that it does not export
    assert used <= set(_compat.__all__), used - set(_compat.__all__)
