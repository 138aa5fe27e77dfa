"""Claims GC-12..GC-20 of the grokking_corrupted spec (section 4): dynamics, localisation, dropout, BatchNorm, data,
corruption, width and the paper-budget phase diagrams. Statistics are margins.Conditions (see margins.py)."""
from __future__ import annotations

import math

import numpy as np

from redshift import Table
from redshift.stats import rank_correlation
from suites.grokking_corrupted.claims import BN, C0, C5, C15, D3, D6, TWIN, _claim, m, mean_point
from suites.grokking_corrupted.margins import Bound, Point, RankTrend, mapped, minus

Y15, Y5 = {"family": "dynamics", "wd": 15.0}, {"family": "dynamics", "wd": 5.0}
LAG_SCALE = 100.0  # Lambda margins in units of 100 steps
LOW_XI = {"family": "xi", "xi": lambda x: x <= 0.35}
HIGH_XI = {"family": "xi", "xi": lambda x: x >= 0.5}


def _diagram(metric: str, **reg):
    return m(metric, family="diagram", **reg)


def rank_trend(metric: str, axis: str, min_cases: int = 2, **where):
    """Spearman correlation of ``metric`` with case parameter ``axis`` over pooled (case, replicate) points (a point
    quantity); None (not run) with fewer than ``min_cases`` matching cases."""
    def q(table: Table) -> float | None:
        cases = table.cases(**where)
        if len(cases) < min_cases:
            return None
        vals = table.values(metric, **where) if metric in table.metrics else np.full((len(cases), 1), math.nan)
        if not np.isfinite(vals).all():
            return math.nan
        x = np.repeat([float(c[axis]) for c in cases], vals.shape[1])
        return rank_correlation(x, vals.reshape(-1))
    return q


def rank_points(metric: str, axis: str, min_cases: int = 2, **where):
    """(levels of case parameter ``axis`` (K,), ``metric`` (K, R)) over the matching cases, for a RankTrend condition;
    None (not run) with fewer than ``min_cases`` matching cases, all NaN (not evidence) when a value is missing."""
    def q(table: Table) -> tuple[np.ndarray, np.ndarray] | None:
        cases = table.cases(**where)
        if len(cases) < min_cases:
            return None
        vals = table.values(metric, **where) if metric in table.metrics else np.full((len(cases), 1), math.nan)
        if not np.isfinite(vals).all():
            vals = np.full(vals.shape, math.nan)
        return np.array([float(c[axis]) for c in cases]), vals
    return q


