"""The measurements of one experiment as arrays (case x replicate), the input of every statistic."""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from redshift.suite import Case, Record


class Table:
    """Metric values as ``(n_cases, n_replicates)`` arrays, cases in grid order; NaN where missing."""

    def __init__(self, cases: Sequence[Case], data: Mapping[str, np.ndarray]) -> None:
        self._cases = tuple(cases)
        self._data = {k: np.asarray(v, dtype=float) for k, v in data.items()}

    @classmethod
    def from_records(cls, cases: Sequence[Case], records: Iterable[Record], replicates: int) -> "Table":
        index = {c.name: i for i, c in enumerate(cases)}
        data: dict[str, np.ndarray] = {}
        for rec in records:
            i = index.get(rec.case.name)
            if i is None or not 0 <= rec.replicate < replicates:
                continue
            for metric, value in rec.values.items():
                arr = data.setdefault(metric, np.full((len(cases), replicates), np.nan))
                arr[i, rec.replicate] = np.nan if value is None else float(value)
        return cls(cases, data)

    @property
    def n_replicates(self) -> int:
        return next(iter(self._data.values())).shape[1] if self._data else 0

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(self._data)

    def _rows(self, where: Mapping[str, Any] | None) -> np.ndarray:
        return np.array([i for i, c in enumerate(self._cases) if c.matches(where)], dtype=int)

    def cases(self, **where: Any) -> list[Case]:
        """The cases matching ``where`` (equality, membership, or a predicate per key)."""
        return [self._cases[i] for i in self._rows(where)]

    def values(self, metric: str, **where: Any) -> np.ndarray:
        """(n_matching_cases, n_replicates) values of ``metric``."""
        if metric not in self._data:
            raise KeyError(f"no measurements of metric {metric!r}; measured: {', '.join(self._data) or 'none'}")
        return self._data[metric][self._rows(where)]

    def per_replicate(self, metric: str, where: Mapping[str, Any] | None = None) -> np.ndarray:
        """(n_replicates,) mean over the matching cases of each replicate (NaN-aware)."""
        vals = self.values(metric, **(where or {}))
        if vals.size == 0:
            return np.full(self.n_replicates, np.nan)
        with np.errstate(all="ignore"):
            counts = np.isfinite(vals).sum(0)
            sums = np.nansum(vals, 0)
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)

    def mean(self, metric: str, **where: Any) -> float:
        vals = self.values(metric, **where)
        finite = vals[np.isfinite(vals)]
        return float(finite.mean()) if finite.size else float("nan")

    def arrays(self) -> tuple[tuple[Case, ...], Mapping[str, np.ndarray]]:
        """All cases and every metric's (n_cases, n_replicates) array, for statistics that index rows
        themselves (cheaper than repeated ``values`` lookups inside a bootstrap). Do not modify them."""
        return self._cases, self._data

    def subset(self, keep: "Callable[[Case], bool]") -> "Table":
        """The cases for which ``keep(case)`` is true, all replicates."""
        rows = np.array([i for i, c in enumerate(self._cases) if keep(c)], dtype=int)
        return Table([self._cases[i] for i in rows], {k: v[rows] for k, v in self._data.items()})

    def take(self, columns: np.ndarray) -> "Table":
        """The same cases with replicate columns ``columns`` (a bootstrap resample)."""
        return Table(self._cases, {k: v[:, columns] for k, v in self._data.items()})
