"""Claims, their parts and decision rules, and verdicts.

A claim is data: id, statement, source, the parts it is a conjunction of (redshift.parts: each a
paper quantity in its unit with support and refute regions, or a gate), the verdict the paper
predicts, and ``decisive_at``, the smallest budget at which it is expected to be decisive.

Decision rule (declared before the data, the same for every claim):
- ``supported``: every part's 95% interval lies in its support region AND the Holm-adjusted
  intersection-union p (the largest part p) is at most 0.05;
- ``refuted``: every gate holds, some part's 95% interval lies in its refute region AND the
  Holm-adjusted refute p (Bonferroni over the parts that can refute) is at most 0.05;
- ``inconclusive``: anything else, including fewer than ``min_replicates`` finite replicates.
Part intervals and p-values come from redshift.inference (betting for bounded quantities, Hall's
t with a sign-test guard for unbounded ones, the exact binomial for shares), calibrated at the
replicate counts suites use. The Holm family is every non-exact claim of the suite (claims not
evaluated in a run count with p = 1; ``family="all"`` makes every claim of every suite one family).
An ``exact`` claim (an invariance checked to the bit) is not resampled: one replicate in a refute
region refutes it, and it is supported when every replicate lies in its support region.
Claims declared with a legacy ``statistic`` (redshift.statistic) are decided as before and report
their effect as a "score"; they are being moved onto parts.
"Inconclusive" is not evidence for the null: it says the run could not tell.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, Mapping

import numpy as np

from redshift import parts as composite
from redshift import stats
from redshift.parts import Part, PartResult
from redshift.suite import BUDGETS, Budget, Case
from redshift.table import Table

Status = Literal["supported", "refuted", "inconclusive"]
ALPHA = 0.05


from redshift.regions import Above, Below, Inside, Outside, Region, Rule  # noqa: E402,F401 (re-exported)


# --- claims and verdicts -----------------------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    """A testable statement of a paper, decided by its parts (or a legacy statistic and rule)."""

    id: str
    statement: str
    source: str
    statistic: Any = None
    rule: Rule | None = None
    predicted: Status = "supported"
    decisive_at: Budget = "smoke"
    min_replicates: int = 3
    n_resamples: int = 2000
    exact: bool = False
    parts: tuple[Part, ...] = ()

    def __post_init__(self) -> None:
        from redshift.statistic import Equivalence

        if self.predicted not in ("supported", "refuted", "inconclusive"):
            raise ValueError(f"claim {self.id}: predicted must be supported, refuted or inconclusive")
        if self.decisive_at not in BUDGETS:
            raise ValueError(f"claim {self.id}: decisive_at must be one of {', '.join(BUDGETS)}")
        if bool(self.parts) == (self.statistic is not None):
            raise ValueError(f"claim {self.id}: declare either parts=(...) or a legacy statistic, not both")
        object.__setattr__(self, "parts", tuple(self.parts))
        if self.parts:
            if all(p.gate for p in self.parts):
                raise ValueError(f"claim {self.id}: a claim needs at least one part that is not a gate")
            return
        if self.rule is None:
            if not isinstance(self.statistic, Equivalence):
                raise ValueError(f"claim {self.id}: give a rule (only Equivalence implies one)")
            m = self.statistic.margin
            object.__setattr__(self, "rule", Rule(Inside(-m, m), refute=Outside(-m, m)))

    @property
    def metrics(self) -> tuple[str, ...]:
        if self.parts:
            return tuple(dict.fromkeys(m for p in self.parts for m in p.quantity.metrics))
        return tuple(self.statistic.metrics)

    def reads(self, case: Case) -> bool:
        """True when the claim reads this case."""
        if self.parts:
            return any(p.quantity.selects(case) for p in self.parts)
        return self.statistic.selects(case)

    def describe_rule(self) -> str:
        if not self.parts:
            return str(self.rule)
        return "; ".join(f"{'gate ' if p.gate else ''}{p.name} [{p.unit}] {p.support}"
                         + (f" (refuted {p.refute})" if p.refute else "") for p in self.parts)


@dataclass(frozen=True)
class Verdict:
    """A claim's outcome in one run: status, the binding part's effect in its unit, 95% CI, p, n, parts."""

    claim: str
    statement: str
    status: Status
    predicted: Status
    effect: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    p_adjusted: float = float("nan")
    seconds: float = 0.0
    suite: str = ""
    budget: str = ""
    decisive_at: str = "smoke"
    rule: str = ""
    unit: str = ""
    binding: str = ""
    parts: tuple[PartResult, ...] = ()
    definition: str = ""
    family: str = ""
    family_size: int = 0
    seed_stream: str = "default"
    p_refute: float = float("nan")
    p_refute_adjusted: float = float("nan")

    @property
    def as_predicted(self) -> bool:
        return self.status == self.predicted

    @property
    def contradicts(self) -> bool:
        """A decisive verdict opposite to the paper's prediction."""
        return self.status != "inconclusive" and self.status != self.predicted

    @property
    def undecided(self) -> bool:
        """Inconclusive at a budget where the claim's protocol is expected to decide it."""
        from redshift.suite import budget_rank

        return (self.status == "inconclusive" and self.predicted != "inconclusive" and bool(self.budget)
                and budget_rank(self.budget) >= budget_rank(self.decisive_at))

    def fails(self, strict: bool = False) -> bool:
        """What fails a CI run: a contradiction; with ``strict``, also no decision where one is expected."""
        return self.contradicts or (strict and self.undecided)

    def line(self) -> str:
        """The one-line summary used in messages and citations."""
        unit = f" {self.unit}" if self.unit else ""
        return (f"{self.claim} {self.status} (predicted {self.predicted}), {self.binding or 'effect'} "
                f"{_num(self.effect)}{unit} [{_num(self.ci_low)}, {_num(self.ci_high)}], p={_num(self.p_value)} "
                f"(Holm {_num(self.p_adjusted)}, family {self.family} of {self.family_size}), n={self.n}; "
                f"rule: {self.rule}")

    def to_json(self) -> dict[str, Any]:
        keys = ("claim", "statement", "status", "predicted", "effect", "ci_low", "ci_high", "p_value", "n", "seconds")
        return {k: _json_num(getattr(self, k)) for k in keys} | {
            "p_adjusted": _json_num(self.p_adjusted), "suite": self.suite, "budget": self.budget,
            "decisive_at": self.decisive_at, "unit": self.unit, "binding": self.binding,
            "definition": self.definition, "family": self.family, "family_size": self.family_size,
            "seed_stream": self.seed_stream, "undecided": self.undecided,
            "parts": [p.to_json() for p in self.parts]}


