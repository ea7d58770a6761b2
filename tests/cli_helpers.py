"""Helpers shared by the command line's tests (test_cli.py, test_cli_data.py)."""

import csv
import re

import numpy as np
from sklearn.datasets import load_iris

from sklearn_logloss.__main__ import main

MODELS = ("GDLogisticRegression", "LogisticRegression", "SGDClassifier")

ROW = re.compile(
    r"^(?P<model>\w+)\s+(?P<loss>\d+\.\d+) \+/- (?P<loss_std>\d+\.\d+)\s+"
    r"(?P<acc>\d+\.\d+) \+/- (?P<acc_std>\d+\.\d+)\s+"
    r"(?P<time>\d+\.\d+) (?P<unit>ms|s)\s+(?P<iters>\d+)$"
)


def parse_table(out):
    """``{model: {"loss", "acc", "seconds", "iters"}}`` from the printed table."""
    rows = {}
    for line in out.splitlines():
        match = ROW.match(line)
        if match:
            seconds = float(match["time"]) * (1e-3 if match["unit"] == "ms" else 1.0)
            rows[match["model"]] = {
                "loss": float(match["loss"]),
                "acc": float(match["acc"]),
                "seconds": seconds,
                "iters": int(match["iters"]),
            }
    return rows


def run_main(capsys, *argv):
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def write_csv(path, header, rows, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_iris_csv(directory):
    """Bundled iris as a CSV whose target holds the species names (strings)."""
    iris = load_iris()
    rows = [
        [repr(float(value)) for value in x] + [iris.target_names[t]]
        for x, t in zip(iris.data, iris.target, strict=True)
    ]
    return write_csv(directory / "iris.csv", [*iris.feature_names, "species"], rows)


# A table a practitioner meets: text categories, missing cells, an ID column,
# a constant column, a free-text column, and a string target with two rows
# unlabelled.
MESSY_COLUMNS = ["passenger", "age", "fare", "deck", "sex", "country", "survived"]


def messy_rows(n=240, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        sex = rng.choice(["female", "male"])
        deck = rng.choice(["A", "B", "C", "D"], p=[0.2, 0.3, 0.4, 0.1])
        age = rng.uniform(1, 80)
        fare = rng.lognormal(3, 1)
        logit = 1.5 * (sex == "female") - 0.02 * (age - 40) + 0.6 * (deck == "A") - 0.5
        survived = "yes" if rng.random() < 1 / (1 + np.exp(-logit)) else "no"
        rows.append(
            [
                f"P{1000 + 7 * i}",
                "" if i % 9 == 0 else f"{age:.1f}",
                f"{fare:.3f}",
                "" if i % 11 == 0 else deck,
                sex,
                "UK",
                "" if i in (5, 50) else survived,
            ]
        )
    return rows


def write_messy_csv(directory):
    return write_csv(directory / "passengers.csv", MESSY_COLUMNS, messy_rows())
