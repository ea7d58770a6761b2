"""scikit-learn's own ``log_loss`` tests, run against ``sklearn_logloss.log_loss``.

Two sources, both from the installed scikit-learn:

- ``sklearn/metrics/tests/test_classification.py``: the test functions whose
  name contains ``log_loss`` and whose code calls ``log_loss``, collected here
  unchanged (with their parametrizations); a fixture replaces that module's
  ``log_loss`` global by ours while each runs.
- ``sklearn/metrics/tests/test_common.py``: the common metric tests
  (invariances, sample weights, labels as strings, NaN input, dataframes, array
  API inputs) narrowed to their ``log_loss`` and ``unnormalized_log_loss`` cases;
  a fixture replaces those entries of the module's metric tables by ours.

So every value, error, warning and message they check is checked on our
function. They are written for scikit-learn 1.9 (``y_proba``, its messages): on
older versions the module is skipped, and ``tests/test_metrics.py`` still
compares values with the installed version.
"""

import functools

import pytest
import sklearn
from sklearn.metrics import log_loss as sklearn_log_loss

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

common_tests = pytest.importorskip(
    "sklearn.metrics.tests.test_common",
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


def _ours(value):
    """Our ``log_loss`` where ``value`` is scikit-learn's (or a partial of it).

    Tuples (several parameters of one case) are searched item by item.
    """
    if value is sklearn_log_loss:
        return log_loss
    if isinstance(value, functools.partial) and value.func is sklearn_log_loss:
        return functools.partial(log_loss, *value.args, **value.keywords)
    if isinstance(value, tuple):
        return tuple(_ours(item) for item in value)
    return value


LOG_LOSS_NAMES = {"log_loss", "unnormalized_log_loss"}
# The class of pytest.param(...) cases, without importing pytest's private module.
ParameterSet = type(pytest.param(None))


def _refers_to_log_loss(value):
    if isinstance(value, str):
        return value in LOG_LOSS_NAMES
    if isinstance(value, tuple):
        return any(_refers_to_log_loss(item) for item in value)
    return _ours(value) is not value


def _narrowed_to_log_loss(test):
    """``test`` with its metric parametrization cut to the log_loss cases, or None.

    Every parametrization is rebuilt from a list: some of scikit-learn's are
    generators, which reading here would exhaust.
    """
    marks, narrowed_any = [], False
    for mark in getattr(test, "pytestmark", []):
        if mark.name != "parametrize":
            marks.append(mark)
            continue
        argnames, values = mark.args[0], list(mark.args[1])
        cases = [
            case
            for case in values
            if _refers_to_log_loss(case.values if isinstance(case, ParameterSet) else case)
        ]
        if cases and not narrowed_any:
            narrowed_any = True
            cases = [
                ParameterSet(_ours(case.values), case.marks, case.id)
                if isinstance(case, ParameterSet)
                else _ours(case)
                for case in cases
            ]
            marks.append(pytest.mark.parametrize(argnames, cases).mark)
        else:
            marks.append(pytest.mark.parametrize(argnames, values, **mark.kwargs).mark)
    if not narrowed_any:
        return None

    @functools.wraps(test)
    def narrowed(*args, **kwargs):
        return test(*args, **kwargs)

    narrowed.pytestmark = marks
    return narrowed


COMMON_SUITE = {
    name: narrowed
    for name, test in vars(common_tests).items()
    if name.startswith("test_")
    and callable(test)
    and (narrowed := _narrowed_to_log_loss(test)) is not None
}
assert not set(COMMON_SUITE) & set(SUITE)

# pytest collects the test functions found in this module's namespace.
globals().update(
    {name: test for name, test in {**SUITE, **COMMON_SUITE}.items() if name not in DESELECTED}
)


@pytest.fixture(autouse=True)
def ours_in_place_of_sklearns(request, monkeypatch):
    if request.node.originalname in SUITE:
        monkeypatch.setattr(sklearn_tests, "log_loss", log_loss)
        assert sklearn_tests.test_log_loss.__globals__["log_loss"] is log_loss
    if request.node.originalname in COMMON_SUITE:
        for table in vars(common_tests).values():
            if isinstance(table, dict):
                for key in LOG_LOSS_NAMES & set(table):
                    monkeypatch.setitem(table, key, _ours(table[key]))
        assert common_tests.ALL_METRICS["log_loss"] is log_loss


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
    common_expected = {
        "test_sample_order_invariance",
        "test_format_invariance_with_1d_vectors",
        "test_binary_sample_weight_invariance",
        "test_multiclass_sample_weight_invariance",
        "test_normalize_option_multiclass_classification",
        "test_continuous_inf_nan_input",
    }
    assert common_expected <= set(COMMON_SUITE)
    assert set(DESELECTED) <= set(SUITE) | set(COMMON_SUITE)
    # Outside the suite's tests, scikit-learn's modules are as they were.
    assert sklearn_tests.log_loss is not log_loss
    assert common_tests.ALL_METRICS["log_loss"] is sklearn_log_loss
