"""Draw benchmarks/results.json as benchmarks/results.png (shown on the docs' benchmarks page).

Left: objective gap against wall time of GDLogisticRegression (fits with ``max_iter=k``) on the
bundled problems, with the default-settings points of lbfgs and SGD. Right: time ratio
ours / lbfgs-defaults per problem.

    python benchmarks/plot_results.py [--json FILE] [--out FILE.png]
"""

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).parent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=HERE / "results.json", type=Path)
    parser.add_argument("--out", default=HERE / "results.png", type=Path)
    args = parser.parse_args(argv)
    results = json.loads(args.json.read_text())
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for problem in results["problems"]:
        trace = problem.get("gap_trace")
        if not trace:
            continue
        (line,) = left.plot(
            [p["time_s"] for p in trace],
            [max(p["gap"], 1e-16) for p in trace],
            marker="o",
            label=f"{problem['problem']}: GDLogisticRegression",
        )
        for name, marker in (("lbfgs", "s"), ("sgd", "^")):
            left.plot(
                problem["median_time_s"][name],
                max(problem["median_gap"][name], 1e-16),
                marker=marker,
                color=line.get_color(),
                linestyle="none",
                label=f"{problem['problem']}: {name} defaults",
            )
    left.set(xscale="log", yscale="log", xlabel="wall time (s)", ylabel="(J - J*) / J*")
    left.axhline(1e-6, color="grey", linestyle=":", linewidth=1)
    left.legend(fontsize=7)
    left.set_title("objective gap against time")
    names = [p["problem"] for p in results["problems"]]
    ratios = [p["ratio_ours_over_lbfgs"] for p in results["problems"]]
    right.barh(names, ratios)
    right.axvline(1.0, color="black", linewidth=1)
    right.set(xscale="log", xlabel="time ours / lbfgs defaults (< 1: ours faster)")
    right.set_title(f"defaults, alpha={results['alpha']:g} ({results['machine']['date'][:10]})")
    fig.tight_layout()
    fig.savefig(args.out, dpi=90)
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
