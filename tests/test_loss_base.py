"""The loss contract (``_loss/_base.py``) and the factory (``_loss/__init__.py``).

Every loss class, on every kind of data, offers what the contract states and
gives the same objective, gradient and bounds as the NumPy loss on the same
data; ``make_loss`` picks the class from the kind of data.
"""

import ast
import importlib
import inspect
import pkgutil

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from _versions import skip_without_array_api_dispatch
from numpy.testing import assert_allclose

from sklearn_logloss import _loss
from sklearn_logloss._loss import (
    ArrayAPILinearLogLoss,
    DaskLinearLogLoss,
    LinearLogLoss,
    LogLoss,
    make_loss,
)

CAPABILITY_METHODS = {
    "logit_space": (
        "logits",
        "empty_logits",
        "combine_into_first",
        "objective_gradient_at",
        "hessian_forms",
    ),
    "subsample": ("subsample",),
    "hessian": ("hessian_at", "max_row_form"),
}
#: Capabilities that are a way of working of a capability's methods.
CAPABILITY_BEHAVIOURS = {"lean_logit_space": "logit_space"}


def data(n_classes, n_samples=90, n_features=4):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_samples, n_features))
    X[rng.random(X.shape) < 0.3] = 0.0
    codes = rng.integers(n_classes, size=n_samples)
    weight = rng.uniform(0.2, 3.0, size=n_samples)
    return X, codes, weight


