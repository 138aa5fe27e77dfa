"""Claims NR-1..NR-12 of the Neural Redshift spec (section 4), as data over cell means of C_hat.

All grid claims read M3 in C_hat units ("c_fourier") unless stated; NR-12 reads M2 ("c_fourier_raw"). alpha_hi
and L_hi are read from the cases (the largest alpha and depth of the variant cells, or of the prior cells), so one
claim serves every budget (spec: 8 and 6; paper budget 16 and 7). Each claim's statistic is the smallest normalised
slack over its gated parts (see parts.py): supported when the whole CI is above 0, refuted when it is below -1.
"""
from __future__ import annotations

import itertools

import numpy as np

from redshift import Claim, Custom

from suites.neural_redshift.parts import PARTS_RULE, Cells, Part, all_parts, describe, pearson, ranks

M, RAW = "c_fourier", "c_fourier_raw"
SAT = ("tanh", "gaussian", "sine")  # the saturating activations
N_RESAMPLES = 2000


def _deep(depth: float) -> bool:
    """Plain cells with L >= 3 (NR-2 (b))."""
    return depth >= 3


def _large(alpha: float) -> bool:
    """alpha >= 4 (NR-3 (b))."""
    return alpha >= 4


def _huge(alpha: float) -> bool:
    """A >= 10 (NR-12 (b))."""
    return alpha >= 10


def _hi(t: Cells, **where: object) -> tuple[float, int]:
    """(alpha_hi, L_hi): the largest alpha and depth of the matching cells."""
    return float(t.params("alpha", **where).max()), int(t.params("depth", **where).max())


def _variant_hi(t: Cells) -> tuple[float, int]:
    """(alpha_hi, L_hi) of the variant cells, once per view."""
    return t.derived("variant_hi", lambda v: _hi(v, variant="gating"))


def _plain(t: Cells, act: str, metric: str = M, **at: object) -> float:
    """C_hat of one plain cell."""
    return t.one(metric, variant="plain", act=act, **at)


def _top(t: Cells, act: str) -> float:
    """Plain C_hat at (L_hi, alpha_hi)."""
    a_hi, l_hi = _variant_hi(t)
    return _plain(t, act, alpha=a_hi, depth=l_hi)


def _claim(cid: str, statement: str, source: str, parts: tuple[Part, ...], metrics=(M,),
           decisive_at: str = "smoke") -> Claim:
    """A multi-part claim decided on the smallest normalised slack (parts.py)."""
    return Claim(id=cid, statement=statement, source=source, decisive_at=decisive_at,
                 statistic=Custom(all_parts(*parts), tuple(metrics), describe(parts)), rule=PARTS_RULE,
                 predicted="supported", n_resamples=N_RESAMPLES)


# NR-1: ReLU simplicity is insensitive to depth and weight magnitude.
def _q1(t: Cells, acts=SAT, **where: object) -> float:
    """Q1 = Spread(relu) / min over acts of Spread(act), spreads over all matching cells."""
    return t.spread(M, act="relu", **where) / min(t.spread(M, act=a, **where) for a in acts)


NR1 = (Part("Q1", lambda t: _q1(t, variant="plain"), "<", 0.4, 0.6),
       Part("Spread(relu)", lambda t: t.spread(M, variant="plain", act="relu"), "<", 0.35, 0.5))


# NR-2: GELU, Swish, SELU stay simple with a slight increase.
def _nr2_parts() -> tuple[Part, ...]:
    parts = []
    for b in ("gelu", "swish", "selu"):
        parts.append(Part(f"C({b}, L_hi, alpha_hi)", lambda t, b=b: _top(t, b), "<", 0.4, 0.5))
        parts.append(Part(f"min(tanh, gaussian, sine) - {b} at (L_hi, alpha_hi)",
                          lambda t, b=b: min(_top(t, a) for a in SAT) - _top(t, b), ">", 0.2))
    rho = lambda t: sorted(t.rho(M, "alpha", variant="plain", act=b, depth=_deep)  # noqa: E731
                           for b in ("gelu", "swish", "selu"))[1]
    parts.append(Part("second largest rho(alpha, m) over gelu/swish/selu at L >= 3", rho, ">", 0.0))
    return tuple(parts)


