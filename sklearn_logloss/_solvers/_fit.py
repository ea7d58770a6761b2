"""One fit, prepared: the solver, its metric, its start; results in the user's coordinates.

The estimator asks for a :class:`FitPlan` and runs it; everything between
the loss and a solver's result that depends on the policy lives here:
``solver="auto"`` (:func:`~._policy.auto_solver`), the fixed metric of the
steps (:func:`~._policy.metric_kind`, :mod:`~.._loss._precondition`) and the
coarse start (:func:`~._policy.coarse_start`).
"""

import dataclasses
import math

import numpy as np

from .._loss._class_metric import class_block_work, has_class_blocks
from .._loss._precondition import PreconditionedLoss, make_metric
from ._policy import auto_solver, coarse_start, coarse_strides, metric_kind
from ._stopping import (
    HESSIAN_FREE_WORK,
    HESSIAN_SIZE,
    gradient_work,
    hessian_size,
    hessian_work,
)

#: Iterations in the curvature bound's metric before a fit whose Hessian is
#: cheap moves, once, to the metric of the Hessian at the point reached (see
#: :meth:`FitPlan.run`); a costlier Hessian waits until the iterations have
#: cost as much. A softmax whose coupled Hessian is costly moves to the
#: metric of its class blocks instead (:mod:`~.._loss._class_metric`).
WARM_ITERATIONS = 5
#: A fit whose two-class Hessian costs about a gradient moves to the Hessian
#: once more where its estimated gap is NEAR_GAP * sqrt(tol), if its steps
#: would need MOVE_ITERATIONS or more to reach tol (see :class:`_MetricMoves`).
NEAR_GAP = 0.1
MOVE_ITERATIONS = 2

__all__ = ["FitPlan", "metric_kind"]


#: The Hessian's metric may keep at most this share of the data's bytes (a
#: large dense fit keeps its peak extra memory within a quarter of X) ...
METRIC_MEMORY = 0.08
#: ... or this many bytes, whatever the data.
SMALL_METRIC_BYTES = 4 << 20


def _metric_bytes(loss, blocks=False):
    """Bytes of the Hessian's metric: one matrix over a class (two classes) or all.

    With ``blocks``, of the class blocks' metric: three matrices per class.
    """
    n_coef = loss.n_features + loss.fit_intercept
    if blocks:
        return 8.0 * 3 * loss.n_outputs * n_coef * n_coef
    size = n_coef * (1 if loss.n_outputs == 1 else loss.n_outputs)
    return 8.0 * size * size * (1 if loss.n_outputs > 1 else 2)


class _InUserCoordinates:
    """A solver callback that sees coefficients ``w``, not the solver's ``u``."""

    def __init__(self, callback, to_coef):
        self.callback, self.to_coef = callback, to_coef
        self.on_iteration_of = getattr(callback, "on_iteration", None)

    def on_iteration(self, info):
        coef = self.to_coef(info.coef)
        if self.on_iteration_of is not None:
            return self.on_iteration_of(dataclasses.replace(info, coef=coef))
        return self.callback(coef)


