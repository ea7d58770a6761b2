// Typeset TeX to SVG with MathJax, at documentation build time.
//
// Reads one JSON object per line on stdin, {"tex": "...", "display": true},
// and writes one per line on stdout, {"svg": "<svg ...>"} or {"error": "..."}.
// Started once per build by docs/_ext/svgmath.py; the SVGs carry their own
// glyph paths, so the built pages need no font, script or network.
"use strict";
const path = require("path");
const readline = require("readline");

const root = process.argv[2];
const load = (name) => require(path.join(root, "mathjax-full", "js", name));
const { mathjax } = load("mathjax.js");
const { TeX } = load("input/tex.js");
const { SVG } = load("output/svg.js");
const { liteAdaptor } = load("adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = load("handlers/html.js");
const { AllPackages } = load("input/tex/AllPackages.js");

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const document = mathjax.document("", {
  InputJax: new TeX({ packages: AllPackages.filter((name) => !["bussproofs", "noundefined", "noerrors"].includes(name)) }),
  OutputJax: new SVG({ fontCache: "none" }),
});

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const { tex, display } = JSON.parse(line);
  let answer;
  try {
    const node = document.convert(tex, { display });
    const svg = adaptor.outerHTML(adaptor.firstChild(node));
    // MathJax reports a TeX error as an merror node inside the SVG.
    answer = svg.includes('data-mml-node="merror"')
      ? { error: adaptor.textContent(node) }
      : { svg };
  } catch (err) {
    answer = { error: String(err.message || err) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
