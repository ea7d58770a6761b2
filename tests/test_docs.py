"""The README and the documentation run as written.

Every ``python`` code block of ``README.md`` and of ``docs/*.rst`` is
executed, the blocks of one document in order in one namespace (as a reader
would run them), in a fresh interpreter. A block that needs an optional
dependency that is not installed is skipped with the dependency named. Every
shell command in them is either run here (the command line) or run by
``.ci/run``, or installs an extra that ``pyproject.toml`` defines. A
:class:`~sklearn.exceptions.ConvergenceWarning` or a RuntimeWarning fails a
block. The examples and the documentation use public names only.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from _versions import ARRAY_API_DISPATCH_PROBLEM

from sklearn_logloss._callbacks import HAS_CALLBACKS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

import check_html  # noqa: E402

OPTIONAL = {"dask", "distributed", "torch", "matplotlib", "pandas", "array_api_compat"}
DOCUMENTS = [ROOT / "README.md", *sorted(DOCS.glob("*.rst"))]


def _markdown_blocks(text):
    """``(language, first line number, code)`` of each fenced block."""
    blocks = []
    for match in re.finditer(r"^( *)```(\w*)\n(.*?)^\1```", text, re.M | re.S):
        indent, language, code = match.groups()
        code = "\n".join(line[len(indent) :] for line in code.splitlines())
        blocks.append((language, text[: match.start()].count("\n") + 2, code))
    return blocks


def _rest_blocks(text):
    """``(language, first line number, code)`` of each ``code-block``."""
    blocks = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        match = re.match(r"( *)\.\. code-block:: (\w+)", line)
        if not match:
            continue
        indent = len(match.group(1))
        body = []
        for following in lines[number + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            body.append(following)
        while body and not body[0].strip():
            body.pop(0)
        width = min(len(b) - len(b.lstrip()) for b in body if b.strip())
        code = "\n".join(b[width:] for b in body).rstrip() + "\n"
        blocks.append((match.group(2), number + 3, code))
    return blocks


def _blocks(path):
    text = path.read_text()
    return _markdown_blocks(text) if path.suffix == ".md" else _rest_blocks(text)


def _python_blocks():
    return [
        pytest.param(path, line, id=f"{path.name}:{line}")
        for path in DOCUMENTS
        for language, line, _ in _blocks(path)
        if language == "python"
    ]


_DRIVER = r"""
import json, sys, traceback, warnings
from sklearn.exceptions import ConvergenceWarning
# A snippet that does not converge, or overflows, is not one to copy.
warnings.simplefilter("error", ConvergenceWarning)
warnings.simplefilter("error", RuntimeWarning)
blocks, out = json.load(sys.stdin), sys.argv[1]
results, namespace, skipped = {}, {"__name__": "__main__"}, None
for line, code in blocks:
    try:
        exec(compile(code, f"block at line {line}", "exec"), namespace)
        results[line] = ["passed", ""]
    except ModuleNotFoundError as error:
        skipped = error.name
        results[line] = ["missing", error.name or ""]
    except NameError as error:
        results[line] = ["after-skip", skipped] if skipped else ["failed", traceback.format_exc()]
    except BaseException:
        results[line] = ["failed", traceback.format_exc()]
