"""Numpy statistics of the init_implicit_bias claims (spec M16, M18) and the scoring of multi-condition claims.

Scoring: a spec claim that combines several conditions ("rho-bar >= 0.9 with CI lower bound > 0.5 AND
the contrast's CI above +0.5") is one Custom statistic, the minimum of one score per condition. Each
score is an affine map of the condition's quantity that is > 0 exactly when the quantity passes its
support bound and < -1 exactly when it passes its refute bound (clamped at -1 when the condition has
no refute bound). The claim's rule is then Rule(Above(0), refute=Below(-1)) on the bootstrap CI of the
minimum. All functions are numpy-cheap: the engine calls them once per bootstrap resample.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

MAX_EXCLUDED = 0.25      # M18: a cell with more than 25% excluded (NaN) replicates is inconclusive
NAN = float("nan")


_ROWS: dict[tuple, np.ndarray] = {}
_LAST: list = [None, []]     # the last table seen and its case list (one table per bootstrap resample)


def values(table, metric: str, **where) -> np.ndarray:
    """table.values(metric, **where) with the row selection cached: every bootstrap resample of a table holds
    the same Case objects, so the selection is computed once per (case list, where). Predicates in `where`
    must be module-level functions (stable identity)."""
    return table.values(metric)[_rows(table, where)] if metric in table.metrics else table.values(metric, **where)


def _rows(table, where: dict) -> np.ndarray:
    """Cached indices of the cases matching `where` (keyed by the case list's identity and the selector)."""
    cases = _cases(table)
    key = (id(cases[0]) if cases else 0, len(cases), tuple((k, id(v) if callable(v) else v) for k, v in where.items()))
    rows = _ROWS.get(key)
    if rows is None:
        rows = _ROWS[key] = np.array([i for i, c in enumerate(cases) if c.matches(where)], dtype=int)
    return rows


def _cases(table) -> list:
    """table.cases(), computed once per table object (a claim's statistic asks for it several times)."""
    if _LAST[0] is not table:
        _LAST[0], _LAST[1] = table, table.cases()
    return _LAST[1]


def cells(table, metric: str, **where) -> np.ndarray | None:
    """(C, R) values of the selected cells, or None when a cell has more than 25% excluded replicates."""
    v = values(table, metric, **where)
    if v.size == 0 or (np.isnan(v).mean(axis=1) > MAX_EXCLUDED).any():
        return None
    return v


def axis(table, name: str, **where) -> np.ndarray:
    """(C,) the case parameter `name` of the selected cells, in grid order."""
    cases = _cases(table)
    return np.array([float(cases[i][name]) for i in _rows(table, where)])


def mean_spearman(v: np.ndarray | None, x: np.ndarray) -> float:
    """M18 trend: within-replicate Spearman rho of v (C, R) along x (C,), averaged over complete replicates."""
    if v is None:
        return NAN
    ok = np.isfinite(v).all(axis=0)
    if not ok.any() or len(x) < 2:
        return NAN
    rv = _ranks(v[:, ok])
    rx = _ranks(np.asarray(x, dtype=float)[:, None])[:, 0]
    rv, rx = rv - rv.mean(axis=0), rx - rx.mean()
    den = np.sqrt((rv**2).sum(axis=0) * (rx**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (rv * rx[:, None]).sum(axis=0) / den
    finite = rho[np.isfinite(rho)]
    return float(finite.mean()) if finite.size else NAN


def _ranks(v: np.ndarray) -> np.ndarray:
    """Ranks 1..C along axis 0 of v (C, R): a double argsort when a column has no ties (the usual case for
    continuous metrics, several times faster than rankdata), rankdata's average ranks otherwise."""
    order = np.argsort(v, axis=0, kind="stable")
    cols = np.arange(v.shape[1])
    if (v[order[1:], cols] == v[order[:-1], cols]).any():
        return rankdata(v, axis=0)
    ranks = np.empty(v.shape)
    ranks[order, cols] = np.arange(1.0, v.shape[0] + 1)[:, None]
    return ranks


def mean_slope(v: np.ndarray | None, x: np.ndarray) -> float:
    """M16: per-replicate least-squares slope of log v against log x, averaged over complete replicates."""
    if v is None:
        return NAN
    with np.errstate(invalid="ignore", divide="ignore"):
        lv, lx = np.log(v), np.log(x)
    ok = np.isfinite(lv).all(axis=0)
    if ok.sum() < 1:
        return NAN
    lv, lx = lv[:, ok], lx - lx.mean()
    return float(((lv - lv.mean(axis=0)) * lx[:, None]).sum(axis=0).mean() / (lx**2).sum())


def paired_diff(table, metric: str, a: dict, b: dict, columns: np.ndarray | None = None) -> float:
    """Mean over replicates of metric(b) - metric(a) (cells averaged within a replicate); NaN on exclusion."""
    va, vb = cells(table, metric, **a), cells(table, metric, **b)
    if va is None or vb is None:
        return NAN
    d = vb.mean(axis=0) - va.mean(axis=0)
    d = d if columns is None else d[columns]
    d = d[np.isfinite(d)]
    return float(d.mean()) if d.size else NAN


def above(x: float, support: float, refute: float | None = None) -> float:
    """Score of 'x > support' (refuted when x < refute < support)."""
    if refute is None:
        return max(x - support, -1.0) if np.isfinite(x) else NAN
    return (x - support) / (support - refute)


def below(x: float, support: float, refute: float | None = None) -> float:
    """Score of 'x < support' (refuted when x > refute > support)."""
    if refute is None:
        return max(support - x, -1.0) if np.isfinite(x) else NAN
    return (support - x) / (refute - support)


def inside(x: float, lo: float, hi: float) -> float:
    """Score of 'lo < x < hi' (no refute bound)."""
    return max(min(x - lo, hi - x) / ((hi - lo) / 2), -1.0) if np.isfinite(x) else NAN


def neg_log10(x: float) -> float:
    """-log10 x for a non-negative error, capped at 300 (an exact zero)."""
    return float(-np.log10(max(x, 1e-300))) if np.isfinite(x) else NAN


def combine(*scores: float) -> float:
    """The claim's statistic: the minimum score; NaN (inconclusive) if any condition is undecidable."""
    s = np.array(scores, dtype=float)
    return float(s.min()) if np.isfinite(s).all() else NAN
