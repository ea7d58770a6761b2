"""The negative log-loss scorer, exact from logits where the model has them.

It sits on top of the estimators (it recognizes :class:`GDLogisticRegression`,
:class:`~sklearn.linear_model.LogisticRegression`,
:class:`~sklearn.linear_model.SGDClassifier`, pipelines and searches) and of
:mod:`sklearn_logloss.metrics`, which imports no estimator. Its public name is
:data:`sklearn_logloss.neg_log_loss_scorer`.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._compat import _BaseScorer
from ._logistic import GDLogisticRegression
from .metrics import _on_host, log_loss, log_loss_from_logits

__all__ = ["neg_log_loss_scorer"]


def _final_estimator(estimator):
    """The estimator that computes the responses of ``estimator``.

    Reaches through a :class:`~sklearn.pipeline.Pipeline` (its last step) and a
    refitted :class:`~sklearn.model_selection.GridSearchCV` or
    :class:`~sklearn.model_selection.RandomizedSearchCV` (its
    ``best_estimator_``), whose ``decision_function`` delegates to it.
    """
    while True:
        if isinstance(estimator, Pipeline):
            estimator = estimator.steps[-1][1]
        elif isinstance(estimator, (GridSearchCV, RandomizedSearchCV)) and hasattr(
            estimator, "best_estimator_"
        ):
            estimator = estimator.best_estimator_
        else:
            return estimator


def _logits_from_decision(estimator):
    """How to turn ``decision_function`` into the logits of ``predict_proba``.

    Returns None when ``decision_function`` does not give those logits (the
    scorer then uses ``predict_proba``), else the factor to multiply it by.
    """
    final = _final_estimator(estimator)
    n_classes = len(getattr(final, "classes_", ()))
    if isinstance(final, GDLogisticRegression):
        return 1.0
    if isinstance(final, LogisticRegression):
        # Mirrors LogisticRegression.predict_proba. scikit-learn < 1.8 has
        # ``multi_class``: "ovr" (or "auto"/"deprecated" with liblinear) fits
        # one-vs-rest models, whose normalized sigmoids are not a softmax; an
        # explicit "multinomial" on two classes gives softmax([-d, d]), that
        # is sigmoid(2 d). Newer versions have no ``multi_class``: sigmoid for
        # two classes, softmax otherwise.
        multi_class = getattr(final, "multi_class", "deprecated")
        ovr = multi_class in ("ovr", "warn") or (
            multi_class in ("auto", "deprecated")
            and (n_classes <= 2 or getattr(final, "solver", None) == "liblinear")
        )
        if ovr:
            return 1.0 if n_classes == 2 else None
        return 2.0 if n_classes == 2 else 1.0
    if isinstance(final, SGDClassifier):
        # Multiclass SGDClassifier is one-vs-rest: not softmax logits.
        return 1.0 if final.loss == "log_loss" and n_classes == 2 else None
    return None


def _check_seen_labels(y_true, classes):
    y_true = np.asarray(y_true)
    unseen = ~np.isin(y_true, classes)
    if np.any(unseen):
        labels = sorted(set(y_true[unseen].tolist()), key=str)
        raise ValueError(
            f"y_true contains label(s) {labels} that the fitted estimator never saw "
            f"in training (its classes_ are {np.asarray(classes).tolist()}): their log loss is "
            "infinite. Use a stratified split, or make sure every class appears in "
            "every training fold."
        )


class _NegLogLossScorer(_BaseScorer):
    """Negative mean log loss, exact from logits where the model has them.

    Labels come from the fitted estimator's ``classes_``, so a test fold
    missing a class is still scored (``sklearn.metrics.log_loss`` would infer
    fewer labels than there are probability columns and fail). Like every
    scikit-learn classifier, the estimator is assumed to order ``classes_``
    (and its ``predict_proba`` columns) sorted. See ``neg_log_loss_scorer``.
    """

    def __init__(self):
        super().__init__(
            score_func=log_loss,
            sign=-1,
            kwargs={},
            response_method=("decision_function", "predict_proba"),
        )

    def __repr__(self):
        return "neg_log_loss_scorer"

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        self._warn_overlap(
            message=(
                "There is an overlap between set kwargs of this scorer instance and "
                "passed metadata. Please pass them either as kwargs to `make_scorer` "
                "or metadata, but not both."
            ),
            kwargs=kwargs,
        )
        # An unfitted estimator: sklearn's response helper would fail on the
        # missing ``classes_`` with an AttributeError.
        check_is_fitted(estimator)
        (y_true,) = _on_host(y_true)  # array API inputs (a GPU, say): scored on the host
        classes = getattr(estimator, "classes_", None)
        if classes is not None and kwargs.get("labels") is None:
            _check_seen_labels(y_true, classes)
            kwargs["labels"] = classes
        scale = _logits_from_decision(estimator)
        if scale is not None:
            logits = method_caller(estimator, "decision_function", X, pos_label=None)
            (logits,) = _on_host(logits)
            loss = log_loss_from_logits(y_true, scale * np.asarray(logits), **kwargs)
        else:
            proba = method_caller(estimator, "predict_proba", X, pos_label=None)
            loss = log_loss(y_true, proba, **kwargs)
        return self._sign * loss


neg_log_loss_scorer = _NegLogLossScorer()
neg_log_loss_scorer.__doc__ = """Scorer: the negative mean log loss, exact from logits.

