"""Tests of GDLogisticRegression against sklearn, hand math and its own contract."""

import pickle
import re
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, logsumexp, softmax
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from sklearn_logloss import GDLogisticRegression

# A tolerance on the gradient norm (relative to its norm at zero) that puts the
# objective within ~1e-10 of its minimum on the bundled datasets.
TIGHT_TOL = 1e-13


_REFERENCES = {}


def sklearn_reference(X, y, key, alpha, weighted=False):
    """LogisticRegression at the same optimum, C = 1 / (alpha * sum(s)); cached by key."""
    if (key, alpha, weighted) not in _REFERENCES:
        _REFERENCES[key, alpha, weighted] = _fit_reference(X, y, alpha, weighted)
    return _REFERENCES[key, alpha, weighted]


def _fit_reference(X, y, alpha, weighted):
    sample_weight = random_weights(len(y)) if weighted else np.ones(len(y))
    ref = LogisticRegression(C=1.0 / (alpha * sample_weight.sum()), tol=1e-12, max_iter=10000)
    return ref.fit(X, y, sample_weight=sample_weight)


def random_weights(n_samples, seed=0):
    return np.random.default_rng(seed).uniform(0.2, 3.0, n_samples)


def log_k(model):
    return np.log(len(model.classes_))


def hand_gradient_norm(X, y, coef, intercept, alpha):
    """||grad J|| with J unweighted, from the formula X^T (P - Y) / n + alpha W."""
    classes, codes = np.unique(y, return_inverse=True)
    logits = X @ coef.T + intercept
    if len(classes) == 2:
        residual = expit(logits) - (codes == 1)[:, None]
    else:
        residual = softmax(logits, axis=1) - np.eye(len(classes))[codes]
    residual /= len(y)
    grad_w = X.T @ residual + alpha * coef.T
    grad_b = residual.sum(axis=0)
    return np.sqrt(np.sum(grad_w**2) + np.sum(grad_b**2))


# ---------------------------------------------------------------------------
# Optimum agreement with sklearn's LogisticRegression


@pytest.mark.parametrize("name", ["breast_cancer", "iris", "wine", "digits"])
@pytest.mark.parametrize("alpha", [1e-3, 1e-2])
def test_optimum_matches_logistic_regression(name, alpha, load_scaled, reference_objective):
    X, y = load_scaled(name)
    model = GDLogisticRegression(alpha=alpha, tol=TIGHT_TOL, max_iter=20000).fit(X, y)
    ref = sklearn_reference(X, y, name, alpha)
    j_model = reference_objective(X, y, model.coef_, model.intercept_, alpha)
    j_ref = reference_objective(X, y, ref.coef_, ref.intercept_, alpha)
    assert abs(j_model - j_ref) <= 1e-6 * j_ref
    assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-4, rtol=0)
    assert_allclose(model.loss_history_[-1], j_model, rtol=1e-10)


@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
@pytest.mark.parametrize("alpha", [1e-3, 1e-2])
def test_optimum_matches_logistic_regression_fixed_step(
    name, alpha, load_scaled, reference_objective
):
    X, y = load_scaled(name)
    model = GDLogisticRegression(alpha=alpha, solver="gd", tol=1e-11, max_iter=50000)
    model.fit(X, y)
    ref = sklearn_reference(X, y, name, alpha)
    j_model = reference_objective(X, y, model.coef_, model.intercept_, alpha)
    j_ref = reference_objective(X, y, ref.coef_, ref.intercept_, alpha)
    assert abs(j_model - j_ref) <= 1e-6 * j_ref
    assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-4, rtol=0)


