"""Sphinx configuration of the sklearn-logloss documentation.

Build (warnings are errors, no network needed)::

    npm install --prefix docs/_node mathjax-full@3.2.2
    python -m sphinx -W --keep-going -b html docs docs/_build/html

The math is typeset to SVG at build time (``_ext/svgmath.py``) and the links
into scikit-learn, NumPy, SciPy and Python come from inventories written from
the installed packages (``_ext/offline_inventories.py``): the build downloads
nothing and the built site reads offline.
"""

import os
import re
import subprocess
import sys
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
sys.path.insert(0, str(HERE / "_ext"))

import gallery_order  # noqa: E402
from offline_inventories import write_inventories  # noqa: E402

project = "sklearn-logloss"
author = "sklearn-logloss developers"
copyright = "2026, sklearn-logloss developers"
version = release = sklearn_logloss.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "svgmath",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb"]
templates_path = ["_templates"]

html_math_renderer = "svgmath"
# "fit()" rather than "GDLogisticRegression.fit()" in the page's table of contents.
toc_object_entries_show_parents = "hide"

# Every cross-reference must resolve (with -W, a missing target fails the build).
nitpicky = True
intersphinx_mapping = write_inventories(HERE / "_inventories")
intersphinx_timeout = 1

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
# A methods table on each class page, inherited methods included (``score``,
# ``get_params``, ``set_params``, ``set_*_request``: their entries link to
# scikit-learn's documentation of them).
numpydoc_show_class_members = True
numpydoc_show_inherited_class_members = True
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-logloss {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
    # One header row at 1280 px: a search button instead of the wide search field.
    "header_links_before_dropdown": 6,
    "navbar_persistent": ["search-button"],
    # The benchmark tables and the examples' code need the full width.
    "secondary_sidebar_items": {
        "*": ["page-toc", "sourcelink"],
        "generated/*": ["page-toc", "sourcelink"],
        "auto_examples/*": ["page-toc", "sourcelink"],
        "benchmarks": [],
    },
}
# Pages without subpages get no (empty) section sidebar.
_PAGES_WITHOUT_SUBPAGES = (
    "index install quickstart user_guide benchmarks cli changelog developers".split()
)
html_sidebars = {page: [] for page in _PAGES_WITHOUT_SUBPAGES}
html_static_path = ["_static"]
html_css_files = ["custom.css"]

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("sklearn_logloss",),
    "download_all_examples": True,
    # The learning path: sections in this order, examples in each as listed.
    "subsection_order": [f"../examples/{name}" for name in gallery_order.SECTIONS],
    "within_subsection_order": "gallery_order.LearningPathOrder",
    "remove_config_comments": True,
    "plot_gallery": "True",
    "matplotlib_animations": False,
    # Its execution-time pages load DataTables from a CDN: not offline.
    "write_computation_times": False,
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


def _markdown_table(rows, max_columns=9):
    """A markdown pipe table as reST ``list-table`` s.

    A table wider than ``max_columns`` is split into several that each repeat
    its first column, so that none is wider than the page.
    """
    cells = [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]
    cells = [row for row in cells if not all(set(cell) <= set("-: ") for cell in row)]
    width = max(len(row) for row in cells)
    step = max_columns - 1
    lines = []
    for start in range(1, max(width, 2), step):
        lines += [".. list-table::", "   :header-rows: 1", ""]
        for row in cells:
            for index, cell in enumerate([row[0], *row[start : start + step]]):
                marker = "* -" if index == 0 else "  -"
                lines.append(f"   {marker} {_markdown_inline(cell)}".rstrip())
        lines.append("")
    return lines


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
        if plot.name == "race.png":  # shown with the race, above
            continue
        lines += [f".. image:: ../benchmarks/{plot.name}", f"   :alt: {plot.stem}", ""]
    text = "\n".join(lines) + "\n"
    target = HERE / "benchmarks_table.txt"
    if not target.is_file() or target.read_text() != text:
        target.write_text(text)


_write_benchmarks_fragment()


