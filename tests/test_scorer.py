"""Tests of ``neg_log_loss_scorer``.

Every expected value is computed by hand from the fitted estimator's
``decision_function`` (with ``log_loss_from_logits``) or ``predict_proba``
(with scikit-learn's ``neg_log_loss`` scorer or ``log_loss``), fold by fold.
"""

import copy
import pickle
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_breast_cancer, load_wine, make_blobs
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import accuracy_score, get_scorer
from sklearn.metrics import log_loss as sk_log_loss
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
)
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import (
    GDLogisticRegression,
    log_loss,
    log_loss_from_logits,
    neg_log_loss_scorer,
)

SK_NEG_LOG_LOSS = get_scorer("neg_log_loss")
HAS_MULTI_CLASS = "multi_class" in LogisticRegression().get_params()
CLIPPED_MAX_LOSS = -np.log(np.finfo(np.float64).eps)  # about 36.04


def gd_pipeline(**params):
    return make_pipeline(StandardScaler(), GDLogisticRegression(**params))


def lr_pipeline(**params):
    return make_pipeline(StandardScaler(), LogisticRegression(**params))


@pytest.fixture(scope="module")
def breast_cancer_data():
    return load_breast_cancer(return_X_y=True)


@pytest.fixture(scope="module")
def wine_data():
    return load_wine(return_X_y=True)


def hand_fold_scores(
    estimator, X, y, cv, *, from_logits=True, sample_weight=None, fit_weight=False
):
    """-log loss of each test fold, labels from the fitted ``classes_``."""
    scores = []
    for train, test in cv.split(X, y):
        fitted = clone(estimator)
        if fit_weight:
            fitted.fit(X[train], y[train], sample_weight=sample_weight[train])
        else:
            fitted.fit(X[train], y[train])
        weight = None if sample_weight is None else sample_weight[test]
        if from_logits:
            loss = log_loss_from_logits(
                y[test],
                fitted.decision_function(X[test]),
                sample_weight=weight,
                labels=fitted.classes_,
            )
        else:
            loss = log_loss(
                y[test],
                fitted.predict_proba(X[test]),
                sample_weight=weight,
                labels=fitted.classes_,
            )
        scores.append(-loss)
    return np.array(scores)


# --------------------------------------------------------------------------
# Inside cross_val_score and GridSearchCV
# --------------------------------------------------------------------------


@pytest.mark.parametrize("data", ["breast_cancer_data", "wine_data"])
def test_cross_val_score_gd_pipeline(data, request):
    X, y = request.getfixturevalue(data)
    model = gd_pipeline(alpha=1e-2)
    cv = KFold(4, shuffle=True, random_state=0)
    scores = cross_val_score(model, X, y, cv=cv, scoring=neg_log_loss_scorer)
    np.testing.assert_allclose(scores, hand_fold_scores(model, X, y, cv), rtol=1e-12)
    # Nothing saturates here, so the stock scorer (predict_proba, clipped)
    # agrees closely.
    stock = cross_val_score(model, X, y, cv=cv, scoring="neg_log_loss")
    np.testing.assert_allclose(scores, stock, rtol=1e-9)
    assert np.all(scores < 0)


@pytest.mark.parametrize("data", ["breast_cancer_data", "wine_data"])
def test_grid_search_gd_pipeline(data, request):
    X, y = request.getfixturevalue(data)
    alphas = [1e-3, 1e-1, 1.0]
    cv = KFold(3, shuffle=True, random_state=1)
    search = GridSearchCV(
        gd_pipeline(),
        {"gdlogisticregression__alpha": alphas},
        scoring=neg_log_loss_scorer,
        cv=cv,
    ).fit(X, y)
    hand_means = [hand_fold_scores(gd_pipeline(alpha=a), X, y, cv).mean() for a in alphas]
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], hand_means, rtol=1e-12)
    assert search.best_params_ == {"gdlogisticregression__alpha": alphas[np.argmax(hand_means)]}
    assert search.best_score_ == pytest.approx(max(hand_means), rel=1e-12)
    # The scorer on the refitted search itself.
    expected = -log_loss_from_logits(y, search.decision_function(X), labels=search.classes_)
    assert neg_log_loss_scorer(search, X, y) == pytest.approx(expected, rel=1e-12)