@pytest.mark.parametrize(
    "name, solver",
    [("breast_cancer", "auto"), ("iris", "auto"), ("wine", "auto"), ("iris", "gd")],
)
def test_optimum_matches_logistic_regression_weighted(
    name, solver, load_scaled, reference_objective
):
    alpha = 1e-2
    X, y = load_scaled(name)
    sample_weight = random_weights(len(y))
    model = GDLogisticRegression(alpha=alpha, solver=solver, tol=TIGHT_TOL, max_iter=50000)
    model.fit(X, y, sample_weight=sample_weight)
    ref = sklearn_reference(X, y, name, alpha, weighted=True)
    j_model = reference_objective(X, y, model.coef_, model.intercept_, alpha, sample_weight)
    j_ref = reference_objective(X, y, ref.coef_, ref.intercept_, alpha, sample_weight)
    assert abs(j_model - j_ref) <= 1e-6 * j_ref
    assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-4, rtol=0)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_unpenalized_optimum_matches_logistic_regression(n_classes, reference_objective):
    # Overlapping classes, so the unpenalized optimum is finite.
    X, y = make_classification(
        n_samples=300,
        n_features=5,
        n_informative=3,
        n_redundant=0,
        n_classes=n_classes,
        flip_y=0.2,
        class_sep=0.5,
        random_state=0,
    )
    model = GDLogisticRegression(alpha=0.0, tol=TIGHT_TOL, max_iter=20000).fit(X, y)
    ref = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X, y)
    j_model = reference_objective(X, y, model.coef_, model.intercept_, 0.0)
    j_ref = reference_objective(X, y, ref.coef_, ref.intercept_, 0.0)
    assert abs(j_model - j_ref) <= 1e-8 * j_ref
    assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
def test_class_weight_balanced_matches_logistic_regression(name, load_scaled):
    alpha = 1e-2
    X, y = load_scaled(name)
    weights = compute_sample_weight("balanced", y)
    model = GDLogisticRegression(alpha=alpha, class_weight="balanced", tol=TIGHT_TOL)
    model.fit(X, y)
    ref = LogisticRegression(
        C=1.0 / (alpha * weights.sum()), class_weight="balanced", tol=1e-12, max_iter=10000
    ).fit(X, y)
    assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-4, rtol=0)


# ---------------------------------------------------------------------------
# Sample and class weights


@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
def test_sample_weight_two_equals_duplicated_row(name, load_scaled):
    X, y = load_scaled(name)
    sample_weight = np.ones(len(y))
    sample_weight[[0, 60]] = 2.0
    weighted = GDLogisticRegression(alpha=1e-2, tol=TIGHT_TOL)
    weighted.fit(X, y, sample_weight=sample_weight)
    duplicated = GDLogisticRegression(alpha=1e-2, tol=TIGHT_TOL)
    duplicated.fit(np.vstack([X, X[[0, 60]]]), np.r_[y, y[[0, 60]]])
    assert_allclose(weighted.coef_, duplicated.coef_, rtol=1e-6, atol=1e-8)
    assert_allclose(weighted.intercept_, duplicated.intercept_, rtol=1e-6, atol=1e-8)
    # ... and it differs from the unweighted fit (the weights matter).
    plain = GDLogisticRegression(alpha=1e-2, tol=TIGHT_TOL).fit(X, y)
    assert not np.allclose(plain.coef_, weighted.coef_, rtol=1e-6, atol=1e-8)


