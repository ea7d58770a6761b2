"""LossCurveDisplay: the Display API over loss_history_ / validation_loss_history_."""

import builtins
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import GDLogisticRegression, LossCurveDisplay

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(scope="module")
def data():
    return load_breast_cancer(return_X_y=True)


@pytest.fixture(scope="module")
def fitted(data):
    return make_pipeline(StandardScaler(), GDLogisticRegression(solver="gd", alpha=0.1)).fit(*data)


@pytest.fixture(scope="module")
def fitted_early_stopping(data):
    model = GDLogisticRegression(early_stopping=True, random_state=0)
    return make_pipeline(StandardScaler(), model).fit(*data)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_training_line_is_the_loss_history(fitted):
    display = LossCurveDisplay.from_estimator(fitted)
    x, y = display.line_.get_data()
    history = fitted[-1].loss_history_
    assert history.shape[0] > 2
    np.testing.assert_array_equal(x, np.arange(history.shape[0]))
    np.testing.assert_array_equal(y, history)
    assert display.validation_line_ is None
    assert display.ax_.get_yscale() == "linear"
    assert display.figure_ is display.ax_.figure
    assert list(display.ax_.lines) == [display.line_]
    assert legend_texts(display.ax_) == ["GDLogisticRegression (training objective)"]


def test_validation_line_when_the_estimator_has_one(fitted_early_stopping):
    model = fitted_early_stopping[-1]
    display = LossCurveDisplay.from_estimator(fitted_early_stopping, name="es")
    x, y = display.validation_line_.get_data()
    np.testing.assert_array_equal(y, model.validation_loss_history_)
    np.testing.assert_array_equal(x, np.arange(model.validation_loss_history_.shape[0]))
    np.testing.assert_array_equal(display.line_.get_ydata(), model.loss_history_)
    assert legend_texts(display.ax_) == ["es (training objective)", "es (validation log loss)"]
    # Same model, same color; dashed so the two curves are told apart.
    assert display.validation_line_.get_color() == display.line_.get_color()
    assert display.validation_line_.get_linestyle() == "--"


def test_no_validation_line_without_validation_history(fitted):
    display = LossCurveDisplay(loss_history=[3.0, 2.0, 1.0]).plot()
    assert display.validation_line_ is None
    assert len(display.ax_.lines) == 1
    # A fit without early stopping has no validation history (even after one with it).
    model = fitted[-1]
    assert not hasattr(model, "validation_loss_history_")
    assert LossCurveDisplay.from_estimator(model).validation_line_ is None


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_validation_history_attribute_is_read_when_present(data):
    # Any fitted estimator carrying validation_loss_history_ gets the second line.
    model = GDLogisticRegression(solver="gd", max_iter=5).fit(
        StandardScaler().fit_transform(data[0]), data[1]
    )
    fake = np.array([0.9, 0.8, 0.75, 0.7, 0.72, 0.71])
    model.validation_loss_history_ = fake
    display = LossCurveDisplay.from_estimator(model)
    np.testing.assert_array_equal(display.validation_line_.get_xdata(), np.arange(6))
    np.testing.assert_array_equal(display.validation_line_.get_ydata(), fake)
    assert len(display.ax_.lines) == 2
    del model.validation_loss_history_
    assert LossCurveDisplay.from_estimator(model).validation_line_ is None


def test_gap_is_distance_to_best_on_log_axis():
    history = np.array([0.7, 0.3, 0.2, 0.2, 0.25])
    display = LossCurveDisplay(loss_history=history).plot(gap=True)
    x, y = display.line_.get_data()
    # The zero gaps (the best value itself) cannot be shown on a log axis.
    np.testing.assert_array_equal(x, [0, 1, 4])
    np.testing.assert_allclose(y, [0.5, 0.1, 0.05])
    assert display.ax_.get_yscale() == "log"


def test_gap_of_each_curve_is_to_its_own_best():
    display = LossCurveDisplay(
        loss_history=[1.0, 0.5, 0.25], validation_loss_history=[2.0, 1.5, 1.75]
    ).plot(gap=True)
    np.testing.assert_allclose(display.line_.get_ydata(), [0.75, 0.25])
    np.testing.assert_array_equal(display.validation_line_.get_xdata(), [0, 2])
    np.testing.assert_allclose(display.validation_line_.get_ydata(), [0.5, 0.25])


def test_gap_from_estimator_matches_the_history(fitted_early_stopping):
    model = fitted_early_stopping[-1]
    display = LossCurveDisplay.from_estimator(fitted_early_stopping, gap=True)
    for line, history in [
        (display.line_, model.loss_history_),
        (display.validation_line_, model.validation_loss_history_),
    ]:
        x, y = line.get_data()
        expected = history - history.min()
        np.testing.assert_array_equal(x, np.flatnonzero(expected > 0))
        np.testing.assert_allclose(y, expected[expected > 0], rtol=1e-15)
        assert np.all(y > 0)


