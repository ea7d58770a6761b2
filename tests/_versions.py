"""Optional features that depend on the installed library versions, for skip markers.

scikit-learn's array API dispatch is optional: scikit-learn refuses to switch it on
where a requirement of its own is missing (SciPy >= 1.14 and array-api-compat in
scikit-learn 1.6 to 1.9), while the package itself supports older SciPy. Tests of
the array API paths skip there, naming what scikit-learn asked for; everywhere
else they run (the CI job with the newest versions runs every one of them).
"""

import numpy as np
import pytest
import scipy
import sklearn


def _array_api_dispatch_problem():
    """scikit-learn's reason for refusing ``array_api_dispatch=True`` here, or None."""
    try:
        with sklearn.config_context(array_api_dispatch=True):
            pass
    except ImportError as refusal:
        # scikit-learn 1.6's message leaves "{scipy.__version__}" unformatted.
        message = str(refusal).replace("{scipy.__version__}", scipy.__version__)
        return (
            f"array API dispatch is unavailable with scikit-learn {sklearn.__version__}, "
            f"NumPy {np.__version__} and SciPy {scipy.__version__}: {message}"
        )
    return None


ARRAY_API_DISPATCH_PROBLEM = _array_api_dispatch_problem()

requires_array_api_dispatch = pytest.mark.skipif(
    ARRAY_API_DISPATCH_PROBLEM is not None, reason=str(ARRAY_API_DISPATCH_PROBLEM)
)


def skip_without_array_api_dispatch():
    """Skip the calling test where scikit-learn cannot dispatch to the array API."""
    if ARRAY_API_DISPATCH_PROBLEM is not None:
        pytest.skip(ARRAY_API_DISPATCH_PROBLEM)
