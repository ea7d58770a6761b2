"""Which solver, which metric, how much memory, which start: decisions from the loss's sizes.

Every function here reads the loss contract's attributes only
(``n_samples``, ``n_outputs``, ``n_features``, ``fit_intercept``,
``alpha``, ``dtype``, ``data_nbytes``, ``supports``), never the data, and
takes its thresholds as keyword parameters.
"""

import contextlib

import numpy as np

from .._loss import SMALL_LOGITS

__all__ = [
    "auto_solver",
    "coarse_start",
    "coarse_strides",
    "metric_kind",
    "momentum_gradient_sum",
    "momentum_memory",
]


def momentum_memory(loss, *, small_logits=SMALL_LOGITS, small_memory=8):
    """How many previous steps ``"momentum"`` searches over.

    One (the heavy ball) on large problems, where every further step would
    add pointwise passes over the logits, and wherever the search also runs
    along the gradient sum and the point (:func:`momentum_gradient_sum`):
    those two directions carry the earlier steps (a second kept step is
    nearly in their span). On other small problems (at most
    ``small_logits`` logits, ``n_samples * n_outputs``) an iteration costs
    mostly its fixed overhead and the extra directions cost a few matrix
    products of a few thousand numbers: ``small_memory``.

    Parameters
    ----------
    loss : object
        A loss following the loss contract.
    small_logits : int, default=SMALL_LOGITS
        The most logits a small problem has.
    small_memory : int, default=8
        The steps kept on small problems.

    Returns
    -------
    memory : int
        ``small_memory`` on small problems without the gradient sum, else 1.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_logloss._solvers import momentum_memory
    >>> from sklearn_logloss._loss import make_loss
    >>> X, y = load_iris(return_X_y=True)  # 150 samples, 3 logits each
    >>> iris = make_loss(X, y, y * 0.0 + 1, n_classes=3, alpha=1.0, fit_intercept=True)
    >>> momentum_memory(iris), momentum_memory(iris, small_logits=449)
    (8, 1)
    >>> binary = make_loss(X, y % 2, y * 0.0 + 1, n_classes=2, alpha=1.0, fit_intercept=True)
    >>> momentum_memory(binary)  # the gradient sum and the point are searched too
    1
    """
    if loss.n_samples * loss.n_outputs > small_logits or momentum_gradient_sum(loss):
        return 1
    return small_memory


def momentum_gradient_sum(loss, *, logits_fraction=1 / 16):
    """Whether ``"momentum"`` also searches along the gradient sum and the point.

    For two classes, where the curvature along a pair of directions costs one
    pass over ``n_samples`` numbers: in the fixed metric of the steps the two
    directions save iterations on problems of every size, more than the
    overhead they add to each. With ``K`` classes a pair costs ``K`` passes
    and they save few iterations. Not on sparse data (stored in under half
    the bytes of its dense form) where an array of logits takes more than
    ``logits_fraction`` of the data's bytes: the gradient sum's logits are
    kept through the fit, and the iterations they save there are cheap.

    Parameters
    ----------
    loss : object
        A loss following the loss contract; its ``n_outputs`` and sizes are read.
    logits_fraction : float, default=1/16
        The most memory an array of logits may take, as a fraction of
        ``loss.data_nbytes``, for the gradient sum on sparse data.

    Returns
    -------
    gradient_sum : bool

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_logloss._solvers import momentum_gradient_sum
    >>> from sklearn_logloss._loss import LinearLogLoss
    >>> binary = LinearLogLoss(np.zeros((100, 3)), np.arange(100) % 2, np.ones(100),
    ...                        n_classes=2, alpha=1.0, fit_intercept=True)
    >>> three = LinearLogLoss(np.zeros((100, 3)), np.arange(100) % 3, np.ones(100),
    ...                       n_classes=3, alpha=1.0, fit_intercept=True)
    >>> momentum_gradient_sum(binary), momentum_gradient_sum(three)
    (True, False)
    """
    if loss.n_outputs != 1:
        return False
    itemsize = loss.dtype.itemsize
    sparse = 2 * loss.data_nbytes < loss.n_samples * loss.n_features * itemsize
    return not (sparse and loss.n_samples * itemsize > logits_fraction * loss.data_nbytes)


