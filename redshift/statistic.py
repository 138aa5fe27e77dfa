"""Legacy statistics a claim can declare: Trend, Contrast, Equivalence, Mean, Custom (being retired:
new claims are conjunctions of parts, redshift.parts, tested by redshift.inference).

Each reads metrics of its experiment's cases from a Table (case x replicate), returns an effect
with a 95% bootstrap CI (replicates resampled jointly across cases), and a two-sided-scale p-value
for "the effect lies beyond a bound" (see redshift.stats for the convention).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal, Mapping

import numpy as np

from redshift import stats
from redshift.suite import Case
from redshift.table import Table

Where = Mapping[str, Any] | None


def _merge(*selectors: Where) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for sel in selectors:
        out.update(sel or {})
    return out


@dataclass(frozen=True)
class Trend:
    """Rank correlation (Spearman or Kendall) of ``metric`` with the case parameter ``axis``."""

    metric: str
    axis: str
    where: Where = None
    method: Literal["spearman", "kendall"] = "spearman"

    @property
    def metrics(self) -> tuple[str, ...]:
        return (self.metric,)

    def selects(self, case: Case) -> bool:
        return case.matches(self.where) and self.axis in case.params

    def _points(self, table: Table) -> tuple[np.ndarray, np.ndarray]:
        cases, vals = self._cases_values(table)  # (C, R)
        x = np.array([float(c[self.axis]) for c in cases], dtype=float)
        return np.repeat(x, vals.shape[1]), vals.reshape(-1)

    def _cases_values(self, table: Table) -> tuple[list[Case], np.ndarray]:
        where = dict(self.where or {}) | {self.axis: lambda v: v is not None}
        return table.cases(**where), table.values(self.metric, **where)

    def _effect(self, table: Table) -> float:
        return stats.rank_correlation(*self._points(table), method=self.method)

    def estimate(self, table: Table, rng: np.random.Generator, n_resamples: int) -> stats.Estimate:
        cases, vals = self._cases_values(table)  # (C, R)
        if self.method != "spearman" or np.isnan(vals).any():
            return _bootstrap_table(self._effect, table, rng, n_resamples)
        x = np.array([float(c[self.axis]) for c in cases], dtype=float)
        effect = self._effect(table)
        n = int(np.isfinite(vals).any(axis=0).sum())
        if not np.isfinite(effect) or vals.shape[1] < 2:
            return stats.Estimate(effect, float("nan"), float("nan"), n)
        idx = rng.integers(0, vals.shape[1], size=(n_resamples, vals.shape[1]))  # (B, R) joint resample
        ys = vals[:, idx].transpose(1, 0, 2).reshape(n_resamples, -1)  # (B, C*R)
        dist = stats.spearman_rows(np.repeat(x, vals.shape[1]), ys)  # (B,)
        lo, hi = stats.percentile_ci(dist, n)
        return stats.covering(stats.Estimate(effect, lo, hi, n, dist))

    def p_value(self, table: Table, est: stats.Estimate, bound: float, side: stats.Side,
                rng: np.random.Generator, n_resamples: int) -> float:
        if bound == 0:
            x, y = self._points(table)
            return stats.permutation_trend_p(x, y, side, method=self.method, rng=rng, n_resamples=n_resamples)
        return stats.bootstrap_p(est.distribution, bound, side, est.n, est.effect) if est.distribution is not None else 1.0

    def bootstrap_p(self, bound: float) -> bool:
        return bound != 0

    def describe(self) -> str:
        return f"{self.method} correlation of {self.metric} with {self.axis}"


@dataclass(frozen=True)
class Contrast:
    """mean(b) - mean(a) of ``metric``, groups given by case selectors; replicate is the unit."""

    metric: str
    a: Mapping[str, Any]
    b: Mapping[str, Any]
    where: Where = None
    paired: bool = False

    @property
    def metrics(self) -> tuple[str, ...]:
        return (self.metric,)

    def selects(self, case: Case) -> bool:
        return case.matches(_merge(self.where, self.a)) or case.matches(_merge(self.where, self.b))

    def _groups(self, table: Table) -> tuple[np.ndarray, np.ndarray]:
        ya = table.per_replicate(self.metric, _merge(self.where, self.a))  # (R,)
        yb = table.per_replicate(self.metric, _merge(self.where, self.b))  # (R,)
        if self.paired:
            keep = np.isfinite(ya) & np.isfinite(yb)
            return ya[keep], yb[keep]
        return ya[np.isfinite(ya)], yb[np.isfinite(yb)]

    def estimate(self, table: Table, rng: np.random.Generator, n_resamples: int) -> stats.Estimate:
        ya, yb = self._groups(table)
        if self.paired:
            return stats.bootstrap((yb - ya,), _mean, paired=False, rng=rng, n_resamples=n_resamples, vectorized=True)
        return stats.bootstrap((ya, yb), _diff, paired=False, rng=rng, n_resamples=n_resamples, vectorized=True)

    def p_value(self, table: Table, est: stats.Estimate, bound: float, side: stats.Side,
                rng: np.random.Generator, n_resamples: int) -> float:
        ya, yb = self._groups(table)
        return stats.t_p(yb - ya, bound, side) if self.paired else stats.t_p(yb, bound, side, other=ya)

    def bootstrap_p(self, bound: float) -> bool:
        return False

    def describe(self) -> str:
        return f"difference of mean {self.metric}: {dict(self.b)} minus {dict(self.a)}"


@dataclass(frozen=True)
class Equivalence(Contrast):
    """The Contrast difference, decided by TOST within +-margin (rule Inside(-margin, margin))."""

    margin: float = 0.0

    def describe(self) -> str:
        return f"equivalence (TOST, margin {self.margin:g}) of {self.metric}: {dict(self.b)} vs {dict(self.a)}"


@dataclass(frozen=True)
class Mean:
    """The mean of ``metric`` over the selected cases (threshold claims compare it with a bound)."""

    metric: str
    where: Where = None

    @property
    def metrics(self) -> tuple[str, ...]:
        return (self.metric,)

    def selects(self, case: Case) -> bool:
        return case.matches(self.where)

    def _values(self, table: Table) -> np.ndarray:
        y = table.per_replicate(self.metric, self.where)
        return y[np.isfinite(y)]

    def estimate(self, table: Table, rng: np.random.Generator, n_resamples: int) -> stats.Estimate:
        return stats.bootstrap((self._values(table),), _mean, paired=False, rng=rng,
                               n_resamples=n_resamples, vectorized=True)

    def p_value(self, table: Table, est: stats.Estimate, bound: float, side: stats.Side,
                rng: np.random.Generator, n_resamples: int) -> float:
        return stats.t_p(self._values(table), bound, side)

    def bootstrap_p(self, bound: float) -> bool:
        return False

    def describe(self) -> str:
        return f"mean {self.metric}"


@dataclass(frozen=True)
class Custom:
    """Legacy: any effect ``fn(table) -> float``, bootstrapped. Its verdict reports the effect in ``unit``
    (default "score": a slack, not a paper quantity). New claims use parts (redshift.parts) and, for a
    per-replicate quantity the engine lacks, ``redshift.quantities.Derived``."""

    fn: Callable[[Table], float]
    metrics: tuple[str, ...]
    description: str
    where: Where = None
    unit: str = "score"

    def selects(self, case: Case) -> bool:
        return case.matches(self.where)

    def estimate(self, table: Table, rng: np.random.Generator, n_resamples: int) -> stats.Estimate:
        return _bootstrap_table(self.fn, table, rng, n_resamples)

    def p_value(self, table: Table, est: stats.Estimate, bound: float, side: stats.Side,
                rng: np.random.Generator, n_resamples: int) -> float:
        return stats.bootstrap_p(est.distribution, bound, side, est.n, est.effect) if est.distribution is not None else 1.0

    def bootstrap_p(self, bound: float) -> bool:
        return True

    def describe(self) -> str:
        return self.description


Statistic = Trend | Contrast | Equivalence | Mean | Custom


def _mean(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x, axis=axis)


def _diff(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(b, axis=axis) - np.mean(a, axis=axis)


def _bootstrap_table(fn: Callable[[Table], float], table: Table, rng: np.random.Generator,
                     n_resamples: int) -> stats.Estimate:
    """Bootstrap ``fn`` over replicate columns, resampled jointly across cases (paired design)."""
    columns = np.arange(table.n_replicates)
    est = stats.bootstrap((columns,), lambda idx: fn(table.take(np.asarray(idx, dtype=int))),
                          paired=False, rng=rng, n_resamples=n_resamples, vectorized=False)
    effect = float(fn(table))
    return stats.covering(stats.Estimate(effect, est.ci_low, est.ci_high, _finite_replicates(table), est.distribution))


def _finite_replicates(table: Table) -> int:
    """Replicates with at least one finite value in any metric."""
    counts = [np.isfinite(table.values(m)).any(axis=0).sum() for m in table.metrics]
    return int(max(counts)) if counts else 0
