"""scikit-learn's callbacks (``sklearn.callback``, scikit-learn >= 1.9) on GDLogisticRegression."""

import warnings
from itertools import pairwise

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import GDLogisticRegression
from sklearn_logloss._callbacks import HAS_CALLBACKS, with_callbacks

requires_callbacks = pytest.mark.skipif(
    not HAS_CALLBACKS, reason="sklearn.callback needs scikit-learn >= 1.9"
)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=300, n_features=6, random_state=0)
    return StandardScaler().fit_transform(X), y


class Recorder:
    """An auto-propagated callback that records the tasks it sees, and may stop a level."""

    max_propagation_depth = None

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.begun, self.ended, self.setups, self.teardowns = [], [], 0, 0
        self.parents = []  # the task name of each begun task's parent

    def setup(self, estimator, context):
        self.setups += 1

    def teardown(self, estimator, context):
        self.teardowns += 1

    def on_fit_task_begin(self, estimator, context):
        self.begun.append((context.estimator_name, context.task_name))
        self.parents.append(None if context.parent is None else context.parent.task_name)

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.ended.append((context.estimator_name, context.task_name, fitted_estimator))
        if self.stop_after is None or context.task_name != "iteration":
            return False
        done = sum(1 for _, name, fitted in self.ended if name == "iteration" and fitted)
        return done >= self.stop_after

    def iterations(self):
        """Coefficients of the ended iterations that ran (not the closing empty one)."""
        return [fitted.coef_ for _, name, fitted in self.ended if name == "iteration" and fitted]