CLAIMS_DYNAMICS = (
    _claim("GC-12", "Two-stage dynamics: the network generalises before it unlearns the corrupted labels",
           "Doshi et al. 2024 abstract, last sentence; D13",
           [Bound(m("mem_peak", **Y15), ">=", 0.8), Bound(m("unlearn", **Y15), ">=", 0.5),
            Bound(m("lag", **Y15), ">", 0.0, scale=LAG_SCALE),
            Bound(m("lag", **Y5), ">", 0.0, scale=LAG_SCALE, optional=True),
            Bound(m("unlearn", **Y5), ">=", 0.2, optional=True)],
           [Bound(m("lag", **Y15), "<", 0.0, scale=LAG_SCALE), Bound(m("mem_peak", **Y15), "<", 0.5)],
           ("mem_peak", "unlearn", "lag"), {"family": "dynamics"}, "smoke",
           "margin of A_mem^pk >= 0.8, Delta_unl >= 0.5, Lambda > 0 (/100 steps) at lambda = 15; lambda = 5 where run"),
    _claim("GC-13", "Weight decay localises neurons in Fourier space", "Doshi et al. 2024 abstract (iv), Fig. 4",
           [Bound(minus(m("ipr_mean", **C15), m("ipr_mean", **C0)), ">=", 0.15),
            Bound(minus(m("ipr_mean", **C5), m("ipr_mean", **C0)), ">", 0.0),
            Bound(minus(m("ipr_mean", **C15), m("ipr_mean", **C5)), ">", 0.0),
            Bound(minus(m("ipr_share_low", **C0), m("ipr_share_low", **C15)), ">=", 0.1)],
           [Bound(minus(m("ipr_mean", **C15), m("ipr_mean", **C0)), "<", 0.0)],
           ("ipr_mean", "ipr_share_low"), {"family": "common"}, "smoke",
           "margin of IPR(15) - IPR(0) >= 0.15, both steps > 0, share_low drop >= 0.1 at T_c"),
    _claim("GC-14", "Dropout inverts and localises like weight decay", "Doshi et al. 2024 abstract (iii)-(iv), Fig. 4",
           [Bound(minus(m("a_train", **C0), m("a_train", **D6)), ">=", 0.1),
            Bound(minus(m("a_train", **C0), m("a_train", **D3)), ">", 0.0),
            Bound(minus(m("a_train", **D3), m("a_train", **D6)), ">", 0.0), Bound(m("a_test", **D6), ">=", 0.85),
            Bound(minus(m("ipr_mean", **D6), m("ipr_mean", **C0)), ">=", 0.1)],
           [Bound(minus(m("a_train", **C0), m("a_train", **D6)), "<", 0.0),
            Bound(minus(m("ipr_mean", **D6), m("ipr_mean", **C0)), "<", 0.0)],
           ("a_train", "a_test", "ipr_mean"), {"family": ("common", "dropout"), "wd": 0.0}, "standard",
           "margin of A_train(q0) - A_train(q0.6) >= 0.1, adjacent steps > 0, A_test(0.6) >= 0.85, IPR gain >= 0.1"),
    _claim("GC-17", "More data brings generalisation; little data, memorisation", "Doshi et al. 2024 phase diagrams",
           [RankTrend(rank_points("a_test", "alpha", family="alpha"), ">=", 0.7),
            Bound(minus(m("a_test", family="alpha", alpha=0.9), m("a_test", family="alpha", alpha=0.5)), ">=", 0.5)],
           [RankTrend(rank_points("a_test", "alpha", family="alpha"), "<=", 0.0),
            Bound(minus(m("a_test", family="alpha", alpha=0.9), m("a_test", family="alpha", alpha=0.5)), "<", 0.0)],
           ("a_test",), {"family": "alpha"}, "standard", "margin of Spearman(alpha, A_test) >= 0.7, contrast >= 0.5"),
    _claim("GC-18", "More corruption brings memorisation", "Doshi et al. 2024 phase diagrams",
           [Bound(minus(m("a_test", **LOW_XI), m("a_test", **HIGH_XI)), ">=", 0.5),
            Bound(m("a_train", **HIGH_XI), ">=", 0.9)],
           [Bound(minus(m("a_test", **LOW_XI), m("a_test", **HIGH_XI)), "<", 0.0)],
           ("a_test", "a_train"), {"family": "xi"}, "standard",
           "margin of A_test(xi <= 0.35) - A_test(xi >= 0.5) >= 0.5 and A_train(xi >= 0.5) >= 0.9"),
)

CLAIMS_WIDTH = (
    _claim("GC-19", "Narrower networks invert more", "Doshi et al. 2024 App. O; project calibration",
           [Bound(minus(m("a_inv", family="width", N=256), m("a_inv", family="width", N=500)), ">=", 0.3),
            Bound(minus(m("a_train", family="width", N=500), m("a_train", family="width", N=256)), ">", 0.0),
            Point(rank_trend("a_inv", "N", min_cases=3, family="width"), "<=", -0.7,
                 optional=True)],
           [Bound(minus(m("a_inv", family="width", N=256), m("a_inv", family="width", N=500)), "<", 0.0)],
           ("a_inv", "a_train"), {"family": "width"}, "standard",
           "margin of A_inv(256) - A_inv(500) >= 0.3, A_train(500) - A_train(256) > 0 (Spearman at paper)"),
)

