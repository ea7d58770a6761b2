"""The driver every solver runs: minimizers of a quadratic, the requirement
check, the callback protocols, the report and the result."""

import re

import numpy as np
import pytest
from _solver_problems import QuadraticLoss

from sklearn_logloss._solvers import (
    SOLVERS,
    IterationInfo,
    MomentumSubspaceSearch,
    Solver,
)
from sklearn_logloss._solvers._driver import NoStep

OPTIONS = dict(learning_rate="auto", max_iter=3000, tol=1e-8)
#: tol=0: run to the rounding floor (or max_iter). The rule may read it as a few
#: machine epsilons of relative gap: the coefficients are then within about
#: sqrt(2 eps J / mu) of the minimizer.
TO_ROUNDING = dict(learning_rate="auto", max_iter=3000, tol=0.0)


@pytest.mark.parametrize("name", sorted(SOLVERS))
def test_each_solver_reaches_the_minimizer_of_a_quadratic(name):
    loss = QuadraticLoss()
    result = SOLVERS[name](loss, loss.init_coef(), **TO_ROUNDING)
    np.testing.assert_allclose(result.coef, loss.minimizer, rtol=0, atol=1e-6)
    assert abs(loss.objective(result.coef) - loss.minimum) <= 1e-13 * loss.minimum
    assert result.loss_history[0] == loss.objective(loss.init_coef())
    # With a tolerance: stops early, converged, near the minimizer.
    loose = SOLVERS[name](loss, loss.init_coef(), **OPTIONS)
    assert loose.converged and not loose.stopped and loose.n_iter <= result.n_iter
    np.testing.assert_allclose(loose.coef, loss.minimizer, rtol=0, atol=1e-3)


@pytest.mark.parametrize("name", sorted(SOLVERS))
def test_each_solver_starts_from_a_warm_start(name):
    loss = QuadraticLoss(seed=1)
    start = np.full(loss.coef_shape, 0.3)
    result = SOLVERS[name](loss, start, **TO_ROUNDING)
    np.testing.assert_allclose(result.coef, loss.minimizer, rtol=0, atol=1e-6)
    assert result.loss_history[0] == loss.objective(start)
    assert np.all(start == 0.3)  # the start is not modified


def test_momentum_takes_conjugate_gradient_steps_on_a_quadratic():
    # The heavy-ball plane search on a quadratic is the conjugate gradient
    # method: at most n_features steps to the minimizer (up to rounding).
    loss = QuadraticLoss(n_features=5)
    heavy_ball = MomentumSubspaceSearch(memory=1, gradient_sum=False)
    result = heavy_ball(loss, loss.init_coef(), learning_rate="auto", max_iter=5, tol=0.0)
    np.testing.assert_allclose(result.coef, loss.minimizer, rtol=0, atol=1e-6)


