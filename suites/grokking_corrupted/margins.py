"""Composite decision rules as one statistic: the spec's conditions, tested together (intersection-union).

The spec states most claims as several conditions, e.g. "supported if lb(A_test) >= 0.97 and lb(IPR) >= 0.5;
refuted if ub(A_test) < 0.9". The engine decides one statistic per claim, so ``Conditions`` (a statistic with the
engine's protocol: estimate, p_value, bootstrap_p, selects) combines them:
- a ``Bound`` is an inferential condition on the mean over replicates of per-replicate values (a metric, or a paired
  difference of two cases within each replicate): its 95% CI is the engine's percentile bootstrap of the mean, its
  p the engine's one-sample t-test against the bound (as the engine's Mean and Contrast statistics);
- a ``RankTrend`` is one of the spec's rank-correlation conditions (Kendall tau_b or Spearman rho_s of a quantity
  along an ordered case axis, over all (case, replicate) points, e.g. GC-9's tau_b >= 0.7): its CI is a percentile
  bootstrap over replicates (replicate columns resampled jointly across the cases), its p a permutation test against
  0 when the bound is 0 (the spec's permutation p-value; e.g. tau_b <= 0) and the bootstrap t otherwise;
- a ``Point`` is one of the spec's point conditions on the full data (e.g. "every replicate monotone"): it holds or
  not, p = 0 or 1.
Each condition's margin is (value - bound) or (bound - value), divided by a scale. Support: S = the smallest
support margin, its CI [min of lower ends, min of upper ends] (point conditions that hold are gates, left out);
p = the largest support p (intersection-union test: all conditions must hold, no multiplicity correction needed).
Refute: some refute condition holds; R = the largest refute margin; p = the smallest refute p times the number of
refute conditions (Bonferroni), where a point condition counts with p = 1: it can mark the direction but never
decide a refutation by a point estimate alone (inferential Bound and RankTrend conditions decide it).
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
Ladder = Callable[[Table], "tuple[np.ndarray, np.ndarray] | None"]  # (K,) axis levels, (K, R) values; None: not run
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


def _kendall_rows(x: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Kendall tau_b of each row of ``ys`` (B, n) against ``x`` (n,), over the finite points of each row; NaN where
    fewer than 3 points or either variable is constant (as ``stats.rank_correlation``)."""
    fin = np.isfinite(ys)  # (B, n)
    sx = np.sign(x[:, None] - x[None, :])  # (n, n)
    with np.errstate(invalid="ignore"):
        sy = np.sign(ys[:, :, None] - ys[:, None, :])  # (B, n, n)
    pair = fin[:, :, None] & fin[:, None, :]
    sy = np.where(pair, sy, 0.0)
    sxm = np.where(pair, sx[None], 0.0)
    num = (sxm * sy).sum((1, 2))
    den = np.sqrt((sxm * sxm).sum((1, 2)) * (sy * sy).sum((1, 2)))
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = num / den
    tau[(fin.sum(1) < 3) | (den == 0)] = np.nan
    return tau


def _rank_rows(x: np.ndarray, ys: np.ndarray, method: Literal["spearman", "kendall"]) -> np.ndarray:
    """The rank correlation of each row of ``ys`` (B, n) against ``x`` (n,) (the bootstrap distribution)."""
    if method == "kendall":
        return _kendall_rows(x, ys)
    if np.isfinite(ys).all():
        return stats.spearman_rows(x, ys)
    return np.array([stats.rank_correlation(x, y, method="spearman") for y in ys])


@dataclass(frozen=True)
class RankTrend:
    """Rank correlation (Kendall tau_b or Spearman rho_s) of the values along an ordered axis, pooled over all
    (case, replicate) points, op ``bound``: CI by bootstrap over replicates, p by permutation against 0 when the
    bound is 0, else by the bootstrap t (the spec's rank conditions, GC-9 and GC-17).

    ``points(table)`` gives the axis levels (K,) and the values (K, R), or None (no such cases at this budget); NaN
    values are left out of the correlation (a matrix of NaN makes the condition NaN: not evidence)."""

    points: Ladder
    op: Op
    bound: float
    method: Literal["spearman", "kendall"] = "spearman"
    scale: float = 1.0
    optional: bool = False

    def evaluate(self, table: Table, rng: np.random.Generator, n_resamples: int):
        """(margin, lo, hi, p that the condition holds, replicates) or None when skipped."""
        got = self.points(table)
        if got is None:
            return None if self.optional else (math.nan,) * 4 + (0,)
        levels, vals = np.asarray(got[0], dtype=float), np.asarray(got[1], dtype=float)  # (K,), (K, R)
        n = int(np.isfinite(vals).any(axis=0).sum())
        x, y = np.repeat(levels, vals.shape[1]), vals.reshape(-1)
        effect = stats.rank_correlation(x, y, method=self.method)
        if vals.shape[1] < 2 or n < 2 or not math.isfinite(effect):
            return (math.nan,) * 4 + (n,)
        idx = rng.integers(0, vals.shape[1], size=(n_resamples, vals.shape[1]))  # (B, R) joint resample
        ys = vals[:, idx].transpose(1, 0, 2).reshape(n_resamples, -1)  # (B, K*R), case-major like y
        # rounded: a resample identical to the data gives exactly the observed value (a CI without spread is then
        # degenerate and the engine applies its sign-test floor, as for every statistic)
        effect, dist = round(effect, 12), np.round(_rank_rows(x, ys, self.method), 12)
        lo, hi = stats.percentile_ci(dist, n)
        lo, hi = min(lo, effect), max(hi, effect)  # covering, as the engine's rank statistics
        side = "greater" if self.op in (">=", ">") else "less"
        if self.bound == 0:
            p = stats.permutation_trend_p(x, y, side, method=self.method, rng=rng, n_resamples=n_resamples)
        else:
            p = stats.bootstrap_p(dist, self.bound, side, n, effect)
        ends = sorted(_margin(self.op, v, self.bound, self.scale) for v in (lo, hi))
        return (_margin(self.op, effect, self.bound, self.scale), ends[0], ends[1], p, n)


Condition = Bound | RankTrend | Point


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
        # cannot decide a refutation: only inferential Bound and RankTrend conditions give refute p-values.
        parts = [r for r in self._parts(self.refute, table, rng, n_resamples) if math.isfinite(r[3])]
        return min(1.0, min((r[3] if r[4] is not None else 1.0 for r in parts), default=1.0) * max(len(parts), 1))

    def bootstrap_p(self, bound: float) -> bool:
        """The p-values are t-tests, bootstrap t, permutation tests and exact point checks, not bootstrap counts."""
        return False

    def describe(self) -> str:
        return self.description
