"""Claims GC-1..GC-11 of the grokking_corrupted spec (section 4), declared as parts (redshift.parts).

Every part is a share of replicates (seeds), tested exactly (binomial, Clopper-Pearson): "most seeds" reach the
spec's threshold. The spec's lb(X) >= t on a mean of an accuracy, IPR share or contrast cannot be decided by the
calibrated inference at the suite's replicate counts (the metrics lie in [0, 1] and their contrasts in [-1, 1]; four
replicates all at 1.0 cannot rule out an unseen failing seed), and the paper's statements come from single-seed runs,
i.e. they say what a seed does. So each spec condition "lb(X) >= t" is the part "seeds with X >= t", supported when
that share is above one half, and each refute condition "ub(X) < t" is the part "seeds with X >= t" refuted when the
share is below one half (most seeds miss t). The spec's named effects remain record metrics and figures.
"""
from __future__ import annotations

from redshift import Above, Below, CellMean, CellShare, Claim, Diff, Least, Part, RankTrend, Scaled, Share

LADDER = (0.0, 5.0, 15.0, 20.0)
HALF = 0.5  # "most seeds": the share of replicates must exceed one half


def most(name: str, q, op: str, t: float, refutes: bool = False) -> Part:
    """The part "seeds with q op t" (a share of replicates): supported above one half; with ``refutes``, refuted
    below one half (most seeds miss t)."""
    return Part(f"seeds with {name} {op} {t:g}", "share", Share(q, op, t), support=Above(HALF),
                refute=Below(HALF) if refutes else None)


def few(name: str, q, op: str, t: float) -> Part:
    """The part "seeds with q op t" that refutes the claim when most seeds show it, and supports it when few do."""
    return Part(f"seeds with {name} {op} {t:g}", "share", Share(q, op, t), support=Below(HALF), refute=Above(HALF))


def m(metric: str, **where) -> CellMean:
    return CellMean(metric, where)


def minus(b, a) -> Diff:
    return Diff(b, a)


def absolute(q) -> Least:
    """|q| per replicate (the larger of q and -q)."""
    return Least((q, Scaled(q, -1.0)), how="max")


def _claim(cid: str, statement: str, source: str, parts: tuple[Part, ...], decisive: str) -> Claim:
    return Claim(id=cid, statement=statement, source=source, parts=parts, predicted="supported", decisive_at=decisive)


W0, W5, W15, W20 = ({"family": "ladder", "wd": w} for w in LADDER)
C0, C5, C15 = ({"family": "common", "wd": w} for w in (0.0, 5.0, 15.0))
D3, D6 = ({"family": "dropout", "q": q} for q in (0.3, 0.6))
BN, TWIN = {"bn": True}, {"bn": False}
CLEAN = {"family": "clean"}


def P0(metric: str) -> CellMean:
    """Pruning metrics live on the lambda = 0 T_0 case."""
    return m(metric, **W0)


# GC-9: the ladder index rho (NaN for Confusion) and the phase code (Confusion = 5) along lambda = 0, 5, 15, 20.
def _steps_back(metric: str) -> Least:
    """The largest backward step of ``metric`` between adjacent weight decays (negative when strictly increasing)."""
    cells = [m(metric, **w) for w in (W0, W5, W15, W20)]
    return Least(tuple(minus(a, b) for a, b in zip(cells, cells[1:])), how="max")


# A replicate's ladder is monotone when no phase code steps back and no cell is Confusion (spec: Confusion is a
# violation); the Confusion share is scaled by 10 so that any Confusion cell makes the quantity positive.
LADDER_VIOLATION = Least((_steps_back("phase"), Scaled(CellShare("phase", ">=", 5.0, {"family": "ladder"}), 10.0)),
                         how="max")
LADDER_DROP = _steps_back("rho")  # NaN where a cell is Confusion (no rank)
LADDER_SPAN = minus(m("rho", **W20), m("rho", **W0))
LADDER_TAU = RankTrend("rho", "wd", {"family": "ladder"}, method="kendall")

CLAIMS_CLEAN = (
    _claim("GC-1", "Without corruption, a regularised network generalises perfectly with Fourier-localised neurons",
           "Doshi et al. 2024 s1, Fig. 2; Gromov 2023",
           (most("A_test", m("a_test", **CLEAN), ">=", 0.97), most("mean IPR", m("ipr_mean", **CLEAN), ">=", 0.5),
            most("A_test", m("a_test", **CLEAN), ">=", 0.9, refutes=True),
            most("mean IPR", m("ipr_mean", **CLEAN), ">=", 0.3, refutes=True)), "smoke"),
)