def test_zero_sample_weight_equals_dropped_row(multiclass_data):
    X, y = multiclass_data
    sample_weight = np.ones(len(y))
    sample_weight[:5] = 0.0
    weighted = GDLogisticRegression(alpha=1e-2, tol=TIGHT_TOL)
    weighted.fit(X, y, sample_weight=sample_weight)
    dropped = GDLogisticRegression(alpha=1e-2, tol=TIGHT_TOL).fit(X[5:], y[5:])
    assert_allclose(weighted.coef_, dropped.coef_, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
def test_class_weight_balanced_equals_sample_weight(name, load_scaled):
    X, y = load_scaled(name)
    balanced = GDLogisticRegression(alpha=1e-2, class_weight="balanced").fit(X, y)
    weights = compute_sample_weight("balanced", y)
    weighted = GDLogisticRegression(alpha=1e-2).fit(X, y, sample_weight=weights)
    assert_allclose(balanced.coef_, weighted.coef_, rtol=1e-12, atol=1e-14)
    assert_allclose(balanced.loss_history_, weighted.loss_history_, rtol=1e-12)
    # Class weights multiply sample weights.
    sample_weight = random_weights(len(y))
    both = GDLogisticRegression(alpha=1e-2, class_weight="balanced")
    both.fit(X, y, sample_weight=sample_weight)
    product = GDLogisticRegression(alpha=1e-2).fit(X, y, sample_weight=sample_weight * weights)
    assert_allclose(both.coef_, product.coef_, rtol=1e-12, atol=1e-14)


def test_class_weight_dict_equals_sample_weight(multiclass_data):
    X, y = multiclass_data
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    class_weight = {"setosa": 1.0, "versicolor": 3.0, "virginica": 0.5}
    model = GDLogisticRegression(alpha=1e-2, class_weight=class_weight).fit(X, labels)
    weights = np.array([class_weight[label] for label in labels])
    weighted = GDLogisticRegression(alpha=1e-2).fit(X, labels, sample_weight=weights)
    assert_allclose(model.coef_, weighted.coef_, rtol=1e-12, atol=1e-14)
    plain = GDLogisticRegression(alpha=1e-2).fit(X, labels)
    assert not np.allclose(model.coef_, plain.coef_, rtol=1e-3)


# ---------------------------------------------------------------------------
# Bad input


def _toy():
    rng = np.random.default_rng(0)
    return rng.standard_normal((20, 3)), np.repeat([0, 1], 10)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_X_raises(value):
    X, y = _toy()
    X[3, 1] = value
    match = "NaN" if np.isnan(value) else "infinity"
    with pytest.raises(ValueError, match=match):
        GDLogisticRegression().fit(X, y)
    model = GDLogisticRegression().fit(*_toy())
    with pytest.raises(ValueError, match=match):
        model.predict_proba(X)


def test_single_class_raises():
    X, _ = _toy()
    with pytest.raises(ValueError, match="only one class"):
        GDLogisticRegression().fit(X, np.ones(20))


def test_continuous_target_raises():
    X, _ = _toy()
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        GDLogisticRegression().fit(X, np.linspace(0.0, 1.0, 20))


def test_length_mismatch_raises():
    X, y = _toy()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        GDLogisticRegression().fit(X, y[:-1])
    with pytest.raises(ValueError, match="sample_weight"):
        GDLogisticRegression().fit(X, y, sample_weight=np.ones(19))


def test_feature_count_mismatch_raises():
    X, y = _toy()
    model = GDLogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but GDLogisticRegression"):
        model.predict(X[:, :2])


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (np.r_[-1.0, np.ones(19)], "Negative values in data passed to `sample_weight`"),
        (np.zeros(20), "sample weights .* sum to zero"),
        (np.r_[np.nan, np.ones(19)], "sample_weight contains NaN"),
        (np.r_[np.inf, np.ones(19)], "sample_weight contains infinity"),
    ],
    ids=["negative", "all-zero", "nan", "inf"],
)
def test_bad_sample_weight_raises(sample_weight, match):
    X, y = _toy()
    with pytest.raises(ValueError, match=match):
        GDLogisticRegression().fit(X, y, sample_weight=sample_weight)


def test_class_weight_zeroing_all_weights_raises():
    X, y = _toy()
    with pytest.raises(ValueError, match="sum to zero"):
        GDLogisticRegression(class_weight={0: 0.0, 1: 0.0}).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"alpha": -1.0}, "'alpha' parameter .* must be a float in the range \\[0, inf\\)"),
        ({"alpha": np.nan}, "'alpha' parameter"),
        ({"alpha": "1"}, "'alpha' parameter"),
        ({"solver": "lbfgs"}, "'solver' parameter .* Got 'lbfgs'"),
        ({"learning_rate": 0.0}, "'learning_rate' parameter .* \\(0, inf\\) or 'auto'"),
        ({"learning_rate": -0.1}, "'learning_rate' parameter"),
        ({"learning_rate": np.inf}, "'learning_rate' parameter"),
        ({"learning_rate": "optimal"}, "'learning_rate' parameter .* Got 'optimal'"),
        ({"max_iter": 0}, "'max_iter' parameter .* int in the range \\[1, inf\\)"),
        ({"max_iter": 2.5}, "'max_iter' parameter"),
        ({"tol": -1e-4}, "'tol' parameter .* \\[0, inf\\)"),
        ({"class_weight": "bal"}, "'class_weight' parameter"),
        ({"fit_intercept": "yes"}, "'fit_intercept' parameter .* bool"),
        ({"warm_start": None}, "'warm_start' parameter .* bool"),
        ({"verbose": -1}, "'verbose' parameter"),
    ],
)
def test_invalid_params_raise(params, match):
    X, y = _toy()
    with pytest.raises(ValueError, match=match):
        GDLogisticRegression(**params).fit(X, y)


