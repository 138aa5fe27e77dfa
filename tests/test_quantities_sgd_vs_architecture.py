"""Tests of the quantity added for sgd_vs_architecture (redshift.quantities.EndChange)."""

import math

import numpy as np

from redshift import Case, Table
from redshift.quantities import EndChange


def _table():
    """Two groups (n = 4, 8) of widths 2, 8, 64 and one lone depth cell; replicate 1 misses one cell."""
    cases = [Case("mlp", {"arch": "mlp1", "n": n, "size": s}) for n in (4, 8) for s in (2, 8, 64)]
    cases.append(Case("mlp", {"arch": "depth16", "n": 4, "size": 1}))
    vals = np.array([[60.0, 0.0], [70.0, 0.0], [63.0, 0.0],   # n = 4: widest - narrowest = 3
                     [80.0, 0.0], [10.0, 0.0], [85.0, np.nan],  # n = 8: 5 (replicate 1 incomplete)
                     [50.0, 50.0]])
    return Table(cases, {"acc": vals})


def test_end_change_pools_groups_of_one_axis():
    """Widest minus narrowest per group, mean over groups; a missing end cell makes the replicate NaN."""
    got = EndChange("acc", "size", {"arch": "mlp1"}).values(_table())
    assert got[0] == 4.0 and math.isnan(got[1])


def test_end_change_ignores_groups_with_one_value_and_gives_range():
    """A group with a single axis value does not count; no group at all gives NaN; the range is the span."""
    q = EndChange("acc", "size", {"arch": "depth16"})
    assert np.isnan(q.values(_table())).all()
    assert q.range({"acc": (0.0, 100.0)}) == (-100.0, 100.0)
    assert EndChange("acc", "n", {"size": 8}).values(_table())[0] == -60.0  # n = 8 minus n = 4