CLAIMS_FULLBATCH = (
    _claim("GC-2", "At lambda = 0 the network memorises most corrupted labels and generalises (coexistence)",
           "Doshi et al. 2024 abstract (i), Fig. 1a",
           (most("A_test", m("a_test", **W0), ">=", 0.85), most("A_train", m("a_train", **W0), ">=", 0.85),
            most("A_mem", m("a_mem", **W0), ">=", 0.7), most("A_mem", m("a_mem", **W0), ">=", 0.5, refutes=True),
            most("A_test", m("a_test", **W0), ">=", 0.5, refutes=True)), "standard"),
    _claim("GC-3", "Neurons split into Fourier-localised and delocalised populations with few in between",
           "Doshi et al. 2024 Hypothesis 2.1, Fig. 4 (left)",
           (most("share_low", m("ipr_share_low", **W0), ">=", 0.3),
            most("share_high", m("ipr_share_high", **W0), ">=", 0.15),
            most("share_mid", m("ipr_share_mid", **W0), "<=", 0.10),
            most("share_high", m("ipr_share_high", **W0), ">=", 0.05, refutes=True),
            most("share_mid", m("ipr_share_mid", **W0), "<=", 0.25, refutes=True)), "standard"),
    _claim("GC-4", "Pruning low-IPR neurons removes memorisation and keeps generalisation",
           "Doshi et al. 2024 abstract (ii), Fig. 6 (left)",
           (most("D_mem = A_mem(0) - A_mem(0.6), low-first", minus(P0("prune_low_mem_000"), P0("prune_low_mem_060")),
                 ">=", 0.5),
            most("A_test(0.6), low-first", P0("prune_low_test_060"), ">=", 0.85),
            most("D_mem", minus(P0("prune_low_mem_000"), P0("prune_low_mem_060")), ">=", 0.2, refutes=True),
            most("A_test(0.6), low-first", P0("prune_low_test_060"), ">=", 0.5, refutes=True)), "standard"),
    _claim("GC-5", "Pruning high-IPR neurons removes generalisation and keeps memorisation",
           "Doshi et al. 2024 Fig. 6 (right)",
           (most("D_test = A_test(0) - A_test(0.3), high-first",
                 minus(P0("prune_high_test_000"), P0("prune_high_test_030")), ">=", 0.6),
            most("A_mem(0.3), high-first", P0("prune_high_mem_030"), ">=", 0.7),
            most("D_test", minus(P0("prune_high_test_000"), P0("prune_high_test_030")), ">=", 0.2, refutes=True),
            most("A_mem(0.3), high-first", P0("prune_high_mem_030"), ">=", 0.4, refutes=True)), "standard"),
    _claim("GC-6", "IPR ranking is more selective than random pruning", "[X] prediction of Hypothesis 2.1",
           (most("S_mem = A_mem(random, 0.6) - A_mem(low, 0.6)",
                 minus(P0("prune_random_mem_060"), P0("prune_low_mem_060")), ">", 0.1),
            most("S_test = A_test(random, 0.3) - A_test(high, 0.3)",
                 minus(P0("prune_random_test_030"), P0("prune_high_test_030")), ">", 0.1),
            most("S_mem", minus(P0("prune_random_mem_060"), P0("prune_low_mem_060")), ">=", 0.0, refutes=True),
            most("S_test", minus(P0("prune_random_test_030"), P0("prune_high_test_030")), ">=", 0.0, refutes=True)),
           "standard"),
    _claim("GC-7", "Removing the memorising neurons inverts the corrupted examples", "[T] Hypothesis 2.1 and Eq. 2",
           (most("A_inv(0.6), low-first", P0("prune_low_inv_060"), ">=", 0.8),
            most("A_inv(0.6) - A_inv(0)", minus(P0("prune_low_inv_060"), P0("prune_low_inv_000")), ">=", 0.5),
            most("A_inv(0.6), low-first", P0("prune_low_inv_060"), ">=", 0.3, refutes=True)), "standard"),
    _claim("GC-8", "Weight decay trades memorisation for inversion and keeps generalisation",
           "Doshi et al. 2024 abstract (iii), Fig. 1",
           (most("c1 = A_train(0) - A_train(5)", minus(m("a_train", **C0), m("a_train", **C5)), ">=", 0.02),
            most("c2 = A_train(5) - A_train(15)", minus(m("a_train", **C5), m("a_train", **C15)), ">=", 0.02),
            most("c3 = A_inv(15) - A_inv(0)", minus(m("a_inv", **C15), m("a_inv", **C0)), ">=", 0.5),
            most("A_test(15)", m("a_test", **C15), ">=", 0.9),
            most("c1", minus(m("a_train", **C0), m("a_train", **C5)), ">=", 0.0, refutes=True),
            most("c2", minus(m("a_train", **C5), m("a_train", **C15)), ">=", 0.0, refutes=True),
            most("c3", minus(m("a_inv", **C15), m("a_inv", **C0)), ">=", 0.0, refutes=True)), "smoke"),
    _claim("GC-9", "The weight-decay phase ladder is monotone: Coexistence, Partial, Full, Forgetting",
           "Doshi et al. 2024 Fig. 1, App. E",
           (most("largest backward phase step (a Confusion cell counts as one)", LADDER_VIOLATION, "<=", 0.0),
            most("span rho(20) - rho(0)", LADDER_SPAN, ">=", 2.0),
            most("Kendall tau_b(lambda, rho)", LADDER_TAU, ">=", 0.7),
            few("largest backward rank step rho", LADDER_DROP, ">=", 2.0),
            most("Kendall tau_b(lambda, rho)", LADDER_TAU, ">", 0.0, refutes=True)), "standard"),
    _claim("GC-10", "Strong weight decay lands on the clean-label ceiling A_FI", "Doshi et al. 2024 Fig. 1, App. C; D8",
           (most("|A_train - A_FI|", absolute(m("fi_gap", **W15)), "<=", 0.02),
            most("A_test", m("a_test", **W15), ">=", 0.97), most("A_inv", m("a_inv", **W15), ">=", 0.9),
            most("A_train - A_FI", m("fi_gap", **W15), "<=", 0.05, refutes=True),
            most("A_test", m("a_test", **W15), ">=", 0.9, refutes=True)), "smoke"),
    _claim("GC-11", "At lambda = 20 the network generalises, then both accuracies fall to chance (forgetting)",
           "Doshi et al. 2024 App. E",
           (most("peak A_test", m("peak_test", **W20), ">=", 0.9), most("final A_test", m("a_test", **W20), "<=", 0.1),
            most("final A_train", m("a_train", **W20), "<=", 0.1),
            most("collapse ratio", m("collapse", **W20), "<=", 1e-2),
            most("final A_test", m("a_test", **W20), "<", 0.9, refutes=True),
            most("peak A_test", m("peak_test", **W20), ">=", 0.5, refutes=True)), "standard"),
)
