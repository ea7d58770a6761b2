"""Output of ``bench_race.py``: the markdown table, its reST summary and the plot."""

TARGET_GAP = 1e-6
PLOTTED = ("breast_cancer_raw", "dense_binary")  # problems whose sweeps go on to 1e-9


def fmt_tol(tol):
    return "default" if tol is None else f"{tol:.0e}"


def markdown(meta, results):
    lines = ["# Matched-accuracy race (benchmarks/bench_race.py)", ""]
    lines += [f"- {key}: {value}" for key, value in meta.items()]
    lines += [
        "",
        "## Summary: ours at its defaults against the fastest peer reaching gap 1e-6",
        "",
    ]
    lines += [
        "| problem | n x d | K | ours (s) | ours gap | fastest peer | peer (s) | ours / peer |"
    ]
    lines += ["|---|---|---|---|---|---|---|---|"]
    for res in results:
        ours = res["rows"][0]
        fastest = next((r for r in res["rows"] if r["candidate"] == res["fastest_peer"]), None)
        shape = f"{res['n_samples']} x {res['n_features']}" + (
            " CSR" if res["sparse"] else (" f32" if res["dtype"] == "float32" else "")
        )
        peer = (
            "-" if fastest is None else f"{fastest['candidate']} (tol {fmt_tol(fastest['tol'])})"
        )
        lines.append(
            f"| {res['problem']} | {shape} | {res['n_classes']} | {ours['median_s']:.4g} "
            f"| {ours['gap']:.1e} | {peer} | "
            + ("-" if fastest is None else f"{fastest['median_s']:.4g}")
            + " | "
            + ("-" if res["ours_over_fastest"] is None else f"{res['ours_over_fastest']:.2f}")
            + " |"
        )
    lines += ["", "## Every candidate", ""]
    lines += ["| problem | candidate | tol | median CPU s | min | max | runs | gap (median) |"]
    lines += ["|---|---|---|---|---|---|---|---|"]
    for res in results:
        for r in res["rows"]:
            if r["runs"] == 0:
                lines.append(
                    f"| {res['problem']} | {r['candidate']} | not reached | - | - | - | 0 "
                    f"| best {r['best_gap']:.1e} |"
                )
                continue
            lines.append(
                f"| {res['problem']} | {r['candidate']} | {fmt_tol(r['tol'])} "
                f"| {r['median_s']:.4g} | {r['min_s']:.4g} | {r['max_s']:.4g} | {r['runs']} "
                f"| {r['gap']:.1e} |"
            )
    notes = [(res["problem"], note) for res in results for note in res["notes"]]
    if notes:
        lines += ["", "Notes:", ""] + [f"- {p}: {note}" for p, note in notes]
    return "\n".join(lines) + "\n"


def rest(markdown_text):
    """The summary of the markdown table as reST (included by ``docs/benchmarks.rst``)."""
    lines, rows = [], []
    section = markdown_text.split("## Every candidate")[0]
    for line in section.splitlines():
        if line.startswith("|"):
            if not line.startswith("|---"):
                rows.append([c.strip() for c in line.strip("|").split("|")])
        elif line.startswith("- "):
            lines.append(line)
    esc = lambda text: text.replace("*", "\\*")  # noqa: E731
    out = [esc(line) for line in lines] + ["", ".. list-table::", "   :header-rows: 1", ""]
    for row in rows:
        out += [f"   * - {esc(row[0])}"] + [f"     - {esc(cell)}" for cell in row[1:]]
    return "\n".join(out) + "\n"


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    shown = [r for r in results if r["problem"] in PLOTTED][:2] or results[:1]
    fig, axes = plt.subplots(1, len(shown), figsize=(5.2 * len(shown), 4.0), squeeze=False)
    for ax, res in zip(axes[0], shown, strict=True):
        for cname, trace in res["sweeps"].items():
            if cname == "ours (defaults)":
                continue  # its tol sweep is drawn instead
            t = [p["cpu_s"] for p in trace]
            g = [max(p["gap"], 1e-16) for p in trace]
            style = {"marker": "o", "ms": 4}
            if cname.startswith("ours"):
                style.update(color="black", lw=2.2, marker="*", ms=9)
            ax.plot(t, g, label=cname, **style)
        ax.axhline(TARGET_GAP, color="grey", ls="--", lw=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 3.0)))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("CPU time of one fit (s)")
        ax.set_ylabel("relative gap (J - J*) / J*")
        ax.set_title(f"{res['problem']} ({res['n_samples']} x {res['n_features']})")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Time to accuracy: one point per tol setting (ours: tol sweep)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
