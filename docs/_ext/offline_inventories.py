"""Intersphinx inventories of scikit-learn, NumPy, SciPy, Matplotlib and Python, offline.

Intersphinx normally downloads each project's ``objects.inv``. Here the
inventories are written at build time from the public names of the installed
packages (their ``__all__``), each pointing at the page of the project's
stable documentation that documents it, so ``:class:`~sklearn.linear_model.
LogisticRegression``` becomes a link without network access. With
``nitpicky = True`` and ``-W`` a reference to a name that no inventory has is a
build error.
"""

import builtins
import importlib
import inspect
import pkgutil
import zlib
from pathlib import Path

SKLEARN = "https://scikit-learn.org/stable/"
NUMPY = "https://numpy.org/doc/stable/"
SCIPY = "https://docs.scipy.org/doc/scipy/"
MATPLOTLIB = "https://matplotlib.org/stable/"
PYTHON = "https://docs.python.org/3/"

# Sections of scikit-learn's user guide and glossary that these pages (and the
# docstrings they inherit from scikit-learn) refer to: label -> (page, title).
SKLEARN_LABELS = {
    "log_loss": ("modules/model_evaluation.html#log-loss", "Log loss"),
    "logistic_regression": (
        "modules/linear_model.html#logistic-regression",
        "Logistic regression",
    ),
    "brier_score_loss": ("modules/model_evaluation.html#brier-score-loss", "Brier score loss"),
    "accuracy_score": ("modules/model_evaluation.html#accuracy-score", "Accuracy score"),
    "calibration": ("modules/calibration.html", "Probability calibration"),
    "sgd_tips": ("modules/sgd.html#tips-on-practical-use", "Tips on practical use"),
    "metadata_routing": ("metadata_routing.html", "Metadata routing"),
    "scoring_parameter": (
        "modules/model_evaluation.html#scoring-parameter",
        "The scoring parameter: defining model evaluation rules",
    ),
    "preprocessing_scaler": (
        "modules/preprocessing.html#preprocessing-scaler",
        "Scaling features",
    ),
    "multilayer_perceptron": ("modules/neural_networks_supervised.html", "Neural network models"),
    "array_api": ("modules/array_api.html", "Array API support"),
}
SKLEARN_TERMS = [
    "random_state",
    "sample_weight",
    "class_weight",
    "warm_start",
    "partial_fit",
    "early_stopping",
    "n_iter_no_change",
    "decision_function",
    "predict_proba",
    "metadata routing",
    "estimator",
    "meta-estimator",
    "scorer",
]


def _write(path, project, version, entries):
    """Write a version-2 Sphinx inventory (``objects.inv``) of ``entries``.

    ``entries`` holds ``(name, "domain:role", uri, display name)`` rows; the
    URIs are relative to the project's documentation root.
    """
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = "".join(
        f"{name} {role} 1 {uri} {display or '-'}\n"
        for name, role, uri, display in sorted(set(entries))
    )
    path.write_bytes(header.encode() + zlib.compress(body.encode()))


def _public_modules(package):
    """``package`` and its public submodules that declare ``__all__``."""
    yield package
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        parts = info.name.split(".")
        skipped = ("tests", "externals", "experimental")
        if any(part.startswith("_") or part in skipped for part in parts):
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception:  # optional dependencies of a submodule: skip it
            continue
        yield module


def _public_names(module):
    """``__all__``, or else the public names that ``module`` defines or takes
    from a private module (``sklearn.utils.metadata_routing`` re-exports
    ``sklearn.utils._metadata_requests``)."""
    if hasattr(module, "__all__"):
        return module.__all__
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (
            (getattr(value, "__module__", None) or "") == module.__name__
            or "._" in (getattr(value, "__module__", None) or "")
        )
    ]


