"""Dask: fitting on row-chunked dask arrays on a (local) cluster, and joblib's dask backend."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris, make_classification
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import GDLogisticRegression, neg_log_loss_scorer

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    # Two worker processes, as on a real cluster: data and tasks cross process
    # boundaries, so everything sent must pickle.
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.mark.parametrize("n_classes", [2, 3])
def test_dask_fit_equals_numpy_fit(client, n_classes):
    X, y = make_classification(3000, 8, n_informative=5, n_classes=n_classes, random_state=0)
    X = StandardScaler().fit_transform(X)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    params = dict(alpha=1e-2, solver="agd", tol=1e-6, max_iter=5000)
    expected = GDLogisticRegression(**params).fit(X, y, sample_weight=weights)
    got = GDLogisticRegression(**params).fit(
        da.from_array(X, chunks=(1000, 4)),
        da.from_array(y, chunks=1000),
        sample_weight=da.from_array(weights, chunks=1500),
    )
    np.testing.assert_array_equal(got.classes_, expected.classes_)
    # Same solver, same iterates: only the order of floating-point sums differs.
    np.testing.assert_allclose(got.coef_, expected.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(got.intercept_, expected.intercept_, rtol=1e-7, atol=1e-9)
    assert got.n_iter_ == expected.n_iter_
    np.testing.assert_allclose(got.loss_history_, expected.loss_history_, rtol=1e-12)
    assert got.n_features_in_ == 8
    np.testing.assert_allclose(got.predict_proba(X), expected.predict_proba(X), atol=1e-6)


def test_dask_default_solver_reaches_the_numpy_optimum(client):
    # "auto" stands for "agd" on Dask arrays (no kept logits) and for
    # "momentum" on NumPy arrays: different paths, the same minimum.
    X, y = make_classification(3000, 8, n_informative=5, n_classes=3, random_state=1)
    X = StandardScaler().fit_transform(X)
    params = dict(alpha=1e-2, tol=1e-13, max_iter=5000)
    expected = GDLogisticRegression(**params).fit(X, y)
    got = GDLogisticRegression(**params).fit(
        da.from_array(X, chunks=(1000, 8)), da.from_array(y, chunks=1000)
    )
    np.testing.assert_allclose(got.loss_history_[-1], expected.loss_history_[-1], rtol=1e-10)
    np.testing.assert_allclose(got.coef_, expected.coef_, rtol=1e-4, atol=1e-6)


def test_dask_fit_string_labels_and_class_weight(client):
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    for class_weight in ("balanced", {"setosa": 3.0}):
        params = dict(alpha=1e-2, solver="agd", tol=1e-6, max_iter=5000, class_weight=class_weight)
        expected = GDLogisticRegression(**params).fit(X, names)
        got = GDLogisticRegression(**params).fit(
            da.from_array(X, chunks=(75, 4)), da.from_array(names, chunks=75)
        )
        np.testing.assert_array_equal(got.classes_, expected.classes_)
        np.testing.assert_allclose(got.coef_, expected.coef_, rtol=1e-7, atol=1e-9)


def _gathered(result):
    """The arrays and scalars in a result brought back to the client."""
    if isinstance(result, (list, tuple)):
        return [item for part in result for item in _gathered(part)]
    if isinstance(result, dict):
        return _gathered(list(result.values()))
    return [np.asarray(result)]


def test_dask_gradient_is_reduced_over_blocks_without_gathering_x(client, monkeypatch):
    # Everything the cluster computes for the client comes back through
    # Client.gather (dask.compute, Array.compute, the loss's own tasks): watch
    # that, not one way of asking for it. Only reductions may come back: per
    # chunk a loss sum and a gradient sum (n_features + 1 numbers), scalars,
    # the classes, the class counts, small matrices; never the rows of X.
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    dX = da.from_array(X, chunks=(200, 30))
    gathered = []
    original = distributed.Client.gather

    def spy(self, futures, *args, **kwargs):
        result = original(self, futures, *args, **kwargs)
        gathered.append(_gathered(result))
        return result

    monkeypatch.setattr(distributed.Client, "gather", spy)
    model = GDLogisticRegression(alpha=1e-1, tol=1e-3).fit(dX, da.from_array(y, chunks=200))
    # At least one gather per evaluation of the objective (3 chunks each).
    assert len(gathered) > model.n_iter_
    # Only reductions over the rows: no axis longer than the coefficients'
    # (n_features + 1 = 31; a chunk of X has 200 rows, 169 for the last).
    coef_size = X.shape[1] + 1
    assert all(max(a.shape, default=1) <= coef_size for arrays in gathered for a in arrays)
    loss_gathers = [arrays for arrays in gathered if len(arrays) == 6]  # 3 x (sum, gradient)
    assert loss_gathers, "the loss is reduced over the 3 chunks on the cluster"


@pytest.mark.parametrize("n_classes", [2, 3])
def test_dask_loss_sums_equal_the_numpy_loss_on_the_cluster(client, n_classes):
    # The chunks' sums (the linear layer's functions, pickled to the workers)
    # add up to the NumPy loss's values; the weights are normalized once.
    from sklearn_logloss._loss import DaskLinearLogLoss, LinearLogLoss

    X, y = make_classification(900, 6, n_informative=4, n_classes=n_classes, random_state=2)
    weights = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    model = dict(n_classes=n_classes, alpha=0.1, fit_intercept=True)
    expected = LinearLogLoss(X, y, weights, **model)
    loss = DaskLinearLogLoss(
        da.from_array(X, chunks=(250, 3)),
        da.from_array(y, chunks=250),
        da.from_array(weights, chunks=300),
        **model,
    )
    assert loss.weight_sum == pytest.approx(weights.sum(), rel=1e-14)
    coef = np.random.default_rng(3).normal(size=loss.coef_shape)
    value, grad = loss.objective_gradient(coef)
    expected_value, expected_grad = expected.objective_gradient(coef)
    assert value == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-11, atol=1e-14)
    assert loss.trace_bound() == pytest.approx(expected.trace_bound(), rel=1e-12)
    assert loss.lipschitz_bound() == pytest.approx(expected.lipschitz_bound(n_iter=20), rel=1e-10)


@pytest.mark.parametrize(
    "make_input, match",
    [
        (lambda X, y: (_with_nan(X), y), "NaN or infinity"),
        (lambda X, y: (X, da.zeros_like(y)), "only one class"),
        (lambda X, y: (X, y[:-1]), "inconsistent numbers of samples"),
        (lambda X, y: (X, y + 0.5), "Unknown label type"),
    ],
)
def test_dask_bad_input(client, make_input, match):
    X, y = load_iris(return_X_y=True)
    dX, dy = make_input(da.from_array(X, chunks=(50, 4)), da.from_array(y, chunks=50))
    with pytest.raises(ValueError, match=match):
        GDLogisticRegression().fit(dX, dy)


def _with_nan(X):
    return da.where(da.arange(X.shape[0])[:, None] == 3, np.nan, X)


def test_dask_negative_sample_weight(client):
    X, y = load_iris(return_X_y=True)
    weights = np.ones(len(y))
    weights[5] = -1
    with pytest.raises(ValueError, match="non-negative"):
        GDLogisticRegression().fit(
            da.from_array(X, chunks=(50, 4)), da.from_array(y, chunks=50), sample_weight=weights
        )


def test_joblib_dask_backend_for_search_and_cross_validation(client):
    import joblib

    X, y = load_breast_cancer(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), GDLogisticRegression())
    grid = {"gdlogisticregression__alpha": [1e-3, 1e-1]}
    with joblib.parallel_backend("dask"):
        scores = cross_val_score(pipe, X, y, cv=3, scoring=neg_log_loss_scorer, n_jobs=-1)
        search = GridSearchCV(pipe, grid, scoring=neg_log_loss_scorer, cv=3, n_jobs=-1).fit(X, y)
    local_scores = cross_val_score(pipe, X, y, cv=3, scoring=neg_log_loss_scorer)
    local_search = GridSearchCV(pipe, grid, scoring=neg_log_loss_scorer, cv=3).fit(X, y)
    np.testing.assert_allclose(scores, local_scores, rtol=1e-12)
    assert search.best_params_ == local_search.best_params_
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"], local_search.cv_results_["mean_test_score"]
    )
