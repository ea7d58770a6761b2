"""The cross-validated comparison of the three models and its report."""

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

from .. import GDLogisticRegression, neg_log_loss_scorer
from ._args import CLIError, first_line
from ._columns import format_columns

__all__ = [
    "ModelResult",
    "build_models",
    "format_report",
    "make_cv",
    "mean_train_size",
    "run_comparison",
]

# SGDClassifier's default schedule, learning_rate="optimal", divides by alpha.
SGD_WITHOUT_PENALTY = {"learning_rate": "adaptive", "eta0": 0.01}


@dataclass
class ModelResult:
    """Cross-validation results of one model.

    Parameters
    ----------
    name : str
        The model's name in the report.
    cv_results : dict
        What :func:`sklearn.model_selection.cross_validate` returned, with
        ``return_estimator=True``: ``test_log_loss`` (negative log loss per
        fold), ``test_accuracy``, ``fit_time``, ``score_time`` and
        ``estimator`` (the fitted pipeline of every fold).
    n_convergence_warnings : int, default=0
        Number of :class:`~sklearn.exceptions.ConvergenceWarning` raised while
        fitting the folds (they are counted, not shown).
    threads : dict, default={}
        The threads the fits ran with: ``{"blas": n, "openmp": n}`` (the
        largest number among the loaded libraries of each kind), plus
        ``"blas_libraries"``, their names.

    Examples
    --------
    >>> from sklearn_logloss.__main__ import build_models, load_dataset, run_comparison
    >>> data = load_dataset("iris")
    >>> models = build_models(alpha=1e-2, n_train=100)
    >>> result = run_comparison(data, models, cv=3)[0]
    >>> result.name, result.log_loss.shape, len(result.estimators), result.threads["blas"]
    ('GDLogisticRegression', (3,), 3, 1)
    """

    name: str
    cv_results: dict
    n_convergence_warnings: int = 0
    threads: dict = field(default_factory=dict)

    @property
    def estimators(self):
        """The fitted pipelines, one per fold."""
        return self.cv_results["estimator"]

    @property
    def log_loss(self):
        """Log loss on the test fold, per fold (positive: lower is better)."""
        return -np.asarray(self.cv_results["test_log_loss"])

    @property
    def accuracy(self):
        """Accuracy on the test fold, per fold."""
        return np.asarray(self.cv_results["test_accuracy"])

    @property
    def fit_time(self):
        """Seconds spent fitting (preprocessing and model), per fold."""
        return np.asarray(self.cv_results["fit_time"])

    @property
    def n_iter(self):
        """``n_iter_`` of the final step (epochs for SGDClassifier), per fold."""
        return np.array([np.max(est[-1].n_iter_) for est in self.estimators], dtype=float)


def build_models(
    alpha=1e-4, *, n_train, tol=1e-6, max_iter=10_000, random_state=0, preprocessor=None
):
    """The three pipelines to compare, keyed by name.

    Each is ``make_pipeline(preprocessor, model)``. They minimize the same
    objective, the mean log loss plus ``alpha / 2 * ||W||^2``:

    - ``GDLogisticRegression(alpha=alpha, tol=tol, max_iter=max_iter)``;
    - ``LogisticRegression(C=1 / (alpha * n_train), tol=tol, max_iter=max_iter)``,
      whose objective ``C * sum(loss) + ||W||^2 / 2`` is then the same one
      times ``C * n_train`` (``C=inf``, no penalty, when ``alpha=0``);
    - ``SGDClassifier(loss="log_loss", alpha=alpha)`` with its own stopping
      rule (one-vs-rest for more than two classes); with ``alpha=0``, whose
      default schedule divides by ``alpha``, ``learning_rate="adaptive"``
      and ``eta0=0.01``.

    Parameters
    ----------
    alpha : float, default=1e-4
        L2 penalty strength, >= 0.
    n_train : float
        Number of training samples per fold (its mean, when folds differ),
        used to convert ``alpha`` to ``C``.
    tol : float, default=1e-6
        Stopping tolerance of GDLogisticRegression and LogisticRegression.
    max_iter : int, default=10_000
        Iteration limit of GDLogisticRegression and LogisticRegression.
    random_state : int, default=0
        Seed of SGDClassifier (and GDLogisticRegression's, unused by its
        deterministic solvers).
    preprocessor : transformer, default=None
        The first step of every pipeline (cloned for each);
        ``StandardScaler()`` when None.

    Returns
    -------
    models : dict of str to Pipeline
        Unfitted pipelines, keyed by model name.

    Examples
    --------
    >>> from sklearn_logloss.__main__ import build_models
    >>> models = build_models(alpha=0.01, n_train=200)
    >>> list(models)
    ['GDLogisticRegression', 'LogisticRegression', 'SGDClassifier']
    >>> models["LogisticRegression"][-1].C
    0.5
    """
    preprocessor = StandardScaler() if preprocessor is None else preprocessor
    sgd_schedule = SGD_WITHOUT_PENALTY if alpha == 0 else {}
    models = {
        "GDLogisticRegression": GDLogisticRegression(
            alpha=alpha, tol=tol, max_iter=max_iter, random_state=random_state
        ),
        "LogisticRegression": LogisticRegression(
            C=_inverse_c(alpha, n_train), tol=tol, max_iter=max_iter
        ),
        "SGDClassifier": SGDClassifier(
            loss="log_loss", alpha=alpha, random_state=random_state, **sgd_schedule
        ),
    }
    return {name: make_pipeline(clone(preprocessor), model) for name, model in models.items()}


