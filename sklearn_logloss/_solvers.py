"""Gradient-descent solvers: plain functions over a :class:`~._loss.LinearLogLoss`.

Every solver has the signature::

    solver(loss, coef, *, learning_rate, max_iter, tol, verbose, callback) -> SolverResult

and only calls methods of the loss object (``objective``,
``objective_gradient`` and, for ``"momentum"``, the logit-space methods of
:class:`~._loss.LinearLogLoss`): no solver re-derives the loss. Each update
is a gradient step (``"momentum"`` adds a multiple of the previous step). A
new solver is one function here plus one entry in :data:`SOLVERS`.
``callback(coef)``, when given, is called after every iteration; a True
return stops the solver (used for early stopping).

Stopping rule (shared by all solvers, :class:`StoppingRule`): stop once the
estimated relative gap to the minimum,

    ||grad J(w_k)||^2 / (2 mu_hat |J(w_k)|),

is at most ``tol``. For a ``mu``-strongly convex ``J``,
``J(w) - J* <= ||grad J(w)||^2 / (2 mu)``; ``mu`` is not known, so
``mu_hat`` is the smallest curvature of ``J`` seen along the solver's moves,
the secant ``s^T r / s^T s`` (``s`` a move, ``r`` the change of the gradient
over it: first-order information, the quantity Barzilai-Borwein steps use).
A solver also stops when the gradient has fallen to ``tol`` times its
norm at zero, ``||grad J(w_k)|| <= tol ||grad J(0)||`` (``tol`` at least 32
machine epsilons): on problems whose minimum is zero (separable data with
``alpha=0``) no relative gap is ever small. And it stops when no step decreases ``J``
beyond rounding. The estimator's default ``tol=1e-7`` brings ``J`` within
1e-6 (relative) of its minimum on every problem of ``benchmarks/``.

``solver="auto"`` also starts large fits from the solutions of coarse
problems on subsamples (:func:`coarse_start`).
"""

import math
from dataclasses import dataclass

import numpy as np

from ._loss import SMALL_LOGITS

__all__ = [
    "SOLVERS",
    "SolverResult",
    "StoppingRule",
    "accelerated_gradient_descent",
    "auto_solver",
    "barzilai_borwein",
    "coarse_start",
    "coarse_strides",
    "gradient_descent",
    "momentum_gradient_sum",
    "momentum_memory",
    "momentum_subspace_search",
]


_TINY = float(np.finfo(np.float64).tiny)


@dataclass
class SolverResult:
    """What every solver returns.

    Attributes
    ----------
    coef : ndarray
        Final coefficients, in the layout of :class:`~._loss.LinearLogLoss`.
    n_iter : int
        Number of iterations (accepted gradient steps).
    loss_history : ndarray of shape (n_iter + 1,)
        Objective at the start and after every iteration; the last entry is
        the objective at ``coef``.
    converged : bool
        Whether the stopping rule was met before ``max_iter``.
    grad_norm : float
        Gradient norm at the last point where it was evaluated.
    gap_estimate : float
        The stopping rule's estimate of the relative gap ``(J - J*) / J`` there
        (``inf`` before any curvature was seen).
    learning_rate : float
        The last step size used.
    stopped : bool
        Whether ``callback`` asked to stop (early stopping).
    """

    coef: np.ndarray
    n_iter: int
    loss_history: np.ndarray
    converged: bool
    grad_norm: float
    gap_estimate: float
    learning_rate: float
    stopped: bool = False


