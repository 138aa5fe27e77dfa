"""redshift: claims about generalization in deep learning, measured over seeds, with honest verdicts.

The public API for suites: Suite, Experiment, Case, grid, Metric, Record, Context (redshift.suite);
Claim, Rule, Above, Below, Inside, Outside, Verdict (redshift.claims); Trend, Contrast, Equivalence,
Mean, Custom (redshift.statistic); Table (redshift.table); seed_for (redshift.seeding).
"""
from typing import Any

_EXPORTS = {
    "redshift.claims": ("Above", "Below", "Claim", "Inside", "Outside", "Rule", "Verdict"),
    "redshift.seeding": ("seed_for",),
    "redshift.statistic": ("Contrast", "Custom", "Equivalence", "Mean", "Trend"),
    "redshift.suite": ("BUDGETS", "Case", "Context", "Experiment", "Metric", "Record", "Suite", "grid"),
    "redshift.table": ("Table",),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> Any:
    """The public names, imported on first use: ``import redshift.cli`` must not import torch or scipy."""
    if name not in _WHERE:
        raise AttributeError(f"module 'redshift' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


__version__ = "0.1.0"

__all__ = [
    "Above", "Below", "BUDGETS", "Case", "Claim", "Context", "Contrast", "Custom", "Equivalence",
    "Experiment", "Inside", "Mean", "Metric", "Outside", "Record", "Rule", "Suite", "Table", "Trend",
    "Verdict", "grid", "seed_for",
]
