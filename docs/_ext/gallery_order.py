"""The gallery's learning path: its sections and the examples in each, in order."""

from pathlib import Path

SECTIONS = ["loss", "training", "scoring", "solvers"]

EXAMPLES = [
    # 1. the loss
    "plot_log_loss_curves.py",
    "plot_confident_mistake.py",
    "plot_mse_vs_log_loss.py",
    "plot_gradient_check.py",
    # 2. training
    "plot_training_curves.py",
    "plot_decision_boundary.py",
    "plot_digits_softmax.py",
    # 3. scoring and model selection
    "plot_saturated_scores.py",
    "plot_scorer_missing_class.py",
    "plot_tuning.py",
    # 4. solvers and scale
    "plot_solver_comparison.py",
    "plot_progress_callbacks.py",
]


class LearningPathOrder:
    """``within_subsection_order`` of sphinx-gallery: the order of ``EXAMPLES``.

    An example not listed goes last (by file name), so a new one still shows.
    """

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = Path(filename).name
        return (EXAMPLES.index(name) if name in EXAMPLES else len(EXAMPLES), name)

    def __repr__(self):
        return f"<{self.__class__.__name__}>"
