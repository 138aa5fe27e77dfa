"""Quantities added for neural_redshift (redshift.quantities, end of module): known values on small tables."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from redshift import Case, Table
from redshift.quantities import AtBest, CellCorrelation, CellMean, Median

CASES = tuple(Case("e", {"g": g, "x": x}) for g in ("a", "b") for x in (1, 2, 4, 8))
RANGES = {"u": (0.0, 1.0), "v": (-2.0, 3.0)}


def _table(u: np.ndarray, v: np.ndarray) -> Table:
    return Table(CASES, {"u": u, "v": v})


def test_cell_correlation_is_spearman_and_pearson_over_cells_per_replicate():
    """Replicate by replicate, the correlation over the 4 cells of g=a equals scipy's."""
    rng = np.random.default_rng(1)
    u, v = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
    t = _table(u, v)
    got = CellCorrelation("u", "v", {"g": "a"}).values(t)
    want = [stats.spearmanr(u[:4, r], v[:4, r]).statistic for r in range(3)]
    assert got == pytest.approx(want, abs=1e-12)
    got = CellCorrelation("u", "v", {"g": "a"}, method="pearson").values(t)
    assert got == pytest.approx([stats.pearsonr(u[:4, r], v[:4, r]).statistic for r in range(3)], abs=1e-12)


def test_cell_correlation_pairs_two_cell_sets_in_grid_order():
    """One metric on g=b against g=a: b = 2 a + 1 cell by cell gives r = 1, a reversal gives -1."""
    a = np.array([[0.1], [0.2], [0.4], [0.3]])
    t = _table(np.vstack([a, 2 * a + 1]), np.zeros((8, 1)))
    assert CellCorrelation("u", "u", {"g": "b"}, {"g": "a"}, "pearson").values(t)[0] == pytest.approx(1.0)
    t = _table(np.vstack([a, -a]), np.zeros((8, 1)))
    assert CellCorrelation("u", "u", {"g": "b"}, {"g": "a"}).values(t)[0] == pytest.approx(-1.0)


def test_cell_correlation_is_nan_for_a_constant_or_incomplete_replicate():
    """No correlation exists when one side is constant or a cell is missing; its range is [-1, 1]."""
    u = np.tile(np.arange(8.0)[:, None], (1, 3))
    v = u.copy()
    v[:4, 0] = 5.0  # constant over g=a in replicate 0
    v[1, 1] = np.nan  # missing cell in replicate 1
    out = CellCorrelation("u", "v", {"g": "a"}).values(_table(u, v))
    assert np.isnan(out[0]) and np.isnan(out[1]) and out[2] == pytest.approx(1.0)
    assert CellCorrelation("u", "v").range(RANGES) == (-1.0, 1.0)


def test_median_of_quantities_per_replicate():
    """The median of three cell means, replicate by replicate; its range spans theirs."""
    u = np.array([[0.1, 0.9], [0.5, 0.5], [0.3, 0.1], [0.0, 0.0]] * 2)
    t = _table(u, np.zeros((8, 2)))
    qs = tuple(CellMean("u", {"g": "a", "x": x}) for x in (1, 2, 4))
    assert Median(qs).values(t) == pytest.approx([0.3, 0.5])
    assert Median(qs + (CellMean("v"),)).range(RANGES) == (-2.0, 3.0)


def test_at_best_reads_the_metric_where_another_is_largest_per_replicate():
    """Replicate 0 picks x=2 (v largest there), replicate 1 x=8; how='min' picks the smallest v."""
    u = np.array([[0.1, 0.1], [0.2, 0.2], [0.4, 0.4], [0.8, 0.8]] * 2)
    v = np.array([[0.0, 0.0], [3.0, 1.0], [1.0, 2.0], [2.0, 3.0]] * 2)
    t = _table(u, v)
    assert AtBest("u", "v", {"g": "a"}).values(t) == pytest.approx([0.2, 0.8])
    assert AtBest("u", "v", {"g": "a"}, "min").values(t) == pytest.approx([0.1, 0.1])
    assert AtBest("u", "v", {"g": "a"}, inner="x").values(t) == pytest.approx([0.2, 0.4])  # x = 1 and 8 excluded
    assert AtBest("u", "v").range(RANGES) == (0.0, 1.0)


def test_at_best_by_a_case_parameter_averages_tied_cells():
    """By the parameter x: the largest x is 8 in both groups, so the value is the mean of their two cells."""
    u = np.array([[0.1], [0.2], [0.4], [0.8], [0.1], [0.2], [0.4], [0.6]])
    t = _table(u, np.zeros((8, 1)))
    assert AtBest("u", "x").values(t) == pytest.approx([0.7])
    assert AtBest("u", "x", how="min").values(t) == pytest.approx([0.1])
    assert AtBest("u", "x", {"g": "b"}).values(t) == pytest.approx([0.6])


def test_at_best_is_nan_without_cells_or_with_a_missing_value():
    """No matching cell, or a missing cell in a replicate, gives NaN for that replicate."""
    u = np.full((8, 2), 0.5)
    u[0, 1] = np.nan
    t = _table(u, np.ones((8, 2)))
    assert np.isnan(AtBest("u", "v", {"g": "c"}).values(t)).all()
    out = AtBest("u", "v", {"g": "a"}).values(t)
    assert out[0] == 0.5 and np.isnan(out[1])
