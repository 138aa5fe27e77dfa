"""Claims GC-12..GC-20 of the grokking_corrupted spec (section 4): dynamics, localisation, dropout, BatchNorm, data,
corruption, width and the paper-budget phase diagrams, declared as shares of seeds (see claims.py)."""
from __future__ import annotations

import math

from redshift import CellMean, CellShare, RankTrend
from suites.grokking_corrupted.claims import BN, C0, C5, C15, D3, D6, TWIN, _claim, absolute, m, minus, most

DYN = {"family": "dynamics"}
Y15 = {"family": "dynamics", "wd": 15.0}
LOW_XI = {"family": "xi", "xi": (0.1, 0.2, 0.35)}  # the spec's xi <= 0.35 cells of the xi slice
HIGH_XI = {"family": "xi", "xi": (0.5, 0.7)}  # and its xi >= 0.5 cells


def _diagram(metric: str, wd: float, q: float) -> CellMean:
    """Per replicate: the fraction of the (alpha, xi) grid cells in a phase region (mean of a 0/1 metric)."""
    return m(metric, family="diagram", wd=wd, q=q)


CLAIMS_DYNAMICS = (
    # lambda = 5 runs at standard and paper only: its conditions read every dynamics case a budget has (CellShare
    # over family = dynamics), so the same declaration reads lambda = 15 alone at smoke.
    _claim("GC-12", "Two-stage dynamics: the network generalises before it unlearns the corrupted labels",
           "Doshi et al. 2024 abstract, last sentence; D13",
           (most("A_mem^pk at lambda 15", m("mem_peak", **Y15), ">=", 0.8),
            most("Delta_unl at lambda 15", m("unlearn", **Y15), ">=", 0.5),
            most("share of dynamics cases with Lambda > 0", CellShare("lag", ">", 0.0, DYN), ">=", 1.0),
            most("share of dynamics cases with Delta_unl >= 0.2", CellShare("unlearn", ">=", 0.2, DYN), ">=", 1.0),
            most("Lambda at lambda 15", m("lag", **Y15), ">=", 0.0, refutes=True),
            most("A_mem^pk at lambda 15", m("mem_peak", **Y15), ">=", 0.5, refutes=True)), "smoke"),
    _claim("GC-13", "Weight decay localises neurons in Fourier space", "Doshi et al. 2024 abstract (iv), Fig. 4",
           (most("IPR(15) - IPR(0)", minus(m("ipr_mean", **C15), m("ipr_mean", **C0)), ">=", 0.15),
            most("IPR(5) - IPR(0)", minus(m("ipr_mean", **C5), m("ipr_mean", **C0)), ">", 0.0),
            most("IPR(15) - IPR(5)", minus(m("ipr_mean", **C15), m("ipr_mean", **C5)), ">", 0.0),
            most("share_low(0) - share_low(15)", minus(m("ipr_share_low", **C0), m("ipr_share_low", **C15)), ">=", 0.1),
            most("IPR(15) - IPR(0)", minus(m("ipr_mean", **C15), m("ipr_mean", **C0)), ">=", 0.0, refutes=True)),
           "smoke"),
    _claim("GC-14", "Dropout inverts and localises like weight decay", "Doshi et al. 2024 abstract (iii)-(iv), Fig. 4",
           (most("A_train(q 0) - A_train(q 0.6)", minus(m("a_train", **C0), m("a_train", **D6)), ">=", 0.1),
            most("A_train(q 0) - A_train(q 0.3)", minus(m("a_train", **C0), m("a_train", **D3)), ">", 0.0),
            most("A_train(q 0.3) - A_train(q 0.6)", minus(m("a_train", **D3), m("a_train", **D6)), ">", 0.0),
            most("A_test(q 0.6)", m("a_test", **D6), ">=", 0.85),
            most("IPR(q 0.6) - IPR(q 0)", minus(m("ipr_mean", **D6), m("ipr_mean", **C0)), ">=", 0.1),
            most("A_train(q 0) - A_train(q 0.6)", minus(m("a_train", **C0), m("a_train", **D6)), ">=", 0.0,
                 refutes=True),
            most("IPR(q 0.6) - IPR(q 0)", minus(m("ipr_mean", **D6), m("ipr_mean", **C0)), ">=", 0.0, refutes=True)),
           "standard"),
    _claim("GC-17", "More data brings generalisation; little data, memorisation", "Doshi et al. 2024 phase diagrams",
           (most("Spearman(alpha, A_test)", RankTrend("a_test", "alpha", {"family": "alpha"}), ">=", 0.7),
            most("A_test(0.9) - A_test(0.5)",
                 minus(m("a_test", family="alpha", alpha=0.9), m("a_test", family="alpha", alpha=0.5)), ">=", 0.5),
            most("Spearman(alpha, A_test)", RankTrend("a_test", "alpha", {"family": "alpha"}), ">", 0.0,
                 refutes=True),
            most("A_test(0.9) - A_test(0.5)",
                 minus(m("a_test", family="alpha", alpha=0.9), m("a_test", family="alpha", alpha=0.5)), ">=", 0.0,
                 refutes=True)), "standard"),
    _claim("GC-18", "More corruption brings memorisation", "Doshi et al. 2024 phase diagrams",
           (most("A_test(xi <= 0.35) - A_test(xi >= 0.5)", minus(m("a_test", **LOW_XI), m("a_test", **HIGH_XI)),
                 ">=", 0.5),
            most("A_train(xi >= 0.5)", m("a_train", **HIGH_XI), ">=", 0.9),
            most("A_test(xi <= 0.35) - A_test(xi >= 0.5)", minus(m("a_test", **LOW_XI), m("a_test", **HIGH_XI)),
                 ">=", 0.0, refutes=True)), "standard"),
)

