"""The private scikit-learn helpers of ``_compat`` behave as the package expects.

CI also runs this file against the oldest supported scikit-learn (1.6), where
these private helpers have other signatures (and array API dispatch needs the
separately installed array-api-compat, a test extra, and SciPy >= 1.14: the array
API tests skip where scikit-learn refuses dispatch).
"""

import ast
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from _versions import skip_without_array_api_dispatch
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
    skip_without_array_api_dispatch()
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
# SciPy's private CSR kernels on ranges of rows
# --------------------------------------------------------------------------


def _csr(dtype, index_dtype, rng, shape=(50, 7)):
    dense = rng.normal(size=shape)
    dense[rng.random(shape) < 0.7] = 0.0
    dense[3] = 0.0  # an empty row
    X = sp.csr_array(dense.astype(dtype))
    X.indices = X.indices.astype(index_dtype)
    X.indptr = X.indptr.astype(index_dtype)
    return X


def test_the_installed_scipy_has_the_csr_row_kernels():
    # pyproject.toml declares scipy >= 1.8: every such version has them.
    assert _compat.has_csr_row_kernels()
    assert callable(_compat._sparsetools.csr_matvecs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("n_vecs", [None, 1, 3])
@pytest.mark.parametrize(("start", "stop"), [(0, 50), (3, 4), (11, 37), (20, 20)])
def test_csr_row_kernels_give_the_products_of_the_rows(dtype, index_dtype, n_vecs, start, stop):
    rng = np.random.default_rng(0)
    X = _csr(dtype, index_dtype, rng)
    rows = X[start:stop]
    indptr = X.indptr[start : stop + 1]  # a view: the rows are not copied
    tol = dict(rtol=1e-5 if dtype == np.float32 else 1e-13, atol=1e-6)
    size = () if n_vecs is None else (n_vecs,)
    W = rng.normal(size=(7, *size)).astype(dtype)
    before = rng.normal(size=(stop - start, *size)).astype(dtype)
    out = before.copy()
    result = _compat.csr_rows_matmul_add(7, indptr, X.indices, X.data, W, out)
    assert result is out
    np.testing.assert_allclose(out, before + rows @ W, **tol)
    R = rng.normal(size=(stop - start, *size)).astype(dtype)
    before = rng.normal(size=(7, *size)).astype(dtype)
    out = before.copy()
    _compat.csr_rows_rmatmul_add(7, indptr, X.indices, X.data, R, out)
    np.testing.assert_allclose(out, before + rows.T @ R, **tol)


def test_csr_row_kernels_refuse_operands_they_would_misread():
    X = _csr(np.float64, np.int32, np.random.default_rng(0))
    with pytest.raises(ValueError, match="dtypes"):
        _compat.csr_rows_matmul_add(
            7, X.indptr, X.indices, X.data, np.ones(7, np.float32), np.zeros(50)
        )
    with pytest.raises(ValueError, match="C-contiguous"):
        _compat.csr_rows_matmul_add(7, X.indptr, X.indices, X.data, np.ones(7), np.zeros(100)[::2])


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_csr_data_without_the_row_kernels_gives_the_same_loss(n_classes, dtype, monkeypatch):
    # Where SciPy lacks its private kernels, CSR data is multiplied whole
    # with its public products: the same objective, gradient, Hessian forms
    # and column moments. 5000 rows: several chunks of rows with the kernels.
    from sklearn_logloss._loss import LinearLogLoss

    rng = np.random.default_rng(1)
    X = sp.random(5000, 20, density=0.2, format="csr", random_state=1, dtype=dtype)
    y = rng.integers(n_classes, size=5000)
    weight = rng.uniform(0.5, 2.0, size=5000)
    model = dict(n_classes=n_classes, alpha=0.01, fit_intercept=True)
    coef = 0.5 * rng.normal(size=(21, 1 if n_classes == 2 else n_classes)).astype(dtype)
    dirs = rng.normal(size=(2, *coef.shape)).astype(dtype)
    results = []
    for kernels in (True, False):
        if not kernels:
            monkeypatch.setattr(_compat, "_sparsetools", None)
        loss = LinearLogLoss(X, y, weight, **model)
        assert loss._csr is kernels  # ranges of rows read in place, or the whole matrix
        value, grad = loss.objective_gradient(coef)
        proba = loss.empty_logits()
        loss.objective_gradient_at(coef, loss.logits(coef), proba)
        stack = loss.empty_logits(2)
        for d, out in zip(dirs, stack, strict=True):
            loss.logits(d, out=out)
        forms = loss.hessian_forms(proba, stack, dirs)
        results.append((value, grad, forms, *loss._moment_sums()))
    with_kernels, without = results
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    assert with_kernels[0] == pytest.approx(without[0], rel=rtol)
    for a, b in zip(with_kernels[1:], without[1:], strict=True):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-7 if dtype == np.float32 else 1e-14)


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


