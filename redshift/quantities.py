"""Per-replicate quantities: what a claim's part measures, one value per replicate (seed).

A quantity reads cells (cases) of its experiment's table and reduces them, within each replicate,
to one number: the mean over cells of a metric, a difference of two quantities, the spread or
extreme of cell values, a rank correlation along an ordered case parameter, a log-log slope, or
the share of replicates beyond a threshold. The replicates are independent seeds, so the values
y_1..y_n are independent and redshift.inference tests their mean. A replicate with a missing
(non-finite) value in any cell the quantity reads gives NaN and does not count.

Every quantity knows its range [lo, hi], derived from the ranges its metrics declare
(``Metric(range=...)``); the range picks the inference method (betting when finite).
"""
from __future__ import annotations

import hashlib
import inspect
import math
from dataclasses import dataclass
from typing import Any, Callable, Literal, Mapping

import numpy as np
from scipy import stats as sps

from redshift.table import Table

Where = Mapping[str, Any] | None
Ranges = Mapping[str, "tuple[float, float] | None"]
UNBOUNDED = (-math.inf, math.inf)


class UndeclaredRange(ValueError):
    """A quantity reads a metric that declares no range."""


def _range_of(ranges: Ranges, metric: str) -> tuple[float, float]:
    r = ranges.get(metric)
    if r is None:
        raise UndeclaredRange(f"metric {metric!r} declares no range: give Metric(range=(lo, hi)) "
                              f"or range=redshift.UNBOUNDED")
    return float(r[0]), float(r[1])


def _cells(table: Table, metric: str, where: Where) -> np.ndarray:
    """(C, R) values of the matching cells; NaN everywhere when the metric was not measured."""
    if metric not in table.metrics:
        return np.full((max(len(table.cases(**dict(where or {}))), 1), table.n_replicates), np.nan)
    return table.values(metric, **dict(where or {}))


def _complete(vals: np.ndarray) -> np.ndarray:
    """(R,) True where every cell of a replicate is finite (and there is at least one cell)."""
    return np.isfinite(vals).all(axis=0) & (vals.shape[0] > 0)


def fingerprint(obj: Any, depth: int = 0) -> Any:
    """A canonical, process-independent description of a declaration (for definition hashes).

    Dataclasses by their fields, callables by qualified name, source, default arguments and the
    values they close over (so a threshold inside a closure is part of the definition)."""
    if depth > 12:
        return "..."
    d = depth + 1
    if hasattr(obj, "__dataclass_fields__"):  # fields left at their defaults are omitted, so that adding
        return {"type": type(obj).__name__} | {  # a field with a default to an engine class changes no hash
            k: fingerprint(getattr(obj, k), d) for k, f in obj.__dataclass_fields__.items()
            if not _at_default(f, getattr(obj, k))}
    if callable(obj) and not isinstance(obj, type):
        return _callable_print(obj, d)
    if isinstance(obj, Mapping):
        return {str(k): fingerprint(v, d) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, (list, tuple)):
        return [fingerprint(v, d) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted(str(fingerprint(v, d)) for v in obj)
    if isinstance(obj, float):
        return repr(obj)
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    return f"{type(obj).__name__}:{obj!r}" if type(obj).__repr__ is not object.__repr__ else type(obj).__name__


def _at_default(field: Any, value: Any) -> bool:
    import dataclasses

    if field.default is not dataclasses.MISSING:
        default = field.default
    elif field.default_factory is not dataclasses.MISSING:
        default = field.default_factory()
    else:
        return False
    try:
        return bool(value == default) and type(value) is type(default)
    except (TypeError, ValueError):
        return False


def _callable_print(fn: Any, depth: int) -> dict[str, Any]:
    try:
        src = inspect.getsource(fn)
    except (OSError, TypeError):
        src = ""
    out: dict[str, Any] = {"callable": f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', type(fn).__name__)}",
                           "source": hashlib.sha256(src.encode()).hexdigest()[:16]}
    if getattr(fn, "__defaults__", None):
        out["defaults"] = fingerprint(fn.__defaults__, depth)
    cells = getattr(fn, "__closure__", None) or ()
    if cells:
        out["closure"] = [fingerprint(_cell(c), depth) for c in cells]
    for attr in ("func", "args", "keywords"):  # functools.partial
        if hasattr(fn, attr) and not inspect.isfunction(fn):
            out[attr] = fingerprint(getattr(fn, attr), depth)
    return out


def _cell(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return None


class _OneMetric:
    """What every quantity of one metric over the cells matching ``where`` shares."""

    metric: str
    where: Where

    @property
    def metrics(self) -> tuple[str, ...]:
        return (self.metric,)

    def selects(self, case) -> bool:
        return case.matches(self.where)


class _OfSeveral:
    """What every quantity built from several quantities ``qs`` shares."""

    qs: tuple

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m for q in self.qs for m in q.metrics))

    def selects(self, case) -> bool:
        return any(q.selects(case) for q in self.qs)


