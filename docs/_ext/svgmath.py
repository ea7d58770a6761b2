"""Math typeset to SVG when the documentation is built, not in the browser.

Sphinx's default ``mathjax`` renderer leaves the TeX in the page and loads
MathJax from a CDN to typeset it: offline, every formula shows as raw TeX.
This renderer runs MathJax once per build, in Node.js (``docs/_ext/tex2svg.js``
over the npm package ``mathjax-full``), and writes each formula into the page
as an SVG that carries its own glyphs: the built site needs no script, font
or network to show its math.

``mathjax-full`` is installed by ``npm install --prefix docs/_node
mathjax-full@3.2.2`` (``.ci/run`` does it); the ``svgmath_node_modules``
setting says where it is. A TeX error is a build error.
"""

import html
import json
import shutil
import subprocess
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.locale import _
from sphinx.util.math import get_node_equation_number

HERE = Path(__file__).resolve().parent

INSTALL_HINT = "npm install --prefix docs/_node mathjax-full@3.2.2"


class _MathJax:
    """One Node.js process typesetting TeX to SVG, one JSON line per formula."""

    def __init__(self, node_modules):
        node = shutil.which("node")
        if node is None:
            raise ExtensionError(f"svgmath needs Node.js (`node`) and then `{INSTALL_HINT}`")
        if not (Path(node_modules) / "mathjax-full").is_dir():
            raise ExtensionError(
                f"svgmath: mathjax-full is not installed under {node_modules}; "
                f"run `{INSTALL_HINT}`"
            )
        self._process = subprocess.Popen(
            [node, str(HERE / "tex2svg.js"), str(node_modules)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self._cache = {}

    def svg(self, tex, display):
        key = (tex, display)
        if key not in self._cache:
            self._process.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
            self._process.stdin.flush()
            line = self._process.stdout.readline()
            if not line:
                raise ExtensionError("svgmath: the MathJax process stopped")
            answer = json.loads(line)
            if "error" in answer:
                raise ExtensionError(f"svgmath: cannot typeset {tex!r}: {answer['error']}")
            # The TeX stays available to screen readers and to copy-paste.
            label = html.escape(tex.strip(), quote=True)
            self._cache[key] = answer["svg"].replace("<svg ", f'<svg aria-label="{label}" ', 1)
        return self._cache[key]

    def close(self):
        self._process.stdin.close()
        self._process.wait(timeout=30)


def _mathjax(translator):
    app = translator.builder.app
    if getattr(app, "_svgmath", None) is None:
        app._svgmath = _MathJax(app.config.svgmath_node_modules)
    return app._svgmath


def visit_math(self, node):
    svg = _mathjax(self).svg(node.astext(), display=False)
    self.body.append(self.starttag(node, "span", "", CLASS="math svgmath"))
    self.body.append(svg + "</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node):
    self.body.append(self.starttag(node, "div", CLASS="math svgmath"))
    if node["number"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    # As Sphinx's MathJax renderer: blank lines separate aligned equations.
    parts = [part for part in node.astext().split("\n\n") if part.strip()]
    if len(parts) > 1:
        tex = r"\begin{aligned}" + r"\\".join(parts) + r"\end{aligned}"
    elif r"\\" in parts[0] and r"\begin" not in parts[0]:
        tex = r"\begin{split}" + parts[0] + r"\end{split}"
    else:
        tex = parts[0]
    self.body.append(_mathjax(self).svg(tex, display=True))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def _close(app, exception):
    if getattr(app, "_svgmath", None) is not None:
        app._svgmath.close()
        app._svgmath = None


def setup(app):
    app.add_config_value("svgmath_node_modules", str(HERE.parent / "_node" / "node_modules"), "")
    app.add_html_math_renderer("svgmath", (visit_math, None), (visit_displaymath, None))
    app.add_css_file("svgmath.css")
    app.connect("build-finished", _close)
    return {"parallel_read_safe": True, "parallel_write_safe": False}