def _fit_quietly(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def test_no_callbacks_before_scikit_learn_1_9(data):
    """scikit-learn < 1.9: no set_callbacks, and the fit is as before; >= 1.9: set_callbacks."""
    X, y = data
    clf = GDLogisticRegression(alpha=1e-3).fit(X, y)
    assert clf.score(X, y) > 0.8
    assert not any(name.startswith("_callback") for name in vars(clf))
    method = GDLogisticRegression.fit
    if HAS_CALLBACKS:
        assert hasattr(clf, "set_callbacks")
        assert with_callbacks(method) is not method
    else:
        assert not hasattr(clf, "set_callbacks")
        assert with_callbacks(method) is method


@requires_callbacks
def test_callbacks_do_not_change_the_fit(data):
    X, y = data
    plain = GDLogisticRegression(alpha=1e-3).fit(X, y)
    recorder = Recorder()
    watched = GDLogisticRegression(alpha=1e-3).set_callbacks(recorder).fit(X, y)
    np.testing.assert_array_equal(watched.coef_, plain.coef_)
    np.testing.assert_array_equal(watched.loss_history_, plain.loss_history_)
    assert (recorder.setups, recorder.teardowns) == (1, 1)
    assert not any(name.startswith("_callback") for name in vars(watched))


@requires_callbacks
def test_one_task_per_fit_one_subtask_per_iteration(data):
    X, y = data
    recorder = Recorder()
    clf = GDLogisticRegression(alpha=1e-3, solver="gd").set_callbacks(recorder).fit(X, y)
    names = [name for _, name in recorder.begun]
    assert names[0] == "fit" and names.count("fit") == 1
    # One subtask per iteration, and one begun for the iteration that did not run.
    assert names.count("iteration") == clf.n_iter_ + 1
    assert recorder.ended[-1][1] == "fit"
    assert len(recorder.iterations()) == clf.n_iter_
    # The coefficients an iteration reports are those a fit stopped there returns.
    for k in (1, clf.n_iter_ // 2):
        short = _fit_quietly(GDLogisticRegression(alpha=1e-3, solver="gd", max_iter=k), X, y)
        np.testing.assert_allclose(recorder.iterations()[k - 1], short.coef_, rtol=1e-12)


@requires_callbacks
def test_progress_bar_runs_over_the_iterations(data, capsys):
    from sklearn.callback import ProgressBar

    pytest.importorskip("rich")  # ProgressBar's own requirement (the test extra has it)
    X, y = data
    recorder = Recorder()
    clf = GDLogisticRegression(alpha=1e-3).set_callbacks(ProgressBar(), recorder).fit(X, y)
    out = capsys.readouterr().out
    assert "GDLogisticRegression - fit" in out
    assert "100%" in out
    assert len(recorder.iterations()) == clf.n_iter_ > 1


@requires_callbacks
def test_scoring_monitor_logs_a_score_per_iteration(data):
    from sklearn.callback import ScoringMonitor

    X, y = data
    monitor = ScoringMonitor(scoring="neg_log_loss")
    clf = GDLogisticRegression(alpha=1e-3, solver="agd").set_callbacks(monitor).fit(X, y)
    rows = [row for row in monitor.get_logs().data if row["task_name"] == "iteration"]
    assert len(rows) == clf.n_iter_ > 2
    # The score of iteration k is that of the fit stopped at max_iter=k (the last
    # iterate; a converged fit may return the stopping rule's certified point instead).
    for k in (1, 2):
        short = _fit_quietly(GDLogisticRegression(alpha=1e-3, solver="agd", max_iter=k), X, y)
        expected = -log_loss(y, short.predict_proba(X))
        assert rows[k - 1]["neg_log_loss"] == pytest.approx(expected, rel=1e-10)
    (fit_row,) = [row for row in monitor.get_logs().data if row["task_name"] == "fit"]
    assert fit_row["neg_log_loss"] == pytest.approx(-log_loss(y, clf.predict_proba(X)))


@requires_callbacks
@pytest.mark.parametrize("solver", ["gd", "agd", "bb", "momentum", "auto"])
def test_a_callback_stops_the_fit(data, solver):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = GDLogisticRegression(alpha=1e-4, solver=solver, tol=0.0)
        clf.set_callbacks(Recorder(stop_after=3)).fit(X, y)
    assert clf.n_iter_ == 3
    assert clf.loss_history_.shape == (4,)
    short = _fit_quietly(GDLogisticRegression(alpha=1e-4, solver=solver, max_iter=3), X, y)
    np.testing.assert_allclose(clf.coef_, short.coef_, rtol=1e-12)


@requires_callbacks
def test_early_stopping_with_callbacks(data):
    from sklearn.callback import ScoringMonitor

    X, y = data
    params = dict(alpha=1e-6, solver="gd", early_stopping=True, n_iter_no_change=3, random_state=0)
    plain = GDLogisticRegression(**params).fit(X, y)
    monitor = ScoringMonitor(scoring="accuracy")
    clf = GDLogisticRegression(**params).set_callbacks(monitor).fit(X, y)
    np.testing.assert_array_equal(clf.validation_loss_history_, plain.validation_loss_history_)
    assert clf.best_iteration_ == plain.best_iteration_
    rows = [row for row in monitor.get_logs().data if row["task_name"] == "iteration"]
    assert len(rows) == clf.n_iter_

    recorder = Recorder(stop_after=2)
    stopped = GDLogisticRegression(**{**params, "n_iter_no_change": 50}).set_callbacks(recorder)
    stopped.fit(X, y)
    assert stopped.n_iter_ == 2 and stopped.validation_loss_history_.shape == (3,)


@requires_callbacks
def test_coarse_problems_report_their_subtasks():
    X, y = make_classification(n_samples=60_000, n_features=20, random_state=0)
    recorder = Recorder()
    clf = GDLogisticRegression(alpha=1e-3).set_callbacks(recorder).fit(X, y)
    names = [name for _, name in recorder.begun]
    coarse = [name for name in names if name.startswith("coarse problem")]
    assert coarse == ["coarse problem (every 64th sample)", "coarse problem (every 8th sample)"]
    assert [recorder.parents[names.index(name)] for name in coarse] == ["fit", "fit"]
    # Each coarse problem reports its iterations, all before those of the full problem.
    for name in coarse:
        assert recorder.parents.count(name) >= 2
    full = [i for i, parent in enumerate(recorder.parents) if parent == "fit"]
    iterations = [i for i in full if names[i] == "iteration"]
    assert len(iterations) == clf.n_iter_ + 1
    assert min(iterations) > max(i for i, p in enumerate(recorder.parents) if p in coarse)


@requires_callbacks
def test_pipeline_propagates_callbacks(data):
    from sklearn.callback import ScoringMonitor

    X, y = data
    recorder = Recorder()
    monitor = ScoringMonitor(scoring="neg_log_loss")
    clf = GDLogisticRegression(alpha=1e-3).set_callbacks(monitor)
    pipe = make_pipeline(StandardScaler(), clf).set_callbacks(recorder).fit(X, y)
    gd_iterations = [name for est, name in recorder.begun if est == "GDLogisticRegression"]
    assert gd_iterations.count("iteration") == pipe[-1].n_iter_ + 1
    rows = [row for row in monitor.get_logs().data if row["task_name"] == "iteration"]
    assert len(rows) == pipe[-1].n_iter_
    assert monitor.get_logs().estimator_name == "Pipeline"


@requires_callbacks
def test_grid_search_propagates_callbacks(data, capsys):
    from sklearn.callback import ProgressBar

    pytest.importorskip("rich")
    X, y = data
    recorder = Recorder()
    search = GridSearchCV(GDLogisticRegression(), {"alpha": [1e-3, 1e-1]}, cv=2)
    search.set_callbacks(recorder, ProgressBar()).fit(X, y)
    names = [name for est, name in recorder.begun if est == "GDLogisticRegression"]
    # 2 candidates x 2 folds, then the refit: five fits, each with its iterations.
    assert names.count("fit") == 5
    starts = [i for i, name in enumerate(names) if name == "fit"] + [len(names)]
    per_fit = [names[a + 1 : b].count("iteration") for a, b in pairwise(starts)]
    assert min(per_fit) >= 2
    assert per_fit[-1] == search.best_estimator_.n_iter_ + 1
    assert (recorder.setups, recorder.teardowns) == (1, 1)
    out = capsys.readouterr().out
    assert "GridSearchCV - fit" in out and "GDLogisticRegression - fit" in out


@requires_callbacks
def test_partial_fit_reports_one_task_per_call(data):
    from sklearn.callback import ScoringMonitor

    X, y = data
    monitor = ScoringMonitor(scoring="neg_log_loss")
    clf = GDLogisticRegression(alpha=1e-3).set_callbacks(monitor)
    twin = GDLogisticRegression(alpha=1e-3)
    expected = []
    for chunk in np.array_split(np.arange(len(y)), 3):
        clf.partial_fit(X[chunk], y[chunk], classes=[0, 1])
        twin.partial_fit(X[chunk], y[chunk], classes=[0, 1])
        expected.append(-log_loss(y[chunk], twin.predict_proba(X[chunk])))
    runs = monitor.get_logs(select="all")
    assert len(runs) == 3
    assert [run.data[0]["task_name"] for run in runs] == ["partial_fit"] * 3
    scores = [run.data[0]["neg_log_loss"] for run in runs]
    np.testing.assert_allclose(scores, expected, rtol=1e-12)
