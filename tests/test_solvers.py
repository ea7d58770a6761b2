"""Every registered solver reaches the lbfgs optimum and keeps its documented promises."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import GDLogisticRegression
from sklearn_logloss._loss import LinearLogLoss
from sklearn_logloss._solvers import SOLVERS

LOADERS = {
    "breast_cancer": load_breast_cancer,
    "iris": load_iris,
    "wine": load_wine,
    "digits": load_digits,
}
FAST_SOLVERS = [name for name in SOLVERS if name != "gd"]  # gd: see test_logistic.py


def scaled(name):
    X, y = LOADERS[name](return_X_y=True)
    return StandardScaler().fit_transform(X), y


def reference_objective(X, y, alpha):
    """J at the lbfgs optimum, measured with the package's loss object."""
    n = X.shape[0]
    classes, codes = np.unique(y, return_inverse=True)
    loss = LinearLogLoss(
        X, codes, np.ones(n), n_classes=len(classes), alpha=alpha, fit_intercept=True
    )
    ref = LogisticRegression(C=1 / (alpha * n), tol=1e-12, max_iter=10_000).fit(X, y)
    return loss.objective(np.vstack([ref.coef_.T, ref.intercept_[None]])), ref


@pytest.mark.parametrize("solver", FAST_SOLVERS)
@pytest.mark.parametrize("name", list(LOADERS))
def test_each_solver_reaches_the_lbfgs_optimum(solver, name):
    X, y = scaled(name)
    alpha = 1e-3
    j_star, ref = reference_objective(X, y, alpha)
    model = GDLogisticRegression(alpha=alpha, solver=solver, tol=1e-8, max_iter=20_000).fit(X, y)
    assert abs(model.loss_history_[-1] - j_star) / j_star < 1e-6
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize("name", ["breast_cancer", "digits"])
def test_default_settings_reach_relative_gap_1e_6(name):
    # The default tol is meant to land within 1e-6 of the optimum.
    X, y = scaled(name)
    alpha = 1e-4
    j_star, _ = reference_objective(X, y, alpha)
    model = GDLogisticRegression(alpha=alpha).fit(X, y)
    assert (model.loss_history_[-1] - j_star) / j_star < 1e-6


@pytest.mark.parametrize("name", list(LOADERS))
def test_bb_history_stays_below_its_nonmonotone_window(name):
    X, y = scaled(name)
    history = GDLogisticRegression(alpha=1e-4, solver="bb", tol=1e-9, max_iter=5000).fit(X, y)
    history = history.loss_history_
    for k in range(1, history.shape[0]):
        window_max = history[max(0, k - 10) : k].max()
        assert history[k] <= window_max * (1 + 1e-12)


@pytest.mark.parametrize("solver", ["gd", "agd"])
def test_monotone_solvers_never_increase(solver):
    X, y = scaled("wine")
    history = GDLogisticRegression(alpha=1e-3, solver=solver, tol=1e-9, max_iter=20_000)
    history = history.fit(X, y).loss_history_
    assert np.all(np.diff(history) <= 1e-14 * history[:-1])


@pytest.mark.parametrize("solver", list(SOLVERS))
def test_float32_and_sparse_fits_match_dense_float64(solver):
    X, y = scaled("breast_cancer")
    params = dict(alpha=1e-2, solver=solver, tol=1e-7, max_iter=50_000)
    dense = GDLogisticRegression(**params).fit(X, y)
    csr = GDLogisticRegression(**params).fit(sp.csr_matrix(X), y)
    f32 = GDLogisticRegression(**params).fit(X.astype(np.float32), y)
    np.testing.assert_allclose(csr.coef_, dense.coef_, rtol=1e-6, atol=1e-8)
    assert f32.coef_.dtype == np.float32
    np.testing.assert_allclose(f32.predict_proba(X), dense.predict_proba(X), atol=1e-4)


def test_solver_result_contract():
    X, y = scaled("iris")
    classes, codes = np.unique(y, return_inverse=True)
    loss = LinearLogLoss(X, codes, np.ones(len(y)), n_classes=3, alpha=1e-2, fit_intercept=True)
    for name, solver in SOLVERS.items():
        result = solver(
            loss, loss.init_coef(), learning_rate="auto", max_iter=3000, tol=1e-6, verbose=0
        )
        assert result.converged, name
        assert result.loss_history.shape == (result.n_iter + 1,)
        assert result.loss_history[-1] == pytest.approx(loss.objective(result.coef), rel=1e-12)
        _, grad = loss.objective_gradient(result.coef)
        assert np.linalg.norm(grad) <= 2 * result.grad_tol, name
