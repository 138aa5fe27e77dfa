"""The suite's effect statistics (spec D10), as numpy-cheap functions of a Table (used by Custom claims).

A *cell group* is every case with the same parameters except ``size`` (one architecture family, pair, n,
and optimiser where present); a sweep effect compares, per group, the largest size with the smallest
gated size, as a mean over replicates (training sets) of the paired difference, then averages the groups
(the spec's "pooled: mean of per-cell effects"). Spec D10's guard applies everywhere: a cell with fewer
than 3 finite training sets, or (for G&C metrics) with fewer than 10 accepted networks in any training
set, makes the statistic NaN, hence the verdict inconclusive.

SA-8 ("SGD beats G&C in every cell") has a one-sided support rule and an any-cell refute rule (spec: supported
if the smallest cell's CI lies above 0, refuted if *any* cell's CI lies below 0). One statistic encodes both
(:meth:`View.beats_everywhere`): s = min over cells of the mean gap when that minimum is >= 0 (the support
side, unchanged), and otherwise s = min(0, min over cells of U_c), where U_c is cell c's upper Bonferroni
bound, mean_c + t_{R_c - 1, 1 - 0.025 / C} * sd_c / sqrt(R_c) over its R_c training sets and the C cells
(the cell's two-sided 95% Bonferroni CI is below 0 iff U_c < 0). So s < 0 only in a resample where some
single cell's corrected CI lies below 0, and the refute region Below(0) needs that in more than the upper
tail of resamples (conservative: the bootstrap spread comes on top of the per-cell bound). The minimum of
many noisy cell means is biased low, so a min_gap CI below 0 alone would refute too easily. Support is
unchanged: s and min_gap agree wherever either is > 0, so every percentile above 0 and hence a CI above 0
is identical; only resamples with min_gap < 0 move, towards 0, which can only lower the bootstrap SE.

The engine calls these functions once per bootstrap resample (about 2000 times per claim), so the row
plans are cached per case list and each metric is read from the table once per call (:class:`View`).
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Sequence

import numpy as np
from scipy import stats as sps

from redshift import Case, Table
from suites.sgd_vs_architecture.config import SWEEP

# Smallest size counted in the gated width claims (SA-1/2/3/11/12): the overparameterised range where
# SGD fits (almost) every run; see the suite docstring. Depth sweeps are not gated.
WIDTH_GATE: dict[str, float] = {"mlp1": 8, "mlppaper": 8, "lenet": 0.0, "resnet": 0.0}
MIN_SETS, MIN_ACCEPTED = 3, 10  # spec D10
Rows = tuple[np.ndarray, np.ndarray]
_PLANS: dict[tuple, tuple[tuple[Case, ...], dict]] = {}


def _pairs_to_rows(groups: dict[tuple, list[tuple[float, int]]]) -> Rows:
    """(lo, hi) rows: the smallest and largest key of every group with two or more members."""
    pairs = [(min(g)[1], max(g)[1]) for g in groups.values() if len(g) >= 2]
    if not pairs:
        return np.zeros(0, int), np.zeros(0, int)
    lo, hi = zip(*pairs)
    return np.array(lo, dtype=int), np.array(hi, dtype=int)


def sweep_rows(cases: Sequence[Case], sweep: str, gated: bool, opt: str | None) -> Rows:
    """Rows (lo, hi) of the smallest (gated) and largest size of every cell group of a sweep."""
    groups: dict[tuple, list[tuple[float, int]]] = {}
    for row, case in enumerate(cases):
        arch = case.get("arch")
        if SWEEP.get(arch) != sweep or case.get("opt") != opt:
            continue
        floor = WIDTH_GATE.get(arch, 0.0) if gated and sweep == "width" else -np.inf
        if float(case["size"]) >= floor:
            key = tuple(sorted((k, v) for k, v in case.params.items() if k != "size"))
            groups.setdefault(key, []).append((float(case["size"]), row))
    return _pairs_to_rows(groups)


def n_rows(cases: Sequence[Case]) -> Rows:
    """Rows (smallest n, largest n) of every (architecture, size, pair) group with two or more n."""
    groups: dict[tuple, list[tuple[float, int]]] = {}
    for row, case in enumerate(cases):
        key = tuple(sorted((k, v) for k, v in case.params.items() if k != "n"))
        groups.setdefault(key, []).append((float(case["n"]), row))
    return _pairs_to_rows(groups)


class View:
    """One call's view of a table: its cases, a cached row plan, and each metric read once."""

    def __init__(self, table: Table) -> None:
        self.table, self.cases = table, table.cases()
        key = tuple(map(id, self.cases))  # the cached entry holds the cases, so these ids stay unique
        if key not in _PLANS:
            _PLANS[key] = (tuple(self.cases), {})
        self.plan = _PLANS[key][1]
        self._values: dict[str, np.ndarray] = {}

    def values(self, metric: str) -> np.ndarray | None:
        """(C, R) values of metric, or None when the table has none."""
        if metric not in self._values:
            known = metric in self.table.metrics
            self._values[metric] = self.table.values(metric) if known else None  # type: ignore[assignment]
        return self._values[metric]

    def rows(self, name: tuple, build) -> Rows:
        if name not in self.plan:
            self.plan[name] = build(self.cases)
        return self.plan[name]

    def guard(self, metric: str, rows: np.ndarray) -> bool:
        """True when spec D10's guard passes for these rows of this metric."""
        vals = self.values(metric)
        if vals is None or (np.isfinite(vals[rows]).sum(axis=1) < MIN_SETS).any():
            return False
        accepted = self.values("gc_accepted") if metric.startswith(("acc_gc", "gc_")) else None
        return accepted is None or not (accepted[rows][np.isfinite(accepted[rows])] < MIN_ACCEPTED).any()

    def paired(self, metric: str, lo: np.ndarray, hi: np.ndarray) -> float:
        """Mean over groups of the mean over training sets of metric[hi] - metric[lo]; NaN if guarded."""
        if lo.size == 0 or not (self.guard(metric, lo) and self.guard(metric, hi)):
            return float("nan")
        vals = self.values(metric)
        with np.errstate(all="ignore"):
            return float(np.mean(np.nanmean(vals[hi] - vals[lo], axis=1)))

    def sweep(self, metric: str, sweep: str, gated: bool = True, opt: str | None = None) -> float:
        """Delta_w or Delta_d of spec D10: widest/deepest minus narrowest/shallowest, pooled over groups."""
        lo, hi = self.rows(("sweep", sweep, gated, opt), lambda c: sweep_rows(c, sweep, gated, opt))
        return self.paired(metric, lo, hi)

    def data(self, metric: str) -> float:
        """metric(largest n) - metric(smallest n), pooled over (architecture, size, pair) groups (SA-9)."""
        lo, hi = self.rows(("n",), n_rows)
        return self.paired(metric, lo, hi)

    def min_gap(self, better: str, worse: str) -> float:
        """Minimum over cells of the mean over training sets of better - worse (SA-8); NaN if guarded."""
        rows = np.arange(len(self.cases))
        if not rows.size or not (self.guard(better, rows) and self.guard(worse, rows)):
            return float("nan")
        with np.errstate(all="ignore"):
            return float(np.min(np.nanmean(self.values(better) - self.values(worse), axis=1)))

    def beats_everywhere(self, better: str, worse: str, alpha: float = 0.05) -> float:
        """SA-8: min_gap when it is >= 0 (support side); otherwise min(0, min over cells of the cell's upper
        Bonferroni bound), below 0 only when some cell's corrected CI is below 0 (module docstring)."""
        gap = self.min_gap(better, worse)
        if not np.isfinite(gap) or gap >= 0:
            return gap
        bounds = cell_upper_bounds(self.values(better) - self.values(worse), alpha)
        return min(0.0, float(np.min(bounds)))