def test_pickle_and_parallel_cross_val_score(breast_cancer_data):
    X, y = breast_cancer_data
    restored = pickle.loads(pickle.dumps(neg_log_loss_scorer))
    assert repr(restored) == repr(neg_log_loss_scorer) == "neg_log_loss_scorer"
    model = gd_pipeline(alpha=1e-2)
    fitted = clone(model).fit(X, y)
    assert restored(fitted, X, y) == neg_log_loss_scorer(fitted, X, y)
    cv = KFold(4, shuffle=True, random_state=0)
    serial = cross_val_score(model, X, y, cv=cv, scoring=neg_log_loss_scorer)
    parallel = cross_val_score(model, X, y, cv=cv, scoring=neg_log_loss_scorer, n_jobs=2)
    np.testing.assert_allclose(parallel, serial, rtol=1e-12)
    np.testing.assert_allclose(serial, hand_fold_scores(model, X, y, cv), rtol=1e-12)


def test_multimetric_cross_validate(wine_data):
    X, y = wine_data
    model = gd_pipeline(alpha=1e-2)
    cv = KFold(3, shuffle=True, random_state=2)
    result = cross_validate(
        model,
        X,
        y,
        cv=cv,
        scoring={"nll": neg_log_loss_scorer, "acc": "accuracy", "stock": "neg_log_loss"},
        return_train_score=True,
    )
    np.testing.assert_allclose(result["test_nll"], hand_fold_scores(model, X, y, cv), rtol=1e-12)
    accuracies, stock, train_nll = [], [], []
    for train, test in cv.split(X, y):
        fitted = clone(model).fit(X[train], y[train])
        accuracies.append(accuracy_score(y[test], fitted.predict(X[test])))
        stock.append(-sk_log_loss(y[test], fitted.predict_proba(X[test])))
        train_nll.append(-log_loss_from_logits(y[train], fitted.decision_function(X[train])))
    np.testing.assert_allclose(result["test_acc"], accuracies, rtol=1e-12)
    np.testing.assert_allclose(result["test_stock"], stock, rtol=1e-12)
    np.testing.assert_allclose(result["train_nll"], train_nll, rtol=1e-12)


# --------------------------------------------------------------------------
# Which response the scorer uses
# --------------------------------------------------------------------------


def saturated_binary():
    """Training data and a test set holding a far-away, confidently wrong point."""
    rng = np.random.RandomState(0)
    X = rng.randn(60, 2)
    y = (X[:, 0] > 0).astype(int)
    X_test = np.array([[-40.0, 0.0], [1.0, 0.5], [-1.0, 0.3], [0.5, -0.2]])
    y_test = np.array([1, 1, 0, 1])
    return X, y, X_test, y_test


def saturated_multiclass():
    X, y = make_blobs(90, centers=[[0, 0], [6, 0], [0, 6]], random_state=0)
    X_test = np.array([[-60.0, -60.0], [6.0, 0.5], [0.5, 6.0], [0.0, 0.0]])
    y_test = np.array([2, 1, 2, 0])
    return X, y, X_test, y_test


LOGIT_ESTIMATORS = {
    "gd": lambda: GDLogisticRegression(alpha=1e-4),
    "logistic": lambda: LogisticRegression(C=100),
    "gd-pipeline": lambda: gd_pipeline(alpha=1e-4),
    "logistic-pipeline": lambda: lr_pipeline(C=100),
    "logistic-search": lambda: GridSearchCV(LogisticRegression(), {"C": [10, 100]}, cv=3),
}


@pytest.mark.parametrize("make", list(LOGIT_ESTIMATORS.values()), ids=list(LOGIT_ESTIMATORS))
@pytest.mark.parametrize("saturated", [saturated_binary, saturated_multiclass])
def test_logit_models_are_scored_exactly_from_decision_function(make, saturated):
    X, y, X_test, y_test = saturated()
    estimator = make().fit(X, y)
    logits = estimator.decision_function(X_test)
    expected = -log_loss_from_logits(y_test, logits, labels=estimator.classes_)
    score = neg_log_loss_scorer(estimator, X_test, y_test)
    assert score == pytest.approx(expected, rel=1e-12)
    # The far point is a confident mistake whose true loss (from the logits,
    # by hand) is far above what clipped probabilities can report.
    if logits.ndim == 1:
        far_loss = np.logaddexp(0, -logits[0])  # true class is the positive one
    else:
        far_loss = np.logaddexp.reduce(logits[0]) - logits[0, 2]
    assert far_loss > 5 * CLIPPED_MAX_LOSS
    stock = SK_NEG_LOG_LOSS(estimator, X_test, y_test)
    assert -stock < CLIPPED_MAX_LOSS / 4 + 1.0
    assert -score > far_loss / 4