@dataclass(frozen=True)
class CellMean(_OneMetric):
    """Per replicate: the mean of ``metric`` over the cells matching ``where``."""

    metric: str
    where: Where = None


    def values(self, table: Table) -> np.ndarray:
        vals = _cells(table, self.metric, self.where)  # (C, R)
        return np.where(_complete(vals), vals.mean(axis=0) if vals.size else np.nan, np.nan)

    def range(self, ranges: Ranges) -> tuple[float, float]:
        return _range_of(ranges, self.metric)

    def describe(self) -> str:
        return f"mean {self.metric}" + (f" over {_where(self.where)}" if self.where else "")


@dataclass(frozen=True)
class Diff(_OfSeveral):
    """Per replicate: ``b - a`` (replicate i of b paired with replicate i of a)."""

    b: Any
    a: Any

    @property
    def qs(self) -> tuple:
        return (self.b, self.a)

    def values(self, table: Table) -> np.ndarray:
        return self.b.values(table) - self.a.values(table)

    def range(self, ranges: Ranges) -> tuple[float, float]:
        (blo, bhi), (alo, ahi) = self.b.range(ranges), self.a.range(ranges)
        return blo - ahi, bhi - alo

    def describe(self) -> str:
        return f"({self.b.describe()}) - ({self.a.describe()})"


@dataclass(frozen=True)
class Scaled:
    """Per replicate: ``factor * q + offset`` (a unit change, e.g. fraction -> points with factor 100)."""

    q: Any
    factor: float = 1.0
    offset: float = 0.0

    @property
    def metrics(self) -> tuple[str, ...]:
        return self.q.metrics

    def selects(self, case) -> bool:
        return self.q.selects(case)

    def values(self, table: Table) -> np.ndarray:
        return self.factor * self.q.values(table) + self.offset

    def range(self, ranges: Ranges) -> tuple[float, float]:
        ends = sorted(self.factor * e + self.offset for e in self.q.range(ranges))
        return ends[0], ends[1]

    def describe(self) -> str:
        return f"{self.factor:g} x {self.q.describe()}" + (f" + {self.offset:g}" if self.offset else "")


@dataclass(frozen=True)
class Extreme(_OneMetric):
    """Per replicate: the spread (max - min), min or max of ``metric`` over the matching cells."""

    metric: str
    where: Where = None
    how: Literal["spread", "min", "max"] = "spread"


    def values(self, table: Table) -> np.ndarray:
        vals = _cells(table, self.metric, self.where)  # (C, R)
        if not vals.size:
            return np.full(table.n_replicates, np.nan)
        with np.errstate(invalid="ignore"):
            out = {"spread": np.ptp(vals, axis=0), "min": vals.min(axis=0), "max": vals.max(axis=0)}[self.how]
        return np.where(_complete(vals), out, np.nan)

    def range(self, ranges: Ranges) -> tuple[float, float]:
        lo, hi = _range_of(ranges, self.metric)
        return (0.0, hi - lo) if self.how == "spread" else (lo, hi)

    def describe(self) -> str:
        return f"{self.how} of {self.metric} over " + (_where(self.where) if self.where else "all cells")