def test_reuses_given_axes_and_compares_models(fitted, data):
    fig, ax = plt.subplots()
    first = LossCurveDisplay.from_estimator(fitted, ax=ax, name="gd")
    other = make_pipeline(StandardScaler(), GDLogisticRegression(solver="agd")).fit(*data)
    second = LossCurveDisplay.from_estimator(other, ax=ax, name="agd")
    assert first.ax_ is ax and second.ax_ is ax and second.figure_ is fig
    assert list(ax.lines) == [first.line_, second.line_]
    assert legend_texts(ax) == ["gd (training objective)", "agd (training objective)"]
    np.testing.assert_array_equal(second.line_.get_ydata(), other[-1].loss_history_)


def test_plot_name_overrides_estimator_name():
    display = LossCurveDisplay(loss_history=[1.0, 0.5], estimator_name="a")
    assert legend_texts(display.plot(name="b").ax_) == ["b (training objective)"]
    assert legend_texts(display.plot().ax_) == ["a (training objective)"]
    unnamed = LossCurveDisplay(loss_history=[1.0, 0.5]).plot()
    assert legend_texts(unnamed.ax_) == ["training objective"]


def test_line_keywords_reach_matplotlib():
    display = LossCurveDisplay(loss_history=[1.0, 0.5], validation_loss_history=[1.2, 0.9])
    display.plot(line_kw={"color": "red", "label": "mine"}, validation_line_kw={"lw": 3})
    assert display.line_.get_color() == "red"
    assert display.line_.get_label() == "mine"
    assert display.validation_line_.get_linewidth() == 3
    assert display.validation_line_.get_color() == "red"


def test_nested_pipeline(data):
    inner = make_pipeline(StandardScaler(), GDLogisticRegression(alpha=1e-2))
    outer = make_pipeline(StandardScaler(), inner).fit(*data)
    display = LossCurveDisplay.from_estimator(outer)
    np.testing.assert_array_equal(display.line_.get_ydata(), inner[-1].loss_history_)


@pytest.mark.parametrize(
    "estimator",
    [GDLogisticRegression(), make_pipeline(StandardScaler(), GDLogisticRegression())],
    ids=["estimator", "pipeline"],
)
def test_unfitted_estimator_raises_not_fitted(estimator):
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(estimator)


def test_estimator_without_loss_history(data):
    model = LogisticRegression(max_iter=5000).fit(*data)
    with pytest.raises(ValueError, match="loss_history_.*LogisticRegression"):
        LossCurveDisplay.from_estimator(model)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"loss_history": [[1.0, 0.5]]}, "loss_history must be a non-empty 1-D array"),
        ({"loss_history": []}, "loss_history must be a non-empty 1-D array"),
        ({"loss_history": [1.0, np.nan]}, "loss_history contains NaN or infinity"),
        ({"loss_history": ["a", "b"]}, "loss_history must be a 1-D array of numbers"),
        ({"loss_history": None}, "loss_history is required"),
        (
            {"loss_history": [1.0], "validation_loss_history": [np.inf]},
            "validation_loss_history contains NaN or infinity",
        ),
    ],
)
def test_bad_histories(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LossCurveDisplay(**kwargs).plot()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"gap": "yes"}, "gap must be a bool"),
        ({"line_kw": "red"}, "line_kw must be a dict"),
        ({"validation_line_kw": 1}, "validation_line_kw must be a dict"),
    ],
)
def test_bad_plot_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LossCurveDisplay(loss_history=[1.0, 0.5]).plot(**kwargs)


def test_bad_name(fitted):
    with pytest.raises(ValueError, match="name must be a str"):
        LossCurveDisplay.from_estimator(fitted, name=3)


@pytest.fixture
def no_matplotlib(monkeypatch):
    real_import = builtins.__import__

    def import_without_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", import_without_matplotlib)


def test_missing_matplotlib_names_the_plot_extra(no_matplotlib):
    with pytest.raises(ImportError, match=r"LossCurveDisplay.plot .*sklearn-logloss\[plot\]"):
        LossCurveDisplay(loss_history=[1.0, 0.5]).plot()


def test_missing_matplotlib_from_estimator(no_matplotlib, fitted):
    with pytest.raises(ImportError, match=r"from_estimator .*sklearn-logloss\[plot\]"):
        LossCurveDisplay.from_estimator(fitted)


def test_importing_the_package_does_not_import_matplotlib():
    code = "import sys, sklearn_logloss; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
