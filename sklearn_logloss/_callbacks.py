"""scikit-learn's callbacks (:mod:`sklearn.callback`, scikit-learn >= 1.9) on the estimator.

The only module of the package that touches ``sklearn.callback``. With
scikit-learn 1.9 or later, :class:`CallbackSupport` is scikit-learn's
``CallbackSupportMixin`` (``set_callbacks``) and a fit reports its tasks the
way :class:`~sklearn.linear_model.LogisticRegression` does:

- one task per ``fit`` (``"fit"``); under it, one subtask per coarse problem
  of ``solver="auto"`` (``"coarse problem (every 8th sample)"``, each with a
  subtask per iteration), then one subtask per iteration of the solver
  (``"iteration"``), plus, as with lbfgs, an empty last one that closes the
  run (the iteration that did not run);
- one task per ``partial_fit`` call (``"partial_fit"``, a leaf).

An iteration's ``on_fit_task_end`` gets the training data, the sample weights
as metadata, and a ``fitted_estimator`` holding that iteration's
coefficients; when a callback returns True the current level of iterations
stops: the solver's run (the fit then ends like early stopping, without a
ConvergenceWarning) or the coarse problem. The protocol's hooks carry data,
not values: early stopping's validation loss stays in
``validation_loss_history_``.

With scikit-learn < 1.9 there is nothing to report: :class:`CallbackSupport`
is an empty class, :func:`with_callbacks` returns the method itself and
:func:`fit_progress` / :func:`partial_fit_task` return None.
"""

import contextlib
import copy

import numpy as np

try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # scikit-learn < 1.9: no callbacks, nothing to report
    HAS_CALLBACKS = False

    class CallbackSupportMixin:
        """No callbacks before scikit-learn 1.9: nothing to add."""

    def with_callbacks(method):
        """The method itself: no callbacks to set up or tear down."""
        return method

else:
    HAS_CALLBACKS = True

__all__ = [
    "HAS_CALLBACKS",
    "CallbackSupport",
    "FitProgress",
    "combine",
    "fit_progress",
    "partial_fit_task",
    "with_callbacks",
]


class CallbackSupport(CallbackSupportMixin):
    """``set_callbacks`` with scikit-learn >= 1.9 (``CallbackSupportMixin``); empty before."""


def _metadata(sample_weight):
    return None if sample_weight is None else {"sample_weight": sample_weight}


def _has_callbacks(estimator):
    return bool(getattr(estimator, "_skl_callbacks", None))


def fit_progress(estimator, X, y, sample_weight, classes, loss, max_iter):
    """The :class:`FitProgress` of a fit; None with scikit-learn < 1.9, or with no
    callback to call (none set on the estimator, none propagated by a meta-estimator)."""
    if not HAS_CALLBACKS or not (
        _has_callbacks(estimator) or hasattr(estimator, "_parent_callback_ctx")
    ):
        return None
    return FitProgress(estimator, X, y, sample_weight, classes, loss, max_iter)


def partial_fit_task(estimator, X, y, sample_weight):
    """Begin the task of a ``partial_fit`` call; its ``end`` ends it (None before 1.9)."""
    if not HAS_CALLBACKS:
        return None
    return _LeafTask(estimator, X, y, sample_weight)


class _LeafTask:
    def __init__(self, estimator, X, y, sample_weight):
        self.estimator, self.X, self.y = estimator, X, y
        self.metadata = _metadata(sample_weight)
        self.ctx = estimator._init_callback_context(task_name="partial_fit")
        self.ctx.call_on_fit_task_begin(estimator=estimator, X=X, y=y, metadata=self.metadata)

    def end(self):
        """End the task; the estimator is updated (its ``fitted_estimator`` is itself)."""
        self.ctx.call_on_fit_task_end(
            estimator=self.estimator,
            X=self.X,
            y=self.y,
            metadata=self.metadata,
            reconstruction_attributes={},
        )