def _num(x: float) -> str:
    return "nan" if x is None or not math.isfinite(x) else f"{x:.4g}"


def _json_num(x: Any) -> Any:
    return None if isinstance(x, float) and not math.isfinite(x) else x


@dataclass(frozen=True)
class Assessment:
    """A claim's estimate, parts and raw p-values (support and refute) before the family's Holm correction."""

    claim: Claim
    estimate: Any
    p_value: float
    p_refute: float = float("nan")
    seconds: float = 0.0
    parts: tuple[PartResult, ...] = ()
    n: int = 0
    exact_status: Status | None = None  # exact claims are decided without p-values


def assess(claim: Claim, table: Table, rng: np.random.Generator,
           ranges: Mapping[str, Any] | None = None) -> Assessment:
    """Evaluate the claim's parts (or legacy statistic) on the cases it reads."""
    import time

    t0 = time.perf_counter()
    table = table.subset(claim.reads)
    if claim.parts:
        out = _assess_parts(claim, table, ranges or {})
    else:
        out = _assess_legacy(claim, table, rng)
    return Assessment(**{**out.__dict__, "seconds": time.perf_counter() - t0})


def _assess_parts(claim: Claim, table: Table, ranges: Mapping[str, Any]) -> Assessment:
    if claim.exact:
        results = [composite.evaluate_exact(p, table) for p in claim.parts]
        n = min(r.n for r in results)
        return Assessment(claim, composite.binding(results), math.nan, math.nan, parts=tuple(results), n=n,
                          exact_status=_exact_status(claim, results, n))
    results = [composite.evaluate_in_claim(p, table, ranges) for p in claim.parts]
    p_sup, p_ref, bind = composite.combine(results)
    return Assessment(claim, bind, p_sup, p_ref, parts=tuple(results), n=min(r.n for r in results))


