"""asv benchmarks of the across-versions layer: the batched change tests behind `redshift compare`.

``decide_changes`` tests K rows (case x metric) at once; the scipy row-by-row loop is the
reference the batched form replaces. ``compare_metrics`` adds the pandas pivots of two runs.
"""

import numpy as np
import pandas as pd
from scipy import stats as sps

from redshift.report.changes import decide_changes
from redshift.report.compare import compare_metrics


def _arrays(rows: int, replicates: int = 8):
    rng = np.random.default_rng(0)
    a = rng.normal(size=(rows, replicates))
    return a, a + rng.normal(0, 0.1, size=(rows, replicates)), np.full(rows, 0.5), np.full(rows, "higher")


class DecideChanges:
    """Welch + TOST + Holm over K rows of 8 replicates each."""

    params = [[100, 2000], ["welch", "paired"]]
    param_names = ["rows", "method"]

    def setup(self, rows, method):
        self.a, self.b, self.margin, self.direction = _arrays(rows)

    def time_batched(self, rows, method):
        decide_changes(self.a, self.b, self.margin, self.direction, method)

    def peakmem_batched(self, rows, method):
        decide_changes(self.a, self.b, self.margin, self.direction, method)


class RowByRowReference:
    """scipy's ttest_ind one row at a time: what the batched form replaces (time grows linearly in rows)."""

    params = [100]
    param_names = ["rows"]

    def setup(self, rows):
        self.a, self.b, _, _ = _arrays(rows)

    def time_scipy_loop(self, rows):
        for x, y in zip(self.a, self.b):
            sps.ttest_ind(x, y, equal_var=False)


def _long(values: np.ndarray) -> pd.DataFrame:
    rows, reps = values.shape
    case = np.repeat([f"e[k={i}]" for i in range(rows)], reps)
    return pd.DataFrame({"suite": "s", "experiment": "e", "case": case, "metric": "m",
                         "replicate": np.tile(np.arange(reps), rows), "value": values.ravel(),
                         "unit": "", "direction": "higher", "margin": 0.5})


class CompareMetrics:
    """Two runs' long frames (K cases x 8 replicates) pivoted, aligned and decided."""

    params = [100, 2000]
    param_names = ["rows"]

    def setup(self, rows):
        a, b, _, _ = _arrays(rows)
        self.fa, self.fb = _long(a), _long(b)

    def time_compare_metrics(self, rows):
        compare_metrics(self.fa, self.fb)
