"""Tests of ``log_loss`` and ``log_loss_from_logits``.

``log_loss`` is checked against ``sklearn.metrics.log_loss`` (values and
errors); ``log_loss_from_logits`` against ``log_loss`` of sigmoid / softmax
probabilities where those are representable, and against closed forms
(``np.logaddexp``, ``scipy.special.logsumexp``) where they are not.
"""

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.special import expit, logsumexp, softmax
from sklearn.metrics import log_loss as sk_log_loss

from sklearn_logloss import log_loss, log_loss_from_logits

SKLEARN_VERSION = tuple(int(part) for part in sklearn.__version__.split(".")[:2])
# The version whose ``log_loss`` this package's is a drop-in for. Older
# versions accept some inputs (probabilities outside [0, 1], y_true values
# outside ``labels``) that 1.9 rejects.
REFERENCE = (1, 9)
FLOAT64_EPS = np.finfo(np.float64).eps

LABEL_SETS = {
    "int": [0, 1, 2, 3, 4],
    "shifted": [-7, 3, 11, 12, 40],
    "str": ["ant", "bee", "cat", "dog", "eel"],
}

SETTINGS = settings(max_examples=60, deadline=None)


def sklearn_reference(y_true, y_proba, **kwargs):
    # Positional: the argument is ``y_pred`` before 1.9 and ``y_proba`` after.
    return sk_log_loss(y_true, y_proba, **kwargs)


