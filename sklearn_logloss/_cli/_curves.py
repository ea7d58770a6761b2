"""Training curves of the three models: the objective per iteration or epoch, as an image."""

import os
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier

from .. import GDLogisticRegression, LossCurveDisplay, log_loss_from_logits
from ._args import CLIError
from ._columns import build_preprocessor
from ._compare import SGD_WITHOUT_PENALTY

__all__ = ["CURVE_UNITS", "check_plot_path", "save_training_curves", "training_curves"]

# What one step of each curve is: a full-batch iteration, or an epoch of SGD.
CURVE_UNITS = {
    "GDLogisticRegression": "iteration",
    "LogisticRegression": "iteration",
    "SGDClassifier": "epoch",
}
MAX_REBUILT_STEPS = 200
PLOT_EXTRA = 'pip install "sklearn-logloss[plot]"'


def check_plot_path(path):
    """Refuse a ``--plot`` path that cannot be written, before any fitting.

    Checks that matplotlib is installed, that the extension names an image
    format it writes, and that the file can be created (the probe file is
    removed again).

    Parameters
    ----------
    path : str
        Where the image is to be saved.

    Raises
    ------
    CLIError
        If matplotlib is missing, the format is unknown, the directory does
        not exist, the path is a directory, or the file cannot be written.

    Examples
    --------
    >>> from sklearn_logloss.__main__ import check_plot_path
    >>> check_plot_path("curves.bmpx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sklearn_logloss._cli._args.CLIError: --plot 'curves.bmpx': unknown image format '.bmpx'; use one of ..., .pdf, ..., .png, ..., .svg, ...
    """  # noqa: E501
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        raise CLIError(f"--plot needs matplotlib: {PLOT_EXTRA}") from None
    formats = sorted(FigureCanvasBase.get_supported_filetypes())
    extension = os.path.splitext(path)[1]
    if extension.lower().lstrip(".") not in formats:
        shown = f"{extension!r}" if extension else "none"
        raise CLIError(
            f"--plot {path!r}: unknown image format {shown}; use one of "
            + ", ".join(f".{name}" for name in formats)
        )
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        raise CLIError(f"cannot write the plot to {path!r}: no directory {directory!r}")
    if os.path.isdir(path):
        raise CLIError(f"cannot write the plot to {path!r}: it is a directory")
    existed = os.path.exists(path)
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        raise CLIError(f"cannot write the plot to {path!r}: {exc.strerror or exc}") from None
    if not existed:
        os.remove(path)


def training_curves(dataset, alpha, *, random_state=0, preprocessor=None):
    """Objective per iteration (or epoch) of the three models, fitted on the whole dataset.

    Every curve is the same objective ``J`` (mean log loss plus
    ``alpha / 2 * ||W||^2``) on the preprocessed data, from the all-zero
    model on. ``GDLogisticRegression`` reports its curve (``loss_history_``).
    LogisticRegression does not keep one, so its curve is rebuilt by
    refitting with ``max_iter = 1, 2, ...`` (lbfgs is deterministic, so each
    refit retraces the first iterations of the full run); SGDClassifier's is
    ``J`` after each epoch of ``partial_fit``. The rebuilt curves stop at the
    number of iterations (epochs) of a plain fit, or at 200.

    Parameters
    ----------
    dataset : Dataset
        The data.
    alpha : float
        The shared penalty strength, >= 0.
    random_state : int, default=0
        Seed of SGDClassifier.
    preprocessor : transformer, default=None
        Fitted on all the data first; :func:`build_preprocessor` when None.

    Returns
    -------
    curves : dict of str to ndarray
        Objective values from iteration (epoch) 0 on, keyed by model name;
        :data:`CURVE_UNITS` says what a step of each is.

    Examples
    --------
    >>> from sklearn_logloss.__main__ import load_dataset, training_curves
    >>> curves = training_curves(load_dataset("iris"), 1e-2)
    >>> {name: bool(curve[-1] < curve[0]) for name, curve in curves.items()}
    {'GDLogisticRegression': True, 'LogisticRegression': True, 'SGDClassifier': True}
    """
    preprocessor = build_preprocessor(dataset) if preprocessor is None else clone(preprocessor)
    X = preprocessor.fit_transform(dataset.X)
    y = dataset.y
    classes = np.unique(y)
    n_logits = 1 if classes.shape[0] == 2 else classes.shape[0]

    def objective(model):
        penalty = alpha / 2 * float(np.sum(np.square(model.coef_)))
        return log_loss_from_logits(y, model.decision_function(X), labels=classes) + penalty

    start = log_loss_from_logits(y, np.zeros((X.shape[0], n_logits)).squeeze(), labels=classes)
    C = np.inf if alpha == 0 else 1 / (alpha * X.shape[0])
    schedule = SGD_WITHOUT_PENALTY if alpha == 0 else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gd = GDLogisticRegression(alpha=alpha, max_iter=10_000).fit(X, y)
        curves = {"GDLogisticRegression": np.asarray(gd.loss_history_)}

        n_iter = _steps(LogisticRegression(C=C, max_iter=1000).fit(X, y))
        lbfgs = [start]
        for k in range(1, n_iter + 1):
            lbfgs.append(objective(LogisticRegression(C=C, max_iter=k).fit(X, y)))
        curves["LogisticRegression"] = np.asarray(lbfgs)

        sgd_options = dict(loss="log_loss", alpha=alpha, random_state=random_state, **schedule)
        n_epochs = _steps(SGDClassifier(**sgd_options).fit(X, y))
        sgd, epochs = SGDClassifier(**sgd_options), [start]
        for _ in range(n_epochs):
            epochs.append(objective(sgd.partial_fit(X, y, classes=classes)))
        curves["SGDClassifier"] = np.asarray(epochs)
    return curves


def _steps(model):
    return min(int(np.max(model.n_iter_)), MAX_REBUILT_STEPS)


def save_training_curves(curves, path, *, title=""):
    """Draw the curves with :class:`~sklearn_logloss.LossCurveDisplay` and save an image.

    The x axis counts iterations for the full-batch models and epochs
    (passes over the data) for SGDClassifier; the legend and the axis label
    say which.

    Parameters
    ----------
    curves : dict of str to array-like
        From :func:`training_curves`.
    path : str
        The image file; its extension chooses the format.
    title : str, default=""
        Title of the plot.

    Raises
    ------
    CLIError
        If matplotlib is missing or the file cannot be written.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CLIError(f"--plot needs matplotlib: {PLOT_EXTRA}") from None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    units = {}
    for name, curve in curves.items():
        unit = CURVE_UNITS.get(name, "iteration")
        units.setdefault(unit, []).append(name)
        LossCurveDisplay(loss_history=curve, estimator_name=f"{name}, per {unit}").plot(ax=ax)
    ax.set_yscale("log")
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlim(left=0)
    ax.set_xlabel(" / ".join(f"{unit}s ({', '.join(names)})" for unit, names in units.items()))
    ax.set_ylabel("objective J (mean log loss + alpha/2 ||W||^2)")
    ax.set_title(title)
    try:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    except OSError as exc:
        raise CLIError(f"cannot write the plot to {path!r}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
