"""The solver loop, written once: what every solver records and reports.

A solver is a subclass of :class:`Solver` that writes its update rule as
steps: :meth:`Solver.setup` (the start), :meth:`Solver.step` (one
iteration) and, where its stopping test differs, :meth:`Solver.check`. The
loop around them, :meth:`Solver.__call__`, owns what every solver shares:
the check that the loss offers what the solver ``requires``, the stopping
rule, the iteration counter, the objective history, ``np.errstate``, the
converged and stopped flags, the verbose report, the callback and the
:class:`SolverResult`.
"""

from dataclasses import dataclass

import numpy as np

from ._stopping import StoppingRule

__all__ = ["CAPABILITIES", "IterationInfo", "NoStep", "Solver", "SolverResult"]

#: What each capability a loss can list in ``loss.supports`` offers (the
#: methods are those of the loss contract).
CAPABILITIES = {
    "logit_space": "the logits of every sample in memory",
    "subsample": "subsamples of the rows",
    "hessian": "the Hessian at a point (the stopping rule's certificate)",
}


@dataclass
class SolverResult:
    """What every solver returns.

    Attributes
    ----------
    coef : ndarray
        Final coefficients, in the layout of the loss (``loss.coef_shape``).
    n_iter : int
        Number of iterations (accepted steps).
    loss_history : ndarray of shape (n_iter + 1,)
        Objective at the start and after every iteration; the last entry is
        the objective at ``coef``.
    converged : bool
        Whether the stopping rule was met before ``max_iter``.
    grad_norm : float
        Gradient norm at the last point where it was evaluated.
    gap_estimate : float
        The stopping rule's bound on the relative gap ``(J - J*) / J`` at
        ``coef`` when ``alpha > 0`` (see :mod:`~._stopping`), its estimate
        otherwise (``inf`` when unknown).
    learning_rate : float
        The step size of the last iteration.
    stopped : bool
        Whether ``callback`` asked to stop (early stopping).
    reason : str
        Why the run ended: ``"converged"``, ``"max_iter"``, ``"callback"``,
        ``"rounding"`` (no step decreased the objective beyond rounding, and
        the gap could not be certified there), ``"no_direction"`` (no
        descent direction was found), ``"gradient_floor"`` (``alpha = 0``:
        the gradient fell to ``tol`` times its norm at zero where no
        certificate held, as on separable data) or ``"estimate"`` (``alpha =
        0``, the Hessian out of reach: the estimated gap fell below ``tol``,
        which no bound backs).
    calibration : float
        The stopping rule's calibration at the end (see
        :class:`~._stopping.StoppingRule`), for a run that continues this one.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_logloss._solvers import SolverResult
    >>> result = SolverResult(
    ...     coef=np.zeros((3, 1)), n_iter=0, loss_history=np.array([np.log(2)]),
    ...     converged=False, grad_norm=0.5, gap_estimate=np.inf, learning_rate=0.0,
    ... )
    >>> result.loss_history.shape == (result.n_iter + 1,), result.stopped
    (True, False)
    """

    coef: np.ndarray
    n_iter: int
    loss_history: np.ndarray
    converged: bool
    grad_norm: float
    gap_estimate: float
    learning_rate: float
    stopped: bool = False
    reason: str = ""
    calibration: float = 1.0


@dataclass(frozen=True, slots=True)
class IterationInfo:
    """What a solver hands its callback after an iteration.

    Attributes
    ----------
    iteration : int
        The iteration just made (1 for the first).
    coef : ndarray
        The coefficients after it (the solver's own array: do not modify).
    objective : float
        The objective at ``coef``.
    grad_norm : float
        The gradient norm the stopping rule last recorded.
    step_size : float
        The step size of the iteration.

    Examples
    --------
    A callback object that stops after two iterations:

    >>> class StopAtTwo:
    ...     def on_iteration(self, info):
    ...         return info.iteration == 2
    >>> import numpy as np
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn_logloss._loss import make_loss
    >>> from sklearn_logloss._solvers import gradient_descent
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> loss = make_loss(X / X.max(0), y, np.ones(569), n_classes=2, alpha=0, fit_intercept=True)
    >>> run = gradient_descent(loss, loss.init_coef(), learning_rate="auto", max_iter=100,
    ...                        tol=1e-8, callback=StopAtTwo())
    >>> run.n_iter, run.stopped
    (2, True)
    """

    iteration: int
    coef: np.ndarray
    objective: float
    grad_norm: float
    step_size: float