def test_binary_sgd_log_loss_is_scored_from_logits():
    X, y, X_test, y_test = saturated_binary()
    for estimator in [
        SGDClassifier(loss="log_loss", random_state=0),
        make_pipeline(StandardScaler(), SGDClassifier(loss="log_loss", random_state=0)),
    ]:
        estimator.fit(X, y)
        logits = estimator.decision_function(X_test)
        # predict_proba is the sigmoid of these logits.
        np.testing.assert_allclose(
            estimator.predict_proba(X_test[1:])[:, 1], 1 / (1 + np.exp(-logits[1:]))
        )
        expected = -log_loss_from_logits(y_test, logits, labels=estimator.classes_)
        assert neg_log_loss_scorer(estimator, X_test, y_test) == pytest.approx(expected, rel=1e-12)
        assert expected < -5 * CLIPPED_MAX_LOSS / 4
        assert SK_NEG_LOG_LOSS(estimator, X_test, y_test) > -CLIPPED_MAX_LOSS / 4 - 1.0


PROBA_ESTIMATORS = {
    "gaussian-nb": GaussianNB,
    "random-forest": lambda: RandomForestClassifier(n_estimators=20, random_state=0),
    "knn": lambda: KNeighborsClassifier(7),
    "calibrated-logistic": lambda: CalibratedClassifierCV(LogisticRegression(), cv=3),
    "sgd-hinge-calibrated": lambda: CalibratedClassifierCV(SGDClassifier(random_state=0), cv=3),
    "nb-pipeline": lambda: make_pipeline(StandardScaler(), GaussianNB()),
}


@pytest.mark.parametrize("make", list(PROBA_ESTIMATORS.values()), ids=list(PROBA_ESTIMATORS))
@pytest.mark.parametrize("saturated", [saturated_binary, saturated_multiclass])
def test_other_classifiers_equal_sklearn_scorer(make, saturated):
    X, y, X_test, y_test = saturated()
    estimator = make().fit(X, y)
    assert neg_log_loss_scorer(estimator, X_test, y_test) == pytest.approx(
        SK_NEG_LOG_LOSS(estimator, X_test, y_test), rel=1e-12
    )
    assert neg_log_loss_scorer(estimator, X, y) == pytest.approx(
        SK_NEG_LOG_LOSS(estimator, X, y), rel=1e-12
    )


def test_multiclass_sgd_is_scored_from_predict_proba():
    # One-vs-rest: the softmax of decision_function is not predict_proba, so
    # scoring the logits would give a different number.
    X, y, X_test, y_test = saturated_multiclass()
    estimator = SGDClassifier(loss="log_loss", random_state=0).fit(X, y)
    score = neg_log_loss_scorer(estimator, X_test, y_test)
    assert score == pytest.approx(SK_NEG_LOG_LOSS(estimator, X_test, y_test), rel=1e-12)
    from_logits = -log_loss_from_logits(y_test, estimator.decision_function(X_test))
    assert abs(score - from_logits) > 1e-3


@pytest.mark.skipif(not HAS_MULTI_CLASS, reason="LogisticRegression has no multi_class")
def test_logistic_multi_class_variants_of_older_sklearn():
    X, y, X_test, y_test = saturated_binary()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        multinomial = LogisticRegression(multi_class="multinomial", C=100).fit(X, y)
    # Two classes under "multinomial": predict_proba = softmax([-d, d]) = sigmoid(2 d).
    logits = multinomial.decision_function(X_test)
    np.testing.assert_allclose(
        multinomial.predict_proba(X_test[1:])[:, 1], 1 / (1 + np.exp(-2 * logits[1:]))
    )
    expected = -log_loss_from_logits(y_test, 2 * logits)
    assert neg_log_loss_scorer(multinomial, X_test, y_test) == pytest.approx(expected, rel=1e-12)
    # One-vs-rest on three classes: scored from predict_proba.
    X, y, X_test, y_test = saturated_multiclass()
    for params in [{"multi_class": "ovr"}, {"solver": "liblinear"}]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            ovr = LogisticRegression(**params).fit(X, y)
        assert neg_log_loss_scorer(ovr, X_test, y_test) == pytest.approx(
            SK_NEG_LOG_LOSS(ovr, X_test, y_test), rel=1e-12
        )


