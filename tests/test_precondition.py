"""The fixed metric of the solvers (``_loss._precondition``) and the certified stopping bound."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from sklearn_logloss._loss import make_loss
from sklearn_logloss._loss._precondition import PreconditionedLoss, make_metric
from sklearn_logloss._solvers import SOLVERS
from sklearn_logloss._solvers._stopping import best_intercepts, certify


def _loss(n_classes=2, scales=(1.0, 1e4, 1e-3, 1.0), fit_intercept=True, alpha=1e-3, seed=0):
    X, y = make_classification(
        120,
        len(scales),
        n_informative=3,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        random_state=seed,
    )
    X = X * np.asarray(scales) + 5.0  # scaled and uncentred
    weights = np.random.default_rng(seed).uniform(0.5, 2.0, len(y))
    return (
        make_loss(X, y, weights, n_classes=n_classes, alpha=alpha, fit_intercept=fit_intercept),
        X,
        y,
        weights,
    )


@pytest.mark.parametrize("kind", ["diagonal", "gram"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_metric_maps_are_inverse_and_adjoint(kind, n_classes, fit_intercept):
    loss = _loss(n_classes, fit_intercept=fit_intercept)[0]
    metric = make_metric(loss, kind)
    rng = np.random.default_rng(1)
    u = rng.standard_normal((4, *loss.coef_shape))  # a stack, as the solvers pass
    g = rng.standard_normal((4, *loss.coef_shape))
    np.testing.assert_allclose(metric.from_coef(metric.to_coef(u)), u, atol=1e-9)
    # <T u, g> == <u, T^T g>: the gradient map is the adjoint of the coefficient map.
    np.testing.assert_allclose(
        np.sum(metric.to_coef(u) * g, axis=(1, 2)),
        np.sum(u * metric.gradient(g), axis=(1, 2)),
        rtol=1e-9,
    )


@pytest.mark.parametrize("kind", ["diagonal", "gram"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_preconditioned_loss_is_the_same_function(kind, n_classes):
    loss = _loss(n_classes)[0]
    pre = PreconditionedLoss(loss, make_metric(loss, kind))
    rng = np.random.default_rng(2)
    u = 0.1 * rng.standard_normal(loss.coef_shape)
    w = pre.metric.to_coef(u)
    objective, grad = pre.objective_gradient(u)
    assert objective == pytest.approx(loss.objective(w), rel=1e-12)
    # Its gradient is the gradient of u -> J(T u): a directional derivative check.
    direction = rng.standard_normal(loss.coef_shape)
    h = 1e-6
    slope = (pre.objective(u + h * direction) - pre.objective(u - h * direction)) / (2 * h)
    assert slope == pytest.approx(float(np.sum(grad * direction)), rel=1e-5, abs=1e-9)
    # Logit-space methods see the base loss's logits of T u.
    np.testing.assert_allclose(pre.logits(u), loss.logits(w), rtol=1e-10, atol=1e-10)


def test_gram_metric_makes_the_curvature_bound_the_identity():
    # T^T (c G + alpha D) T is the identity up to the small ridge: the Lipschitz
    # constant of the gradient in the new coordinates is about 1 on any scaling.
    for scales in [(1.0, 1.0, 1.0, 1.0), (1e6, 1.0, 1e-4, 3.0)]:
        loss = _loss(2, scales=scales)[0]
        metric = make_metric(loss, "gram", gram_rows=10**6)  # all rows
        assert PreconditionedLoss(loss, metric).lipschitz_bound() == pytest.approx(1.0, rel=1e-3)


def test_the_diagonal_metric_leaves_sparse_data_sparse():
    X, y = make_classification(300, 30, random_state=0)
    X[X < 0.5] = 0
    X = sp.csr_matrix(X * np.logspace(-3, 3, 30))
    loss = make_loss(X, y, np.ones(300), n_classes=2, alpha=1e-3, fit_intercept=True)
    pre = PreconditionedLoss(loss, make_metric(loss, "diagonal"))
    assert pre.base.X is X
    result = SOLVERS["momentum"](
        pre, pre.init_coef(), learning_rate="auto", max_iter=500, tol=1e-8
    )
    assert result.converged


@pytest.mark.parametrize("kind", ["diagonal", "gram"])
@pytest.mark.parametrize("fmt", [sp.csr_matrix, sp.csc_array])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_sparse_and_dense_data_take_the_same_steps_in_one_metric(kind, fmt, n_classes):
    X, y = make_classification(200, 6, n_informative=4, n_classes=n_classes, random_state=0)
    X[np.abs(X) < 0.8] = 0.0
    runs = []
    for data in (X, fmt(X)):
        loss = make_loss(
            data, y, np.ones(200), n_classes=n_classes, alpha=1e-2, fit_intercept=True
        )
        pre = PreconditionedLoss(loss, make_metric(loss, kind))
        run = SOLVERS["momentum"](
            pre, pre.init_coef(), learning_rate="auto", max_iter=500, tol=1e-8
        )
        runs.append((run, pre.metric.to_coef(run.coef)))
    (dense, dense_coef), (sparse, sparse_coef) = runs
    assert dense.converged and sparse.n_iter == dense.n_iter
    np.testing.assert_allclose(sparse_coef, dense_coef, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sparse.loss_history, dense.loss_history, rtol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_best_intercepts_zero_the_intercept_gradient(n_classes):
    loss = _loss(n_classes)[0]
    coef = np.zeros(loss.coef_shape)
    coef[:-1] = 0.01
    coef, objective, grad = best_intercepts(loss, coef)
    assert np.abs(grad[-1]).max() <= 1e-10
    assert objective <= loss.objective(
        np.r_[np.full((loss.n_features, loss.n_outputs), 0.01), np.zeros((1, loss.n_outputs))]
    )


@settings(max_examples=20, deadline=None)
@given(
    log_scales=st.lists(st.floats(-4, 6), min_size=4, max_size=4),
    log_alpha=st.floats(-5, 1),
    n_classes=st.sampled_from([2, 3]),
    steps=st.integers(0, 30),
)
def test_certified_bound_is_never_below_the_true_gap(log_scales, log_alpha, n_classes, steps):
    # Soundness of the stopping rule's bound, at arbitrary points of a path.
    alpha = 10.0**log_alpha
    loss, X, y, weights = _loss(n_classes, scales=10.0 ** np.asarray(log_scales), alpha=alpha)
    run = SOLVERS["gd"](loss, loss.init_coef(), learning_rate="auto", max_iter=steps, tol=0.0)
    bound, coef, objective, _ = certify(loss, run.coef)
    optimum = SOLVERS["momentum"](
        PreconditionedLoss(loss, make_metric(loss, "gram")),
        loss.init_coef(),
        learning_rate="auto",
        max_iter=5000,
        tol=1e-13,
    )
    best = min(loss.objective(make_metric(loss, "gram").to_coef(optimum.coef)), objective)
    reference = LogisticRegression(
        C=1 / (alpha * weights.sum()), solver="newton-cholesky", tol=1e-12, max_iter=1000
    ).fit(X, y, sample_weight=weights)
    packed = np.vstack([reference.coef_.T, reference.intercept_[None]])
    best = min(best, loss.objective(packed))
    assert objective == pytest.approx(loss.objective(coef), rel=1e-12)
    assert (objective - best) / objective <= bound * (1 + 1e-6) + 1e-14


@pytest.mark.parametrize("stored", ["dense", "csr"])
def test_moments_of_large_dense_data_come_from_every_kth_row(stored):
    from sklearn_logloss._loss._precondition import standardizing_metric

    rng = np.random.default_rng(0)
    X = rng.standard_normal((4000, 3)) * [1.0, 10.0, 0.1] + [5.0, -2.0, 0.0]
    y = rng.integers(0, 2, 4000)
    weights = rng.uniform(0.5, 2.0, 4000)
    if stored == "csr":  # stored sparse: 5% of the values, fewer bytes than dense
        X = X * (rng.random(X.shape) < 0.05)
    data = X if stored == "dense" else sp.csr_matrix(X)
    loss = make_loss(data, y, weights, n_classes=2, alpha=1e-3, fit_intercept=True)
    full = standardizing_metric(loss)
    np.testing.assert_allclose(full.mean, np.average(X, axis=0, weights=weights))
    subsampled = standardizing_metric(loss, rows=500)  # every 8th row of dense data
    rows = slice(None) if stored == "csr" else slice(None, None, 8)
    expected = np.average(X[rows], axis=0, weights=weights[rows])
    np.testing.assert_allclose(subsampled.mean, expected, rtol=1e-12)
    if stored == "dense":
        assert not np.allclose(subsampled.mean, full.mean, rtol=1e-6)
    # Either is a change of coordinates the fit can step in.
    for metric in (full, subsampled):
        u = rng.standard_normal(loss.coef_shape)
        np.testing.assert_allclose(metric.from_coef(metric.to_coef(u)), u, rtol=1e-10)


def test_the_plain_standardization_is_made_once_per_loss():
    # The metrics and the certificates of a fit share it (not its variants).
    from sklearn_logloss._loss._precondition import standardizing_metric

    X = np.random.default_rng(0).normal(size=(50, 3)) * [1.0, 10.0, 1e3]
    loss = make_loss(X, np.arange(50) % 2, np.ones(50), n_classes=2, alpha=0.1, fit_intercept=True)
    plain = standardizing_metric(loss)
    assert standardizing_metric(loss) is plain
    np.testing.assert_allclose(plain.mean, X.mean(axis=0))
    np.testing.assert_allclose(1.0 / plain.inv_scale, X.std(axis=0), rtol=1e-12)
    scaled = standardizing_metric(loss, curvature=0.25, alpha=0.1)
    assert scaled is not plain
    np.testing.assert_allclose(1.0 / scaled.inv_scale, np.sqrt(0.25 * X.var(axis=0) + 0.1))
