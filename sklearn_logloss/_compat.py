"""The one place this package touches private scikit-learn helpers.

scikit-learn has no public equivalent of these two; everything else in the
package uses public API. ``tests/test_compat.py`` checks them against the
installed scikit-learn, and CI runs that test on the oldest supported version.
"""

from inspect import signature

from sklearn.metrics._scorer import _BaseScorer  # noqa: F401  (base of our scorer)
from sklearn.utils.validation import _check_sample_weight as _sk_check_sample_weight

__all__ = ["_BaseScorer", "check_sample_weight"]

# Newer scikit-learn (1.9, not 1.7) rejects all-zero weights unless told otherwise; 1.6 has
# no such check (nor the parameter).
_HAS_ALLOW_ALL_ZERO = "allow_all_zero_weights" in signature(_sk_check_sample_weight).parameters


def check_sample_weight(sample_weight, X, *, dtype=None):
    """Validate ``sample_weight`` (None gives ones) for ``X``.

    Returns a 1-D float array of length ``n_samples`` (a scalar is broadcast).
    Raises ValueError for a wrong shape or length and for negative or
    non-finite values. All-zero weights are returned as they are: each caller
    raises its own error for them.
    """
    kwargs = {"dtype": dtype, "ensure_non_negative": True}
    if _HAS_ALLOW_ALL_ZERO:
        kwargs["allow_all_zero_weights"] = True
    return _sk_check_sample_weight(sample_weight, X, **kwargs)
