"""Check that the built site reads offline: no raw TeX, nothing loaded remotely.

Usage (``.ci/run`` runs it after the build)::

    python docs/_ext/check_html.py docs/_build/html

Exits with status 1 and lists the problems when a page shows a formula as
raw TeX (``\\(...\\)``, ``\\[...\\]``, ``$$...$$``, ``\\begin{...}`` outside code),
has a math element that was not typeset to SVG, or loads a script or a style
sheet from the network.
"""

import html as html_lib
import re
import sys
from pathlib import Path

_CODE = re.compile(r"<(pre|code|script|style|svg|textarea)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_RAW_TEX = re.compile(r"\\\(|\\\[|\$\$|\\begin\{|\\frac\b")
_UNTYPESET = re.compile(r'<(?:span|div)\b[^>]*class="math(?![^"]*svgmath)[^"]*"', re.I)
_REMOTE = re.compile(
    r'<script\b[^>]*\bsrc="(?:https?:)?//|<link\b[^>]*\bhref="(?:https?:)?//[^"]*\.css', re.I
)


def problems(page):
    """The problems of one HTML page, as messages (empty when it is fine)."""
    found = []
    for match in _REMOTE.finditer(page):
        found.append(f"remote script or style sheet: {match.group(0)[:100]}")
    for match in _UNTYPESET.finditer(page):
        found.append(f"math not typeset: {match.group(0)[:100]}")
    text = html_lib.unescape(_TAG.sub(" ", _CODE.sub(" ", page)))
    for match in _RAW_TEX.finditer(text):
        context = text[max(match.start() - 40, 0) : match.end() + 40].replace("\n", " ")
        found.append(f"raw TeX: ...{context}...")
    return found


def check(root):
    """``{page: problems}`` for the pages under ``root`` that have any; the count
    of pages and of typeset formulas."""
    root = Path(root)
    pages = [
        path
        for path in sorted(root.rglob("*.html"))
        if not path.relative_to(root).parts[0].startswith("_")
    ]
    report, formulas = {}, 0
    for path in pages:
        page = path.read_text(encoding="utf-8")
        formulas += page.count('class="math svgmath"')
        found = problems(page)
        if found:
            report[str(path.relative_to(root))] = found
    return report, len(pages), formulas


def main(argv):
    root = argv[1] if len(argv) > 1 else "docs/_build/html"
    report, n_pages, formulas = check(root)
    for page, found in report.items():
        for message in found:
            print(f"{page}: {message}")
    if n_pages == 0 or formulas == 0:
        print(f"{root}: {n_pages} pages, {formulas} typeset formulas: is this the built site?")
        return 1
    print(f"{n_pages} pages, {formulas} formulas typeset to SVG; {len(report)} with problems")
    return 1 if report else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