@dataclass(frozen=True)
class RankTrend(_OneMetric):
    """Per replicate: the rank correlation of ``metric`` with the case parameter ``axis`` over the cells."""

    metric: str
    axis: str
    where: Where = None
    method: Literal["spearman", "kendall"] = "spearman"

    def selects(self, case) -> bool:
        return case.matches(self.where) and self.axis in case.params

    def values(self, table: Table) -> np.ndarray:
        where = {self.axis: _present} | dict(self.where or {})
        x = np.array([float(c[self.axis]) for c in table.cases(**where)])  # (C,)
        vals = _cells(table, self.metric, where)  # (C, R)
        out = np.full(vals.shape[1], np.nan)
        if x.size < 3 or np.ptp(x) == 0:
            return out
        ok = _complete(vals)
        if self.method == "spearman":  # all replicates at once: Pearson correlation of ranks, column by column
            rx = sps.rankdata(x) - (x.size + 1) / 2
            ry = sps.rankdata(vals, axis=0) - (x.size + 1) / 2  # (C, R)
            den = np.sqrt((rx @ rx) * (ry * ry).sum(axis=0))
            with np.errstate(invalid="ignore", divide="ignore"):
                rho = np.where(den > 0, (rx[:, None] * ry).sum(axis=0) / den, 0.0)
            return np.where(ok, rho, np.nan)  # a flat replicate shows no trend: 0, never dropped
        for r in np.flatnonzero(ok):  # Kendall's tau-b, one column at a time (R is the replicate count)
            y = vals[:, r]
            out[r] = float(sps.kendalltau(x, y).statistic) if np.ptp(y) > 0 else 0.0
        return out

    def range(self, ranges: Ranges) -> tuple[float, float]:
        return -1.0, 1.0

    def describe(self) -> str:
        return f"{self.method} rank correlation of {self.metric} with {self.axis}" + (
            f" over {_where(self.where)}" if self.where else "")


@dataclass(frozen=True)
class Slope(_OneMetric):
    """Per replicate: the least-squares slope of ``metric`` on the case parameter ``axis`` (log-log if asked)."""

    metric: str
    axis: str
    where: Where = None
    log: bool = False
    bounds: tuple[float, float] = UNBOUNDED

    def selects(self, case) -> bool:
        return case.matches(self.where) and self.axis in case.params

    def values(self, table: Table) -> np.ndarray:
        where = {self.axis: _present} | dict(self.where or {})
        x = np.array([float(c[self.axis]) for c in table.cases(**where)])  # (C,)
        y = _cells(table, self.metric, where)  # (C, R)
        with np.errstate(all="ignore"):
            if self.log:
                x, y = np.log(x), np.log(y)
            xc = x - x.mean()
            slope = (xc[:, None] * (y - y.mean(axis=0))).sum(axis=0) / (xc @ xc)
        return np.where(_complete(y) & (x.size >= 2), slope, np.nan)

    def range(self, ranges: Ranges) -> tuple[float, float]:
        return self.bounds

    def describe(self) -> str:
        kind = "log-log slope" if self.log else "slope"
        return f"{kind} of {self.metric} on {self.axis}" + (f" over {_where(self.where)}" if self.where else "")


@dataclass(frozen=True)
class Share:
    """Per replicate: 1 when ``q`` lies ``op`` ``threshold``, else 0 (its mean is a share of replicates,
    tested exactly by the binomial distribution)."""

    q: Any
    op: Literal[">", ">=", "<", "<="]
    threshold: float

    @property
    def metrics(self) -> tuple[str, ...]:
        return self.q.metrics

    def selects(self, case) -> bool:
        return self.q.selects(case)

    def values(self, table: Table) -> np.ndarray:
        v = self.q.values(table)
        t = self.threshold
        hit = {">": v > t, ">=": v >= t, "<": v < t, "<=": v <= t}[self.op]
        return np.where(np.isfinite(v), hit.astype(float), np.nan)

    def range(self, ranges: Ranges) -> tuple[float, float]:
        return 0.0, 1.0

    def describe(self) -> str:
        return f"share of replicates with {self.q.describe()} {self.op} {self.threshold:g}"