def _api_entries(modules, page, method_pages=False):
    """Inventory rows of the public classes, functions and methods of ``modules``.

    ``page(qualified_name)`` is the URI of the page documenting a name; a
    method is an anchor on its class's page, or has a page of its own when
    ``method_pages`` is true.
    """
    for module in modules:
        for name in _public_names(module):
            obj = getattr(module, name, None)
            if obj is None or inspect.ismodule(obj):
                continue
            qualified = f"{module.__name__}.{name}"
            uri = page(qualified)
            if inspect.isclass(obj):
                role = "py:exception" if issubclass(obj, BaseException) else "py:class"
                yield qualified, role, uri, None
                for member in dir(obj):
                    if not member.startswith("_") and callable(getattr(obj, member, None)):
                        method = f"{qualified}.{member}"
                        method_uri = page(method) if method_pages else f"{uri}.{member}"
                        yield method, "py:method", method_uri, None
            elif callable(obj):
                yield qualified, "py:function", uri, None
            else:
                yield qualified, "py:data", uri, None


def _sklearn(path):
    import sklearn

    modules = [m for m in _public_modules(sklearn) if m.__name__ != "sklearn.experimental"]
    entries = list(_api_entries(modules, lambda name: f"modules/generated/{name}.html#{name}"))
    entries += [(m.__name__, "py:module", f"api/{m.__name__}.html", None) for m in modules]
    entries += [(label, "std:label", uri, title) for label, (uri, title) in SKLEARN_LABELS.items()]
    entries += [
        (term, "std:term", f"glossary.html#term-{term.replace(' ', '-')}", term)
        for term in SKLEARN_TERMS
    ]
    _write(path, "scikit-learn", sklearn.__version__, entries)


def _numpy(path):
    import numpy

    modules = [numpy, numpy.random, numpy.linalg]
    entries = list(_api_entries(modules, lambda name: f"reference/generated/{name}.html#{name}"))
    _write(path, "NumPy", numpy.__version__, entries)


def _scipy(path):
    import scipy
    import scipy.optimize
    import scipy.sparse
    import scipy.special

    modules = [scipy.special, scipy.sparse, scipy.optimize]
    entries = list(_api_entries(modules, lambda name: f"reference/generated/{name}.html#{name}"))
    _write(path, "SciPy", scipy.__version__, entries)


def _matplotlib(path):
    import matplotlib
    import matplotlib.axes
    import matplotlib.figure
    import matplotlib.pyplot

    modules = [matplotlib.axes, matplotlib.figure, matplotlib.pyplot]
    entries = list(
        _api_entries(modules, lambda name: f"api/_as_gen/{name}.html#{name}", method_pages=True)
    )
    _write(path, "Matplotlib", matplotlib.__version__, entries)


def _python(path):
    entries = []
    stdtypes = {"str", "dict", "list", "tuple", "set", "frozenset", "bytes", "range"}
    for name, obj in vars(builtins).items():
        if name.startswith("_"):
            continue
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            entries.append((name, "py:exception", f"library/exceptions.html#{name}", None))
        elif name in stdtypes:
            entries.append((name, "py:class", f"library/stdtypes.html#{name}", None))
        elif inspect.isclass(obj):
            entries.append((name, "py:class", f"library/functions.html#{name}", None))
        elif callable(obj):
            entries.append((name, "py:function", f"library/functions.html#{name}", None))
    for name in ("None", "True", "False"):
        entries.append((name, "py:data", f"library/constants.html#{name}", None))
    _write(path, "Python", "3", entries)


def write_inventories(directory):
    """Write the four inventories into ``directory``; return ``intersphinx_mapping``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    projects = {
        "sklearn": (SKLEARN, _sklearn),
        "numpy": (NUMPY, _numpy),
        "scipy": (SCIPY, _scipy),
        "matplotlib": (MATPLOTLIB, _matplotlib),
        "python": (PYTHON, _python),
    }
    mapping = {}
    for key, (url, write) in projects.items():
        path = directory / f"{key}.inv"
        write(path)
        mapping[key] = (url, str(path))
    return mapping
