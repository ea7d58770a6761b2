"""Nesterov's accelerated gradient with backtracking and restart (``solver="agd"``)."""

import numpy as np

from ._driver import NoStep, Solver

__all__ = ["AcceleratedGradientDescent", "accelerated_gradient_descent"]


class AcceleratedGradientDescent(Solver):
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

    Examples
    --------
    On the standardized wine data, the objective never increases:

    >>> from sklearn.datasets import load_wine
    >>> from sklearn.preprocessing import scale
    >>> import numpy as np
    >>> X, y = load_wine(return_X_y=True)
    >>> from sklearn_logloss._loss import make_loss
    >>> wine = make_loss(scale(X), y, np.ones(178), n_classes=3, alpha=1e-3, fit_intercept=True)
    >>> from sklearn_logloss._solvers import accelerated_gradient_descent
    >>> run = accelerated_gradient_descent(
    ...     wine, wine.init_coef(), learning_rate="auto", max_iter=1000, tol=1e-8
    ... )
    >>> run.converged, bool(np.all(np.diff(run.loss_history) <= 0))
    (True, True)
    """

    name = "agd"

    def setup(self, coef, learning_rate):
        loss = self.loss
        # A rough estimate is enough: backtracking corrects it from either side.
        if learning_rate == "auto":
            self.lipschitz = loss.lipschitz_bound(n_iter=5)
        else:
            self.lipschitz = 1.0 / learning_rate
        self.rounding = 16 * np.finfo(loss.dtype).eps
        objective, grad = loss.objective_gradient(coef)
        # The extrapolated point y, its objective and gradient; whether the
        # stopping rule was met there (a start where it is makes no step).
        self.y, self.f_y, self.grad_y, self.y_is_x = coef, objective, grad, True
        self.momentum = 1.0
        self.met = self.met_at_y = False
        return objective, grad

    @property
    def step_size(self):
        return 1.0 / self.lipschitz

    def step(self, iteration):
        loss, rule = self.loss, self.rule
        x, f_x = self.coef, self.objective
        while True:
            if self.met and self.y_is_x:
                raise NoStep(converged=True)
            y, f_y = self.y, self.f_y
            decrease = 0.5 * rule.grad_norm**2
            noise = self.rounding * abs(f_y)
            while True:
                x_new = y - self.grad_y / self.lipschitz
                f_new = loss.objective(x_new)
                if f_new <= f_y - decrease / self.lipschitz + noise:
                    break
                self.lipschitz *= 2.0
            if f_new > f_x and not self.y_is_x:
                # Momentum overshot: restart from x_k with a plain gradient step.
                self.momentum = 1.0
                self.y, self.y_is_x = x, True
                self.f_y, self.grad_y = loss.objective_gradient(x)
                self.met = rule(x, self.f_y, self.grad_y)
                continue
            break
        self.lipschitz *= 0.9
        next_momentum = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * self.momentum**2))
        beta = float((self.momentum - 1.0) / next_momentum)
        self.momentum = next_momentum
        self.y = x_new + beta * (x_new - x) if beta else x_new
        self.y_is_x = beta == 0.0
        self.coef, self.objective = x_new, f_new
        # Met at the point this step started from: x_new is the answer.
        self.met_at_y = self.met
        if not self.met_at_y:
            self.f_y, self.grad_y = loss.objective_gradient(self.y)
            self.met = rule(self.y, self.f_y, self.grad_y)

    def check(self):
        return self.met_at_y


accelerated_gradient_descent = AcceleratedGradientDescent()
