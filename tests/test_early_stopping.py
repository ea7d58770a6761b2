"""early_stopping: held-out validation loss per iteration, best coefficients restored."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklearn_logloss import GDLogisticRegression, log_loss_from_logits


@pytest.fixture
def noisy_wide():
    # More features than the training set can pin down: without a penalty the
    # training loss keeps falling while the validation loss turns up.
    return make_classification(
        400, 200, n_informative=5, flip_y=0.2, n_classes=3, n_clusters_per_class=1, random_state=0
    )


def test_validation_curve_is_the_held_out_log_loss_and_best_is_restored(noisy_wide):
    X, y = noisy_wide
    model = GDLogisticRegression(
        alpha=0.0, early_stopping=True, validation_fraction=0.2, random_state=3, max_iter=3000
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y)
    history = model.validation_loss_history_
    assert history.shape == model.loss_history_.shape == (model.n_iter_ + 1,)
    # Stopped because the validation loss stalled, long before max_iter.
    assert model.n_iter_ - model.best_iteration_ == model.n_iter_no_change
    assert model.best_iteration_ == int(np.argmin(history))
    assert history[-1] > history[model.best_iteration_]
    # The same stratified split by hand: the restored model's held-out loss is
    # the best entry of the curve.
    _, X_val, _, y_val = train_test_split(X, y, test_size=0.2, stratify=y, random_state=3)
    held_out = log_loss_from_logits(y_val, model.decision_function(X_val), labels=model.classes_)
    assert held_out == pytest.approx(history[model.best_iteration_], rel=1e-10)
    # and the training objective kept falling after the best iteration
    assert model.loss_history_[-1] < model.loss_history_[model.best_iteration_]


def test_early_stopping_converged_run_keeps_the_full_curve():
    X, y = make_classification(300, 5, random_state=0)
    model = GDLogisticRegression(alpha=1e-1, early_stopping=True, random_state=0).fit(X, y)
    assert model.validation_loss_history_.shape == (model.n_iter_ + 1,)
    assert np.all(np.isfinite(model.validation_loss_history_))


def test_no_validation_attributes_without_early_stopping(noisy_wide):
    X, y = noisy_wide
    model = GDLogisticRegression(early_stopping=True, random_state=0, max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        model.set_params(early_stopping=False).fit(X, y)
    assert not hasattr(model, "validation_loss_history_")
    assert not hasattr(model, "best_iteration_")


@pytest.mark.parametrize(
    "params, match",
    [
        ({"validation_fraction": 0.0}, "validation_fraction"),
        ({"validation_fraction": 1.5}, "validation_fraction"),
        ({"n_iter_no_change": 0}, "n_iter_no_change"),
        ({"early_stopping": "yes"}, "early_stopping"),
    ],
)
def test_early_stopping_parameter_errors(params, match):
    X, y = make_classification(50, 3, n_informative=2, n_redundant=0, random_state=0)
    with pytest.raises(ValueError, match=match):
        GDLogisticRegression(**params).fit(X, y)


def test_early_stopping_with_dask_is_refused():
    da = pytest.importorskip("dask.array")
    X, y = make_classification(50, 3, n_informative=2, n_redundant=0, random_state=0)
    with pytest.raises(ValueError, match="early_stopping=True is not supported for Dask"):
        GDLogisticRegression(early_stopping=True).fit(da.from_array(X), da.from_array(y))
