"""Regions of a quantity's value: where a part's 95% interval must lie to support or refute a claim.

Each region also gives its p-value on the two-sided scale from ``p_of(bound, side)``, the p that
the quantity lies ``side`` of ``bound``: Above/Below one test, Inside the TOST (both tests must
reject: the larger p), Outside the smaller of two tests, Bonferroni-corrected (times 2).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from redshift import stats

@dataclass(frozen=True)
class Above:
    bound: float

    def contains(self, lo: float, hi: float) -> bool:
        return lo > self.bound

    def p_value(self, p_of: Callable[[float, stats.Side], float]) -> float:
        return p_of(self.bound, "greater")

    def __str__(self) -> str:
        return f"> {self.bound:g}"


@dataclass(frozen=True)
class Below:
    bound: float

    def contains(self, lo: float, hi: float) -> bool:
        return hi < self.bound

    def p_value(self, p_of: Callable[[float, stats.Side], float]) -> float:
        return p_of(self.bound, "less")

    def __str__(self) -> str:
        return f"< {self.bound:g}"


@dataclass(frozen=True)
class Inside:
    low: float
    high: float

    def contains(self, lo: float, hi: float) -> bool:
        return lo > self.low and hi < self.high

    def p_value(self, p_of: Callable[[float, stats.Side], float]) -> float:
        return stats.tost_p(p_of(self.low, "greater"), p_of(self.high, "less"))

    def __str__(self) -> str:
        return f"in ({self.low:g}, {self.high:g})"


@dataclass(frozen=True)
class Outside:
    low: float
    high: float

    def contains(self, lo: float, hi: float) -> bool:
        return hi < self.low or lo > self.high

    def p_value(self, p_of: Callable[[float, stats.Side], float]) -> float:
        return min(1.0, 2.0 * min(p_of(self.low, "less"), p_of(self.high, "greater")))

    def __str__(self) -> str:
        return f"outside [{self.low:g}, {self.high:g}]"


Region = Above | Below | Inside | Outside


@dataclass(frozen=True)
class Rule:
    """Where the effect's 95% CI must lie for a verdict of supported (``support``) or refuted."""

    support: Region
    refute: Region | None = None

    def __str__(self) -> str:
        text = f"supported if CI {self.support}"
        return text + (f"; refuted if CI {self.refute}" if self.refute else "")



    def holds(self, value: float) -> bool:
        """True when a single value lies in the support region (exact claims check each replicate)."""
        return self.support.contains(value, value)
