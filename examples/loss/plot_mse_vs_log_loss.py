"""
=====================================================================
Why not the squared error? Cost surfaces of MSE∘sigmoid and log loss
=====================================================================

A one-feature logistic model predicts :math:`\\hat y = \\sigma(m x + b)`.
Two candidate costs for fitting :math:`(m, b)`:

- the mean squared error :math:`\\frac1n \\sum_i (\\sigma(m x_i + b) - y_i)^2`;
- the log loss :math:`\\frac1n \\sum_i -y_i \\log \\hat y_i - (1 - y_i) \\log(1 - \\hat y_i)`.

The log loss is convex in :math:`(m, b)`: its Hessian,
:math:`\\frac1n \\sum_i \\hat y_i (1 - \\hat y_i) [x_i, 1]^\\top [x_i, 1]`, is
positive semi-definite everywhere, so gradient descent cannot get stuck. The
squared error through the sigmoid is not: it has regions of negative
curvature and wide plateaus where its gradient vanishes. This example draws
both surfaces over a grid of :math:`(m, b)` and runs gradient descent on each
from the same poor start.
"""

# %%
# A one-feature problem
# ---------------------
# Hours of study (centered) against passing an exam, drawn from a logistic
# model with slope 1.5.
import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit, log_expit

from sklearn_logloss import GDLogisticRegression, log_loss_from_logits

rng = np.random.RandomState(0)
x = np.sort(rng.uniform(-3, 3, 60))
y = (rng.uniform(size=x.size) < expit(1.5 * x + 0.5)).astype(int)

# %%
# Both costs on a grid
# --------------------
# Vectorized over the grid with :func:`scipy.special.log_expit` (the stable
# :math:`\log\sigma`); a few grid points are checked against
# :func:`sklearn_logloss.log_loss_from_logits`.
m_grid = np.linspace(-6, 8, 141)
b_grid = np.linspace(-8, 8, 161)
M, B = np.meshgrid(m_grid, b_grid)
Z = M[..., None] * x + B[..., None]  # logits, shape (n_b, n_m, n_samples)
mse = np.mean((expit(Z) - y) ** 2, axis=-1)
logloss = np.mean(-np.where(y == 1, log_expit(Z), log_expit(-Z)), axis=-1)

for i, j in [(0, 0), (80, 70), (160, 140)]:
    exact = log_loss_from_logits(y, M[i, j] * x + B[i, j])
    assert np.isclose(logloss[i, j], exact, rtol=1e-12), (logloss[i, j], exact)
print("grid values agree with log_loss_from_logits")

# %%
# Curvature: where is each surface non-convex?
# --------------------------------------------
# Both costs are averages of a function :math:`g(z)` of the logit, so their
# Hessians are :math:`\frac1n \sum_i g''(z_i) [x_i, 1]^\top [x_i, 1]`. For the
# log loss :math:`g'' = \sigma(1-\sigma) \ge 0`; for the squared error
# :math:`g'' = 2\sigma'^2 + 2(\sigma - y)\sigma'(1 - 2\sigma)`, which is
# negative for confident predictions (of either sign).
sig = expit(Z)
dsig = sig * (1 - sig)
curvature = {
    "MSE∘sigmoid": 2 * dsig**2 + 2 * (sig - y) * dsig * (1 - 2 * sig),
    "log loss": dsig,
}
features = np.stack([x, np.ones_like(x)], axis=1)  # [x_i, 1]
outer = features[:, :, None] * features[:, None, :]  # (n_samples, 2, 2)
smallest_eigenvalue = {}
for name, g2 in curvature.items():
    hessian = np.einsum("...i,ijk->...jk", g2, outer) / x.size
    smallest_eigenvalue[name] = np.linalg.eigvalsh(hessian)[..., 0]
    negative = np.mean(smallest_eigenvalue[name] < -1e-12)
    print(f"{name:12s} Hessian has a negative eigenvalue on {negative:.0%} of the grid")

