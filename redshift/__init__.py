"""redshift: claims about generalization in deep learning, measured over seeds, with honest verdicts.

The public API for suites: Suite, Experiment, Case, grid, Metric, Record, Context (redshift.suite);
Claim, Rule, Above, Below, Inside, Outside, Verdict (redshift.claims); Part (redshift.parts); the
per-replicate quantities CellMean, Diff, Scaled, Extreme, RankTrend, Slope, Share, Ratio, Least,
CellShare, Derived and UNBOUNDED (redshift.quantities); Table (redshift.table); seed_for
(redshift.seeding). The legacy statistics Trend, Contrast, Equivalence, Mean, Custom
(redshift.statistic) remain until every claim is declared with parts.
"""
from typing import Any

_EXPORTS = {
    "redshift.claims": ("Above", "Below", "Claim", "Inside", "Outside", "Rule", "Verdict"),
    "redshift.parts": ("Part",),
    "redshift.quantities": ("UNBOUNDED", "CellMean", "CellShare", "Derived", "Diff", "Extreme", "Least", "RankTrend",
                            "Ratio", "Scaled", "Share", "Slope"),
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
    "Above", "Below", "BUDGETS", "Case", "CellMean", "CellShare", "Claim", "Context", "Contrast", "Custom",
    "Derived", "Diff", "Equivalence", "Experiment", "Extreme", "Inside", "Least", "Mean", "Metric", "Outside",
    "Part", "RankTrend", "Ratio", "Record", "Rule", "Scaled", "Share", "Slope", "Suite", "Table", "Trend",
    "UNBOUNDED", "Verdict", "grid", "seed_for",
]
