"""The claims IB-1..IB-13 of the init_implicit_bias suite (spec section 4), declared as data.

Multi-condition claims are scored (see scores.py): effect > 0 means every condition passes its support
bound, effect < -1 means one passes its refute bound. Claims whose support and refute bounds coincide
at 0 (IB-8, IB-11) use SIGN = Rule(Above(0), refute=Below(0)) on the raw quantity instead. Where the
spec asks for "rho-bar >= 0.9 with CI lower bound > 0.5", the score requires the stricter "CI lower
bound > 0.9" (the engine decides on a CI, not on a point estimate); this can only turn a supported
verdict into inconclusive, never the reverse. IB-1 and IB-2 check identities (one replicate is proof)
and are declared exact, so their zero-spread replicates are not floored at the sign test's p.
"""

from __future__ import annotations

import numpy as np

from redshift import Above, Below, Claim, Custom, Rule
from suites.init_implicit_bias import scores as sc

SCORED = Rule(Above(0.0), refute=Below(-1.0))
SHAPE = {"family": "shape", "rule": "fixed", "c": 0.2}
SIGN = Rule(Above(0.0), refute=Below(0.0))      # claims whose support and refute bounds coincide at 0
EXACT = Rule(Above(9.0), refute=Below(6.0))      # -log10 of an identity error: <= 1e-9 supports, > 1e-6 refutes


def _any(_: object) -> bool:
    return True


def _le_01(x: float) -> bool:
    return x <= 0.1


def _le_1(x: float) -> bool:
    return x <= 1.0


def _ib1(t) -> float:
    v = sc.cells(t, "e_proj")
    return sc.neg_log10(float(np.nanmax(v))) if v is not None else sc.NAN


def _ib2(t) -> float:
    worst_id = float(np.nanmax(sc.values(t, "eid")))
    exact = [sc.values(t, "null_res", w1=("zero", "row")), sc.values(t, "null_res", sigma_out=0.0)]
    exact = np.concatenate([e.ravel() for e in exact])
    score = sc.neg_log10(max(worst_id, float(np.nanmax(exact))))
    return score if np.isfinite(exact).all() else min(score, 9.0)   # an unconverged exact run cannot support


def _ib3(t) -> float:
    v = sc.cells(t, "d_gf", **SHAPE)
    return float(np.nanmean(v, axis=1).max()) if v is not None else sc.NAN


def _alpha_min(t, **where) -> float:
    return float(sc.axis(t, "alpha", **where).min())


def _ib4(t) -> float:
    sel = dict(SHAPE, D=2)
    rho = sc.mean_spearman(sc.cells(t, "pi", **sel), sc.axis(t, "alpha", **sel))
    contrast = sc.paired_diff(t, "pi", dict(sel, alpha=_alpha_min(t, **sel)), dict(sel, alpha=10.0))
    return sc.combine(sc.above(rho, 0.9, 0.0), sc.above(contrast, 0.5, 0.0))


def _ib5(t) -> float:
    parts = []
    for D in (2, 3, 4):
        s = sc.mean_slope(sc.cells(t, "d_l2", D=D, tol=1e-12), sc.axis(t, "alpha", D=D, tol=1e-12))
        hi = -2 * D + 0.5
        parts += [max((s - (-2 * D - 0.5)) / 0.5, -1.0) if np.isfinite(s) else sc.NAN, (hi - s) / (-1 - hi)]
        v = sc.cells(t, "d_l2", D=D, alpha=4.0, tol=1e-12)
        parts.append(sc.below(float(np.nanmean(v)) / 1e-3, 1.0) if v is not None else sc.NAN)
    return sc.combine(*parts)


