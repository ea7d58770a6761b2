"""GDLogisticRegression: validates its parameters, hands the input to ``_input``,
runs a solver and stores the result."""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning

from ._callbacks import CallbackSupport, combine, fit_progress, partial_fit_task, with_callbacks
from ._compat import to_numpy
from ._input import EarlyStopping, _is_real, fit_input, partial_fit_input
from ._predict import LinearClassifierPredictions
from ._solvers import SOLVERS
from ._solvers._fit import FitPlan, convergence_message

__all__ = ["GDLogisticRegression"]

_SOLVER_NAMES = ("auto", *SOLVERS)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


# Each parameter: (whether a value is valid, what a valid value is), checked in this order.
_PARAMETERS = {
    "alpha": (lambda v: _is_real(v) and 0 <= v < np.inf, "a float in the range [0, inf)"),
    "solver": (
        lambda v: isinstance(v, str) and v in _SOLVER_NAMES,
        f"a str among {set(_SOLVER_NAMES)}",
    ),
    "learning_rate": (
        lambda v: (isinstance(v, str) and v == "auto") or (_is_real(v) and 0 < v < np.inf),
        "a float in the range (0, inf) or 'auto'",
    ),
    "max_iter": (lambda v: _is_int(v) and v >= 1, "an int in the range [1, inf)"),
    "tol": (lambda v: _is_real(v) and 0 <= v < np.inf, "a float in the range [0, inf)"),
    "class_weight": (
        lambda v: v is None or isinstance(v, dict) or (isinstance(v, str) and v == "balanced"),
        "a dict, 'balanced' or None",
    ),
    "validation_fraction": (lambda v: _is_real(v) and 0 < v < 1, "a float in the range (0, 1)"),
    "n_iter_no_change": (lambda v: _is_int(v) and v >= 1, "an int in the range [1, inf)"),
    "fit_intercept": (_is_bool, "a bool"),
    "warm_start": (_is_bool, "a bool"),
    "early_stopping": (_is_bool, "a bool"),
    "verbose": (lambda v: _is_int(v) and v >= 0, "an int in the range [0, inf)"),
}