def _write_cli_fragments():
    """Run the command line as ``cli.rst`` shows it, and keep what it printed.

    ``docs/_generated/`` receives ``help.txt`` (``--help``), ``run.txt`` (the
    comparison on breast_cancer) and ``curves.png`` (its ``--plot``), so the
    page shows what this version really prints. A failing command fails the
    build.
    """
    out = HERE / "_generated"
    out.mkdir(exist_ok=True)
    env = {**os.environ, "COLUMNS": "90", "MPLBACKEND": "Agg"}
    commands = {
        "help.txt": ["--help"],
        "run.txt": ["--dataset", "breast_cancer", "--plot", str(out / "curves.png")],
    }
    for name, arguments in commands.items():
        process = subprocess.run(
            [sys.executable, "-m", "sklearn_logloss", *arguments],
            capture_output=True,
            text=True,
            env=env,
            cwd=out,
            timeout=600,
        )
        if process.returncode != 0:
            command = " ".join(["python -m sklearn_logloss", *arguments])
            raise RuntimeError(f"{command} failed:\n{process.stderr}")
        text = process.stdout.replace(str(out / "curves.png"), "curves.png")
        if not (out / name).is_file() or (out / name).read_text() != text:
            (out / name).write_text(text)


_write_cli_fragments()


def _write_changelog_fragment():
    """``docs/_generated/changelog.txt``, ``CHANGELOG.md`` as reST (for ``changelog.rst``)."""
    markdown = (ROOT / "CHANGELOG.md").read_text()
    # The title is the page's own; the version headings become rubrics.
    body = markdown.split("\n", 1)[1]
    text = "\n".join(_markdown_to_rest(body)) + "\n"
    target = HERE / "_generated" / "changelog.txt"
    if not target.is_file() or target.read_text() != text:
        target.write_text(text)


_write_changelog_fragment()


_TRAILING_UNDERSCORE = re.compile(r"\b([A-Za-z]\w*?)_(?=[\s,)])")


def _escape_attribute_names_in_shapes(app, what, name, obj, options, lines):
    """Escape ``n_iter_``-like names in ``of shape (...)`` type specs.

    In reStructuredText a word ending in ``_`` is a hyperlink reference, so
    ``ndarray of shape (n_iter_ + 1,)`` would be an unknown target.
    """
    for index, line in enumerate(lines):
        if "shape (" in line:
            lines[index] = _TRAILING_UNDERSCORE.sub(r"\1\\_", line)


# The papers behind the solvers, shown on the estimator's API page.
_REFERENCES = {
    "sklearn_logloss._logistic.GDLogisticRegression": [
        '.. [1] Y. Nesterov, "A method for solving the convex programming problem with',
        "   convergence rate O(1/k^2)\", Soviet Mathematics Doklady 27, 1983 (``solver='agd'``);",
        '   A. Beck and M. Teboulle, "A fast iterative shrinkage-thresholding algorithm for',
        '   linear inverse problems", SIAM J. Imaging Sciences 2(1), 2009.',
        '.. [2] J. Barzilai and J. M. Borwein, "Two-point step size gradient methods",',
        "   IMA J. Numerical Analysis 8(1), 1988; L. Grippo, F. Lampariello and S. Lucidi,",
        '   "A nonmonotone line search technique for Newton\'s method", SIAM J. Numerical',
        '   Analysis 23(4), 1986; G. Frassoldati, L. Zanni and G. Zanghirati, "New adaptive',
        '   stepsize selections in gradient methods", J. Industrial and Management',
        "   Optimization 4(2), 2008 (``solver='bb'``).",
        '.. [3] G. Narkiss and M. Zibulevsky, "Sequential subspace optimization method for',
        '   large-scale unconstrained problems", Technion CCIT report 559, 2005',
        "   (``solver='momentum'``, the default).",
        '.. [4] R. H. Byrd, G. M. Chin, J. Nocedal and Y. Wu, "Sample size selection in',
        '   optimization methods for machine learning", Mathematical Programming 134(1),',
        "   2012 (the coarse problems of ``solver='auto'``).",
    ],
}


def _add_references(app, what, name, obj, options, lines):
    """Append the References of ``_REFERENCES`` to a docstring that has none."""
    key = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
    if what == "class" and key in _REFERENCES and "References" not in lines:
        lines += ["", "References", "----------", *_REFERENCES[key], ""]


def setup(app):
    # Before numpydoc (priority 500) turns the sections into reST.
    app.connect("autodoc-process-docstring", _escape_attribute_names_in_shapes, priority=100)
    app.connect("autodoc-process-docstring", _add_references, priority=100)
