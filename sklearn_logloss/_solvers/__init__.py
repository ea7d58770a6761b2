"""Gradient-descent solvers over a loss object, and the policy choosing among them.

Every solver is called as::

    solver(loss, coef, *, learning_rate, max_iter, tol, verbose=0, callback=None)
        -> SolverResult

and only calls methods of the loss contract (``objective``,
``objective_gradient`` and, for the solvers that require ``"logit_space"``,
the logit-space methods): no solver re-derives the loss. Each update is a
gradient step (``"momentum"`` adds multiples of previous steps). The layout:

- ``_driver``: :class:`SolverResult` and :class:`Solver`, the loop every
  solver runs (history, counter, stopping rule, report, callback, result)
  and the check of what a solver requires from the loss;
- ``_stopping``: :class:`StoppingRule`, the stopping rule they share;
- ``gd``, ``agd``, ``bb``, ``momentum``: one update rule each;
- ``_policy``: ``solver="auto"`` (:func:`auto_solver`, :func:`coarse_start`),
  the metric of the steps (:func:`metric_kind`) and the sizes of
  ``"momentum"``, decided from the loss's sizes.

A new solver is one module with a :class:`Solver` subclass plus one entry in
:data:`SOLVERS`.
"""

from ._driver import IterationInfo, Solver, SolverResult
from ._policy import (
    auto_solver,
    coarse_start,
    coarse_strides,
    metric_kind,
    momentum_gradient_sum,
    momentum_memory,
)
from ._stopping import StoppingRule
from .agd import AcceleratedGradientDescent, accelerated_gradient_descent
from .bb import BarzilaiBorwein, barzilai_borwein
from .gd import GradientDescent, gradient_descent
from .momentum import MomentumSubspaceSearch, momentum_subspace_search

__all__ = [
    "SOLVERS",
    "AcceleratedGradientDescent",
    "BarzilaiBorwein",
    "GradientDescent",
    "IterationInfo",
    "MomentumSubspaceSearch",
    "Solver",
    "SolverResult",
    "StoppingRule",
    "accelerated_gradient_descent",
    "auto_solver",
    "barzilai_borwein",
    "coarse_start",
    "coarse_strides",
    "gradient_descent",
    "metric_kind",
    "momentum_gradient_sum",
    "momentum_memory",
    "momentum_subspace_search",
]

#: Name -> solver. The one place a solver is registered.
SOLVERS = {
    "gd": gradient_descent,
    "agd": accelerated_gradient_descent,
    "bb": barzilai_borwein,
    "momentum": momentum_subspace_search,
}