def _ib6(t) -> float:
    keep = np.nanmin(sc.values(t, "recoverable", tau=_any), axis=0) > 0   # LP-recoverable replicates (paired, P10)
    if keep.sum() < 3:
        return sc.NAN
    d2, d3 = sc.cells(t, "d_l1", D=2, tau=1e-6), sc.cells(t, "d_l1", D=3, tau=1e-6)
    if d2 is None or d3 is None:
        return sc.NAN
    ratio = np.log10(d2[0, keep] / d3[0, keep])
    parts = [sc.above(float(np.nanmean(ratio)), 1.0, 0.0)]
    for D in (3, 4):
        v = sc.cells(t, "d_l1", D=D, tau=_any)
        slope = sc.mean_slope(v[:, keep] if v is not None else None, sc.axis(t, "tau", D=D, tau=_any))
        parts.append(sc.inside(slope, 0.75, 1.25))
    return sc.combine(*parts)


def _small_large(t, family: str, **extra) -> list[tuple[float, float]]:
    """err(alpha = 3) - err(alpha_small) per n; the decisive alpha_small is the largest small one (IB-7, IB-8)."""
    out = []
    for n in sorted(set(sc.axis(t, "n", family=family, **extra))):
        sel = dict(family=family, n=int(n), D=2, rule="fixed", **extra)
        small = max(a for a in sc.axis(t, "alpha", **sel) if a < 3.0)
        out.append(sc.paired_diff(t, "err", dict(sel, alpha=small), dict(sel, alpha=3.0)))
    return out


def _ib7(t) -> float:
    return sc.combine(*[sc.above(c, 0.2, 0.0) for c in _small_large(t, "rec")])


def _ib8(t) -> float:
    return float(-np.max(_small_large(t, "dense")))      # min over n of err(small) - err(large)


def _ib9(t) -> float:
    parts = []
    for L in (2, 3, 4):
        sel = {"L": L, "w1": "gauss"}
        pi = sc.cells(t, "pi", **sel)
        parts.append(sc.above(float(np.nanmean(pi, axis=1).min()), 0.9, 0.5) if pi is not None else sc.NAN)
        parts.append(sc.above(sc.mean_spearman(sc.cells(t, "d_l2", **sel), sc.axis(t, "sigma", **sel)), 0.9, 0.0))
        small = dict(sel, sigma=_le_01)
        parts.append(sc.inside(sc.mean_slope(sc.cells(t, "d_l2", **small), sc.axis(t, "sigma", **small)), 0.7, 1.3))
    return sc.combine(*parts)


def _ib10(t) -> float:
    rho = sc.mean_spearman(sc.cells(t, "d_l2", sigma_out=_any), sc.axis(t, "sigma_out", sigma_out=_any))
    at0 = sc.values(t, "d_l2", sigma_out=0.0)
    exact = (sc.neg_log10(float(np.nanmax(at0))) - 6.0) / 3.0 if np.isfinite(at0).any() else sc.NAN
    return sc.combine(sc.above(rho, 0.9, 0.0), exact)


def _ib11(t) -> float:
    """min over alpha of (max(rho-bar(d_GF, c) - 0.8, 0), err(c_max) - err(c_min)) under SIGN: the trend part
    can block support but never refute (it is >= 0), the contrast part decides both ways at 0 (spec IB-11)."""
    parts = []
    for alpha in sorted(set(sc.axis(t, "alpha", rule="adaptive"))):
        sel = {"rule": "adaptive", "alpha": alpha}
        cs = sc.axis(t, "c", **sel)
        rho = sc.mean_spearman(sc.cells(t, "d_gf", **sel), cs)
        parts += [max(rho - 0.8, 0.0) if np.isfinite(rho) else sc.NAN,
                  sc.paired_diff(t, "err", dict(sel, c=cs.min()), dict(sel, c=cs.max()))]
    return sc.combine(*parts)


def _ib12(t) -> float:
    parts = []
    for D in (2, 3, 4):
        sel = dict(SHAPE, D=D, alpha=_le_1)
        rho = sc.mean_spearman(sc.cells(t, "T", **sel), sc.axis(t, "alpha", **sel))
        parts.append(sc.below(rho, -0.9, 0.0) if D == 2 else sc.below(rho, 0.0))
    moved = float(np.nanmax(sc.values(t, "moved")))
    return sc.combine(*parts, 1.0 - 3.0 * moved)


