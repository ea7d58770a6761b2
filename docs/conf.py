"""Sphinx configuration of the sklearn-logloss documentation.

Build (warnings are errors, no network needed)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import re
import warnings
from pathlib import Path

from threadpoolctl import threadpool_limits

import sklearn_logloss

# The gallery runs in this process. Its problems are small: several BLAS
# threads only add overhead (and make the measured times noisy) on a shared
# machine, so the examples run with one.
threadpool_limits(limits=1)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

project = "sklearn-logloss"
author = "sklearn-logloss developers"
copyright = "2026, sklearn-logloss developers"
version = release = sklearn_logloss.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb"]
templates_path = ["_templates"]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-logloss {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
}
html_static_path = []

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("sklearn_logloss",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "plot_gallery": "True",
    "matplotlib_animations": False,
}

# The examples silence the warnings they mean to; anything else is a failure
# of the build (with -W), except matplotlib's harmless non-interactive notice.
warnings.filterwarnings("ignore", message="Matplotlib is currently using agg")
warnings.filterwarnings(
    "ignore", message="FigureCanvasAgg is non-interactive, and thus cannot be shown"
)


def _markdown_inline(text):
    """Markdown text as reST.

    Inline code (`x`) becomes a literal (``x``); elsewhere the characters
    that reST gives a meaning (``*``, ``_``, ``|``, ``\\``) are escaped.
    """
    parts = re.split(r"(`[^`]+`)", text)
    return "".join(
        f"`{part}`" if part.startswith("`") else re.sub(r"([\\*_|`])", r"\\\1", part)
        for part in parts
    )


def _markdown_table(rows):
    """A markdown pipe table as a reST ``list-table``."""
    cells = [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]
    cells = [row for row in cells if not all(set(cell) <= set("-: ") for cell in row)]
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in cells:
        for index, cell in enumerate(row):
            marker = "* -" if index == 0 else "  -"
            lines.append(f"   {marker} {_markdown_inline(cell)}".rstrip())
    return [*lines, ""]


def _markdown_to_rest(markdown):
    """The subset of markdown that ``benchmarks/bench_fit.py`` writes, as reST.

    Headings become rubrics, pipe tables become list tables; bullets and
    paragraphs are the same in both (up to the inline literals).
    """
    lines, table = [], []
    for line in markdown.splitlines():
        if line.lstrip().startswith("|"):
            table.append(line)
            continue
        if table:
            lines += _markdown_table(table)
            table = []
        heading = re.match(r"#+\s+(.*)", line)
        if heading:
            lines += [f".. rubric:: {_markdown_inline(heading.group(1))}", ""]
        else:
            lines.append(_markdown_inline(line))
    if table:
        lines += _markdown_table(table)
    return lines


def _write_benchmarks_fragment():
    """Write ``benchmarks_table.txt``, included by ``benchmarks.rst``.

    The committed tables ``benchmarks/results.md`` and
    ``benchmarks/results_scale.md`` (and any ``benchmarks/*.png`` plot) are
    shown when they exist at build time; otherwise the page says the
    benchmarks were not yet measured.
    """
    lines = []
    tables = [
        ("results.md", "fit time against lbfgs and SGD defaults"),
        ("results_scale.md", "fit time against n: NumPy, torch, Dask"),
    ]
    for name, what in tables:
        results = ROOT / "benchmarks" / name
        if results.is_file():
            lines += [f"The committed results ({what}), ``benchmarks/{name}``:", ""]
            lines += _markdown_to_rest(results.read_text())
            lines.append("")
        else:
            lines += [f"*Not yet measured*: ``benchmarks/{name}`` does not exist yet.", ""]
    for plot in sorted((ROOT / "benchmarks").glob("*.png")):
        lines += [f".. image:: ../benchmarks/{plot.name}", f"   :alt: {plot.stem}", ""]
    text = "\n".join(lines) + "\n"
    target = HERE / "benchmarks_table.txt"
    if not target.is_file() or target.read_text() != text:
        target.write_text(text)


_write_benchmarks_fragment()


_TRAILING_UNDERSCORE = re.compile(r"\b([A-Za-z]\w*?)_(?=[\s,)])")


def _escape_attribute_names_in_shapes(app, what, name, obj, options, lines):
    """Escape ``n_iter_``-like names in ``of shape (...)`` type specs.

    In reStructuredText a word ending in ``_`` is a hyperlink reference, so
    ``ndarray of shape (n_iter_ + 1,)`` would be an unknown target.
    """
    for index, line in enumerate(lines):
        if "shape (" in line:
            lines[index] = _TRAILING_UNDERSCORE.sub(r"\1\\_", line)


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document only what sklearn_logloss defines, not what it inherits.

    The members inherited from scikit-learn (``score``, ``get_params``,
    ``set_*_request``, ...) are documented by scikit-learn; their docstrings
    refer to its own pages, which this site does not have.
    """
    module = getattr(obj, "__module__", None) or ""
    if what == "class" and not module.startswith("sklearn_logloss"):
        return True
    return None


def setup(app):
    # Before numpydoc (priority 500) turns the sections into reST.
    app.connect("autodoc-process-docstring", _escape_attribute_names_in_shapes, priority=100)
    app.connect("autodoc-skip-member", _skip_foreign_members)
