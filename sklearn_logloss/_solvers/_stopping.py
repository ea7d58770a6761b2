"""The stopping rule every solver shares, backed by a bound that holds.

``tol`` bounds the relative objective gap ``(J - J*) / J`` of the returned
coefficients: a fit stops only where a *certificate* says so.

**The Hessian's certificate** (:func:`curvature_certificate`, the math in
:mod:`~.._loss._curvature`): the log loss is self-concordant in its logits,
so the Hessian ``H`` at a point bounds the gap by about ``lambda^2 / 2``,
``lambda^2 = g^T H^{-1} g``: the true gap to second order, whatever
``alpha`` (0 included) and the features' scales. ``H`` costs two passes of
``O(n d^2 K^2)`` over the data: the rule forms it where that is at most
:data:`HESSIAN_FREE_WORK` multiply-adds or at most the work the fit has done
so far (so the certificate never more than doubles a fit's work), and where
its matrices fit in memory (:data:`HESSIAN_SIZE` coefficients,
:data:`HESSIAN_BYTES`).

**The metric's Hessian** (:func:`reference_certificate`): where the steps'
metric is a two-class Hessian ``H0`` taken earlier (on all rows or a
subsample), the Hessian here is at least ``c H0`` (self-concordance again),
so the gradient's norm in that metric bounds Newton's decrement: a check
costs a product with ``H0``'s rows, not a new Hessian. It serves where the
full Hessian is not affordable, and is checked first where the metric was
taken near the optimum (the fit's last move, see
:meth:`~._fit.FitPlan.run`: ``c`` is then close to 1).

**The penalty's certificate** (:func:`certify`, ``alpha > 0``). ``phi(W) =
min_b J(W, b)``, the objective with the intercepts at their best for the
weights ``W``, is ``alpha``-strongly convex: it is ``alpha/2 ||W||^2`` plus a
partial minimum of a convex function, itself convex. Hence, with ``b*(W)``
those intercepts,

    J(W, b*(W)) - J*  <=  ||grad_W J(W, b*(W))||^2 / (2 alpha),

whatever the data, its scaling or the solver's path. :func:`certify` moves a
point to ``b*(W)`` (Newton's method on the intercepts alone) and returns
this bound relative to ``J``. It costs a few passes, but is loose by the
ratio of the loss's curvature to ``alpha``: it serves where the Hessian is
out of reach, or where the Hessian's bound does not hold yet.

**When to check.** A check costs passes over the data, so it is made where
a cheap quantity says the fit may be done: in the metric of a
preconditioned loss (:mod:`~.._loss._precondition`), where the curvature is
at most about 1, ``||g||^2 / (2 |J|)``; otherwise the estimate ``||g||^2 /
(2 mu_hat |J|)``, with ``mu_hat`` the smallest secant curvature ``s^T r /
s^T s`` seen along the solver's moves (``s`` a move, ``r`` the change of the
gradient over it). Either can be fooled (after one move along a large-scale
column the secants have seen only a large curvature); a check that fails
multiplies the quantity by the ratio of the certificate's value to it, so
the next check comes when the certificate is expected to pass. A run that
reaches ``max_iter`` is checked once more there.

**Where no certificate is in reach** (``alpha = 0`` and the Hessian too large,
or a point where neither passed), a fit with ``alpha > 0`` goes on until the
penalty's certificate passes, or ``max_iter``; with ``alpha = 0`` it ends
where the gradient has fallen to ``tol`` times its norm at zero, or, the
Hessian out of reach, where the estimate is below ``tol``, and says so
(:attr:`StoppingRule.uncertified`): the driver warns. An estimate never
ends a fit silently.
"""

import math

import numpy as np

from .._compat import lower_inverse
from .._loss._curvature import gap_bound, zero_sum_basis
from .._loss._precondition import hessian_in, standardizing_metric