def _ib13(t) -> float:
    """Score per N: (rho-bar(erank, sigma) - 0.8)/0.8 and (e_MC(sigma = 1) - e_MC(sigma_min) - 0.2)/0.2 (refuted
    below 0); with several N (standard) also e_MC(N = 2) - e_MC(N = 3) at sigma = 0.01 (support only; a cell
    with > 25% unconverged runs makes it NaN, i.e. inconclusive, spec P5)."""
    parts = []
    Ns = sorted({int(n) for n in sc.axis(t, "N")})
    for N in Ns:
        sigma = sc.axis(t, "sigma", N=N)
        parts.append(sc.above(sc.mean_spearman(sc.cells(t, "erank", N=N), sigma), 0.8, 0.0))
        contrast = sc.paired_diff(t, "e_mc", {"N": N, "sigma": sigma.min()}, {"N": N, "sigma": 1.0})
        parts.append(sc.above(contrast, 0.2, 0.0))
    if len(Ns) > 1:
        parts.append(sc.above(sc.paired_diff(t, "e_mc", {"N": 3, "sigma": 0.01}, {"N": 2, "sigma": 0.01}), 0.0))
    return sc.combine(*parts)


def _claim(cid: str, statement: str, source: str, fn, metrics: tuple[str, ...], description: str,
           rule: Rule = SCORED, decisive_at: str = "smoke", exact: bool = False) -> Claim:
    return Claim(id=cid, statement=statement, source=source, statistic=Custom(fn, metrics, description),
                 rule=rule, predicted="supported", decisive_at=decisive_at, exact=exact)


PROJ_CLAIMS = (
    _claim("IB-1", "GD on least squares from w0 converges to P_null w0 + x_l2, the interpolant closest to w0 "
           "(zero init gives exactly x_l2)", "Gunasekar et al. 2018 (theory); spec IB-1, M14", _ib1, ("e_proj",),
           "-log10 of the largest E_proj over converged runs (s = 0 included: there E_proj = d_l2)",
           rule=EXACT, exact=True),
)

DIAG_CLAIMS = (
    _claim("IB-3", "Small-step GD on depth-D diagonal networks lands on the gradient-flow limit argmin Q^D_alpha "
           "s.t. A beta = b across the alpha range", "Woodworth et al. 2020, Thm 1 and depth D; spec IB-3, M10-M11",
           _ib3, ("d_gf",), "largest cell mean of d_GF over the F-shape GD grids",
           rule=Rule(Below(0.02), refute=Above(0.10))),
    _claim("IB-4", "As alpha decreases, the D = 2 solution moves monotonically from the min-l2 end (pi ~ 1) to the "
           "min-l1 end (pi -> 0)", "Woodworth et al. 2020; spec IB-4", _ib4, ("pi",),
           "score min((rho-bar(pi, alpha) - 0.9)/0.9, (pi(10) - pi(alpha_min) - 0.5)/0.5)"),
    _claim("IB-5", "For large alpha diagonal networks converge to x_l2 with d_l2 ~ alpha^(-2D)",
           "Woodworth et al. 2020; Chizat et al. 2019; exponent derived (spec IB-5)", _ib5, ("d_l2",),
           "score: every D's mean log-log slope over alpha in {1, 2, 4} within -2D +- 0.5 (refute above -1) "
           "and mean d_l2(alpha = 4) < 1e-3"),
    _claim("IB-7", "Above the l1 phase transition small-alpha diagonal networks recover the sparse truth far better "
           "than large-alpha ones", "IB-4 with Candes & Tao, Donoho & Tanner; spec IB-7", _ib7, ("err",),
           "score (err(alpha = 3) - err(alpha_small) - 0.2)/0.2 on F-rec, all replicates"),
    _claim("IB-8", "On dense Gaussian truths the large-alpha network (~ min-l2) recovers x* better than the small-"
           "alpha one", "derived: E[x* | A, b] = x_l2 (spec IB-8)", _ib8, ("err",),
           "min over n of mean err(alpha_small) - err(alpha = 3) on F-dense",
           rule=SIGN),
    _claim("IB-11", "Larger GD steps move diagonal networks away from the gradient-flow limit, towards worse sparse "
           "recovery", "Even et al. 2023; spec IB-11", _ib11, ("d_gf", "err"),
           "min(max(rho-bar(d_GF, c) - 0.8, 0), err(c_max) - err(c_min)) over alpha, adaptive rule, F-shape "
           "instances conditioned on LP-recoverability", rule=SIGN, decisive_at="standard"),
    _claim("IB-12", "Small initialisation makes optimisation slow (GF time T grows as alpha falls below 1) and zero "
           "initialisation never moves", "saddle at the origin; Berthier 2023; Pesme & Flammarion 2023; spec IB-12",
           _ib12, ("T", "moved"), "score min((-0.9 - rho-bar(T, alpha | D=2))/0.9, -rho-bar(D=3), -rho-bar(D=4), "
           "1 - 3 * any-parameter-moved)"),
)

