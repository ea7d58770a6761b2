"""Command line: cross-validated comparison of three logistic-regression fits.

``python -m sklearn_logloss`` (or the ``sklearn-logloss`` console script)
fits :class:`~sklearn_logloss.GDLogisticRegression`, scikit-learn's
:class:`~sklearn.linear_model.LogisticRegression` and
:class:`~sklearn.linear_model.SGDClassifier` with ``loss="log_loss"`` on the
same stratified folds, each after the same preprocessing (numeric columns:
median imputation and standardization; categorical columns: most frequent
imputation and one-hot encoding), with the same number of BLAS and OpenMP
threads, and prints their cross-validated log loss (with
:data:`~sklearn_logloss.neg_log_loss_scorer`), accuracy, fit time and number
of iterations.

All three minimize the same objective, the mean log loss plus
``alpha / 2 * ||W||^2`` with an unpenalized intercept: ``alpha`` goes to
``GDLogisticRegression`` and ``SGDClassifier`` as is, and
``LogisticRegression`` gets ``C = 1 / (alpha * n_train)``, with ``n_train``
the mean number of training samples per fold (folds differ by at most one
sample).

The pieces live in :mod:`sklearn_logloss._cli`, one job per module, and are
re-exported here: :func:`build_parser`, :func:`load_dataset` /
:func:`load_csv`, :func:`build_preprocessor`, :func:`build_models`,
:func:`run_comparison`, :func:`format_report`, :func:`training_curves`;
:func:`main` ties them together and turns every bad input into a one-line
error and exit code 2.
"""

import sys

from ._cli import *  # noqa: F403 (the command line's public pieces)
from ._cli import __all__, main  # noqa: F401

if __name__ == "__main__":
    sys.exit(main())