# NR-3: TanH, Gaussian and sine have no fixed preference.
def _nr3_parts() -> tuple[Part, ...]:
    parts = []
    for a in SAT:
        parts += [
            Part(f"rho(alpha, m) {a}, L in (3, L_hi)", lambda t, a=a: t.rho(
                M, "alpha", variant="plain", act=a, depth=(3, _variant_hi(t)[1])), ">", 0.6, 0.0),
            Part(f"rho(L, m) {a}, alpha >= 4", lambda t, a=a: t.rho(
                M, "depth", variant="plain", act=a, alpha=_large), ">", 0.6),
            Part(f"C({a}, L_hi, alpha_hi)", lambda t, a=a: _top(t, a), ">", 0.5, 0.25),
            Part(f"max over L of C({a}, alpha = 1)", lambda t, a=a: t.means(
                M, variant="plain", act=a, alpha=1.0).max(), "<", 0.15)]
    return tuple(parts)


# NR-4 and NR-5: width and bias magnitude are second-order to weight magnitude.
def _width_ratio(t: Cells) -> float:
    """Q4: mean spread over widths (fixed-first, alpha in 4, 8) / mean m(a, 3, 8) - m(a, 3, 1) at width 64."""
    num = np.mean([t.spread(M, convention="fixed", act=a, alpha=al) for a in SAT for al in (4.0, 8.0)])
    den = np.mean([t.one(M, convention="fixed", act=a, width=64, alpha=8.0) -
                   t.one(M, convention="fixed", act=a, width=64, alpha=1.0) for a in SAT])
    return float(num / den)


def _bias_ratio(t: Cells) -> float:
    """Q5: mean spread over beta at alpha = 8 / mean m(a, 3, 8) - m(a, 3, 1), both at beta = 1."""
    num = np.mean([t.spread(M, act=a, alpha=8.0) for a in SAT])
    den = np.mean([t.one(M, act=a, alpha=8.0, beta=1.0) - t.one(M, act=a, alpha=1.0, beta=1.0) for a in SAT])
    return float(num / den)


# NR-6, NR-7, NR-8: layer norm, residual connections, gating.
def _delta(t: Cells, variant: str, act: str) -> float:
    """Delta_alpha(act, L_hi) = m(alpha_hi) - m(alpha = 1) of a variant (spec M13)."""
    a_hi, l_hi = _variant_hi(t)
    return (t.one(M, variant=variant, act=act, alpha=a_hi, depth=l_hi)
            - t.one(M, variant=variant, act=act, alpha=1.0, depth=l_hi))


def _residual(t: Cells, act: str) -> float:
    a_hi, l_hi = _variant_hi(t)
    return t.one(M, variant="residual", act=act, alpha=a_hi, depth=l_hi)


NR6 = (Part("Q6", lambda t: sum(_delta(t, "layernorm", a) for a in SAT) / sum(_delta(t, "plain", a) for a in SAT),
            "<", 0.35, 0.7),)
NR7 = (Part("Q7", lambda t: sum(_residual(t, a) for a in SAT) / sum(_top(t, a) for a in SAT), "<", 0.5, 0.8),
       Part("C_res(relu, L_hi, alpha_hi)", lambda t: _residual(t, "relu"), "<", 0.3))
NR8 = (Part("Delta_gate(relu) - Delta_plain(relu)", lambda t: _delta(t, "gating", "relu") - _delta(t, "plain", "relu"),
            ">", 0.1, 0.0),)

# NR-9: the unbiased model has no simplicity bias.
NR9 = (Part("min over alpha in (0.1, 1, 10) of C_unbiased", lambda t: t.means(
    M, variant="unbiased", alpha=(0.1, 1.0, 10.0)).min(), ">", 0.85, 0.6),
       Part("C_unbiased(1) - mean over L of C_plain(relu, 1)", lambda t: t.one(M, variant="unbiased", alpha=1.0)
            - t.means(M, variant="plain", act="relu", alpha=1.0).mean(), ">", 0.5))


# NR-10: the complexity measures agree.
def _agreement(t: Cells) -> np.ndarray:
    """The 6 pairwise Spearman rho among the cell means of M3, C_Cheb, C_Leg, C_LZ over plain and variant cells."""
    return t.derived("agreement", _pairwise_rho)


