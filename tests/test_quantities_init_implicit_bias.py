"""PairedExtreme and SlopeWithin (added for init_implicit_bias) on known values; the Slope axis-condition bug."""
from __future__ import annotations

import numpy as np

from redshift import Case, Table
from redshift.quantities import PairedExtreme, Slope, SlopeWithin

# cells: arm "s" (small init) and "l" (large init) at problem sizes n = 20, 40; 3 replicates
CASES = tuple(Case("e", {"arm": arm, "n": n}) for arm in ("s", "l") for n in (20, 40))
ERR = np.array([[0.5, 0.6, 0.7],     # s, n=20
                [0.9, 0.8, 0.7],     # s, n=40
                [0.4, 0.4, 0.4],     # l, n=20
                [0.5, 0.5, 0.5]])    # l, n=40
GAIN = PairedExtreme("err", {"arm": "s"}, {"arm": "l"}, "n")


def test_paired_extreme_takes_the_worst_level_per_replicate():
    """Per replicate: min over n of err(s, n) - err(l, n): (0.1, 0.2, 0.2); max gives (0.4, 0.3, 0.3)."""
    t = Table(CASES, {"err": ERR})
    assert np.allclose(GAIN.values(t), [0.1, 0.2, 0.2])
    worst = PairedExtreme("err", {"arm": "s"}, {"arm": "l"}, "n", how="max")
    assert np.allclose(worst.values(t), [0.4, 0.3, 0.3])


def test_paired_extreme_one_level_is_the_paired_difference():
    """With a single level (a smaller grid) it is the plain paired difference of that level."""
    t = Table(CASES, {"err": ERR}).subset(lambda c: c["n"] == 20)
    assert np.allclose(GAIN.values(t), [0.1, 0.2, 0.3])


def test_paired_extreme_missing_cell_or_level_gives_nan():
    """A NaN cell drops that replicate; a level of b without an a cell drops every replicate."""
    err = ERR.copy()
    err[1, 2] = np.nan
    assert np.isnan(GAIN.values(Table(CASES, {"err": err}))).tolist() == [False, False, True]
    no_twin = Table(CASES, {"err": ERR}).subset(lambda c: not (c["arm"] == "l" and c["n"] == 40))
    assert np.isnan(GAIN.values(no_twin)).all()


def test_paired_extreme_range_and_cells_read():
    """Its range is that of a difference of the metric; it reads both arms' cells that carry the axis."""
    assert GAIN.range({"err": (0.0, np.inf)}) == (-np.inf, np.inf)
    assert GAIN.range({"err": (0.0, 1.0)}) == (-1.0, 1.0)
    assert all(GAIN.selects(c) for c in CASES) and not GAIN.selects(Case("e", {"arm": "s"}))


SIGMA_CASES = tuple(Case("fc", {"sigma": s}) for s in (0.01, 0.1, 1.0))
D_L2 = np.array([[0.01, 0.02], [0.1, 0.2], [100.0, 200.0]])   # slope 1 up to sigma = 0.1, 3 beyond


def _le_01(x: float) -> bool:
    return x <= 0.1


def test_slope_within_keeps_a_condition_on_its_axis():
    """SlopeWithin fits only the selected axis values: log-log slope 1 over sigma <= 0.1 on a table with sigma = 1."""
    t = Table(SIGMA_CASES, {"d": D_L2})
    assert np.allclose(SlopeWithin("d", "sigma", {"sigma": _le_01}, log=True).values(t), [1.0, 1.0])


def test_slope_keeps_a_condition_on_its_axis():
    """Slope(where={'sigma': <= 0.1}) fits sigma <= 0.1 only (it once fitted every sigma of the table)."""
    t = Table(SIGMA_CASES, {"d": D_L2})
    assert np.allclose(Slope("d", "sigma", {"sigma": _le_01}, log=True).values(t), [1.0, 1.0])