class StoppingRule:
    """The stopping rule every solver shares (see the module docstring).

    Call it with each point where the solver evaluated the gradient, in
    order; it returns True once the rule is met there.

    Parameters
    ----------
    loss : LinearLogLoss
        The objective (for ``dtype`` and the gradient at zero).
    coef, grad : ndarray
        The starting point and its gradient.
    tol : float
        Tolerance on the estimated relative gap.
    """

    def __init__(self, loss, coef, grad, tol):
        self.tol = tol
        self.curvature = np.inf
        self.grad_norm = self.gap_estimate = np.inf
        self._last = None
        warm = np.any(coef)
        if warm:
            zero = loss.init_coef()
            objective, grad = loss.objective_gradient(zero)
        eps = float(np.finfo(loss.dtype).eps)
        reference = float(np.linalg.norm(grad))  # ||grad J(0)||
        self.rounding = 32 * eps * reference
        self.floor = max(tol, 32 * eps) * reference
        if warm:  # the move from zero gives a first curvature
            self(zero, objective, grad)

    def __call__(self, coef, objective, grad):
        """Record ``grad = grad J(coef)``; whether to stop at ``coef``."""
        coef, grad = coef.ravel(), grad.ravel()
        if coef.dtype != np.float64:
            coef, grad = coef.astype(np.float64), grad.astype(np.float64)
        if self._last is not None:
            s, r = coef - self._last[0], grad - self._last[1]
            s_r = float(np.dot(s, r))
            # A move at rounding level gives no curvature information.
            if s_r > 0 and float(np.dot(r, r)) > self.rounding**2:
                self.curvature = min(self.curvature, s_r / float(np.dot(s, s)))
        self._last = (coef, grad)
        self.grad_norm = math.sqrt(float(np.dot(grad, grad)))
        if self.curvature < np.inf:
            scale = 2.0 * self.curvature * max(abs(objective), _TINY)
            self.gap_estimate = self.grad_norm**2 / scale
        else:  # no curvature seen yet: no estimate
            self.gap_estimate = np.inf
        return self.grad_norm <= self.floor or self.gap_estimate <= self.tol

    def result(self, coef, n_iter, history, converged, learning_rate, stopped):
        """The :class:`SolverResult` of a run that ends at ``coef``."""
        return SolverResult(
            coef=coef,
            n_iter=n_iter,
            loss_history=np.asarray(history, dtype=np.float64),
            converged=converged,
            grad_norm=self.grad_norm,
            gap_estimate=self.gap_estimate,
            learning_rate=float(learning_rate),
            stopped=stopped,
        )


def _report(verbose, it, objective, grad_norm, step):
    if verbose:
        print(
            f"Iteration {it}, objective = {objective:.10g}, "
            f"gradient norm = {grad_norm:.4e}, step = {step:.4e}"
        )


def _diverged_error(learning_rate, it):
    return ValueError(
        f"The learning rate learning_rate={learning_rate!r} is too large: gradient "
        f"descent diverged at iteration {it} (the objective rose above its starting "
        "value or stopped being finite). Use a smaller learning_rate, "
        "learning_rate='auto', or a line-search solver such as solver='agd'."
    )


def gradient_descent(loss, coef, *, learning_rate, max_iter, tol, verbose=0, callback=None):
    """Gradient descent with a fixed learning rate (``solver="gd"``).

    The textbook update ``w <- w - eta * grad J(w)``. With
    ``learning_rate="auto"``, ``eta = 1 / L`` where ``L`` bounds the Lipschitz
    constant of the gradient (:meth:`~._loss.LinearLogLoss.lipschitz_bound`);
    the objective then decreases at every step.

    A fixed step can only make the objective rise above its starting value
    when it is too large for the curvature, so that (or a non-finite value)
    raises a ValueError instead of returning diverged coefficients.
    """
    step = 1.0 / loss.lipschitz_bound() if learning_rate == "auto" else learning_rate
    objective, grad = loss.objective_gradient(coef)
    rule = StoppingRule(loss, coef, grad, tol)
    start = objective
    history = [objective]
    converged, stopped = rule(coef, objective, grad), False
    it = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while not converged and it < max_iter:
            it += 1
            coef = coef - step * grad
            objective, grad = loss.objective_gradient(coef)
            grad_norm = float(np.linalg.norm(grad))
            if not (np.isfinite(objective) and np.isfinite(grad_norm)) or (
                objective > start + 1e-3 * abs(start)
            ):
                raise _diverged_error(learning_rate, it)
            history.append(objective)
            _report(verbose, it, objective, grad_norm, step)
            converged = rule(coef, objective, grad)
            if callback is not None and callback(coef):
                stopped = True
                break
    return rule.result(coef, it, history, converged, step, stopped)