def _inverse_c(alpha, n_train):
    return math.inf if alpha == 0 else 1.0 / (alpha * n_train)


def make_cv(cv=5, random_state=0):
    """Shuffled stratified folds, the same for every model."""
    return StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)


def mean_train_size(dataset, cv):
    """Mean number of training samples over the folds of ``cv``."""
    return float(np.mean([train.shape[0] for train, _ in cv.split(dataset.X, dataset.y)]))


def run_comparison(dataset, models, *, cv=5, random_state=0, threads=1):
    """Cross-validate every model on the same folds, with the same threads.

    Uses :func:`~sklearn.model_selection.cross_validate` with
    ``scoring={"log_loss": neg_log_loss_scorer, "accuracy": "accuracy"}``
    and ``return_estimator=True``, under
    ``threadpoolctl.threadpool_limits(threads)`` (BLAS and OpenMP), so that
    the fit times compare; before its folds, each model is fitted once,
    untimed, on the first fold's training rows (lazy imports and caches are
    not a fold's fit time). ConvergenceWarnings are counted per model instead
    of shown; other warnings are passed on, once each (not once per fold or
    model).

    Parameters
    ----------
    dataset : Dataset
        The data.
    models : dict of str to estimator
        The classifiers to compare, e.g. from :func:`build_models`.
    cv : int or cross-validation splitter, default=5
        An int means shuffled stratified folds seeded with ``random_state``.
    random_state : int, default=0
        Seed of the fold shuffling when ``cv`` is an int.
    threads : int or None, default=1
        Threads of every BLAS and OpenMP library; None leaves them alone.

    Returns
    -------
    results : list of ModelResult
        One per model, in the order of ``models``, with the fitted estimator
        of every fold.

    Raises
    ------
    CLIError
        If a model cannot be fitted or scored on the data (its message).

    Examples
    --------
    >>> from sklearn_logloss.__main__ import build_models, load_dataset, run_comparison
    >>> data = load_dataset("wine")
    >>> results = run_comparison(data, build_models(alpha=1e-2, n_train=118), cv=3)
    >>> [result.name for result in results]
    ['GDLogisticRegression', 'LogisticRegression', 'SGDClassifier']
    >>> bool(results[0].accuracy.mean() > 0.9)
    True
    """
    if isinstance(cv, int):
        cv = make_cv(cv, random_state)
    scoring = {"log_loss": neg_log_loss_scorer, "accuracy": "accuracy"}
    results, others = [], []
    for name, model in models.items():
        with threadpool_limits(limits=threads), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            used_threads = _threads_in_use()
            try:
                _warm_up(model, dataset, cv)
                cv_results = cross_validate(
                    model,
                    dataset.X,
                    dataset.y,
                    cv=cv,
                    scoring=scoring,
                    return_estimator=True,
                    error_score="raise",
                )
            except (ValueError, ArithmeticError) as exc:
                raise CLIError(f"{name} failed on {dataset.name!r}: {first_line(exc)}") from exc
        n_convergence = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
        others += [w for w in caught if not issubclass(w.category, ConvergenceWarning)]
        results.append(ModelResult(name, cv_results, n_convergence, used_threads))
    _pass_on_warnings(others)
    return results


def _warm_up(model, dataset, cv):
    """One untimed fit of a clone of ``model`` on the first fold's training rows."""
    train, _ = next(iter(cv.split(dataset.X, dataset.y)))
    X = dataset.X.iloc[train] if hasattr(dataset.X, "iloc") else dataset.X[train]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clone(model).fit(X, np.asarray(dataset.y)[train])


