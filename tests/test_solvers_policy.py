"""The policy: which solver ``"auto"`` is, its metric, what ``"momentum"`` keeps, coarse starts."""

from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from _solver_problems import large_binary, log_loss_of, reference_objective, scaled
from sklearn.datasets import make_classification

from sklearn_logloss import GDLogisticRegression
from sklearn_logloss._loss import LinearLogLoss
from sklearn_logloss._loss._precondition import DenseMetric, StandardizingMetric
from sklearn_logloss._solvers import (
    SOLVERS,
    auto_solver,
    coarse_start,
    coarse_strides,
    metric_kind,
    momentum_gradient_sum,
    momentum_memory,
)
from sklearn_logloss._solvers._fit import FitPlan


def sizes(n_samples, n_outputs=1, n_features=10, *, supports=("logit_space", "subsample"), **kw):
    """The contract's size attributes only: no data, no methods."""
    attributes = dict(
        n_samples=n_samples,
        n_outputs=n_outputs,
        n_features=n_features,
        fit_intercept=True,
        alpha=1e-4,
        dtype=np.dtype(np.float64),
        data_nbytes=n_samples * n_features * 8,
        supports=frozenset(supports),
    )
    return SimpleNamespace(**{**attributes, **kw})


def test_the_policy_reads_the_loss_sizes_only():
    # Every decision from the size attributes of the contract: an object with
    # nothing else (no X, no methods) is enough.
    # Two classes search the gradient sum and the point: one kept step. More
    # classes keep 8 on small problems.
    assert momentum_memory(sizes(4096)) == 1
    assert momentum_memory(sizes(2048, n_outputs=2)) == 8
    assert momentum_memory(sizes(2049, n_outputs=2)) == 1
    assert momentum_gradient_sum(sizes(10)) and momentum_gradient_sum(sizes(10**6))
    assert not momentum_gradient_sum(sizes(10**6, n_outputs=3))
    # Five arrays of 10**6 logits (40 MB): at most a quarter of X with 50
    # features (400 MB), more than that with 10 (80 MB) and above 16 MiB.
    assert auto_solver(sizes(10**6, n_features=50)) == "momentum"
    assert auto_solver(sizes(10**6)) == "bb"
    assert auto_solver(sizes(10**6, n_outputs=20, n_features=5)) == "bb"
    assert auto_solver(sizes(10**6, supports=())) == "agd"
    # 10**5 samples, 11 coefficients: every 8th and 64th row keep >= 20
    # samples per coefficient (1562 >= 20 * 11), every 512th does not (195).
    assert coarse_strides(sizes(10**5)) == [64, 8]
    assert coarse_strides(sizes(10**5, alpha=0.0)) == []
    assert coarse_strides(sizes(10**5, supports=("logit_space",))) == []
    assert coarse_strides(sizes(10**4)) == []  # 10**4 * 11 < 2**20


def test_metric_kind_rule():
    # The whole bound for dense float64 data with at most 512 coefficients per
    # class; its diagonal for more, for float32 and for data stored sparse
    # (fewer stored bytes than its dense twin) unless its Gram matrix is cheap
    # (n_samples * n_coef**2 <= 2**24); none for a fixed step.
    assert metric_kind(sizes(1000), "momentum", "auto") == "gram"
    assert metric_kind(sizes(1000), "momentum", 0.5) == "gram"  # momentum ignores the step
    assert metric_kind(sizes(1000), "agd", 0.5) is None
    assert metric_kind(sizes(1000, n_features=511), "bb", "auto") == "gram"
    assert metric_kind(sizes(1000, n_features=512), "bb", "auto") == "diagonal"
    assert metric_kind(sizes(1000, n_features=512), "bb", "auto", gram_max_coef=513) == "gram"
    float32 = sizes(1000, dtype=np.dtype(np.float32), data_nbytes=1000 * 10 * 4)
    assert metric_kind(float32, "momentum", "auto") == "diagonal"
    stored_sparse = sizes(1000, data_nbytes=1000 * 10 * 8 - 1)  # 1000 * 11**2 multiply-adds
    assert metric_kind(stored_sparse, "momentum", "auto") == "gram"
    assert metric_kind(stored_sparse, "momentum", "auto", sparse_gram_work=120_999) == "diagonal"
    assert metric_kind(stored_sparse, "momentum", "auto", sparse_gram_work=121_000) == "gram"
    large_sparse = sizes(10**5, data_nbytes=10**5 * 10 * 8 - 1)  # 1.21e7 <= 2**24
    assert metric_kind(large_sparse, "momentum", "auto") == "gram"
    wide_sparse = sizes(3000, n_features=500, data_nbytes=3000 * 500 * 8 - 1)
    assert metric_kind(wide_sparse, "momentum", "auto") == "diagonal"


