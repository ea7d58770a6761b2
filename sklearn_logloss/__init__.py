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
LossCurveDisplay
    The training (and validation) loss curve of a fit, as a matplotlib plot.
"""

from ._logistic import GDLogisticRegression
from ._scorer import neg_log_loss_scorer
from .metrics import log_loss, log_loss_from_logits
from .plotting import LossCurveDisplay

__version__ = "0.1.0"

__all__ = [
    "GDLogisticRegression",
    "LossCurveDisplay",
    "log_loss",
    "log_loss_from_logits",
    "neg_log_loss_scorer",
]
