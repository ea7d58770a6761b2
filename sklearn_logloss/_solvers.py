"""Gradient-descent solvers: plain functions over a :class:`~._loss.LinearLogLoss`.

Every solver has the signature::

    solver(loss, coef, *, learning_rate, max_iter, tol, verbose, callback) -> SolverResult

and only calls ``loss.logits``, ``loss.objective`` and
``loss.objective_gradient``: no solver re-derives the loss. Each update moves
along the negative gradient. A new solver is one function here plus one entry
in :data:`SOLVERS`. ``callback(coef)``, when given, is called after every
iteration; a True return stops the solver (used for early stopping).

Stopping rule (shared by all solvers): stop once the Euclidean norm of the
gradient of ``J`` falls to ``tol`` times its norm at the all-zero
coefficients, ``||grad J(w_k)|| <= tol * ||grad J(0)||``. The reference does
not depend on the starting point, so a warm start stops where a cold one
would.
"""

from dataclasses import dataclass

import numpy as np

__all__ = [
    "SOLVERS",
    "SolverResult",
    "accelerated_gradient_descent",
    "barzilai_borwein",
    "gradient_descent",
]


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
    grad_tol : float
        The absolute gradient-norm threshold the run used.
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
    grad_tol: float
    learning_rate: float
    stopped: bool = False


def gradient_tolerance(loss, coef, grad, tol):
    """Absolute gradient-norm threshold: ``tol * ||grad J(0)||``.

    ``grad`` is the gradient at ``coef``; it is reused when ``coef`` is zero.
    ``tol`` is raised to at least ``32 * eps`` of the data's dtype (3.8e-6 for
    float32): below that, rounding of the coefficients themselves moves the
    gradient more than the threshold, and the rule could never be met.
    """
    tol = max(tol, 32 * float(np.finfo(loss.dtype).eps))
    if not np.any(coef):
        ref = np.linalg.norm(grad)
    else:
        _, grad0 = loss.objective_gradient(loss.init_coef())
        ref = np.linalg.norm(grad0)
    return tol * float(ref)


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
    grad_tol = gradient_tolerance(loss, coef, grad, tol)
    start = objective
    history = [objective]
    grad_norm = float(np.linalg.norm(grad))
    converged = grad_norm <= grad_tol
    stopped = False
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
            converged = grad_norm <= grad_tol
            if callback is not None and callback(coef):
                stopped = True
                break
    return SolverResult(
        coef=coef,
        n_iter=it,
        loss_history=np.asarray(history, dtype=np.float64),
        converged=converged,
        grad_norm=grad_norm,
        grad_tol=grad_tol,
        learning_rate=float(step),
        stopped=stopped,
    )


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
    grad_tol = gradient_tolerance(loss, x, grad_y, tol)
    y, f_y, y_is_x = x, f_x, True
    momentum = 1.0
    history = [f_x]
    grad_norm = float(np.linalg.norm(grad_y))
    converged = stopped = False
    it = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while it < max_iter:
            if grad_norm <= grad_tol and y_is_x:
                converged = True
                break
            it += 1
            decrease = 0.5 * grad_norm**2
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
                grad_norm = float(np.linalg.norm(grad_y))
                continue
            lipschitz *= 0.9
            next_momentum = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * momentum**2))
            beta = float((momentum - 1.0) / next_momentum)
            momentum = next_momentum
            y = x_new + beta * (x_new - x) if beta else x_new
            y_is_x = beta == 0.0
            x, f_x = x_new, f_new
            history.append(f_x)
            small_gradient_at_y = grad_norm <= grad_tol
            if not small_gradient_at_y:
                f_y, grad_y = loss.objective_gradient(y)
                grad_norm = float(np.linalg.norm(grad_y))
            _report(verbose, it, f_x, grad_norm, 1.0 / lipschitz)
            if small_gradient_at_y:
                converged = True
                break
            if callback is not None and callback(x):
                stopped = True
                break
    return SolverResult(
        coef=x,
        n_iter=it,
        loss_history=np.asarray(history, dtype=np.float64),
        converged=converged,
        grad_norm=grad_norm,
        grad_tol=grad_tol,
        learning_rate=1.0 / lipschitz,
        stopped=stopped,
    )


def barzilai_borwein(loss, coef, *, learning_rate, max_iter, tol, verbose=0, callback=None):
    """Barzilai-Borwein steps with a nonmonotone line search (``"bb"``).

    Update ``w_{k+1} = w_k - eta_k grad J(w_k)`` where the trial step is the
    Barzilai-Borwein step ``eta = s^T s / s^T r`` (``s = w_k - w_{k-1}``,
    ``r = grad J(w_k) - grad J(w_{k-1})``), an estimate of the inverse
    curvature along the last move, clipped to ``[1e-10, 1e10] / L0``.

    Step-size rule (safeguard): the nonmonotone Armijo condition of Grippo,
    Lampariello and Lucidi,
    ``J(w_k - eta g) <= max(J over the last 10 iterates) - 1e-4 eta ||g||^2``,
    halving ``eta`` until it holds. ``loss_history`` may therefore rise, but
    never above the largest of its previous 10 entries. The first trial step
    is ``learning_rate`` (``"auto"``: ``1 / L`` from five power iterations).
    Each trial costs one evaluation of the objective and its gradient.
    """
    window = 10
    lipschitz = loss.lipschitz_bound(n_iter=5) if learning_rate == "auto" else 1.0 / learning_rate
    step = 1.0 / lipschitz
    rounding = 16 * np.finfo(loss.dtype).eps
    objective, grad = loss.objective_gradient(coef)
    grad_tol = gradient_tolerance(loss, coef, grad, tol)
    history = [objective]
    grad_norm = float(np.linalg.norm(grad))
    converged, stopped = grad_norm <= grad_tol, False
    it = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while not converged and it < max_iter:
            it += 1
            reference = max(history[-window:])
            while True:
                new_coef = coef - step * grad
                new_objective, new_grad = loss.objective_gradient(new_coef)
                if new_objective <= reference - 1e-4 * step * grad_norm**2 + rounding * abs(
                    reference
                ):
                    break
                step *= 0.5
            s = (new_coef - coef).ravel()
            r = (new_grad - grad).ravel().astype(np.float64)
            curvature = float(np.dot(s, r))
            coef, objective, grad = new_coef, new_objective, new_grad
            grad_norm = float(np.linalg.norm(grad))
            history.append(objective)
            _report(verbose, it, objective, grad_norm, step)
            converged = grad_norm <= grad_tol
            if callback is not None and callback(coef):
                stopped = True
                break
            step = float(np.dot(s, s)) / curvature if curvature > 0 else 1.0 / lipschitz
            step = min(max(step, 1e-10 / lipschitz), 1e10 / lipschitz)
    return SolverResult(
        coef=coef,
        n_iter=it,
        loss_history=np.asarray(history, dtype=np.float64),
        converged=converged,
        grad_norm=grad_norm,
        grad_tol=grad_tol,
        learning_rate=float(step),
        stopped=stopped,
    )


#: Name -> solver function. The one place a solver is registered.
SOLVERS = {
    "gd": gradient_descent,
    "agd": accelerated_gradient_descent,
    "bb": barzilai_borwein,
}