class FitPlan:
    """A solver run prepared for ``loss`` from the coefficients ``coef``.

    Parameters
    ----------
    loss : object
        The objective (the loss contract).
    coef : ndarray of shape ``loss.coef_shape``
        The starting coefficients.
    solver : str
        A name of :data:`~.SOLVERS`, or ``"auto"`` (which also solves coarse
        problems first, see :func:`~._policy.coarse_start`).
    learning_rate : float or "auto"
    max_iter : int
    verbose : int, default=0
    progress : object, default=None
        Told the number of coarse problems (``progress.start(n, to_coef)``)
        and passed to :func:`~._policy.coarse_start` (the callbacks of
        scikit-learn, :class:`~..._callbacks.FitProgress`).

    Attributes
    ----------
    solver : str
        The solver that runs (``"auto"`` resolved).
    metric : object or None
        The fixed metric of the steps (:mod:`~.._loss._precondition`).
    start : ndarray
        The start in the user's coordinates (after the coarse problems).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn_logloss._loss import make_loss
    >>> from sklearn_logloss._solvers._fit import FitPlan
    >>> X, y = load_breast_cancer(return_X_y=True)  # unscaled
    >>> loss = make_loss(X, y, np.ones(len(y)), n_classes=2, alpha=1e-4, fit_intercept=True)
    >>> plan = FitPlan(loss, loss.init_coef(), solver="auto", learning_rate="auto", max_iter=1000)
    >>> result = plan.run(tol=1e-6)
    >>> plan.solver, result.converged, bool(result.gap_estimate <= 1e-6)
    ('momentum', True, True)
    """

    def __init__(self, loss, coef, *, solver, learning_rate, max_iter, verbose=0, progress=None):
        self.loss, self.learning_rate = loss, learning_rate
        self.max_iter, self.verbose = max_iter, verbose
        self.solver = auto_solver(loss) if solver == "auto" else solver
        kind = metric_kind(loss, self.solver, learning_rate)
        self.metric = None if kind is None else make_metric(loss, kind)
        self._problem = loss if kind is None else PreconditionedLoss(loss, self.metric)
        start = self._from_coef(coef)
        strides = coarse_strides(self._problem) if solver == "auto" and not np.any(start) else []
        # Near the optimum the Hessian is a far better metric than the bound
        # (not without a penalty: separable data have no optimum to be near).
        # The fit moves to it after WARM_ITERATIONS where it is cheap, else
        # once the iterations have cost as much as it (the softmax's coupled
        # metric: "momentum" and "bb", whose steps need no bound below 2 / L).
        self._warm = None
        hessian_metric = (
            kind == "gram"
            and loss.alpha > 0
            and "hessian" in loss.supports
            and hessian_size(loss) <= HESSIAN_SIZE
            and (loss.n_outputs == 1 or self.solver in ("momentum", "bb"))
            and _metric_bytes(loss) <= max(METRIC_MEMORY * loss.data_nbytes, SMALL_METRIC_BYTES)
        )
        # The softmax's coupled Hessian costs K (K + 1) / 2 Gram matrices; its
        # class blocks, K: where the coupled one is costly, the fit moves to
        # the blocks' metric instead (dense NumPy data).
        class_blocks = (
            kind == "gram"
            and loss.alpha > 0
            and self.solver in ("momentum", "bb")
            and has_class_blocks(loss)
            and _metric_bytes(loss, blocks=True)
            <= max(METRIC_MEMORY * loss.data_nbytes, SMALL_METRIC_BYTES)
        )
        self._move = "hessian"
        if not strides and (hessian_metric or class_blocks):
            cost = hessian_work(loss) if hessian_metric else math.inf
            if cost > HESSIAN_FREE_WORK and class_blocks:
                self._move, cost = "class_blocks", class_block_work(loss)
            self._warm = WARM_ITERATIONS
            if cost > HESSIAN_FREE_WORK:
                self._warm = max(WARM_ITERATIONS, math.ceil(cost / gradient_work(loss)))
        if progress is not None:
            progress.start(len(strides), self._to_coef)
        self._calibration = 1.0
        if strides:
            coarse = []
            start = coarse_start(
                self._problem,
                start,
                max_iter=max_iter,
                verbose=verbose,
                strides=strides,
                progress=progress,
                results=coarse,
            )
            if coarse:
                # The full run steps in the same metric (unless it moves to the
                # Hessian's below): its checks start where the coarse ones ended.
                self._calibration = coarse[-1].calibration
            finest = loss.subsample(strides[-1]) if hessian_metric else None
            if finest is not None:
                # The coarse solution is near the optimum: the Hessian there,
                # on the finest coarse problem's rows (a fraction of the cost
                # on all rows, and as good a metric), is the full run's metric.
                w = self._to_coef(start)
                try:
                    self.metric = make_metric(finest, "hessian", coef=w)
                    self._problem = PreconditionedLoss(loss, self.metric)
                    start = self._from_coef(w)
                    self._calibration = 1.0  # another metric, another certificate
                except np.linalg.LinAlgError:  # a singular Hessian: keep the bound's metric
                    pass
        self._start = start
        self.start = self._to_coef(start)

    def _from_coef(self, coef):
        if self.metric is None:
            return coef
        return self.metric.from_coef(coef).astype(self.loss.dtype)

    def _to_coef(self, u):
        if self.metric is None:
            return u
        return self.metric.to_coef(u).astype(self.loss.dtype)

    def run(self, *, tol, callback=None):
        """Run the solver; its :class:`~._driver.SolverResult`, ``coef`` in the user's coordinates.

        ``callback`` is called with the user's coefficients (see
        :class:`~._driver.Solver`).
        """
        if self._warm is None or self.max_iter <= self._warm:
            return self._solve(self._start, self.max_iter, tol, callback, 0, self._calibration)
        # Steps in the bound's metric, then the metric of the Hessian at the
        # point reached (twice, see _MetricMoves): every update stays a
        # gradient step in a fixed metric, which changes once or twice.
        moves = _MetricMoves(self, tol)
        return self._solve(self._start, self.max_iter, tol, callback, moves=moves)

    def _near_gap(self, tol):
        """The estimated gap at which the fit moves to the Hessian a second time, or None.

        Two classes, where the Hessian costs about a gradient
        (:data:`~._stopping.HESSIAN_FREE_WORK`), with ``"momentum"``, which
        carries its state over a move (the others start afresh: their step
        sizes anew): ``NEAR_GAP sqrt(tol)``, unless that is within a decade
        of ``tol``.
        """
        near = NEAR_GAP * math.sqrt(tol)
        cheap = hessian_work(self.loss) <= HESSIAN_FREE_WORK
        if self._move != "hessian" or self.loss.n_outputs > 1 or not cheap or near <= 10 * tol:
            return None
        return near if self.solver == "momentum" else None

    def _solve(self, start, max_iter, tol, callback, offset=0, calibration=1.0, moves=None):
        from . import SOLVERS  # the registry imports this module's neighbours

        if callback is not None and self.metric is not None:
            callback = _InUserCoordinates(callback, self._to_coef)
        result = SOLVERS[self.solver](
            self._problem,
            start,
            learning_rate=self.learning_rate,
            max_iter=max_iter,
            tol=tol,
            verbose=self.verbose,
            callback=callback,
            offset=offset,
            calibration=calibration,
            moves=moves,
        )
        result.coef = np.asarray(self._to_coef(result.coef))
        return result