Use it as ``scoring=neg_log_loss_scorer`` in
:class:`~sklearn.model_selection.GridSearchCV`,
:func:`~sklearn.model_selection.cross_val_score` or
:func:`~sklearn.model_selection.cross_validate` (alone or in a dict of
scorers); call it as ``neg_log_loss_scorer(estimator, X, y)``. Greater is
better, as with scikit-learn's ``"neg_log_loss"``. It differs from that
scorer in two ways:

- **Exact from logits.** When the estimator's ``decision_function`` returns
  the logits of its ``predict_proba`` (:class:`GDLogisticRegression`,
  :class:`~sklearn.linear_model.LogisticRegression`, two-class
  :class:`~sklearn.linear_model.SGDClassifier` with ``loss="log_loss"``;
  also as the last step of a :class:`~sklearn.pipeline.Pipeline` or the
  ``best_estimator_`` of a refitted
  :class:`~sklearn.model_selection.GridSearchCV` /
  :class:`~sklearn.model_selection.RandomizedSearchCV`), those logits are
  scored with :func:`log_loss_from_logits`: no clipping, so a confident
  mistake costs its true loss, not about 36. For any other classifier
  (multiclass ``SGDClassifier`` is one-vs-rest, hence not softmax logits)
  ``predict_proba`` is scored with :func:`log_loss`, giving the value of
  scikit-learn's ``"neg_log_loss"``.
- **Labels from the model.** The labels are the fitted estimator's
  ``classes_`` (reached through pipelines and meta-estimators that expose
  it), not those present in ``y``: a cross-validation test fold that misses
  a class gets its true, finite loss, where scikit-learn's scorer fails and
  reports ``nan``. A test label the estimator never saw in training has an
  infinite loss: the scorer raises a ValueError naming it. An unfitted
  estimator raises :class:`~sklearn.exceptions.NotFittedError`. (The functions
  :func:`log_loss` and :func:`log_loss_from_logits` keep scikit-learn's
  behaviour and infer the labels from ``y_true`` when ``labels`` is None.)

``sample_weight`` is accepted as by scikit-learn's scorers: passed directly,
``neg_log_loss_scorer(estimator, X, y, sample_weight=w)``, or under metadata
routing after ``set_score_request(sample_weight=True)``. That call modifies
the scorer it is called on; request on a copy
(``copy.deepcopy(neg_log_loss_scorer)``) to leave this shared instance as it
is.

Examples
--------
>>> from sklearn.datasets import load_breast_cancer
>>> from sklearn.model_selection import cross_val_score
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from sklearn_logloss import GDLogisticRegression, neg_log_loss_scorer
>>> X, y = load_breast_cancer(return_X_y=True)
>>> model = make_pipeline(StandardScaler(), GDLogisticRegression(alpha=1e-2))
>>> scores = cross_val_score(model, X, y, cv=3, scoring=neg_log_loss_scorer)
>>> bool(-0.2 < scores.mean() < 0)
True
"""

# doctest does not look at instances: run the scorer's Examples explicitly.
__test__ = {"neg_log_loss_scorer": neg_log_loss_scorer.__doc__}