CLAIMS_WIDTH = (
    _claim("GC-19", "Narrower networks invert more", "Doshi et al. 2024 App. O; project calibration",
           (most("A_inv(256) - A_inv(500)", minus(m("a_inv", family="width", N=256), m("a_inv", family="width", N=500)),
                 ">=", 0.3),
            most("A_train(500) - A_train(256)",
                 minus(m("a_train", family="width", N=500), m("a_train", family="width", N=256)), ">", 0.0),
            most("A_inv(256) - A_inv(500)", minus(m("a_inv", family="width", N=256), m("a_inv", family="width", N=500)),
                 ">=", 0.0, refutes=True)), "standard"),
)

CLAIMS_DIAGRAM = (
    _claim("GC-20", "Regularisation enlarges the inversion region of the phase diagram",
           "Doshi et al. 2024 Fig. 1, appendix phase diagrams",
           (most("a_inv(lambda 15) - a_inv(lambda 0)",
                 minus(_diagram("inv_region", 15.0, 0.0), _diagram("inv_region", 0.0, 0.0)), ">=", 0.1),
            most("a_inv(q 0.6) - a_inv(q 0)",
                 minus(_diagram("inv_region", 0.0, 0.6), _diagram("inv_region", 0.0, 0.0)), ">=", 0.1),
            most("forgetting(lambda 20) - forgetting(lambda 15)",
                 minus(_diagram("forgetting", 20.0, 0.0), _diagram("forgetting", 15.0, 0.0)), ">=", 0.1),
            most("a_inv(lambda 15) - a_inv(lambda 0)",
                 minus(_diagram("inv_region", 15.0, 0.0), _diagram("inv_region", 0.0, 0.0)), ">=", 0.0, refutes=True),
            most("a_inv(q 0.6) - a_inv(q 0)",
                 minus(_diagram("inv_region", 0.0, 0.6), _diagram("inv_region", 0.0, 0.0)), ">=", 0.0, refutes=True)),
           "paper"),
)

CLAIMS_BATCHNORM = (
    _claim("GC-15", "BatchNorm de-amplifies memorising neurons: |gamma_k| grows with IPR_k",
           "Doshi et al. 2024 abstract (iv), Fig. 5; D15",
           (most("r_gamma", m("r_gamma", **BN), ">=", 0.5),
            most("log R_gamma", m("log_r_gamma", **BN), ">=", math.log(1.5)),
            most("r_gamma", m("r_gamma", **BN), ">", 0.0, refutes=True),
            most("log R_gamma", m("log_r_gamma", **BN), ">", 0.0, refutes=True)), "smoke"),
    _claim("GC-16", "BatchNorm inverts without removing low-IPR neurons (IPR distribution as without BN)",
           "Doshi et al. 2024 abstract (iv), Fig. 5; equivalence form [X]",
           (most("|share_low(BN) - share_low(twin)|",
                 absolute(minus(m("ipr_share_low", **BN), m("ipr_share_low", **TWIN))), "<=", 0.1, refutes=True),
            most("|share_high(BN) - share_high(twin)|",
                 absolute(minus(m("ipr_share_high", **BN), m("ipr_share_high", **TWIN))), "<=", 0.1, refutes=True),
            most("share_low(BN)", m("ipr_share_low", **BN), ">=", 0.3),
            most("A_inv(BN)", m("a_inv", **BN), ">=", 0.8)), "smoke"),
)
