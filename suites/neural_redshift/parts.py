"""Cell statistics and multi-part claims for the Neural Redshift grid claims (spec M13).

A *cell* is one case; its value is the mean over replicates (seeds) of a metric. Claim statistics are computed
from cell means, and the engine's Custom statistic bootstraps them over replicates (resampled jointly across cells).

Several spec claims have parts ("supported if every gated part is supported, refuted if any gated part is
refuted", spec M13). The engine decides one number per claim, so a multi-part claim is folded into one statistic,
the smallest *normalised slack* over its parts:
    part "x < t", refuted beyond r > t:  s = (t - x) / (r - t);
    part "x > t", refuted below r < t:   s = (x - t) / (t - r).
s > 0 on the support side, s = 0 at the support threshold, s = -1 at the refute threshold. A part the spec never
refutes has its slack (t - x) / span floored at -0.5: it can block support but never refute. A refute-only part
(a refute threshold r with no support gate) contributes +inf until x crosses r, then -1 - |x - r|. The claim's
rule is then support Above(0), refute Below(-1): supported when, in the bootstrap, every part is on its support
side (a simultaneous criterion, slightly stricter than part-by-part CIs); refuted when some part is beyond its
refute threshold.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal, Mapping, Sequence

import numpy as np

from redshift import Above, Below, Rule, Table

Where = Mapping[str, object]
_INDEX_CACHE: dict[int, tuple[Sequence, dict]] = {}


def _index(cases: Sequence) -> dict:
    """The lookup memo of a case sequence (keyed by its identity): where-key -> row indices, and parameter values."""
    key = id(cases)
    if key not in _INDEX_CACHE or _INDEX_CACHE[key][0] is not cases:
        if len(_INDEX_CACHE) > 64:
            _INDEX_CACHE.clear()
        _INDEX_CACHE[key] = (cases, {})  # holding the sequence keeps its id unique
    return _INDEX_CACHE[key][1]


def _arrays(table: Table) -> tuple[Sequence, Mapping[str, np.ndarray]]:
    """The table's cases and its (C, R) metric arrays (Table.arrays: no per-call row lists).

    A bootstrap resample (Table.take) shares the case tuple, so the lookup memo of `_index` survives across the
    10^4 resamples of a claim.
    """
    return table.arrays()


class Cells:
    """Cell means (over replicates) of one table, looked up by case parameters.

    A Custom statistic is evaluated once per bootstrap resample, so the view computes each metric's cell means once
    and memoises case lookups per case sequence (selectors: equality, membership tuples, or module-level
    predicates).
    """

    def __init__(self, table: Table) -> None:
        self.table = table
        self.cases, self._data = _arrays(table)
        self._memo, self._means, self._derived = _index(self.cases), {}, {}

    def derived(self, key: str, fn: Callable[["Cells"], object]) -> object:
        """fn(self), computed once per view (for values several parts share)."""
        if key not in self._derived:
            self._derived[key] = fn(self)
        return self._derived[key]

    def rows(self, **where: object) -> np.ndarray:
        """Row indices of the matching cases, in grid order."""
        wkey = tuple(sorted(where.items()))
        if wkey not in self._memo:
            self._memo[wkey] = np.array([i for i, c in enumerate(self.cases) if c.matches(where)], dtype=int)
        return self._memo[wkey]

    def means(self, metric: str, **where: object) -> np.ndarray:
        """Cell means of the matching cases: (n_cells,)."""
        if metric not in self._means:
            vals = self._data[metric]  # (C, R)
            if np.isnan(vals).any():
                with np.errstate(all="ignore"):
                    self._means[metric] = np.nanmean(vals, axis=1)
            else:
                self._means[metric] = vals.mean(axis=1)
        return self._means[metric][self.rows(**where)]

    def one(self, metric: str, **where: object) -> float:
        """The mean of exactly one matching cell."""
        found = self.means(metric, **where)
        if found.size != 1:
            raise ValueError(f"expected one cell for {where}, found {found.size}")
        return float(found[0])

    def params(self, axis: str, **where: object) -> np.ndarray:
        """Parameter `axis` of each matching case, in grid order: (n_cells,)."""
        key = ("param", axis, tuple(sorted(where.items())))
        if key not in self._memo:
            self._memo[key] = np.array([float(self.cases[i][axis]) for i in self.rows(**where)])
        return self._memo[key]

    def spread(self, metric: str, **where: object) -> float:
        """Spread = max - min of the cell means over the matching cells (spec M13)."""
        m = self.means(metric, **where)
        return float(np.nanmax(m) - np.nanmin(m))

    def rho(self, metric: str, axis: str, **where: object) -> float:
        """Spearman rho between parameter `axis` and the cell means over the matching cells (spec M13)."""
        y = self.means(metric, **where)
        key = ("ranks", axis, tuple(sorted(where.items())))
        if key not in self._memo:
            self._memo[key] = ranks(self.params(axis, **where))
        return pearson(self._memo[key], ranks(y)) if not np.isnan(y).any() else float("nan")


def ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (1-based, ties share their mean rank), as scipy.stats.rankdata but cheaper."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    group = np.cumsum(np.concatenate(([True], xs[1:] != xs[:-1]))) - 1  # tie group of each sorted entry
    counts = np.bincount(group)
    mean_rank = np.cumsum(counts) - (counts - 1) / 2.0  # 1-based mean rank of each tie group
    out = np.empty(x.size)
    out[order] = mean_rank[group]
    return out


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson r; NaN when either side is constant."""
    a, b = x - x.mean(), y - y.mean()
    den = np.sqrt((a @ a) * (b @ b))
    return float(a @ b / den) if den > 0 else float("nan")


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rho = Pearson r of average ranks; NaN when either side is constant or has NaN."""
    if np.isnan(x).any() or np.isnan(y).any():
        return float("nan")
    return pearson(ranks(x), ranks(y))


@dataclass(frozen=True)
class Part:
    """One gated part of a claim: x = value(table) must be `side` of `support`; refuted beyond `refute`.

    support=None makes a refute-only part (it never blocks support); refute=None a support-only part (its slack is
    floored at -0.5, so it never refutes).
    """

    name: str
    value: Callable[[Cells], float]
    side: Literal["<", ">"]
    support: float | None
    refute: float | None = None
    span: float = 1.0  # slack scale of a support-only part

    def slack(self, view: Cells) -> float:
        """Normalised slack: > 0 on the support side, -1 at the refute threshold."""
        x = self.value(view)
        sign = 1.0 if self.side == "<" else -1.0  # slack grows as x moves to the support side
        if self.support is None:  # refute-only: silent until x crosses the refute threshold
            beyond = sign * (x - self.refute)
            return float("inf") if beyond < 0 else -1.0 - beyond
        if self.refute is None:
            return max(sign * (self.support - x) / self.span, -0.5)
        return sign * (self.support - x) / abs(self.refute - self.support)


def all_parts(*parts: Part) -> Callable[[Table], float]:
    """The claim statistic: the smallest normalised slack over the parts (NaN if any part is NaN)."""
    def statistic(table: Table) -> float:
        view = Cells(table)
        return float(np.min([p.slack(view) for p in parts]))  # NaN propagates
    return statistic


def describe(parts: tuple[Part, ...]) -> str:
    """A one-line statement of the parts, for the claim's description."""
    text = "; ".join(p.name + (f" {p.side} {p.support:g}" if p.support is not None else "")
                     + (f" (refuted beyond {p.refute:g})" if p.refute is not None else "") for p in parts)
    return f"smallest normalised slack over: {text}"


PARTS_RULE = Rule(support=Above(0.0), refute=Below(-1.0))
