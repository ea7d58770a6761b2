"""scikit-learn's own ``log_loss`` tests, run against ``sklearn_logloss.log_loss``.

The test functions of the installed ``sklearn/metrics/tests/test_classification.py``
whose name contains ``log_loss`` and whose code calls ``log_loss`` are collected
here unchanged (with their parametrizations); a fixture replaces the ``log_loss``
global of that module by ours while each runs, so every value, error, warning and
message they check is checked on our function. They are written for
scikit-learn 1.9 (``y_proba``, its messages): on older versions the module is
skipped, and ``tests/test_metrics.py`` still compares values with the installed
version.
"""

import pytest
import sklearn

from sklearn_logloss import log_loss

SKLEARN_VERSION = tuple(int(part) for part in sklearn.__version__.split(".")[:2])
if SKLEARN_VERSION < (1, 9):
    pytest.skip(
        f"scikit-learn {sklearn.__version__}'s log_loss tests predate the 1.9 behaviour "
        "(y_proba, its messages) that this package's log_loss reproduces",
        allow_module_level=True,
    )

sklearn_tests = pytest.importorskip(
    "sklearn.metrics.tests.test_classification",
    reason="scikit-learn's test modules are not installed",
)

# Tests of behaviour this package deliberately does not share, each with its
# reason. Empty: every selected test passes as written.
DESELECTED = {}

SUITE = {
    name: test
    for name, test in vars(sklearn_tests).items()
    if name.startswith("test_")
    and "log_loss" in name
    and callable(test)
    and "log_loss" in test.__code__.co_names
}

# pytest collects the test functions found in this module's namespace.
globals().update({name: test for name, test in SUITE.items() if name not in DESELECTED})


@pytest.fixture(autouse=True)
def ours_in_place_of_sklearns(request, monkeypatch):
    if request.node.originalname in SUITE:
        monkeypatch.setattr(sklearn_tests, "log_loss", log_loss)
        assert sklearn_tests.test_log_loss.__globals__["log_loss"] is log_loss


def test_the_suite_is_collected_and_patched():
    # The collection is not silently empty, and the patch reaches the global
    # the tests read.
    expected = {
        "test_log_loss",
        "test_log_loss_eps",
        "test_log_loss_not_probabilities_warning",
        "test_log_loss_perfect_predictions",
        "test_log_loss_pandas_input",
        "test_log_loss_warnings",
        "test_log_loss_y_pred_deprecation",
    }
    assert expected <= set(SUITE)
    assert set(DESELECTED) <= set(SUITE)
    assert sklearn_tests.log_loss is not log_loss
