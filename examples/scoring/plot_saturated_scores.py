"""
============================================================
Exact log loss from logits: what clipping hides
============================================================

scikit-learn's :func:`~sklearn.metrics.log_loss` and its ``"neg_log_loss"``
scorer work from probabilities, clipped to :math:`[\\epsilon, 1 - \\epsilon]`
with :math:`\\epsilon \\approx 2.2 \\times 10^{-16}` so that
:math:`\\log 0` never occurs. The price: no single prediction can cost more
than :math:`-\\log \\epsilon \\approx 36.04`, however confident the mistake. A
positive sample with logit :math:`-800` truly costs 800 (its predicted
probability is :math:`e^{-800}`, which no float64 can hold).

:func:`sklearn_logloss.log_loss_from_logits` evaluates the loss from the
logits with the log-sigmoid / log-softmax, so it is exact at any
confidence, and :data:`sklearn_logloss.neg_log_loss_scorer` uses it whenever
the model's ``decision_function`` returns logits. This example shows where
the two disagree, and that the disagreement matters when comparing models.
"""

# %%
# One confident mistake
# ---------------------
# A positive sample and a logit :math:`z` (predicted probability
# :math:`\sigma(z)`): the exact loss is :math:`\log(1 + e^{-z})`, about
# :math:`-z` for very negative :math:`z`.
import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_logloss import (
    GDLogisticRegression,
    log_loss,
    log_loss_from_logits,
    neg_log_loss_scorer,
)

for z in [-10.0, -30.0, -36.0, -40.0, -100.0, -800.0]:
    exact = log_loss_from_logits([1], [z], labels=[0, 1])
    clipped = log_loss([1], [expit(z)], labels=[0, 1])
    print(f"logit {z:7.1f}: exact {exact:9.4f}   from clipped probability {clipped:7.4f}")

z = np.linspace(-60, 5, 261)
exact = [log_loss_from_logits([1], [zi], labels=[0, 1]) for zi in z]
clipped = [log_loss([1], [expit(zi)], labels=[0, 1]) for zi in z]
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.plot(z, exact, label="log_loss_from_logits (exact)")
ax.plot(z, clipped, "--", label="log_loss of predict_proba (clipped)")
ax.axhline(-np.log(np.finfo(float).eps), color="gray", ls=":", lw=1)
ax.annotate("-log(eps) = 36.04", (-58, 37), color="gray")
ax.set_xlabel("logit z of a positive sample")
ax.set_ylabel("log loss of the sample")
ax.set_title("Clipping caps the loss of a confident mistake")
ax.legend()
fig.tight_layout()

# %%
# Weakly penalized models on real data
# ------------------------------------
# On breast_cancer the classes are almost separable: as ``alpha`` goes to
# zero the weights grow, and the few test samples on the wrong side of the
# boundary get logits in the hundreds. Cross-validated with both scorers in
# the same folds (one fit per fold):
X, y = load_breast_cancer(return_X_y=True)
cv = StratifiedKFold(5, shuffle=True, random_state=0)
alphas = np.logspace(-1, -8, 8)
stock, ours, worst_logit = [], [], []
for alpha in alphas:
    model = make_pipeline(StandardScaler(), GDLogisticRegression(alpha=alpha, max_iter=20_000))
    result = cross_validate(
        model,
        X,
        y,
        cv=cv,
        return_estimator=True,
        scoring={"stock": "neg_log_loss", "ours": neg_log_loss_scorer},
    )
    stock.append(-result["test_stock"].mean())
    ours.append(-result["test_ours"].mean())
    # The most confident mistake over the test folds: the largest logit on the wrong side.
    signed = [
        (2 * y[test] - 1) * fitted.decision_function(X[test])
        for fitted, (_, test) in zip(result["estimator"], cv.split(X, y), strict=True)
    ]
    worst_logit.append(-np.min(np.concatenate(signed)))
    print(
        f"alpha {alpha:7.0e}: CV log loss stock {stock[-1]:.4f}, exact {ours[-1]:.4f}; "
        f"most confident test mistake has |logit| {worst_logit[-1]:6.1f}"
    )

# %%
# Once the most confident mistakes pass the clipping threshold, the stock
# scorer under-reports the loss, by a factor of two at ``alpha = 1e-8``. It
# still ranks these models in the same order here, but it makes the
# over-fitted ones look much closer to the good ones than they are.
# The lower panel shows why: the logit of the most confident test mistake,
# against the clipping threshold :math:`-\log \epsilon \approx 36.04` beyond
# which the stock scorer stops counting.
fig, (ax, ax_logit) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
ax.plot(alphas, ours, "o-", label="neg_log_loss_scorer (exact)")
ax.plot(alphas, stock, "s--", label='"neg_log_loss" (clipped probabilities)')
ax.set_xscale("log")
ax.invert_xaxis()
ax.set_ylabel("5-fold CV log loss")
ax.set_title("breast_cancer: CV log loss as the penalty weakens")
ax.legend(loc="upper left")
ax_logit.plot(alphas, worst_logit, "o-", color="tab:gray", label="most confident test mistake")
ax_logit.axhline(
    -np.log(np.finfo(float).eps),
    color="tab:red",
    ls="--",
    label=r"clipping threshold $-\log \epsilon \approx 36.04$",
)
ax_logit.set_xlabel("alpha (weaker penalty to the right)")
ax_logit.set_ylabel("|logit| of the mistake")
ax_logit.legend(loc="upper left")
fig.tight_layout()

# %%
# When the ranking flips
# ----------------------
# Two models scored on the same 100 samples. The *careful* one is never sure:
# logit :math:`\pm 1.2` on every sample, right on 80 of them. The *reckless*
# one is right with logit :math:`\pm 40` on 99 samples and wrong with logit
# :math:`\mp 400` on one. Clipped, its mistake costs 36 and the reckless
# model looks better; exactly, it costs 400 and the reckless model is far
# worse. A model selected by the clipped score can be one that is, now and
# then, certain and wrong.
y_test = np.tile([0, 1], 50)
sign = 2 * y_test - 1  # +1 for positives: a positive logit is right
careful = np.where(np.arange(100) < 80, 1.2, -1.2) * sign
reckless = np.where(np.arange(100) < 99, 40.0, -400.0) * sign
for name, logits in [("careful", careful), ("reckless", reckless)]:
    print(
        f"{name:9s} clipped {log_loss(y_test, expit(logits)):7.4f}   "
        f"exact {log_loss_from_logits(y_test, logits):7.4f}"
    )
plt.show()