class _MetricMoves:
    """When and where a fit's metric moves (the driver's ``moves``, see :class:`~._driver.Solver`).

    After ``plan._warm`` iterations, to the metric of ``plan._move`` (the
    Hessian's, or the softmax's class blocks') at the point reached. Then,
    where :meth:`FitPlan._near_gap` gives a gap, once more to the Hessian's
    (its bound made exact, checked first by the stopping rule: see
    :class:`~.._loss._curvature.HessianReference`), where the estimate ``e =
    ||g||^2 / (2 |J|)`` is at most that gap (``||g||`` in the Hessian's
    metric: ``e`` is about the gap) and the steps would still need
    :data:`MOVE_ITERATIONS` or more to bring it to ``tol`` at the rate of
    the last one. Where they converge faster, the fit stays in its metric (a
    move costs about as much as it would save). The solver continues in the
    new coordinates (:meth:`~._driver.Solver.rebase`); a Hessian is made
    from its probabilities at the point (its ``proba``, where it has them:
    no pass for the logits).
    """

    def __init__(self, plan, tol):
        self.plan, self.tol = plan, tol
        self.near = plan._near_gap(tol)
        self.moved = 0
        self._last = None

    def __call__(self, iteration, run):
        if not self.moved:
            return self._move(run) if iteration >= self.plan._warm else None
        if self.near is None:
            return None
        estimate = run.rule.grad_norm**2 / (2.0 * max(abs(run.objective), 1e-300))
        last, self._last = self._last, estimate
        if last is None or not estimate <= self.near:
            return None
        self.near = None  # decided once
        rate = estimate / last
        if not (self.tol < estimate and rate > 0.0):
            return None
        if rate < 1.0 and math.log(self.tol / estimate) / math.log(rate) < MOVE_ITERATIONS:
            return None
        return self._move(run, exact_reference=True)

    def _move(self, run, exact_reference=False):
        plan = self.plan
        self.moved += 1
        coef = plan._to_coef(run.coef)
        kwargs = {"exact_reference": exact_reference}
        if plan._move == "hessian":  # the solver's probabilities there: no pass for them
            kwargs["proba"] = getattr(run, "proba", None)
        try:
            metric = make_metric(plan.loss, plan._move, coef=coef, **kwargs)
        except np.linalg.LinAlgError:  # a singular Hessian: keep the metric
            self.near = None
            return None
        plan.metric, plan._problem = metric, PreconditionedLoss(plan.loss, metric)
        return plan._problem