def test_string_labels_and_pandas(breast_cancer_data):
    pd = pytest.importorskip("pandas")
    X, y = breast_cancer_data
    X = pd.DataFrame(X[:, :5], columns=[f"f{i}" for i in range(5)])
    y = pd.Series(np.where(y == 1, "benign", "malignant"))
    model = gd_pipeline(alpha=1e-2).fit(X, y)
    expected = -log_loss_from_logits(y, model.decision_function(X), labels=model.classes_)
    assert neg_log_loss_scorer(model, X, y) == pytest.approx(expected, rel=1e-12)
    assert neg_log_loss_scorer(model, X, y) == pytest.approx(
        SK_NEG_LOG_LOSS(model, X, y), rel=1e-9
    )


# --------------------------------------------------------------------------
# Sample weights
# --------------------------------------------------------------------------


def test_direct_call_with_sample_weight(wine_data):
    X, y = wine_data
    weights = np.random.RandomState(0).uniform(0.1, 3.0, size=len(y))
    model = gd_pipeline(alpha=1e-2).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        score = neg_log_loss_scorer(model, X, y, sample_weight=weights)
    logits = model.decision_function(X)
    expected = -log_loss_from_logits(y, logits, sample_weight=weights)
    assert score == pytest.approx(expected, rel=1e-12)
    assert score != pytest.approx(neg_log_loss_scorer(model, X, y), rel=1e-6)
    assert score == pytest.approx(SK_NEG_LOG_LOSS(model, X, y, sample_weight=weights), rel=1e-9)


@pytest.mark.parametrize("estimator", [GDLogisticRegression(alpha=1e-2), LogisticRegression()])
def test_metadata_routing_of_sample_weight(estimator, wine_data):
    X, y = wine_data
    X = StandardScaler().fit_transform(X)
    weights = np.random.RandomState(1).uniform(0.1, 3.0, size=len(y))
    cv = KFold(3, shuffle=True, random_state=3)
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = copy.deepcopy(neg_log_loss_scorer).set_score_request(sample_weight=True)
        model = clone(estimator).set_fit_request(sample_weight=True)
        result = cross_validate(
            model, X, y, cv=cv, scoring=scorer, params={"sample_weight": weights}
        )
        fitted = clone(model).fit(X, y, sample_weight=weights)
        direct = scorer(fitted, X, y, sample_weight=weights)
        # Weights routed to the scorer only: an unweighted fit, weighted scoring.
        unweighted_fit = cross_validate(
            clone(estimator).set_fit_request(sample_weight=False),
            X,
            y,
            cv=cv,
            scoring=scorer,
            params={"sample_weight": weights},
        )
    expected = hand_fold_scores(estimator, X, y, cv, sample_weight=weights, fit_weight=True)
    np.testing.assert_allclose(result["test_score"], expected, rtol=1e-12)
    np.testing.assert_allclose(
        unweighted_fit["test_score"],
        hand_fold_scores(estimator, X, y, cv, sample_weight=weights),
        rtol=1e-12,
    )
    assert not np.allclose(result["test_score"], unweighted_fit["test_score"], rtol=1e-6)
    assert direct == pytest.approx(
        -log_loss_from_logits(y, fitted.decision_function(X), sample_weight=weights), rel=1e-12
    )
    # The module-level scorer was not touched by set_score_request on the copy.
    request = neg_log_loss_scorer._get_metadata_request()
    assert request.score.requests.get("sample_weight") is None


# --------------------------------------------------------------------------
# Issue 7: test folds missing a class
# --------------------------------------------------------------------------


