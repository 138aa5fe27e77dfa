"""Claims NR-1..NR-12 of the Neural Redshift spec (section 4), declared as engine parts.

Every part is a paper quantity in its unit, measured once per replicate (one random network per cell and seed):
C_hat (spec M8), a ratio of C_hat spreads or differences, or a rank correlation. All grid claims read M3 in C_hat
units ("c_fourier"); NR-12 reads M2 ("c_fourier_raw"). alpha_hi = 8 and L_hi = 6 at every budget (A_HI, L_HI): one
declaration serves every budget, so the paper budget's (16, 7) cells are run and reported, not claimed on.
"""
from __future__ import annotations

from redshift import (Above, Below, CellMean, Claim, Diff, Extreme, Least, Part, RankTrend, Ratio, Scaled, Share)
from redshift.quantities import CellCorrelation, Median

M, RAW = "c_fourier", "c_fourier_raw"
SAT = ("tanh", "gaussian", "sine")  # the saturating activations
A_HI, L_HI = 8.0, 6  # spec 4: alpha_hi and L_hi at smoke and standard
PLAIN = {"variant": "plain"}


def _deep(depth: float) -> bool:
    """Plain cells with L >= 3 (NR-2 (b))."""
    return depth >= 3


def _large(alpha: float) -> bool:
    """alpha >= 4 (NR-3 (b))."""
    return alpha >= 4


def _huge(alpha: float) -> bool:
    """A >= 10 (NR-12 (b))."""
    return alpha >= 10


def total(qs: tuple) -> object:
    """The per-replicate sum of several quantities (b - (-a), nested)."""
    out = qs[0]
    for q in qs[1:]:
        out = Diff(out, Scaled(q, -1.0))
    return out


def mean_of(qs: tuple) -> object:
    """The per-replicate mean of several quantities."""
    return Scaled(total(qs), 1.0 / len(qs))


def top(act, variant: str = "plain", metric: str = M) -> CellMean:
    """C_hat of a variant at (L_hi, alpha_hi); act may be a tuple (the mean over those activations)."""
    return CellMean(metric, {"variant": variant, "act": act, "alpha": A_HI, "depth": L_HI})


def delta_alpha(variant: str, act) -> Diff:
    """Delta_alpha(act, L_hi) = m(alpha_hi) - m(alpha = 1) at L_hi (spec M13); a tuple act gives the mean over acts."""
    at = {"variant": variant, "act": act, "depth": L_HI}
    return Diff(CellMean(M, at | {"alpha": A_HI}), CellMean(M, at | {"alpha": 1.0}))


def _claim(cid: str, statement: str, source: str, parts: tuple, decisive_at: str = "smoke") -> Claim:
    return Claim(id=cid, statement=statement, source=source, parts=parts, predicted="supported",
                 decisive_at=decisive_at)


# NR-1: ReLU simplicity is insensitive to depth and weight magnitude.
def spread(act, where=PLAIN, metric: str = M) -> Extreme:
    return Extreme(metric, dict(where) | {"act": act}, "spread")


def q1(where=PLAIN, acts=SAT) -> Ratio:
    """Q1 = Spread(relu) / min over acts of Spread(act)."""
    return Ratio(spread("relu", where), Least(tuple(spread(a, where) for a in acts), "min"))


NR1 = (Part("Q1 = Spread(relu) / min Spread(tanh, gaussian, sine), plain sweep", "ratio", q1(),
            support=Below(0.4), refute=Above(0.6)),
       Part("Spread(relu) over the plain sweep", "C_hat", spread("relu"), support=Below(0.35), refute=Above(0.5)))


# NR-2: GELU, Swish, SELU stay simple with a slight increase.
def _nr2_parts() -> tuple[Part, ...]:
    parts = []
    for b in ("gelu", "swish", "selu"):
        parts.append(Part(f"C_hat({b}) at (L_hi, alpha_hi)", "C_hat", top(b), support=Below(0.4), refute=Above(0.5)))
        parts.append(Part(f"min over tanh/gaussian/sine minus {b} at (L_hi, alpha_hi)", "C_hat",
                          Diff(Least(tuple(top(a) for a in SAT), "min"), top(b)), support=Above(0.2)))
    rhos = [RankTrend(M, "alpha", {"variant": "plain", "act": b, "depth": _deep}) for b in ("gelu", "swish", "selu")]
    second = Median(tuple(rhos))  # the median of three: positive for at least 2 of the 3
    parts.append(Part("median over gelu/swish/selu of rho(alpha, C_hat), plain, L >= 3", "rho", second,
                      support=Above(0.0)))
    return tuple(parts)