class NoStep(Exception):
    """Raised by :meth:`Solver.step` when it cannot make a step: the run ends.

    Parameters
    ----------
    converged : bool
        Whether that counts as convergence (no step decreases the objective
        beyond rounding) or not (no descent direction was found).
    """

    def __init__(self, converged):
        super().__init__(converged)
        self.converged = converged


def _iteration_hook(callback):
    """``callback`` as a function of an :class:`IterationInfo`, or None."""
    if callback is None:
        return None
    on_iteration = getattr(callback, "on_iteration", None)
    if on_iteration is not None:
        return on_iteration
    return lambda info: callback(info.coef)


def check_requirements(solver, loss):
    """Raise a ValueError when ``loss`` lacks a capability ``solver`` requires."""
    missing = sorted(solver.requires - loss.supports)
    if missing:
        needs = " and ".join(
            f"{CAPABILITIES.get(item, item)} (the loss capability {item!r})" for item in missing
        )
        raise ValueError(
            f"solver={solver.name!r} needs {needs}, which {type(loss).__name__} does not offer. "
            "Use solver='auto', which picks a solver this input supports, or another solver."
        )


class Solver:
    """Base class of the solvers: the loop around an update rule.

    A subclass sets :attr:`requires` and writes :meth:`setup` and
    :meth:`step`; it keeps the current iterate in ``self.coef``,
    ``self.objective`` and ``self.grad`` and its last step size in
    ``self.step_size``. The loop makes at most ``max_iter`` steps and stops
    at the first point where :meth:`check` returns True, where ``callback``
    asks to stop, or where a step raises :class:`NoStep`. A call checks
    first that ``loss.supports`` holds every capability in ``requires``.

    A solver object holds its options only; every call runs on a copy of it,
    so one object can serve several fits, even at the same time.

    Examples
    --------
    A new solver is a subclass with a setup and a step; the loop is inherited:

    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import scale
    >>> from sklearn_logloss._loss import make_loss
    >>> from sklearn_logloss._solvers import Solver
    >>> class FixedStep(Solver):
    ...     name = "fixed"
    ...     def setup(self, coef, learning_rate):
    ...         self.step_size = learning_rate
    ...         return self.loss.objective_gradient(coef)
    ...     def step(self, iteration):
    ...         self.coef = self.coef - self.step_size * self.grad
    ...         self.objective, self.grad = self.loss.objective_gradient(self.coef)
    >>> X, y = load_iris(return_X_y=True)
    >>> loss = make_loss(scale(X), y, np.ones(150), n_classes=3, alpha=1e-2, fit_intercept=True)
    >>> fit = FixedStep()(loss, loss.init_coef(), learning_rate=1.0, max_iter=5000, tol=1e-6)
    >>> fit.converged, bool(fit.loss_history[-1] < fit.loss_history[0])
    (True, True)
    """

    #: Capabilities (names in ``loss.supports``) the solver needs from the loss.
    requires = frozenset()
    #: The name the solver is registered under (for error messages).
    name = None
    #: The step size of the last iteration (reported and returned).
    step_size = 0.0

    def __call__(
        self,
        loss,
        coef,
        *,
        learning_rate,
        max_iter,
        tol,
        verbose=0,
        callback=None,
        offset=0,
        calibration=1.0,
        moves=None,
    ) -> SolverResult:
        """Minimize ``loss`` from ``coef``.

        Parameters
        ----------
        loss : object
            The objective, following the loss contract.
        coef : ndarray of shape ``loss.coef_shape``
            The starting point (not modified).
        learning_rate : float or "auto"
            The (first) step size; ``"auto"`` derives one from the loss.
        max_iter : int
            The most iterations to make.
        tol : float
            Tolerance of the :class:`~._stopping.StoppingRule`.
        verbose : int, default=0
            When positive, one line per iteration is printed.
        callback : callable or object, default=None
            Called after every iteration, the last included; a True return
            stops the solver (``SolverResult.stopped``). Either a function
            ``callback(coef) -> bool``, or an object whose method
            ``on_iteration(info) -> bool`` takes an :class:`IterationInfo`.
        offset : int, default=0
            Iterations an earlier run of the same fit made: the verbose lines
            and the callback count from there.
        calibration : float, default=1.0
            The stopping rule's first calibration (see
            :class:`~._stopping.StoppingRule`), e.g. the one an earlier run
            on a subsample ended with (``SolverResult.calibration``).
        moves : callable, default=None
            Called after every iteration that did not end the run,
            ``moves(iteration, run)`` returns the loss in new coordinates
            (another metric of the same objective) to continue in, or None.
            The run then goes on there (see :meth:`rebase`) with a new
            stopping rule.

        Returns
        -------
        result : SolverResult
        """
        check_requirements(self, loss)
        run = object.__new__(type(self))
        # The options, attribute by attribute: unlike copy.copy, this keeps
        # CPython's fast attribute access for the state the steps add.
        for name, value in vars(self).items():
            setattr(run, name, value)
        return run._run(
            loss, coef, learning_rate, max_iter, tol, verbose, callback, offset, calibration, moves
        )

    def _run(
        self,
        loss,
        coef,
        learning_rate,
        max_iter,
        tol,
        verbose,
        callback,
        offset,
        calibration,
        moves=None,
    ):
        self.loss, self.learning_rate = loss, learning_rate
        objective, grad = self.setup(coef, learning_rate)
        self.coef, self.objective, self.grad = coef, objective, grad
        rule = self.rule = StoppingRule(loss, coef, grad, tol, calibration=calibration)
        history = self.history = [objective]
        hook = _iteration_hook(callback)
        converged, stopped = rule(coef, objective, grad), False
        reason = "max_iter"
        n_iter = 0
        with np.errstate(over="ignore", invalid="ignore"):
            while not converged and n_iter < max_iter:
                try:
                    self.step(n_iter + 1)
                except NoStep as no_step:
                    # No more progress: done only if the gap is certified here.
                    converged = no_step.converged and (
                        rule.final is not None or rule.check(self.coef, estimate=False)
                    )
                    reason = "rounding" if no_step.converged else "no_direction"
                    break
                n_iter += 1
                history.append(self.objective)
                converged = self.check()
                if not converged and moves is not None:
                    moved = moves(offset + n_iter, self)
                    if moved is not None:
                        self.rebase(moved)
                        rule = self.rule = StoppingRule(moved, self.coef, self.grad, tol)
                        converged = rule(self.coef, self.objective, self.grad)
                if verbose:
                    print(
                        f"Iteration {offset + n_iter}, objective = {self.objective:.10g}, "
                        f"gradient norm = {rule.grad_norm:.4e}, step = {self.step_size:.4e}"
                    )
                if hook is not None:
                    info = IterationInfo(
                        offset + n_iter, self.coef, self.objective, rule.grad_norm, self.step_size
                    )
                    if hook(info):
                        stopped = True
                        reason = "callback"
                        break
        if reason == "max_iter" and not converged:
            converged = rule.check(self.coef, estimate=False)
        coef = self.coef
        if converged and rule.uncertified:
            converged = False
            reason = "gradient_floor" if rule.uncertified == "floor" else "estimate"
        if converged:
            reason = "converged"
            if rule.final is not None and rule.final[1] <= self.objective:
                # The certified point (its intercepts made best) is the lower one.
                coef, history[-1] = rule.final
        return SolverResult(
            coef=coef,
            n_iter=n_iter,
            loss_history=np.asarray(history, dtype=np.float64),
            converged=converged,
            grad_norm=rule.grad_norm,
            gap_estimate=rule.gap,
            learning_rate=float(self.step_size),
            stopped=stopped,
            reason=reason,
            calibration=rule.calibration,
        )

    def setup(self, coef, learning_rate):
        """Prepare a run from ``coef``; return the objective and gradient there.

        ``self.loss`` is set; ``self.rule`` and ``self.history`` are not yet.
        """
        raise NotImplementedError

    def step(self, iteration):
        """Make iteration number ``iteration``: update ``coef``, ``objective``, ``grad``.

        ``self.rule`` holds the stopping rule, last called at the current
        point, and ``self.history`` the objective history so far. Raise
        :class:`NoStep` when no step can be made.
        """
        raise NotImplementedError

    def rebase(self, loss):
        """Continue in the coordinates of ``loss``: ``self.loss``'s objective in another metric.

        Both are :class:`~.._loss._precondition.PreconditionedLoss` of one
        base loss. Here the run starts afresh at the same coefficients
        ``w`` in the new coordinates (:meth:`setup` again: one evaluation,
        the step sizes and the solver's memory anew); a solver may carry its
        state over instead.
        """
        coef = loss.metric.from_coef(self.loss.metric.to_coef(self.coef))
        coef = coef.astype(loss.dtype, copy=False)
        self.loss = loss
        self.objective, self.grad = self.setup(coef, self.learning_rate)
        self.coef = coef

    def check(self):
        """Whether to stop after a step: the stopping rule at the new point."""
        return self.rule(self.coef, self.objective, self.grad)
