"""Composite decision rules as one statistic: the spec's conditions, tested together (intersection-union).

The spec states most claims as several conditions, e.g. "supported if lb(A_test) >= 0.97 and lb(IPR) >= 0.5;
refuted if ub(A_test) < 0.9". The engine decides one statistic per claim, so ``Conditions`` (a statistic with the
engine's protocol: estimate, p_value, bootstrap_p, selects) combines them:
- a ``Bound`` is an inferential condition on the mean over replicates of per-replicate values (a metric, or a paired
  difference of two cases within each replicate): its 95% CI is the engine's percentile bootstrap of the mean, its
  p the engine's one-sample t-test against the bound (as the engine's Mean and Contrast statistics);
- a ``Point`` is one of the spec's point conditions on the full data (e.g. Kendall tau_b >= 0.7, "every replicate
  monotone"): it holds or not, p = 0 or 1.
Each condition's margin is (value - bound) or (bound - value), divided by a scale. Support: S = the smallest
support margin, its CI [min of lower ends, min of upper ends] (point conditions that hold are gates, left out);
p = the largest support p (intersection-union test: all conditions must hold, no multiplicity correction needed).
Refute: some refute condition holds; R = the largest refute margin; p = the smallest refute p times the number of
refute conditions (Bonferroni), where a point condition counts with p = 1: it can mark the direction but never
decide a refutation by a point estimate alone (the spec asks permutation p-values for its rank conditions, not
implemented: those claims, GC-9 and GC-17, are decisive at standard).
The reported effect and CI: [S_lo, S_hi] when S_lo > 0; else [-R_hi, -R_lo] when R_lo > 0; else an interval
straddling 0 (inconclusive). The rule is Rule(support=Above(0), refute=Below(0)). A replicate missing from any
case a Bound reads makes the claim NaN (inconclusive: one-replicate cases); a required condition on cases the
budget does not run is NaN as well; ``optional`` conditions are skipped when their cases do not exist.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Literal

import numpy as np

from redshift import Above, Below, Case, Rule, Table, stats

Values = Callable[[Table], "np.ndarray | None"]  # (R,) per replicate; None: no such cases at this budget
Scalar = Callable[[Table], "float | None"]
Op = Literal[">=", ">", "<=", "<"]
RULE = Rule(support=Above(0.0), refute=Below(0.0))


def per_rep(metric: str, **where: Any) -> Values:
    """(R,) per-replicate mean of ``metric`` over the cases matching ``where`` (NaN where a replicate is missing)."""
    def v(table: Table) -> np.ndarray | None:
        if not table.cases(**where):
            return None
        if metric not in table.metrics:
            return np.full(max(table.n_replicates, 1), math.nan)
        return table.per_replicate(metric, where)
    return v


def minus(a: Values, b: Values) -> Values:
    """a - b per replicate (paired by replicate)."""
    def v(table: Table) -> np.ndarray | None:
        x, y = a(table), b(table)
        return None if x is None or y is None else x - y
    return v


def mapped(a: Values, fn: Callable[[np.ndarray], np.ndarray]) -> Values:
    """fn applied to the per-replicate values (e.g. Fisher's z = arctanh r)."""
    def v(table: Table) -> np.ndarray | None:
        x = a(table)
        return None if x is None else fn(x)
    return v


def _margin(op: Op, value: float, bound: float, scale: float) -> float:
    return (value - bound) / scale if op in (">=", ">") else (bound - value) / scale


@dataclass(frozen=True)
class Bound:
    """mean over replicates of ``values`` op ``bound``, by bootstrap CI and t-test (the spec's lb/ub conditions)."""

    values: Values
    op: Op
    bound: float
    scale: float = 1.0
    optional: bool = False

    def evaluate(self, table: Table, rng: np.random.Generator, n_resamples: int):
        """(margin, lo, hi, p that the condition holds, replicates) or None when skipped."""
        v = self.values(table)
        if v is None:
            return None if self.optional else (math.nan,) * 4 + (0,)
        if v.size < 2 or not np.isfinite(v).all():
            return (math.nan,) * 4 + (int(np.isfinite(v).sum()),)
        est = stats.bootstrap((v,), np.mean, paired=False, rng=rng, n_resamples=n_resamples, vectorized=True)
        ends = sorted(_margin(self.op, x, self.bound, self.scale) for x in (est.ci_low, est.ci_high))
        side = "greater" if self.op in (">=", ">") else "less"
        return (_margin(self.op, float(v.mean()), self.bound, self.scale), ends[0], ends[1],
                stats.t_p(v, self.bound, side), v.size)


@dataclass(frozen=True)
class Point:
    """A point condition on the full data: it holds (margin > 0, p = 0) or not (margin <= 0, p = 1)."""

    quantity: Scalar
    op: Op
    bound: float
    scale: float = 1.0
    optional: bool = False

    def evaluate(self, table: Table, rng: np.random.Generator, n_resamples: int):
        x = self.quantity(table)
        if x is None:
            return None if self.optional else (math.nan,) * 4 + (0,)
        if not math.isfinite(x):
            return (math.nan,) * 4 + (0,)
        strict = self.op in (">", "<")
        m = _margin(self.op, x, self.bound, self.scale)
        holds = m > 0 if strict else m >= 0
        m = max(m, 1e-12) if holds else min(m, -1e-12)
        return (m, m, m, 0.0 if holds else 1.0, None)


Condition = Bound | Point


@dataclass(frozen=True)
class Conditions:
    """The statistic of a composite claim (see the module docstring); reads the cases matching ``where``."""

    support: tuple[Condition, ...]
    refute: tuple[Condition, ...]
    metrics: tuple[str, ...]
    where: dict
    description: str

    def selects(self, case: Case) -> bool:
        return case.matches(self.where)

    def _parts(self, conds, table, rng, n_resamples):
        return [r for r in (c.evaluate(table, rng, n_resamples) for c in conds) if r is not None]

    def estimate(self, table: Table, rng: np.random.Generator, n_resamples: int) -> stats.Estimate:
        """Effect and CI as in the module docstring; holding point conditions are gates and do not enter the CI."""
        sup = self._parts(self.support, table, rng, n_resamples)
        ref = [r for r in self._parts(self.refute, table, rng, n_resamples) if math.isfinite(r[0])]
        counts = [r[4] for r in sup if r[4] is not None]
        n = min(counts) if counts else 0
        if not sup or any(not math.isfinite(r[0]) for r in sup):
            return stats.Estimate(math.nan, math.nan, math.nan, n)
        sup = [r for r in sup if r[4] is not None or r[0] < 0] or sup  # drop holding point conditions
        s_eff, s_lo, s_hi = min(r[0] for r in sup), min(r[1] for r in sup), min(r[2] for r in sup)
        if s_lo > 0:
            return stats.Estimate(s_eff, s_lo, s_hi, n)
        if ref and max(r[1] for r in ref) > 0:
            return stats.Estimate(-max(r[0] for r in ref), -max(r[2] for r in ref), -max(r[1] for r in ref), n)
        return stats.Estimate(s_eff, min(s_lo, 0.0), max(s_hi, 0.0), n)

    def p_value(self, table: Table, est: stats.Estimate, bound: float, side: stats.Side,
                rng: np.random.Generator, n_resamples: int) -> float:
        """Support (side 'greater'): the largest support p. Refute ('less'): Bonferroni over refute conditions."""
        if side == "greater":
            parts = self._parts(self.support, table, rng, n_resamples)
            return max((r[3] for r in parts), default=1.0)
        # A point condition (no replicate count: r[4] is None) carries no sampling uncertainty of its own, so it
        # cannot decide a refutation: only inferential Bound conditions give refute p-values.
        parts = [r for r in self._parts(self.refute, table, rng, n_resamples) if math.isfinite(r[3])]
        return min(1.0, min((r[3] if r[4] is not None else 1.0 for r in parts), default=1.0) * max(len(parts), 1))

    def bootstrap_p(self, bound: float) -> bool:
        """The p-values are t-tests (and exact point checks), not bootstrap counts."""
        return False

    def describe(self) -> str:
        return self.description