@dataclass(frozen=True)
class Ratio(_OfSeveral):
    """Per replicate: ``num / den`` (NaN where den is 0). Its range is declared (``bounds``), since a ratio
    of two ranged quantities is unbounded whenever den can reach 0."""

    num: Any
    den: Any
    bounds: tuple[float, float] = UNBOUNDED

    @property
    def qs(self) -> tuple:
        return (self.num, self.den)

    def values(self, table: Table) -> np.ndarray:
        d = self.den.values(table)
        with np.errstate(all="ignore"):
            return np.where(d != 0, self.num.values(table) / d, np.nan)

    def range(self, ranges: Ranges) -> tuple[float, float]:
        return self.bounds

    def describe(self) -> str:
        return f"({self.num.describe()}) / ({self.den.describe()})"


@dataclass(frozen=True)
class Least(_OfSeveral):
    """Per replicate: the smallest (``how='min'``) or largest (``'max'``) of several quantities, e.g. the
    weakest of three activations."""

    qs: tuple
    how: Literal["min", "max"] = "min"


    def values(self, table: Table) -> np.ndarray:
        v = np.vstack([q.values(table) for q in self.qs])  # (Q, R)
        with np.errstate(invalid="ignore"):
            out = v.min(axis=0) if self.how == "min" else v.max(axis=0)
        return np.where(np.isfinite(v).all(axis=0), out, np.nan)

    def range(self, ranges: Ranges) -> tuple[float, float]:
        ends = [q.range(ranges) for q in self.qs]
        pick = min if self.how == "min" else max
        return pick(e[0] for e in ends), pick(e[1] for e in ends)

    def describe(self) -> str:
        return f"{self.how} of [" + "; ".join(q.describe() for q in self.qs) + "]"


@dataclass(frozen=True)
class CellShare(_OneMetric):
    """Per replicate: the share of the matching cells whose ``metric`` lies ``op`` ``threshold``."""

    metric: str
    op: Literal[">", ">=", "<", "<="]
    threshold: float
    where: Where = None


    def values(self, table: Table) -> np.ndarray:
        v = _cells(table, self.metric, self.where)  # (C, R)
        t = self.threshold
        with np.errstate(invalid="ignore"):
            hit = {">": v > t, ">=": v >= t, "<": v < t, "<=": v <= t}[self.op]
        return np.where(_complete(v), hit.mean(axis=0) if v.size else np.nan, np.nan)

    def range(self, ranges: Ranges) -> tuple[float, float]:
        return 0.0, 1.0

    def describe(self) -> str:
        return f"share of cells with {self.metric} {self.op} {self.threshold:g}" + (
            f" over {_where(self.where)}" if self.where else "")


@dataclass(frozen=True)
class Derived:
    """Escape hatch: per-replicate values ``fn(table) -> (R,)`` with a declared range and metrics.

    Prefer the quantities above; a Derived quantity is tested by the same calibrated inference (it
    must give one independent value per replicate, never a statistic pooled over replicates)."""

    fn: Callable[[Table], np.ndarray]
    metrics: tuple[str, ...]
    description: str
    bounds: tuple[float, float]
    where: Where = None

    def selects(self, case) -> bool:
        return case.matches(self.where)

    def values(self, table: Table) -> np.ndarray:
        out = np.asarray(self.fn(table), dtype=float)
        if out.shape != (table.n_replicates,):
            raise ValueError(f"Derived quantity {self.description!r} must return one value per replicate "
                             f"({table.n_replicates}), got shape {out.shape}")
        return out

    def range(self, ranges: Ranges) -> tuple[float, float]:
        return self.bounds

    def describe(self) -> str:
        return self.description


def _present(v: object) -> bool:
    return v is not None


def _where(where: Where) -> str:
    return ", ".join(f"{k}={getattr(v, '__name__', v)}" for k, v in (where or {}).items())


Quantity = CellMean | Diff | Scaled | Extreme | RankTrend | Slope | Share | Ratio | Least | CellShare | Derived


# --- added for sgd_vs_architecture ---