def accelerated_gradient_descent(
    loss, coef, *, learning_rate, max_iter, tol, verbose=0, callback=None
):
    """Nesterov's accelerated gradient with backtracking and restart (``"agd"``).

    The FISTA scheme for a smooth objective: from the extrapolated point
    ``y_k`` take the gradient step ``x_{k+1} = y_k - grad J(y_k) / L``, then
    extrapolate ``y_{k+1} = x_{k+1} + (t_k - 1) / t_{k+1} (x_{k+1} - x_k)``
    with ``t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2``.

    Step-size rule: ``L`` starts at ``1 / learning_rate`` (``"auto"``: five
    power iterations towards the Lipschitz bound) and doubles until the
    sufficient-decrease condition
    ``J(x_{k+1}) <= J(y_k) - ||grad J(y_k)||^2 / (2 L)`` holds (backtracking);
    after an accepted step it shrinks by 10% so the step can grow again where
    the objective is flatter (and a doubling caused by rounding noise near
    the optimum does not stay for good). The test allows ``16 eps |J|`` of
    rounding in the objective values.

    Restart: when a step would raise the objective above ``J(x_k)`` it is
    rejected and the momentum reset (O'Donoghue and Candes, 2015), so
    ``loss_history`` never increases.

    Stopping: the gradient is measured at ``y_k``; when it meets the shared
    rule the returned point is ``x_{k+1}``, one gradient step further, whose
    gradient norm is at most twice that.
    """
    # A rough estimate is enough: backtracking corrects it from either side.
    lipschitz = loss.lipschitz_bound(n_iter=5) if learning_rate == "auto" else 1.0 / learning_rate
    rounding = 16 * np.finfo(loss.dtype).eps

    x = coef
    f_x, grad_y = loss.objective_gradient(x)
    rule = StoppingRule(loss, x, grad_y, tol)
    y, f_y, y_is_x = x, f_x, True
    momentum = 1.0
    history = [f_x]
    met = rule(y, f_y, grad_y)  # the rule, at y
    converged = stopped = False
    it = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while it < max_iter:
            if met and y_is_x:
                converged = True
                break
            it += 1
            decrease = 0.5 * rule.grad_norm**2
            noise = rounding * abs(f_y)
            while True:
                x_new = y - grad_y / lipschitz
                f_new = loss.objective(x_new)
                if f_new <= f_y - decrease / lipschitz + noise:
                    break
                lipschitz *= 2.0
            if f_new > f_x and not y_is_x:
                # Momentum overshot: restart from x_k with a plain gradient step.
                it -= 1
                momentum = 1.0
                y, f_y, y_is_x = x, f_x, True
                f_y, grad_y = loss.objective_gradient(y)
                met = rule(y, f_y, grad_y)
                continue
            lipschitz *= 0.9
            next_momentum = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * momentum**2))
            beta = float((momentum - 1.0) / next_momentum)
            momentum = next_momentum
            y = x_new + beta * (x_new - x) if beta else x_new
            y_is_x = beta == 0.0
            x, f_x = x_new, f_new
            history.append(f_x)
            met_at_y = met
            if not met_at_y:
                f_y, grad_y = loss.objective_gradient(y)
                met = rule(y, f_y, grad_y)
            _report(verbose, it, f_x, rule.grad_norm, 1.0 / lipschitz)
            if met_at_y:
                converged = True
                break
            if callback is not None and callback(x):
                stopped = True
                break
    return rule.result(x, it, history, converged, 1.0 / lipschitz, stopped)