def run_with_warnings(func, *args, **kwargs):
    """Call ``func``; return its value (or ValueError) and its warning categories."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = func(*args, **kwargs)
        except ValueError as exc:
            value = exc
    return value, sorted({w.category.__name__ for w in caught})


def assert_same_as_sklearn(y_true, y_proba, **kwargs):
    ours, our_warnings = run_with_warnings(log_loss, y_true, y_proba, **kwargs)
    ref, ref_warnings = run_with_warnings(sklearn_reference, y_true, y_proba, **kwargs)
    if isinstance(ref, ValueError):
        assert isinstance(ours, ValueError), f"sklearn raised {ref!r}, ours returned {ours!r}"
        return None
    assert not isinstance(ours, ValueError), f"ours raised {ours!r}, sklearn gave {ref!r}"
    assert isinstance(ours, float)
    if np.asarray(y_proba).dtype == np.float32 and SKLEARN_VERSION < REFERENCE:
        assert abs(ours - ref) <= float32_error_bound(y_true, y_proba, **kwargs), (ours, ref)
    else:
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=0)
    assert our_warnings == ref_warnings
    return ours


def float32_error_bound(y_true, y_proba, sample_weight=None, normalize=True, **kwargs):
    """How far ours may be from an older scikit-learn's loss of float32 ``y_proba``.

    scikit-learn < 1.9 takes the logarithms of float32 probabilities in float64
    (scipy's xlogy), while ours, as 1.9, takes them in float32: each sample's
    loss ``l_i >= 0`` is then off by at most a few float32 ulps, 4 eps l_i. The
    weighted mean adds these up with the weights' signs, which need not cancel
    them (weights of both signs can cancel the losses instead), so the bound is
    ``4 eps sum |w_i| l_i``, divided by ``|sum w_i|`` for the mean: scikit-learn's
    own sum with the weights' magnitudes.
    """
    n_samples = len(y_true)
    weights = np.ones(n_samples) if sample_weight is None else np.asarray(sample_weight)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the same inputs warned already, if at all
        magnitude = sklearn_reference(
            y_true, y_proba, sample_weight=np.abs(weights), normalize=False, **kwargs
        )
    if normalize:
        magnitude /= abs(np.sum(weights))
    return 4 * np.finfo(np.float32).eps * magnitude


# --------------------------------------------------------------------------
# Hypothesis strategies
# --------------------------------------------------------------------------

probability_dtypes = st.sampled_from([np.float64, np.float32])


@st.composite
def classification_case(draw, *, binary_1d=False, all_classes=True):
    """Labels ``y_true``, probabilities, and keyword arguments for log_loss."""
    n_classes = 2 if binary_1d else draw(st.integers(2, 5))
    label_kind = draw(st.sampled_from(sorted(LABEL_SETS)))
    classes = np.asarray(LABEL_SETS[label_kind][:n_classes])
    n_samples = draw(st.integers(n_classes if all_classes else 1, 25))
    codes = draw(hnp.arrays(np.intp, n_samples, elements=st.integers(0, n_classes - 1)))
    if all_classes:
        codes[:n_classes] = np.arange(n_classes)
        codes = draw(st.permutations(codes.tolist()))
    y_true = classes[np.asarray(codes, dtype=np.intp)]
    dtype = draw(probability_dtypes)
    if binary_1d:
        # Exact 0 and 1 included: they exercise the clipping.
        y_proba = draw(hnp.arrays(np.float64, n_samples, elements=st.floats(0, 1)))
    else:
        raw = draw(hnp.arrays(np.float64, (n_samples, n_classes), elements=st.floats(0, 1e3)))
        totals = raw.sum(axis=1, keepdims=True)
        y_proba = np.where(totals > 0, raw / np.where(totals > 0, totals, 1), 1 / n_classes)
    y_proba = y_proba.astype(dtype)
    kwargs = {"normalize": draw(st.booleans())}
    if draw(st.booleans()):
        weights = draw(hnp.arrays(np.float64, n_samples, elements=st.floats(0, 10)))
        weights[draw(st.integers(0, n_samples - 1))] += 0.5  # not all zero
        kwargs["sample_weight"] = weights
    if not all_classes or draw(st.booleans()):
        kwargs["labels"] = classes.tolist()
    as_list = draw(st.booleans())
    return (y_true.tolist() if as_list else y_true), y_proba, kwargs


# --------------------------------------------------------------------------
# log_loss: a drop-in for sklearn.metrics.log_loss
# --------------------------------------------------------------------------


@SETTINGS
@given(classification_case())
def test_log_loss_matches_sklearn_multiclass_and_2d_binary(case):
    y_true, y_proba, kwargs = case
    assert assert_same_as_sklearn(y_true, y_proba, **kwargs) is not None


@SETTINGS
@given(classification_case(binary_1d=True))
def test_log_loss_matches_sklearn_binary_1d(case):
    y_true, y_proba, kwargs = case
    assert assert_same_as_sklearn(y_true, y_proba, **kwargs) is not None
    # A (n, 1) column is the same as the 1-D positive-class probabilities.
    assert_same_as_sklearn(y_true, y_proba[:, np.newaxis], **kwargs)


@SETTINGS
@given(classification_case(all_classes=False))
def test_log_loss_matches_sklearn_with_labels_and_missing_classes(case):
    y_true, y_proba, kwargs = case
    assert assert_same_as_sklearn(y_true, y_proba, **kwargs) is not None


@SETTINGS
@given(classification_case(), st.booleans())
def test_log_loss_agrees_or_raises_like_sklearn_without_labels(case, drop_a_class):
    # Without ``labels`` and with a class missing from y_true, both must raise.
    y_true, y_proba, kwargs = case
    kwargs.pop("labels", None)
    if drop_a_class:
        y_true = np.asarray(y_true)
        keep = y_true != y_true[0]
        if keep.sum() == 0:
            return
        y_true, y_proba = y_true[keep], y_proba[keep]
        if "sample_weight" in kwargs:
            kwargs["sample_weight"] = kwargs["sample_weight"][keep]
            if not kwargs["sample_weight"].any():
                return
    assert_same_as_sklearn(y_true, y_proba, **kwargs)


def test_log_loss_known_values():
    # Hand computation: -(log .9 + log .9 + log .8 + log .65) / 4.
    expected = -(2 * np.log(0.9) + np.log(0.8) + np.log(0.65)) / 4
    value = log_loss(
        ["spam", "ham", "ham", "spam"], [[0.1, 0.9], [0.9, 0.1], [0.8, 0.2], [0.35, 0.65]]
    )
    assert value == pytest.approx(expected, rel=1e-14)
    # Weighted sum: 2 * -log(.2) + 1 * -log(.7).
    value = log_loss([0, 1], [0.8, 0.7], sample_weight=[2, 1], normalize=False)
    assert value == pytest.approx(-2 * np.log(0.2) - np.log(0.7), rel=1e-14)


def test_log_loss_clips_like_sklearn():
    # A certain mistake costs -log(eps), about 36.04, in both.
    expected = -np.log(FLOAT64_EPS)
    assert log_loss([1, 0], [0.0, 1.0]) == pytest.approx(expected, rel=1e-14)
    assert sklearn_reference([1, 0], [0.0, 1.0]) == pytest.approx(expected, rel=1e-14)
    eps32 = np.finfo(np.float32).eps
    value = log_loss([1, 0], np.array([0.0, 1.0], dtype=np.float32))
    assert value == pytest.approx(-np.log(eps32), rel=1e-6)


def test_log_loss_accepts_pandas():
    y = pd.Series(["b", "a", "c", "a"])
    proba = pd.DataFrame([[0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8], [0.5, 0.25, 0.25]])
    assert log_loss(y, proba) == pytest.approx(sklearn_reference(y, proba), rel=1e-12)


@pytest.mark.parametrize(
    "near_one, warns",
    [
        (1 + 2e-8, False),  # within sklearn's tolerance (atol 1e-8 + rtol sqrt(eps))
        (1 + 1e-6, True),
    ],
)
def test_log_loss_sum_to_one_warning_like_sklearn(near_one, warns):
    y_proba = np.array([[0.3, near_one - 0.3], [0.5, 0.5]])
    ours, our_warnings = run_with_warnings(log_loss, [1, 0], y_proba)
    ref, ref_warnings = run_with_warnings(sklearn_reference, [1, 0], y_proba)
    assert our_warnings == ref_warnings == (["UserWarning"] if warns else [])
    np.testing.assert_allclose(ours, ref, rtol=1e-12)


def test_log_loss_unsorted_labels_warn_like_sklearn():
    y_proba = [[0.2, 0.8], [0.6, 0.4]]
    with pytest.warns(UserWarning, match="ordered lexicographically"):
        ours = log_loss(["x", "y"], y_proba, labels=["y", "x"])
    # Before 1.9 scikit-learn sorted the labels silently.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ref = sklearn_reference(["x", "y"], y_proba, labels=["y", "x"])
    if SKLEARN_VERSION >= REFERENCE:
        assert any("ordered lexicographically" in str(w.message) for w in caught)
    assert ours == pytest.approx(ref, rel=1e-12)


BAD_LOG_LOSS_INPUTS = [
    # (id, y_true, y_proba, kwargs, message, sklearn version that rejects it)
    (
        "columns-vs-inferred-classes",
        [0, 1, 2],
        [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]],
        {},
        "different number of classes",
        (1, 6),
    ),
    (
        "columns-vs-labels",
        [0, 1, 1],
        [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]],
        {"labels": [0, 1, 2]},
        "number of classes in labels",
        (1, 6),
    ),
    ("1d-with-three-classes", [0, 1, 2], [0.5, 0.5, 0.5], {}, "different number", (1, 6)),
    ("single-label", [1, 1, 1], [0.9, 0.8, 0.7], {}, "only one label", (1, 6)),
    ("single-label-in-labels", [1, 1], [0.9, 0.8], {"labels": [1]}, "at least two", (1, 6)),
    (
        "y-outside-labels",
        [0, 1, 2],
        [0.2, 0.7, 0.9],
        {"labels": [0, 1]},
        "not belonging",
        REFERENCE,
    ),
    ("length-mismatch", [0, 1, 1], [0.2, 0.7], {}, "inconsistent numbers of samples", (1, 6)),
    (
        "weights-length",
        [0, 1],
        [0.2, 0.7],
        {"sample_weight": [1.0, 2.0, 3.0]},
        "inconsistent numbers of samples",
        (1, 6),
    ),
    ("above-one", [0, 1], [0.2, 1.5], {}, "greater than 1", REFERENCE),
    ("below-zero", [0, 1], [[0.8, 0.2], [-0.2, 0.7]], {}, "lower than 0", REFERENCE),
    ("nan", [0, 1], [0.2, np.nan], {}, "NaN", (1, 6)),
    ("inf", [0, 1], [0.2, np.inf], {}, "infinity", (1, 6)),
    ("3d", [0, 1], np.full((2, 2, 1), 0.5), {}, "3", (1, 6)),
    ("duplicate-labels", [0, 1], [0.2, 0.7], {"labels": [0, 1, 1]}, "duplicate", REFERENCE),
]


@pytest.mark.parametrize(
    "y_true, y_proba, kwargs, message, sklearn_since",
    [case[1:] for case in BAD_LOG_LOSS_INPUTS],
    ids=[case[0] for case in BAD_LOG_LOSS_INPUTS],
)
def test_log_loss_rejects_bad_input_like_sklearn(y_true, y_proba, kwargs, message, sklearn_since):
    with pytest.raises(ValueError, match=message):
        log_loss(y_true, y_proba, **kwargs)
    if SKLEARN_VERSION >= sklearn_since:
        with pytest.raises(ValueError):
            sklearn_reference(y_true, y_proba, **kwargs)


@pytest.mark.parametrize("func", [log_loss, log_loss_from_logits])
@pytest.mark.parametrize(
    "sample_weight, message",
    [
        ([0.0, 0.0, 0.0], "at least one non-zero number"),
        (np.ones((3, 2)), "1D"),
        ([1.0, np.nan, 1.0], "NaN"),
        ([1.0, np.inf, 1.0], "infinity"),
    ],
)
def test_bad_sample_weight(func, sample_weight, message):
    # All-zero weights give a ValueError (as in scikit-learn 1.9), not a
    # ZeroDivisionError.
    with pytest.raises(ValueError, match=message):
        func([0, 1, 1], [0.2, 0.7, 0.9], sample_weight=sample_weight)


# --------------------------------------------------------------------------
# Negative sample weights: accepted, as by scikit-learn
# --------------------------------------------------------------------------


@pytest.mark.parametrize("normalize", [True, False])
def test_negative_weights_are_accepted_like_sklearn(normalize):
    y, proba = [0, 1, 1, 0], [0.2, 0.6, 0.7, 0.4]
    weights = [1.0, -1.0, 2.0, 0.5]
    per_sample = -np.log([0.8, 0.6, 0.7, 0.6])
    total = np.dot(weights, per_sample)
    expected = total / np.sum(weights) if normalize else total
    value = log_loss(y, proba, sample_weight=weights, normalize=normalize)
    assert value == pytest.approx(expected, rel=1e-14)
    assert value == pytest.approx(
        sklearn_reference(y, proba, sample_weight=weights, normalize=normalize), rel=1e-14
    )
    # The same weights on logits: the logit of p is log(p / (1 - p)).
    logits = np.log(np.array(proba) / (1 - np.array(proba)))
    assert log_loss_from_logits(
        y, logits, sample_weight=weights, normalize=normalize
    ) == pytest.approx(expected, rel=1e-13)


@SETTINGS
@given(classification_case(), st.data())
def test_signed_weights_match_sklearn(case, data):
    y_true, y_proba, kwargs = case
    n_samples = len(y_true)
    weights = data.draw(hnp.arrays(np.float64, n_samples, elements=st.floats(-10, 10)))
    if abs(weights.sum()) < 1e-3 * np.abs(weights).sum() + 1e-300:
        return  # a mean over weights summing to (nearly) zero: see the next test
    kwargs["sample_weight"] = weights
    assert_same_as_sklearn(y_true, y_proba, **kwargs)


@pytest.mark.parametrize("func", [log_loss, log_loss_from_logits])
def test_weights_summing_to_zero_raise_like_sklearn(func):
    weights = [1.0, -1.0, 0.0]
    with pytest.raises(ZeroDivisionError, match="Weights sum to zero"):
        func([0, 1, 1], [0.2, 0.6, 0.7], sample_weight=weights)
    # Without normalizing there is nothing to divide by: -log .8 + log .6.
    value = func([0, 1, 1], [0.2, 0.6, 0.7], sample_weight=weights, normalize=False)
    if func is log_loss:
        assert value == pytest.approx(np.log(0.6) - np.log(0.8), rel=1e-14)
    if SKLEARN_VERSION >= REFERENCE:
        with pytest.raises(ZeroDivisionError):
            sklearn_reference([0, 1, 1], [0.2, 0.6, 0.7], sample_weight=weights)


@pytest.mark.parametrize("func", [log_loss, log_loss_from_logits])
@pytest.mark.parametrize("scale", [2.0**-1060, 1e-300, 1e200, 5e307])
def test_weights_are_relative_at_any_scale(func, scale):
    # Only the ratios of the weights enter the mean: huge weights do not
    # overflow the sums (5e307: their sum is 4e308), tiny ones do not lose
    # digits in subnormal products (2**-1060: the weights are still exact).
    y, scores = [0, 1, 1, 0, 1], [0.2, 0.6, 0.7, 0.4, 0.1]
    weights = np.array([1.0, 3.0, 0.5, 2.0, 1.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        value = func(y, scores, sample_weight=scale * weights)
        unit = func(y, scores, sample_weight=weights)
        unit_total = func(y, scores, sample_weight=weights, normalize=False)
        if 1e-290 < scale < 1e300:
            total = func(y, scores, sample_weight=scale * weights, normalize=False)
            assert total == pytest.approx(scale * unit_total, rel=1e-14)
    assert value == pytest.approx(unit, rel=1e-14)


def test_weighted_sum_beyond_float64_is_an_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="exceeds the float64 range"):
            log_loss([0, 1], [0.9, 0.1], sample_weight=[1e308, 1e308], normalize=False)
        # Its mean is representable: -log(0.1).
        assert log_loss([0, 1], [0.9, 0.1], sample_weight=[1e308, 1e308]) == pytest.approx(
            -np.log(0.1), rel=1e-14
        )


# --------------------------------------------------------------------------
# scikit-learn 1.9's signature and messages
# --------------------------------------------------------------------------


def test_y_pred_keyword_accepted_with_a_future_warning():
    y, proba = [0, 1, 1], [0.2, 0.6, 0.7]
    expected = log_loss(y, proba)
    with pytest.warns(FutureWarning, match="`y_pred` was renamed to `y_proba` in version 1.9"):
        assert log_loss(y_true=y, y_pred=proba) == expected
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert log_loss(y_true=y, y_proba=proba) == expected
    with pytest.raises(ValueError, match="Cannot use both `y_pred` and `y_proba`"):
        log_loss(y, y_pred=proba, y_proba=proba)
    with pytest.raises(TypeError, match="y_proba"):
        log_loss(y)


def exception_message(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            func(*args, **kwargs)
        except ValueError as exc:
            return str(exc)
    raise AssertionError(f"{func} raised no ValueError")


# scikit-learn raises numpy's broadcasting error for duplicate labels; ours
# names the duplicates.
MESSAGE_CASES = [case for case in BAD_LOG_LOSS_INPUTS if case[0] != "duplicate-labels"] + [
    ("y-outside-str-labels", ["a", "b", "c"], [[0.5, 0.3, 0.2]] * 3, {"labels": ["a", "c", "d"]}),
    ("mixed-label-list", [1, "a"], [0.3, 0.6], {}),
    ("mixed-labels-argument", [1, 2], [0.3, 0.6], {"labels": [1, "a"]}),
    ("y-mixed-outside-labels", [1, "a"], [0.3, 0.6], {"labels": [1, 2]}),
]


@pytest.mark.skipif(SKLEARN_VERSION < REFERENCE, reason="the messages are scikit-learn 1.9's")
@pytest.mark.parametrize(
    "y_true, y_proba, kwargs",
    [case[1:4] for case in MESSAGE_CASES],
    ids=[case[0] for case in MESSAGE_CASES],
)
def test_error_messages_equal_sklearns(y_true, y_proba, kwargs):
    ours = exception_message(log_loss, y_true, y_proba, **kwargs)
    assert ours == exception_message(sklearn_reference, y_true, y_proba, **kwargs)


@pytest.mark.skipif(SKLEARN_VERSION < REFERENCE, reason="the messages are scikit-learn 1.9's")
@pytest.mark.parametrize(
    "y_true, y_proba, kwargs",
    [
        ([0, 1], [[0.3, 0.6], [0.5, 0.5]], {}),
        (["x", "y"], [[0.2, 0.8], [0.6, 0.4]], {"labels": ["y", "x"]}),
        ([0, 1], [0.3, 0.6], {"y_pred": [0.3, 0.6]}),
    ],
    ids=["sum-to-one", "label-order", "y_pred"],
)
def test_warning_messages_equal_sklearns(y_true, y_proba, kwargs):
    if "y_pred" in kwargs:
        y_proba = None
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        log_loss(y_true, y_proba, **kwargs)
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        sk_log_loss(y_true, y_proba, **kwargs)
    ours = [(w.category, str(w.message)) for w in ours]
    theirs = [(w.category, str(w.message)) for w in theirs]
    assert len(ours) == len(theirs) == 1
    assert ours[0][0] is theirs[0][0]
    # Ours adds, for y_pred, that the versions are scikit-learn's.
    assert ours[0][1].startswith(theirs[0][1])


MIXED_LABEL_CASES = {
    "list": ([1, "a", 2], None),
    "object-array": (np.array([1, "a", 2], dtype=object), None),
    "object-labels": ([1, 2, 1], np.array([1, "a", 2], dtype=object)),
    "object-series": (pd.Series([1, "a", 2], dtype=object), None),
}


@pytest.mark.parametrize("func", [log_loss, log_loss_from_logits])
@pytest.mark.parametrize(
    "y_true, labels", list(MIXED_LABEL_CASES.values()), ids=list(MIXED_LABEL_CASES)
)
def test_mixed_int_and_str_labels_raise_a_value_error(func, y_true, labels):
    # scikit-learn raises this ValueError for lists; for object arrays it
    # fails with a TypeError from sorting.
    scores = np.full((3, 3), 1 / 3)
    with pytest.raises(ValueError, match=r"Mix of label input types \(string and number\)"):
        func(y_true, scores, labels=labels)


def test_undeclared_object_labels_are_named():
    y_true = np.array([1, "a", 2], dtype=object)
    with pytest.raises(ValueError, match=r"y_true contains values \{'a'\} not belonging"):
        log_loss(y_true, np.full((3, 3), 1 / 3), labels=[1, 2, 3])


def test_hard_labels_as_probabilities_are_scored_like_sklearn():
    # scikit-learn 1.9 does not warn when 0/1 labels are passed as
    # probabilities: a certain mistake is clipped to -log(eps), about 36.04.
    value, caught = run_with_warnings(log_loss, [0, 1, 1], [0, 1, 0])
    assert caught == []
    assert value == pytest.approx(-np.log(FLOAT64_EPS) / 3, rel=1e-6)
    assert_same_as_sklearn([0, 1, 1], [0, 1, 0])


# --------------------------------------------------------------------------
# log_loss_from_logits
# --------------------------------------------------------------------------


@st.composite
def logits_case(draw, *, n_columns, bound):
    n_classes = 2 if n_columns in (0, 1) else n_columns
    label_kind = draw(st.sampled_from(sorted(LABEL_SETS)))
    classes = np.asarray(LABEL_SETS[label_kind][:n_classes])
    n_samples = draw(st.integers(n_classes, 25))
    codes = draw(hnp.arrays(np.intp, n_samples, elements=st.integers(0, n_classes - 1)))
    codes[:n_classes] = np.arange(n_classes)
    y_true = classes[codes]
    shape = (n_samples,) if n_columns == 0 else (n_samples, n_columns)
    logits = draw(hnp.arrays(np.float64, shape, elements=st.floats(-bound, bound)))
    kwargs = {"normalize": draw(st.booleans())}
    if draw(st.booleans()):
        weights = draw(hnp.arrays(np.float64, n_samples, elements=st.floats(0, 10)))
        weights[0] += 0.5
        kwargs["sample_weight"] = weights
    if draw(st.booleans()):
        kwargs["labels"] = classes.tolist()
    return y_true, logits, kwargs


def probabilities_from_logits(logits):
    if logits.ndim == 1 or logits.shape[1] == 1:
        z = logits.reshape(-1, 1)
        # Both columns from expit: 1 - expit(z) would cancel for large z.
        return np.hstack([expit(-z), expit(z)])
    return softmax(logits, axis=1)


# On [-5, 5] every probability exceeds 1e-5 / 5: nothing is clipped, and the
# rounding of the probabilities moves the mean loss by far less than 1e-10
# of itself.
@SETTINGS
@given(st.sampled_from([0, 1, 3, 5]).flatmap(lambda k: logits_case(n_columns=k, bound=5.0)))
def test_from_logits_equals_log_loss_of_probabilities(case):
    y_true, logits, kwargs = case
    expected = log_loss(y_true, probabilities_from_logits(logits), **kwargs)
    value = log_loss_from_logits(y_true, logits, **kwargs)
    np.testing.assert_allclose(value, expected, rtol=1e-10)
    if logits.ndim == 1:
        # The 1-D positive-class probabilities, as sklearn's log_loss takes them.
        np.testing.assert_allclose(value, sk_log_loss(y_true, expit(logits), **kwargs), rtol=1e-10)


@SETTINGS
@given(st.sampled_from([2, 3, 5]).flatmap(lambda k: logits_case(n_columns=k, bound=1e4)))
def test_from_logits_multiclass_matches_logsumexp_by_hand(case):
    y_true, logits, kwargs = case
    classes = np.unique(y_true) if "labels" not in kwargs else np.asarray(kwargs["labels"])
    true_column = np.searchsorted(classes, y_true)
    per_sample = logsumexp(logits, axis=1) - logits[np.arange(len(y_true)), true_column]
    weights = kwargs.get("sample_weight")
    if kwargs["normalize"]:
        expected = np.average(per_sample, weights=weights)
    else:
        expected = per_sample.sum() if weights is None else per_sample @ weights
    value = log_loss_from_logits(y_true, logits, **kwargs)
    # Both are accurate to a few ulps of the logits per sample.
    total_weight = (
        1 if kwargs["normalize"] else (len(y_true) if weights is None else weights.sum())
    )
    atol = 8 * FLOAT64_EPS * max(1.0, np.abs(logits).max()) * total_weight
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=atol)


@SETTINGS
@given(logits_case(n_columns=0, bound=1e4))
def test_from_logits_binary_matches_logaddexp_by_hand(case):
    y_true, z, kwargs = case
    classes = np.unique(y_true) if "labels" not in kwargs else np.asarray(kwargs["labels"])
    positive = np.asarray(y_true) == classes[1]
    # softplus(z) - y z, by np.logaddexp: log(1 + e^-z) for a positive, log(1 + e^z) else.
    per_sample = np.where(positive, np.logaddexp(0, -z), np.logaddexp(0, z))
    weights = kwargs.get("sample_weight")
    if kwargs["normalize"]:
        expected = np.average(per_sample, weights=weights)
    else:
        expected = per_sample.sum() if weights is None else per_sample @ weights
    np.testing.assert_allclose(
        log_loss_from_logits(y_true, z, **kwargs), expected, rtol=1e-12, atol=1e-300
    )
    # (n, 1) is the same as 1-D.
    np.testing.assert_allclose(
        log_loss_from_logits(y_true, z[:, np.newaxis], **kwargs), expected, rtol=1e-12, atol=1e-300
    )


def test_from_logits_exact_where_probabilities_underflow():
    # A true positive with logit -800: its loss is log(1 + e^800) = 800 exactly
    # in float64, while the probability expit(-800) underflows to 0 and
    # sklearn's clipped log_loss reports -log(eps), about 36.04.
    assert log_loss_from_logits([1], [-800.0], labels=[0, 1]) == 800.0
    assert log_loss_from_logits([0], [800.0], labels=[0, 1]) == 800.0
    assert expit(-800.0) == 0.0
    clipped = sk_log_loss([1], [expit(-800.0)], labels=[0, 1])
    assert clipped == pytest.approx(-np.log(FLOAT64_EPS), rel=1e-12)
    assert clipped == pytest.approx(36.04, abs=0.01)
    # Multiclass: logsumexp([0, 800, 0]) - 0 = 800.
    assert log_loss_from_logits(["a", "b", "c"], [[0.0, 800.0, 0.0]] * 3) == pytest.approx(
        (800.0 + 0.0 + 800.0) / 3, rel=1e-15
    )
    # The ordinary case is unchanged: -log expit(2).
    assert log_loss_from_logits([1], [2.0], labels=[0, 1]) == pytest.approx(
        np.log1p(np.exp(-2.0)), rel=1e-15
    )


@st.composite
def exactness_case(draw):
    """Rows of logits (1-D: binary log-odds), the true columns, positive weights.

    Half the rows are confidently correct: the true class leads by a margin
    up to 1000, so their loss is as small as 1e-300 or underflows.
    """
    n_columns = draw(st.sampled_from([0, 2, 3, 6]))
    n_samples = draw(st.integers(1, 6))
    bound = draw(st.sampled_from([1.0, 40.0, 1e3, 1e150, 1e307]))
    shape = (n_samples,) if n_columns == 0 else (n_samples, n_columns)
    logits = draw(hnp.arrays(np.float64, shape, elements=st.floats(-bound, bound)))
    n_classes = 2 if n_columns == 0 else n_columns
    codes = draw(hnp.arrays(np.intp, n_samples, elements=st.integers(0, n_classes - 1)))
    margins = draw(hnp.arrays(np.float64, n_samples, elements=st.floats(0, 1e3)))
    confident = draw(hnp.arrays(np.bool_, n_samples))
    for i in np.flatnonzero(confident):
        if n_columns == 0:
            logits[i] = margins[i] if codes[i] == 1 else -margins[i]
        else:
            logits[i, codes[i]] = logits[i].max() + margins[i]
    weights = draw(hnp.arrays(np.float64, n_samples, elements=st.floats(1e-3, 10)))
    return logits, codes, weights


def high_precision_losses(mpmath, logits, codes):
    """Per-row ``log(sum_j exp(z_j - z_y))`` in 40-digit arithmetic.

    Written as ``log1p`` of the other classes' terms, so a loss of 1e-300
    needs no 300 digits; mpmath's exponent range is unbounded.
    """
    rows = logits[:, np.newaxis] * [-1, 1] / 2 if logits.ndim == 1 else logits
    losses = []
    with mpmath.workdps(40):
        for row, code in zip(rows.tolist(), codes.tolist(), strict=True):
            true = mpmath.mpf(row[code])
            rest = mpmath.fsum(
                mpmath.exp(mpmath.mpf(z) - true) for j, z in enumerate(row) if j != code
            )
            losses.append(mpmath.log1p(rest))
    return losses


@settings(max_examples=150, deadline=None)
@given(exactness_case())
def test_from_logits_relative_accuracy_against_mpmath(case):
    # A binary logit z is the pair of class logits (-z/2, z/2). Relative error
    # 1e-12: the exponentials of shifts up to ~745 carry ~745 ulps of the
    # shift; atol only for results in the subnormal range.
    mpmath = pytest.importorskip("mpmath")
    logits, codes, weights = case
    n_classes = 2 if logits.ndim == 1 else logits.shape[1]
    reference = high_precision_losses(mpmath, logits, codes)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        per_row = [
            log_loss_from_logits([code], logits[i : i + 1], labels=list(range(n_classes)))
            for i, code in enumerate(codes)
        ]
        mean = log_loss_from_logits(
            codes, logits, sample_weight=weights, labels=list(range(n_classes))
        )
        total = log_loss_from_logits(codes, logits, normalize=False, labels=list(range(n_classes)))
    np.testing.assert_allclose(per_row, [float(r) for r in reference], rtol=1e-12, atol=1e-300)
    with mpmath.workdps(40):
        expected_mean = mpmath.fsum(
            mpmath.mpf(w) * r for w, r in zip(weights.tolist(), reference, strict=True)
        )
        expected_mean /= mpmath.fsum(weights.tolist())
        expected_total = mpmath.fsum(reference)
    np.testing.assert_allclose(mean, float(expected_mean), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(total, float(expected_total), rtol=1e-12, atol=1e-300)


def test_from_logits_confident_multiclass_rows_keep_their_digits():
    # logsumexp(z) - z_y cancels to 0 here; the true losses are
    # log1p(2 e^-37) and log1p(2 e^-40).
    for row, expected in [
        ([18.0, -19.0, -19.0], 1.706609525148813e-16),
        ([40.0, 0, 0], 8.4967085105831779e-18),
    ]:
        value = log_loss_from_logits([0], [row], labels=[0, 1, 2])
        # abs=0: pytest.approx would otherwise accept anything within 1e-12, 0.0 included.
        assert value == pytest.approx(expected, rel=1e-14, abs=0)
        assert value == pytest.approx(np.log1p(2 * np.exp(row[1] - row[0])), rel=1e-14, abs=0)


def test_from_logits_at_the_float64_limit():
    row = [[1e308, -1e308, 0.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        # e^-1e308 rounds to 0; class 2 costs exactly 1e308.
        assert log_loss_from_logits([0], row, labels=[0, 1, 2]) == 0.0
        assert log_loss_from_logits([2], row, labels=[0, 1, 2]) == 1e308
        # Class 1 would cost 2e308, beyond float64.
        with pytest.raises(ValueError, match="exceeds the float64 range"):
            log_loss_from_logits([1], row, labels=[0, 1, 2])
        # Binary: at most |z| = 1.8e308, always representable.
        assert log_loss_from_logits([1, 0], [-1.7e308, 1.7e308]) == 1.7e308


@pytest.mark.parametrize("shape", ["1d", "column", "two_columns", "three_columns"])
def test_from_logits_no_warning_at_extreme_logits(shape):
    big = 1e6
    if shape == "three_columns":
        y = [0, 1, 2, 0]
        logits = np.array([[big, -big, 0], [big, -big, 0], [-big, 0, big], [0, big, -big]])
        expected = [0.0, 2 * big, 0.0, big]
    elif shape == "two_columns":
        y = [0, 1, 1, 0]
        logits = np.array([[big, -big], [big, -big], [-big, big], [-big, big]])
        expected = [0.0, 2 * big, 0.0, 2 * big]
    else:
        y = [0, 1, 1, 0]
        logits = np.array([-big, -big, big, big])
        expected = [0.0, big, 0.0, big]
        if shape == "column":
            logits = logits[:, np.newaxis]
    weights = np.array([1.0, 2.0, 0.5, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mean = log_loss_from_logits(y, logits)
        weighted_sum = log_loss_from_logits(y, logits, sample_weight=weights, normalize=False)
    assert np.isfinite(mean)
    assert mean == pytest.approx(np.mean(expected), rel=1e-15)
    assert weighted_sum == pytest.approx(np.dot(expected, weights), rel=1e-15)


def test_from_logits_float32_equals_float64():
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=10, size=(40, 3)).astype(np.float32)
    y = rng.integers(0, 3, size=40)
    value32 = log_loss_from_logits(y, logits)
    value64 = log_loss_from_logits(y, logits.astype(np.float64))
    assert value32 == pytest.approx(value64, rel=1e-15)


def test_from_logits_labels_and_strings():
    # y_true misses class "c": the third column still enters the softmax.
    logits = np.array([[1.0, 0.0, 2.0], [0.0, 3.0, -1.0]])
    y = ["a", "b"]
    expected = np.mean(logsumexp(logits, axis=1) - np.array([1.0, 3.0]))
    assert log_loss_from_logits(y, logits, labels=["a", "b", "c"]) == pytest.approx(
        expected, rel=1e-15
    )
    with pytest.raises(ValueError, match="different number of classes"):
        log_loss_from_logits(y, logits)
    # Binary string labels: the logit is the log-odds of the larger label "yes".
    value = log_loss_from_logits(pd.Series(["no", "yes"]), pd.Series([0.5, 0.5]))
    assert value == pytest.approx((np.logaddexp(0, 0.5) + np.logaddexp(0, -0.5)) / 2, rel=1e-15)


BAD_LOGITS_INPUTS = [
    ("nan", [0, 1], [0.0, np.nan], {}, "NaN"),
    ("inf", [0, 1], [0.0, np.inf], {}, "infinity"),
    ("minus-inf", [0, 1, 2], [[0.0, 1, 2], [-np.inf, 0, 0], [0, 0, 0]], {}, "infinity"),
    ("columns-vs-classes", [0, 1, 2], np.zeros((3, 2)), {}, "different number of classes"),
    (
        "columns-vs-labels",
        [0, 1, 1],
        np.zeros((3, 4)),
        {"labels": [0, 1, 2]},
        "number of classes in labels",
    ),
    ("1d-with-three-classes", [0, 1, 2], [0.0, 1.0, 2.0], {}, "different number of classes"),
    ("single-label", [1, 1], [0.0, 1.0], {}, "only one label"),
    ("y-outside-labels", [0, 1, 2], [0.0, 1.0, 2.0], {"labels": [0, 1]}, "not belonging"),
    ("length-mismatch", [0, 1, 1], [0.0, 1.0], {}, "inconsistent numbers of samples"),
    ("3d", [0, 1], np.zeros((2, 2, 1)), {}, "3"),
    ("empty", [], np.zeros(0), {}, "0 sample"),
    ("not-numeric", [0, 1], ["a", "b"], {}, "convert|could not"),
]


@pytest.mark.parametrize(
    "y_true, logits, kwargs, message",
    [case[1:] for case in BAD_LOGITS_INPUTS],
    ids=[case[0] for case in BAD_LOGITS_INPUTS],
)
def test_from_logits_rejects_bad_input(y_true, logits, kwargs, message):
    with pytest.raises(ValueError, match=message):
        log_loss_from_logits(y_true, logits, **kwargs)


# --------------------------------------------------------------------------
# The module: no estimator imported; the scorer still found under its old name
# --------------------------------------------------------------------------

ISOLATED_IMPORT = """
import pathlib, sys, types
package = types.ModuleType("sklearn_logloss")
package.__path__ = [sys.argv[1]]
sys.modules["sklearn_logloss"] = package  # its __init__ (which imports everything) not run
import sklearn_logloss.metrics as metrics
assert metrics.log_loss([0, 1], [0.2, 0.7]) > 0
layers = ("sklearn_logloss._logistic", "sklearn_logloss._scorer", "sklearn.linear_model",
          "sklearn.pipeline", "sklearn.model_selection")
print(sorted(name for name in sys.modules if name.startswith(layers)))
scorer = metrics.neg_log_loss_scorer
assert "sklearn_logloss._scorer" in sys.modules
assert scorer is sys.modules["sklearn_logloss._scorer"].neg_log_loss_scorer
print(repr(scorer), "neg_log_loss_scorer" in dir(metrics))
"""


def test_metrics_module_imports_no_estimator():
    import sklearn_logloss

    package_dir = sklearn_logloss.__path__[0]
    result = subprocess.run(
        [sys.executable, "-c", ISOLATED_IMPORT, package_dir],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "neg_log_loss_scorer True"]


def test_metrics_module_unknown_attribute():
    import sklearn_logloss.metrics as metrics

    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        metrics.no_such_name  # noqa: B018