def test_class_weight_for_unknown_class_raises():
    X, y = _toy()
    with pytest.raises(ValueError, match="not in class_weight"):
        GDLogisticRegression(class_weight={5: 1.0}).fit(X, y)


@pytest.mark.parametrize("loader", [load_breast_cancer, load_iris], ids=["binary", "multi"])
@pytest.mark.parametrize("learning_rate", [1e3, 1e30])
def test_diverging_learning_rate_raises_without_warnings(loader, learning_rate):
    X, y = loader(return_X_y=True)  # unscaled: the curvature is large
    model = GDLogisticRegression(solver="gd", max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    previous = {
        name: np.copy(getattr(model, name))
        for name in ("coef_", "intercept_", "loss_history_", "n_iter_")
    }
    model.set_params(learning_rate=learning_rate, max_iter=1000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="learning rate .* is too large"):
            model.fit(X, y)
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    # The failed fit left the previous, finite model in place.
    for name, value in previous.items():
        assert_array_equal(getattr(model, name), value)
        assert np.all(np.isfinite(getattr(model, name)))


def test_slowly_diverging_learning_rate_raises(binary_data):
    # A step a few times 2 / L: the objective oscillates and grows slowly.
    X, y = binary_data
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="too large"):
            GDLogisticRegression(solver="gd", learning_rate=10.0).fit(X, y)


@pytest.mark.parametrize("loader", [load_breast_cancer, load_iris], ids=["binary", "multi"])
@pytest.mark.parametrize("solver", ["gd", "agd"])
@pytest.mark.parametrize("learning_rate", ["auto", 1.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_huge_features_no_runtime_warning(loader, solver, learning_rate, dtype):
    X, y = loader(return_X_y=True)
    X = (X * 1e6).astype(dtype)
    model = GDLogisticRegression(solver=solver, learning_rate=learning_rate, max_iter=30)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model.fit(X, y)
        except ValueError as exc:  # a fixed step may be too large: that is reported
            assert "too large" in str(exc)
            assert solver == "gd" and learning_rate != "auto"
            return
        proba = model.predict_proba(X)
        log_proba = model.predict_log_proba(X)
    for value in (model.coef_, model.intercept_, model.loss_history_, proba, log_proba):
        assert np.all(np.isfinite(value))
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert model.loss_history_[-1] < model.loss_history_[0]


def test_max_iter_raises_convergence_warning(binary_data):
    X, y = binary_data
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        model = GDLogisticRegression(max_iter=3).fit(X, y)
    assert model.n_iter_ == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        GDLogisticRegression(max_iter=1000).fit(X, y)


# ---------------------------------------------------------------------------
# Interoperability


def test_pickle_round_trip(multiclass_data):
    X, y = multiclass_data
    model = GDLogisticRegression(alpha=1e-2).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.predict(X), model.predict(X))
    assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    assert_array_equal(restored.loss_history_, model.loss_history_)
    assert restored.get_params() == model.get_params()


def test_clone_is_unfitted_with_same_params_and_refits_identically(binary_data):
    X, y = binary_data
    model = GDLogisticRegression(alpha=3e-3, solver="gd", max_iter=2000, tol=1e-3)
    cloned = clone(model.fit(X, y))
    assert cloned.get_params() == model.get_params()
    assert not hasattr(cloned, "coef_")
    cloned.fit(X, y)
    assert_array_equal(cloned.coef_, model.coef_)  # deterministic
    assert_array_equal(cloned.loss_history_, model.loss_history_)


def test_pipeline_grid_search_matches_logistic_regression():
    # Five folds of iris train on 120 samples each, so alpha <-> C is fixed.
    X, y = load_iris(return_X_y=True)
    cv = KFold(5, shuffle=True, random_state=0)
    alphas = [1e-3, 1e-2, 1e-1, 1.0]
    ours = GridSearchCV(
        # tol bounds the objective's relative gap; test scores move with the
        # square root of it along weakly curved directions: a tight tol here.
        make_pipeline(StandardScaler(), GDLogisticRegression(tol=1e-9)),
        {"gdlogisticregression__alpha": alphas},
        scoring="neg_log_loss",
        cv=cv,
    ).fit(X, y)
    theirs = GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression(tol=1e-10, max_iter=10000)),
        {"logisticregression__C": [1.0 / (alpha * 120) for alpha in alphas]},
        scoring="neg_log_loss",
        cv=cv,
    ).fit(X, y)
    assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], atol=1e-4
    )
    assert ours.best_index_ == theirs.best_index_
    assert ours.best_params_["gdlogisticregression__alpha"] == alphas[theirs.best_index_]
    assert ours.best_estimator_[-1].coef_.shape == (3, 4)