def build(kind, X, codes, weight, **model):
    """The loss of ``kind`` on the data, through make_loss, and the context it needs."""
    if kind == "numpy":
        return make_loss(X, codes, weight, **model)
    if kind == "sparse":
        return make_loss(sp.csr_matrix(X), codes, weight, **model)
    if kind == "strict":
        xp = pytest.importorskip("array_api_strict")
        skip_without_array_api_dispatch()
        with sklearn.config_context(array_api_dispatch=True):
            return make_loss(xp.asarray(X), codes, weight, **model)
    da = pytest.importorskip("dask.array")
    chunks = (X.shape[0] // 3,)
    return make_loss(
        da.from_array(X, chunks=(chunks[0], 2)),
        da.from_array(codes, chunks=chunks),
        da.from_array(weight, chunks=chunks),
        **model,
    )


KINDS = ["numpy", "sparse", "strict", "dask"]
CLASSES = {"numpy": LinearLogLoss, "sparse": LinearLogLoss, "strict": ArrayAPILinearLogLoss}


@pytest.fixture(autouse=True)
def _synchronous_dask():
    dask = pytest.importorskip("dask")
    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_every_loss_fulfils_the_contract(kind, n_classes):
    X, codes, weight = data(n_classes)
    model = dict(n_classes=n_classes, alpha=0.3, fit_intercept=True)
    loss = build(kind, X, codes, weight, **model)
    assert isinstance(loss, LogLoss)
    assert type(loss) is CLASSES.get(kind, DaskLinearLogLoss)
    n_outputs = 1 if n_classes == 2 else n_classes
    assert (loss.n_samples, loss.n_features, loss.n_classes, loss.n_outputs) == (
        90,
        4,
        n_classes,
        n_outputs,
    )
    assert loss.fit_intercept is True and loss.alpha == 0.3
    assert loss.dtype == np.float64 and loss.coef_shape == (5, n_outputs)
    assert loss.weight_sum == pytest.approx(weight.sum(), rel=1e-14)
    assert loss.data_nbytes > 0
    assert loss.supports <= set(CAPABILITY_METHODS) | set(CAPABILITY_BEHAVIOURS)
    for capability, needed in CAPABILITY_BEHAVIOURS.items():
        assert capability not in loss.supports or needed in loss.supports
    for capability, methods in CAPABILITY_METHODS.items():
        offered = all(callable(getattr(loss, name, None)) for name in methods)
        assert offered == (capability in loss.supports), capability
    # The same objective, gradient and bounds as the NumPy loss on the data.
    reference = LinearLogLoss(X, codes, weight, **model)
    coef = np.random.default_rng(1).normal(size=loss.coef_shape)
    assert np.array_equal(loss.init_coef(), np.zeros(loss.coef_shape))
    value, grad = loss.objective_gradient(coef)
    expected_value, expected_grad = reference.objective_gradient(coef)
    assert value == pytest.approx(expected_value, rel=1e-12)
    assert loss.objective(coef) == pytest.approx(expected_value, rel=1e-12)
    assert_allclose(grad, expected_grad, rtol=1e-11, atol=1e-14)
    assert grad.dtype == loss.dtype and grad.shape == loss.coef_shape
    assert loss.trace_bound() == pytest.approx(reference.trace_bound(), rel=1e-12)
    assert loss.lipschitz_bound(n_iter=50, rtol=1e-12) == pytest.approx(
        reference.lipschitz_bound(n_iter=50, rtol=1e-12), rel=1e-10
    )
    # The stopping rule's Hessian (the lead's _curvature module) on every backend.
    mean, inv_scale = X.mean(axis=0), 1.0 / X.std(axis=0)
    for got, expected in zip(
        loss.hessian_at(coef, mean, inv_scale),
        reference.hessian_at(coef, mean, inv_scale),
        strict=True,
    ):
        assert_allclose(got, expected, rtol=1e-11, atol=1e-14)
    quad = np.eye(5)
    assert loss.max_row_form(quad, mean, inv_scale) == pytest.approx(
        reference.max_row_form(quad, mean, inv_scale), rel=1e-12
    )


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("n_samples", [600, 20_000])
def test_the_hessian_of_small_data_is_summed_in_one_chunk(n_samples, n_classes, monkeypatch):
    # hessian_at and max_row_form sum over chunks of rows whose centred
    # float64 rows and weighted copy take about _curvature_block_bytes. All
    # rows in one chunk where that is at most BLOCK_BYTES (600 x 30: 0.3 MB;
    # each chunk costs a few products' fixed overhead), else chunks of at
    # most BLOCK_BYTES (20000 x 30: 10 MB). The sums are those of chunks of
    # 16 rows.
    from sklearn_logloss._loss import _curvature
    from sklearn_logloss._loss._linear import BLOCK_BYTES

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_samples, 30)) * rng.uniform(0.1, 10, size=30)
    codes = rng.integers(n_classes, size=n_samples)
    loss = LinearLogLoss(
        X,
        codes,
        rng.uniform(0.5, 2, size=n_samples),
        n_classes=n_classes,
        alpha=0.1,
        fit_intercept=True,
    )
    chunks = []
    chunk_rows = _curvature._chunk_rows

    def spy(X, width, block_bytes):
        chunks.append((len(chunk_rows(X, width, block_bytes)), width))
        return chunk_rows(X, width, block_bytes)

    monkeypatch.setattr(_curvature, "_chunk_rows", spy)
    coef = 0.1 * rng.normal(size=(31, 1 if n_classes == 2 else n_classes))
    mean, inv_scale = X.mean(axis=0), 1.0 / X.std(axis=0)
    quad = np.eye(31)
    got = (*loss.hessian_at(coef, mean, inv_scale), loss.max_row_form(quad, mean, inv_scale))
    assert len(chunks) == 2
    for n_chunks, width in chunks:
        if n_samples == 600:
            assert n_chunks == 1
        else:
            assert n_chunks > 1 and 16 * width * -(-n_samples // n_chunks) <= 1.1 * BLOCK_BYTES
    monkeypatch.setattr(LinearLogLoss, "_curvature_block_bytes", 16 * 16 * 31)
    expected = (*loss.hessian_at(coef, mean, inv_scale), loss.max_row_form(quad, mean, inv_scale))
    assert chunks[-1][0] == -(-n_samples // 16)
    for a, b in zip(got, expected, strict=True):
        assert_allclose(a, b, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("kind", ["numpy", "sparse", "strict"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_logit_layout_is_the_same_for_every_in_memory_loss(kind, n_classes):
    X, codes, weight = data(n_classes)
    loss = build(kind, X, codes, weight, n_classes=n_classes, alpha=0.0, fit_intercept=True)
    n_outputs = loss.n_outputs
    coef = np.random.default_rng(2).normal(size=loss.coef_shape)
    assert tuple(loss.empty_logits().shape) == (n_outputs, 90)
    assert tuple(loss.empty_logits(4).shape) == (4, n_outputs, 90)
    logits = np.asarray(loss.logits(coef))
    assert_allclose(logits, (X @ coef[:-1] + coef[-1]).T, rtol=1e-12)


def test_make_loss_passes_the_model_on():
    X, codes, weight = data(3)
    loss = make_loss(X, codes, weight, n_classes=3, alpha=0.5, fit_intercept=False)
    assert type(loss) is LinearLogLoss
    assert (loss.n_classes, loss.alpha, loss.fit_intercept) == (3, 0.5, False)
    assert loss.X is X  # never copied


def _package_modules():
    yield _loss
    for info in pkgutil.iter_modules(_loss.__path__):
        yield importlib.import_module(f"{_loss.__name__}.{info.name}")


def test_every_module_of_the_package_is_checked():
    names = {module.__name__.rsplit(".", 1)[-1] for module in _package_modules()}
    assert {"_base", "_linear", "_pointwise", "_numpy", "_array_api", "_dask"} <= names


@pytest.mark.parametrize("module", list(_package_modules()), ids=lambda m: m.__name__)
def test_the_hot_loop_uses_numpy_blas_only(module):
    # scipy's wheels bundle their own OpenBLAS: calling it (scipy.linalg.blas
    # or lapack) between numpy's BLAS calls makes two thread pools spin on
    # the same cores, which slowed a digits fit 8x with default threads.
    tree = ast.parse(inspect.getsource(module))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
            imported.update(f"{node.module}.{alias.name}" for alias in node.names)
    assert not any(name.startswith(("scipy.linalg", "scipy.sparse.linalg")) for name in imported)
    # Nor through an attribute of scipy: scipy.linalg.<anything>.
    attributes = {
        f"{node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    }
    assert not any(name.startswith(("scipy.linalg", "sp.linalg")) for name in attributes)


def test_power_iteration_has_no_overflow_where_the_products_are_finite():
    import warnings

    from sklearn_logloss._loss._base import power_iteration

    # Eigenvalues 1e200 and 3e200: their squares overflow, the products do not.
    diagonal = np.array([1e200, 3e200, 2e200])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eig = power_iteration(lambda v: diagonal * v, 3, n_iter=500, rtol=1e-14)
        assert eig == pytest.approx(3e200, rel=1e-10)
        # Data of size 1e100: the Lipschitz estimate scales by 1e200.
        X, codes, weight = data(2)
        loss = LinearLogLoss(X, codes, weight, n_classes=2, alpha=0.0, fit_intercept=False)
        huge = LinearLogLoss(X * 1e100, codes, weight, n_classes=2, alpha=0.0, fit_intercept=False)
        assert huge.lipschitz_bound() == pytest.approx(1e200 * loss.lipschitz_bound(), rel=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("sparse", [False, True])
def test_equal_weights_are_one_number_with_the_same_objective(n_classes, sparse):
    # Equal weights are kept as a view of one number (an array of them is a
    # tenth of sparse data with few values per row); the objective, gradient
    # and subsamples are those of the same weights given unequal by a hair
    # (an ordinary array), and of sklearn's log loss.
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 4))
    y = rng.permutation(np.arange(300) % n_classes)
    X = sp.csr_matrix(X) if sparse else X
    model = dict(n_classes=n_classes, alpha=0.1, fit_intercept=True)
    equal = _loss.make_loss(X, y, np.full(300, 3.0), **model)
    almost = np.full(300, 3.0)
    almost[0] = np.nextafter(3.0, 4.0)
    unequal = _loss.make_loss(X, y, almost, **model)
    assert equal._weight.strides == (0,) and unequal._weight.strides != (0,)
    coef = rng.standard_normal(equal.coef_shape)
    value, grad = equal.objective_gradient(coef)
    ref_value, ref_grad = unequal.objective_gradient(coef)
    assert_allclose(value, ref_value, rtol=1e-14)
    assert_allclose(grad, ref_grad, rtol=1e-12, atol=1e-15)
    logits = np.asarray(X @ coef[:-1] + coef[-1])
    proba = np.column_stack([0 * logits[:, 0], logits[:, 0]]) if n_classes == 2 else logits
    expected = log_loss(y, np.exp(proba - np.logaddexp.reduce(proba, axis=1, keepdims=True)))
    assert_allclose(value - 0.05 * np.sum(coef[:-1] ** 2), expected, rtol=1e-12)
    coarse, ref_coarse = equal.subsample(3), unequal.subsample(3)
    assert coarse._weight.strides == (0,)
    assert_allclose(coarse.objective(coef), ref_coarse.objective(coef), rtol=1e-14)
