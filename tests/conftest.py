"""Shared fixtures: standardized bundled datasets and an independent objective.

The objective here is written from the formula of the issue with
``scipy.special`` (log-sigmoid / log-softmax) and shares no code with
``sklearn_logloss._loss``, so tests can use it as a reference for
``loss_history_`` and for comparing optimizers.
"""

import os

# scikit-learn's array API dispatch (tests/test_array_api.py, the array API
# estimator checks) requires SciPy's array API support, switched on before
# SciPy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy.special import log_expit, log_softmax  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

_BLAS_LIMIT = []


def pytest_configure(config):
    # The suite runs under pytest-xdist on 2 cores: a multithreaded BLAS in every
    # worker oversubscribes them, and the small matrix products of gradient
    # descent then run several times slower (8x measured on digits). One BLAS
    # thread per worker, unless the user chose a thread count.
    if not any(os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")):
        _BLAS_LIMIT.append(threadpool_limits(limits=1))


DATASET_LOADERS = {
    "breast_cancer": load_breast_cancer,
    "iris": load_iris,
    "wine": load_wine,
    "digits": load_digits,
}

_CACHE = {}


def _load_scaled(name):
    """``(X, y)`` of a bundled dataset, standardized; cached, returned as copies."""
    if name not in _CACHE:
        X, y = DATASET_LOADERS[name](return_X_y=True)
        _CACHE[name] = (StandardScaler().fit_transform(X), y)
    X, y = _CACHE[name]
    return X.copy(), y.copy()


def _reference_objective(X, y, coef, intercept, alpha, sample_weight=None):
    """``J = sum_i s_i l_i / sum_i s_i + alpha/2 ||W||^2`` by hand.

    ``coef`` has sklearn's layout, shape ``(1, d)`` for two classes (the logit
    of the larger class) or ``(K, d)``; ``y`` holds the labels.
    """
    X = np.asarray(X.toarray() if hasattr(X, "toarray") else X, dtype=np.float64)
    coef = np.asarray(coef, dtype=np.float64)
    intercept = np.asarray(intercept, dtype=np.float64)
    classes, codes = np.unique(y, return_inverse=True)
    s = np.ones(len(codes)) if sample_weight is None else np.asarray(sample_weight, float)
    logits = X @ coef.T + intercept
    if len(classes) == 2:
        z = logits[:, 0]
        losses = -np.where(codes == 1, log_expit(z), log_expit(-z))
    else:
        losses = -log_softmax(logits, axis=1)[np.arange(len(codes)), codes]
    return float(losses @ s / s.sum() + 0.5 * alpha * np.sum(coef**2))


@pytest.fixture
def load_scaled():
    """The function ``name -> (X, y)`` of :func:`_load_scaled`."""
    return _load_scaled


@pytest.fixture
def reference_objective():
    """The hand-written objective :func:`_reference_objective`."""
    return _reference_objective


@pytest.fixture
def binary_data():
    """Standardized breast_cancer (two classes)."""
    return _load_scaled("breast_cancer")


@pytest.fixture
def multiclass_data():
    """Standardized iris (three classes)."""
    return _load_scaled("iris")


# The command line's CSV files, shared by test_cli.py and test_cli_data.py.
@pytest.fixture(scope="module")
def iris_csv(tmp_path_factory):
    from cli_helpers import write_iris_csv

    return write_iris_csv(tmp_path_factory.mktemp("csv"))


@pytest.fixture(scope="module")
def messy_csv(tmp_path_factory):
    from cli_helpers import write_messy_csv

    return write_messy_csv(tmp_path_factory.mktemp("messy"))


@pytest.fixture
def metric_calls(monkeypatch):
    """The metrics the fit plan builds, recorded: ``(kind, loss, coef)`` per call."""
    from sklearn_logloss._solvers import _fit

    calls = []
    make_metric = _fit.make_metric

    def recording(loss, kind, **kwargs):
        calls.append((kind, loss, kwargs.get("coef")))
        return make_metric(loss, kind, **kwargs)

    monkeypatch.setattr(_fit, "make_metric", recording)
    return calls