def test_pandas_input_sets_feature_names():
    pd = pytest.importorskip("pandas")
    data = load_breast_cancer(as_frame=True)
    X = pd.DataFrame(StandardScaler().fit_transform(data.data), columns=data.data.columns)
    model = GDLogisticRegression(alpha=1e-2).fit(X, data.target)
    assert_array_equal(model.feature_names_in_, np.asarray(data.data.columns, dtype=object))
    assert model.n_features_in_ == 30
    plain = GDLogisticRegression(alpha=1e-2).fit(X.to_numpy(), data.target.to_numpy())
    assert_allclose(model.coef_, plain.coef_, rtol=1e-12)
    assert not hasattr(plain, "feature_names_in_")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert_allclose(model.predict_proba(X), plain.predict_proba(X.to_numpy()), rtol=1e-12)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(X[X.columns[::-1]])


@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
def test_string_labels(name, load_scaled):
    X, y = load_scaled(name)
    names = np.array(["zeta", "alpha", "mu"])[: len(np.unique(y))]
    labels = names[y]
    model = GDLogisticRegression(alpha=1e-2).fit(X, labels)
    codes = GDLogisticRegression(alpha=1e-2).fit(X, np.searchsorted(np.sort(names), labels))
    assert_array_equal(model.classes_, np.sort(names))
    assert_allclose(model.coef_, codes.coef_, rtol=1e-12)
    assert_array_equal(model.predict(X), model.classes_[codes.predict(X)])
    assert model.score(X, labels) == accuracy_score(labels, model.predict(X))
    assert model.score(X, labels) > 0.9


@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
@pytest.mark.parametrize("solver", ["gd", "agd"])
def test_float32_close_to_float64(name, solver, load_scaled, reference_objective):
    X, y = load_scaled(name)
    alpha = 1e-2
    params = {"alpha": alpha, "solver": solver, "tol": 1e-11, "max_iter": 20000}
    fit64 = GDLogisticRegression(**params).fit(X, y)
    fit32 = GDLogisticRegression(**params).fit(X.astype(np.float32), y)
    assert fit32.coef_.dtype == np.float32
    assert fit32.intercept_.dtype == np.float32
    assert fit32.decision_function(X.astype(np.float32)).dtype == np.float32
    assert fit32.loss_history_.dtype == np.float64
    # float32 stops at its own precision floor: a relative gap of at most 32
    # machine epsilons (tol >= 32 * eps32 = 3.8e-6), measured in float64 here.
    best = reference_objective(X, y, fit64.coef_, fit64.intercept_, alpha)
    reached = reference_objective(X, y, fit32.coef_, fit32.intercept_, alpha)
    gap = 32 * np.finfo(np.float32).eps * best
    assert reached - best <= gap
    # alpha-strong convexity in the coefficients turns the gap into a distance
    assert np.linalg.norm(fit32.coef_ - fit64.coef_) <= np.sqrt(2 * gap / alpha)
    assert_allclose(fit32.predict_proba(X), fit64.predict_proba(X), atol=2e-3)


def test_float64_model_predicts_float32_input_in_float64(multiclass_data):
    X, y = multiclass_data
    model = GDLogisticRegression(alpha=1e-2).fit(X, y)
    X32 = X.astype(np.float32)
    # The float32 values are exact in float64: no precision may be lost.
    assert_allclose(
        model.predict_log_proba(X32),
        model.predict_log_proba(X32.astype(np.float64)),
        rtol=1e-14,
        atol=1e-15,
    )