# %%
# Gradient descent from the same start
# ------------------------------------
# The update is the textbook one, :math:`(m, b) \leftarrow (m, b) - \eta
# \nabla J`, with :math:`\partial J / \partial z_i = g'(z_i) / n`:
# :math:`\hat y_i - y_i` for the log loss (the sigmoid's derivative cancels),
# :math:`2(\hat y_i - y_i)\hat y_i(1 - \hat y_i)` for the squared error (it
# does not, and vanishes wherever the sigmoid saturates).
start = np.array([-5.0, 6.0])
derivatives = {
    "MSE∘sigmoid": lambda z: 2 * (expit(z) - y) * expit(z) * expit(-z),
    "log loss": lambda z: expit(z) - y,
}
paths = {}
for name, derivative in derivatives.items():
    theta = start.copy()
    path = [theta.copy()]
    for _ in range(3000):
        dz = derivative(theta[0] * x + theta[1]) / x.size
        theta -= 1.0 * np.array([dz @ x, dz.sum()])
        path.append(theta.copy())
    paths[name] = np.array(path)
    grad_norm = np.hypot(*(np.array([dz @ x, dz.sum()])))
    print(
        f"{name:12s} after 3000 steps: m = {theta[0]:6.3f}, b = {theta[1]:6.3f}, "
        f"gradient norm {grad_norm:.1e}"
    )

# %%
# The log-loss descent ends at the model that
# :class:`~sklearn_logloss.GDLogisticRegression` (without penalty) fits; the
# squared-error descent is still on its plateau, far from any good model.
model = GDLogisticRegression(alpha=0.0, tol=1e-10).fit(x[:, None], y)
print(f"GDLogisticRegression: m = {model.coef_[0, 0]:.3f}, b = {model.intercept_[0]:.3f}")
print(
    "log-loss descent matches it:",
    np.allclose(paths["log loss"][-1], [model.coef_[0, 0], model.intercept_[0]], atol=1e-3),
)

fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
for ax, (name, surface) in zip(
    axes, {"MSE∘sigmoid": mse, "log loss": logloss}.items(), strict=True
):
    levels = np.quantile(surface, np.linspace(0, 1, 25))
    contour = ax.contourf(M, B, surface, levels=levels, cmap="viridis")
    fig.colorbar(contour, ax=ax)
    ax.contourf(
        M, B, smallest_eigenvalue[name] < -1e-12, levels=[0.5, 1.5], colors="none", hatches=["//"]
    )
    ax.plot(*paths[name].T, color="white", lw=2, label="gradient descent")
    ax.plot(*start, "o", color="white")
    ax.plot(*paths[name][-1], "*", color="red", ms=12, label="after 3000 steps")
    ax.set_title(f"{name} (hatched: non-convex)")
    ax.set_xlabel("slope m")
    ax.legend(loc="lower right")
axes[0].set_ylabel("intercept b")
fig.tight_layout()

# %%
# A slice through the optimum
# ---------------------------
# Along the slope, with the intercept at its optimal value, the log loss is
# a bowl; the squared error flattens out in both directions and bends the
# wrong way (negative second derivative) away from the optimum. The two costs
# have very different ranges, so each gets its own panel; the shading marks
# where the curve is concave (its second difference is negative).
b_star = model.intercept_[0]
slopes = np.linspace(-10, 12, 400)
z_line = slopes[:, None] * x + b_star
costs = {
    "MSE∘sigmoid": np.mean((expit(z_line) - y) ** 2, axis=1),
    "log loss": np.array([log_loss_from_logits(y, z) for z in z_line]),
}
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for ax, (name, cost), color in zip(axes, costs.items(), ["tab:blue", "tab:orange"], strict=True):
    concave = np.gradient(np.gradient(cost, slopes), slopes) < 0
    ax.plot(slopes, cost, color=color, label=name)
    ax.fill_between(
        slopes,
        0,
        1,
        where=concave,
        transform=ax.get_xaxis_transform(),
        color="gray",
        alpha=0.2,
        label="concave (non-convex)",
    )
    ax.axvline(model.coef_[0, 0], color="gray", ls=":", label="log-loss optimum")
    ax.set_xlabel(f"slope m (intercept b = {b_star:.2f})")
    ax.set_title(name)
    ax.legend(loc="center right")
    print(f"{name:12s} concave on {concave.mean():.0%} of the slice")
axes[0].set_ylabel("cost")
fig.tight_layout()
plt.show()
