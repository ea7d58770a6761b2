"""GDLogisticRegression: validation, class encoding and weights around a solver."""

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._compat import array_api_namespace, check_sample_weight, max_float_dtype, to_numpy
from ._dask import dask_loss, is_dask_array
from ._loss import (
    ArrayAPILinearLogLoss,
    LinearLogLoss,
    xp_expit_pair,
    xp_log_expit,
    xp_log_softmax,
    xp_softmax,
)
from ._solvers import SOLVERS, auto_solver, coarse_start

__all__ = ["GDLogisticRegression"]

_SOLVER_NAMES = ("auto", *SOLVERS)
_AUTO_SOLVER = auto_solver  # loss -> the name solver="auto" stands for


def _encode_labels(y):
    """``(classes_, codes)`` of classification targets; at least two classes."""
    check_classification_targets(y)
    classes, codes = np.unique(y, return_inverse=True)
    if classes.shape[0] < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but "
            f"the data contains only one class: {classes[0]!r}."
        )
    return classes, codes


def _param_error(name, owner, expected, value):
    return ValueError(
        f"The {name!r} parameter of {owner} must be {expected}. Got {value!r} instead."
    )


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


class _EarlyStopping:
    """Solver callback: validation log loss per iteration, best coefficients.

    Asks to stop once the validation loss has not improved by at least
    ``tol`` for ``patience`` consecutive iterations.
    """

    def __init__(self, validation_loss, patience, tol, coef):
        self.validation_loss = validation_loss
        self.patience = patience
        self.tol = tol
        self.history = []
        self.best_loss = np.inf
        self.best_coef = coef
        self.best_iteration = 0
        self.no_improvement = 0
        self(coef)

    def __call__(self, coef):
        value = self.validation_loss.objective(coef)
        self.history.append(value)
        if value < self.best_loss - self.tol:
            self.best_loss, self.best_coef = value, np.array(coef, copy=True)
            self.best_iteration = len(self.history) - 1
            self.no_improvement = 0
        else:
            self.no_improvement += 1
        return self.no_improvement >= self.patience