def rare_class_data(counts=(30, 27, 3), labels=(0, 1, 2)):
    rng = np.random.RandomState(0)
    codes = np.repeat(np.arange(len(counts)), counts)
    X = rng.randn(codes.size, 4) + 1.5 * codes[:, np.newaxis]
    return X, np.asarray(labels)[codes]


def stock_scores(estimator, X, y, cv):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cross_val_score(estimator, X, y, cv=cv, scoring="neg_log_loss")


def folds_missing_a_class(y, cv):
    n_classes = np.unique(y).size
    return np.array([np.unique(y[test]).size < n_classes for _, test in cv.split(y, y)])


MISSING_CLASS_CASES = {
    "logistic": (LogisticRegression, True),
    "gd": (lambda: GDLogisticRegression(alpha=1e-3), True),
    "logistic-pipeline": (lr_pipeline, True),
    "gd-pipeline": (lambda: gd_pipeline(alpha=1e-3), True),
    "sgd-multiclass": (lambda: SGDClassifier(loss="log_loss", random_state=0), False),
    "gaussian-nb": (GaussianNB, False),
}


@pytest.mark.parametrize(
    "make, from_logits", list(MISSING_CLASS_CASES.values()), ids=list(MISSING_CLASS_CASES)
)
def test_kfold_with_a_rare_class_gives_finite_exact_scores(make, from_logits):
    X, y = rare_class_data()
    cv = KFold(5, shuffle=True, random_state=0)
    missing = folds_missing_a_class(y, cv)
    assert missing.sum() == 3  # the case reported upstream: 3 of 5 folds
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no "scoring failed" warning
        scores = cross_val_score(make(), X, y, cv=cv, scoring=neg_log_loss_scorer)
    assert np.all(np.isfinite(scores))
    expected = hand_fold_scores(make(), X, y, cv, from_logits=from_logits)
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


def test_stock_scorer_gives_nan_where_a_class_is_missing():
    # Why the scorer exists: sklearn's "neg_log_loss" infers the labels from
    # the test fold, finds fewer than predict_proba's columns and fails.
    X, y = rare_class_data()
    cv = KFold(5, shuffle=True, random_state=0)
    stock = stock_scores(LogisticRegression(), X, y, cv)
    if not np.isnan(stock).any():
        pytest.skip(f"scikit-learn {sklearn.__version__} scores folds missing a class")
    missing = folds_missing_a_class(y, cv)
    np.testing.assert_array_equal(np.isnan(stock), missing)
    ours = cross_val_score(LogisticRegression(), X, y, cv=cv, scoring=neg_log_loss_scorer)
    np.testing.assert_allclose(ours[~missing], stock[~missing], rtol=1e-9)


def test_grid_search_with_a_rare_class_ranks_by_finite_scores():
    X, y = rare_class_data()
    cv = KFold(5, shuffle=True, random_state=0)
    grid = {"logisticregression__C": [0.01, 0.1, 1.0, 10.0]}
    search = GridSearchCV(lr_pipeline(), grid, scoring=neg_log_loss_scorer, cv=cv).fit(X, y)
    split_scores = np.array([search.cv_results_[f"split{i}_test_score"] for i in range(5)])
    assert np.all(np.isfinite(split_scores))
    hand_means = [
        hand_fold_scores(lr_pipeline(C=C), X, y, cv).mean() for C in grid["logisticregression__C"]
    ]
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], hand_means, rtol=1e-12)
    best_C = grid["logisticregression__C"][int(np.argmax(hand_means))]
    assert search.best_params_ == {"logisticregression__C": best_C}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stock = GridSearchCV(lr_pipeline(), grid, scoring="neg_log_loss", cv=cv).fit(X, y)
    if np.isnan(stock.cv_results_["mean_test_score"]).any():
        # The stock search has no finite mean score to rank by.
        assert np.isnan(stock.cv_results_["mean_test_score"]).all()