ORACLE_CLAIMS = (
    _claim("IB-6", "At equal end-to-end scale tau = alpha^D deeper diagonal networks are much closer to x_l1, and "
           "for D >= 3 the distance falls linearly in tau", "Woodworth et al. 2020 (depth D); Matt & Stoger 2025; "
           "spec IB-6", _ib6, ("d_l1", "recoverable"),
           "score min(mean log10(d_l1(D=2)/d_l1(D=3)) at tau = 1e-6 - 1, slope(D=3), slope(D=4) in [0.75, 1.25]), "
           "oracle, LP-recoverable F-rec replicates"),
)

FACTORISED_CLAIMS = (
    _claim("IB-2", "With a bias-free linear output layer, P_null y(t) = P_null W1(0) h(t) at every GD step; a zero "
           "or row-space output layer (or sigma_out = 0) gives exactly x_l2", "derived (spec IB-2, M13)", _ib2,
           ("eid", "null_res"), "-log10 max(max E_id over all runs, N(y_inf) of the zero/row/sigma_out = 0 runs)",
           rule=EXACT, exact=True),
    _claim("IB-9", "Fully connected deep linear networks never approach the min-l1 end; their distance to x_l2 grows "
           "with sigma and vanishes linearly as sigma -> 0, at every depth", "Yun et al. 2021; Du et al. 2018; IB-2; "
           "spec IB-9", _ib9, ("pi", "d_l2"),
           "score per L: min cell mean pi >= 0.9 (refute < 0.5), rho-bar(d_l2, sigma) >= 0.9, slope over sigma <= 0.1 "
           "in [0.7, 1.3]"),
    _claim("IB-10", "In the ReLU generator the output-layer scale controls the deviation from min-l2: d_l2 grows "
           "with sigma_out and is 0 at sigma_out = 0", "IB-2 applied to a nonlinear network (spec IB-10)", _ib10,
           ("d_l2",), "score min((rho-bar(d_l2, sigma_out) - 0.9)/0.9, (-log10 max d_l2(sigma_out = 0) - 6)/3)"),
)

COMPLETION_CLAIMS = (
    _claim("IB-13", "Small initialisation (and, at standard, depth) favours low-rank matrix completion: the "
           "effective rank of W grows with sigma and small sigma completes M* far better than sigma = 1",
           "Gunasekar et al. 2017; Arora et al. 2019 (theory); spec IB-13 (optional)", _ib13, ("erank", "e_mc"),
           "score min over N of (rho-bar(erank, sigma) - 0.8)/0.8 and (e_MC(1) - e_MC(sigma_min) - 0.2)/0.2; "
           "at standard also e_MC(N=2) - e_MC(N=3) at sigma = 0.01 (support only)", decisive_at="standard"),
)
