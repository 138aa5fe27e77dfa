"""Claims, their statistics and decision rules, and verdicts.

A claim is data: id, statement, source, a statistic over the measurements of its experiment's
cases, a rule (support and refute regions for the effect's 95% CI), the verdict the paper
predicts, and ``decisive_at``, the smallest budget at which it is expected to be decisive.

Decision rule (declared before the data, the same for every claim):
- ``supported``: the whole 95% CI lies in the support region AND the Holm-adjusted p-value of
  "the effect lies in the support region" is at most 0.05;
- ``refuted``: the whole 95% CI lies in the refute region AND the Holm-adjusted p-value of "the
  effect lies in the refute region" is at most 0.05;
- ``inconclusive``: anything else, including fewer than ``min_replicates`` finite replicates.
The Holm family is every claim of the suite (claims not evaluated in a run count with p = 1), so
running one claim alone never weakens the correction. Data with no spread (every replicate gives
the same value, a zero-width CI) carry no more evidence than the exact sign test allows, so their
p-value is floored at ``2 * 0.5**n`` unless the claim is declared ``exact`` (a deterministic
property such as an invariance, where one replicate is proof).
"Inconclusive" is not evidence for the null: it says the run could not tell.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Literal, Mapping

import numpy as np

from redshift import stats
from redshift.suite import BUDGETS, Budget, Case
from redshift.table import Table

Status = Literal["supported", "refuted", "inconclusive"]
ALPHA = 0.05


# --- regions -----------------------------------------------------------------------------------

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
        return min(p_of(self.low, "less"), p_of(self.high, "greater"))

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


# --- claims and verdicts -----------------------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    """A testable statement of a paper, decided by its statistic and rule (declared before data)."""

    id: str
    statement: str
    source: str
    statistic: Any
    rule: Rule | None = None
    predicted: Status = "supported"
    decisive_at: Budget = "smoke"
    min_replicates: int = 3
    n_resamples: int = 2000
    exact: bool = False

    def __post_init__(self) -> None:
        from redshift.statistic import Equivalence

        if self.predicted not in ("supported", "refuted", "inconclusive"):
            raise ValueError(f"claim {self.id}: predicted must be supported, refuted or inconclusive")
        if self.decisive_at not in BUDGETS:
            raise ValueError(f"claim {self.id}: decisive_at must be one of {', '.join(BUDGETS)}")
        if self.rule is None:
            if not isinstance(self.statistic, Equivalence):
                raise ValueError(f"claim {self.id}: give a rule (only Equivalence implies one)")
            m = self.statistic.margin
            object.__setattr__(self, "rule", Rule(Inside(-m, m), refute=Outside(-m, m)))

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(self.statistic.metrics)

    def reads(self, case: Case) -> bool:
        """True when the claim's statistic reads this case."""
        return self.statistic.selects(case)


@dataclass(frozen=True)
class Verdict:
    """A claim's outcome in one run: status, effect, 95% CI, p-values, replicate count."""

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

    @property
    def fails(self) -> bool:
        """What fails a CI run: a contradiction, or no decision where one is expected."""
        return self.contradicts or self.undecided

    def line(self) -> str:
        """The one-line summary used in messages and citations."""
        return (f"{self.claim} {self.status} (predicted {self.predicted}), effect {_num(self.effect)} "
                f"[{_num(self.ci_low)}, {_num(self.ci_high)}], p={_num(self.p_value)} "
                f"(Holm {_num(self.p_adjusted)}), n={self.n}; rule: {self.rule}")

    def to_json(self) -> dict[str, Any]:
        keys = ("claim", "statement", "status", "predicted", "effect", "ci_low", "ci_high", "p_value", "n", "seconds")
        return {k: _json_num(getattr(self, k)) for k in keys} | {
            "p_adjusted": _json_num(self.p_adjusted), "suite": self.suite, "budget": self.budget,
            "decisive_at": self.decisive_at}


def _num(x: float) -> str:
    return "nan" if x is None or not math.isfinite(x) else f"{x:.4g}"


def _json_num(x: Any) -> Any:
    return None if isinstance(x, float) and not math.isfinite(x) else x


@dataclass(frozen=True)
class Assessment:
    """A claim's estimate and raw p-values (support and refute) before the family's Holm correction."""

    claim: Claim
    estimate: Any
    p_value: float
    p_refute: float = float("nan")
    seconds: float = 0.0


def assess(claim: Claim, table: Table, rng: np.random.Generator) -> Assessment:
    """Estimate the claim's effect with its CI, and the p-values of its support and refute regions."""
    import time

    t0 = time.perf_counter()
    stat = claim.statistic
    table = table.subset(claim.reads)
    est = stat.estimate(table, rng, claim.n_resamples)
    degenerate = est.ci_low == est.ci_high

    def p_of(bound: float, side: stats.Side) -> float:
        p = stat.p_value(table, est, bound, side, rng, claim.n_resamples)
        if not claim.exact and degenerate:
            p = max(p, stats.sign_floor(est.n))
        return p

    finite = math.isfinite(est.effect)
    p = claim.rule.support.p_value(p_of) if finite else float("nan")
    p_ref = claim.rule.refute.p_value(p_of) if finite and claim.rule.refute is not None else float("nan")
    return Assessment(claim, est, p, p_ref, time.perf_counter() - t0)


def decide(claim: Claim, est: Any, p_adjusted: float, p_refute_adjusted: float = 0.0) -> Status:
    """The declared rule: CI in a region and that region's Holm-adjusted p <= 0.05."""
    lo, hi = est.ci_low, est.ci_high
    if est.n < claim.min_replicates or not (math.isfinite(lo) and math.isfinite(hi)):
        return "inconclusive"
    if claim.rule.support.contains(lo, hi) and _significant(p_adjusted):
        return "supported"
    if claim.rule.refute is not None and claim.rule.refute.contains(lo, hi) and _significant(p_refute_adjusted):
        return "refuted"
    return "inconclusive"


def _significant(p: float) -> bool:
    return math.isfinite(p) and p <= ALPHA


def verdicts(assessments: list[Assessment], *, suite: str = "", budget: str = "", family_size: int | None = None,
             extra_seconds: Mapping[str, float] | None = None) -> list[Verdict]:
    """Holm-correct the family (``family_size`` claims, default those given) and decide each claim."""
    adjusted = stats.holm([a.p_value for a in assessments], family_size)
    refute_adjusted = stats.holm([a.p_refute for a in assessments], family_size)
    out = []
    for a, p_adj, pr_adj in zip(assessments, adjusted, refute_adjusted):
        c, e = a.claim, a.estimate
        out.append(Verdict(
            claim=c.id, statement=c.statement, status=decide(c, e, p_adj, pr_adj), predicted=c.predicted,
            effect=float(e.effect), ci_low=float(e.ci_low), ci_high=float(e.ci_high), p_value=float(a.p_value),
            n=int(e.n), p_adjusted=float(p_adj), seconds=a.seconds + (extra_seconds or {}).get(c.id, 0.0),
            suite=suite, budget=budget, decisive_at=c.decisive_at, rule=str(c.rule)))
    return out
