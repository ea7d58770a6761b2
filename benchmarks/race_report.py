"""Output of ``bench_race.py``: the markdown tables, their reST summary and the plot."""

TARGET_GAP = 1e-6
# Problems whose sweeps go on to a gap of 1e-9 and are drawn in race.png, with ours swept too.
PLOTTED = ("digits", "breast_cancer_raw", "dense_binary", "dense_binary_raw")
MODE_NAMES = {"cpu": "CPU, 1 thread", "wall": "wall, default threads", "cuda": "CUDA wall"}
COLORS = {
    "lbfgs": "tab:blue",
    "newton-cholesky": "tab:orange",
    "newton-cg": "tab:green",
    "glum": "tab:red",
    "torch LBFGS": "tab:purple",
}


def fmt_tol(row):
    text = "default" if row["tol"] is None else f"{row['tol']:.0e}"
    return text + (f", max_iter {row['max_iter']}" if "max_iter" in row else "")


def fmt_s(value):
    return "-" if value is None else f"{value:.3g}"


def shape(res):
    kind = " CSR" if res["sparse"] else (" f32" if res["dtype"] == "float32" else "")
    return f"{res['n_samples']} x {res['n_features']}{kind}"


def modes_of(res):
    return [m for m in MODE_NAMES if f"fastest_peer_{m}" in res]


def summary_rows(results):
    """Header and rows: ours against the fastest peer in each timing mode."""
    modes = modes_of(results[0]) if results else []
    header = ["problem", "n x d", "K", "ours gap"]
    for mode in modes:
        name = MODE_NAMES[mode]
        header += [f"ours, {name} (s)", f"fastest peer, {name} (s)", f"ours / peer, {mode}"]
    rows = []
    for res in results:
        ours = res["rows"][0]
        gap = f"{ours['gap']:.1e}" + ("" if ours["max_gap"] <= TARGET_GAP else " (misses 1e-6)")
        row = [res["problem"], shape(res), str(res["n_classes"]), gap]
        for mode in modes:
            name = res[f"fastest_peer_{mode}"]
            peer = next((r for r in res["rows"] if r["candidate"] == name), None)
            ratio = res[f"ours_over_fastest_{mode}"]
            row += [
                fmt_s(ours[f"{mode}_median_s"]),
                "-" if peer is None else f"{name} {fmt_s(peer[f'{mode}_median_s'])}",
                "-" if ratio is None else f"**{ratio:.2f}**" if ratio < 1 else f"{ratio:.2f}",
            ]
        rows.append(row)
    return header, rows


def md_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def candidate_rows(results):
    modes = modes_of(results[0]) if results else []
    header = ["problem", "candidate", "tol"]
    for mode in modes:
        header += [f"{mode} median s", "min", "max"]
    header += ["runs", "gap (median)"]
    rows = []
    for res in results:
        for r in res["rows"]:
            if r["runs"] == 0:
                cells = ["not reached"] + ["-"] * (3 * len(modes)) + ["0"]
                rows.append([res["problem"], r["candidate"], *cells, f"best {r['best_gap']:.1e}"])
                continue
            cells = [fmt_tol(r)]
            for mode in modes:
                cells += [fmt_s(r[f"{mode}_{k}_s"]) for k in ("median", "min", "max")]
            runs = "/".join(str(r[f"{mode}_runs"]) for mode in modes)
            rows.append([res["problem"], r["candidate"], *cells, runs, f"{r['gap']:.1e}"])
    return header, rows


def rounds_rows(results):
    """Header and rows: the round-robin rounds each problem got in each mode, and the time
    of the round that set them (``bench_race.race_rounds``)."""
    modes = modes_of(results[0]) if results else []
    header = ["problem"]
    for mode in modes:
        header += [f"{mode} runs", f"one {mode} round (s)"]
    rows = []
    for res in results:
        row = [res["problem"]]
        for mode in modes:
            rounds = res.get("rounds", {}).get(mode)
            row += [
                "-" if rounds is None else str(rounds),
                fmt_s(res.get("round_s", {}).get(mode)),
            ]
        rows.append(row)
    return header, rows


def rounds_line(results):
    """One line: ``problem cpu/wall runs, ...``."""
    counts = [
        f"{res['problem']} " + "/".join(str(n) for n in res["rounds"].values())
        for res in results
        if res.get("rounds")
    ]
    modes = "/".join(modes_of(results[0])) if results else ""
    return f"Timed runs per problem ({modes}): " + ", ".join(counts) if counts else ""


def notes_of(results):
    return [f"- {res['problem']}: {note}" for res in results for note in res["notes"]]


