"""Peak extra memory of a fit on sparse data (``tracemalloc``), counted in arrays.

With few stored values per row, an array of ``n_samples`` numbers is a large
part of the data (about a tenth on the matrix below), so what a fit keeps
is counted in such arrays. The dense bound (at most 25% of ``X``) is checked
in ``test_solvers.py``, and here on issue 15's 10-class problem, where the
fit moves to the Hessian's coupled metric, and on a Fortran-ordered one.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from sklearn_logloss import GDLogisticRegression


def csr_problem(n_samples=20_000, n_features=50, density=0.13, n_classes=2):
    rng = np.random.default_rng(0)
    X = sp.random(n_samples, n_features, density=density, format="csr", random_state=0)
    if n_classes > 2:
        scores = X @ rng.standard_normal((n_features, n_classes))
        return X, np.argmax(scores + rng.gumbel(size=scores.shape), axis=1)
    scores = X @ rng.standard_normal(n_features)
    y = (scores + 0.5 * rng.standard_normal(n_samples) > np.median(scores)).astype(int)
    return X, y


def data_nbytes(X):
    return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes


def fit_peak(model, X, y):
    """Peak memory allocated during ``model.fit(X, y)``, after a warm-up fit."""
    model.fit(X[:2000], y[:2000])  # lazy imports and caches, not the fit's memory
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            model.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize("fmt", [sp.csr_matrix, sp.csr_array], ids=lambda f: f.__name__)
def test_csr_fit_keeps_few_arrays_of_all_samples(fmt):
    # 20000 x 50, 13% stored: about 6.5 values a row, so one float64 array of
    # n_samples numbers is 9.8% of the data.
    X, y = csr_problem()
    X = fmt(X)
    model = GDLogisticRegression()
    peak = fit_peak(model, X, y)
    # Kept through the fit: the momentum solver's three arrays of all logits
    # (the point's; the probabilities, over which the forms' pass writes the
    # gradient's logits; the kept step, over which the next step is
    # combined), 29% of the data; the equal weights are one number, and no
    # gradient sum on such data (its logits would be a fourth array). During
    # a call the products and pointwise passes sweep chunks of rows (an
    # eighth of them, in three rows of scratch: 4%), the class codes and
    # signs take a byte each (2.4%): with the estimator's own small arrays,
    # 39%. One more array of all logits (9.8%) fails: lbfgs peaks at 43% on
    # the same labels. At the filing the peak was 84%.
    assert peak <= 0.43 * data_nbytes(X), f"peak {peak / data_nbytes(X):.1%} of the data"
    # The fit is the one lbfgs finds, not one stopped early.
    reference = LogisticRegression(C=1.0 / (model.alpha * X.shape[0]), tol=1e-10, max_iter=1000)
    reference.fit(X, y)
    np.testing.assert_allclose(
        model.predict_proba(X), reference.predict_proba(X), rtol=0, atol=1e-3
    )


def test_csr_fit_with_three_classes_keeps_few_arrays_of_all_logits():
    # Three logits a sample: an array of all logits is 29% of the data.
    X, y = csr_problem(n_classes=3)
    model = GDLogisticRegression()
    peak = fit_peak(model, X, y)
    # Kept: the momentum solver's two arrays of all logits (the
    # probabilities, then the gradient's logits; the kept step, then the
    # new step's): 59% of the data. Where an array of logits is over a
    # quarter of the data, the point's logits are made from the coefficients
    # at each evaluation, a chunk of rows at a time, not kept. The chunks'
    # scratch (the block's logits; the kernel's three rows, which first hold
    # the product X W of the chunk) is 7%, the codes 1.2%: 78% in all. One
    # more array of all logits (29%) fails; lbfgs peaks at 83%. Before:
    # 268%, 174% at the start of this work.
    assert peak <= 0.83 * data_nbytes(X), f"peak {peak / data_nbytes(X):.1%} of the data"
    reference = LogisticRegression(C=1.0 / (model.alpha * X.shape[0]), tol=1e-10, max_iter=1000)
    reference.fit(X, y)
    np.testing.assert_allclose(
        model.predict_proba(X), reference.predict_proba(X), rtol=0, atol=1e-3
    )


def test_the_coupled_hessian_metric_keeps_a_large_fit_within_a_quarter_of_x(metric_calls):
    # Issue 15's memory rule on its 10-class problem (100000 x 50, dense): the
    # coarse problems, the Hessian's coupled metric and the full run together.
    from sklearn.datasets import make_classification

    X, y = make_classification(
        100_000, 50, n_informative=20, n_classes=10, n_clusters_per_class=1, random_state=0
    )
    peak = fit_peak(GDLogisticRegression(alpha=1e-4), X, y)
    # The measured fit (after the warm-up one) moved to the metric.
    assert [kind for kind, _, _ in metric_calls[-2:]] == ["gram", "hessian"]
    assert peak <= 0.25 * X.nbytes, f"peak {peak / X.nbytes:.1%} of X"


def test_fortran_ordered_dense_fit_keeps_within_a_quarter_of_x():
    # Issue 14: a Fortran-ordered X costs no C-ordered copy (lbfgs: 116% of X
    # here). With three classes its rows are swept a chunk at a time (views),
    # so no array of all logits or residuals is made during a call: the
    # momentum solver's three arrays of all logits (18% of X) and the
    # chunks' scratch, 22% measured. Before: 35% (one array of all logits
    # per product and one of the residuals).
    from sklearn.datasets import make_classification

    X, y = make_classification(100_000, 50, n_informative=10, n_classes=3, random_state=0)
    X = np.asfortranarray(X)
    peak = fit_peak(GDLogisticRegression(), X, y)
    assert peak <= 0.25 * X.nbytes, f"peak {peak / X.nbytes:.1%} of X"


def test_csc_fit_keeps_few_arrays_of_all_samples():
    # CSC rows cannot be read a range at a time: each product makes one
    # array of all logits during a call. Kept: the momentum solver's three
    # arrays (29% of the data), the weights one number: 58% measured with
    # the calls' arrays. Before: 84%.
    X, y = csr_problem()
    X = X.tocsc()
    peak = fit_peak(GDLogisticRegression(), X, y)
    assert peak <= 0.65 * data_nbytes(X), f"peak {peak / data_nbytes(X):.1%} of the data"
