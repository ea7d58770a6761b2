"""Every registered solver reaches the lbfgs optimum and keeps its documented promises.

The driver, the stopping rule, ``"momentum"`` and the policy have their own
test modules (``test_solvers_*.py``).
"""

import importlib
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _solver_problems import LOADERS, log_loss_of, reference_objective, scaled
from sklearn.datasets import make_classification

from sklearn_logloss import GDLogisticRegression, _solvers
from sklearn_logloss._loss import LinearLogLoss
from sklearn_logloss._solvers import SOLVERS

FAST_SOLVERS = [name for name in SOLVERS if name != "gd"]  # gd: see test_logistic.py


@pytest.mark.parametrize("solver", FAST_SOLVERS)
@pytest.mark.parametrize("name", list(LOADERS))
def test_each_solver_reaches_the_lbfgs_optimum(solver, name):
    X, y = scaled(name)
    alpha = 1e-3
    j_star, ref = reference_objective(X, y, alpha)
    # tol bounds the objective's gap; probabilities move with its square root
    # along weakly curved directions: a tol of 1e-10 for probabilities within 1e-4.
    model = GDLogisticRegression(alpha=alpha, solver=solver, tol=1e-10, max_iter=20_000)
    model.fit(X, y)
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


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["gd", "agd", "momentum"])
def test_monotone_solvers_never_increase(solver):
    X, y = scaled("wine")
    history = GDLogisticRegression(alpha=1e-3, solver=solver, tol=1e-9, max_iter=20_000)
    history = history.fit(X, y).loss_history_
    assert np.all(np.diff(history) <= 1e-14 * history[:-1])


@pytest.mark.parametrize("solver", list(SOLVERS))
def test_float32_and_sparse_fits_match_dense_float64(solver):
    X, y = scaled("breast_cancer")
    params = dict(alpha=1e-2, solver=solver, tol=1e-11, max_iter=50_000)
    dense = GDLogisticRegression(**params).fit(X, y)
    csr = GDLogisticRegression(**params).fit(sp.csr_matrix(X), y)
    f32 = GDLogisticRegression(**params).fit(X.astype(np.float32), y)
    np.testing.assert_allclose(csr.coef_, dense.coef_, rtol=1e-6, atol=1e-8)
    assert f32.coef_.dtype == np.float32
    # float32 stops at a relative gap of 32 float32 epsilons (3.8e-6) at best:
    # the same minimum to that accuracy, measured in float64.
    loss = log_loss_of(X, y, alpha=1e-2)
    j_dense, j_f32 = (
        loss.objective(np.vstack([m.coef_.T, m.intercept_[None]]).astype(np.float64))
        for m in (dense, f32)
    )
    assert abs(j_f32 - j_dense) <= 2 * 32 * np.finfo(np.float32).eps * j_dense
    np.testing.assert_allclose(f32.predict_proba(X), dense.predict_proba(X), atol=2e-3)


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
        assert result.gap_estimate <= 1e-6, name


@pytest.mark.parametrize("name", sorted(SOLVERS))
@pytest.mark.parametrize("tol", [1e-4, 1e-7])
def test_tol_controls_the_relative_objective_gap(name, tol):
    # The documented meaning of tol: the relative gap (J - J*) / J* at the
    # returned coefficients is about tol (the estimate is not a bound: allow 10x).
    X, y = scaled("wine")
    alpha = 1e-2
    model = GDLogisticRegression(alpha=alpha, solver=name, tol=tol, max_iter=20_000).fit(X, y)
    j_star, _ = reference_objective(X, y, alpha)
    gap = (model.loss_history_[-1] - j_star) / j_star
    assert gap <= 10 * tol
    if tol == 1e-4:  # and a looser tol stops earlier than a tight one
        tight = GDLogisticRegression(alpha=alpha, solver=name, tol=1e-7, max_iter=20_000)
        assert model.n_iter_ < tight.fit(X, y).n_iter_


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize(
    "n_samples, n_classes, n_features",
    # The last solves coarse problems first (on views of every 8th row).
    [(20_000, 2, 50), (20_000, 3, 200), (20_000, 2, 100)],
)
def test_fit_makes_no_copy_of_dense_float64(n_samples, n_classes, n_features, order):
    # Fortran-ordered X is used in its own layout too (no C-order copy).
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=10,
        n_classes=n_classes,
        random_state=0,
    )
    X = np.asarray(X, order=order)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            GDLogisticRegression(alpha=1e-4, max_iter=30).fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The stopping rule's certificate (best intercepts) keeps the logits and
    # probabilities of every sample while the solver's arrays are alive, and
    # its pointwise passes their temporaries: at most five arrays of
    # n_samples * n_outputs numbers (measured: 4.9 on 20000 x 50).
    certificate = 5 * n_samples * (1 if n_classes == 2 else n_classes) * X.itemsize
    assert peak <= 0.25 * X.nbytes + certificate, f"peak {peak / X.nbytes:.1%} of X"


def test_the_hot_loop_uses_numpy_blas_only():
    # scipy's wheels bundle their own OpenBLAS: calling it (scipy.linalg.blas
    # or lapack) between numpy's BLAS calls makes two thread pools spin on
    # the same cores, which slowed a digits fit 8x with default threads.
    import ast
    import inspect
    import pkgutil

    from sklearn_logloss import _loss

    modules = [_loss, _solvers]
    for package in (_loss, _solvers):  # packages: every module in them
        for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
            modules.append(importlib.import_module(f"{package.__name__}.{info.name}"))
    assert len(modules) >= 8  # the solvers' package and its modules at least
    for module in modules:
        tree = ast.parse(inspect.getsource(module))
        imported = {
            alias.name if isinstance(node, ast.Import) else f"{node.module}.{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not any(name.startswith("scipy.linalg") for name in imported), imported