def cuda_lines(cuda):
    if not cuda.get("ran"):
        return [f"CUDA race: {cuda['note']}"]
    lines = [f"CUDA race on {cuda['gpu']} (wall time with torch.cuda.synchronize):", ""]
    lines += md_table(*summary_rows(cuda["problems"]))
    lines += ["", *md_table(*candidate_rows(cuda["problems"]))]
    lines += ["", *md_table(*rounds_rows(cuda["problems"]))]
    notes = notes_of(cuda["problems"]) + [f"- {note}" for note in cuda.get("notes", [])]
    return lines + ([""] + notes if notes else [])


def markdown(meta, results, cuda):
    lines = ["# Matched-accuracy race (benchmarks/bench_race.py)", ""]
    lines += [f"- {key}: {value}" for key, value in meta.items()]
    lines += ["", "## Summary: ours at its defaults against the fastest peer reaching gap 1e-6"]
    lines += ["", "Times are medians; below 1 (bold) ours is faster.", ""]
    lines += md_table(*summary_rows(results))
    lines += ["", "## Timed runs", ""]
    lines += ["Round-robin rounds per problem and mode, each running every racing candidate"]
    lines += ["once, and the time of the first round, which set them (the rule: the timing line"]
    lines += ["above).", ""] + md_table(*rounds_rows(results))
    lines += ["", "## Every candidate", ""]
    lines += md_table(*candidate_rows(results))
    notes = notes_of(results)
    if notes:
        lines += ["", "Notes:", ""] + notes
    lines += ["", "## CUDA", ""] + cuda_lines(cuda)
    return "\n".join(lines) + "\n"


def rest(meta, results, cuda):
    """The summary as reST (included by ``docs/benchmarks.rst``)."""

    def esc(text):
        return text.replace("*", "\\*").replace("_", "\\_")

    def cell(text):  # the bold of a win stays bold
        return text if text.startswith("**") else esc(text)

    out = [esc(f"- {key}: {value}") for key, value in meta.items()]
    header, rows = summary_rows(results)
    out += ["", ".. list-table::", "   :header-rows: 1", ""]
    for row in [header, *rows]:
        out += [f"   * - {cell(row[0])}"] + [f"     - {cell(c)}" for c in row[1:]]
    if rounds_line(results):
        out += ["", esc(rounds_line(results) + ".")]
    if cuda.get("ran"):
        out += ["", esc(f"CUDA race on {cuda['gpu']}: see benchmarks/results_race.md.")]
    else:
        out += ["", esc(f"CUDA race: {cuda['note']}")]
    return "\n".join(out) + "\n"


def plot(results, path):
    """Relative gap against CPU time of one fit, one line per solver, log axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    shown = [r for r in results if r["problem"] in PLOTTED] or results[:4]
    ncols = 2 if len(shown) > 1 else 1
    nrows = (len(shown) + 1) // 2
    with plt.rc_context({"font.size": 11}):
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(5 * ncols, 3.9 * nrows + 0.7), squeeze=False
        )
        handles = {}
        for ax, res in zip(axes.flat, shown, strict=False):
            for cname, trace in res["sweeps"].items():
                t = [p["s"] for p in trace]
                g = [max(p["gap"], 1e-14) for p in trace]
                if cname == "ours (defaults)":  # the race's median, not the first run
                    ours = res["rows"][0]
                    t, g = [ours.get("cpu_median_s", t[0])], [max(ours["gap"], 1e-14)]
                    style = {"color": "black", "marker": "*", "ms": 17, "ls": "none"}
                    style["mfc"] = "gold"
                elif cname.startswith("ours"):
                    style = {"color": "black", "lw": 2.4, "marker": "o", "ms": 4}
                else:
                    style = {"color": COLORS.get(cname), "lw": 1.6, "marker": "o", "ms": 4}
                (line,) = ax.plot(t, g, label=cname, **style)
                handles.setdefault(cname, line)
            ax.axhline(TARGET_GAP, color="grey", ls="--", lw=1)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(numticks=6))
            ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 3.0)))
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            ax.set_xlabel("CPU time of one fit (s)")
            ax.set_ylabel("relative gap")
            ax.set_title(f"{res['problem']} ({shape(res)}, K={res['n_classes']})", fontsize=11)
            ax.grid(True, which="major", alpha=0.3)
        for ax in axes.flat[len(shown) :]:
            ax.set_visible(False)
        order = ["ours (defaults)", "ours (tol sweep)", *COLORS]
        names = [n for n in order if n in handles]
        fig.legend(
            [handles[n] for n in names],
            names,
            loc="lower center",
            ncol=min(len(names), 4),
            frameon=False,
        )
        fig.suptitle(
            "Time to accuracy: relative gap (J - J*)/J* of a fit at each tol, one thread "
            "(dashed: 1e-6)",
            fontsize=11,
        )
        fig.tight_layout(rect=(0, 0.09 if nrows > 1 else 0.14, 1, 1))
        fig.savefig(path, dpi=100)
        plt.close(fig)