def _first_step(loss, learning_rate):
    """A first step no larger than ``1 / L``: ``learning_rate``, or one pass's bound."""
    if learning_rate != "auto":
        return learning_rate
    if "logit_space" in loss.supports:  # in memory: the trace bound is one pass
        return 1.0 / loss.trace_bound()
    return 1.0 / loss.lipschitz_bound(n_iter=5)


def barzilai_borwein(loss, coef, *, learning_rate, max_iter, tol, verbose=0, callback=None):
    """Barzilai-Borwein steps with a nonmonotone line search (``"bb"``).

    Update ``w_{k+1} = w_k - eta_k grad J(w_k)``.

    Step-size rule: the trial step is chosen by the adaptive rule ABBmin of
    Frassoldati, Zanni and Zanghirati (2008) between the two Barzilai-Borwein
    steps ``eta1 = s^T s / s^T r`` and ``eta2 = s^T r / r^T r``
    (``s = w_k - w_{k-1}``, ``r = grad J(w_k) - grad J(w_{k-1})``, inverse
    curvatures along the last move): ``eta1`` when ``eta2 >= eta1 / 2``,
    else the smallest ``eta2`` of the last 5 iterations. The safeguard is the
    nonmonotone Armijo condition of Grippo, Lampariello and Lucidi,
    ``J(w_k - eta g) <= max(J over the last 10 iterates) - 1e-4 eta ||g||^2``
    (up to ``16 eps |J|`` of rounding), halving ``eta`` until it holds.
    ``loss_history`` may therefore rise, but never above the largest of its
    previous 10 entries. The first trial step is ``learning_rate``
    (``"auto"``: ``1 / L`` with ``L`` the trace bound of the Lipschitz
    constant, one pass over ``X``). Each trial costs one evaluation of the
    objective and its gradient, which reads ``X`` once (see
    :class:`~._loss.LinearLogLoss`); no logits are kept.
    """
    window, memory, ratio = 10, 5, 0.5
    step = _first_step(loss, learning_rate)
    rounding = 16 * np.finfo(loss.dtype).eps
    objective, grad = loss.objective_gradient(coef)
    rule = StoppingRule(loss, coef, grad, tol)
    history, recent_eta2 = [objective], []
    converged, stopped = rule(coef, objective, grad), False
    it = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while not converged and it < max_iter:
            reference = max(history[-window:])
            sufficient = 1e-4 * rule.grad_norm**2
            for _ in range(60):
                new_coef = coef - step * grad
                new_objective, new_grad = loss.objective_gradient(new_coef)
                if new_objective <= reference - sufficient * step + rounding * abs(reference):
                    break
                step *= 0.5
            else:  # no decrease even for a tiny step: the rounding floor is reached
                converged = True
                break
            it += 1
            s = (new_coef - coef).ravel().astype(np.float64)
            r = (new_grad - grad).ravel().astype(np.float64)
            coef, objective, grad = new_coef, new_objective, new_grad
            history.append(objective)
            converged = rule(coef, objective, grad)
            _report(verbose, it, objective, rule.grad_norm, step)
            if callback is not None and callback(coef):
                stopped = True
                break
            curvature = float(s @ r)
            if curvature > 0:
                eta1, eta2 = float(s @ s) / curvature, curvature / float(r @ r)
                recent_eta2 = [*recent_eta2[-(memory - 1) :], eta2]
                step = min(recent_eta2) if eta2 < ratio * eta1 else eta1
            else:  # no curvature seen along the move: try a longer step
                step = 2.0 * step
    return rule.result(coef, it, history, converged, step, stopped)


def _cholesky_or_failure(matrix):
    """``(factor, None)``, or ``(None, j)`` with ``j`` the first direction at
    which ``matrix`` stops being positive definite (numpy's LAPACK: scipy's
    bundled BLAS is a second thread pool, which slows a fit that also uses
    numpy's many times over when both spin on the same cores)."""
    try:
        return np.linalg.cholesky(matrix), None
    except np.linalg.LinAlgError:
        for size in range(2, len(matrix) + 1):
            try:
                np.linalg.cholesky(matrix[:size, :size])
            except np.linalg.LinAlgError:
                return None, size - 1
    return None, len(matrix) - 1  # pragma: no cover (the full matrix failed)