@pytest.mark.parametrize("to_sparse", [False, True])
def test_the_fit_plan_steps_in_the_policys_metric(to_sparse):
    X, y = make_classification(500, 200, random_state=0)  # 500 * 201**2 > 2**24
    X[X < 0.5] = 0.0  # about two thirds of the entries
    X = sp.csr_matrix(X) if to_sparse else X
    loss = LinearLogLoss(X, y, np.ones(500), n_classes=2, alpha=1e-2, fit_intercept=True)
    plan = FitPlan(loss, loss.init_coef(), solver="auto", learning_rate="auto", max_iter=300)
    assert isinstance(plan.metric, StandardizingMetric if to_sparse else DenseMetric)
    assert plan.run(tol=1e-6).converged


def test_the_policy_thresholds_are_parameters():
    loss = sizes(5_000, n_outputs=2)
    assert momentum_memory(loss) == 1
    assert momentum_memory(loss, small_logits=10_000, small_memory=3) == 3
    loss = sizes(10_000)
    # (m + 4) arrays of 10000 float64 logits: 400 kB for m = 1, 1.2 MB for m = 11.
    assert auto_solver(loss, logits_bytes=400_000) == "momentum"
    assert auto_solver(loss, logits_bytes=399_999, logits_fraction=0.0) == "bb"
    assert auto_solver(loss, logits_bytes=0, logits_fraction=0.5) == "momentum"  # 800 kB of X
    assert auto_solver(loss, logits_bytes=1_000_000, memory=11) == "bb"
    assert coarse_strides(loss, min_size=0) == [8]  # 1250 >= 20 * 11, 156 < 220
    assert coarse_strides(loss, min_size=0, factor=4) == [16, 4]
    assert coarse_strides(loss, min_size=0, samples_per_coef=1) == [512, 64, 8]


def test_coarse_start_solves_the_given_strides_coarsest_first(capsys):
    X, y = large_binary(n_samples=8000)
    loss = log_loss_of(X, y)
    assert coarse_strides(loss) == []  # too small for the default policy
    start = coarse_start(loss, loss.init_coef(), max_iter=100, verbose=1, strides=[16, 4])
    printed = capsys.readouterr().out.splitlines()
    assert [line.split(" (")[0] for line in printed] == [
        "Coarse problem on every 16th sample",
        "Coarse problem on every 4th sample",
    ]
    # The start is the solution of the last (every 4th sample) problem, from
    # that of the first (every 16th), each with auto_solver's solver.
    options = dict(learning_rate="auto", max_iter=100, tol=1e-4)
    expected = loss.init_coef()
    for stride in (16, 4):
        coarse = loss.subsample(stride)
        assert auto_solver(coarse) == "momentum"
        expected = SOLVERS["momentum"](coarse, expected, **options).coef
    np.testing.assert_allclose(start, expected, rtol=1e-12)


def test_auto_solver_rule():
    X, y = scaled("breast_cancer")
    binary = LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=1e-4, fit_intercept=True)
    assert auto_solver(binary) == "momentum"
    # 20 classes, 5 features, 300000 rows: four arrays of logits would be 16
    # times the size of X (and above 16 MiB), so the memory-light bb.
    X = np.zeros((300_000, 5))
    many = LinearLogLoss(
        X, np.arange(300_000) % 20, np.ones(300_000), n_classes=20, alpha=1e-4, fit_intercept=True
    )
    assert auto_solver(many) == "bb"

    class NoLogitSpace:  # e.g. the Dask loss: objective and gradient only
        supports = frozenset()

    assert auto_solver(NoLogitSpace()) == "agd"


def test_momentum_memory_is_eight_steps_on_small_problems_only():
    X, y = scaled("breast_cancer")  # 569 logits, two classes: the gradient sum instead
    small = LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=1e-4, fit_intercept=True)
    assert momentum_memory(small) == 1
    X, y = scaled("iris")  # 150 samples x 3 classes
    small = LinearLogLoss(X, y, np.ones(len(y)), n_classes=3, alpha=1e-4, fit_intercept=True)
    assert momentum_memory(small) == 8
    X, y = scaled("digits")  # 1797 samples x 10 classes = 17970 logits
    large = LinearLogLoss(X, y, np.ones(len(y)), n_classes=10, alpha=1e-4, fit_intercept=True)
    assert momentum_memory(large) == 1


def test_momentum_gradient_sum_on_binary_problems_of_every_size():
    X, y = large_binary()
    loss = LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=1e-4, fit_intercept=True)
    small = LinearLogLoss(
        X[:500], y[:500], np.ones(500), n_classes=2, alpha=1e-4, fit_intercept=True
    )
    assert momentum_gradient_sum(loss) and momentum_gradient_sum(small)
    X3, y3 = make_classification(n_samples=6000, n_informative=5, n_classes=3, random_state=0)
    three = LinearLogLoss(X3, y3, np.ones(6000), n_classes=3, alpha=1e-4, fit_intercept=True)
    assert not momentum_gradient_sum(three)