def convergence_message(result, solver, max_iter, tol, loss):
    """The ConvergenceWarning text for a run that ended away from the optimum: why, and what to do.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_logloss._loss import make_loss
    >>> from sklearn_logloss._solvers import SOLVERS
    >>> loss = make_loss(np.eye(4), np.array([0, 1, 0, 1]), np.ones(4),
    ...                  n_classes=2, alpha=1e-3, fit_intercept=True)
    >>> run = SOLVERS["gd"](loss, loss.init_coef(), learning_rate="auto", max_iter=1, tol=1e-9)
    >>> print(convergence_message(run, "gd", 1, 1e-9, loss))  # doctest: +ELLIPSIS
    GDLogisticRegression (solver='gd') stopped at max_iter=1 ... Increase max_iter, ...
    """
    gap = result.gap_estimate
    if loss.alpha > 0:
        where = f"the relative objective gap is certified below {gap:.2e} only"
    elif np.isfinite(gap):
        where = f"the estimated relative objective gap is {gap:.2e} (alpha=0: no bound is known)"
    else:
        where = "no estimate of the objective gap is known yet (alpha=0)"
    head = f"GDLogisticRegression (solver={solver!r})"
    if result.reason == "gradient_floor":
        return (
            f"{head} stopped after {result.n_iter} iteration(s) where the gradient fell "
            f"below tol={tol:.1e} times its norm at zero, but without a penalty (alpha=0) "
            "no certificate of the objective gap held there: the classes may be separable "
            "by the features, and then the log loss has no minimum (the weights grow "
            "without bound as it approaches 0). Set alpha > 0 for a finite model."
        )
    if result.reason == "estimate":
        return (
            f"{head} stopped after {result.n_iter} iteration(s) where the estimated "
            f"relative objective gap fell to {gap:.2e}, below tol={tol:.1e}, but no bound "
            "backs it: without a penalty (alpha=0) only the Hessian certifies the gap, and "
            f"its {hessian_size(loss)} coefficients are too many to form it. The classes "
            "may also be separable by the features, and then the log loss has no minimum. "
            "Set alpha > 0 for a certified fit."
        )
    if result.reason == "rounding":
        return (
            f"{head} stopped after {result.n_iter} iteration(s): no step decreases the "
            f"objective beyond {loss.dtype} rounding, and {where}, above tol={tol:.1e}. "
            "The features' scales may be too far apart for the arithmetic: scale them "
            "(e.g. with StandardScaler), fit in float64, or increase tol."
        )
    if result.reason == "no_direction":
        return (
            f"{head} stopped after {result.n_iter} iteration(s): it found no descent "
            f"direction, and {where}, above tol={tol:.1e}. Scale the features (e.g. with "
            "StandardScaler) or use solver='agd'."
        )
    return (
        f"{head} stopped at max_iter={max_iter} iteration(s) before converging: {where}, "
        f"above tol={tol:.1e}. Increase max_iter, scale the features (e.g. with "
        "StandardScaler), or increase tol."
    )