def _exact_status(claim: Claim, results: list[PartResult], n: int) -> Status:
    if any(r.state == "undefined" for r in results) or any(r.gate and r.state != "support" for r in results):
        return "inconclusive"
    if any(r.state == "refute" for r in results):
        return "refuted"
    if n >= claim.min_replicates and all(r.state == "support" for r in results):
        return "supported"
    return "inconclusive"


def _assess_legacy(claim: Claim, table: Table, rng: np.random.Generator) -> Assessment:
    """A legacy statistic: bootstrap CI and the statistic's p (see redshift.statistic); n is the smallest
    count of finite replicates over the claim's own cells and metrics."""
    stat = claim.statistic
    est = stat.estimate(table, rng, claim.n_resamples)
    n = min(est.n, _claim_replicates(table, claim.metrics))
    if claim.exact:
        return _assess_legacy_exact(claim, table, est, n)
    degenerate = est.ci_low == est.ci_high

    def p_of(bound: float, side: stats.Side) -> float:
        p = stat.p_value(table, est, bound, side, rng, claim.n_resamples)
        return max(p, stats.sign_floor(n)) if degenerate else p

    finite = math.isfinite(est.effect)
    p = claim.rule.support.p_value(p_of) if finite else float("nan")
    p_ref = claim.rule.refute.p_value(p_of) if finite and claim.rule.refute is not None else float("nan")
    part = _legacy_part(claim, est, p, p_ref, n, "bootstrap")
    return Assessment(claim, est, p, p_ref, parts=(part,), n=n)


def _assess_legacy_exact(claim: Claim, table: Table, est: Any, n: int) -> Assessment:
    """Exact legacy claims: the statistic evaluated on each replicate alone; a replicate in the refute region
    (or outside the support region when there is none) is a violation."""
    rule, values = claim.rule, []
    for r in range(table.n_replicates):
        one = table.take(np.array([r]))
        if _claim_replicates(one, claim.metrics) == 0:
            continue
        try:
            values.append(float(claim.statistic.estimate(one, np.random.default_rng(0), 1).effect))
        except (ValueError, ZeroDivisionError):
            values.append(math.nan)
    vals = np.array(values)
    bad = [(rule.refute.contains(v, v) if rule.refute is not None else not rule.support.contains(v, v))
           for v in vals if math.isfinite(v)]
    held = bool(vals.size) and all(math.isfinite(v) and rule.support.contains(v, v) for v in vals)
    status: Status = "refuted" if any(bad) else ("supported" if held and vals.size >= claim.min_replicates
                                                  else "inconclusive")
    part = _legacy_part(claim, est, math.nan, math.nan, int(np.isfinite(vals).sum()), "exact",
                        violations=int(sum(bad)))
    return Assessment(claim, est, math.nan, math.nan, parts=(part,), n=int(np.isfinite(vals).sum()),
                      exact_status=status)


def _legacy_part(claim: Claim, est: Any, p: float, p_ref: float, n: int, method: str,
                 violations: int = -1) -> PartResult:
    unit = getattr(claim.statistic, "unit", "") or "score"
    lo, hi = float(est.ci_low), float(est.ci_high)
    ok = math.isfinite(lo) and math.isfinite(hi)
    state = ("support" if ok and claim.rule.support.contains(lo, hi) else
             "refute" if ok and claim.rule.refute is not None and claim.rule.refute.contains(lo, hi) else "neither")
    return PartResult(claim.statistic.describe(), unit, False, float(est.effect), lo, hi, p, p_ref, n, method,
                      state, str(claim.rule.support), str(claim.rule.refute or ""), violations=violations)