SPARSE_FORMATS = [sp.csr_matrix, sp.csc_matrix, sp.csr_array, sp.csc_array]


@pytest.mark.parametrize("fmt", SPARSE_FORMATS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
def test_sparse_equals_dense(fmt, name, load_scaled):
    X, y = load_scaled(name)
    X[np.abs(X) < 0.8] = 0.0  # a genuinely sparse matrix
    # Few coefficients: sparse X steps in the same metric as dense X (see
    # _policy.metric_kind), so the same path to rounding.
    dense = GDLogisticRegression(alpha=1e-2).fit(X, y)
    sparse = GDLogisticRegression(alpha=1e-2).fit(fmt(X), y)
    assert_allclose(sparse.coef_, dense.coef_, rtol=1e-10, atol=1e-12)
    assert_allclose(sparse.intercept_, dense.intercept_, rtol=1e-10, atol=1e-12)
    assert sparse.n_iter_ == dense.n_iter_
    assert_allclose(sparse.predict_proba(fmt(X)), dense.predict_proba(X), atol=1e-12)
    assert_allclose(sparse.decision_function(fmt(X)), dense.decision_function(X), atol=1e-10)


def test_sparse_with_many_columns_reaches_the_dense_minimum():
    # Where its Gram matrix would be costly, sparse X steps in the diagonal
    # metric and dense X in the whole bound: two paths to the same minimum, met
    # at a tight tol. (In one metric the paths are the same: test_precondition.py.)
    X, y = make_classification(600, 200, n_informative=20, random_state=0)
    X[np.abs(X) < 1.0] = 0.0
    dense = GDLogisticRegression(alpha=1e-2, tol=1e-13).fit(X, y)
    sparse = GDLogisticRegression(alpha=1e-2, tol=1e-13).fit(sp.csr_matrix(X), y)
    assert sparse.loss_history_[-1] == pytest.approx(dense.loss_history_[-1], rel=1e-12)
    assert_allclose(sparse.coef_, dense.coef_, rtol=1e-5, atol=1e-6)
    assert_allclose(sparse.intercept_, dense.intercept_, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fmt", [sp.csr_matrix, sp.csc_array], ids=lambda f: f.__name__)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_sparse_input_is_never_densified(fmt, n_classes, monkeypatch):
    # 1000 x 20000: densified it would take 160 MB.
    rng = np.random.default_rng(0)
    rows, cols = rng.integers(1000, size=10000), rng.integers(20000, size=10000)
    X = sp.csr_matrix((rng.standard_normal(10000), (rows, cols)), shape=(1000, 20000))
    w = rng.standard_normal((20000, n_classes))
    y = np.argmax(X @ w + 0.1 * rng.standard_normal((1000, n_classes)), axis=1)
    X = fmt(X)

    def refuse(self, *args, **kwargs):
        raise AssertionError("the sparse input was densified")

    for cls in SPARSE_FORMATS:
        monkeypatch.setattr(cls, "toarray", refuse)
        monkeypatch.setattr(cls, "todense", refuse)
    model = GDLogisticRegression(alpha=1e-3, max_iter=20)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        model.predict_proba(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16e6, f"peak memory {peak / 1e6:.1f} MB"
    assert model.coef_.shape == (1 if n_classes == 2 else n_classes, 20000)
    assert model.loss_history_[-1] < model.loss_history_[0]


def test_warm_start_continues_from_previous_solution(binary_data):
    X, y = binary_data
    model = GDLogisticRegression(alpha=1e-3, warm_start=True, max_iter=5)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    previous_final = model.loss_history_[-1]
    model.set_params(max_iter=10000)
    model.fit(X, y)
    assert_allclose(model.loss_history_[0], previous_final, rtol=1e-13)
    cold = GDLogisticRegression(alpha=1e-3, max_iter=10000).fit(X, y)
    assert model.n_iter_ < cold.n_iter_
    assert_allclose(cold.loss_history_[0], np.log(2), rtol=1e-14)
    assert_allclose(model.predict_proba(X), cold.predict_proba(X), atol=1e-3)
    # Refitting a converged warm model takes no step and changes nothing (but
    # the rounding of the coefficients' trip through the solver's metric).
    coef = model.coef_.copy()
    model.fit(X, y)
    assert model.n_iter_ == 0
    assert_allclose(model.coef_, coef, rtol=1e-12)


def test_warm_start_false_restarts(multiclass_data):
    X, y = multiclass_data
    model = GDLogisticRegression(alpha=1e-2).fit(X, y)
    model.fit(X, y)
    assert_allclose(model.loss_history_[0], np.log(3), rtol=1e-14)


def test_warm_start_with_new_classes_starts_cold(binary_data, multiclass_data):
    model = GDLogisticRegression(alpha=1e-2, warm_start=True).fit(*binary_data)
    model.fit(*multiclass_data)
    assert_allclose(model.loss_history_[0], np.log(3), rtol=1e-14)
    assert model.coef_.shape == (3, 4)


# ---------------------------------------------------------------------------
# loss_history_


@pytest.mark.parametrize("name", ["breast_cancer", "iris", "wine"])
@pytest.mark.parametrize("solver", ["gd", "agd"])
@pytest.mark.parametrize("alpha", [0.0, 1e-2])
def test_loss_history(name, solver, alpha, load_scaled, reference_objective):
    X, y = load_scaled(name)
    sample_weight = random_weights(len(y))
    model = GDLogisticRegression(alpha=alpha, solver=solver, max_iter=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y, sample_weight=sample_weight)
    history = model.loss_history_
    assert isinstance(history, np.ndarray)
    assert history.ndim == 1 and history.dtype == np.float64
    assert history.shape == (model.n_iter_ + 1,)
    assert model.n_iter_ >= 1
    # J(0) = log(K) whatever the data and weights.
    assert_allclose(history[0], log_k(model), rtol=1e-14)
    j_final = reference_objective(X, y, model.coef_, model.intercept_, alpha, sample_weight)
    assert_allclose(history[-1], j_final, rtol=1e-12)
    # learning_rate="auto" (gd) and backtracking with restart (agd) never go up.
    increases = np.diff(history)
    assert np.all(increases <= 4 * np.finfo(float).eps * history[:-1]), increases.max()
    assert history[-1] < history[0]


def test_loss_history_without_intercept(multiclass_data, reference_objective):
    X, y = multiclass_data
    model = GDLogisticRegression(alpha=1e-2, fit_intercept=False).fit(X, y)
    assert_array_equal(model.intercept_, np.zeros(3))
    j_final = reference_objective(X, y, model.coef_, np.zeros(3), 1e-2)
    assert_allclose(model.loss_history_[-1], j_final, rtol=1e-12)
    with_intercept = GDLogisticRegression(alpha=1e-2).fit(X, y)
    assert np.any(with_intercept.intercept_ != 0)


# ---------------------------------------------------------------------------
# Prediction methods


@pytest.mark.parametrize("name", ["breast_cancer", "iris", "digits"])
def test_prediction_methods_agree_with_logits(name, load_scaled):
    X, y = load_scaled(name)
    model = GDLogisticRegression(alpha=1e-2, max_iter=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    logits = model.decision_function(X)
    assert_allclose(np.atleast_2d(logits.T).T, X @ model.coef_.T + model.intercept_, rtol=1e-12)
    proba = model.predict_proba(X)
    log_proba = model.predict_log_proba(X)
    if len(model.classes_) == 2:
        assert logits.shape == (len(y),)
        assert_allclose(proba[:, 1], 1.0 / (1.0 + np.exp(-logits)), rtol=1e-12)
        expected = np.column_stack([-np.logaddexp(0, logits), -np.logaddexp(0, -logits)])
        predicted = model.classes_[(logits > 0).astype(int)]
    else:
        assert logits.shape == (len(y), len(model.classes_))
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        assert_allclose(proba, exp / exp.sum(axis=1, keepdims=True), rtol=1e-12)
        expected = logits - logsumexp(logits, axis=1, keepdims=True)
        predicted = model.classes_[np.argmax(logits, axis=1)]
    assert proba.shape == (len(y), len(model.classes_))
    assert_allclose(log_proba, expected, rtol=1e-12, atol=1e-14)
    assert_allclose(np.exp(log_proba), proba, rtol=1e-12, atol=1e-300)
    assert_array_equal(model.predict(X), predicted)


def test_predict_log_proba_exact_for_huge_binary_logit():
    model = GDLogisticRegression().fit([[-1.0], [1.0], [-2.0], [2.5]], [0, 1, 0, 1])
    model.coef_ = np.array([[1.0]])
    model.intercept_ = np.array([0.0])
    log_proba = model.predict_log_proba([[-800.0], [800.0], [-30.0]])
    assert_array_equal(log_proba[0], [0.0, -800.0])
    assert_array_equal(log_proba[1], [-800.0, 0.0])
    assert_allclose(log_proba[2], [-np.log1p(np.exp(-30.0)), -30.0 - np.log1p(np.exp(-30.0))])
    assert_array_equal(model.predict_proba([[-800.0]])[0], [1.0, 0.0])


def test_predict_log_proba_exact_for_huge_multiclass_logit(load_scaled):
    X, y = load_scaled("iris")
    model = GDLogisticRegression().fit(X[:, :1], y)
    model.coef_ = np.array([[0.0], [-1.0], [1.0]])
    model.intercept_ = np.zeros(3)
    log_proba = model.predict_log_proba([[800.0]])
    # logits (0, -800, 800): log-softmax (-800, -1600, 0) up to exp(-800).
    assert_array_equal(log_proba[0], [-800.0, -1600.0, 0.0])
    assert np.all(np.isfinite(model.predict_log_proba([[1e6]])))


def test_verbose_prints_iteration_objective_gradient_norm(binary_data, capsys):
    X, y = binary_data
    alpha = 1e-2
    model = GDLogisticRegression(alpha=alpha, solver="gd", max_iter=25, verbose=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    out = capsys.readouterr().out
    pattern = re.compile(
        r"Iteration (\d+), objective = ([-+0-9.eE]+), gradient norm = ([-+0-9.eE]+)"
    )
    rows = [pattern.search(line) for line in out.splitlines()]
    assert rows and all(rows), out
    iterations = [int(row.group(1)) for row in rows]
    assert iterations == list(range(1, model.n_iter_ + 1))
    objectives = [float(row.group(2)) for row in rows]
    assert_allclose(objectives, model.loss_history_[1:], rtol=1e-9)
    # The norm is the one the stopping rule reads, in the solver's metric (the
    # preconditioned one): finite, positive, and smaller after 25 descent steps.
    norms = [float(row.group(3)) for row in rows]
    assert np.all(np.isfinite(norms)) and min(norms) > 0
    assert norms[-1] < 0.5 * norms[0]
    # and so is the gradient itself, by the formula
    zero = hand_gradient_norm(X, y, 0 * model.coef_, 0 * model.intercept_, alpha)
    assert hand_gradient_norm(X, y, model.coef_, model.intercept_, alpha) < 0.5 * zero

    agd = GDLogisticRegression(alpha=alpha, solver="agd", max_iter=2000, verbose=1).fit(X, y)
    agd_rows = [pattern.search(line) for line in capsys.readouterr().out.splitlines()]
    assert agd_rows and all(agd_rows)
    agd_iterations = [int(row.group(1)) for row in agd_rows]
    assert agd_iterations == list(range(1, len(agd_rows) + 1))
    assert len(agd_rows) >= agd.n_iter_ - 1  # (the converged last step may go unreported)
    agd_objectives = [float(row.group(2)) for row in agd_rows]
    history = agd.loss_history_[1 : len(agd_rows) + 1]
    assert_allclose(agd_objectives[:-1], history[:-1], rtol=1e-9)
    # The last entry is the returned point's: the certified one (intercepts made
    # best) where that is lower than the last iterate printed.
    assert history[-1] <= agd_objectives[-1] * (1 + 1e-9)
    GDLogisticRegression(alpha=alpha, max_iter=2000).fit(X, y)
    assert capsys.readouterr().out == ""


def test_random_state_does_not_change_deterministic_fit(multiclass_data):
    X, y = multiclass_data
    first = GDLogisticRegression(random_state=0).fit(X, y)
    second = GDLogisticRegression(random_state=123).fit(X, y)
    assert_array_equal(first.coef_, second.coef_)