def auto_solver(loss, *, logits_fraction=0.25, logits_bytes=16 * 2**20, memory=None):
    """Name of the solver that ``solver="auto"`` stands for.

    ``"momentum"`` (fewest iterations, paths reproducible to rounding) when
    the loss supports ``"logit_space"`` and the arrays of logits it keeps
    (at most ``m + 4``: the logits, the probabilities and the directions')
    take at most ``logits_fraction`` of the memory of the data or at most
    ``logits_bytes``; ``"bb"`` (no stored logits) when they would take more,
    as with many classes and few features; ``"agd"`` for a loss without
    logit-space methods (Dask arrays).

    Parameters
    ----------
    loss : object
        A loss following the loss contract.
    logits_fraction : float, default=0.25
        The most memory the logits may take, as a fraction of ``loss.data_nbytes``...
    logits_bytes : int, default=16 MiB
        ... or in bytes, whichever is larger.
    memory : int, default=None
        ``m``, the steps ``"momentum"`` keeps; None: :func:`momentum_memory`.

    Returns
    -------
    name : {"momentum", "bb", "agd"}

    Examples
    --------
    Twelve arrays of 569 logits (eight kept steps) fit in 16 MiB, not in a
    quarter of the data (569 rows of 30 features):

    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn_logloss._solvers import auto_solver
    >>> from sklearn_logloss._loss import make_loss
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> cancer = make_loss(X, y, y * 0.0 + 1, n_classes=2, alpha=1.0, fit_intercept=True)
    >>> auto_solver(cancer, memory=8), auto_solver(cancer, memory=8, logits_bytes=0)
    ('momentum', 'bb')
    """
    if "logit_space" not in loss.supports:
        return "agd"
    if memory is None:
        memory = momentum_memory(loss)
    needed = (memory + 4) * loss.n_samples * loss.n_outputs * loss.dtype.itemsize
    return "momentum" if needed <= max(loss.data_nbytes * logits_fraction, logits_bytes) else "bb"


def metric_kind(loss, solver, learning_rate, *, gram_max_coef=512, sparse_gram_work=2**24):
    """The metric the solver steps in: ``"gram"``, ``"diagonal"`` or None.

    A numeric ``learning_rate`` asks for the textbook update on the
    coefficients themselves (``"gd"``, ``"agd"``, ``"bb"``): no metric.
    Otherwise the whole curvature bound (``"gram"``) for dense float64 data
    while the coefficients per class are at most ``gram_max_coef`` (its
    factor is ``O(gram_max_coef^2)`` numbers), else its diagonal. (In float32
    a dense ``T`` would amplify the iterates' rounding by its condition
    number: the same fit on two libraries, whose roundings differ, would
    part ways.) Data stored sparse (``data_nbytes`` below the size of its
    dense twin) gets the whole bound only where its Gram matrix is cheap,
    ``n_samples * n_coef^2`` at most ``sparse_gram_work`` multiply-adds:
    elsewhere it costs many passes over ``X`` (``O(rows * n_coef^2)``
    however few values ``X`` stores), and the columns of sparse data
    (counts, indicators) are mostly weakly correlated, which is all the
    diagonal leaves out.

    Parameters
    ----------
    loss : object
        A loss following the loss contract.
    solver : str
        The solver that runs (``"auto"`` resolved).
    learning_rate : float or "auto"
    gram_max_coef : int, default=512
        The most coefficients per class of the ``"gram"`` metric.
    sparse_gram_work : int, default=2**24
        The most multiply-adds of the Gram matrix of data stored sparse.

    Returns
    -------
    kind : {"gram", "diagonal"} or None

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from sklearn_logloss._loss import LinearLogLoss
    >>> from sklearn_logloss._solvers import metric_kind
    >>> X = np.eye(4)
    >>> dense = LinearLogLoss(X, np.arange(4) % 2, np.ones(4),
    ...                       n_classes=2, alpha=1.0, fit_intercept=True)
    >>> stored_sparse = LinearLogLoss(sp.csr_matrix(X), np.arange(4) % 2, np.ones(4),
    ...                               n_classes=2, alpha=1.0, fit_intercept=True)
    >>> metric_kind(dense, "momentum", "auto"), metric_kind(stored_sparse, "momentum", "auto")
    ('gram', 'gram')
    >>> metric_kind(stored_sparse, "momentum", "auto", sparse_gram_work=99)  # 4 * 5**2 = 100
    'diagonal'
    >>> print(metric_kind(dense, "gd", 0.1))
    None
    """
    if learning_rate != "auto" and solver != "momentum":
        return None
    n_coef = loss.n_features + loss.fit_intercept
    dense = loss.data_nbytes >= loss.n_samples * loss.n_features * loss.dtype.itemsize
    cheap = dense or loss.n_samples * n_coef**2 <= sparse_gram_work
    if cheap and n_coef <= gram_max_coef and loss.dtype == np.float64:
        return "gram"
    return "diagonal"


