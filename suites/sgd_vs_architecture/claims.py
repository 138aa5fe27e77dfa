"""The claims SA-1 .. SA-12 (spec section 4), declared as data. Effects are in accuracy points (%) or bits.

Where the spec combines several conditions in one claim, one statistic encodes them exactly:
- SA-9: s = min(dAcc_GC / 2, dAcc_SGD / 2, dBits / 1); support "all three above their thresholds"
  (2 points, 2 points, 1 bit) is s > 1; refute "any below 0" is s < 0.
- SA-8: s = min over cells of the mean gap acc(SGD) - acc(G&C) when that is >= 0, else min(0, min over cells
  of the cell's upper Bonferroni bound U_c = mean_c + t_{R-1, 1-0.025/C} se_c); support "the smallest cell's
  CI above 0" is s > 0 (exactly as for the plain minimum: s equals it wherever either is > 0); refute "any
  cell's CI below 0" is s < 0, which needs some cell's Bonferroni-corrected CI below 0 in the resamples,
  not just a noisy minimum below 0 (effects.py).
- SA-12: s = min(1 - |dBits_width|, 2 dBits_depth - 1); support "|width change| < 1 bit and depth change
  > 0.5 bit" is s > 0; refute "|width change| > 2 bits or depth change < 0" is s < -1.
"""

from __future__ import annotations

from redshift import Above, Below, Claim, Custom, Inside, Outside, Rule
from suites.sgd_vs_architecture.effects import View, all_identical, trainable_width_effect

SRC = "Peleg & Hein 2024"
GC, SGD, BITS = "acc_gc", "acc_sgd", "gc_neglog2p"


def _sa3(t) -> float:
    v = View(t)
    return v.sweep(SGD, "width") - v.sweep(GC, "width")


def _sa7(t) -> float:
    v = View(t)
    return v.sweep(GC, "depth") / v.sweep(SGD, "depth")


def _sa9(t) -> float:
    v = View(t)
    return min(v.data(GC) / 2, v.data(SGD) / 2, v.data(BITS))


def _sa12(t) -> float:
    v = View(t)
    return min(1 - abs(v.sweep(BITS, "width")), 2 * v.sweep(BITS, "depth") - 1)


MAIN_CLAIMS = (
    Claim("SA-1", "SGD test accuracy rises with width (gated widths, pooled over pairs and n)",
          f"{SRC}, abstract; rebuttal tables", Custom(lambda t: View(t).sweep(SGD, "width"), (SGD,),
                                                      "Delta_w(SGD), points"),
          Rule(Above(2.0), refute=Below(0.0)), decisive_at="paper"),
    Claim("SA-2", "Width does not change G&C test accuracy (TOST within +-2 points)",
          f"{SRC}, abstract; rebuttal tables", Custom(lambda t: View(t).sweep(GC, "width"),
                                                      (GC, "gc_accepted"), "Delta_w(G&C), points"),
          Rule(Inside(-2.0, 2.0), refute=Above(2.0)), decisive_at="smoke"),
    Claim("SA-3", "The SGD - G&C gap grows with width", f"{SRC}, rebuttal tables",
          Custom(_sa3, (SGD, GC, "gc_accepted"), "Delta_w(SGD) - Delta_w(G&C), points"),
          Rule(Above(2.0), refute=Below(0.0)), decisive_at="paper"),
    Claim("SA-4", "Width helps SGD also among widths where every SGD run fits (smallest n)",
          "project (selection-effect control)", Custom(trainable_width_effect, (SGD, "sgd_fit_fraction"),
                                                      "Delta_w(SGD) on fully trainable widths, points"),
          Rule(Above(0.0), refute=Below(-1.0)), decisive_at="standard"),
    Claim("SA-5", "Depth lowers G&C test accuracy", f"{SRC}, abstract; rebuttal tables",
          Custom(lambda t: View(t).sweep(GC, "depth"), (GC, "gc_accepted"), "Delta_d(G&C), points"),
          Rule(Below(-1.0), refute=Above(0.0)), decisive_at="smoke"),
    Claim("SA-6", "Depth lowers SGD test accuracy", f"{SRC}, abstract; rebuttal tables",
          Custom(lambda t: View(t).sweep(SGD, "depth"), (SGD,), "Delta_d(SGD), points"),
          Rule(Below(-0.5), refute=Above(0.0)), decisive_at="smoke"),
    Claim("SA-7", "The depth drops of G&C and SGD are of the same order (ratio in [0.25, 4])",
          f"{SRC}, abstract ('behave similarly'); rebuttal ratios 0.8-2.8",
          Custom(_sa7, (GC, SGD, "gc_accepted"), "rho_d = Delta_d(G&C) / Delta_d(SGD)"),
          Rule(Inside(0.25, 4.0), refute=Outside(0.25, 4.0)), decisive_at="standard"),
    Claim("SA-8", "SGD beats G&C in every cell", f"{SRC}, rebuttal tables (every cell)",
          Custom(lambda t: View(t).beats_everywhere(SGD, GC), (SGD, GC, "gc_accepted"),
                 "min over cells of acc(SGD) - acc(G&C) if >= 0, else min(0, min over cells of the "
                 "Bonferroni-corrected upper CI bound of the cell's gap), points"),
          Rule(Above(0.0), refute=Below(0.0)), decisive_at="smoke"),
    Claim("SA-9", "More data helps both methods, and fitting gets rarer", f"{SRC}, rebuttal tables; code",
          Custom(_sa9, (GC, SGD, BITS, "gc_accepted"), "min(dAcc_GC/2, dAcc_SGD/2, dBits) over n"),
          Rule(Above(1.0), refute=Below(0.0)), decisive_at="smoke"),
    Claim("SA-12", "G&C acceptance is flat in width and falls with depth", f"{SRC}, code plots; project",
          Custom(_sa12, (BITS, "gc_accepted"), "min(1 - |dBits_width|, 2 dBits_depth - 1)"),
          Rule(Above(0.0), refute=Below(-1.0)), decisive_at="smoke"),
)

PRIOR_CLAIMS = (
    Claim("SA-10", "G&C is invariant to positive per-layer rescaling: U[-1,1], U[-0.2,0.2] and "
          "Kaiming-uniform accept the same draws with the same test predictions", "project, spec D8 (exact)",
          Custom(all_identical, ("rescale_identical",), "1 if accepted sets and predictions are identical"),
          Rule(Above(0.5), refute=Below(0.5)), decisive_at="smoke", exact=True),
)

OPTIMISER_CLAIMS = (
    Claim("SA-11", "Width helps full-batch GD (480 epochs) too: a property of gradient training",
          f"{SRC}, rebuttal 'SGD GD comparison'",
          Custom(lambda t: View(t).sweep(SGD, "width", opt="gd"), (SGD,), "Delta_w(GD 480 epochs), points"),
          Rule(Above(2.0), refute=Below(0.0)), decisive_at="standard"),
)
