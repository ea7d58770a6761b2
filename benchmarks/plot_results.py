"""Draw benchmarks/results.json as benchmarks/results.png (shown on the docs' benchmarks page).

Top: objective gap against wall time of GDLogisticRegression (fits with ``max_iter=k``) on the
bundled problems, with the default-settings points of lbfgs and SGD. Bottom: time ratio
ours / lbfgs-defaults per problem. Drawn to be read at the width of a documentation page: one
panel above the other, the legends outside the data, the ratios written on their bars.

    python benchmarks/plot_results.py [--json FILE] [--out FILE.png]
"""

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402

HERE = Path(__file__).parent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=HERE / "results.json", type=Path)
    parser.add_argument("--out", default=HERE / "results.png", type=Path)
    args = parser.parse_args(argv)
    results = json.loads(args.json.read_text())
    fig, (left, right) = plt.subplots(
        2, 1, figsize=(8, 8), gridspec_kw={"height_ratios": [3, 2]}, layout="constrained"
    )
    colors = {}
    for problem in results["problems"]:
        trace = problem.get("gap_trace")
        if not trace:
            continue
        (line,) = left.plot(
            [p["time_s"] for p in trace],
            [max(p["gap"], 1e-16) for p in trace],
            marker="o",
            markersize=4,
        )
        colors[problem["problem"]] = line.get_color()
        for name, marker in (("lbfgs", "s"), ("sgd", "^")):
            left.plot(
                problem["median_time_s"][name],
                max(problem["median_gap"][name], 1e-16),
                marker=marker,
                markersize=9,
                markeredgecolor="black",
                color=line.get_color(),
                linestyle="none",
            )
    left.set(xscale="log", yscale="log", xlabel="wall time (s)", ylabel="(J - J*) / J*")
    left.axhline(1e-6, color="grey", linestyle=":", linewidth=1)
    # One legend in room made for it right of the slowest point: the colours name the
    # problems, the markers the methods; no data point lies under it.
    left.set_xlim(right=left.get_xlim()[1] * 30)
    handles = [Line2D([], [], color=c, marker="o", markersize=4) for c in colors.values()]
    labels = list(colors)
    methods = {
        "GDLogisticRegression (max_iter=k)": "o",
        "lbfgs defaults": "s",
        "SGD defaults": "^",
    }
    handles += [
        Line2D([], [], color="grey", marker=m, markeredgecolor="black", linestyle="none")
        for m in methods.values()
    ]
    left.legend(handles, labels + list(methods), loc="center right", fontsize=9)
    left.set_title("objective gap against time")
    names = [p["problem"] for p in results["problems"]]
    ratios = [p["ratio_ours_over_lbfgs"] for p in results["problems"]]
    bars = right.barh(names, ratios)
    right.bar_label(bars, labels=[f"{r:.2f}" for r in ratios], padding=3)
    right.axvline(1.0, color="black", linewidth=1)
    right.set_xscale("log")
    ticks = [0.25, 0.5, 1, 2, 4]
    right.set_xticks(ticks, [f"{t:g}" for t in ticks])
    right.xaxis.set_minor_formatter(NullFormatter())
    right.set_xlim(min(0.2, min(ratios) / 1.5), max(5, max(ratios) * 1.5))
    right.set_xlabel("time ours / lbfgs defaults (< 1: ours faster)")
    right.set_title(f"defaults, alpha={results['alpha']:g} ({results['machine']['date'][:10]})")
    fig.savefig(args.out, dpi=100)
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