class GDLogisticRegression(
    CallbackSupport, ClassifierMixin, LinearClassifierPredictions, BaseEstimator
):
    r"""Logistic regression trained by explicit gradient descent on the log loss.

    Two classes use one logit through the sigmoid; three or more use one logit
    per class through the softmax (multinomial, not one-vs-rest). The fitted
    model minimizes

    .. math::

        J(W, b) = \frac{\sum_i s_i \, \ell_i}{\sum_i s_i}
                  + \frac{\alpha}{2} \|W\|_F^2,

    where :math:`\ell_i` is the log loss of sample :math:`i` evaluated stably
    from its logits, :math:`s_i` is its sample weight times its class weight,
    and the intercepts :math:`b` are not penalized. This is the objective of
    :class:`sklearn.linear_model.LogisticRegression` with
    ``C = 1 / (alpha * sum(s))`` up to a constant factor, so both reach the
    same model. Every update moves along the analytic gradient
    :math:`\nabla_W J = X^\top S (P - Y) / \sum_i s_i + \alpha W`, with
    :math:`S = \operatorname{diag}(s)`.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    alpha : float, default=1e-4
        Strength of the L2 penalty on the coefficients (not the intercept).
        ``alpha=0`` fits the unpenalized model (whose coefficients grow
        without bound on separable data).

    solver : {"auto", "gd", "agd", "bb", "momentum"}, default="auto"
        The gradient method; every update is a gradient step:

        - ``"gd"``: gradient descent with the fixed step ``learning_rate``.
        - ``"agd"``: Nesterov's accelerated gradient with a backtracking
          step-size rule and adaptive restart; ``loss_history_`` never
          increases.
        - ``"bb"``: Barzilai-Borwein step sizes safeguarded by a nonmonotone
          line search; ``loss_history_`` never exceeds the largest of its
          previous 10 entries.
        - ``"momentum"``: a gradient step plus multiples of previous steps,
          their lengths minimizing a quadratic model of ``J`` on the span of
          these directions (the conjugate gradient method on quadratics);
          ``loss_history_`` never increases. It keeps a few arrays of logits
          (``n_samples`` by ``n_classes``) in memory, so it is not available
          for Dask arrays.
        - ``"auto"``: ``"momentum"``, or ``"bb"`` where momentum's logits
          would take much memory next to ``X``, and ``"agd"`` for Dask arrays.
          On large problems (``alpha > 0``, not a warm start) it first solves
          the same objective on subsamples of the rows and starts from their
          solution (``n_iter_`` and ``loss_history_`` count the fit on all
          samples only).

    learning_rate : float or "auto", default="auto"
        The step size. ``"auto"`` lets every solver step in a fixed metric
        built from the data (the features centred and scaled by the
        curvature the log loss can have along them; see the user guide's
        "Features in their own units"), so the features' units do not matter,
        and sizes the steps from the curvature bound. A number gives the
        textbook update on the coefficients themselves with that step (for
        ``"agd"`` and ``"bb"`` the first step, which backtracking may
        shrink); ``"momentum"`` does not use it. A fixed step that makes
        ``"gd"`` diverge raises a ValueError.

    max_iter : int, default=1000
        Maximum number of gradient iterations.

    tol : float, default=1e-6
        Bound on the relative gap ``(J - J*) / J`` of the returned model.
        With ``alpha > 0`` it is certified: the intercepts are set to their
        best values for the weights, and ``J - J* <= ||grad_W J||^2 / (2
        alpha)`` must be at most ``tol * J``. Without a penalty, or where that
        bound is loose (small ``alpha`` next to large feature scales), a fit
        stops on an estimate of the gap in the metric of its steps, 10 times
        below ``tol``, or once the gradient has fallen to ``tol`` times its
        norm at zero (separable data with ``alpha=0``). At least 32 machine
        epsilons of the data's dtype. A fit that ends otherwise raises a
        ConvergenceWarning saying why.

    fit_intercept : bool, default=True
        Whether to fit an (unpenalized) intercept per logit.

    class_weight : dict, "balanced" or None, default=None
        Weights associated with classes, ``{class_label: weight}``, finite and
        non-negative. With ``"balanced"`` the weights are ``n_samples /
        (n_classes * np.bincount(y))``. They multiply ``sample_weight``; only
        the ratios of these products matter.

    warm_start : bool, default=False
        When True and the estimator was fitted on the same classes and
        features, start from the previous ``coef_`` and ``intercept_``.

    early_stopping : bool, default=False
        Whether to hold out a stratified ``validation_fraction`` of the
        training data, measure its log loss after every iteration
        (``validation_loss_history_``) and stop once it has not improved by
        at least ``tol`` for ``n_iter_no_change`` consecutive iterations. The
        coefficients of the best validation loss are restored. As in
        :class:`~sklearn.neural_network.MLPClassifier`.

    validation_fraction : float, default=0.1
        Proportion of the training data held out for early stopping, in
        (0, 1). Only used when ``early_stopping=True``.

    n_iter_no_change : int, default=10
        Number of iterations without improvement of the validation loss
        before stopping. Only used when ``early_stopping=True``.

    random_state : int, RandomState instance or None, default=None
        Seed of the validation split when ``early_stopping=True``; the
        full-batch solvers are otherwise deterministic.

    verbose : int, default=0
        When ``>= 1``, print the iteration, objective and gradient norm (in
        the metric of the steps) at every iteration.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients of the logits; one row for two classes.

    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts of the logits (zeros when ``fit_intercept=False``).

    n_iter_ : int
        Number of gradient iterations run.

    loss_history_ : ndarray of shape (`n_iter_` + 1,)
        The objective ``J`` at the starting point and after every iteration;
        the last entry is ``J`` at ``coef_`` and ``intercept_``. The starting
        point is zero, the previous solution (``warm_start``) or, with
        ``solver="auto"`` on large problems, the solution of the coarse
        problems (see ``solver``).

    validation_loss_history_ : ndarray of shape (`n_iter_` + 1,)
        With ``early_stopping=True``: the log loss of the held-out samples
        at the start and after every iteration. The returned coefficients are
        those of iteration ``best_iteration_`` (``loss_history_`` and
        ``validation_loss_history_`` keep the iterations after it, as
        ``MLPClassifier``'s curves do).

    best_iteration_ : int
        With ``early_stopping=True``: the iteration whose coefficients were
        restored.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit. Defined only when ``X`` has
        feature names that are all strings.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The same model fitted by
        quasi-Newton and Newton solvers.
    sklearn.linear_model.SGDClassifier : Linear models fitted by stochastic
        gradient descent (``loss="log_loss"`` for logistic regression).
    log_loss_from_logits : The exact log loss of the logits this model
        computes.

    Notes
    -----
    Each gradient of ``J`` takes one product with ``X`` and one with ``X^T``.
    ``predict_log_proba`` is computed from the logits with the log-sigmoid or
    log-softmax, so it stays exact where probabilities round to 0 or 1.

    Array API support: with ``sklearn.set_config(array_api_dispatch=True)``,
    ``fit`` and the prediction methods accept arrays of any array API library
    (PyTorch on CPU or GPU, CuPy, ...); ``coef_``, ``intercept_``,
    ``loss_history_`` and the outputs stay in the input's namespace and on its
    device; every solver runs there. ``early_stopping=True`` and
    ``partial_fit`` are NumPy-only and raise a ValueError. See the
    :ref:`User Guide <user_guide>`.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_logloss import GDLogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), GDLogisticRegression(alpha=1e-3))
    >>> clf = clf.fit(X, y)
    >>> clf.predict(X[:2])
    array([0, 0])
    >>> model = clf[-1]
    >>> model.coef_.shape
    (3, 4)
    >>> bool(model.loss_history_[-1] < model.loss_history_[0])
    True
    """

    def __init__(
        self,
        alpha=1e-4,
        *,
        solver="auto",
        learning_rate="auto",
        max_iter=1000,
        tol=1e-6,
        fit_intercept=True,
        class_weight=None,
        warm_start=False,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        random_state=None,
        verbose=0,
    ):
        self.alpha = alpha
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = True
        return tags

    def _validate_params(self):
        for name, (is_valid, expected) in _PARAMETERS.items():
            value = getattr(self, name)
            if not is_valid(value):
                raise ValueError(
                    f"The {name!r} parameter of {type(self).__name__} must be {expected}. "
                    f"Got {value!r} instead."
                )

    def set_params(self, **params):
        """Set the parameters of this estimator (see :meth:`get_params`).

        A nested name such as ``alpha__x`` raises a ValueError: no parameter of
        this estimator is an estimator with parameters of its own.
        """
        valid = self.get_params(deep=False)
        for key in params:
            name, nested, _ = key.partition("__")
            if nested and name in valid and not hasattr(valid[name], "set_params"):
                raise ValueError(
                    f"Invalid parameter {key!r} for estimator {self}: {name!r} has no "
                    f"parameters of its own. Valid parameters are: {sorted(valid)!r}."
                )
        return super().set_params(**params)

    @with_callbacks
    def fit(self, X, y, sample_weight=None):
        """Fit the model by gradient descent on the penalized log loss.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. float32 data is fitted in float32; CSR and CSC
            matrices are used without densifying.

        y : array-like of shape (n_samples,)
            Class labels (strings or numbers), at least two distinct ones.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; a weight of 2 counts a sample twice. Only
            their ratios matter: they are divided by their maximum.

        Returns
        -------
        self : GDLogisticRegression
            The fitted estimator.
        """
        self._validate_params()
        problem = fit_input(self, X, y, sample_weight)
        loss = problem.loss
        progress = fit_progress(
            self, X, y, sample_weight, problem.classes, loss, max_iter=self.max_iter
        )
        plan = FitPlan(
            loss,
            self._initial_coef(loss, problem.classes),
            solver=self.solver,
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            verbose=self.verbose,
            progress=progress,
        )
        monitor = None
        if problem.validation is not None:
            monitor = EarlyStopping(
                problem.validation, self.n_iter_no_change, self.tol, plan.start
            )
        iterations = None if progress is None else progress.iterations(plan.start)
        result = plan.run(tol=self.tol, callback=combine(monitor, iterations))
        if not (result.converged or result.stopped):
            warnings.warn(
                convergence_message(result, plan.solver, self.max_iter, self.tol, loss),
                ConvergenceWarning,
                stacklevel=2,
            )
        self.classes_ = problem.classes
        self.n_iter_ = result.n_iter
        self.loss_history_ = result.loss_history
        # A later partial_fit starts a fresh step schedule from this solution.
        for name in ("validation_loss_history_", "best_iteration_", "t_", "_partial_fit_step"):
            self.__dict__.pop(name, None)
        coef = result.coef
        if monitor is not None:
            coef, self.best_iteration_, self.validation_loss_history_ = monitor.finish(result)
        self._store_coef(coef, loss)
        if problem.namespace is not None:
            # Fitted arrays live where X does (classes_ stays NumPy: it may hold strings).
            xp, device = problem.namespace
            for name in ("coef_", "intercept_", "loss_history_"):
                setattr(self, name, xp.asarray(getattr(self, name), device=device))
        if progress is not None:
            progress.end()
        return self

    def _store_coef(self, coef, loss):
        # The fitted attributes keep the dtype of X, whatever the solver's precision.
        fitted = np.asarray(coef, dtype=loss.dtype)
        self.coef_ = np.ascontiguousarray(fitted[: loss.n_features].T)
        if self.fit_intercept:
            self.intercept_ = fitted[-1].copy()
        else:
            self.intercept_ = np.zeros(loss.n_outputs, dtype=loss.dtype)

    @with_callbacks
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One minibatch gradient step on a chunk of data (streaming).

        For data that does not fit in memory: call it once per chunk, for
        several passes (epochs) over the chunks. Each call takes one gradient
        step on the penalized log loss of the chunk,
        ``w <- w - eta_t * grad J_chunk(w)``, with the decaying step
        ``eta_t = eta_0 / sqrt(1 + t / 100)`` (``t`` counts the calls).
        ``eta_0`` is ``learning_rate``, or with ``"auto"`` the inverse of the
        Lipschitz bound of the first chunk's gradient. As with
        :class:`~sklearn.linear_model.SGDClassifier`, ``partial_fit``
        continues from the current coefficients (those of a previous ``fit``
        too), while ``fit`` starts afresh unless ``warm_start=True``.
        NumPy and sparse input only: array API inputs under
        ``array_api_dispatch=True`` raise a ValueError (the result is stored
        as NumPy arrays, also after a ``fit`` on array API inputs).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.

        y : array-like of shape (n_samples,)
            Class labels of the chunk.

        classes : array-like of shape (n_classes,), default=None
            All the classes of the stream. Required on the first call (a
            chunk may not show all of them); later calls may omit it.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the chunk's samples.

        Returns
        -------
        self : GDLogisticRegression
            The updated estimator. ``loss_history_`` gains one entry per
            call: the chunk's objective at the coefficients the step started
            from.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_breast_cancer
        >>> from sklearn.preprocessing import StandardScaler
        >>> from sklearn_logloss import GDLogisticRegression
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> X = StandardScaler().fit_transform(X)
        >>> clf = GDLogisticRegression(alpha=1e-3)
        >>> for epoch in range(20):
        ...     for chunk in np.array_split(np.arange(len(y)), 5):
        ...         clf = clf.partial_fit(X[chunk], y[chunk], classes=[0, 1])
        >>> clf.t_, len(clf.loss_history_)
        (100, 100)
        >>> bool(clf.score(X, y) > 0.95)
        True
        """
        self._validate_params()
        first_call = not hasattr(self, "classes_")
        loss, classes = partial_fit_input(self, X, y, classes, sample_weight)
        task = partial_fit_task(self, X, y, sample_weight)
        if first_call:
            self.classes_ = classes
            coef = loss.init_coef()
            self.loss_history_ = np.empty(0)
            self.n_iter_ = 0
        else:
            coef = self._coef_array(loss)
        if not hasattr(self, "_partial_fit_step"):
            self.t_ = 0
            rate = self.learning_rate
            self._partial_fit_step = 1 / loss.lipschitz_bound() if rate == "auto" else float(rate)
        objective, grad = loss.objective_gradient(coef)
        step = self._partial_fit_step / np.sqrt(1.0 + self.t_ / 100.0)
        with np.errstate(over="ignore", invalid="ignore"):
            coef = coef - step * grad
        if not (np.isfinite(objective) and np.all(np.isfinite(coef))):
            raise ValueError(
                f"The learning rate learning_rate={self.learning_rate!r} is too large: "
                "partial_fit produced non-finite coefficients. Use a smaller "
                "learning_rate or learning_rate='auto'."
            )
        self._store_coef(coef, loss)
        self.t_ += 1
        self.n_iter_ += 1
        self.loss_history_ = np.append(to_numpy(self.loss_history_), objective)
        if task is not None:
            task.end()
        return self

    def _coef_array(self, loss):
        """The fitted coef_ / intercept_ in the solver layout."""
        coef = loss.init_coef()
        coef[: loss.n_features] = to_numpy(self.coef_).T
        if loss.fit_intercept:
            coef[-1] = to_numpy(self.intercept_)
        return coef

    def _initial_coef(self, loss, classes):
        coef = loss.init_coef()
        if not (self.warm_start and hasattr(self, "coef_")):
            return coef
        same_classes = np.array_equal(getattr(self, "classes_", None), classes)
        if not same_classes or self.coef_.shape != (loss.n_outputs, loss.n_features):
            return coef
        return self._coef_array(loss)
