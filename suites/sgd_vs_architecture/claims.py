"""The claims SA-1 .. SA-12 (spec section 4, Revision 2), declared as engine parts in their units.

Every effect is spec D10's end-to-end change per replicate (training set), pooled as the mean over the
cell groups (pair, n, and architecture family) of widest minus narrowest (or deepest minus shallowest,
largest minus smallest n): ``EndChange`` (redshift.quantities). Accuracy effects are in points of test
accuracy (range [-100, 100]), acceptance effects in bits of -log2 P(fit).

- Width claims (SA-1, SA-2, SA-3, SA-11, SA-12) read the full width sweep of the budget, narrowest to
  widest, with no gate chosen from the data (Revision 2). SA-4 keeps its own range fixed in advance:
  h >= 8 (k >= 8 for MLP-paper) on digits at the smallest n (n = 4).
- Claims reading G&C accuracy or acceptance carry the D10 guard as a gate: in most training sets
  (exact binomial, share above 1/2) every cell the claim reads has at least 10 accepted networks.
- SA-8 ("every cell"): the smallest cell's SGD - G&C gap per training set (``gap_sgd_gc`` recorded per
  cell and set), its mean over sets above 0 supports, below 0 refutes.
- SA-10 is exact (engine sense): one training set whose priors disagree refutes it.
"""

from __future__ import annotations

from redshift import Above, Below, CellMean, Claim, Diff, Extreme, Inside, Outside, Part, Ratio, Share
from redshift.quantities import EndChange

SRC = "Peleg & Hein 2024"
GC, SGD, BITS = "acc_gc", "acc_sgd", "gc_neglog2p"
PTS = "points"
WIDTH = {"arch": ("mlp1", "mlppaper", "lenet", "resnet")}  # every width family, full range (Revision 2)
DEPTH = {"arch": ("depth16", "depthpaper")}
DIGITS_PAIRS = ("8v9", "1v8", "3v5")


def _trainable(size: float) -> bool:
    """SA-4's range, fixed in advance (spec): narrowest hidden layer >= 8 (h >= 8, k >= 8)."""
    return float(size) >= 8


SA4_CELLS = {"arch": ("mlp1", "mlppaper"), "size": _trainable, "n": 4, "pair": DIGITS_PAIRS}


def _enough(where: dict | None = None) -> Part:
    """The D10 guard as a gate: most training sets have >= 10 accepted G&C networks in every cell read."""
    return Part("training sets with >= 10 accepted G&C networks in every cell read", "share",
                Share(Extreme("gc_accepted", where, "min"), ">=", 10), support=Above(0.5), gate=True)


def _delta(metric: str, where: dict, opt: str | None = None) -> EndChange:
    return EndChange(metric, "size", where if opt is None else {**where, "opt": opt})