__all__ = [
    "StoppingRule",
    "best_intercepts",
    "certify",
    "curvature_certificate",
    "reference_certificate",
]

_TINY = float(np.finfo(np.float64).tiny)
_EPS = float(np.finfo(np.float64).eps)
#: The curvature certificate's matrices (Hessian, factor, inverses) may take this
#: many bytes on data of at most :data:`SMALL_DATA_BYTES`, else 5% of the data.
HESSIAN_BYTES = 16 << 20
SMALL_DATA_BYTES = 32 << 20
#: The largest number of coefficients (on the zero-sum subspace) it handles.
HESSIAN_SIZE = 1024
#: Multiply-adds a check of the curvature certificate may always cost; beyond,
#: at most what the fit has done so far.
HESSIAN_FREE_WORK = 2e7
#: Where the Hessian's bound does not hold yet (``lambda rho >= 1``), the next
#: check is scheduled where ``(lambda rho)^2`` is expected to be this.
FAR_MARGIN = 0.5


def _finite_difference_hessian(loss, coef, grad_b):
    d, k = loss.n_features, loss.n_outputs
    hessian = np.empty((k, k))
    for j in range(k):
        h = 1e-6 * (1.0 + abs(coef[d, j]))
        moved = coef.copy()
        moved[d, j] += h
        _, grad = loss.objective_gradient(moved.astype(loss.dtype))
        hessian[:, j] = (np.asarray(grad[d], dtype=np.float64) - grad_b) / h
    return 0.5 * (hessian + hessian.T)


def _newton_step(hessian, grad_b):
    """``H^+ g``; for the softmax, in the classes' zero-sum subspace.

    The softmax intercepts are defined up to a common shift, along which
    ``H`` is singular: the step is solved with that direction made stiff
    (``H + 1 1^T tr(H) / K``) and centred, so it never moves the shift.
    """
    k = grad_b.shape[0]
    if k == 1:
        return grad_b / hessian[0, 0] if hessian[0, 0] > 0 else np.full(1, np.nan)
    stiff = hessian + np.trace(hessian) / k
    step = np.linalg.lstsq(stiff, grad_b - grad_b.mean(), rcond=None)[0]
    return step - step.mean()