def test_stratified_kfold_with_a_class_of_two_members():
    X, y = rare_class_data(counts=(20, 20, 2), labels=("a", "b", "c"))
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    with pytest.warns(UserWarning, match="least populated class"):
        missing = folds_missing_a_class(y, cv)
    assert missing.sum() == 1
    for make, from_logits in [(lr_pipeline, True), (GaussianNB, False)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the split's own warning
            scores = cross_val_score(make(), X, y, cv=cv, scoring=neg_log_loss_scorer)
            expected = hand_fold_scores(make(), X, y, cv, from_logits=from_logits)
        assert np.all(np.isfinite(scores))
        np.testing.assert_allclose(scores, expected, rtol=1e-12)
    stock = stock_scores(lr_pipeline(), X, y, cv)
    if np.isnan(stock).any():
        np.testing.assert_array_equal(np.isnan(stock), missing)


def test_class_unseen_in_training_raises_naming_it():
    X, y = rare_class_data(counts=(20, 20, 1), labels=("common", "other", "rare"))
    fitted = LogisticRegression().fit(X[y != "rare"], y[y != "rare"])
    with pytest.raises(ValueError, match=r"\['rare'\].*never saw"):
        neg_log_loss_scorer(fitted, X, y)
    for model in [LogisticRegression(), gd_pipeline(), GaussianNB()]:
        with pytest.raises(ValueError, match=r"\['rare'\].*never saw"):
            cross_val_score(
                model, X, y, cv=KFold(3), scoring=neg_log_loss_scorer, error_score="raise"
            )
    # With the default error_score=nan, cross-validation's warning names it.
    with pytest.warns(UserWarning, match="rare"):
        scores = cross_val_score(
            LogisticRegression(), X, y, cv=KFold(3), scoring=neg_log_loss_scorer
        )
    assert np.isnan(scores[-1]) and np.all(np.isfinite(scores[:-1]))


# --------------------------------------------------------------------------
# Unfitted estimators; where the scorer lives
# --------------------------------------------------------------------------

UNFITTED = {
    "gd": lambda: GDLogisticRegression(),
    "logistic": LogisticRegression,
    "sgd": lambda: SGDClassifier(loss="log_loss"),
    "gd-pipeline": gd_pipeline,
    "gd-search": lambda: GridSearchCV(GDLogisticRegression(), {"alpha": [1e-2, 1.0]}),
    "gaussian-nb": GaussianNB,
    "random-forest": RandomForestClassifier,
}


@pytest.mark.parametrize("make", list(UNFITTED.values()), ids=list(UNFITTED))
def test_unfitted_estimator_raises_not_fitted_error(make, breast_cancer_data):
    # sklearn's response helper alone would fail on the missing classes_ with
    # an AttributeError.
    X, y = breast_cancer_data
    estimator = make()
    with pytest.raises(NotFittedError):
        neg_log_loss_scorer(estimator, X, y)
    with pytest.raises(NotFittedError):
        neg_log_loss_scorer(estimator, X, y, sample_weight=np.ones(len(y)))


def test_scorer_importable_from_its_old_and_new_homes():
    import sklearn_logloss
    import sklearn_logloss._scorer
    import sklearn_logloss.metrics
    from sklearn_logloss.metrics import neg_log_loss_scorer as from_metrics

    assert from_metrics is neg_log_loss_scorer
    assert sklearn_logloss.metrics.neg_log_loss_scorer is neg_log_loss_scorer
    assert sklearn_logloss._scorer.neg_log_loss_scorer is neg_log_loss_scorer
    assert sklearn_logloss.neg_log_loss_scorer is neg_log_loss_scorer
    assert "neg_log_loss_scorer" in sklearn_logloss.__all__
    # The metrics module does not export it: a star import stays estimator-free.
    assert "neg_log_loss_scorer" not in sklearn_logloss.metrics.__all__


def test_negative_sample_weights_are_passed_through(wine_data):
    # The scorer accepts what log_loss_from_logits accepts, negative weights
    # included (see tests/test_metrics.py).
    X, y = wine_data
    model = gd_pipeline(alpha=1e-2).fit(X, y)
    weights = np.where(np.arange(len(y)) % 5 == 0, -0.5, 1.0)
    expected = -log_loss_from_logits(y, model.decision_function(X), sample_weight=weights)
    assert neg_log_loss_scorer(model, X, y, sample_weight=weights) == pytest.approx(
        expected, rel=1e-12
    )
    per_sample = (
        np.logaddexp.reduce(model.decision_function(X), axis=1)
        - model.decision_function(X)[np.arange(len(y)), np.searchsorted(model.classes_, y)]
    )
    assert expected == pytest.approx(-(weights @ per_sample) / weights.sum(), rel=1e-10)
