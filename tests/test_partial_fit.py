"""partial_fit: minibatch gradient steps on a stream of chunks."""

import numpy as np
import pytest
from scipy.special import log_expit, log_softmax
from sklearn.datasets import load_iris, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import GDLogisticRegression


def objective(X, y, coef, intercept, alpha):
    """J(W, b) by hand: mean log loss from the logits plus alpha/2 ||W||^2."""
    logits = X @ coef.T + intercept
    classes = np.unique(y)
    codes = np.searchsorted(classes, y)
    if logits.shape[1] == 1:
        z = logits[:, 0]
        losses = -np.where(codes == 1, log_expit(z), log_expit(-z))
    else:
        losses = -log_softmax(logits, axis=1)[np.arange(len(y)), codes]
    return losses.mean() + 0.5 * alpha * np.sum(coef**2)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_epochs_of_chunks_reach_the_full_batch_optimum(n_classes):
    # The acceptance case: 30 epochs over 40 chunks of a 40k-row
    # problem land within 1e-3 relative objective of the full-batch optimum.
    X, y = make_classification(40_000, 20, n_informative=10, n_classes=n_classes, random_state=0)
    X = StandardScaler().fit_transform(X)
    alpha = 1e-4
    reference = LogisticRegression(C=1 / (alpha * len(y)), tol=1e-10, max_iter=1000).fit(X, y)
    j_star = objective(X, y, reference.coef_, reference.intercept_, alpha)

    clf = GDLogisticRegression(alpha=alpha)
    chunks = np.array_split(np.arange(len(y)), 40)
    for _ in range(30):
        for chunk in chunks:
            clf.partial_fit(X[chunk], y[chunk], classes=np.unique(y))
    j = objective(X, y, clf.coef_, clf.intercept_, alpha)
    assert 0 <= (j - j_star) / j_star < 1e-3
    assert clf.t_ == clf.n_iter_ == 1200
    assert clf.loss_history_.shape == (1200,)
    # Later epochs see lower chunk objectives than the first.
    assert clf.loss_history_[-40:].mean() < clf.loss_history_[:40].mean()


def test_one_call_is_one_gradient_step_on_the_chunk():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = GDLogisticRegression(alpha=1e-2, learning_rate=0.5).fit(X, y)
    coef0, intercept0 = clf.coef_.copy(), clf.intercept_.copy()
    chunk = slice(0, 50)
    clf.partial_fit(X[chunk], y[chunk])  # one fixed step of 0.5 from the fit
    # Step by hand: gradient of the chunk objective at the fitted solution.
    Xc, yc = X[chunk], y[chunk]
    logits = Xc @ coef0.T + intercept0
    proba = np.exp(log_softmax(logits, axis=1))
    onehot = np.eye(3)[yc]
    residual = (proba - onehot) / len(yc)
    grad_w = residual.T @ Xc + 1e-2 * coef0
    grad_b = residual.sum(axis=0)
    np.testing.assert_allclose(clf.coef_, coef0 - 0.5 * grad_w, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(clf.intercept_, intercept0 - 0.5 * grad_b, rtol=1e-6, atol=1e-6)
    assert clf.loss_history_[-1] == pytest.approx(
        objective(Xc, yc, coef0, intercept0, 1e-2), rel=1e-6
    )


def test_fit_after_partial_fit_starts_afresh_like_sgd():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = GDLogisticRegression(alpha=1e-2)
    clf.partial_fit(X[:20], y[:20], classes=[0, 1, 2])
    clf.fit(X, y)
    fresh = GDLogisticRegression(alpha=1e-2).fit(X, y)
    np.testing.assert_allclose(clf.coef_, fresh.coef_)
    assert not hasattr(clf, "t_")
    # and partial_fit after fit continues from the fitted solution
    clf.partial_fit(X[:20], y[:20])
    assert clf.t_ == 1
    assert np.abs(clf.coef_ - fresh.coef_).max() < 0.1


def test_first_chunk_may_miss_classes():
    X, y = load_iris(return_X_y=True)
    clf = GDLogisticRegression().partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    assert clf.coef_.shape == (3, 4)
    assert list(clf.classes_) == [0, 1, 2]


def test_partial_fit_class_weight_dict_equals_sample_weight():
    X, y = load_iris(return_X_y=True)
    weights = {0: 2.0, 1: 0.5, 2: 1.0}
    a = GDLogisticRegression(class_weight=weights).partial_fit(X, y, classes=[0, 1, 2])
    b = GDLogisticRegression().partial_fit(
        X, y, classes=[0, 1, 2], sample_weight=np.array([weights[c] for c in y])
    )
    np.testing.assert_allclose(a.coef_, b.coef_)


@pytest.mark.parametrize(
    "kwargs, first, match",
    [
        ({}, True, "classes must be passed on the first call"),
        ({"classes": [0]}, True, "at least 2 classes"),
        ({"classes": [0, 1, 2, 5]}, False, "is not the same as on last call"),
    ],
)
def test_partial_fit_classes_errors(kwargs, first, match):
    X, y = load_iris(return_X_y=True)
    clf = GDLogisticRegression()
    if not first:
        clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=match):
        clf.partial_fit(X, y, **kwargs)


def test_partial_fit_rejects_unknown_labels_balanced_and_feature_change():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match=r"y contains labels \[2\] that are not in classes"):
        GDLogisticRegression().partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="'balanced' is not supported for partial_fit"):
        GDLogisticRegression(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="not in class_weight"):
        GDLogisticRegression(class_weight={7: 1.0}).partial_fit(X, y, classes=[0, 1, 2])
    clf = GDLogisticRegression().partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:, :3], y)


def test_partial_fit_divergent_learning_rate_raises_and_keeps_finite_state():
    X, y = load_iris(return_X_y=True)
    X = X * 1e150
    clf = GDLogisticRegression(learning_rate=1e200)
    with pytest.raises(ValueError, match="learning rate"):
        for _ in range(5):
            clf.partial_fit(X, y, classes=[0, 1, 2])
    if hasattr(clf, "coef_"):
        assert np.all(np.isfinite(clf.coef_))