json.dump(results, open(out, "w"))
"""


@cache
def _run_document(path, tmp_dir):
    """Run the python blocks of ``path`` in order; ``{line: [status, detail]}``."""
    blocks = [(line, code) for language, line, code in _blocks(path) if language == "python"]
    out = Path(tmp_dir) / f"{path.name}.json"
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        # scikit-learn's array API dispatch needs it before SciPy is imported.
        "SCIPY_ARRAY_API": "1",
    }
    process = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(out)],
        input=json.dumps(blocks),
        capture_output=True,
        text=True,
        cwd=tmp_dir,
        env=env,
        timeout=900,
    )
    assert out.is_file(), process.stderr
    return {int(line): result for line, result in json.loads(out.read_text()).items()}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("docs"))


def _skip_what_these_versions_lack(path, line, status, detail):
    """Skip a block that needs a newer scikit-learn (or SciPy) than installed."""
    if status in ("missing", "after-skip") and detail == "sklearn.callback" and not HAS_CALLBACKS:
        pytest.skip("sklearn.callback needs scikit-learn >= 1.9")
    code = {number: text for _, number, text in _blocks(path)}[line]
    dispatch_refused = "array_api_dispatch=True" in code and "ImportError" in detail
    if status == "failed" and ARRAY_API_DISPATCH_PROBLEM is not None and dispatch_refused:
        pytest.skip(ARRAY_API_DISPATCH_PROBLEM)


@pytest.mark.slow
@pytest.mark.parametrize(("path", "line"), _python_blocks())
def test_python_block_runs(path, line, run_dir):
    status, detail = _run_document(path, run_dir)[line]
    _skip_what_these_versions_lack(path, line, status, detail)
    if status == "missing":
        assert detail.split(".")[0] in OPTIONAL, f"not an optional dependency: {detail}"
        pytest.skip(f"needs the optional dependency {detail}")
    if status == "after-skip":
        pytest.skip(f"uses names from a block that needs the optional dependency {detail}")
    assert status == "passed", f"{path.name}, block at line {line}:\n{detail}"


def test_every_document_has_its_python_blocks_found():
    counts = {path.name: len([b for b in _blocks(path) if b[0] == "python"]) for path in DOCUMENTS}
    assert counts["README.md"] >= 2
    assert counts["quickstart.rst"] >= 4
    assert counts["user_guide.rst"] >= 4


def _shell_commands(path):
    for language, _, code in _blocks(path):
        if language in ("bash", "sh", "console"):
            for line in code.replace("\\\n", " ").splitlines():
                line = line.split("#")[0].strip()
                yield from filter(None, (part.strip() for part in line.split("&&")))


def _normalized(command):
    quiet = ("-q", "-qq", "--silent", "--no-audit", "--no-fund")
    return [word for word in shlex.split(command) if word not in quiet]


def _ci_commands():
    text = (ROOT / ".ci" / "run").read_text().replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        for part in line.split("#")[0].split("&&"):
            if part.strip():
                commands.append(_normalized(part.strip()))
    return commands


def _shell_params():
    return [
        pytest.param(command, id=f"{path.name}: {command}")
        for path in DOCUMENTS
        for command in dict.fromkeys(_shell_commands(path))
    ]


@pytest.mark.parametrize("command", _shell_params())
def test_shell_command_is_run_or_checked(command, tmp_path):
    words = _normalized(command)
    if words[:3] == ["python", "-m", "sklearn_logloss"]:
        process = subprocess.run(
            [sys.executable, *words[1:]], capture_output=True, text=True, cwd=tmp_path, timeout=600
        )
        assert process.returncode == 0, process.stderr
        assert process.stdout.strip()
        return
    if words in _ci_commands():
        return  # .ci/run runs it as written
    if words[:1] == ["cd"] or words[:2] in (["git", "clone"], ["bash", ".ci/run"]):
        return  # a checkout and CI itself: what this test runs in
    if words[:3] == ["python", "-m", "pytest"] or words[:1] == ["pytest"]:
        assert all(Path(ROOT, w).exists() for w in words if w.startswith("tests/")), command
        return  # the test suite, which .ci/run runs whole
    assert words[:2] == ["pip", "install"], f"neither run here nor by .ci/run: {command}"
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for word in words[2:]:
        match = re.fullmatch(r"\.\[([\w,]+)\]", word)
        if match:
            for extra in match.group(1).split(","):
                assert extra in extras, f"{command}: no extra {extra!r} in pyproject.toml"
        elif word.startswith("-") or word.startswith("https://"):
            continue
        else:
            assert word in (".", "torch"), f"{command}: installs {word!r}"


def test_examples_and_docs_use_public_names_only():
    """Users copy what the gallery and the docs show: no ``sklearn_logloss._x``."""
    sources = [*ROOT.glob("examples/**/*.py"), *DOCS.glob("*.rst"), ROOT / "README.md"]
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"sklearn_logloss\._", line)
    ]
    assert len(sources) > 10
    assert not offenders, "\n".join(offenders)


def test_developer_guide_names_every_module_and_capability():
    """The developer guide's map names each module of the loss and solver packages, and its
    loss contract each capability a loss offers (a module or capability added without a word
    there fails)."""
    from sklearn_logloss._loss import ArrayAPILinearLogLoss, DaskLinearLogLoss, LinearLogLoss

    text = (DOCS / "developers.rst").read_text()
    modules = sorted(
        path.name
        for package in ("_loss", "_solvers")
        for path in (ROOT / "sklearn_logloss" / package).glob("*.py")
        if path.name != "__init__.py"
    )
    losses = (LinearLogLoss, ArrayAPILinearLogLoss, DaskLinearLogLoss)
    capabilities = sorted(frozenset().union(*(loss.supports for loss in losses)))
    assert len(modules) > 15 and "logit_space" in capabilities
    missing = [name for name in modules if f"``{name}``" not in text]
    missing += [name for name in capabilities if f'``"{name}"``' not in text]
    assert not missing, f"not in docs/developers.rst: {missing}"


def test_gallery_sections_cover_every_example():
    """Every example is in a section of the learning path, in the listed order."""
    import gallery_order

    found = sorted(path.name for path in ROOT.glob("examples/*/plot_*.py"))
    assert sorted(gallery_order.EXAMPLES) == found
    assert not list(ROOT.glob("examples/plot_*.py")), "an example outside the sections"
    for section in gallery_order.SECTIONS:
        assert (ROOT / "examples" / section / "README.rst").is_file()


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        (r'<p>the gradient <span class="math">\(p - y\)</span></p>', "raw TeX"),
        (r"<div>\[ J = \sum_i \ell_i \]</div>", "raw TeX"),
        ("<p>$$x^2$$</p>", "raw TeX"),
        ('<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js">', "remote"),
        ('<span class="math notranslate nohighlight">x</span>', "math not typeset"),
    ],
)
def test_html_check_finds_unrendered_math(html, problem):
    assert any(problem in message for message in check_html.problems(html))


def test_html_check_accepts_typeset_math():
    html = '<span class="math svgmath"><svg aria-label="p - y"></svg></span> costs 10\\(n\\)'
    html = html.replace("10\\(n\\)", "10 <code>\\(</code>")  # TeX in code samples is fine
    assert check_html.problems(html) == []


def test_offline_inventories_link_the_names_the_docs_use(tmp_path):
    """The inventories written at build time hold what the pages refer to."""
    import zlib

    import offline_inventories

    mapping = offline_inventories.write_inventories(tmp_path)
    entries = {}
    for url, path in mapping.values():
        data = Path(path).read_bytes()
        header_end = 0
        for _ in range(4):  # four header lines, then the zlib-compressed body
            header_end = data.index(b"\n", header_end) + 1
        for line in zlib.decompress(data[header_end:]).decode().splitlines():
            name, role, _, uri, _ = re.match(
                r"(.+?)\s+(\S+)\s+(-?\d+)\s+(\S*)\s+(.*)", line
            ).groups()
            entries[(name, role)] = url + uri
    sklearn = "https://scikit-learn.org/stable/"
    expected = {
        ("sklearn.linear_model.LogisticRegression", "py:class"): "modules/generated/"
        "sklearn.linear_model.LogisticRegression.html#sklearn.linear_model.LogisticRegression",
        ("sklearn.model_selection.GridSearchCV", "py:class"): "modules/generated/"
        "sklearn.model_selection.GridSearchCV.html#sklearn.model_selection.GridSearchCV",
        ("sklearn.neural_network.MLPClassifier", "py:class"): "modules/generated/"
        "sklearn.neural_network.MLPClassifier.html#sklearn.neural_network.MLPClassifier",
        ("sklearn.metrics.log_loss", "py:function"): "modules/generated/"
        "sklearn.metrics.log_loss.html#sklearn.metrics.log_loss",
        ("log_loss", "std:label"): "modules/model_evaluation.html#log-loss",
        ("logistic_regression", "std:label"): "modules/linear_model.html#logistic-regression",
    }
    for key, uri in expected.items():
        assert entries.get(key) == sklearn + uri, key
    assert entries[("scipy.special.expit", "py:function")].startswith("https://docs.scipy.org/")
    assert entries[("numpy.ndarray", "py:class")].startswith("https://numpy.org/doc/stable/")