def best_intercepts(loss, coef, *, max_steps=50):
    """``(coef, objective, grad)`` with the intercepts of ``coef`` best for its weights.

    Damped Newton's method on the intercepts from the current ones, with
    steps within a trust region in logit units (2 at first, widened while it
    binds) and halved while they raise the objective. A loss that keeps
    logits gives the intercepts' gradient and Hessian from pointwise passes
    (``intercept_sums``: no product with ``X`` until the final gradient);
    another uses finite differences of its gradient. ``loss`` is not
    preconditioned; ``coef`` float64.
    """
    coef = np.array(coef, dtype=np.float64)
    d = loss.n_features
    eps = float(np.finfo(loss.dtype).eps)  # the rounding of the loss's arithmetic
    logit_space = "logit_space" in loss.supports
    # Two arrays of all logits are kept unless they would be large next to X;
    # then a loss that can forms them block by block at every step.
    logit_bytes = 2 * loss.n_samples * loss.n_outputs * loss.dtype.itemsize
    blocked = hasattr(loss, "intercept_sums_at") and logit_bytes > 0.1 * loss.data_nbytes
    logit_space = logit_space and not blocked
    if not loss.fit_intercept:
        return (coef, *loss.objective_gradient(coef.astype(loss.dtype)))
    if logit_space:
        logits = loss.logits(coef.astype(loss.dtype))
        proba = loss.empty_logits()
    xp = getattr(loss, "xp", np)

    def move(step):  # the intercepts (and their logits, row k by step k) by -step
        coef[d] -= step
        if logit_space:
            shift = step.astype(loss.dtype)[:, None]
            if xp is np:
                logits[...] -= shift
            else:
                logits[...] = logits - xp.asarray(shift, device=loss.device)

    last_step, previous, radius = None, np.inf, 2.0
    for _ in range(max_steps):
        if logit_space:
            objective, grad_b, hessian = loss.intercept_sums(logits, proba)
        elif blocked:
            objective, grad_b, hessian = loss.intercept_sums_at(coef.astype(loss.dtype))
        else:
            objective, grad = loss.objective_gradient(coef.astype(loss.dtype))
            grad_b = np.asarray(grad[d], dtype=np.float64)
            hessian = None
        if last_step is not None and not objective <= previous + 16 * eps * abs(previous):
            last_step = -0.5 * last_step  # undo half of the last step
            move(last_step)
            last_step = -last_step
            radius = np.abs(last_step).max()
            continue
        previous = objective
        if hessian is None:
            hessian = _finite_difference_hessian(loss, coef, grad_b)
        step = _newton_step(hessian, grad_b)
        if not np.all(np.isfinite(step)):
            break
        largest = max(np.abs(step).max(), _TINY)
        if largest > radius:  # a trust region in logit units, widened while it binds
            step *= radius / largest
            radius *= 4.0
        # A step that moves nothing: done. Newton's decrement below rounding:
        # this step is the last. It changes J by rounding only, but it takes
        # the intercepts' gradient from about sqrt(eps) to eps, and the
        # weights' gradient, which the bound squares, depends on it.
        if largest <= 1e-13 * (1.0 + np.abs(coef[d]).max()):
            break
        last = float(grad_b @ step) <= 16 * eps * abs(objective)
        move(step)
        last_step = step
        if last:
            break
    if logit_space:
        objective, grad = loss.objective_gradient_at(coef.astype(loss.dtype), logits, proba)
    elif blocked or last_step is not None:
        objective, grad = loss.objective_gradient(coef.astype(loss.dtype))
    return coef, objective, grad


def certify(loss, coef):
    """``(bound, coef, objective, grad)``: a certified relative gap near ``coef``.

    ``coef`` (in the coordinates of ``loss``, which may be preconditioned:
    see :class:`~.._loss._precondition.PreconditionedLoss`) is moved to the
    best intercepts for its weights; ``bound`` bounds ``(J - J*) / J`` at the
    returned ``coef`` (``inf`` when ``alpha = 0``). ``objective`` and ``grad``
    are ``J`` and its gradient there, in the coordinates of ``loss``.
    """
    metric = loss.metric
    base = loss if metric is None else loss.base
    w = np.asarray(coef, dtype=np.float64) if metric is None else metric.to_coef(coef)
    w, objective, grad = best_intercepts(base, w)
    weights = np.asarray(grad[: base.n_features], dtype=np.float64)
    bound = math.inf
    if base.alpha > 0 and np.isfinite(objective):
        bound = float(np.vdot(weights, weights)) / (2.0 * base.alpha * max(abs(objective), _TINY))
    if metric is not None:
        w, grad = metric.from_coef(w), metric.gradient(grad)
    return bound, w.astype(loss.dtype), objective, np.asarray(grad, dtype=loss.dtype)


def hessian_size(loss):
    """The Hessian's order: coefficients on the classes' zero-sum subspace."""
    return max(1, loss.n_outputs - 1) * (loss.n_features + loss.fit_intercept)


def gradient_work(loss):
    """Multiply-adds of a gradient of ``loss`` (not preconditioned): two products with ``X``."""
    return 2.0 * loss.data_nbytes / loss.dtype.itemsize * loss.n_outputs