@dataclass(frozen=True)
class EndChange(_OneMetric):
    """Per replicate: the change of ``metric`` from the smallest to the largest value of the case parameter
    ``axis``, within each group of matching cells that share every other parameter, averaged over the
    groups with two or more values (e.g. widest minus narrowest width per (pair, n), pooled)."""

    metric: str
    axis: str
    where: Where = None

    def selects(self, case) -> bool:
        return case.matches(self.where) and self.axis in case.params

    def values(self, table: Table) -> np.ndarray:
        where = {self.axis: _present} | dict(self.where or {})
        groups: dict[tuple, list[tuple[float, int]]] = {}
        for row, c in enumerate(table.cases(**where)):
            key = tuple(sorted((k, repr(v)) for k, v in c.params.items() if k != self.axis))
            groups.setdefault(key, []).append((float(c[self.axis]), row))
        ends = [(min(g)[1], max(g)[1]) for g in groups.values() if len({v for v, _ in g}) >= 2]
        if not ends:
            return np.full(table.n_replicates, np.nan)
        vals = _cells(table, self.metric, where)  # (C, R)
        lo, hi = (np.array(i) for i in zip(*ends))
        diff = vals[hi] - vals[lo]  # (G, R)
        return np.where(_complete(diff), diff.mean(axis=0), np.nan)

    def range(self, ranges: Ranges) -> tuple[float, float]:
        lo, hi = _range_of(ranges, self.metric)
        return lo - hi, hi - lo

    def describe(self) -> str:
        return f"change of {self.metric} from the smallest to the largest {self.axis}" + (
            f" over {_where(self.where)}" if self.where else "")


# --- added for init_implicit_bias ---
@dataclass(frozen=True)
class PairedExtreme:
    """Per replicate: the min (or max) over the levels v of the case parameter ``over`` of the paired
    difference mean(metric | b, over=v) - mean(metric | a, over=v), e.g. the smallest gain of small over
    large initialisation across problem sizes n ("above 0 for every n" whatever n grid a budget runs).
    The levels are those of the cells matching ``b``; a level without a matching ``a`` cell, or a missing
    cell, makes the replicate NaN."""

    metric: str
    b: Where
    a: Where
    over: str
    how: Literal["min", "max"] = "min"

    @property
    def metrics(self) -> tuple[str, ...]:
        return (self.metric,)

    def selects(self, case) -> bool:
        return self.over in case.params and (case.matches(self.b) or case.matches(self.a))

    def values(self, table: Table) -> np.ndarray:
        levels = sorted({c[self.over] for c in table.cases(**({self.over: _present} | dict(self.b or {})))})
        if not levels:
            return np.full(table.n_replicates, np.nan)
        diffs = np.vstack([CellMean(self.metric, dict(self.b or {}) | {self.over: v}).values(table)
                           - CellMean(self.metric, dict(self.a or {}) | {self.over: v}).values(table)
                           for v in levels])  # (V, R)
        with np.errstate(invalid="ignore"):
            out = diffs.min(axis=0) if self.how == "min" else diffs.max(axis=0)
        return np.where(np.isfinite(diffs).all(axis=0), out, np.nan)

    def range(self, ranges: Ranges) -> tuple[float, float]:
        lo, hi = _range_of(ranges, self.metric)
        return lo - hi, hi - lo

    def describe(self) -> str:
        return (f"{self.how} over {self.over} of mean {self.metric} over {_where(self.b)} minus over "
                f"{_where(self.a)}")


@dataclass(frozen=True)
class SlopeWithin(Slope):
    """Slope over only the cells matching ``where``, a condition on ``axis`` included. Written while ``Slope``
    dropped a condition on its own axis (fixed since: a ``where`` condition on the axis now narrows the
    cells, tests/test_quantities_init_implicit_bias.py); kept so the declarations that use it keep their
    definition hashes."""

    def values(self, table: Table) -> np.ndarray:
        return Slope(self.metric, self.axis, None, self.log, self.bounds).values(table.subset(self.selects))


# --- added for neural_redshift ---