def _subspace_step(forms, slope):
    """Coefficients minimizing the quadratic model ``slope @ c + c @ forms @ c / 2``.

    Direction 0 is the gradient's. Directions without positive curvature, or
    nearly in the span of earlier ones (a pivot of the Cholesky factor of
    ``forms``, scaled to a unit diagonal, at most 1e-5), are dropped (their
    coefficient is 0) and the model is solved on the rest. Falls back to the
    first direction alone (a Cauchy step) when the minimizer is not a
    descent direction; None when there is no positive curvature along the
    first direction or no descent along it.
    """
    k = len(slope)
    if not (forms[0, 0] > 0 and slope[0] < 0):
        return None
    if k == 2:  # the heavy ball: the same rule in closed form (the pivot is sqrt(det))
        (f00, f01), (_, f11) = forms.tolist()
        s0, s1 = slope.tolist()
        det = f00 * f11 - f01 * f01
        if f11 > 0 and det > 1e-10 * f00 * f11:
            a, b = (f01 * s1 - f11 * s0) / det, (f01 * s0 - f00 * s1) / det
            if s0 * a + s1 * b < 0:
                return np.array([a, b])
        return np.array([-s0 / f00, 0.0])
    keep = range(k)
    sub_forms, sub_slope = forms, slope
    while len(keep) > 1:
        diag = sub_forms.diagonal()
        if diag.min() <= 0:  # no curvature along some direction
            keep = np.asarray(keep)[diag > 0]
        else:
            scale = 1.0 / np.sqrt(diag)
            scaled = sub_forms * scale[:, None] * scale
            factor, failed = _cholesky_or_failure(scaled)
            if factor is not None and factor.diagonal().min() > 1e-5:
                c_sub = np.linalg.solve(scaled, sub_slope * -scale) * scale
                if not sub_slope @ c_sub < 0:
                    break
                if len(keep) == k:
                    return c_sub
                c = np.zeros(k)
                c[keep] = c_sub
                return c
            # Not positive definite from a direction on, or a direction
            # nearly in the span of those before it: drop it.
            drop = failed if factor is None else int(np.argmax(factor.diagonal() <= 1e-5))
            keep = np.delete(keep, drop)
        sub_forms, sub_slope = forms[np.ix_(keep, keep)], slope[keep]
    c = np.zeros(k)
    c[0] = -slope[0] / forms[0, 0]
    return c


#: Previous steps ``"momentum"`` keeps on small problems.
SMALL_MEMORY = 8


def momentum_memory(loss):
    """How many previous steps ``"momentum"`` searches over.

    One (the heavy ball) on large problems, where every further step would
    add pointwise passes over the logits. On small problems (at most
    :data:`~._loss.SMALL_LOGITS` logits) an iteration costs mostly its fixed
    overhead, the extra directions cost a few matrix products of a few
    thousand numbers, and they save iterations: :data:`SMALL_MEMORY`.
    """
    return SMALL_MEMORY if loss.n_samples * loss.n_outputs <= SMALL_LOGITS else 1


def momentum_gradient_sum(loss):
    """Whether ``"momentum"`` also searches along the gradient sum and the point.

    For two classes on large problems, where the curvature along a pair of
    directions costs one pass over ``n_samples`` numbers, these two
    directions save a third of the iterations (dense binary 12 -> 9, sparse
    10 -> 6). With ``K`` classes a pair costs ``K`` passes, and on digits
    they saved 4% of the iterations for 37% more time per iteration; on
    small problems (breast_cancer) they saved 8% of the iterations for 16%
    more overhead per iteration: not there.
    """
    return loss.n_outputs == 1 and loss.n_samples > SMALL_LOGITS