@lru_cache(maxsize=None)
def _t_quantile(df: int, q: float) -> float:
    return float(sps.t.ppf(q, df))


def cell_upper_bounds(diff: np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """Per row (cell) of diff (C, R): the upper end of its two-sided (1 - alpha) t CI, Bonferroni-corrected
    over the C rows (alpha / C each); +inf for a cell with fewer than 2 finite values (never confident)."""
    finite = np.isfinite(diff)
    n = finite.sum(axis=1)
    q = 1.0 - alpha / (2 * diff.shape[0])
    out = np.full(diff.shape[0], np.inf)
    with np.errstate(all="ignore"), warnings.catch_warnings():  # a cell with < 2 sets is handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        mean, sd = np.nanmean(diff, axis=1), np.nanstd(diff, axis=1, ddof=1)
    for c in np.flatnonzero(n >= 2):
        out[c] = mean[c] + _t_quantile(int(n[c]) - 1, q) * sd[c] / np.sqrt(n[c])
    return out


def trainable_width_effect(table: Table) -> float:
    """SA-4: Delta_w(SGD) at the smallest n over the trainable widths, fixed before the data as the spec does
    (h >= 8 on digits, the width gate), not re-chosen from the fit fractions inside each bootstrap resample."""
    view = View(table)
    if view.values("sgd_fit_fraction") is None or not view.cases:
        return float("nan")
    n_min = min(int(c["n"]) for c in view.cases)
    rows = [i for i, c in enumerate(view.cases) if int(c["n"]) == n_min]
    lo, hi = sweep_rows([view.cases[i] for i in rows], "width", True, None)
    return view.paired("acc_sgd", np.array(rows, dtype=int)[lo], np.array(rows, dtype=int)[hi])


def all_identical(table: Table) -> float:
    """SA-10: 1.0 when every replicate of every case had identical accepted sets and predictions."""
    vals = View(table).values("rescale_identical")
    return float(np.min(vals)) if vals is not None and vals.size and np.isfinite(vals).all() else float("nan")