def _pairwise_rho(t: Cells) -> np.ndarray:
    sel = {"variant": ("plain", "layernorm", "residual", "gating")}
    m = [t.means(k, **sel) for k in ("c_fourier", "c_cheb", "c_leg", "c_lz")]
    if any(np.isnan(v).any() for v in m):
        return np.full(6, np.nan)
    r = np.stack([ranks(v) for v in m])  # (4, cells)
    rho = np.corrcoef(r)  # Spearman rho = Pearson r of ranks
    return np.array([rho[i, j] for i, j in itertools.combinations(range(4), 2)])


NR10 = (Part("median pairwise rho", lambda t: float(np.median(_agreement(t))), ">", 0.75),
        Part("min pairwise rho", lambda t: float(_agreement(t).min()), ">", 0.5, 0.3))


# NR-11: robustness to the prior.
def _prior_parts() -> tuple[Part, ...]:
    parts = []
    for p in ("gaussian", "ball", "student"):
        parts += [
            Part(f"Pearson r({p}, uniform)", lambda t, p=p: pearson(t.means(M, prior=p), t.means(M, prior="paper")),
                 ">", 0.85, 0.6),
            Part(f"Q1 under {p}", lambda t, p=p: _q1(t, acts=[a for a in SAT if t.params("alpha", act=a).size],
                                                      prior=p), "<", 0.4),
            Part(f"relu - max(tanh, sine) at (L_hi, alpha_hi) under {p}", lambda t, p=p: _prior_top(t, p, "relu")
                 - max(_prior_top(t, p, "tanh"), _prior_top(t, p, "sine")), "<", None, 0.0)]
    return tuple(parts)


def _prior_top(t: Cells, prior: str, act: str) -> float:
    a_hi, l_hi = t.derived(f"hi {prior}", lambda v: _hi(v, prior=prior))
    return t.one(M, prior=prior, act=act, alpha=a_hi, depth=l_hi)


# NR-12: code-protocol fidelity (U(-A, A), width 64, C_hat_raw).
def _code_parts() -> tuple[Part, ...]:
    parts = [Part(f"Spread(C_raw) {a}", lambda t, a=a: t.spread(RAW, act=a), "<", 0.2, 0.35) for a in ("relu", "gelu")]
    for a in ("tanh", "gaussian", "sine", "sigmoid"):
        parts += [
            Part(f"min C_raw({a}, L = 7, A >= 10)", lambda t, a=a: t.means(RAW, act=a, depth=7, alpha=_huge).min(),
                 ">", 0.5),
            Part(f"C_raw({a}, L = 7, A_max)", lambda t, a=a: t.one(RAW, act=a, depth=7,
                                                                   alpha=float(t.params("alpha").max())),
                 ">", None, 0.3),
            Part(f"mean C_raw({a}, A = 0.1)", lambda t, a=a: t.means(RAW, act=a, alpha=0.1).mean(), "<", 0.25)]
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
           "Teney et al. 2024, Fig. 6", NR10, metrics=("c_fourier", "c_cheb", "c_leg", "c_lz")),
)
WIDTH_CLAIMS = (_claim("NR-4", "Width is second-order compared with weight magnitude", "Teney et al. 2024, Table 1",
                       (Part("Q4", _width_ratio, "<", 0.35, 0.7),)),)
BIAS_CLAIMS = (_claim("NR-5", "The bias magnitude is second-order compared with weight magnitude",
                      "Teney et al. 2024, Table 1", (Part("Q5", _bias_ratio, "<", 0.35, 0.7),)),)
PRIOR_CLAIMS = (_claim("NR-11", "Gaussian, uniform-ball and long-tailed priors give the uniform prior's picture",
                       "Teney et al. 2024, App. E as cited", _prior_parts()),)
CODE_CLAIMS = (_claim("NR-12", "Under U(-A, A) weights, ReLU/GELU stay flat while tanh, Gaussian, sine and sigmoid "
                      "saturate at large A and depth", "ArmandNM/neural-redshift heatmaps; Teney et al. 2024, Fig. 1",
                      _code_parts(), metrics=(RAW,)),)