def coarse_strides(loss, *, factor=8, samples_per_coef=20, min_size=2**20):
    """Strides of the coarse problems :func:`coarse_start` solves, coarsest first.

    Every power of ``factor`` whose subsample keeps at least
    ``samples_per_coef`` samples per coefficient, when the problem is large
    (``n_samples * n_coefficients >= min_size``; below that an iteration
    costs little more than its fixed overhead, which a coarse problem does
    not cut), penalized (``alpha > 0``: a subsample's minimizer then exists)
    and supports ``"subsample"``; none otherwise.

    Parameters
    ----------
    loss : object
        A loss following the loss contract.
    factor : int, default=8
        Each coarse problem keeps every ``factor``-th sample of the next finer one.
    samples_per_coef : int, default=20
        The fewest samples per coefficient of a coarse problem.
    min_size : int, default=2**20
        The smallest ``n_samples * n_coefficients`` with coarse problems.

    Returns
    -------
    strides : list of int
        Decreasing.

    Examples
    --------
    10000 samples and 5 coefficients: too small for coarse problems by
    default; every 64th and every 8th sample with ``min_size=0``:

    >>> import numpy as np
    >>> from sklearn_logloss._solvers import coarse_strides
    >>> from sklearn_logloss._loss import LinearLogLoss
    >>> codes = np.arange(10_000) % 2
    >>> loss = LinearLogLoss(np.zeros((10_000, 4)), codes, np.ones(10_000),
    ...                      n_classes=2, alpha=1.0, fit_intercept=True)
    >>> coarse_strides(loss), coarse_strides(loss, min_size=0)
    ([], [64, 8])
    """
    if not (loss.alpha > 0 and "subsample" in loss.supports):
        return []
    n_samples = loss.n_samples
    n_coef = (loss.n_features + loss.fit_intercept) * loss.n_outputs
    if n_samples * n_coef < min_size:
        return []
    strides, stride = [], factor
    while n_samples // stride >= samples_per_coef * n_coef:
        strides.append(stride)
        stride *= factor
    return strides[::-1]


def coarse_start(
    loss, coef, *, max_iter, tol=1e-4, verbose=0, strides=None, progress=None, results=None
):
    """A starting point from coarse problems (the start of ``solver="auto"``).

    Solves the same objective on every ``stride``-th sample, coarsest first
    (..., every 64th, then every 8th), each from the previous solution and
    to the loose tolerance ``tol``, with :func:`auto_solver`'s solver; the
    last solution starts the fit on all samples. A coarse problem with 8
    times fewer samples costs about an eighth per iteration, and its
    minimizer is within sampling error of the full one, so the full problem
    starts where only its last few iterations remain (the idea of the
    dynamic sample sizes of Byrd, Chin, Nocedal and Wu, 2012, and of
    multilevel methods). Every update is still a gradient step, on the log
    loss of a subsample.

    Parameters
    ----------
    loss : object
        A loss following the loss contract.
    coef : ndarray
        The starting point; returned unchanged when it is not zero (a warm
        start).
    max_iter : int
        The most iterations on each coarse problem.
    tol : float, default=1e-4
        The tolerance of the coarse problems.
    verbose : int, default=0
        When positive, a line per coarse problem is printed.
    strides : list of int, default=None
        The strides, coarsest first; None: :func:`coarse_strides`.
    progress : object, default=None
        Reports each coarse problem: ``progress.coarse(stride, coef)`` is a
        context manager around its run that gives the run's callback (or
        None), as :class:`~..._callbacks.FitProgress` does.
    results : list, default=None
        Receives each coarse problem's :class:`~._driver.SolverResult`, in order.

    Returns
    -------
    coef : ndarray
        The solution of the finest coarse problem, or ``coef`` when there is none.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_logloss._loss import LinearLogLoss
    >>> from sklearn_logloss._solvers import coarse_start
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((4000, 3))
    >>> y = (X[:, 0] + rng.logistic(size=4000) > 0).astype(int)
    >>> loss = LinearLogLoss(X, y, np.ones(4000), n_classes=2, alpha=1e-3, fit_intercept=True)
    >>> start = coarse_start(loss, loss.init_coef(), max_iter=100, strides=[8])
    >>> bool(loss.objective(start) < loss.objective(loss.init_coef()))
    True
    """
    from . import SOLVERS  # the registry imports this module

    if np.any(coef):
        return coef
    for stride in coarse_strides(loss) if strides is None else strides:
        coarse = loss.subsample(stride)
        if coarse is None:  # a class has no weight in this subsample
            continue
        name = auto_solver(coarse)
        task = contextlib.nullcontext() if progress is None else progress.coarse(stride, coef)
        with task as callback:
            result = SOLVERS[name](
                coarse, coef, learning_rate="auto", max_iter=max_iter, tol=tol, callback=callback
            )
        coef = result.coef
        if results is not None:
            results.append(result)
        if verbose:
            print(
                f"Coarse problem on every {stride}th sample ({coarse.n_samples} samples, "
                f"solver={name!r}): {result.n_iter} iterations, "
                f"objective = {result.loss_history[-1]:.10g}"
            )
    return coef