def _threads_in_use():
    info = threadpool_info()
    blas = sorted({lib["internal_api"] for lib in info if lib["user_api"] == "blas"})
    used = {"blas_libraries": blas}
    for api in ("blas", "openmp"):
        counts = [lib["num_threads"] for lib in info if lib["user_api"] == api]
        used[api] = max(counts) if counts else None
    return used


def _pass_on_warnings(caught):
    seen = set()
    for w in caught:
        key = (w.category, str(w.message))
        if key not in seen:
            seen.add(key)
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def format_report(dataset, results, *, cv, alpha, n_train, random_state=0):
    """The comparison table, with a header describing the data and the setup.

    Parameters
    ----------
    dataset : Dataset
        The data that was cross-validated.
    results : list of ModelResult
        From :func:`run_comparison`.
    cv : int
        Number of folds.
    alpha : float
        The shared penalty strength.
    n_train : float
        Mean training-fold size (for the ``C`` of LogisticRegression).
    random_state : int, default=0
        The seed, shown in the header.

    Returns
    -------
    report : str
        Several lines, without a trailing newline.

    Examples
    --------
    >>> from sklearn_logloss.__main__ import build_models, format_report
    >>> from sklearn_logloss.__main__ import load_dataset, run_comparison
    >>> data = load_dataset("iris")
    >>> results = run_comparison(data, build_models(alpha=1e-2, n_train=100), cv=3)
    >>> report = format_report(data, results, cv=3, alpha=1e-2, n_train=100)
    >>> print(report.splitlines()[0])
    Dataset: iris (150 samples, 4 features, 3 classes)
    """
    n_samples, n_features = dataset.X.shape
    lines = [
        f"Dataset: {dataset.name} ({n_samples} samples, {n_features} "
        f"feature{'s' if n_features != 1 else ''}, "
        f"{dataset.n_classes} classes)",
        *dataset.notes,
        *format_columns(dataset),
        f"Cross-validation: {cv} stratified folds (shuffled, random_state={random_state}); "
        "the preprocessing, then each model",
        _penalty_line(alpha, n_train),
    ]
    if results and results[0].threads:
        lines.append(_threads_line(results[0].threads))
    lines.append("")
    lines += _table(results)
    lines += [
        "",
        "log loss: neg_log_loss_scorer on the test folds (exact from logits; lower is better)",
        "and accuracy: mean +/- std over folds. fit time: mean per fold.",
        "iterations: n_iter_ of the fitted model (epochs for SGDClassifier), mean over folds.",
    ]
    not_converged = [result for result in results if result.n_convergence_warnings]
    if not_converged:
        counts = ", ".join(f"{r.name} {r.n_convergence_warnings}" for r in not_converged)
        lines += [
            f"Note: ConvergenceWarnings hidden ({counts}):",
            "those fits stopped at their iteration limit; raise --max-iter or --tol.",
        ]
    return "\n".join(lines)


def _penalty_line(alpha, n_train):
    if alpha == 0:
        return (
            "Penalty: none, alpha=0 for all three (LogisticRegression: C = inf; SGDClassifier:\n"
            "  learning_rate='adaptive', eta0=0.01, as its default schedule divides by alpha)"
        )
    return (
        f"Penalty: alpha={alpha:g} for all three "
        f"(LogisticRegression: C = 1/(alpha * {n_train:g}) = {_inverse_c(alpha, n_train):.6g})"
    )


def _threads_line(threads):
    parts = []
    if threads.get("blas") is not None:
        libraries = ", ".join(threads.get("blas_libraries", []))
        parts.append(f"{threads['blas']} BLAS ({libraries})")
    if threads.get("openmp") is not None:
        parts.append(f"{threads['openmp']} OpenMP")
    used = " and ".join(parts) if parts else "no BLAS or OpenMP library"
    return f"Threads: {used} in every fit, the same for all models (--threads)"


def _table(results):
    headers = ["model", "log loss", "accuracy", "fit time", "iterations"]
    rows = [
        [
            result.name,
            _mean_std(result.log_loss),
            _mean_std(result.accuracy),
            _seconds(result.fit_time.mean()),
            f"{result.n_iter.mean():.0f}",
        ]
        for result in results
    ]
    widths = [max(len(row[j]) for row in [headers, *rows]) for j in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _mean_std(values):
    return f"{np.mean(values):.4f} +/- {np.std(values):.4f}"


def _seconds(seconds):
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"