def _claim_replicates(table: Table, metrics: tuple[str, ...]) -> int:
    """The smallest number of finite replicates over the claim's cells, per metric over the cells that
    measure it at all (a metric recorded only in some cases does not count its other cells)."""
    counts = []
    for m in metrics:
        if m not in table.metrics:
            continue
        vals = table.values(m)  # (C, R)
        measured = np.isfinite(vals).any(axis=1)
        if measured.any():
            counts.append(int(np.isfinite(vals[measured]).sum(axis=1).min()))
    return min(counts) if counts else 0


def decide(claim: Claim, a: Assessment, p_adjusted: float, p_refute_adjusted: float = 0.0) -> Status:
    """The declared rule: intervals in regions and that region's Holm-adjusted p <= 0.05."""
    if a.exact_status is not None:
        return a.exact_status
    if a.n < claim.min_replicates:
        return "inconclusive"
    if claim.parts:
        states = [r.state for r in a.parts]
        if "undefined" in states or "gate failed" in states:
            return "inconclusive"
        if all(s == "support" for s in states) and _significant(p_adjusted):
            return "supported"
        gates_hold = all(r.state == "support" for r in a.parts if r.gate)
        if gates_hold and "refute" in states and _significant(p_refute_adjusted):
            return "refuted"
        return "inconclusive"
    lo, hi = a.estimate.ci_low, a.estimate.ci_high
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "inconclusive"
    if claim.rule.support.contains(lo, hi) and _significant(p_adjusted):
        return "supported"
    if claim.rule.refute is not None and claim.rule.refute.contains(lo, hi) and _significant(p_refute_adjusted):
        return "refuted"
    return "inconclusive"


def _significant(p: float) -> bool:
    return math.isfinite(p) and p <= ALPHA


def verdicts(assessments: list[Assessment], *, suite: str = "", budget: str = "", family_size: int | None = None,
             extra_seconds: Mapping[str, float] | None = None, family: str | None = None,
             definitions: Mapping[str, str] | None = None, seed_stream: str = "default",
             outside: list[tuple[float, float]] | None = None) -> list[Verdict]:
    """Holm-correct the family and decide each claim.

    The family is the non-exact claims given plus ``outside`` p-values of claims decided elsewhere in
    the same family (``--family all``), padded to ``family_size`` with p = 1 (claims not run).
    """
    tested = [a for a in assessments if a.exact_status is None]
    others = list(outside or [])
    size = max(len(tested) + len(others), family_size or 0)
    adjusted = stats.holm([a.p_value for a in tested] + [p for p, _ in others], size)[:len(tested)]
    refute_adjusted = stats.holm([a.p_refute for a in tested] + [r for _, r in others], size)[:len(tested)]
    adj = {id(a): (p, r) for a, p, r in zip(tested, adjusted, refute_adjusted)}
    out = []
    for a in assessments:
        p_adj, pr_adj = adj.get(id(a), (math.nan, math.nan))
        c, bind = a.claim, _binding_of(a)
        out.append(Verdict(
            claim=c.id, statement=c.statement, status=decide(c, a, p_adj, pr_adj), predicted=c.predicted,
            effect=float(bind.estimate), ci_low=float(bind.ci_low), ci_high=float(bind.ci_high),
            p_value=float(a.p_value), n=int(a.n), p_adjusted=float(p_adj),
            seconds=a.seconds + (extra_seconds or {}).get(c.id, 0.0), suite=suite, budget=budget,
            decisive_at=c.decisive_at, rule=c.describe_rule(), unit=bind.unit, binding=bind.name, parts=a.parts,
            definition=(definitions or {}).get(c.id, ""), family=family or suite, family_size=size,
            seed_stream=seed_stream, p_refute=float(a.p_refute), p_refute_adjusted=float(pr_adj)))
    return out


def _binding_of(a: Assessment) -> PartResult:
    return a.parts[0] if len(a.parts) == 1 else composite.binding(list(a.parts))
