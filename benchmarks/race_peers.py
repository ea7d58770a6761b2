"""Candidates of the matched-accuracy race (``bench_race.py``) and the objective they share.

Every fit is ``fit(X, y, tol, max_iter) -> (coef (d, m), intercept (m,), n_iter)`` on the
same objective ``J = mean log loss + alpha/2 ||coef||^2``. glum and torch are optional: a
missing one is skipped with a note (``pip install -e ".[bench]"`` installs both).
"""

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.linear_model import LogisticRegression

from sklearn_logloss import GDLogisticRegression

ALPHA = 1e-4
TOLS = tuple(10.0**-k for k in range(2, 13))  # 1e-2 ... 1e-12
NEWTON_TOLS = TOLS[::2]  # 1e-2, 1e-4, ... 1e-12: Newton-type steps converge quadratically
MAX_ITER = 10_000

try:
    import torch
except ImportError:  # pragma: no cover - optional peer
    torch = None
try:
    import glum
except ImportError:  # pragma: no cover - optional peer
    glum = None


def objective(X, codes, n_classes, coef, intercept):
    """``mean log loss + alpha/2 ||coef||^2`` in float64; coef ``(d, m)``, intercept ``(m,)``."""
    coef = np.asarray(coef, dtype=np.float64).reshape(X.shape[1], -1)
    Z = np.asarray(X @ coef) + np.asarray(intercept, dtype=np.float64).reshape(1, -1)
    if n_classes == 2:
        z = Z[:, 0]
        losses = np.logaddexp(0.0, z) - codes * z  # softplus(z) - y z
    else:
        losses = logsumexp(Z, axis=1) - Z[np.arange(len(codes)), codes]
    return float(np.mean(losses) + 0.5 * ALPHA * np.sum(coef**2))


def quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def sklearn_fit(solver):
    def fit(X, y, tol, max_iter=MAX_ITER):
        C = 1.0 / (ALPHA * X.shape[0])
        model = LogisticRegression(C=C, solver=solver, tol=tol, max_iter=max_iter)
        quiet(lambda: model.fit(X, y))
        return model.coef_.T, model.intercept_, int(np.max(model.n_iter_))

    return fit


def ours_fit(X, y, tol, max_iter=None):
    """``GDLogisticRegression`` at its defaults (``tol=None``) or at ``tol``; never capped."""
    kwargs = {} if tol is None else {"tol": tol}
    model = quiet(lambda: GDLogisticRegression(**kwargs).fit(X, y))
    return model.coef_.T, model.intercept_, int(np.max(model.n_iter_))


def glum_fit(X, y, tol, max_iter=MAX_ITER):
    model = glum.GeneralizedLinearRegressor(
        family="binomial", alpha=ALPHA, l1_ratio=0, gradient_tol=tol, max_iter=max_iter
    )
    quiet(lambda: model.fit(X, y))
    coef = np.asarray(model.coef_)[:, None]
    return coef, np.atleast_1d(model.intercept_), int(model.n_iter_)


def to_torch(X, device="cpu"):
    """A dense or CSR tensor of X's dtype (float64 unless X is float32) on ``device``."""
    dtype = torch.float32 if X.dtype == np.float32 else torch.float64
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        return torch.sparse_csr_tensor(
            torch.from_numpy(X.indptr.astype(np.int64)),
            torch.from_numpy(X.indices.astype(np.int64)),
            torch.from_numpy(X.data).to(dtype),
            size=X.shape,
        ).to(device)
    return torch.from_numpy(np.ascontiguousarray(X)).to(dtype).to(device)


def torch_lbfgs(Xt, codes, n_classes, tol, max_iter=MAX_ITER, sync=None):
    """``torch.optim.LBFGS`` (strong Wolfe, history 10) on J; ``Xt`` a tensor, codes 0..K-1."""
    dtype, device = Xt.dtype, Xt.device
    m = 1 if n_classes == 2 else n_classes
    W = torch.zeros((Xt.shape[1], m), dtype=dtype, device=device, requires_grad=True)
    b = torch.zeros(m, dtype=dtype, device=device, requires_grad=True)
    target = torch.as_tensor(codes, device=device)
    target_f = target.to(dtype)
    opt = torch.optim.LBFGS(
        [W, b],
        lr=1,
        max_iter=max_iter,
        max_eval=2 * max_iter,
        tolerance_grad=tol,
        tolerance_change=tol * 1e-3,
        history_size=10,
        line_search_fn="strong_wolfe",
    )

    def closure():
        opt.zero_grad()
        Z = Xt @ W + b
        if n_classes == 2:
            data = torch.nn.functional.binary_cross_entropy_with_logits(Z[:, 0], target_f)
        else:
            data = torch.nn.functional.cross_entropy(Z, target)
        loss = data + 0.5 * ALPHA * (W * W).sum()
        loss.backward()
        return loss

    opt.step(closure)
    if sync is not None:
        sync()
    n_iter = opt.state[opt._params[0]]["n_iter"]
    return W.detach().cpu().double().numpy(), b.detach().cpu().double().numpy(), int(n_iter)


def torch_fit(X, y, tol, max_iter=MAX_ITER):
    """torch LBFGS on host data (conversion to a tensor included in the time)."""
    classes, codes = np.unique(y, return_inverse=True)
    target = torch.from_numpy(codes)
    return quiet(lambda: torch_lbfgs(to_torch(X), target, len(classes), tol, max_iter))


def make_candidates(X, n_classes):
    """``name -> (fit, tols)``; notes for the peers that cannot run."""
    cands = {"ours (defaults)": (ours_fit, (None,))}
    notes = []
    for solver in ("lbfgs", "newton-cholesky", "newton-cg"):
        if solver == "newton-cholesky" and sp.issparse(X):
            notes.append("newton-cholesky: not run on the sparse problem (dense d x d Hessian)")
            continue
        cands[solver] = (sklearn_fit(solver), TOLS if solver == "lbfgs" else NEWTON_TOLS)
    if glum is None:
        notes.append("glum: not importable, skipped (pip install glum)")
    elif n_classes != 2:
        notes.append("glum: binary only (family='binomial'), not run")
    elif sp.issparse(X):
        notes.append(
            "glum: not run on the sparse problem (its IRLS forms a dense 20000 x 20000 Hessian; "
            "the fit ran out of 23 GB of memory)"
        )
    else:
        cands["glum"] = (glum_fit, NEWTON_TOLS)
    if torch is None:
        notes.append("torch LBFGS: torch not importable, skipped (pip install torch)")
    else:
        cands["torch LBFGS"] = (torch_fit, TOLS)
    return cands, notes