CLAIMS_DIAGRAM = (
    _claim("GC-20", "Regularisation enlarges the inversion region of the phase diagram",
           "Doshi et al. 2024 Fig. 1, appendix phase diagrams",
           [Bound(minus(_diagram("inv_region", wd=15.0, q=0.0), _diagram("inv_region", wd=0.0, q=0.0)), ">=", 0.1),
            Bound(minus(_diagram("inv_region", wd=0.0, q=0.6), _diagram("inv_region", wd=0.0, q=0.0)), ">=", 0.1),
            Bound(minus(_diagram("forgetting", wd=20.0, q=0.0), _diagram("forgetting", wd=15.0, q=0.0)), ">=", 0.1)],
           [Bound(minus(_diagram("inv_region", wd=15.0, q=0.0), _diagram("inv_region", wd=0.0, q=0.0)), "<", 0.0),
            Bound(minus(_diagram("inv_region", wd=0.0, q=0.6), _diagram("inv_region", wd=0.0, q=0.0)), "<", 0.0)],
           ("inv_region", "forgetting"), {"family": "diagram"}, "paper",
           "margin of inversion-area gains >= 0.1 (lambda 15 vs 0, q 0.6 vs 0) and forgetting gain >= 0.1"),
)

CLAIMS_BATCHNORM = (
    _claim("GC-15", "BatchNorm de-amplifies memorising neurons: |gamma_k| grows with IPR_k",
           "Doshi et al. 2024 abstract (iv), Fig. 5; D15",
           [Point(mean_point(m("r_gamma", **BN), np.arctanh, np.tanh), ">=", 0.5),
            Bound(mapped(m("r_gamma", **BN), np.arctanh), ">=", math.atanh(0.3)),
            Point(mean_point(m("log_r_gamma", **BN), np.exp), ">=", 1.5),
            Bound(m("log_r_gamma", **BN), ">=", math.log(1.2))],
           [Bound(mapped(m("r_gamma", **BN), np.arctanh), "<=", 0.0), Bound(m("log_r_gamma", **BN), "<=", 0.0)],
           ("r_gamma", "log_r_gamma"), BN, "smoke",
           "margin of Fisher-mean r_gamma >= 0.5 with lb(z) >= atanh 0.3, mean R_gamma >= 1.5 with lb(log R) >= "
           "log 1.2"),
    _claim("GC-16", "BatchNorm inverts without removing low-IPR neurons (IPR distribution as without BN)",
           "Doshi et al. 2024 abstract (iv), Fig. 5; equivalence form [X]",
           [Bound(minus(m("ipr_share_low", **BN), m("ipr_share_low", **TWIN)), ">=", -0.1),
            Bound(minus(m("ipr_share_low", **BN), m("ipr_share_low", **TWIN)), "<=", 0.1),
            Bound(minus(m("ipr_share_high", **BN), m("ipr_share_high", **TWIN)), ">=", -0.1),
            Bound(minus(m("ipr_share_high", **BN), m("ipr_share_high", **TWIN)), "<=", 0.1),
            Bound(m("ipr_share_low", **BN), ">=", 0.3), Bound(m("a_inv", **BN), ">=", 0.8)],
           [Bound(minus(m("ipr_share_low", **BN), m("ipr_share_low", **TWIN)), ">", 0.1),
            Bound(minus(m("ipr_share_low", **BN), m("ipr_share_low", **TWIN)), "<", -0.1),
            Bound(minus(m("ipr_share_high", **BN), m("ipr_share_high", **TWIN)), ">", 0.1),
            Bound(minus(m("ipr_share_high", **BN), m("ipr_share_high", **TWIN)), "<", -0.1)],
           ("ipr_share_low", "ipr_share_high", "a_inv"), {}, "standard",
           "margin of |Delta share_low|, |Delta share_high| <= 0.1 (BN - twin), share_low(BN) >= 0.3, A_inv >= 0.8"),
)
