"""redshift: claims about generalization in deep learning, measured over seeds, with honest verdicts.

The public API for suites: Suite, Experiment, Case, grid, Metric, Record, Context (redshift.suite);
Claim, Rule, Above, Below, Inside, Outside, Verdict (redshift.claims); Part (redshift.parts); the
per-replicate quantities CellMean, Diff, Scaled, Extreme, RankTrend, Slope, Share, Ratio, Least,
CellShare, Derived and UNBOUNDED (redshift.quantities); Table (redshift.table); seed_for
(redshift.seeding). The legacy statistics Trend, Contrast, Equivalence, Mean, Custom
(redshift.statistic) remain until every claim is declared with parts.
"""
from redshift.claims import Above, Below, Claim, Inside, Outside, Rule, Verdict
from redshift.parts import Part
from redshift.quantities import (UNBOUNDED, CellMean, CellShare, Derived, Diff, Extreme, Least, RankTrend, Ratio,
                                 Scaled, Share, Slope)
from redshift.seeding import seed_for
from redshift.statistic import Contrast, Custom, Equivalence, Mean, Trend
from redshift.suite import BUDGETS, Case, Context, Experiment, Metric, Record, Suite, grid
from redshift.table import Table

__version__ = "0.1.0"

__all__ = [
    "Above", "Below", "BUDGETS", "Case", "CellMean", "CellShare", "Claim", "Context", "Contrast", "Custom",
    "Derived", "Diff", "Equivalence", "Experiment", "Extreme", "Inside", "Least", "Mean", "Metric", "Outside",
    "Part", "RankTrend", "Ratio", "Record", "Rule", "Scaled", "Share", "Slope", "Suite", "Table", "Trend",
    "UNBOUNDED", "Verdict", "grid", "seed_for",
]