#: Rows of the direction stack of ``"momentum"``: the gradient's direction
#: (then the new step), and with :func:`momentum_gradient_sum` the weighted
#: gradient sum and the point; the kept steps follow.
_GRADIENT, _GRADIENT_SUM, _POINT = 0, 1, 2


def momentum_subspace_search(
    loss, coef, *, learning_rate, max_iter, tol, verbose=0, callback=None
):
    """Heavy-ball momentum with a subspace search (``"momentum"``).

    Update ``w_{k+1} = w_k + a_k (-g_k) + sum_j b_{k,j} s_{k-j} + c_k G_k + e_k w_k``:
    a gradient step ``-g_k = -grad J(w_k)`` plus momentum, a multiple of the
    previous step ``s_{k-1} = w_k - w_{k-1}`` (Polyak's heavy ball) and, on
    small problems, of the ``m - 1`` steps before it (``m`` from
    :func:`momentum_memory`: 1 on large problems, 8 on small ones), plus
    for two classes (:func:`momentum_gradient_sum`) two directions built
    from the same gradients: Nemirovski's weighted sum of all gradients,
    ``G_k = -sum_{i<=k} omega_i g_i`` with ``omega_i = 1/2 + sqrt(1/4 +
    omega_{i-1}^2)``, and ``w_k`` itself (a rescaling of the whole model;
    ``w_k - w_0`` from a zero start). Every iterate stays in the span of the
    gradients seen.

    Step-size rule: the coefficients minimize the quadratic model of ``J``
    on the subspace of these directions, built from the slopes ``g_k . d``
    and the curvatures ``d^T H(w_k) d'`` along them (a Newton step on a
    function of ``m + 3`` variables, ``m + 1`` without the two extra
    directions, i.e. a line search in that many dimensions; see
    :meth:`~._loss.LinearLogLoss.hessian_forms`); directions nearly in the
    span of the others are left out (:func:`_subspace_step`).
    A step that does not decrease ``J`` by 1e-4 of its predicted first-order
    decrease is halved until it does, so ``loss_history`` never increases
    (up to ``16 eps |J|`` of rounding). This is the SESOP method of Narkiss
    and Zibulevsky (2005) with ``m`` previous steps and Nemirovski's
    directions; with the heavy-ball step alone it is the conjugate gradient
    method on a quadratic. As in nonlinear conjugate gradient methods, the
    kept steps are dropped when consecutive gradients are far from
    orthogonal, ``|g_k . g_{k-1}| > 0.2 ||g_k||^2`` (Powell's restart).
    ``learning_rate`` is not used.

    Cost: the logits of ``w_k`` and of every direction are kept (logits are
    linear in the coefficients), so an iteration makes one product with ``X``
    (the logits of the gradient) and one with ``X^T`` (the next gradient),
    plus pointwise operations; a halving costs pointwise operations and one
    product with ``X^T``. Memory: ``m + 4`` arrays of logits, shape
    ``(n_outputs, n_samples)`` (``m + 3`` without the two extra
    directions), and as many of scratch on small problems. The kept logits
    are recomputed from the coefficients every 50 iterations (10 in float32)
    so that rounding cannot accumulate.
    """
    del learning_rate  # the subspace search sets the step sizes
    rounding = 16 * np.finfo(loss.dtype).eps
    memory, gradient_sum = momentum_memory(loss), momentum_gradient_sum(loss)
    # Rows: see _GRADIENT; the kept steps are a ring from row first_step on.
    # The point's logits are the kept logits. Logits are arrays of the
    # loss's namespace.
    first_step = 3 if gradient_sum else 1
    directions = np.zeros((first_step + memory, *coef.shape), dtype=coef.dtype)
    logit_directions = loss.empty_logits(first_step + memory)
    if gradient_sum:
        logit_directions[_GRADIENT_SUM, ...] = 0
        logits = logit_directions[_POINT, ...]
    else:
        logits = loss.empty_logits()
    if np.any(coef):
        loss.logits(coef, out=logits)
    else:  # the logits of zero coefficients: no pass over X
        logits[...] = 0
    proba = loss.empty_logits()
    kept = made = 0  # steps kept, steps made since the last restart
    weight_sum = 0.0  # Nemirovski's omega of the last gradient
    # Rounding accumulates in the kept logits at about eps per iteration.
    refresh = 50 if loss.dtype.itemsize >= 8 else 10
    objective, grad = loss.objective_gradient_at(coef, logits, proba)
    rule = StoppingRule(loss, coef, grad, tol)
    previous_grad = None
    history = [objective]
    converged, stopped = rule(coef, objective, grad), False
    rate = 0.0
    it = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while not converged and it < max_iter:
            np.negative(grad, out=directions[_GRADIENT])
            step_logits = loss.logits(directions[_GRADIENT], out=logit_directions[_GRADIENT, ...])
            if gradient_sum:
                # G_k / omega_k = (omega_{k-1} / omega_k) G_{k-1} / omega_{k-1} - g_k
                new_weight_sum = 0.5 + math.sqrt(0.25 + weight_sum**2)
                ratio, weight_sum = weight_sum / new_weight_sum, new_weight_sum
                directions[_GRADIENT_SUM] *= ratio
                directions[_GRADIENT_SUM] += directions[_GRADIENT]
                logit_directions[_GRADIENT_SUM, ...] *= ratio
                logit_directions[_GRADIENT_SUM, ...] += step_logits
                directions[_POINT] = coef
            if kept and abs(float(np.vdot(grad, previous_grad))) > 0.2 * rule.grad_norm**2:
                kept = made = 0  # Powell's restart: the steps are no longer conjugate
            previous_grad = grad
            k = first_step + kept
            forms = loss.hessian_forms(proba, logit_directions, directions[:k])
            slope = directions[:k].reshape(k, -1) @ grad.ravel().astype(np.float64)
            coefs = _subspace_step(forms, slope)
            if coefs is None:
                break
            rate = float(coefs[_GRADIENT])
            new_step = (coefs.astype(coef.dtype) @ directions[:k].reshape(k, -1)).reshape(
                coef.shape
            )
            # The new step's logits replace the gradient's.
            step_logits = loss.combine_into_first(coefs, logit_directions)
            predicted = float(slope @ coefs)
            logits += step_logits
            for _ in range(60):
                new_coef = coef + new_step
                new_objective, new_grad = loss.objective_gradient_at(new_coef, logits, proba)
                if new_objective <= objective + 1e-4 * predicted + rounding * abs(objective):
                    break
                step_logits *= 0.5
                logits -= step_logits
                new_step *= 0.5
                predicted *= 0.5
            else:  # no decrease even for a tiny step: the rounding floor is reached
                converged = True
                break
            it += 1
            coef, objective, grad = new_coef, new_objective, new_grad
            slot = first_step + made % memory
            directions[slot] = new_step
            logit_directions[slot, ...] = step_logits
            made += 1
            kept = min(made, memory)
            if it % refresh == 0:
                loss.logits(coef, out=logits)
            history.append(objective)
            converged = rule(coef, objective, grad)
            _report(verbose, it, objective, rule.grad_norm, rate)
            if callback is not None and callback(coef):
                stopped = True
                break
    return rule.result(coef, it, history, converged, rate, stopped)