def test_a_solver_requiring_a_capability_rejects_a_loss_without_it():
    class NoLogitSpace(QuadraticLoss):
        pass

    def never_called(coef):  # the check comes before any evaluation
        raise AssertionError("evaluated a loss the solver cannot use")

    loss = NoLogitSpace(supports=frozenset())
    loss.objective_gradient = loss.objective = never_called
    message = (
        "solver='momentum' needs the logits of every sample in memory (the loss "
        "capability 'logit_space'), which NoLogitSpace does not offer. Use solver='auto'"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        SOLVERS["momentum"](loss, loss.init_coef(), **OPTIONS)
    # The solvers that need objective and gradient only run on it.
    plain = QuadraticLoss(supports=frozenset())
    for name in ("gd", "agd", "bb"):
        result = SOLVERS[name](plain, plain.init_coef(), **TO_ROUNDING)
        np.testing.assert_allclose(result.coef, plain.minimizer, rtol=0, atol=1e-6)


def test_registered_names_are_the_solvers_names():
    for name, solver in SOLVERS.items():
        assert isinstance(solver, Solver) and solver.name == name
        assert solver.requires <= {"logit_space", "subsample"}


@pytest.mark.parametrize("name", sorted(SOLVERS))
def test_a_function_callback_sees_every_iterate_and_can_stop(name):
    loss = QuadraticLoss()
    seen = []
    full = SOLVERS[name](loss, loss.init_coef(), **OPTIONS, callback=seen.append)
    # Called after every iteration, the last included, with the iterate.
    assert len(seen) == full.n_iter > 3
    assert [loss.objective(coef) for coef in seen] == pytest.approx(full.loss_history[1:])
    np.testing.assert_array_equal(seen[-1], full.coef)
    # A True return stops the solver there: same path, flagged as stopped.
    stopped = SOLVERS[name](
        loss, loss.init_coef(), **OPTIONS, callback=lambda coef: len(seen.append(coef) or seen)
    )
    assert stopped.n_iter == 1 and stopped.stopped and not stopped.converged
    assert stopped.loss_history == pytest.approx(full.loss_history[:2], rel=1e-15)


@pytest.mark.parametrize("name", sorted(SOLVERS))
def test_an_iteration_callback_gets_the_iteration_info(name):
    class StopAtThree:
        def __init__(self):
            self.infos = []

        def on_iteration(self, info):
            self.infos.append(info)
            return info.iteration == 3

    loss = QuadraticLoss()
    monitor = StopAtThree()
    result = SOLVERS[name](loss, loss.init_coef(), **OPTIONS, callback=monitor)
    assert result.n_iter == 3 and result.stopped and not result.converged
    assert [info.iteration for info in monitor.infos] == [1, 2, 3]
    assert all(isinstance(info, IterationInfo) for info in monitor.infos)
    assert [info.objective for info in monitor.infos] == list(result.loss_history[1:])
    last = monitor.infos[-1]
    np.testing.assert_array_equal(last.coef, result.coef)
    assert last.step_size == result.learning_rate > 0
    _, grad = loss.objective_gradient(result.coef)
    if name != "agd":  # agd's rule measures the gradient at its extrapolated point
        assert last.grad_norm == pytest.approx(np.linalg.norm(grad), rel=1e-12)


@pytest.mark.parametrize("name", sorted(SOLVERS))
def test_verbose_prints_one_line_per_iteration(name, capsys):
    loss = QuadraticLoss()
    result = SOLVERS[name](loss, loss.init_coef(), **OPTIONS, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == result.n_iter
    last = re.fullmatch(
        r"Iteration (\d+), objective = (\S+), gradient norm = (\S+), step = (\S+)", lines[-1]
    )
    assert int(last[1]) == result.n_iter
    assert float(last[2]) == pytest.approx(result.loss_history[-1], rel=1e-9)
    assert float(last[3]) > 0
    SOLVERS[name](loss, loss.init_coef(), **OPTIONS)
    assert capsys.readouterr().out == ""


def test_max_iter_bounds_the_iterations_and_is_not_convergence():
    loss = QuadraticLoss()
    result = SOLVERS["gd"](loss, loss.init_coef(), learning_rate="auto", max_iter=4, tol=1e-13)
    assert result.n_iter == 4 and not result.converged and not result.stopped
    assert result.loss_history.shape == (5,)
    assert np.all(np.diff(result.loss_history) < 0)


class ExactLineSearch(Solver):
    """Steepest descent with the exact step of a quadratic: a solver written
    as the driver asks (setup and step), to test the driver alone."""

    name = "exact"

    def __init__(self, give_up_at=None):
        self.give_up_at = give_up_at

    def setup(self, coef, learning_rate):
        return self.loss.objective_gradient(coef)

    def step(self, iteration):
        if iteration == self.give_up_at:
            raise NoStep(converged=False)
        grad = self.grad
        self.step_size = float(np.vdot(grad, grad) / np.vdot(grad, self.loss.hessian @ grad))
        self.coef = self.coef - self.step_size * grad
        self.objective, self.grad = self.loss.objective_gradient(self.coef)


def test_a_new_solver_is_a_setup_and_a_step():
    loss = QuadraticLoss()
    solver = ExactLineSearch()
    result = solver(loss, loss.init_coef(), **TO_ROUNDING)
    np.testing.assert_allclose(result.coef, loss.minimizer, rtol=0, atol=1e-6)
    assert result.loss_history.shape == (result.n_iter + 1,)
    loose = solver(loss, loss.init_coef(), **OPTIONS)
    assert loose.converged and loose.n_iter < result.n_iter
    # A step that cannot be made ends the run with what it says.
    stuck = ExactLineSearch(give_up_at=3)(loss, loss.init_coef(), **TO_ROUNDING)
    assert stuck.n_iter == 2 and not stuck.converged and not stuck.stopped
    assert stuck.loss_history == pytest.approx(result.loss_history[:3], rel=1e-15)
    # Each call runs on a copy: the solver object keeps no state between fits.
    assert not hasattr(solver, "coef") and not hasattr(solver, "loss")


def test_a_solver_object_can_be_reused():
    loss = QuadraticLoss()
    solver = MomentumSubspaceSearch()
    first = solver(loss, loss.init_coef(), **OPTIONS)
    second = solver(QuadraticLoss(seed=2), np.zeros((4, 1)), **OPTIONS)
    again = solver(loss, loss.init_coef(), **OPTIONS)
    assert solver.memory is None and solver.gradient_sum is None  # chosen per loss
    np.testing.assert_array_equal(again.coef, first.coef)
    assert not np.allclose(second.coef, first.coef)