class FitProgress:
    """The callback tasks of one ``fit``.

    :class:`~._solvers._fit.FitPlan` calls :meth:`start` once it knows how
    many coarse problems it solves, :func:`~._solvers._policy.coarse_start`
    enters :meth:`coarse` around each, the estimator passes
    :meth:`iterations` to the solver's run and calls :meth:`end` when its
    fitted attributes are stored.

    Parameters
    ----------
    estimator : GDLogisticRegression
    X, y, sample_weight : the arguments of ``fit``, handed to the hooks.
    classes : ndarray
        The classes of the fit (``classes_`` of a ``fitted_estimator``).
    loss : object
        The loss of the fit (its layout of the coefficients).
    max_iter : int
        The most iterations of each run.
    """

    def __init__(self, estimator, X, y, sample_weight, classes, loss, max_iter):
        self.estimator, self.X, self.y = estimator, X, y
        self.metadata = _metadata(sample_weight)
        self.classes, self.loss, self.max_iter = classes, loss, max_iter
        self.ctx = None
        self._run = None

    def _hook_args(self):
        return {"estimator": self.estimator, "X": self.X, "y": self.y, "metadata": self.metadata}

    def attributes(self, coef):
        """The fitted attributes of the coefficients ``coef`` (the solver's layout)."""
        holder = copy.copy(self.estimator)
        holder._store_coef(coef, self.loss)
        return {"coef_": holder.coef_, "intercept_": holder.intercept_, "classes_": self.classes}

    def start(self, n_coarse, to_coef):
        """Begin the fit's task: ``n_coarse`` coarse problems, then the solver's run.

        ``to_coef`` maps the coarse problems' coefficients to the user's.
        """
        self.to_coef = to_coef
        self.ctx = self.estimator._init_callback_context(
            task_name="fit", max_subtasks=n_coarse + self.max_iter + 1
        )
        self.ctx.call_on_fit_task_begin(**self._hook_args())

    def coarse(self, stride, coef):
        """Context manager of the subtask of a coarse problem started at ``coef``.

        Yields the solver callback of its iterations (None without callbacks).
        """
        if not _has_callbacks(self.estimator):
            return contextlib.nullcontext()
        return self._coarse(stride, coef)

    @contextlib.contextmanager
    def _coarse(self, stride, coef):
        ctx = self.ctx.subcontext(
            task_name=f"coarse problem (every {stride}th sample)", max_subtasks=self.max_iter + 1
        )
        ctx.call_on_fit_task_begin(**self._hook_args())
        iterations = _Iterations(self, ctx, self.to_coef(coef), self.to_coef)
        try:
            yield iterations
        finally:
            iterations.close()
            ctx.call_on_fit_task_end(
                **self._hook_args(),
                reconstruction_attributes=lambda: self.attributes(iterations.last),
            )

    def iterations(self, coef):
        """The solver callback of the run from ``coef`` (user's coordinates), or None."""
        if not _has_callbacks(self.estimator):
            return None
        self._run = _Iterations(self, self.ctx, coef, lambda coef: coef)
        return self._run

    def end(self):
        """End the fit's task (the estimator holds its fitted attributes)."""
        if self._run is not None:
            self._run.close()
        self.ctx.call_on_fit_task_end(**self._hook_args(), reconstruction_attributes={})


class _Iterations:
    """Solver callback: a leaf subtask of ``parent`` per iteration, as lbfgs reports them.

    The subtask of an iteration begins before it (at the previous
    coefficients) and ends after it; :meth:`close` ends the last one, begun
    for an iteration that did not run, with no data.
    """

    def __init__(self, progress, parent, coef, to_coef):
        self.progress, self.parent, self.to_coef = progress, parent, to_coef
        self.last = np.array(coef, copy=True)
        self.ctx = self._begin()

    def _begin(self):
        ctx = self.parent.subcontext(task_name="iteration")
        coef = self.last
        ctx.call_on_fit_task_begin(
            **self.progress._hook_args(),
            reconstruction_attributes=lambda: self.progress.attributes(coef),
        )
        return ctx

    def on_iteration(self, info):
        """End the iteration's subtask, begin the next; True when a callback asks to stop."""
        coef = self.last = np.array(self.to_coef(info.coef), copy=True)
        stop = self.ctx.call_on_fit_task_end(
            **self.progress._hook_args(),
            reconstruction_attributes=lambda: self.progress.attributes(coef),
        )
        self.ctx = self._begin()
        return stop

    def close(self):
        """End the last subtask (an iteration that did not run)."""
        if self.ctx is not None:
            self.ctx.call_on_fit_task_end(estimator=self.progress.estimator)
            self.ctx = None


class _Both:
    """Two solver callbacks as one: both see every iteration; either may stop."""

    def __init__(self, first, second):
        self.first, self.second = first, second

    def on_iteration(self, info):
        stop_first = self.first(info.coef)
        return bool(self.second.on_iteration(info)) or bool(stop_first)


def combine(monitor, iterations):
    """The solver callback of early stopping's ``monitor`` and the callbacks' ``iterations``."""
    if iterations is None:
        return monitor
    if monitor is None:
        return iterations
    return _Both(monitor, iterations)
