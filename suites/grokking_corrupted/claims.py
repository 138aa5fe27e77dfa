"""Claims GC-1..GC-20 of the grokking_corrupted spec (section 4), as data: conditions and their signed margin.

Each claim's statistic is suites.grokking_corrupted.margins.Conditions over its spec conditions (Bound: lb/ub of a
replicate mean; RankTrend: a rank correlation along a case axis, with bootstrap CI and permutation p; Point: a
full-data condition), decided by Rule(Above(0), refute=Below(0)); the effect a verdict reports is the tightest
margin, not the spec's named effect (the named effects are record metrics, listed in each claim's description).
"""
from __future__ import annotations

import math

import numpy as np

from redshift import Claim, Table
from suites.grokking_corrupted.margins import RULE, Bound, Conditions, Point, RankTrend, minus, per_rep

FB = "fullbatch"
LADDER = (0.0, 5.0, 15.0, 20.0)


def m(metric, **where):
    return per_rep(metric, **where)


def _claim(cid, statement, source, support, refute, metrics, where, decisive, describe):
    return Claim(id=cid, statement=statement, source=source, rule=RULE, predicted="supported", decisive_at=decisive,
                 statistic=Conditions(tuple(support), tuple(refute), tuple(metrics), where, describe))


def _ladder(table: Table) -> np.ndarray | None:
    """rho (4, R) at lambda = 0, 5, 15, 20 (spec D11; NaN = Confusion), or None without the ladder cases."""
    rows = [table.values("rho", family="ladder", wd=wd) if "rho" in table.metrics else np.empty((0, 0))
            for wd in LADDER]
    return None if any(r.shape[0] != 1 for r in rows) else np.vstack(rows)


def _missing(table: Table) -> bool:
    """True when some ladder case lacks a replicate's record (a one-replicate budget): the claim is not run."""
    return bool(np.isnan(table.values("a_test", family="ladder")).any())


def ladder_violations(table: Table) -> float | None:
    """Replicates whose ladder is not non-decreasing (Confusion, NaN, is a violation), minus those allowed (GC-9)."""
    rho = _ladder(table)
    if rho is None or _missing(table):
        return None if rho is None else math.nan
    bad = np.isnan(rho).any(0) | (np.diff(np.nan_to_num(rho, nan=-9), axis=0) < 0).any(0)  # (R,)
    return float(bad.sum() - (1 if rho.shape[1] >= 5 else 0))


def ladder_span(table: Table) -> np.ndarray | None:
    """rho(20) - rho(0) per replicate (R,); a Confusion end counts as a span of 0 (no progress along the ladder)."""
    rho = _ladder(table)
    if rho is None or _missing(table):
        return None if rho is None else np.full(rho.shape[1], math.nan)
    return np.nan_to_num(rho[3] - rho[0], nan=0.0)


def ladder_drops(table: Table) -> float | None:
    """Fraction of replicates that drop >= 2 ranks between adjacent weight decays (GC-9 refute)."""
    rho = _ladder(table)
    if rho is None or _missing(table):
        return None if rho is None else math.nan
    return float(np.mean((np.diff(rho, axis=0) <= -2).any(0)))


def ladder_points(table: Table) -> tuple[np.ndarray, np.ndarray] | None:
    """(lambda levels (4,), rho (4, R)) for GC-9's Kendall tau_b condition (RankTrend); Confusion cells (NaN) are left
    out of the correlation; a missing replicate (one-replicate budget) makes every cell NaN (not evidence)."""
    rho = _ladder(table)
    if rho is None:
        return None
    return np.array(LADDER), (np.full(rho.shape, math.nan) if _missing(table) else rho)


def max_of(metric: str, **where):
    """The largest value over matching cases and replicates (an "every replicate" point condition)."""
    def q(table: Table) -> float | None:
        if not table.cases(**where):
            return None
        return float(np.max(table.values(metric, **where))) if metric in table.metrics else math.nan
    return q


def mean_point(values, fn=lambda x: x, inverse=lambda y: y):
    """A point quantity: inverse(mean over replicates of fn(values)) (e.g. a Fisher-z mean of r)."""
    def q(table: Table) -> float | None:
        v = values(table)
        return None if v is None else float(inverse(np.mean(fn(v))))
    return q