def _private_sklearn_imports(tree, module, library="sklearn"):
    found = []
    for source, name in _imported_names(tree, module):
        parts = source.split(".")
        if parts[0] != library:
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


def test_only_compat_imports_private_scipy_names():
    offenders = {
        module: found
        for module, tree in _package_modules().items()
        if module != "sklearn_logloss._compat"
        and (found := _private_sklearn_imports(tree, module, library="scipy"))
    }
    assert offenders == {}
    compat = _package_modules()["sklearn_logloss._compat"]
    assert _private_sklearn_imports(compat, "sklearn_logloss._compat", library="scipy") == [
        "scipy.sparse._sparsetools"
    ]


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


def test_only_compat_imports_private_numpy_names():
    offenders = {
        module: found
        for module, tree in _package_modules().items()
        if module != "sklearn_logloss._compat"
        and (found := _private_sklearn_imports(tree, module, library="numpy"))
    }
    assert offenders == {}
    compat = _package_modules()["sklearn_logloss._compat"]
    assert _private_sklearn_imports(compat, "sklearn_logloss._compat", library="numpy") == [
        "numpy.linalg._umath_linalg"
    ]


def test_the_installed_numpy_has_the_lapack_kernels():
    assert _compat._umath_linalg is not None


@pytest.mark.parametrize("size", [1, 3, 11])
def test_small_cholesky_and_solve_match_numpy_linalg(size):
    rng = np.random.default_rng(size)
    half = rng.standard_normal((size, size + 2))
    matrix, rhs = half @ half.T, rng.standard_normal(size)
    with np.errstate(invalid="ignore"):
        factor = _compat.cholesky_or_none(matrix)
        solution = _compat.solve_small(matrix, rhs)
    np.testing.assert_allclose(factor, np.linalg.cholesky(matrix), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(solution, np.linalg.solve(matrix, rhs), rtol=1e-9)


def test_small_cholesky_of_an_indefinite_matrix_is_none_without_a_warning():
    matrix = np.diag([1.0, 2.0, -1e-3, 4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(invalid="ignore"):
            assert _compat.cholesky_or_none(matrix) is None
            assert _compat.cholesky_or_none(np.zeros((3, 3))) is None


@pytest.mark.parametrize("size", [1, 4, 31])
def test_lower_inverse_inverts_a_cholesky_factor(size):
    rng = np.random.default_rng(size)
    half = rng.standard_normal((size, size + 3))
    factor = np.linalg.cholesky(half @ half.T)
    inverse = _compat.lower_inverse(factor)
    np.testing.assert_allclose(inverse @ factor, np.eye(size), atol=1e-10)
    np.testing.assert_array_equal(np.triu(inverse, 1), 0.0)  # lower triangular
    np.testing.assert_allclose(inverse, np.linalg.inv(factor), rtol=1e-9, atol=1e-12)


def test_lower_inverse_of_a_singular_factor_raises():
    with pytest.raises(np.linalg.LinAlgError, match="Singular triangular factor"):
        _compat.lower_inverse(np.diag([1.0, 0.0, 2.0]))
