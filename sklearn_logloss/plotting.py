"""Displays: pictures of how training went (matplotlib imported lazily)."""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

__all__ = ["LossCurveDisplay"]


def _check_matplotlib(what):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # the optional dependency is missing
        raise ImportError(
            f"{what} requires matplotlib. Install it with: pip install sklearn-logloss[plot]"
        ) from exc
    return plt


class LossCurveDisplay:
    """Training (and validation) loss curve of a gradient-descent fit.

    Follows scikit-learn's Display API: build it with
    :meth:`from_estimator` (or directly from arrays), then :meth:`plot`.

    Parameters
    ----------
    loss_history : array-like of shape (n_points,)
        The objective at the start and after every iteration, as in
        ``GDLogisticRegression.loss_history_``.

    validation_loss_history : array-like of shape (n_points,), default=None
        The held-out log loss per iteration (``validation_loss_history_``
        of a fit with ``early_stopping=True``), or None.

    estimator_name : str, default=None
        Name used in the legend.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes the curves are drawn on.

    figure_ : matplotlib Figure
        The figure holding ``ax_``.

    line_ : matplotlib Line2D
        The training curve.

    validation_line_ : matplotlib Line2D or None
        The validation curve, when there is one.

    See Also
    --------
    GDLogisticRegression : The estimator whose ``loss_history_`` is drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_logloss import GDLogisticRegression, LossCurveDisplay
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), GDLogisticRegression()).fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(model, gap=True)
    >>> display.ax_.get_yscale()
    'log'
    """

    def __init__(self, *, loss_history, validation_loss_history=None, estimator_name=None):
        self.loss_history = loss_history
        self.validation_loss_history = validation_loss_history
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, gap=False):
        """Draw the loss curves of a fitted estimator.

        Parameters
        ----------
        estimator : GDLogisticRegression or Pipeline
            A fitted estimator with ``loss_history_``, or a Pipeline whose
            last step is one.

        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is created when None.

        name : str, default=None
            Legend name; defaults to the estimator's class name.

        gap : bool, default=False
            Plot the gap to the best value, ``J - min(J)``, on a log scale.

        Returns
        -------
        display : LossCurveDisplay
        """
        final = estimator[-1] if isinstance(estimator, Pipeline) else estimator
        check_is_fitted(final, "loss_history_")
        display = cls(
            loss_history=final.loss_history_,
            validation_loss_history=getattr(final, "validation_loss_history_", None),
            estimator_name=name or type(final).__name__,
        )
        return display.plot(ax=ax, gap=gap)

    def plot(self, ax=None, *, name=None, gap=False):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is created when None.

        name : str, default=None
            Legend name; defaults to ``estimator_name``.

        gap : bool, default=False
            Plot ``J - min(J)`` on a log scale instead of ``J`` (zero gaps,
            the best point itself, are left out: a log axis cannot show them).

        Returns
        -------
        display : LossCurveDisplay
            Itself, with ``ax_``, ``figure_``, ``line_`` and
            ``validation_line_`` set.
        """
        plt = _check_matplotlib("LossCurveDisplay")
        if ax is None:
            _, ax = plt.subplots()
        name = name or self.estimator_name or "model"
        self.line_ = self._draw(ax, self.loss_history, f"{name} (training objective)", gap)
        self.validation_line_ = None
        if self.validation_loss_history is not None:
            self.validation_line_ = self._draw(
                ax, self.validation_loss_history, f"{name} (validation log loss)", gap
            )
        ax.set_xlabel("iteration")
        ax.set_ylabel("gap to the best value" if gap else "loss")
        if gap:
            ax.set_yscale("log")
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @staticmethod
    def _draw(ax, values, label, gap):
        values = np.asarray(values, dtype=float)
        iterations = np.arange(values.shape[0])
        if gap:
            values = values - values.min()
            keep = values > 0
            iterations, values = iterations[keep], values[keep]
        (line,) = ax.plot(iterations, values, label=label)
        return line