# NR-3: TanH, Gaussian and sine have no fixed preference.
def _nr3_parts() -> tuple[Part, ...]:
    parts = []
    for a in SAT:
        rho_a = RankTrend(M, "alpha", {"variant": "plain", "act": a, "depth": (3, L_HI)})
        rho_l = RankTrend(M, "depth", {"variant": "plain", "act": a, "alpha": _large})
        parts += [
            Part(f"seeds with rho(alpha, C_hat) >= 0.6, {a}, L in (3, L_hi)", "share", Share(rho_a, ">=", 0.6),
                 support=Above(0.5)),
            Part(f"rho(alpha, C_hat), {a}, L in (3, L_hi)", "rho", rho_a, support=Above(-1.0), refute=Below(0.0)),
            Part(f"seeds with rho(L, C_hat) >= 0.6, {a}, alpha >= 4", "share", Share(rho_l, ">=", 0.6),
                 support=Above(0.5)),
            Part(f"C_hat({a}) at (L_hi, alpha_hi)", "C_hat", top(a), support=Above(0.5), refute=Below(0.25)),
            Part(f"max over L of C_hat({a}) at alpha = 1", "C_hat",
                 Extreme(M, {"variant": "plain", "act": a, "alpha": 1.0}, "max"), support=Below(0.15))]
    return tuple(parts)


# NR-4 and NR-5: width and bias magnitude are second-order to weight magnitude.
FIXED = {"convention": "fixed"}
Q4 = Ratio(mean_of(tuple(spread(a, FIXED | {"alpha": al}) for a in SAT for al in (4.0, 8.0))),
           Diff(CellMean(M, FIXED | {"act": SAT, "width": 64, "alpha": 8.0}),
                CellMean(M, FIXED | {"act": SAT, "width": 64, "alpha": 1.0})))
Q5 = Ratio(mean_of(tuple(spread(a, {"alpha": 8.0}) for a in SAT)),
           Diff(CellMean(M, {"act": SAT, "alpha": 8.0, "beta": 1.0}), CellMean(M, {"act": SAT, "alpha": 1.0, "beta": 1.0})))

# NR-6, NR-7, NR-8: layer norm, residual connections, gating.
NR6 = (Part("Q6 = sum Delta_alpha(layernorm) / sum Delta_alpha(plain), tanh/gaussian/sine at L_hi", "ratio",
            Ratio(delta_alpha("layernorm", SAT), delta_alpha("plain", SAT)), support=Below(0.35), refute=Above(0.7)),)
NR7 = (Part("Q7 = sum C_hat(residual) / sum C_hat(plain), tanh/gaussian/sine at (L_hi, alpha_hi)", "ratio",
            Ratio(top(SAT, "residual"), top(SAT)), support=Below(0.5), refute=Above(0.8)),
       Part("C_hat(residual relu) at (L_hi, alpha_hi)", "C_hat", top("relu", "residual"), support=Below(0.3)))
NR8 = (Part("Delta_alpha(gated relu) - Delta_alpha(plain relu) at L_hi", "C_hat",
            Diff(delta_alpha("gating", "relu"), delta_alpha("plain", "relu")), support=Above(0.1), refute=Below(0.0)),)

# NR-9: the unbiased model has no simplicity bias.
NR9 = tuple(Part(f"C_hat(unbiased, alpha = {a:g})", "C_hat", CellMean(M, {"variant": "unbiased", "alpha": a}),
                 support=Above(0.85), refute=Below(0.6)) for a in (0.1, 1.0, 10.0)) + (
    Part("C_hat(unbiased, 1) - mean over L of C_hat(plain relu, 1)", "C_hat",
         Diff(CellMean(M, {"variant": "unbiased", "alpha": 1.0}), CellMean(M, PLAIN | {"act": "relu", "alpha": 1.0})),
         support=Above(0.5)),)

# NR-10: the complexity measures agree (over all plain and variant cells, each seed's networks).
MEASURES = ("c_fourier", "c_cheb", "c_leg", "c_lz")
ALL_MLP = {"variant": ("plain", "layernorm", "residual", "gating")}
PAIRS = tuple(CellCorrelation(x, y, ALL_MLP) for i, x in enumerate(MEASURES) for y in MEASURES[i + 1:])
NR10 = (Part("median pairwise Spearman rho among M3, Chebyshev, Legendre, LZ", "rho", Median(PAIRS),
             support=Above(0.75)),) + tuple(
    Part(f"Spearman rho({p.x}, {p.y}) over cells", "rho", p, support=Above(0.5), refute=Below(0.3)) for p in PAIRS)


