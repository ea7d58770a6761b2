"""Gradient descent with a fixed learning rate (``solver="gd"``)."""

import numpy as np

from ._driver import Solver

__all__ = ["GradientDescent", "gradient_descent"]


def _diverged_error(learning_rate, iteration):
    return ValueError(
        f"The learning rate learning_rate={learning_rate!r} is too large: gradient "
        f"descent diverged at iteration {iteration} (the objective rose above its starting "
        "value or stopped being finite). Use a smaller learning_rate, "
        "learning_rate='auto', or a line-search solver such as solver='agd'."
    )


class GradientDescent(Solver):
    """Gradient descent with a fixed learning rate (``solver="gd"``).

    The textbook update ``w <- w - eta * grad J(w)``. With
    ``learning_rate="auto"``, ``eta = 1 / L`` where ``L`` bounds the Lipschitz
    constant of the gradient (``loss.lipschitz_bound()``); the objective then
    decreases at every step.

    A fixed step can only make the objective rise above its starting value
    when it is too large for the curvature, so that (or a non-finite value)
    raises a ValueError instead of returning diverged coefficients.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_logloss._loss import make_loss
    >>> from sklearn_logloss._solvers import gradient_descent
    >>> X, y = np.array([[-1.0], [0.0], [1.0], [2.0]]), np.array([0, 1, 0, 1])
    >>> toy = make_loss(X, y, np.ones(4), n_classes=2, alpha=0.1, fit_intercept=True)
    >>> fit = gradient_descent(toy, toy.init_coef(), learning_rate="auto", max_iter=99, tol=1e-8)
    >>> bool(np.all(np.diff(fit.loss_history) < 0))  # 1 / L steps: J decreases
    True
    """

    name = "gd"

    def setup(self, coef, learning_rate):
        loss = self.loss
        self.learning_rate = learning_rate
        self.step_size = 1.0 / loss.lipschitz_bound() if learning_rate == "auto" else learning_rate
        objective, grad = loss.objective_gradient(coef)
        self.start = objective
        return objective, grad

    def step(self, iteration):
        coef = self.coef - self.step_size * self.grad
        objective, grad = self.loss.objective_gradient(coef)
        grad_norm = float(np.linalg.norm(grad))
        if not (np.isfinite(objective) and np.isfinite(grad_norm)) or (
            objective > self.start + 1e-3 * abs(self.start)
        ):
            raise _diverged_error(self.learning_rate, iteration)
        self.coef, self.objective, self.grad = coef, objective, grad


gradient_descent = GradientDescent()