def auto_solver(loss):
    """Name of the solver that ``solver="auto"`` stands for.

    ``"momentum"`` (fewest iterations, paths reproducible to rounding) when
    the loss offers the logit-space methods and the arrays of logits it
    keeps take at most a quarter of the memory of ``X`` or at most 16 MiB
    (at most ``m + 4`` arrays with ``m`` from :func:`momentum_memory`: the
    logits, the probabilities and the directions'; small problems, which
    also keep scratch, are far below 16 MiB);
    ``"bb"`` (no stored logits) when they would take more, as with many
    classes and few features; ``"agd"`` for a loss without logit-space
    methods (Dask arrays).
    """
    if "logit_space" not in loss.supports:
        return "agd"
    x_bytes = loss.data_nbytes
    n_arrays = momentum_memory(loss) + 4
    logits_bytes = n_arrays * loss.n_samples * loss.n_outputs * loss.dtype.itemsize
    return "momentum" if logits_bytes <= max(x_bytes / 4, 16 * 2**20) else "bb"


#: Each coarse problem keeps every ``COARSE_FACTOR``-th sample of the next finer one.
COARSE_FACTOR = 8
#: A coarse problem has at least this many samples per coefficient.
COARSE_SAMPLES_PER_COEF = 20
#: Coarse problems are only solved when ``n_samples * n_coefficients`` is at
#: least this (about 8 MiB of float64 data): below it an iteration costs
#: little more than its Python overhead, which a coarse problem does not cut.
COARSE_MIN_SIZE = 2**20