def test_coarse_strides_rule():
    X, y = large_binary()
    loss = LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=1e-4, fit_intercept=True)
    # 40000 / 64 = 625 rows >= 20 per coefficient (30); 40000 / 512 = 78 < 600.
    assert coarse_strides(loss) == [64, 8]
    unpenalized = LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=0.0, fit_intercept=True)
    assert coarse_strides(unpenalized) == []  # a subsample's minimizer may not exist
    small = LinearLogLoss(
        X[:2000], y[:2000], np.ones(2000), n_classes=2, alpha=1e-4, fit_intercept=True
    )
    assert coarse_strides(small) == []
    codes = np.arange(len(y)) % 5  # 150 coefficients: only every 8th row qualifies
    many = LinearLogLoss(X, codes, np.ones(len(y)), n_classes=5, alpha=1e-4, fit_intercept=True)
    assert coarse_strides(many) == [8]


def test_subsample_is_the_same_objective_on_every_kth_sample():
    X, y = large_binary(n_samples=4000)
    weight = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    for data in (X, sp.csr_matrix(X)):
        loss = LinearLogLoss(data, y, weight, n_classes=2, alpha=1e-3, fit_intercept=True)
        coarse = loss.subsample(8)
        direct = LinearLogLoss(
            X[::8], y[::8], weight[::8], n_classes=2, alpha=1e-3, fit_intercept=True
        )
        coef = np.random.default_rng(1).standard_normal(loss.coef_shape)
        assert coarse.X.shape == (500, X.shape[1])
        assert sp.issparse(data) or np.shares_memory(coarse.X, X)  # dense: a view
        assert coarse.objective(coef) == pytest.approx(direct.objective(coef), rel=1e-12)
        np.testing.assert_allclose(
            coarse.objective_gradient(coef)[1], direct.objective_gradient(coef)[1], rtol=1e-10
        )
    # A class with no weight among every 8th sample: no coarse problem.
    weight[::8][y[::8] == 1] = 0.0
    loss = LinearLogLoss(X, y, weight, n_classes=2, alpha=1e-3, fit_intercept=True)
    assert loss.subsample(8) is None
    assert loss.subsample(7) is not None


def test_coarse_start_lands_near_the_optimum_and_skips_warm_starts():
    X, y = large_binary()
    loss = LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=1e-4, fit_intercept=True)
    j_star = SOLVERS["momentum"](
        loss, loss.init_coef(), learning_rate="auto", max_iter=1000, tol=1e-12
    ).loss_history[-1]
    start = coarse_start(loss, loss.init_coef(), max_iter=1000)
    j_zero = loss.objective(loss.init_coef())
    # Within 1% of the minimum, from a relative gap of about 0.5 at zero.
    assert (loss.objective(start) - j_star) / j_star < 1e-2 < (j_zero - j_star) / j_star
    warm = np.full(loss.coef_shape, 0.01)
    assert coarse_start(loss, warm, max_iter=1000) is warm
    flat = LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=0.0, fit_intercept=True)
    assert not np.any(coarse_start(flat, flat.init_coef(), max_iter=1000))


def test_auto_starts_from_coarse_problems_and_reaches_the_same_optimum(capsys):
    X, y = large_binary()
    weight = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    params = dict(alpha=1e-4, tol=1e-10, max_iter=1000)
    auto = GDLogisticRegression(**params, verbose=1).fit(X, y, sample_weight=weight)
    printed = capsys.readouterr().out
    assert "Coarse problem on every 64th sample (625 samples" in printed
    assert "Coarse problem on every 8th sample (5000 samples" in printed
    plain = GDLogisticRegression(**params, solver="momentum").fit(X, y, sample_weight=weight)
    assert auto.loss_history_[-1] == pytest.approx(plain.loss_history_[-1], rel=1e-9)
    np.testing.assert_allclose(auto.coef_, plain.coef_, rtol=1e-4, atol=1e-5)
    # The full problem starts near its minimum: fewer iterations on all rows.
    assert auto.loss_history_[0] < 0.9 * plain.loss_history_[0]
    assert auto.n_iter_ < plain.n_iter_
    # A warm start skips the coarse problems (nothing printed for them).
    auto.set_params(warm_start=True).fit(X, y, sample_weight=weight)
    assert "Coarse" not in capsys.readouterr().out


def test_coarse_start_in_float32_and_sparse():
    X, y = large_binary()
    expected = GDLogisticRegression(alpha=1e-4, solver="momentum").fit(X, y)
    for data in (X.astype(np.float32), sp.csr_matrix(X)):
        model = GDLogisticRegression(alpha=1e-4).fit(data, y)
        assert model.coef_.dtype == data.dtype
        np.testing.assert_allclose(model.predict_proba(X), expected.predict_proba(X), atol=1e-3)


def test_default_settings_with_coarse_start_reach_relative_gap_1e_6():
    X, y = large_binary()
    j_star, _ = reference_objective(X, y, 1e-4)
    model = GDLogisticRegression(alpha=1e-4).fit(X, y)
    assert coarse_strides(
        LinearLogLoss(X, y, np.ones(len(y)), n_classes=2, alpha=1e-4, fit_intercept=True)
    )
    assert (model.loss_history_[-1] - j_star) / j_star < 1e-6
