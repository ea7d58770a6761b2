"""The Hessian and the self-concordant bound behind the stopping rule's certificate."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from sklearn_logloss._loss import make_loss
from sklearn_logloss._loss._curvature import gap_bound, zero_sum_basis
from sklearn_logloss._loss._precondition import standardizing_metric as standardizer
from sklearn_logloss._solvers import SOLVERS
from sklearn_logloss._solvers._stopping import curvature_certificate


def _problem(n_classes, *, scales=None, alpha=1e-3, fit_intercept=True, seed=0, n=120):
    X, y = make_classification(
        n,
        4,
        n_informative=3,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        flip_y=0.1,  # not separable: the optimum exists also without a penalty
        random_state=seed,
    )
    if scales is not None:
        X = X * scales
    weights = np.random.default_rng(seed).uniform(0.2, 3.0, n)
    loss = make_loss(X, y, weights, n_classes=n_classes, alpha=alpha, fit_intercept=fit_intercept)
    return loss, X, y, weights


def _numerical_hessian(loss, standard, u):
    """The Hessian of J in the standardized coordinates, by central differences."""
    size = u.size
    hessian = np.empty((size, size))
    h = 1e-5
    for j in range(size):
        step = np.zeros(size)
        step[j] = h
        plus = standard.gradient(
            loss.objective_gradient(standard.to_coef(u + step.reshape(u.shape)))[1]
        )
        minus = standard.gradient(
            loss.objective_gradient(standard.to_coef(u - step.reshape(u.shape)))[1]
        )
        hessian[:, j] = (plus - minus).ravel() / (2 * h)
    return hessian


@pytest.mark.parametrize("n_classes", [2, 3, 4])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_hessian_is_the_second_derivative(n_classes, fit_intercept):
    loss, *_ = _problem(n_classes, alpha=0.0, fit_intercept=fit_intercept, scales=[1, 10, 0.1, 3])
    standard = standardizer(loss)
    u = np.random.default_rng(1).normal(scale=0.5, size=loss.coef_shape)
    value, grad, hessian = loss.hessian_at(u, standard.mean, standard.inv_scale)
    expected_value, expected_grad = loss.objective_gradient(standard.to_coef(u))
    assert value == pytest.approx(expected_value, rel=1e-12)
    assert_allclose(grad, standard.gradient(expected_grad), rtol=1e-10, atol=1e-13)
    numerical = _numerical_hessian(loss, standard, u)
    if n_classes > 2:  # on the zero-sum subspace, coordinates (m, j) at m * n_coef + j
        basis = np.kron(zero_sum_basis(n_classes), np.eye(loss.coef_shape[0]))
        # numerical is laid out (j, k) at j * K + k: reorder to (k, j)
        n_coef = loss.coef_shape[0]
        order = np.arange(n_coef * n_classes).reshape(n_coef, n_classes).T.ravel()
        numerical = basis.T @ numerical[np.ix_(order, order)] @ basis
    assert_allclose(hessian, numerical, rtol=1e-5, atol=1e-8)


def test_hessian_of_sparse_and_dense_data_agree():
    loss, X, y, weights = _problem(3)
    sparse = make_loss(sp.csr_matrix(X), y, weights, n_classes=3, alpha=1e-3, fit_intercept=True)
    standard = standardizer(loss)
    u = np.random.default_rng(2).normal(size=loss.coef_shape)
    for got, expected in zip(
        sparse.hessian_at(u, standard.mean, standard.inv_scale),
        loss.hessian_at(u, standard.mean, standard.inv_scale),
        strict=True,
    ):
        assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


def test_gap_bound_is_the_closed_form_and_half_the_decrement_near_zero():
    s = 0.5
    assert gap_bound(s**2, 1.0) == pytest.approx(s + (1 - s) * np.log(1 - s), rel=1e-14)
    # Continuous across the series' threshold, increasing in both arguments.
    assert gap_bound(1e-8 * (1 - 1e-9), 1.0) == pytest.approx(gap_bound(1e-8, 1.0), rel=1e-6)
    values = [gap_bound(1e-4, rho_sq) for rho_sq in (0.0, 1.0, 100.0, 9000.0)]
    assert values == sorted(values) and values[0] == pytest.approx(0.5e-4, rel=1e-12)
    assert gap_bound(1e-2, 100.0) == np.inf  # lambda rho = 1


def _optimum(loss, X, y, weights, alpha):
    """The smallest objective any reference finds (never below J*)."""
    values = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for solver in ("newton-cholesky", "lbfgs"):
            C = np.inf if alpha == 0 else 1.0 / (alpha * weights.sum())
            ref = LogisticRegression(C=C, solver=solver, tol=1e-14, max_iter=5000)
            ref.fit(X, y, sample_weight=weights)
            values.append(loss.objective(np.vstack([ref.coef_.T, ref.intercept_[None]])))
    return min(values)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    log_scales=st.lists(st.floats(-4, 6), min_size=4, max_size=4),
    log_alpha=st.one_of(st.none(), st.floats(-12, 1)),
    n_classes=st.sampled_from([2, 3, 5]),
    steps=st.integers(0, 400),
)
def test_certificate_is_never_below_the_true_gap(log_scales, log_alpha, n_classes, steps):
    # Soundness at arbitrary points of a path, alpha = 0 included.
    alpha = 0.0 if log_alpha is None else 10.0**log_alpha
    loss, X, y, weights = _problem(n_classes, scales=10.0 ** np.asarray(log_scales), alpha=alpha)
    run = SOLVERS["momentum"](
        loss, loss.init_coef(), learning_rate="auto", max_iter=steps, tol=0.0
    )
    gap, status, objective = curvature_certificate(loss, run.coef, standardizer(loss), tol=1.0)
    assert objective == pytest.approx(loss.objective(run.coef), rel=1e-10)
    if status != "certified":
        return
    true_gap = (objective - _optimum(loss, X, y, weights, alpha)) / objective
    assert true_gap <= gap * (1 + 1e-6) + 1e-13


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("alpha", [0.0, 1e-4])
def test_certificate_is_tight_near_the_optimum(n_classes, alpha):
    # Where the loss is locally quadratic the bound is about the true gap
    # (lambda^2 / 2), not the ratio of the curvature to alpha above it.
    loss, X, y, weights = _problem(n_classes, alpha=alpha, seed=5, n=400)
    optimum = _optimum(loss, X, y, weights, alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        C = np.inf if alpha == 0 else 1.0 / (alpha * weights.sum())
        ref = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-14, max_iter=5000)
        ref.fit(X, y, sample_weight=weights)
    best = np.vstack([ref.coef_.T, ref.intercept_[None]])
    direction = np.random.default_rng(0).normal(size=best.shape)
    for size in (1e-2, 1e-3):
        point = best + size * direction
        gap, status, objective = curvature_certificate(loss, point, standardizer(loss), tol=1.0)
        true_gap = (objective - optimum) / objective
        assert status == "certified"
        assert true_gap <= gap <= 1.5 * true_gap + 1e-13


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_classes=st.sampled_from([2, 3]), steps=st.integers(0, 300), seed=st.integers(0, 99))
def test_certificate_on_collinear_features_is_never_below_the_true_gap(n_classes, steps, seed):
    # Without a penalty, a column repeated (times 3) and a constant column
    # next to the intercept make H singular; the bound is taken on the
    # directions the data see (J does not change along the others).
    _, X, y, weights = _problem(n_classes, alpha=0.0, seed=seed)
    X = np.hstack([X, 3.0 * X[:, :1], np.ones((X.shape[0], 1))])
    loss = make_loss(X, y, weights, n_classes=n_classes, alpha=0.0, fit_intercept=True)
    run = SOLVERS["momentum"](
        loss, loss.init_coef(), learning_rate="auto", max_iter=steps, tol=0.0
    )
    gap, status, objective = curvature_certificate(loss, run.coef, standardizer(loss), tol=1.0)
    if steps >= 100:  # near the optimum: the bound applies (it used to fail to factor H)
        assert status == "certified"
    if status == "certified":
        true_gap = (objective - _optimum(loss, X, y, weights, 0.0)) / objective
        assert true_gap <= gap * (1 + 1e-6) + 1e-13


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    log_scales=st.lists(st.floats(-4, 6), min_size=4, max_size=4),
    log_alpha=st.floats(-8, 0),
    stride=st.sampled_from([1, 2, 4]),
    warm=st.integers(0, 30),
    steps=st.integers(0, 200),
    exact=st.booleans(),
)
def test_metric_hessian_certificate_is_never_below_the_true_gap(
    log_scales, log_alpha, stride, warm, steps, exact
):
    # The Hessian a metric was made of (on every stride-th row, at a point w0
    # of a path) bounds the Hessian at later points: the stopping rule's
    # certificate from it holds at any point of a run in that metric.
    from sklearn_logloss._loss._precondition import PreconditionedLoss, make_metric
    from sklearn_logloss._solvers._stopping import _RowForm, reference_certificate

    alpha = 10.0**log_alpha
    loss, X, y, weights = _problem(2, scales=10.0 ** np.asarray(log_scales), alpha=alpha, n=240)
    rows = loss.subsample(stride) if stride > 1 else loss
    w0 = SOLVERS["momentum"](rows, rows.init_coef(), learning_rate="auto", max_iter=warm, tol=0.0)
    try:
        metric = make_metric(rows, "hessian", coef=w0.coef, exact_reference=exact)
    except np.linalg.LinAlgError:
        return
    assert metric.reference.preferred == exact
    problem = PreconditionedLoss(loss, metric)
    run = SOLVERS["momentum"](
        problem, metric.from_coef(w0.coef), learning_rate="auto", max_iter=steps, tol=0.0
    )
    objective, grad = problem.objective_gradient(run.coef)
    gap, status = reference_certificate(
        metric.reference,
        metric.to_coef(run.coef),
        float(np.linalg.norm(grad)),
        objective,
        loss.weight_sum,
        _RowForm(loss, metric.reference),
        tol=1.0,
    )
    if status != "certified":
        return
    true_gap = (objective - _optimum(loss, X, y, weights, alpha)) / objective
    assert true_gap <= gap * (1 + 1e-6) + 1e-13


def test_exact_reference_bound_is_the_inverse_hessian_without_an_eigendecomposition():
    # From the factor's inverse, the reference's quadratic form is H0^{-1}
    # itself (up to the ridge it allows for); the eigen-based one bounds it above.
    from sklearn_logloss._loss._precondition import make_metric

    loss, X, y, weights = _problem(2, scales=10.0 ** np.array([-2.0, 0.0, 1.0, 3.0]), n=200)
    w0 = SOLVERS["momentum"](loss, loss.init_coef(), learning_rate="auto", max_iter=5, tol=0.0)
    exact = make_metric(loss, "hessian", coef=w0.coef, exact_reference=True).reference
    eigen = make_metric(loss, "hessian", coef=w0.coef).reference
    hessian = eigen._hessian.copy()  # as factored (the eigen-based one lets it go when used)
    inverse = np.linalg.inv(hessian)
    shift, vectors = exact.inverse_bound()
    assert shift == 0.0 and exact.preferred and not eigen.preferred
    np.testing.assert_allclose(vectors @ vectors.T, inverse, rtol=1e-6, atol=1e-12)
    assert 0 < exact.min_eig <= np.linalg.eigvalsh(hessian)[0]
    assert 0 < exact.shrink <= 1.0
    e_shift, e_vectors = eigen.inverse_bound()
    bound = e_shift * np.eye(len(hessian)) + e_vectors @ e_vectors.T
    assert np.linalg.eigvalsh(bound - vectors @ vectors.T)[0] >= -1e-9 * np.abs(inverse).max()


@pytest.mark.parametrize("n_classes", [2, 3])
def test_hessian_from_the_probabilities_is_the_hessian_of_a_pass(n_classes):
    # A solver's probabilities at the point give the same Hessian without the
    # pass for the logits (the data term and gradient are then not formed).
    from sklearn_logloss._loss._precondition import hessian_in, standardizing_metric

    loss, X, y, weights = _problem(n_classes, scales=10.0 ** np.array([-2.0, 0.0, 1.0, 3.0]))
    coef = SOLVERS["momentum"](
        loss, loss.init_coef(), learning_rate="auto", max_iter=4, tol=0.0
    ).coef
    proba = loss.empty_logits()
    loss.objective_gradient_at(coef, loss.logits(coef), proba)
    scaling = standardizing_metric(loss)
    objective, grad, hessian = hessian_in(loss, coef, scaling)
    none, no_grad, from_proba = hessian_in(loss, coef, scaling, proba)
    assert none is None and no_grad is None and objective is not None
    np.testing.assert_allclose(from_proba, hessian, rtol=1e-10, atol=1e-14)