@dataclass(frozen=True)
class CellCorrelation:
    """Per replicate: the Spearman (or Pearson) correlation, over cells, of metric ``x`` on the cells matching
    ``where`` with metric ``y`` on the cells matching ``where_y`` (default: the same cells), paired in grid order;
    e.g. two complexity measures of the same networks, or one measure under two priors."""

    x: str
    y: str
    where: Where = None
    where_y: Where = None
    method: Literal["spearman", "pearson"] = "spearman"

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.x, self.y)))

    def selects(self, case) -> bool:
        return case.matches(self.where) or (self.where_y is not None and case.matches(self.where_y))

    def values(self, table: Table) -> np.ndarray:
        a = _cells(table, self.x, self.where)  # (C, R)
        b = _cells(table, self.y, self.where if self.where_y is None else self.where_y)  # (C, R)
        out = np.full(table.n_replicates, np.nan)
        if a.shape != b.shape or a.shape[0] < 3:
            return out
        if self.method == "spearman":
            a, b = sps.rankdata(a, axis=0), sps.rankdata(b, axis=0)
        ok = _complete(a) & _complete(b)
        a, b = a - a.mean(axis=0), b - b.mean(axis=0)
        den = np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
        with np.errstate(all="ignore"):
            r = (a * b).sum(axis=0) / den
        return np.where(ok & (den > 0), np.clip(r, -1.0, 1.0), np.nan)

    def range(self, ranges: Ranges) -> tuple[float, float]:
        return -1.0, 1.0

    def describe(self) -> str:
        other = f" on {_where(self.where_y)}" if self.where_y is not None else ""
        return (f"{self.method} correlation over cells of {self.x}" + (f" on {_where(self.where)}" if self.where else "")
                + f" with {self.y}{other}")


@dataclass(frozen=True)
class Median(_OfSeveral):
    """Per replicate: the median of several quantities (e.g. of the pairwise agreements of four measures)."""

    qs: tuple


    def values(self, table: Table) -> np.ndarray:
        v = np.vstack([q.values(table) for q in self.qs])  # (Q, R)
        return np.where(np.isfinite(v).all(axis=0), np.median(v, axis=0), np.nan)

    def range(self, ranges: Ranges) -> tuple[float, float]:
        ends = [q.range(ranges) for q in self.qs]
        return min(e[0] for e in ends), max(e[1] for e in ends)

    def describe(self) -> str:
        return "median of [" + "; ".join(q.describe() for q in self.qs) + "]"


@dataclass(frozen=True)
class AtBest(_OneMetric):
    """Per replicate: ``metric`` in the matching cell where ``by`` is largest (``how='max'``) or smallest.

    ``by`` is a metric (a per-replicate choice, e.g. the prefactor with the best validation accuracy of that
    seed) or a case parameter (the same cells for every replicate, e.g. the smallest alpha). Cells tied at the
    best value share it: the value is their mean (e.g. the mean over activations at the smallest alpha). ``inner`` names a case parameter whose smallest and largest values are excluded first
    (a choice among interior values only)."""

    metric: str
    by: str
    where: Where = None
    how: Literal["max", "min"] = "max"
    inner: str | None = None


    def _where(self, table: Table) -> dict[str, Any]:
        where = dict(self.where or {})
        if self.inner is not None:
            vals = [c[self.inner] for c in table.cases(**where) if self.inner in c.params]
            lo, hi = (min(vals), max(vals)) if vals else (None, None)
            where[self.inner] = lambda v, lo=lo, hi=hi: lo < v < hi
        return where

    def values(self, table: Table) -> np.ndarray:
        where = self._where(table)
        vals = _cells(table, self.metric, where)  # (C, R)
        if not table.cases(**where) or not vals.size:
            return np.full(table.n_replicates, np.nan)
        if self.by in table.metrics:
            key = _cells(table, self.by, where)  # (C, R)
        else:
            key = np.array([float(c[self.by]) for c in table.cases(**where)])[:, None] * np.ones_like(vals)
        key = key if self.how == "max" else -key
        ok = _complete(vals) & _complete(key)
        with np.errstate(invalid="ignore"):
            best = key == np.nanmax(np.where(np.isfinite(key), key, -np.inf), axis=0)  # (C, R) the best cells
            out = (vals * best).sum(axis=0) / best.sum(axis=0)  # their mean (ties share)
        return np.where(ok, out, np.nan)

    def range(self, ranges: Ranges) -> tuple[float, float]:
        return _range_of(ranges, self.metric)

    def describe(self) -> str:
        inner = f" (interior {self.inner} only)" if self.inner else ""
        return (f"{self.metric} where {self.by} is {'largest' if self.how == 'max' else 'smallest'}{inner}"
                + (f" over {_where(self.where)}" if self.where else ""))