W0, W5, W15, W20 = ({"family": "ladder", "wd": w} for w in LADDER)
C0, C5, C15 = ({"family": "common", "wd": w} for w in (0.0, 5.0, 15.0))
D3, D6 = ({"family": "dropout", "q": q} for q in (0.3, 0.6))
BN, TWIN = {"bn": True}, {"bn": False}
P0 = lambda metric: m(metric, **W0)  # noqa: E731  pruning metrics live on the lambda = 0 T_0 case

CLAIMS_CLEAN = (
    _claim("GC-1", "Without corruption, a regularised network generalises perfectly with Fourier-localised neurons",
           "Doshi et al. 2024 s1, Fig. 2; Gromov 2023",
           [Bound(m("a_test", family="clean"), ">=", 0.97), Bound(m("ipr_mean", family="clean"), ">=", 0.5)],
           [Bound(m("a_test", family="clean"), "<", 0.9), Bound(m("ipr_mean", family="clean"), "<", 0.3)],
           ("a_test", "ipr_mean"), {"family": "clean"}, "smoke", "margin of A_test >= 0.97, mean IPR >= 0.5 (clean)"),
)

CLAIMS_FULLBATCH = (
    _claim("GC-2", "At lambda = 0 the network memorises most corrupted labels and generalises (coexistence)",
           "Doshi et al. 2024 abstract (i), Fig. 1a",
           [Bound(m("a_test", **W0), ">=", 0.85), Bound(m("a_train", **W0), ">=", 0.85),
            Bound(m("a_mem", **W0), ">=", 0.7)],
           [Bound(m("a_mem", **W0), "<", 0.5), Bound(m("a_test", **W0), "<", 0.5)],
           ("a_test", "a_train", "a_mem"), W0, "standard", "margin of A_test, A_train >= 0.85, A_mem >= 0.7 at T_0"),
    _claim("GC-3", "Neurons split into Fourier-localised and delocalised populations with few in between",
           "Doshi et al. 2024 Hypothesis 2.1, Fig. 4 (left)",
           [Bound(m("ipr_share_low", **W0), ">=", 0.3), Bound(m("ipr_share_high", **W0), ">=", 0.15),
            Bound(m("ipr_share_mid", **W0), "<=", 0.10)],
           [Bound(m("ipr_share_high", **W0), "<", 0.05), Bound(m("ipr_share_mid", **W0), ">", 0.25)],
           ("ipr_share_low", "ipr_share_high", "ipr_share_mid"), W0, "standard",
           "margin of share_low >= 0.3, share_high >= 0.15, share_mid <= 0.1 (effect min(low, high) - mid)"),
    _claim("GC-4", "Pruning low-IPR neurons removes memorisation and keeps generalisation",
           "Doshi et al. 2024 abstract (ii), Fig. 6 (left)",
           [Bound(minus(P0("prune_low_mem_000"), P0("prune_low_mem_060")), ">=", 0.5),
            Bound(P0("prune_low_test_060"), ">=", 0.85)],
           [Bound(minus(P0("prune_low_mem_000"), P0("prune_low_mem_060")), "<", 0.2),
            Bound(P0("prune_low_test_060"), "<", 0.5)],
           ("prune_low_mem_000", "prune_low_mem_060", "prune_low_test_060"), W0, "standard",
           "margin of D_mem = A_mem(0) - A_mem(0.6) >= 0.5 and A_test(0.6) >= 0.85, low-first"),
    _claim("GC-5", "Pruning high-IPR neurons removes generalisation and keeps memorisation",
           "Doshi et al. 2024 Fig. 6 (right)",
           [Bound(minus(P0("prune_high_test_000"), P0("prune_high_test_030")), ">=", 0.6),
            Bound(P0("prune_high_mem_030"), ">=", 0.7)],
           [Bound(minus(P0("prune_high_test_000"), P0("prune_high_test_030")), "<", 0.2),
            Bound(P0("prune_high_mem_030"), "<", 0.4)],
           ("prune_high_test_000", "prune_high_test_030", "prune_high_mem_030"), W0, "standard",
           "margin of D_test = A_test(0) - A_test(0.3) >= 0.6 and A_mem(0.3) >= 0.7, high-first"),
    _claim("GC-6", "IPR ranking is more selective than random pruning", "[X] prediction of Hypothesis 2.1",
           [Bound(minus(P0("prune_random_mem_060"), P0("prune_low_mem_060")), ">", 0.1),
            Bound(minus(P0("prune_random_test_030"), P0("prune_high_test_030")), ">", 0.1)],
           [Bound(minus(P0("prune_random_mem_060"), P0("prune_low_mem_060")), "<", 0.0),
            Bound(minus(P0("prune_random_test_030"), P0("prune_high_test_030")), "<", 0.0)],
           ("prune_random_mem_060", "prune_low_mem_060", "prune_random_test_030", "prune_high_test_030"), W0,
           "standard", "margin of S_mem > 0.1 and S_test > 0.1 (random minus IPR-ordered pruning)"),
    _claim("GC-7", "Removing the memorising neurons inverts the corrupted examples", "[T] Hypothesis 2.1 and Eq. 2",
           [Bound(P0("prune_low_inv_060"), ">=", 0.8),
            Bound(minus(P0("prune_low_inv_060"), P0("prune_low_inv_000")), ">=", 0.5)],
           [Bound(P0("prune_low_inv_060"), "<", 0.3)],
           ("prune_low_inv_060", "prune_low_inv_000"), W0, "standard",
           "margin of A_inv(0.6) >= 0.8 and A_inv(0.6) - A_inv(0) >= 0.5, low-first"),
    _claim("GC-8", "Weight decay trades memorisation for inversion and keeps generalisation",
           "Doshi et al. 2024 abstract (iii), Fig. 1",
           [Bound(minus(m("a_train", **C0), m("a_train", **C5)), ">=", 0.02),
            Bound(minus(m("a_train", **C5), m("a_train", **C15)), ">=", 0.02),
            Bound(minus(m("a_inv", **C15), m("a_inv", **C0)), ">=", 0.5), Bound(m("a_test", **C15), ">=", 0.9)],
           [Bound(minus(m("a_train", **C0), m("a_train", **C5)), "<", 0.0),
            Bound(minus(m("a_train", **C5), m("a_train", **C15)), "<", 0.0),
            Bound(minus(m("a_inv", **C15), m("a_inv", **C0)), "<", 0.0)],
           ("a_train", "a_inv", "a_test"), {"family": "common"}, "smoke",
           "margin of c1, c2 >= 0.02, c3 >= 0.5, A_test(15) >= 0.9 at T_c (effect c1 + c2)"),
    _claim("GC-9", "The weight-decay phase ladder is monotone: Coexistence, Partial, Full, Forgetting",
           "Doshi et al. 2024 Fig. 1, App. E",
           [Point(ladder_violations, "<=", 0.0), Bound(ladder_span, ">=", 2.0, scale=4.0),
            RankTrend(ladder_points, ">=", 0.7, method="kendall")],
           [Point(ladder_drops, ">", 0.5), RankTrend(ladder_points, "<=", 0.0, method="kendall")],
           ("rho", "a_test"), {"family": "ladder"}, "standard",
           "margin of all replicates monotone, span >= 2 ranks (/4), Kendall tau_b >= 0.7"),
    _claim("GC-10", "Strong weight decay lands on the clean-label ceiling A_FI", "Doshi et al. 2024 Fig. 1, App. C; D8",
           [Bound(m("fi_gap", **W15), ">=", -0.02), Bound(m("fi_gap", **W15), "<=", 0.02),
            Bound(m("a_test", **W15), ">=", 0.97), Bound(m("a_inv", **W15), ">=", 0.9)],
           [Bound(m("fi_gap", **W15), ">", 0.05), Bound(m("a_test", **W15), "<", 0.9)],
           ("fi_gap", "a_test", "a_inv"), W15, "smoke",
           "margin of |A_train - A_FI| <= 0.02, A_test >= 0.97, A_inv >= 0.9 at lambda = 15"),
    _claim("GC-11", "At lambda = 20 the network generalises, then both accuracies fall to chance (forgetting)",
           "Doshi et al. 2024 App. E",
           [Bound(m("peak_test", **W20), ">=", 0.9), Bound(m("a_test", **W20), "<=", 0.1),
            Bound(m("a_train", **W20), "<=", 0.1), Point(max_of("collapse", **W20), "<=", 1e-2, scale=1e-2)],
           [Bound(m("a_test", **W20), ">=", 0.9), Bound(m("peak_test", **W20), "<", 0.5)],
           ("peak_test", "a_test", "a_train", "collapse"), W20, "standard",
           "margin of peak A_test >= 0.9, final A_test, A_train <= 0.1, collapse ratio <= 1e-2 (/1e-2)"),
)