def hessian_work(loss):
    """The cost of a check of the Hessian's certificate, in :func:`gradient_work` units.

    The pairs of class blocks of the Hessian and the rows' forms, ``n
    n_coef^2 (r (r + 1) / 2 + 1)`` multiply-adds, and its factor and
    inverses, ``2 (r n_coef)^3``, with ``r = max(1, n_outputs - 1)``; counted
    at half, as products of matrices (BLAS 3) run about twice as fast per
    multiply-add as a gradient's products with vectors and pointwise passes
    (measured 2 to 7 times on breast_cancer, digits, 40000 x 18 and 50000 x 100).
    """
    n_coef = loss.n_features + loss.fit_intercept
    r = max(1, loss.n_outputs - 1)
    rows = loss.n_samples * n_coef * n_coef
    return 0.5 * (rows * (r * (r + 1) / 2 + 1) + 2.0 * (r * n_coef) ** 3)


def _data_range(loss, standard, size):
    """An orthonormal basis of the coefficients the data see, or None where all are seen.

    Without a penalty, ``J`` does not change along a direction ``v`` whose
    rows' logits ``z_i^T v`` are all zero: the null space of the centred
    Gram matrix (up to rounding, as in ``numpy.linalg.matrix_rank``), taken
    for every class of the zero-sum subspace (``size`` coefficients). None
    where ``alpha > 0`` (the penalty sees every direction) or the Gram matrix
    has no null space.
    """
    if loss.alpha > 0:
        return None
    gram = loss.centred_gram(standard.mean, standard.inv_scale)
    values, vectors = np.linalg.eigh(gram)
    seen = values > values.max() * gram.shape[0] * _EPS
    if seen.all():
        return None
    return np.kron(np.eye(size // gram.shape[0]), vectors[:, seen])


class _RowForm:
    """``max_i z_i^T Q z_i`` over the rows of ``loss``, ``Q >= H0^{-1}`` of ``reference``.

    In the coordinates of the reference's scaling; 0.1% is added for the
    rounding of the eigenvectors ``Q`` is made of.
    """

    def __init__(self, loss, reference):
        self.loss, self.reference, self.value = loss, reference, None

    def __call__(self):
        if self.value is None:
            quad = self.reference.inverse_bound()
            if quad is None:
                self.value = math.inf
            else:
                scaling = self.reference.scaling
                form = self.loss.max_row_form(quad, scaling.mean, scaling.inv_scale)
                self.value = 1.001 * form
        return self.value


def reference_certificate(reference, coef, grad_norm, objective, weight_sum, row_form, tol):
    """``(gap, status)`` from the Hessian ``H0`` a metric was made of (no pass over all rows).

    The metric ``w = T u`` has ``(T T^T)^{-1} = H0``, the Hessian of a
    :class:`~.._loss._curvature.HessianReference`, and ``H(w) >= c H0`` at
    ``coef`` (its ``lower_factor``: one product with the reference's rows).
    So Newton's decrement is at most ``grad_norm^2 / c`` (``grad_norm`` the
    gradient's norm in ``u``, ``||T^T g||``) and ``rho^2 <= max_i z_i^T
    H0^{-1} z_i / c``; ``row_form()`` bounds that maximum (a pass over the
    rows of data whose weights total ``weight_sum``), asked only where the
    bound could pass. Statuses as for :func:`curvature_certificate`.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        factor = reference.lower_factor(coef, weight_sum)
    scale = max(abs(objective), _TINY)
    if not factor > 0:  # no bound (H0 not positive definite, or logits far off)
        return math.inf, "far"
    decrement_sq = grad_norm**2 / factor
    if 0.5 * decrement_sq > tol * scale:  # the bound exceeds it: no need for rho
        return 0.5 * decrement_sq / scale, "above"
    bound = gap_bound(decrement_sq, row_form() / factor)
    if bound == math.inf:
        return 0.5 * decrement_sq / scale, "far"
    return bound / scale, "certified"


def curvature_certificate(loss, coef, standard, tol):
    """``(gap, status, objective)`` from the Hessian at ``coef``: see :mod:`~.._loss._curvature`.

    ``loss`` is not preconditioned and offers ``"hessian"``; ``coef`` is in
    the user's coordinates; ``standard`` is
    :func:`~.._loss._precondition.standardizing_metric`'s (the rows' centring and scaling).
    ``status`` is ``"certified"`` when ``gap`` bounds ``(J - J*) / J``;
    ``"above"`` when ``gap``, ``lambda^2 / 2`` relative, is already above
    ``tol`` (the bound exceeds it; the second pass is skipped); ``"far"``
    where the bound does not hold yet (``lambda rho >= 1``: ``gap`` is then
    ``lambda^2 / 2`` relative, or where larger ``tol (lambda rho)^2 /
    FAR_MARGIN``, which schedules the next check where the bound is expected
    to hold) or the Hessian cannot be factored (``gap`` is ``inf``).
    ``objective`` is ``J(coef)`` in float64.
    """
    k = loss.n_outputs
    objective, grad, hessian = hessian_in(loss, coef, standard)
    common = 0.0
    if k > 1:  # split off the classes' common part, seen by the penalty only
        mean_weights = np.asarray(coef, dtype=np.float64)[: loss.n_features].mean(axis=1)
        common = 0.5 * k * loss.alpha * float(np.vdot(mean_weights, mean_weights))
        grad = (grad @ zero_sum_basis(k)).T.ravel()
    else:
        grad = grad[:, 0]
    scale = max(abs(objective), _TINY)
    data_range = None
    try:
        factor = np.linalg.cholesky(hessian)
    except np.linalg.LinAlgError:
        # Collinear features (a constant column next to the intercept, every
        # level of a one-hot encoding) leave H singular, and without a penalty
        # J does not change along those directions: the bound holds on the
        # coefficients the data see. Anything else singular is too far.
        data_range = _data_range(loss, standard, hessian.shape[0])
        if data_range is None:
            return math.inf, "far", objective
        hessian, grad = data_range.T @ hessian @ data_range, data_range.T @ grad
        try:
            factor = np.linalg.cholesky(hessian)
        except np.linalg.LinAlgError:
            return math.inf, "far", objective
    # H^{-1} = L^{-T} L^{-1}: Newton's decrement is ||L^{-1} g||^2, and the
    # rows' forms are the squared norms of L^{-1} z.
    inverse = lower_inverse(factor)
    half_decrement = 0.5 * float(np.sum((inverse @ grad) ** 2))
    if not np.isfinite(half_decrement):
        return math.inf, "far", objective
    if common + half_decrement > tol * scale:  # the bound exceeds it: no need for rho
        return (common + half_decrement) / scale, "above", objective
    vectors = inverse.T
    if data_range is not None:
        vectors = data_range @ vectors
    if k > 1:
        inverse = vectors @ vectors.T
        n_coef, r = loss.n_features + loss.fit_intercept, k - 1
        blocks = inverse.reshape(r, n_coef, r, n_coef)
        quad = 2.0 * sum(blocks[m, :, m, :] for m in range(r))
    else:
        quad = (0.0, vectors)
    rho_sq = loss.max_row_form(quad, standard.mean, standard.inv_scale)
    bound = common + gap_bound(2.0 * half_decrement, rho_sq)
    if bound == math.inf:  # lambda rho >= 1: too far for the bound
        # For scheduling: lambda^2 falls with the trigger, so the bound holds
        # once that has fallen (lambda rho)^2 / FAR_MARGIN times; the value
        # returned asks for that much before the next check, or for
        # lambda^2 / 2 <= tol if that is later.
        reach = tol * 2.0 * half_decrement * rho_sq / FAR_MARGIN
        return max((common + half_decrement) / scale, reach), "far", objective
    return bound / scale, "certified", objective


class StoppingRule:
    """The stopping rule every solver shares (see the module docstring).

    Call it with each point where the solver evaluated the gradient, in
    order; it returns True once the fit may stop there. A point that passed
    the certificate is kept (:attr:`final`, with its intercepts made best):
    the driver returns it when its objective is lower than the solver's
    last iterate's.

    Parameters
    ----------
    loss : object
        The objective, a loss following the loss contract (possibly
        preconditioned).
    coef, grad : ndarray
        The starting point and its gradient.
    tol : float
        Tolerance on the relative gap ``(J - J*) / J``; at least 32 machine
        epsilons of the loss's dtype.
    calibration : float, default=1.0
        The first value of :attr:`calibration`: a run that continues an
        earlier one on a similar problem (a coarse problem's, in the same
        metric) starts with what that run's checks measured, so that its
        first check does not come where the bound is known to fail. It
        schedules checks only; every stop is still certified.

    Attributes
    ----------
    grad_norm : float
        Gradient norm at the last point recorded.
    gap_estimate : float
        The cheap estimate of the relative gap there (``inf`` before any
        curvature was seen).
    certified_gap : float
        The bound of the last check that gave one (``inf`` before).
    calibration : float
        The factor (at least 1) by which the cheap trigger is multiplied
        before it is compared with ``tol``: the ratio of the bound to it at
        the last check that failed, rounded up to a half power of ten.
    has_hessian : bool
        Whether the Hessian's certificate is within reach.
    uncertified : {None, "floor", "estimate"}
        Why the rule stopped without a certificate (``alpha = 0`` only; the
        data may be separable): ``"floor"``, the gradient fell to ``tol``
        times its norm at zero; ``"estimate"``, the estimate fell below
        ``tol`` where the Hessian is out of reach. None after a certified stop.
    final : tuple or None
        ``(coef, objective)`` of the point that passed the certificate.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_logloss._loss import make_loss
    >>> from sklearn_logloss._solvers import StoppingRule
    >>> loss = make_loss(np.eye(3), np.array([0, 1, 0]), np.ones(3),
    ...                  n_classes=2, alpha=1.0, fit_intercept=False)
    >>> start = loss.init_coef()
    >>> value, grad = loss.objective_gradient(start)
    >>> rule = StoppingRule(loss, start, grad, tol=1e-6)
    >>> rule(start, value, grad), rule.gap_estimate  # no curvature seen yet: no estimate
    (False, inf)
    >>> rule.check(start), rule.certified_gap > 1e-6  # the bound at the start
    (False, True)
    """

    def __init__(self, loss, coef, grad, tol, *, calibration=1.0):
        eps = float(np.finfo(loss.dtype).eps)
        # Below 32 machine epsilons a relative gap is rounding (float32: 3.8e-6).
        self.loss, self.tol = loss, max(tol, 32 * eps)
        self.curvature = np.inf
        self.grad_norm = self.gap_estimate = self.certified_gap = np.inf
        self.can_certify = loss.alpha > 0
        # In the metric of a preconditioned loss the curvature is at most about 1
        # whatever the features' scales: the estimate's curvature is capped there,
        # so it is never more optimistic than the gradient norm in that metric.
        self.metric_steps = loss.metric is not None
        self.calibration = max(1.0, float(calibration))
        self._objective = np.inf
        self.final = None
        self._last = None
        self.uncertified = None
        self._setup_hessian(loss)
        # A warm start (after coarse problems, say) pays a pass for grad J(0),
        # the scale of the floor and of rounding, and a first curvature. With
        # alpha > 0 in a preconditioned metric neither decides a stop (the
        # trigger is the gradient norm in the metric): the start's gradient
        # sets the scale there.
        warm = np.any(coef) and not (loss.alpha > 0 and self.metric_steps)
        if warm:
            zero = loss.init_coef()
            objective, grad = loss.objective_gradient(zero)
        reference = float(np.linalg.norm(grad))  # ||grad J(0)||
        self.rounding = 32 * eps * reference
        self.floor = self.tol * reference
        if warm:  # the move from zero gives a first curvature
            self._estimate(zero, objective, grad)

    def _setup_hessian(self, loss):
        """Whether the curvature certificate applies, and what a check of it costs."""
        base = loss if loss.metric is None else loss.base
        self._base, self._standard = base, None
        self._work = self._gradient_work = 0.0
        self._deferred = False
        metric = loss.metric
        self._reference = None if metric is None else getattr(metric, "reference", None)
        self._row_form = None
        self.has_hessian = "hessian" in base.supports
        if not self.has_hessian:
            return
        size, data = hessian_size(base), base.data_nbytes
        memory = HESSIAN_BYTES if data <= SMALL_DATA_BYTES else 0.05 * data
        self.has_hessian = size <= HESSIAN_SIZE and 32.0 * size * size <= memory
        self._gradient_work = gradient_work(base)
        self._hessian_work = hessian_work(base)

    def _estimate(self, coef, objective, grad):
        coef, grad = coef.ravel(), grad.ravel()
        if coef.dtype != np.float64:
            coef, grad = coef.astype(np.float64), grad.astype(np.float64)
        if self._last is not None:
            s, r = coef - self._last[0], grad - self._last[1]
            s_r = float(np.dot(s, r))
            # A move at rounding level gives no curvature information.
            s_s = float(np.dot(s, s))
            if s_r > 0 and s_s > 0 and float(np.dot(r, r)) > self.rounding**2:
                self.curvature = min(self.curvature, s_r / s_s)
        self._last = (coef, grad)
        self._objective = objective
        self.grad_norm = math.sqrt(float(np.dot(grad, grad)))
        curvature = min(self.curvature, 1.0) if self.metric_steps else self.curvature
        if curvature < np.inf:
            scale = 2.0 * curvature * max(abs(objective), _TINY)
            self.gap_estimate = self.grad_norm**2 / scale
        else:  # no curvature seen yet: no estimate
            self.gap_estimate = np.inf

    def __call__(self, coef, objective, grad):
        """Record ``grad = grad J(coef)``; whether to stop at ``coef``."""
        self._work += self._gradient_work
        self._estimate(coef, objective, grad)
        # The gradient's floor ends fits without a penalty (see check); with
        # one, only the trigger schedules checks: at a loose tol the floor is
        # reached early, and a check at every iteration from there (the
        # penalty's bound, loose by curvature / alpha, failing each time)
        # cost digits at tol=1e-2 14 checks, 23 ms of a 50 ms fit.
        at_floor = not self.can_certify and self.grad_norm <= self.floor
        if self._deferred and self._work >= self._hessian_work:
            # A check the Hessian was too costly for comes once the fit has
            # done that much work, whatever the trigger says by then.
            self._deferred = False
            return self.check(coef)
        if not (at_floor or self._trigger * self.calibration <= self.tol):
            return False
        return self.check(coef)

    @property
    def _trigger(self):
        """The cheap quantity that schedules checks of the bound.

        In the metric of a preconditioned loss, where the curvature is at most
        about 1, ``||g||^2 / (2 c |J|)``, with ``c`` the smallest secant
        curvature seen (at most 1; a metric made of the Hessian at an earlier
        point overstates the curvature where the fit has gone since) rounded
        to the nearest half power of ten, at least 1e-2: a smooth function of the point (the
        secant curvatures are differences of gradients, noisy near the
        optimum in float32; runs whose paths differ by rounding check at the
        same iterations). Elsewhere the estimate.
        """
        if self.metric_steps and (self.can_certify or self.has_hessian):
            scale = 2.0 * max(abs(self._objective), _TINY)
            if self.curvature < 1.0:  # at most two decades: the bound decides
                scale *= 10.0 ** (max(round(2.0 * math.log10(self.curvature)), -4) / 2.0)
            return self.grad_norm**2 / scale
        return self.gap_estimate

    def check(self, coef, *, estimate=True):
        """Whether ``coef`` passes a certificate now (the estimate where none is in reach).

        The driver calls it with ``estimate=False`` where a run ends for
        another reason (``max_iter``, no decrease beyond rounding): there only
        the bound may turn the end into convergence, never the estimate.
        """
        curvature = None
        preferred = self._reference is not None and self._reference.preferred
        if preferred:
            # A metric taken near the optimum: its bound, one product with
            # the rows, passes there without a new Hessian.
            curvature = self._reference_check(coef)
            if curvature is True:
                return True
        if self.has_hessian and self._hessian_work <= max(HESSIAN_FREE_WORK, self._work):
            curvature = self._curvature_check(coef)
            if curvature is True:
                return True
        else:
            self._deferred = self.has_hessian
            if self._reference is not None:
                # The Hessian the metric was made of bounds the one here: no
                # pass over all rows. Where its bound holds but is above tol,
                # the penalty's, looser, is not worth its passes either.
                if not preferred:
                    curvature = self._reference_check(coef)
                    if curvature is True:
                        return True
                if curvature[1] == "far":
                    curvature = None
        bound = math.inf if curvature is None else curvature[0]
        if self.can_certify and (curvature is None or curvature[1] == "far"):
            alpha_bound, coef, objective, _ = certify(self.loss, coef)
            self.certified_gap = alpha_bound
            bound = min(bound, alpha_bound)
            if alpha_bound <= self.tol:
                self.final = (coef, objective)
                return True
        if not self.can_certify:
            # alpha = 0 and no certificate passed: separable data have no
            # minimum (J* = 0 is approached as the weights grow), so no
            # relative gap is certified without the Hessian. The run ends where
            # the gradient has fallen to tol times its norm at zero or, with
            # the Hessian out of reach, where the estimate is below tol; the
            # driver then warns (never a silent stop on an estimate).
            if self.grad_norm <= self.floor:
                self.uncertified = "floor"
                return True
            if estimate and not self.has_hessian and self.gap_estimate <= self.tol:
                self.uncertified = "estimate"
                return True
        if 0 < self._trigger < np.inf and bound < np.inf:
            # Check next where the trigger, so corrected, meets tol. The ratio
            # is rounded up to a half power of ten, so that runs whose paths
            # differ by rounding (another namespace, another BLAS) check at the
            # same iterations.
            ratio = max(1.0, bound / self._trigger)
            self.calibration = 10.0 ** (math.ceil(2.0 * math.log10(ratio)) / 2.0)
        return False

    def _reference_check(self, coef):
        """:func:`reference_certificate` at ``coef``: True if it passes, else ``(gap, status)``."""
        if self._row_form is None:
            self._row_form = _RowForm(self._base, self._reference)
        gap, status = reference_certificate(
            self._reference,
            self.loss.metric.to_coef(coef),
            self.grad_norm,
            self._objective,
            self._base.weight_sum,
            self._row_form,
            self.tol,
        )
        if status == "certified":
            self.certified_gap = gap
            if gap <= self.tol:
                self.final = None  # the point itself
                return True
        return gap, status

    def _curvature_check(self, coef):
        """The curvature certificate at ``coef``: True when it passes, else ``(gap, status)``."""
        if self._standard is None:  # the Hessian's metric's, where the steps take it
            standard = getattr(self.loss.metric, "standard", None)
            self._standard = standardizing_metric(self._base) if standard is None else standard
        metric = self.loss.metric
        w = coef if metric is None else metric.to_coef(coef)
        self._work += self._hessian_work
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            gap, status, _ = curvature_certificate(self._base, w, self._standard, self.tol)
        if status == "certified":
            self.certified_gap = gap
            if gap <= self.tol:
                self.final = None  # the point itself: nothing to replace it with
                return True
        return gap, status

    @property
    def gap(self):
        """The rule's best statement of the relative gap: the bound, else the estimate."""
        if self.certified_gap <= max(self.tol, self.gap_estimate):
            return self.certified_gap
        return self.gap_estimate
