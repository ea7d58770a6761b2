"""LossCurveDisplay: the Display API over loss_history_ / validation_loss_history_."""

import builtins

import matplotlib
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import GDLogisticRegression, LossCurveDisplay

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture
def fitted():
    X, y = load_breast_cancer(return_X_y=True)
    return make_pipeline(StandardScaler(), GDLogisticRegression(solver="gd")).fit(X, y)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_training_line_is_the_loss_history(fitted):
    display = LossCurveDisplay.from_estimator(fitted)
    x, y = display.line_.get_data()
    history = fitted[-1].loss_history_
    np.testing.assert_array_equal(x, np.arange(history.shape[0]))
    np.testing.assert_array_equal(y, history)
    assert display.validation_line_ is None
    assert display.ax_.get_yscale() == "linear"
    assert display.figure_ is display.ax_.figure
    labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert labels == ["GDLogisticRegression (training objective)"]


def test_validation_line_when_the_estimator_has_one():
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(
        StandardScaler(), GDLogisticRegression(early_stopping=True, random_state=0)
    ).fit(X, y)
    display = LossCurveDisplay.from_estimator(model, name="es")
    np.testing.assert_array_equal(
        display.validation_line_.get_ydata(), model[-1].validation_loss_history_
    )
    labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert labels == ["es (training objective)", "es (validation log loss)"]


def test_gap_is_distance_to_best_on_log_axis():
    history = np.array([0.7, 0.3, 0.2, 0.2, 0.25])
    display = LossCurveDisplay(loss_history=history).plot(gap=True)
    x, y = display.line_.get_data()
    # The zero gaps (the best value itself) cannot be shown on a log axis.
    np.testing.assert_array_equal(x, [0, 1, 4])
    np.testing.assert_allclose(y, [0.5, 0.1, 0.05])
    assert display.ax_.get_yscale() == "log"


def test_reuses_given_axes(fitted):
    fig, ax = plt.subplots()
    display = LossCurveDisplay.from_estimator(fitted, ax=ax)
    assert display.ax_ is ax and display.figure_ is fig


def test_unfitted_estimator_raises_not_fitted():
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(GDLogisticRegression())


def test_missing_matplotlib_names_the_plot_extra(monkeypatch):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ImportError, match=r"sklearn-logloss\[plot\]"):
        LossCurveDisplay(loss_history=[1.0, 0.5]).plot()