class GDLogisticRegression(ClassifierMixin, BaseEstimator):
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

        - ``"gd"``: gradient descent with a fixed step ``learning_rate``, the
          textbook update ``w <- w - learning_rate * grad J(w)``.
        - ``"agd"``: Nesterov's accelerated gradient with a backtracking
          step-size rule and adaptive restart; ``loss_history_`` never
          increases.
        - ``"bb"``: Barzilai-Borwein step sizes safeguarded by a nonmonotone
          line search; ``loss_history_`` never exceeds the largest of its
          previous 10 entries.
        - ``"momentum"``: a gradient step plus a multiple of the previous
          step (heavy ball), both step lengths minimizing a quadratic model
          of ``J`` on the plane the two directions span (a two-dimensional
          line search; every iterate stays in the span of the gradients
          seen, as for any first-order method); the conjugate gradient
          method on quadratics. On small problems (at most 4096 logits,
          ``n_samples * n_classes``, one column for two classes) it adds a
          multiple of each of the last 8 steps, from a search on their
          9-dimensional subspace, which takes fewer iterations (iris: 33
          instead of 66); on larger two-class problems it also searches
          along the weighted sum of all gradients (Nemirovski's direction)
          and the current coefficients (a rescaling), which saves a third
          of the iterations. ``loss_history_`` never increases. Keeps five
          arrays of logits, ``n_samples`` by ``n_classes`` (four for more
          classes, more on small problems).
        - ``"auto"``: ``"momentum"``, unless its logits would take more than
          a quarter of the memory of ``X`` and more than 16 MiB (many
          classes, few features); then ``"bb"``. ``"agd"`` for Dask arrays
          (where ``"momentum"`` is not available). On large problems
          (``n_samples * n_coefficients >= 2**20``, ``alpha > 0``, not a
          warm start) it first solves the same objective on subsamples:
          every ``8**k``-th sample, coarsest first (..., every 64th, every
          8th), for each ``k`` that keeps 20 samples per coefficient, each to
          a relative gap of 1e-4 and from the previous solution. The fit on
          all samples then starts near its minimum and
          needs a few iterations only (``verbose`` reports the coarse
          problems; ``n_iter_`` and ``loss_history_`` are those of the fit
          on all samples).

    learning_rate : float or "auto", default="auto"
        The step size. ``"auto"`` uses ``1 / L`` with ``L`` an estimate of
        the Lipschitz constant of the gradient (from the largest eigenvalue
        of the weighted Gram matrix, by power iteration; for ``"bb"``, the
        cheaper trace bound). For ``"agd"`` and ``"bb"`` it is the initial
        step, which backtracking may shrink; ``"momentum"`` does not use it.
        A fixed step that makes ``"gd"`` diverge raises a ValueError.

    max_iter : int, default=1000
        Maximum number of gradient iterations.

    tol : float, default=1e-7
        Stopping tolerance on the estimated relative gap to the minimum:
        iterations stop once ``||grad J||^2 / (2 mu_hat J) <= tol``, where
        ``mu_hat`` is the smallest curvature of ``J`` seen along the
        iterations' moves (the secant ``s^T r / s^T s``, ``s`` a move and
        ``r`` the change of the gradient over it); for a ``mu``-strongly
        convex ``J``, ``||grad J||^2 / (2 mu)`` bounds ``J - J*``. They also
        stop once the gradient norm falls to ``tol`` (at least 32 machine
        epsilons of the data's dtype) times its norm at the all-zero
        coefficients, which ends fits whose minimum is zero (separable data
        with ``alpha=0``), and when no step decreases ``J`` beyond rounding.
        The default brings the objective within 1e-6 (relative) of its minimum
        on every problem of ``benchmarks/``. Early stopping uses ``tol`` as
        the smallest improvement of the validation loss.

    fit_intercept : bool, default=True
        Whether to fit an (unpenalized) intercept per logit.

    class_weight : dict, "balanced" or None, default=None
        Weights associated with classes, ``{class_label: weight}``. With
        ``"balanced"`` the weights are ``n_samples / (n_classes *
        np.bincount(y))``. They multiply ``sample_weight``.

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
        When ``>= 1``, print the iteration, objective and gradient norm at
        every iteration.

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
    The per-sample derivative of the log loss with respect to the logit is
    ``p - y`` (sigmoid) or ``softmax(z) - onehot(y)`` (softmax), so the
    gradient of ``J`` needs one product with ``X`` and one with ``X^T``.
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
        tol=1e-7,
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
        owner = type(self).__name__
        if not (_is_real(self.alpha) and 0 <= self.alpha < np.inf):
            raise _param_error("alpha", owner, "a float in the range [0, inf)", self.alpha)
        if not (isinstance(self.solver, str) and self.solver in _SOLVER_NAMES):
            raise _param_error("solver", owner, f"a str among {set(_SOLVER_NAMES)}", self.solver)
        lr = self.learning_rate
        if not ((isinstance(lr, str) and lr == "auto") or (_is_real(lr) and 0 < lr < np.inf)):
            raise _param_error(
                "learning_rate", owner, "a float in the range (0, inf) or 'auto'", lr
            )
        if not (_is_int(self.max_iter) and self.max_iter >= 1):
            raise _param_error("max_iter", owner, "an int in the range [1, inf)", self.max_iter)
        if not (_is_real(self.tol) and 0 <= self.tol < np.inf):
            raise _param_error("tol", owner, "a float in the range [0, inf)", self.tol)
        cw = self.class_weight
        if not (cw is None or isinstance(cw, dict) or (isinstance(cw, str) and cw == "balanced")):
            raise _param_error("class_weight", owner, "a dict, 'balanced' or None", cw)
        frac = self.validation_fraction
        if not (_is_real(frac) and 0 < frac < 1):
            raise _param_error("validation_fraction", owner, "a float in the range (0, 1)", frac)
        if not (_is_int(self.n_iter_no_change) and self.n_iter_no_change >= 1):
            raise _param_error(
                "n_iter_no_change", owner, "an int in the range [1, inf)", self.n_iter_no_change
            )
        for name in ("fit_intercept", "warm_start", "early_stopping"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise _param_error(name, owner, "a bool", getattr(self, name))
        if not (_is_int(self.verbose) and self.verbose >= 0):
            raise _param_error("verbose", owner, "an int in the range [0, inf)", self.verbose)

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
            Non-negative weights; a weight of 2 counts a sample twice.

        Returns
        -------
        self : GDLogisticRegression
            The fitted estimator.
        """
        self._validate_params()
        validation = None
        namespace = array_api_namespace(X)
        if is_dask_array(X):
            if self.early_stopping:
                raise ValueError("early_stopping=True is not supported for Dask arrays.")
            loss, classes = dask_loss(self, X, y, sample_weight)
        elif namespace is not None:
            if self.early_stopping:
                raise ValueError(
                    "early_stopping=True is not supported for array API inputs; "
                    "pass NumPy arrays or disable array_api_dispatch."
                )
            loss, classes = self._array_api_loss(X, y, sample_weight, *namespace)
        else:
            loss, classes, validation = self._in_memory_loss(X, y, sample_weight)
        coef = self._initial_coef(loss, classes)
        if self.solver == "auto":
            coef = coarse_start(loss, coef, max_iter=self.max_iter, verbose=self.verbose)
        monitor = None
        if validation is not None:
            monitor = _EarlyStopping(validation, self.n_iter_no_change, self.tol, coef)
        solver_name = _AUTO_SOLVER(loss) if self.solver == "auto" else self.solver
        if solver_name == "momentum" and "logit_space" not in loss.supports:
            raise ValueError(
                "solver='momentum' needs the logits of every sample in memory; it is "
                "not available for Dask arrays. Use solver='auto', 'agd', 'bb' or 'gd'."
            )
        result = SOLVERS[solver_name](
            loss,
            coef,
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            tol=self.tol,
            verbose=self.verbose,
            callback=monitor,
        )
        if not (result.converged or result.stopped):
            warnings.warn(
                f"GDLogisticRegression (solver={solver_name!r}) did not converge "
                f"after max_iter={self.max_iter} iteration(s): the estimated relative "
                f"objective gap {result.gap_estimate:.3e} is above tol={self.tol:.3e}. "
                "Increase the number of iterations (max_iter), scale the data "
                "(e.g. with StandardScaler), or increase tol.",
                ConvergenceWarning,
                stacklevel=2,
            )

        self.classes_ = classes
        self.n_iter_ = result.n_iter
        self.loss_history_ = result.loss_history
        for name in ("validation_loss_history_", "best_iteration_"):
            self.__dict__.pop(name, None)
        if monitor is not None:
            if not result.stopped:
                monitor(result.coef)  # the final iterate, if the solver converged first
                monitor.history = monitor.history[: result.n_iter + 1]
            self.validation_loss_history_ = np.asarray(monitor.history)
            self.best_iteration_ = monitor.best_iteration
            self._store_coef(monitor.best_coef, loss, loss.dtype)
        else:
            self._store_coef(result.coef, loss, loss.dtype)
        if namespace is not None:
            # Fitted arrays live where X does (classes_ stays NumPy: it may hold strings).
            xp, device = namespace
            for name in ("coef_", "intercept_", "loss_history_"):
                setattr(self, name, xp.asarray(getattr(self, name), device=device))
        # A later partial_fit starts a fresh step schedule from this solution.
        for name in ("t_", "_partial_fit_step"):
            self.__dict__.pop(name, None)
        return self

    def _in_memory_loss(self, X, y, sample_weight):
        """Validate NumPy / sparse / pandas input and build the loss."""
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            order="C",
        )
        classes, y_encoded = _encode_labels(y)
        sample_weight = self._sample_weight(sample_weight, X, y)

        validation = None
        if self.early_stopping:
            train, held_out = train_test_split(
                np.arange(X.shape[0]),
                test_size=self.validation_fraction,
                stratify=y_encoded,
                random_state=self.random_state,
            )
            validation = LinearLogLoss(
                X[held_out],
                y_encoded[held_out],
                sample_weight[held_out].astype(X.dtype, copy=False),
                n_classes=classes.shape[0],
                alpha=0.0,
                fit_intercept=self.fit_intercept,
            )
            X, y_encoded, sample_weight = X[train], y_encoded[train], sample_weight[train]
        loss = LinearLogLoss(
            X,
            y_encoded,
            sample_weight.astype(X.dtype, copy=False),
            n_classes=classes.shape[0],
            alpha=self.alpha,
            fit_intercept=self.fit_intercept,
        )
        return loss, classes, validation

    def _array_api_loss(self, X, y, sample_weight, xp, device):
        """Validate array API input and build its loss; returns ``(loss, classes)``.

        ``X`` stays in its namespace and on its device; the labels and the
        weights (small next to ``X``) are encoded and checked on the host,
        whatever namespace they come in, and the loss moves them to ``device``.
        """
        X = validate_data(self, X, dtype=[xp.float64, xp.float32])
        y = column_or_1d(to_numpy(y), warn=True)
        check_consistent_length(X, y)
        classes, y_encoded = _encode_labels(y)
        if sample_weight is not None and not np.isscalar(sample_weight):
            sample_weight = to_numpy(sample_weight)
        dtype = np.float32 if X.dtype == xp.float32 else np.float64
        # A zero-width stand-in for X: the weights only need its length and dtype.
        sample_weight = self._sample_weight(
            sample_weight, np.empty((X.shape[0], 0), dtype=dtype), y
        )
        loss = ArrayAPILinearLogLoss(
            X,
            y_encoded,
            sample_weight,
            n_classes=classes.shape[0],
            alpha=self.alpha,
            fit_intercept=self.fit_intercept,
            xp=xp,
            device=device,
        )
        return loss, classes

    def _sample_weight(self, sample_weight, X, y, *, classes=None):
        """Validated sample weights times class weights, with a positive sum."""
        sample_weight = check_sample_weight(sample_weight, X, dtype=X.dtype)
        if classes is not None and isinstance(self.class_weight, dict):
            # A chunk of a stream may lack classes: map labels through the dict.
            unknown = set(self.class_weight) - set(classes.tolist())
            if unknown:
                raise ValueError(
                    f"The classes {sorted(unknown, key=str)} in class_weight are not "
                    f"among the classes {list(classes)}."
                )
            factors = [self.class_weight.get(label, 1.0) for label in y.tolist()]
            sample_weight = sample_weight * np.asarray(factors, dtype=X.dtype)
        elif self.class_weight is not None:
            sample_weight = sample_weight * compute_sample_weight(self.class_weight, y)
        if not sample_weight.sum() > 0:
            raise ValueError(
                "The sample weights (times the class weights) sum to zero; at least "
                "one sample needs a positive weight."
            )
        return sample_weight

    def _store_coef(self, coef, loss, dtype):
        # The fitted attributes keep the dtype of X (float32 in, float32 out)
        # whatever precision the solver worked in.
        fitted = np.asarray(coef, dtype=dtype)
        self.coef_ = np.ascontiguousarray(fitted[: loss.n_features].T)
        if self.fit_intercept:
            self.intercept_ = fitted[-1].copy()
        else:
            self.intercept_ = np.zeros(loss.n_outputs, dtype=dtype)

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
        if array_api_namespace(X) is not None:
            raise ValueError(
                "partial_fit does not support array API inputs (array_api_dispatch=True "
                "with non-NumPy arrays): pass NumPy arrays, or use fit."
            )
        first_call = not hasattr(self, "classes_")
        if first_call and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if classes is not None:
            classes = np.unique(np.asarray(classes))
            if not first_call and not np.array_equal(classes, self.classes_):
                raise ValueError(
                    f"`classes={list(classes)}` is not the same as on last call to "
                    f"partial_fit, was: {list(self.classes_)}."
                )
            if classes.shape[0] < 2:
                raise ValueError(f"classes must hold at least 2 classes, got {list(classes)}.")
        if isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight 'balanced' is not supported for partial_fit: the class "
                "frequencies of a stream are unknown. Pass a dict of class weights, "
                "e.g. computed with sklearn.utils.class_weight.compute_class_weight."
            )
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            order="C",
            reset=first_call,
        )
        check_classification_targets(y)
        classes = classes if first_call else self.classes_
        unknown = ~np.isin(y, classes)
        if np.any(unknown):
            raise ValueError(
                f"y contains labels {sorted(set(y[unknown].tolist()), key=str)} that are "
                f"not in classes {list(classes)}."
            )
        sample_weight = self._sample_weight(sample_weight, X, y, classes=classes)
        loss = LinearLogLoss(
            X,
            np.searchsorted(classes, y),
            sample_weight.astype(X.dtype, copy=False),
            n_classes=classes.shape[0],
            alpha=self.alpha,
            fit_intercept=self.fit_intercept,
        )
        if first_call:
            self.classes_ = classes
            coef = loss.init_coef()
            self.loss_history_ = np.empty(0)
            self.n_iter_ = 0
        else:
            coef = self._coef_array(loss)
        if not hasattr(self, "_partial_fit_step"):
            self.t_ = 0
            self._partial_fit_step = (
                1.0 / loss.lipschitz_bound()
                if self.learning_rate == "auto"
                else float(self.learning_rate)
            )
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
        self._store_coef(coef, loss, X.dtype)
        self.t_ += 1
        self.n_iter_ += 1
        self.loss_history_ = np.append(to_numpy(self.loss_history_), objective)
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

    def decision_function(self, X):
        """Logits of the samples in ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data.

        Returns
        -------
        logits : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes the log-odds of ``classes_[1]`` (1-D, like
            scikit-learn); otherwise one logit per class, whose softmax is
            ``predict_proba``.
        """
        return self._decision_function(X, "decision_function")

    def _decision_function(self, X, method):
        check_is_fitted(self)
        namespace = self._namespace(X, method)
        if namespace is not None:
            xp = namespace[0]
            X = validate_data(self, X, dtype=[xp.float64, xp.float32], reset=False)
            dtype = xp.result_type(X.dtype, self.coef_.dtype)
            logits = xp.astype(X, dtype, copy=False) @ xp.astype(self.coef_.T, dtype)
            logits = logits + xp.astype(self.intercept_, dtype)
            return logits[:, 0] if logits.shape[1] == 1 else logits
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32], reset=False
        )
        # Usual type promotion, as in scikit-learn: float32 only when both the
        # data and the model are float32, so float32 input loses no precision
        # against a float64 model.
        logits = X @ self.coef_.T + self.intercept_
        if sp.issparse(logits):  # pragma: no cover - scipy returns ndarray
            logits = logits.toarray()
        return logits[:, 0] if logits.shape[1] == 1 else logits

    def predict(self, X):
        """Predict the class of each sample in ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The class with the largest logit (probability).
        """
        logits = self._decision_function(X, "predict")
        namespace = self._namespace(X, "predict")
        if namespace is None:
            if logits.ndim == 1:
                return self.classes_[(logits > 0).astype(np.intp)]
            return self.classes_[np.argmax(logits, axis=1)]
        xp, device = namespace
        indices = (
            xp.astype(logits > 0, xp.int64) if logits.ndim == 1 else xp.argmax(logits, axis=1)
        )
        if self.classes_.dtype.kind in "OUS":  # labels the namespace cannot hold
            return self.classes_[to_numpy(indices)]
        return xp.take(xp.asarray(self.classes_, device=device), indices, axis=0)

    def _namespace(self, X, method):
        """``(xp, device)`` of array API ``X``, None for the NumPy path.

        Raises a ValueError when ``X`` is not in the namespace and on the
        device of the fitted coefficients (as scikit-learn's estimators do).
        """
        namespace = array_api_namespace(X)
        fitted = array_api_namespace(self.coef_)
        if namespace is None and isinstance(self.coef_, np.ndarray):
            return None
        if (
            namespace is not None
            and fitted is not None
            and namespace[0] is fitted[0]
            and namespace[1] == fitted[1]
        ):
            return namespace

        def where(ns):
            return "NumPy" if ns is None else f"{ns[0].__name__} on device {ns[1]}"

        if fitted is None and not isinstance(self.coef_, np.ndarray):
            fit_where = f"{type(self.coef_).__module__} (array_api_dispatch is now off)"
        else:
            fit_where = where(fitted)
        raise ValueError(
            f"Inputs passed to {type(self).__name__}.{method}() must use the same "
            "namespace and the same device as those passed to fit(): fitted on "
            f"{fit_where}, got {where(namespace)}."
        )

    def _float64_logits(self, X, method):
        # Probabilities are formed in float64 even for float32 data: a float32
        # probability rounds to 1 long before its log-probability reaches 0.
        logits = self._decision_function(X, method)
        namespace = self._namespace(X, method)
        if namespace is None:
            return logits.astype(np.float64, copy=False), None
        xp = namespace[0]
        return xp.astype(logits, max_float_dtype(*namespace), copy=False), xp

    def predict_proba(self, X):
        """Class probabilities of the samples in ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Sigmoid (two classes) or softmax of the logits, columns ordered
            as ``classes_``, in float64.
        """
        logits, xp = self._float64_logits(X, "predict_proba")
        if xp is not None:
            if logits.ndim == 1:
                return xp.stack(xp_expit_pair(logits, xp), axis=1)
            return xp_softmax(logits, xp)
        if logits.ndim == 1:
            return np.column_stack([expit(-logits), expit(logits)])
        return softmax(logits, axis=1)

    def predict_log_proba(self, X):
        """Log of the class probabilities, computed from the logits.

        Uses the log-sigmoid or log-softmax of the logits, never the log of a
        rounded probability, so a logit of -800 gives -800, not ``-inf``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns ordered as ``classes_``.
        """
        logits, xp = self._float64_logits(X, "predict_log_proba")
        if xp is not None:
            if logits.ndim == 1:
                return xp.stack([xp_log_expit(-logits, xp), xp_log_expit(logits, xp)], axis=1)
            return xp_log_softmax(logits, xp)
        if logits.ndim == 1:
            return np.column_stack([log_expit(-logits), log_expit(logits)])
        return log_softmax(logits, axis=1)
