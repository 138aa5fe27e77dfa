"""redshift: claims about generalization in deep learning, measured over seeds, with honest verdicts.

The public API for suites: Suite, Experiment, Case, grid, Metric, Record, Context (redshift.suite);
Claim, Rule, Above, Below, Inside, Outside, Verdict (redshift.claims); Trend, Contrast, Equivalence,
Mean, Custom (redshift.statistic); Table (redshift.table); seed_for (redshift.seeding).
"""
from redshift.claims import Above, Below, Claim, Inside, Outside, Rule, Verdict
from redshift.seeding import seed_for
from redshift.statistic import Contrast, Custom, Equivalence, Mean, Trend
from redshift.suite import BUDGETS, Case, Context, Experiment, Metric, Record, Suite, grid
from redshift.table import Table

__version__ = "0.1.0"

__all__ = [
    "Above", "Below", "BUDGETS", "Case", "Claim", "Context", "Contrast", "Custom", "Equivalence",
    "Experiment", "Inside", "Mean", "Metric", "Outside", "Record", "Rule", "Suite", "Table", "Trend",
    "Verdict", "grid", "seed_for",
]