MAIN_CLAIMS = (
    Claim("SA-1", "SGD test accuracy rises with width (full width sweep, pooled over pairs and n)",
          f"{SRC}, abstract; rebuttal tables", decisive_at="smoke", parts=(
              Part("Delta_w(SGD): widest minus narrowest width", PTS, _delta(SGD, WIDTH),
                   support=Above(0.0), refute=Below(0.0)),)),
    Claim("SA-2", "Width does not change G&C test accuracy (TOST within +-2 points)",
          f"{SRC}, abstract; rebuttal tables", decisive_at="smoke", parts=(
              Part("Delta_w(G&C): widest minus narrowest width", PTS, _delta(GC, WIDTH),
                   support=Inside(-2.0, 2.0), refute=Above(2.0)),
              _enough(WIDTH))),
    Claim("SA-3", "The SGD - G&C gap grows with width", f"{SRC}, rebuttal tables", decisive_at="smoke", parts=(
        Part("Delta_w(SGD) - Delta_w(G&C)", PTS, Diff(_delta(SGD, WIDTH), _delta(GC, WIDTH)),
             support=Above(0.0), refute=Below(0.0)),
        _enough(WIDTH))),
    Claim("SA-4", "Width helps SGD also among widths where every SGD run fits (h >= 8, smallest n)",
          "project (selection-effect control)", decisive_at="standard", parts=(
              Part("Delta_w(SGD) over h >= 8 at n = 4", PTS, EndChange(SGD, "size", SA4_CELLS),
                   support=Above(0.0), refute=Below(-1.0)),)),
    Claim("SA-5", "Depth lowers G&C test accuracy", f"{SRC}, abstract; rebuttal tables", decisive_at="smoke", parts=(
        Part("Delta_d(G&C): deepest minus shallowest", PTS, _delta(GC, DEPTH), support=Below(-1.0),
             refute=Above(0.0)),
        _enough(DEPTH))),
    Claim("SA-6", "Depth lowers SGD test accuracy", f"{SRC}, abstract; rebuttal tables", decisive_at="smoke", parts=(
        Part("Delta_d(SGD): deepest minus shallowest", PTS, _delta(SGD, DEPTH), support=Below(-0.5),
             refute=Above(0.0)),)),
    Claim("SA-7", "The depth drops of G&C and SGD are of the same order (ratio in [0.25, 4])",
          f"{SRC}, abstract ('behave similarly'); rebuttal ratios 0.8-2.8", decisive_at="standard", parts=(
              Part("rho_d = Delta_d(G&C) / Delta_d(SGD)", "ratio", Ratio(_delta(GC, DEPTH), _delta(SGD, DEPTH)),
                   support=Inside(0.25, 4.0), refute=Outside(0.25, 4.0)),
              _enough(DEPTH))),
    Claim("SA-8", "SGD beats G&C in every cell", f"{SRC}, rebuttal tables (every cell)", decisive_at="smoke",
          parts=(Part("smallest cell gap acc(SGD) - acc(G&C) per training set", PTS,
                      Extreme("gap_sgd_gc", None, "min"), support=Above(0.0), refute=Below(0.0)),
                 _enough())),
    Claim("SA-9", "More data helps both methods, and fitting gets rarer", f"{SRC}, rebuttal tables; code",
          decisive_at="smoke", parts=(
              Part("G&C accuracy, largest minus smallest n", PTS, EndChange(GC, "n"), support=Above(2.0),
                   refute=Below(0.0)),
              Part("SGD accuracy, largest minus smallest n", PTS, EndChange(SGD, "n"), support=Above(2.0),
                   refute=Below(0.0)),
              Part("-log2 P(fit), largest minus smallest n", "bits", EndChange(BITS, "n"), support=Above(1.0),
                   refute=Below(0.0)),
              _enough())),
    Claim("SA-12", "G&C acceptance is flat in width and falls with depth", f"{SRC}, code plots; project",
          decisive_at="smoke", parts=(
              Part("change of -log2 P(fit) across the width sweep", "bits", _delta(BITS, WIDTH),
                   support=Inside(-1.0, 1.0), refute=Outside(-2.0, 2.0)),
              Part("change of -log2 P(fit) across the depth sweep", "bits", _delta(BITS, DEPTH),
                   support=Above(0.5), refute=Below(0.0)),
              _enough())),
)

PRIOR_CLAIMS = (
    Claim("SA-10", "G&C is invariant to positive per-layer rescaling: U[-1,1], U[-0.2,0.2] and "
          "Kaiming-uniform accept the same draws with the same test predictions", "project, spec D8 (exact)",
          decisive_at="smoke", exact=True, parts=(
              Part("training set with identical accepted draws and test predictions", "indicator",
                   CellMean("rescale_identical"), support=Above(0.5), refute=Below(0.5)),)),
)

OPTIMISER_CLAIMS = (
    Claim("SA-11", "Width helps full-batch GD (480 epochs) too: a property of gradient training",
          f"{SRC}, rebuttal 'SGD GD comparison'", decisive_at="standard", parts=(
              Part("Delta_w(GD 480 epochs): widest minus narrowest width", PTS, _delta(SGD, WIDTH, opt="gd"),
                   support=Above(2.0), refute=Below(0.0)),)),
)
