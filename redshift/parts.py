"""Composite claims: a claim is a conjunction of parts, each a paper quantity in its unit.

A ``Part`` names a per-replicate quantity (redshift.quantities), its unit, and its own support and
refute regions. A gate part is a precondition (e.g. "the networks fit their training set"): it must
hold for any decision, so a failed gate leaves the claim undecided, never supported or refuted.
An ``exact=True`` part is checked on every replicate with no inference (a guard such as "every
training set accepted at least 10 networks", or an invariance): it holds (p = 0) when every replicate
lies in its support region and is violated (refute p = 0) as soon as one lies in its refute region
(or, with no refute region, outside the support region; for a gate, any replicate outside support).

Decision (redshift.claims applies the family's Holm correction to both p-values):
- support: every part's (gates included) 95% interval lies in its support region; the claim's p is
  the intersection-union p, the largest part p (Berger 1982): no multiplicity cost, and adding a
  part that always holds can never lower it;
- refute: every gate's interval lies in its support region and some non-gate part's interval lies
  in its refute region; p = max(k * the smallest refute p over the k parts that can refute
  (Bonferroni), the largest gate p).
The number a verdict reports is the *binding* part's estimate and interval in its unit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from redshift import inference
from redshift.quantities import Ranges, Share, UndeclaredRange
from redshift.regions import Region
from redshift.table import Table

PartState = Literal["support", "refute", "neither", "gate failed", "undefined"]


@dataclass(frozen=True)
class Part:
    """One paper quantity of a claim with its unit and regions; ``gate=True`` makes it a precondition."""

    name: str
    unit: str
    quantity: Any
    support: Region
    refute: Region | None = None
    gate: bool = False
    exact: bool = False  # checked replicate by replicate, no inference (an invariance, a guard on every seed)

    def __post_init__(self) -> None:
        if not self.name or not self.unit:
            raise ValueError("a Part needs a name and a unit (e.g. unit='points', 'bits', 'rho')")
        if self.gate and self.refute is not None:
            raise ValueError(f"part {self.name!r}: a gate has no refute region (it can only block a decision)")


@dataclass(frozen=True)
class PartResult:
    """A part's outcome: estimate and 95% interval in its unit, p-values, replicates, method."""

    name: str
    unit: str
    gate: bool
    estimate: float
    ci_low: float
    ci_high: float
    p_support: float
    p_refute: float
    n: int
    method: str
    state: PartState
    support: str
    refute: str = ""
    violations: int = -1  # exact claims: replicates outside the support region (-1: not an exact check)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in out.items()}


def _state(part: Part, lo: float, hi: float) -> PartState:
    if not (math.isfinite(lo) or math.isfinite(hi)) and lo != hi:
        return "neither"
    if part.refute is not None and part.refute.contains(lo, hi) and not part.gate:
        return "refute"  # where the declared regions overlap, evidence in the refute region wins
    if part.support.contains(lo, hi):
        return "support"
    if part.gate:
        return "gate failed"
    return "neither"


def _undefined(part: Part, n: int, method: str, note: str) -> PartResult:
    nan = math.nan
    return PartResult(part.name, part.unit, part.gate, nan, nan, nan, 1.0, 1.0, n, method, "undefined",
                      str(part.support), str(part.refute or ""), note=note)


def evaluate(part: Part, table: Table, ranges: Ranges) -> PartResult:
    """Estimate the part's quantity (mean over replicates), its 95% interval and region p-values."""
    try:
        lo_r, hi_r = part.quantity.range(ranges)
    except UndeclaredRange as exc:
        return _undefined(part, 0, "none", str(exc))
    y = part.quantity.values(table)
    y = y[np.isfinite(y)]
    binary = isinstance(part.quantity, Share)
    method = "binomial" if binary else inference.method_for(lo_r, hi_r)
    if y.size and ((y < lo_r).any() or (y > hi_r).any()):
        return _undefined(part, int(y.size), method,
                          f"values outside the declared range [{lo_r:g}, {hi_r:g}]: fix the declaration")
    if y.size < 2:
        return _undefined(part, int(y.size), method, "fewer than 2 finite replicates")

    def p_of(bound: float, side: inference.Side) -> float:
        if binary:
            return inference.binomial_p(y, bound, side)
        return inference.p_value(y, lo_r, hi_r, bound, side)

    lo, hi = inference.binomial_interval(y) if binary else inference.interval(y, lo_r, hi_r)
    p_sup = part.support.p_value(p_of)
    p_ref = part.refute.p_value(p_of) if part.refute is not None else math.nan
    return PartResult(part.name, part.unit, part.gate, float(y.mean()), lo, hi, p_sup, p_ref, int(y.size),
                      method, _state(part, lo, hi), str(part.support), str(part.refute or ""))


def evaluate_in_claim(part: Part, table: Table, ranges: Ranges) -> PartResult:
    """A part of a non-exact claim: inference, or the replicate-by-replicate check of an exact part (whose
    p-values are then 0 or 1: deterministic evidence)."""
    if not part.exact:
        return evaluate(part, table, ranges)
    r = evaluate_exact(part, table)
    return replace(r, p_support=0.0 if r.state == "support" else 1.0, p_refute=0.0 if r.state == "refute" else 1.0)


def evaluate_exact(part: Part, table: Table) -> PartResult:
    """An exact check: each replicate's value must lie in the support region; a value in the refute
    region (or, without one, outside the support region) is a violation. No resampling, no p-value."""
    y = part.quantity.values(table)
    y = y[np.isfinite(y)]
    if y.size == 0:
        return _undefined(part, 0, "exact", "no finite replicate")
    bad = (lambda v: part.refute.contains(v, v)) if part.refute is not None else (lambda v: not part.support.contains(v, v))
    violations = int(sum(bad(float(v)) for v in y))
    held = all(part.support.contains(float(v), float(v)) for v in y)
    state: PartState = "refute" if violations and not part.gate else ("support" if held else
                                                                    ("gate failed" if part.gate else "neither"))
    worst = float(y.min() if part.support.contains(math.inf, math.inf) else y.max())
    return PartResult(part.name, part.unit, part.gate, worst, float(y.min()), float(y.max()), math.nan, math.nan,
                      int(y.size), "exact", state, str(part.support), str(part.refute or ""), violations=violations)


def combine(results: list[PartResult]) -> tuple[float, float, PartResult]:
    """(support p, refute p, binding part) of a conjunction of evaluated parts (module docstring)."""
    gates = [r for r in results if r.gate]
    p_sup = max(r.p_support for r in results)
    refuters = [r for r in results if not r.gate and (r.refute or r.method == "exact")]
    p_ref = min((r.p_refute for r in refuters), default=1.0) * max(len(refuters), 1)
    p_ref = max([min(1.0, p_ref)] + [g.p_support for g in gates])
    return p_sup, p_ref, binding(results)


def binding(results: list[PartResult]) -> PartResult:
    """The part a verdict reports: a failed or undefined part first, else a refuting part, else the
    part with the largest support p (the one that decides the intersection-union test)."""
    for r in results:
        if r.state in ("undefined", "gate failed"):
            return r
    refuting = [r for r in results if r.state == "refute"]
    if refuting:
        return min(refuting, key=lambda r: (r.p_refute if math.isfinite(r.p_refute) else 0.0))
    return max(results, key=lambda r: (r.p_support if math.isfinite(r.p_support) else 1.0))