# NR-11: robustness to the prior.
def _prior_parts() -> tuple[Part, ...]:
    parts = []
    for p in ("gaussian", "ball", "student"):
        hi_p = {"prior": p, "alpha": A_HI, "depth": L_HI}
        parts += [
            Part(f"Pearson r over cells, {p} prior vs uniform", "r",
                 CellCorrelation(M, M, {"prior": p}, {"prior": "paper"}, "pearson"), support=Above(0.85),
                 refute=Below(0.6)),
            Part(f"Q1 under the {p} prior (relu vs tanh, sine)", "ratio", q1({"prior": p}, ("tanh", "sine")),
                 support=Below(0.4)),
            Part(f"C_hat(relu) - max(tanh, sine) at (L_hi, alpha_hi), {p} prior", "C_hat",
                 Diff(CellMean(M, hi_p | {"act": "relu"}),
                      Least((CellMean(M, hi_p | {"act": "tanh"}), CellMean(M, hi_p | {"act": "sine"})), "max")),
                 support=Below(0.0), refute=Above(0.0))]
    return tuple(parts)


# NR-12: code-protocol fidelity (U(-A, A), width 64, C_hat_raw).
def _code_parts() -> tuple[Part, ...]:
    parts = [Part(f"Spread(C_hat_raw) {a} over all (A, L)", "C_hat", Extreme(RAW, {"act": a}, "spread"),
                  support=Below(0.2), refute=Above(0.35)) for a in ("relu", "gelu")]
    for a in ("tanh", "gaussian", "sine", "sigmoid"):
        parts += [
            Part(f"min C_hat_raw({a}) over L = 7, A >= 10", "C_hat",
                 Extreme(RAW, {"act": a, "depth": 7, "alpha": _huge}, "min"), support=Above(0.5)),
            Part(f"C_hat_raw({a}) at (L = 7, A_max)", "C_hat", CellMean(RAW, {"act": a, "depth": 7,
                                                                              "alpha": (10.0, 100.0)}),
                 support=Above(0.3), refute=Below(0.3)),
            Part(f"mean C_hat_raw({a}) over the A = 0.1 cells", "C_hat", CellMean(RAW, {"act": a, "alpha": 0.1}),
                 support=Below(0.25))]
    return tuple(parts)


RANDOM_MLP_CLAIMS = (
    _claim("NR-1", "ReLU MLPs barely change complexity over the plain alpha x depth sweep",
           "Teney et al. 2024, Section 3, Figs. 1 and 4", NR1),
    _claim("NR-2", "GELU, Swish and SELU stay low-complexity, rising only slightly with alpha and depth",
           "Teney et al. 2024, Section 3 and App. F as cited", _nr2_parts()),
    _claim("NR-3", "TanH, Gaussian and sine complexity rises with alpha and depth up to white-noise level",
           "Teney et al. 2024, Section 3, Figs. 1 and 4", _nr3_parts()),
    _claim("NR-6", "With layer norm, complexity barely changes with the weight magnitude",
           "Teney et al. 2024, Section 3, Fig. 5", NR6),
    _claim("NR-7", "Residual connections keep deep, large-alpha MLPs far simpler than plain ones",
           "Teney et al. 2024, Section 3", NR7),
    _claim("NR-8", "Multiplicative gating makes ReLU MLPs gain complexity with alpha at depth",
           "Teney et al. 2024, Section 3", NR8),
    _claim("NR-9", "The unbiased Fourier model sits near the white-noise ceiling at every magnitude",
           "Teney et al. 2024, Section 3 and App. E as cited", NR9),
    _claim("NR-10", "The Fourier, Chebyshev, Legendre and LZ measures rank the cells alike",
           "Teney et al. 2024, Fig. 6", NR10),
)
WIDTH_CLAIMS = (_claim("NR-4", "Width is second-order compared with weight magnitude", "Teney et al. 2024, Table 1",
                       (Part("Q4 = mean width spread (alpha 4, 8) / mean Delta_alpha at width 64, L = 3", "ratio", Q4,
                             support=Below(0.35), refute=Above(0.7)),)),)
BIAS_CLAIMS = (_claim("NR-5", "The bias magnitude is second-order compared with weight magnitude",
                      "Teney et al. 2024, Table 1",
                      (Part("Q5 = mean beta spread (alpha 8) / mean Delta_alpha at beta 1, L = 3", "ratio", Q5,
                            support=Below(0.35), refute=Above(0.7)),)),)
PRIOR_CLAIMS = (_claim("NR-11", "Gaussian, uniform-ball and long-tailed priors give the uniform prior's picture",
                       "Teney et al. 2024, App. E as cited", _prior_parts()),)
CODE_CLAIMS = (_claim("NR-12", "Under U(-A, A) weights, ReLU/GELU stay flat while tanh, Gaussian, sine and sigmoid "
                      "saturate at large A and depth", "ArmandNM/neural-redshift heatmaps; Teney et al. 2024, Fig. 1",
                      _code_parts()),)
