"""sklearn-logloss: logistic regression by visible gradient descent, exact log loss.

Public API
----------
GDLogisticRegression
    Logistic regression (sigmoid / softmax) trained by explicit gradient
    descent, with its loss history.
log_loss, log_loss_from_logits
    Log loss from probabilities (a drop-in for ``sklearn.metrics.log_loss``)
    and, exactly, from logits.
neg_log_loss_scorer
    A scikit-learn scorer of the negative log loss, exact from logits.
"""

from ._logistic import GDLogisticRegression
from .metrics import log_loss, log_loss_from_logits, neg_log_loss_scorer

__version__ = "0.1.0"

__all__ = [
    "GDLogisticRegression",
    "log_loss",
    "log_loss_from_logits",
    "neg_log_loss_scorer",
]
