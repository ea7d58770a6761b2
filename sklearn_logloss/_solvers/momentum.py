"""Heavy-ball momentum with a subspace search (``solver="momentum"``)."""

import math

import numpy as np

from .._compat import cholesky_or_none, solve_small
from ._driver import NoStep, Solver
from ._policy import momentum_gradient_sum, momentum_memory

__all__ = ["MomentumSubspaceSearch", "momentum_subspace_search"]

#: Row of the direction stack holding the gradient's direction (then the
#: new step). With the gradient sum, rows 1 and 2 hold the point and the
#: weighted gradient sum (in the order the run adds them to the model, see
#: ``MomentumSubspaceSearch.step``); the kept steps follow.
_GRADIENT = 0

#: Without the point among the directions, the point's logits are not kept
#: where an array of them takes more than this fraction of the data's bytes
#: (few stored values a row): each evaluation then makes them from the
#: coefficients, a block at a time, with one product with ``X`` more.
POINT_LOGITS_FRACTION = 0.25


def _failing_direction(matrix):
    """The first direction ``j`` at which ``matrix`` stops being positive definite."""
    for size in range(2, len(matrix) + 1):
        if cholesky_or_none(matrix[:size, :size]) is None:
            return size - 1
    return len(matrix) - 1  # pragma: no cover (the full matrix failed)


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
    if k == 1:  # a gradient step of exact length along the curvature (Cauchy's)
        return np.array([-float(slope[0]) / float(forms[0, 0])])
    if k == 2:  # the heavy ball: the same rule in closed form (the pivot is sqrt(det))
        (f00, f01), (_, f11) = forms.tolist()
        s0, s1 = slope.tolist()
        det = f00 * f11 - f01 * f01
        if f11 > 0 and det > 1e-10 * f00 * f11:
            a, b = (f01 * s1 - f11 * s0) / det, (f01 * s0 - f00 * s1) / det
            if s0 * a + s1 * b < 0:
                return np.array([a, b])
        return np.array([-s0 / f00, 0.0])
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return _reduced_step(forms, slope)


def _reduced_step(forms, slope):
    """:func:`_subspace_step` for three directions or more (see there)."""
    k = len(slope)
    keep = None  # every direction
    sub_forms, sub_slope = forms, slope
    while keep is None or len(keep) > 1:
        diag = sub_forms.diagonal()
        if not all(value > 0 for value in diag.tolist()):  # no curvature along some direction
            keep = np.arange(k)[diag > 0] if keep is None else keep[diag > 0]
        else:
            scale = 1.0 / np.sqrt(diag)
            scaled = sub_forms * np.multiply.outer(scale, scale)
            factor = cholesky_or_none(scaled)
            if factor is not None and min(factor.diagonal().tolist()) > 1e-5:
                c_sub = solve_small(scaled, sub_slope * -scale)
                c_sub *= scale
                if not sub_slope @ c_sub < 0:
                    break
                if keep is None:
                    return c_sub
                c = np.zeros(k)
                c[keep] = c_sub
                return c
            # Not positive definite from a direction on, or a direction
            # nearly in the span of those before it: drop it.
            if factor is None:
                drop = _failing_direction(scaled)
            else:
                drop = int(np.argmax(factor.diagonal() <= 1e-5))
            keep = np.delete(np.arange(k) if keep is None else keep, drop)
        sub_forms, sub_slope = forms[np.ix_(keep, keep)], slope[keep]
    c = np.zeros(k)
    c[0] = -slope[0] / forms[0, 0]
    return c


