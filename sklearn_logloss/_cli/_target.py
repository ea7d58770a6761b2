"""The target column: class labels, the rows that have one, the positive class, checks."""

import numpy as np
from sklearn.utils.multiclass import type_of_target

from ._args import CLIError

__all__ = ["check_dataset", "labels_and_notes"]


def labels_and_notes(labels, target, name, positive_class):
    """Class labels (ints when they are integers), the rows kept, and a report line."""
    present = np.array([label is not None and label != "" for label in labels], dtype=bool)
    if not present.any():
        raise CLIError(f"target column {target!r} of {name!r} has no labels")
    y = _as_numbers(np.array([str(label) for label in labels[present]]), target, name)
    classes, counts = np.unique(y, return_counts=True)
    shown = [str(label) for label in classes.tolist()]
    if len(classes) < 2:
        raise CLIError(
            f"the target of {name!r} has a single class ({classes.tolist()[0]!r}); "
            "a classifier needs at least 2"
        )
    pairs = [f"{label!r} {n}" for label, n in zip(classes.tolist(), counts.tolist(), strict=True)]
    more = f", ... ({len(pairs) - 8} more)" if len(pairs) > 10 else ""
    line = f"Target {target!r}: {len(classes)} classes ({', '.join(pairs[:8] if more else pairs)}"
    notes = [line + more + ")"]
    if not present.all():
        notes[0] += f"; {int((~present).sum())} row(s) without a label dropped"
    if positive_class is not None:
        if positive_class not in shown:
            raise CLIError(
                f"--positive-class {positive_class!r} is not a label of {target!r}; labels: "
                + ", ".join(repr(label) for label in shown[:20])
            )
        y = np.array([str(label) == positive_class for label in y.tolist()], dtype=np.int64)
        notes.append(f"Positive class: {positive_class!r} (1), against every other label (0)")
    return y, present, notes


def _as_numbers(text, target, name):
    try:
        numbers = np.array([float(label) for label in text])
    except ValueError:
        return text
    if not np.all(np.isfinite(numbers)):
        raise CLIError(f"target column {target!r} of {name!r} holds non-finite numbers")
    if type_of_target(numbers) == "continuous":
        raise CLIError(
            f"target column {target!r} of {name!r} holds continuous numbers, not class labels"
        )
    if np.all(np.abs(numbers) < 2**53):  # exactly representable: show them as ints
        return numbers.astype(np.int64)
    return numbers


def check_dataset(dataset, cv):
    """Check that ``dataset`` can be cross-validated over ``cv`` stratified folds.

    Examples
    --------
    >>> from sklearn_logloss.__main__ import check_dataset, load_dataset
    >>> check_dataset(load_dataset("iris"), cv=60)
    Traceback (most recent call last):
    ...
    sklearn_logloss._cli._args.CLIError: class 0 of 'iris' has 50 sample(s), fewer than ...
    """
    classes, counts = np.unique(dataset.y, return_counts=True)
    classes = classes.tolist()  # Python scalars, for the messages
    if len(classes) < 2:
        raise CLIError(
            f"the target of {dataset.name!r} has a single class ({classes[0]!r}); "
            "a classifier needs at least 2"
        )
    if counts.min() < cv:
        rare = classes[int(np.argmin(counts))]
        raise CLIError(
            f"class {rare!r} of {dataset.name!r} has {counts.min()} sample(s), fewer than "
            f"--cv {cv}: every class needs at least one sample per stratified fold"
        )
