"""
==================================================================
The log loss of one prediction, and why it is a proper score
==================================================================

A binary classifier predicts :math:`p`, its probability that the label is 1.
The log loss of that prediction is :math:`-\\log p` when the label is 1 and
:math:`-\\log(1 - p)` when it is 0: small for a confident right answer,
unbounded for a confident wrong one.

If the label is 1 with probability :math:`q`, the *expected* loss of
predicting :math:`p` is the cross-entropy

.. math::

    \\mathbb{E}[\\ell(p)] = -q \\log p - (1 - q) \\log(1 - p),

which is minimized exactly at :math:`p = q`: the best prediction, on
average, is the true probability. That makes the log loss a *strictly proper
scoring rule*. The absolute error :math:`|y - p|`, by contrast, is not
proper: its expectation is minimized by rounding :math:`q` to 0 or 1.
"""

# %%
# The loss of one prediction
# --------------------------
# :func:`sklearn_logloss.log_loss` computes it for any labels and
# probabilities; here one sample at a time, for a grid of predictions.
import matplotlib.pyplot as plt
import numpy as np

from sklearn_logloss import log_loss

p = np.linspace(0.005, 0.995, 199)  # contains 0.1, 0.3, 0.7 and 0.9
loss_if_1 = np.array([log_loss([1], [pi], labels=[0, 1]) for pi in p])
loss_if_0 = np.array([log_loss([0], [pi], labels=[0, 1]) for pi in p])

for prediction in [0.99, 0.9, 0.5, 0.1, 0.01]:
    print(
        f"p = {prediction:<5}  loss if y=1: {log_loss([1], [prediction], labels=[0, 1]):6.3f}"
        f"   loss if y=0: {log_loss([0], [prediction], labels=[0, 1]):6.3f}"
    )

# %%
# The curves are :math:`-\log p` and :math:`-\log(1-p)`; the values agree
# with the closed forms to rounding.
print("max |loss - (-log p)|:", np.max(np.abs(loss_if_1 + np.log(p))))
print("max |loss - (-log(1-p))|:", np.max(np.abs(loss_if_0 + np.log1p(-p))))

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(p, loss_if_1, label="true label y = 1: $-\\log p$")
ax.plot(p, loss_if_0, label="true label y = 0: $-\\log(1-p)$")
ax.set_xlabel("predicted probability of class 1, p")
ax.set_ylabel("log loss of the prediction")
ax.set_ylim(0, 5)
ax.set_title("Confident mistakes cost the most")
ax.legend()
fig.tight_layout()

# %%
# Expected loss: minimized at the true probability
# ------------------------------------------------
# With weights :math:`q` and :math:`1 - q` on the two possible labels,
# :func:`~sklearn_logloss.log_loss` returns exactly the expected loss of predicting ``p``.
# For each :math:`q` the minimizing :math:`p` (found on the grid) is
# :math:`q` itself, and the minimum is the entropy
# :math:`-q\log q - (1-q)\log(1-q)` of the label.
qs = [0.1, 0.3, 0.7, 0.9]
fig, (ax_log, ax_abs) = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
for q in qs:
    expected = np.array([log_loss([1, 0], [pi, pi], sample_weight=[q, 1 - q]) for pi in p])
    best = p[np.argmin(expected)]
    entropy = -q * np.log(q) - (1 - q) * np.log(1 - q)
    print(
        f"q = {q}: expected log loss minimized at p = {best:.3f}; "
        f"minimum {expected.min():.5f}, entropy {entropy:.5f}"
    )
    (line,) = ax_log.plot(p, expected, label=f"q = {q}")
    ax_log.plot(best, expected.min(), "o", color=line.get_color())
    # The expected absolute error q (1 - p) + (1 - q) p is linear in p.
    ax_abs.plot(p, q * (1 - p) + (1 - q) * p, color=line.get_color(), label=f"q = {q}")
ax_log.set_ylim(0, 2.5)
ax_log.set_xlabel("prediction p")
ax_log.set_ylabel("expected log loss")
ax_log.set_title("Log loss: minimum at p = q (proper)")
ax_log.legend()
ax_abs.set_xlabel("prediction p")
ax_abs.set_ylabel("expected absolute error")
ax_abs.set_title("Absolute error: minimum at p = 0 or 1 (not proper)")
fig.tight_layout()

# %%
# A strictly proper score rewards honest probabilities: a model trained by
# minimizing the log loss (such as :class:`~sklearn_logloss.GDLogisticRegression`)
# is pushed towards calibrated predictions, not just the right side of 0.5.
# The absolute error would reward over-confident 0/1 predictions instead.
plt.show()