class MomentumSubspaceSearch(Solver):
    """Heavy-ball momentum with a subspace search (``"momentum"``).

    Update ``w_{k+1} = w_k + a_k (-g_k) + sum_j b_{k,j} s_{k-j} + c_k G_k + e_k w_k``:
    a gradient step ``-g_k = -grad J(w_k)`` plus momentum, a multiple of the
    previous step ``s_{k-1} = w_k - w_{k-1}`` (Polyak's heavy ball) and of
    the ``m - 1`` steps before it, plus, with the gradient sum, two
    directions built from the same gradients: Nemirovski's weighted sum of
    all gradients, ``G_k = -sum_{i<=k} omega_i g_i`` with
    ``omega_i = 1/2 + sqrt(1/4 + omega_{i-1}^2)``, and ``w_k`` itself (a
    rescaling of the whole model; ``w_k - w_0`` from a zero start). Every
    iterate stays in the span of the gradients seen.

    Step-size rule: the coefficients minimize the quadratic model of ``J``
    on the subspace of these directions, built from the slopes ``g_k . d``
    and the curvatures ``d^T H(w_k) d'`` along them (a Newton step on a
    function of ``m + 3`` variables, ``m + 1`` without the two extra
    directions, i.e. a line search in that many dimensions; see the loss's
    ``hessian_forms``); directions nearly in the span of the others are left
    out. A step that does not decrease ``J`` by 1e-4 of its predicted
    first-order decrease is halved until it does, so ``loss_history`` never
    increases (up to ``16 eps |J|`` of rounding). This is the SESOP method of
    Narkiss and Zibulevsky (2005) with ``m`` previous steps and Nemirovski's
    directions; with the heavy-ball step alone it is the conjugate gradient
    method on a quadratic. The kept steps are never dropped: their curvature
    is measured at ``w_k``, so a step that is no longer conjugate to the
    gradient only adds a direction the model weighs by what it is worth
    (unlike a nonlinear conjugate gradient method, whose step-size formula
    assumes conjugacy and is reset by Powell's restart). ``learning_rate``
    is not used.

    Cost: the logits of ``w_k`` and of every direction are kept (logits are
    linear in the coefficients), so an iteration makes one product with ``X``
    (the logits of the gradient) and one with ``X^T`` (the next gradient),
    plus pointwise operations; a halving costs pointwise operations and one
    product with ``X^T``. Memory: ``m + 4`` arrays of logits, shape
    ``(n_outputs, n_samples)`` (``m + 3`` without the two extra
    directions); the loss's scratch is a few chunks of rows. With one kept
    step and a loss that offers ``"lean_logit_space"``, one fewer: the
    gradient's logits are made in the pass of the curvature forms, over the
    probabilities, and the step's over the kept step's. Without the two
    extra directions there, where an array of logits takes more than
    :data:`POINT_LOGITS_FRACTION` of the data's bytes, the logits of
    ``w_k`` are not kept either: each evaluation makes them (one more
    product with ``X``). The kept logits of ``w_k`` are recomputed from the
    coefficients every 50 iterations (10 in float32) so that rounding cannot
    accumulate.

    A change of metric during a run (the driver's ``moves``) keeps the state:
    see :meth:`rebase`. After each step, :attr:`proba` holds the loss's
    probabilities at the point (a metric made there takes them, see
    :func:`~.._loss._precondition.make_metric`).

    Parameters
    ----------
    memory : int, default=None
        ``m``, the previous steps searched over; None: :func:`~._policy.momentum_memory`.
    gradient_sum : bool, default=None
        Whether to search along the gradient sum and the point too; None:
        :func:`~._policy.momentum_gradient_sum`.

    Examples
    --------
    The heavy ball alone (one kept step, no extra directions):

    >>> import numpy as np
    >>> from sklearn_logloss._loss import make_loss
    >>> from sklearn_logloss._solvers import MomentumSubspaceSearch
    >>> heavy_ball = MomentumSubspaceSearch(memory=1, gradient_sum=False)
    >>> X = np.stack([np.linspace(-2, 2, 40), np.cos(np.arange(40))], axis=1)
    >>> labels = (np.sin(5 * X[:, 0]) > 0).astype(int)
    >>> curve = make_loss(X, labels, np.ones(40), n_classes=2, alpha=0.1, fit_intercept=True)
    >>> run = heavy_ball(curve, curve.init_coef(), learning_rate="auto", max_iter=99, tol=1e-8)
    >>> run.converged
    True
    """

    name = "momentum"
    requires = frozenset({"logit_space"})

    def __init__(self, memory=None, gradient_sum=None):
        self.memory = memory
        self.gradient_sum = gradient_sum

    def setup(self, coef, learning_rate):
        del learning_rate  # the subspace search sets the step sizes
        loss = self.loss
        self.rounding = 16 * np.finfo(loss.dtype).eps
        if self.memory is None:
            self.memory = momentum_memory(loss)
        if self.gradient_sum is None:
            self.gradient_sum = momentum_gradient_sum(loss)
        # Rows: see _GRADIENT; the kept steps are a ring from row first_step
        # on. The point's logits are the kept logits. Logits are arrays of
        # the loss's namespace.
        first_step = self.first_step = 3 if self.gradient_sum else 1
        # From zero the point enters the model after the gradient sum (it is
        # 0, then in the gradients' span), from elsewhere before it.
        self.zero_start = not np.any(coef)
        self.point_row, self.sum_row = (2, 1) if self.zero_start else (1, 2)
        self.directions = np.zeros((first_step + self.memory, *coef.shape), dtype=coef.dtype)
        self.logit_directions = loss.empty_logits(first_step + self.memory)
        # One kept step and a loss that makes the gradient's logits in the
        # pass of the forms: the probabilities live in row 0, where those
        # logits go, and each step is combined into the kept step's row (the
        # last), which it replaces: no array of probabilities besides.
        self.lean = self.memory == 1 and "lean_logit_space" in loss.supports
        logits_bytes = loss.n_samples * loss.n_outputs * loss.dtype.itemsize
        if self.gradient_sum:
            self.logit_directions[self.sum_row, ...] = 0
            self.logits = self.logit_directions[self.point_row, ...]
        elif self.lean and logits_bytes > POINT_LOGITS_FRACTION * loss.data_nbytes:
            self.logits = None  # made from the coefficients at each evaluation
        else:
            self.logits = loss.empty_logits()
        if self.logits is None:
            pass
        elif not self.zero_start:
            loss.logits(coef, out=self.logits)
        else:  # the logits of zero coefficients: no pass over X
            self.logits[...] = 0
        if self.lean:
            self.logit_directions[first_step, ...] = 0  # weighted by 0 until a step is kept
            self.proba = self.logit_directions[_GRADIENT, ...]
        else:
            self.proba = loss.empty_logits()
        self.kept = self.made = 0  # steps kept, steps made
        self.weight_sum = 0.0  # Nemirovski's omega of the last gradient
        # Rounding accumulates in the kept logits at about eps per iteration.
        self.refresh = 50 if loss.dtype.itemsize >= 8 else 10
        return loss.objective_gradient_at(coef, self.logits, self.proba)

    def rebase(self, loss):
        """Continue in the coordinates of ``loss`` (see :meth:`~._driver.Solver.rebase`).

        The point and the directions kept (the steps and the gradient sum)
        keep their coefficients ``w`` and logits: only their coordinates
        change, ``u' = T'^{-1} T u``; the gradient is ``T'^T T^{-T} g``.
        With several kept steps (small softmax problems), the search starts
        afresh instead, as from a new start: in the new metric those steps are
        nearly dependent, and the model drops them one at a time (wine: 4.5
        -> 5.3 ms with them carried over).
        """
        old, new = self.loss.metric, loss.metric
        if not hasattr(old, "user_gradient"):  # no T^{-T}: a fresh start there
            return super().rebase(loss)
        dtype = loss.dtype
        self.grad = new.gradient(old.user_gradient(self.grad)).astype(dtype, copy=False)
        self.loss = loss
        carried = self.memory == 1
        # One stack, one product (a coupled metric solves with its matrix: once).
        stack = self.coef[None]
        if carried:
            stack = np.concatenate([stack, self.directions[1:]])
        stack = new.from_coef(old.to_coef(stack)).astype(dtype, copy=False)
        self.coef = stack[0]
        if carried:
            self.directions[1:] = stack[1:]  # row 0 is made anew each step
            return
        self.made = self.kept = 0
        if self.gradient_sum:
            self.weight_sum = 0.0
            self.directions[self.sum_row] = 0
            self.logit_directions[self.sum_row, ...] = 0

    def _forms(self, k):
        """Put ``-g_k`` and its logits in row 0, update the gradient sum and the point;
        the curvature forms of the first ``k`` directions."""
        loss, directions, logit_directions = self.loss, self.directions, self.logit_directions
        np.negative(self.grad, out=directions[_GRADIENT])
        if self.gradient_sum:
            directions[self.point_row] = self.coef
        if not self.lean:
            loss.logits(directions[_GRADIENT], out=logit_directions[_GRADIENT, ...])
            self._update_gradient_sum()
            return loss.hessian_forms(self.proba, logit_directions, directions[:k])
        # The loss writes the gradient's logits over the probabilities (row 0)
        # in its pass; the gradient sum is still G_{k-1} there, and the forms
        # are then moved to G_k = ratio G_{k-1} + (-g_k) (the same subspace).
        forms = loss.hessian_forms(
            logit_directions[_GRADIENT, ...], logit_directions, directions[:k]
        )
        if not self.gradient_sum:
            return forms
        ratio = self._update_gradient_sum()
        row = self.sum_row
        if k > row:  # C^T forms C, C the identity but for column row: e_0 + ratio e_row
            forms[:, row] *= ratio
            forms[:, row] += forms[:, _GRADIENT]
            forms[row] *= ratio
            forms[row] += forms[_GRADIENT]
        return forms

    def _update_gradient_sum(self):
        """``G_k / omega_k = (omega_{k-1} / omega_k) G_{k-1} / omega_{k-1} - g_k``, logits too."""
        if not self.gradient_sum:
            return None
        directions, logit_directions = self.directions, self.logit_directions
        new_weight_sum = 0.5 + math.sqrt(0.25 + self.weight_sum**2)
        ratio, self.weight_sum = self.weight_sum / new_weight_sum, new_weight_sum
        row = self.sum_row
        directions[row] *= ratio
        directions[row] += directions[_GRADIENT]
        logit_directions[row, ...] *= ratio
        logit_directions[row, ...] += logit_directions[_GRADIENT, ...]
        return ratio

    def step(self, iteration):
        loss, coef, grad = self.loss, self.coef, self.grad
        directions, logit_directions, logits = self.directions, self.logit_directions, self.logits
        k = self.first_step + self.kept
        if self.gradient_sum:
            # Directions in the span of those before them are left out (their
            # forms would cost a pass and the model would drop them): at a
            # run's first iteration the gradient sum is -g_1 itself; at its
            # second the kept step s_1 = a (-g_1) + c w_1 is in the span of
            # w_2 = w_1 + s_1 and of g_1 = -(G_2 + g_2) / ratio. From zero
            # the point is 0, then a combination of g_1 and g_2 until the
            # fourth iteration: one direction more an iteration until all are in.
            k = min(k, self.made + (1 if self.zero_start else 2))
        forms = self._forms(k)
        slope = directions[:k].reshape(k, -1) @ np.asarray(grad, dtype=np.float64).ravel()
        coefs = _subspace_step(forms, slope)
        if coefs is None:
            raise NoStep(converged=False)
        self.step_size = float(coefs[_GRADIENT])
        new_step = (coefs.astype(coef.dtype) @ directions[:k].reshape(k, -1)).reshape(coef.shape)
        if self.lean:  # the new step's logits replace the kept step's (the last row)
            weights = np.zeros(self.first_step + 1)
            weights[:k] = coefs
            step_logits = loss.combine_into_first(weights[::-1], logit_directions[::-1, ...])
        else:  # the new step's logits replace the gradient's
            step_logits = loss.combine_into_first(coefs, logit_directions)
        predicted = float(slope @ coefs)
        objective = self.objective
        if logits is not None:
            logits += step_logits
        for _ in range(60):
            new_coef = coef + new_step
            new_objective, new_grad = loss.objective_gradient_at(new_coef, logits, self.proba)
            if new_objective <= objective + 1e-4 * predicted + self.rounding * abs(objective):
                break
            step_logits *= 0.5
            if logits is not None:
                logits -= step_logits
            new_step *= 0.5
            predicted *= 0.5
        else:  # no decrease even for a tiny step: the rounding floor is reached
            raise NoStep(converged=True)
        self.coef, self.objective, self.grad = new_coef, new_objective, new_grad
        slot = self.first_step + self.made % self.memory
        directions[slot] = new_step
        if not self.lean:
            logit_directions[slot, ...] = step_logits
        self.made += 1
        self.kept = min(self.made, self.memory)
        if iteration % self.refresh == 0 and logits is not None:
            loss.logits(new_coef, out=logits)


momentum_subspace_search = MomentumSubspaceSearch()