def coarse_strides(loss):
    """Strides of the coarse problems :func:`coarse_start` solves, coarsest first.

    Every power of :data:`COARSE_FACTOR` whose subsample keeps at least
    :data:`COARSE_SAMPLES_PER_COEF` samples per coefficient, when the problem
    is large (:data:`COARSE_MIN_SIZE`), penalized (``alpha > 0``: a
    subsample's minimizer then exists) and in memory (the loss can
    :meth:`~._loss.LinearLogLoss.subsample`); none otherwise.
    """
    if not (loss.alpha > 0 and "subsample" in loss.supports):
        return []
    n_samples = loss.n_samples
    n_coef = (loss.n_features + loss.fit_intercept) * loss.n_outputs
    if n_samples * n_coef < COARSE_MIN_SIZE:
        return []
    strides, stride = [], COARSE_FACTOR
    while n_samples // stride >= COARSE_SAMPLES_PER_COEF * n_coef:
        strides.append(stride)
        stride *= COARSE_FACTOR
    return strides[::-1]


def coarse_start(loss, coef, *, max_iter, tol=1e-4, verbose=0):
    """A starting point from coarse problems (the start of ``solver="auto"``).

    Solves the same objective on every ``8**k``-th sample, coarsest first
    (..., every 64th, then every 8th: the strides of
    :func:`coarse_strides`), each from the previous solution and
    to the loose tolerance ``tol``, with :func:`auto_solver`'s solver; the
    last solution starts the fit on all samples. A coarse problem with 8
    times fewer samples costs about an eighth per iteration, and its
    minimizer is within sampling error of the full one, so the full problem
    starts where only its last few iterations remain (the idea of the
    dynamic sample sizes of Byrd, Chin, Nocedal and Wu, 2012, and of
    multilevel methods). Every update is still a gradient step, on the log
    loss of a subsample. ``coef`` is returned unchanged when it is not zero
    (a warm start) or the problem has no coarse strides.
    """
    if np.any(coef):
        return coef
    for stride in coarse_strides(loss):
        coarse = loss.subsample(stride)
        if coarse is None:  # a class has no weight in this subsample
            continue
        name = auto_solver(coarse)
        result = SOLVERS[name](coarse, coef, learning_rate="auto", max_iter=max_iter, tol=tol)
        coef = result.coef
        if verbose:
            print(
                f"Coarse problem on every {stride}th sample ({coarse.n_samples} samples, "
                f"solver={name!r}): {result.n_iter} iterations, "
                f"objective = {result.loss_history[-1]:.10g}"
            )
    return coef


#: Name -> solver function. The one place a solver is registered.
SOLVERS = {
    "gd": gradient_descent,
    "agd": accelerated_gradient_descent,
    "bb": barzilai_borwein,
    "momentum": momentum_subspace_search,
}
