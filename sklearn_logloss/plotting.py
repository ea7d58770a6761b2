"""Displays: pictures of how gradient descent went (matplotlib imported lazily)."""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

__all__ = ["LossCurveDisplay"]


def _check_matplotlib(caller):
    """Raise an ImportError naming the ``plot`` extra when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"{caller} requires matplotlib, which is not installed. Install it with "
            "`pip install sklearn-logloss[plot]` (or `pip install matplotlib`)."
        ) from exc


def _final_step(estimator):
    """The last step of a (possibly nested) Pipeline, or the estimator itself."""
    while isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    return estimator


def _check_history(values, name):
    """A 1-D float64 array of finite values, at least one of them."""
    if values is None:
        raise ValueError(f"{name} is required; got None.")
    try:
        values = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a 1-D array of numbers; got {values!r}.") from exc
    if values.ndim != 1 or values.shape[0] == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D array; got an array of shape {values.shape}."
        )
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} contains NaN or infinity; its values must be finite.")
    return values


def _curve(values, gap):
    """``(iterations, values)`` to draw; with ``gap``, ``values - min(values)``.

    The zero gaps (the best value itself) are left out: a log axis cannot
    show them.
    """
    iterations = np.arange(values.shape[0])
    if not gap:
        return iterations, values
    gaps = values - values.min()
    keep = gaps > 0
    return iterations[keep], gaps[keep]


class LossCurveDisplay:
    """Training curve: the objective per gradient-descent iteration.

    Draws ``loss_history_`` of a fitted
    :class:`~sklearn_logloss.GDLogisticRegression` against the iteration and,
    when the model was fitted with ``early_stopping=True``, its
    ``validation_loss_history_`` on the same axes. With ``gap=True`` each
    curve is drawn as its distance to its best (smallest) value,
    ``J - min(J)``, on a logarithmic axis: the way to see how fast a solver
    converges. The point where the best value is reached (a gap of exactly 0)
    cannot be drawn on a log axis and is left out.

    It is recommended to create a display with :meth:`from_estimator`. All
    parameters are stored as attributes. Read more in the
    :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    loss_history : array-like of shape (n_iter + 1,)
        The training objective at the start and after every iteration, as in
        ``loss_history_``.

    validation_loss_history : array-like of shape (n_points,), default=None
        The validation log loss at the start and after every iteration, as
        in ``validation_loss_history_``; None to draw the training curve only.

    estimator_name : str, default=None
        Name of the model, used in the legend. None for no name.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The training curve.

    validation_line_ : matplotlib Line2D or None
        The validation curve, None when there is no validation history.

    ax_ : matplotlib Axes
        The axes the curves are drawn on.

    figure_ : matplotlib Figure
        The figure holding ``ax_``.

    See Also
    --------
    GDLogisticRegression : The estimator whose ``loss_history_`` is drawn.
    sklearn.model_selection.LearningCurveDisplay : Scores against the number
        of training samples.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")  # no window: e.g. when running as a script
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_logloss import GDLogisticRegression, LossCurveDisplay
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), GDLogisticRegression(alpha=1e-2))
    >>> model = model.fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(model, gap=True)
    >>> display.ax_.get_yscale()
    'log'
    >>> display.validation_line_ is None
    True
    >>> import matplotlib.pyplot as plt
    >>> plt.close(display.figure_)
    """

    def __init__(self, *, loss_history, validation_loss_history=None, estimator_name=None):
        self.loss_history = loss_history
        self.validation_loss_history = validation_loss_history
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, name=None, gap=False, line_kw=None, validation_line_kw=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            The axes to draw on; a new figure and axes when None. Drawing
            several displays on one ``ax`` compares models.

        name : str, default=None
            Name of the model in the legend; ``estimator_name`` when None.

        gap : bool, default=False
            Draw ``J - min(J)`` (the gap to the best value of each curve) on a
            logarithmic y axis instead of ``J``.

        line_kw : dict, default=None
            Keyword arguments of :meth:`matplotlib.axes.Axes.plot` for the
            training curve.

        validation_line_kw : dict, default=None
            Keyword arguments of :meth:`matplotlib.axes.Axes.plot` for the
            validation curve (default: dashed, in the training curve's color).

        Returns
        -------
        display : LossCurveDisplay
            The display, with ``line_``, ``validation_line_``, ``ax_`` and
            ``figure_`` set.
        """
        _check_matplotlib(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        if not isinstance(gap, (bool, np.bool_)):
            raise ValueError(f"gap must be a bool; got {gap!r}.")
        for kw_name, kw in (("line_kw", line_kw), ("validation_line_kw", validation_line_kw)):
            if kw is not None and not isinstance(kw, dict):
                raise ValueError(f"{kw_name} must be a dict or None; got {kw!r}.")
        training = _check_history(self.loss_history, "loss_history")
        validation = None
        if self.validation_loss_history is not None:
            validation = _check_history(self.validation_loss_history, "validation_loss_history")

        name = self.estimator_name if name is None else name
        if ax is None:
            _, ax = plt.subplots()

        def label(curve):
            return curve if name is None else f"{name} ({curve})"

        (self.line_,) = ax.plot(
            *_curve(training, gap),
            **{"label": label("training objective"), **(line_kw or {})},
        )
        self.validation_line_ = None
        if validation is not None:
            style = {
                "label": label("validation log loss"),
                "linestyle": "--",
                "color": self.line_.get_color(),
            }
            (self.validation_line_,) = ax.plot(
                *_curve(validation, gap), **{**style, **(validation_line_kw or {})}
            )

        ax.set_xlabel("iteration")
        if gap:
            ax.set_yscale("log")
            ax.set_ylabel("gap to the best value, J - min J")
        elif validation is not None:
            ax.set_ylabel("objective J / validation log loss")
        else:
            ax.set_ylabel("objective J")
        ax.legend()
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls, estimator, *, ax=None, name=None, gap=False, line_kw=None, validation_line_kw=None
    ):
        """Draw the training curve of a fitted estimator.

        Parameters
        ----------
        estimator : estimator or Pipeline
            A fitted :class:`~sklearn_logloss.GDLogisticRegression`, or a
            fitted :class:`~sklearn.pipeline.Pipeline` whose last step is one
            (any estimator with a ``loss_history_`` attribute works).
            ``validation_loss_history_`` is drawn when the estimator has it.

        ax : matplotlib Axes, default=None
            The axes to draw on; a new figure and axes when None.

        name : str, default=None
            Name of the model in the legend; the class name of the estimator
            (of the last step of a Pipeline) when None.

        gap : bool, default=False
            Draw ``J - min(J)`` on a logarithmic y axis instead of ``J``.

        line_kw : dict, default=None
            Keyword arguments of :meth:`matplotlib.axes.Axes.plot` for the
            training curve.

        validation_line_kw : dict, default=None
            Keyword arguments of :meth:`matplotlib.axes.Axes.plot` for the
            validation curve.

        Returns
        -------
        display : LossCurveDisplay
            The display, drawn.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        ValueError
            If the estimator has no ``loss_history_``.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> from sklearn.datasets import load_iris
        >>> from sklearn_logloss import GDLogisticRegression, LossCurveDisplay
        >>> X, y = load_iris(return_X_y=True)
        >>> model = GDLogisticRegression(early_stopping=True, random_state=0)
        >>> model = model.fit(X, y)
        >>> fig, ax = plt.subplots()
        >>> display = LossCurveDisplay.from_estimator(model, ax=ax, name="softmax")
        >>> [text.get_text() for text in ax.get_legend().get_texts()]
        ['softmax (training objective)', 'softmax (validation log loss)']
        >>> plt.close(fig)
        """
        _check_matplotlib(f"{cls.__name__}.from_estimator")
        final = _final_step(estimator)
        check_is_fitted(final)
        if not hasattr(final, "loss_history_"):
            raise ValueError(
                f"{cls.__name__} needs an estimator with a loss_history_ attribute, such "
                f"as a fitted GDLogisticRegression; {type(final).__name__} has none."
            )
        if name is not None and not isinstance(name, str):
            raise ValueError(f"name must be a str or None; got {name!r}.")
        display = cls(
            loss_history=final.loss_history_,
            validation_loss_history=getattr(final, "validation_loss_history_", None),
            estimator_name=type(final).__name__ if name is None else name,
        )
        return display.plot(ax=ax, gap=gap, line_kw=line_kw, validation_line_kw=validation_line_kw)
