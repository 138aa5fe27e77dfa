"""Composite claims on data where the truth is known: parts, gates, the intersection-union p, exact claims, n."""
from __future__ import annotations

import math

import numpy as np
import pytest

from redshift import Above, Below, Case, Claim, Inside, Outside, Table
from redshift.claims import assess, verdicts
from redshift.parts import Part
from redshift.quantities import (UNBOUNDED, CellMean, CellShare, Diff, Extreme, Least, RankTrend, Ratio, Scaled,
                                 Share, Slope)

CASES = tuple(Case("e", {"g": g, "x": x}) for g in ("a", "b") for x in (1, 2, 4))
RANGES = {"acc": (0.0, 1.0), "z": UNBOUNDED, "fit": (0.0, 1.0)}


def _table(acc: np.ndarray, z: np.ndarray | None = None, fit: np.ndarray | None = None) -> Table:
    """acc (6, R) over CASES; z and fit default to constants."""
    r = acc.shape[1]
    return Table(CASES, {"acc": acc, "z": np.zeros((6, r)) if z is None else z,
                         "fit": np.ones((6, r)) if fit is None else fit})


def _verdict(claim: Claim, table: Table, size: int = 1):
    return verdicts([assess(claim, table, np.random.default_rng(0), RANGES)], suite="t", budget="smoke",
                    family_size=size)[0]


def _acc(rng: np.random.Generator, r: int, level: float, sd: float = 0.05) -> np.ndarray:
    return np.clip(rng.normal(level, sd, (6, r)), 0, 1)


def test_cell_mean_diff_and_scale_have_known_values():
    """Per-replicate means over cells, paired differences and a unit change give hand-computed values."""
    acc = np.tile(np.array([[0.1], [0.2], [0.3], [0.5], [0.6], [0.7]]), (1, 3))
    t = _table(acc)
    diff = Scaled(Diff(CellMean("acc", {"g": "b"}), CellMean("acc", {"g": "a"})), 100.0)
    assert np.allclose(diff.values(t), 40.0) and diff.range(RANGES) == (-100.0, 100.0)
    assert np.allclose(Extreme("acc", {"g": "a"}).values(t), 0.2)
    assert np.allclose(Extreme("acc", how="max").values(t), 0.7)


def test_ratio_least_and_cell_share_have_known_values():
    """Ratio of group means 0.6/0.2 = 3; the least of the two groups' means 0.2; 2 of 3 cells of g=b above 0.55."""
    acc = np.tile(np.array([[0.1], [0.2], [0.3], [0.5], [0.6], [0.7]]), (1, 3))
    t = _table(acc)
    a, b = CellMean("acc", {"g": "a"}), CellMean("acc", {"g": "b"})
    assert np.allclose(Ratio(b, a).values(t), 3.0) and Ratio(b, a).range(RANGES) == UNBOUNDED
    assert np.allclose(Least((a, b)).values(t), 0.2) and Least((a, b), "max").range(RANGES) == (0.0, 1.0)
    assert np.allclose(CellShare("acc", ">", 0.55, {"g": "b"}).values(t), 2 / 3)


def test_rank_trend_and_slope_are_computed_within_each_replicate():
    """acc rising with x in every replicate: Spearman rho 1; acc = x**2: log-log slope 2."""
    x = np.array([1, 2, 4, 1, 2, 4], dtype=float)
    t = _table(np.tile((x / 10)[:, None], (1, 4)))
    assert np.allclose(RankTrend("acc", "x", {"g": "a"}).values(t), 1.0)
    t2 = Table(CASES, {"acc": np.tile((x**2 / 100)[:, None], (1, 4))})
    assert np.allclose(Slope("acc", "x", {"g": "a"}, log=True).values(t2), 2.0)


def test_a_flat_replicate_counts_as_no_trend():
    """A replicate constant along the axis has rank correlation 0 (counted), not NaN (dropped)."""
    x = np.array([1, 2, 4, 1, 2, 4], dtype=float)
    acc = np.column_stack([x / 10, np.full(6, 0.2)])
    assert np.allclose(RankTrend("acc", "x", {"g": "a"}).values(_table(acc)), [1.0, 0.0])


def test_a_missing_cell_value_drops_that_replicate_only():
    """A NaN in one cell of replicate 2 makes that replicate NaN; n counts the other replicates."""
    acc = np.full((6, 5), 0.9)
    acc[0, 2] = np.nan
    v = CellMean("acc", {"g": "a"}).values(_table(acc))
    assert np.isnan(v[2]) and np.isfinite(np.delete(v, 2)).all()


def test_a_clear_effect_is_supported_and_reported_in_its_unit():
    """B beats A by 30 points in 40 replicates: supported, the effect is the points estimate with its CI.
    (On the difference's full range of +-100 points, 20 replicates cannot rule out an unseen seed 100 points off.)"""
    rng = np.random.default_rng(1)
    acc = np.vstack([_acc(rng, 40, 0.5)[:3], _acc(rng, 40, 0.8)[:3]])
    part = Part("gap", "points", Scaled(Diff(CellMean("acc", {"g": "b"}), CellMean("acc", {"g": "a"})), 100.0),
                support=Above(10.0), refute=Below(0.0))
    v = _verdict(Claim("C-1", "b beats a", "sim", parts=(part,)), _table(acc))
    assert v.status == "supported" and v.unit == "points" and v.binding == "gap"
    assert 25 < v.effect < 35 and v.ci_low < v.effect < v.ci_high and v.parts[0].method == "betting"


def test_adding_an_always_true_part_never_lowers_the_p_value():
    """Intersection-union: p(claim) = the largest part p, so a constant, always-true part cannot make it stronger."""
    rng = np.random.default_rng(2)
    acc = _acc(rng, 10, 0.62, sd=0.15)
    weak = Part("acc", "fraction", CellMean("acc"), support=Above(0.5))
    trivial = Part("fit", "fraction", CellMean("fit"), support=Above(-1.0))
    alone = _verdict(Claim("C-2", "x", "sim", parts=(weak,)), _table(acc))
    both = _verdict(Claim("C-2", "x", "sim", parts=(weak, trivial)), _table(acc))
    assert both.p_value >= alone.p_value and both.p_value == alone.p_value


def test_a_failed_gate_leaves_the_claim_undecided_both_ways():
    """The effect is clearly refuted, but the networks did not fit: inconclusive, the gate is the binding part."""
    rng = np.random.default_rng(3)
    acc = _acc(rng, 20, 0.2)
    effect = Part("acc", "fraction", CellMean("acc"), support=Above(0.8), refute=Below(0.5))
    gate = Part("fitting seeds", "share", Share(CellMean("fit"), ">=", 0.9), support=Above(0.5), gate=True)
    claim = Claim("C-3", "x", "sim", parts=(effect, gate))
    assert _verdict(claim, _table(acc)).status == "refuted"
    v = _verdict(claim, _table(acc, fit=np.full((6, 20), 0.3)))
    assert v.status == "inconclusive" and v.binding == "fitting seeds"


def test_refutation_needs_a_refute_region_and_its_bonferroni_p():
    """Two parts can refute: the refute p is twice the smaller one (Bonferroni over the claim's parts)."""
    rng = np.random.default_rng(4)
    acc = _acc(rng, 20, 0.2)
    a = Part("a", "fraction", CellMean("acc", {"g": "a"}), support=Above(0.8), refute=Below(0.5))
    b = Part("b", "fraction", CellMean("acc", {"g": "b"}), support=Above(0.8), refute=Below(0.5))
    v = _verdict(Claim("C-4", "x", "sim", parts=(a, b)), _table(acc))
    assert v.status == "refuted"
    assert v.p_refute == pytest.approx(min(1.0, 2 * min(p.p_refute for p in v.parts)))


def test_equivalence_by_tost_inside_a_margin():
    """Identical groups, margin 10 points, 60 replicates: supported by Inside (TOST); a 30-point gap is refuted."""
    rng = np.random.default_rng(5)
    same = _acc(rng, 60, 0.7, sd=0.02)
    q = Scaled(Diff(CellMean("acc", {"g": "b"}), CellMean("acc", {"g": "a"})), 100.0)
    part = Part("gap", "points", q, support=Inside(-10, 10), refute=Outside(-10, 10))
    assert _verdict(Claim("C-5", "x", "sim", parts=(part,)), _table(same)).status == "supported"
    apart = np.vstack([same[:3], same[3:] - 0.3])
    assert _verdict(Claim("C-5", "x", "sim", parts=(part,)), _table(apart)).status == "refuted"


def test_n_is_the_smallest_replicate_count_over_the_claims_parts():
    """Part a has 10 finite replicates, part b 7: the claim's n is 7."""
    acc = np.full((6, 10), 0.9)
    acc[3, 7:] = np.nan
    a = Part("a", "fraction", CellMean("acc", {"g": "a"}), support=Above(0.5))
    b = Part("b", "fraction", CellMean("acc", {"g": "b"}), support=Above(0.5))
    assert _verdict(Claim("C-6", "x", "sim", parts=(a, b)), _table(acc)).n == 7


def test_an_undeclared_range_is_undecided_with_a_message():
    """A part on a metric without a declared range stays inconclusive and says what to declare."""
    part = Part("q", "u", CellMean("other"), support=Above(0.0))
    table = Table(CASES, {"other": np.ones((6, 10))})
    v = _verdict(Claim("C-7", "x", "sim", parts=(part,)), table)
    assert v.status == "inconclusive" and "declares no range" in v.parts[0].note


def test_values_outside_the_declared_range_are_not_decided():
    """An accuracy of 1.5 breaks the declared [0, 1]: the part is undefined, the claim inconclusive."""
    part = Part("acc", "fraction", CellMean("acc"), support=Above(0.5))
    v = _verdict(Claim("C-8", "x", "sim", parts=(part,)), _table(np.full((6, 10), 1.5)))
    assert v.status == "inconclusive" and "outside the declared range" in v.parts[0].note


def test_exact_claim_one_violation_refutes_and_none_supports():
    """An invariance checked per replicate: all hold -> supported; one replicate violates -> refuted, counted."""
    part = Part("identical", "fraction", CellMean("fit"), support=Above(0.999), refute=Below(0.999))
    claim = Claim("C-9", "x", "sim", parts=(part,), exact=True)
    assert _verdict(claim, _table(np.ones((6, 10)))).status == "supported"
    fit = np.ones((6, 10))
    fit[2, 4] = 0.0
    v = _verdict(claim, _table(np.ones((6, 10)), fit=fit))
    assert v.status == "refuted" and v.parts[0].violations == 1 and math.isnan(v.p_value)


def test_exact_claim_below_its_minimum_replicates_is_inconclusive():
    """Two holding replicates are not enough for a claim declaring min_replicates=3."""
    part = Part("identical", "fraction", CellMean("fit"), support=Above(0.999))
    claim = Claim("C-10", "x", "sim", parts=(part,), exact=True, min_replicates=3)
    assert _verdict(claim, _table(np.ones((6, 2)))).status == "inconclusive"


def test_share_is_tested_exactly():
    """9 of 10 replicates above 0.9: the share's CI is Clopper-Pearson and 'share > 0.5' is supported."""
    acc = np.full((6, 10), 0.95)
    acc[:, 0] = 0.1
    part = Part("seeds reaching 0.9", "share", Share(CellMean("acc"), ">", 0.9), support=Above(0.5))
    v = _verdict(Claim("C-11", "x", "sim", parts=(part,)), _table(acc))
    assert v.status == "supported" and v.parts[0].method == "binomial" and v.effect == pytest.approx(0.9)


def test_composite_claims_with_one_part_at_the_bound_are_rarely_supported():
    """Through the whole engine (intervals, p, decision): a true part plus a part exactly at its bound is
    supported in at most 5% of 300 null datasets (Monte Carlo SE about 1.3%)."""
    rng = np.random.default_rng(6)
    hits = 0
    for _ in range(300):
        acc, truth = np.clip(rng.normal(0.6, 0.2, (6, 10)), 0, 1), 0.6
        a = Part("at bound", "fraction", CellMean("acc"), support=Above(truth - 0.004))  # clip shifts the mean a bit
        b = Part("true", "fraction", CellMean("fit"), support=Above(0.5))
        hits += _verdict(Claim("C-12", "x", "sim", parts=(a, b)), _table(acc)).status == "supported"
    assert hits / 300 <= 0.05


def test_a_claim_needs_parts_or_a_statistic_and_a_non_gate_part():
    """Declaring both, neither, or only gates is an error at declaration time."""
    gate = Part("fit", "fraction", CellMean("fit"), support=Above(0.9), gate=True)
    with pytest.raises(ValueError, match="either parts"):
        Claim("C-13", "x", "sim")
    with pytest.raises(ValueError, match="not a gate"):
        Claim("C-13", "x", "sim", parts=(gate,))
    with pytest.raises(ValueError, match="a gate has no refute"):
        Part("fit", "fraction", CellMean("fit"), support=Above(0.9), refute=Below(0.5), gate=True)


def test_an_exact_gate_fails_on_one_violating_replicate():
    """A guard on every seed (fit >= 0.9 in each replicate): one replicate at 0.3 leaves the claim undecided."""
    rng = np.random.default_rng(8)
    acc = _acc(rng, 40, 0.9)
    effect = Part("acc", "fraction", CellMean("acc"), support=Above(0.5))
    guard = Part("fit in every seed", "fraction", CellMean("fit"), support=Above(0.9), gate=True, exact=True)
    claim = Claim("C-14", "x", "sim", parts=(effect, guard))
    assert _verdict(claim, _table(acc)).status == "supported"
    fit = np.ones((6, 40))
    fit[:, 7] = 0.3
    v = _verdict(claim, _table(acc, fit=fit))
    assert v.status == "inconclusive" and v.binding == "fit in every seed" and v.parts[1].violations == 1


def test_an_exact_part_refutes_a_claim_on_one_violating_replicate():
    """An invariance inside a statistical claim: all replicates hold -> the claim can be supported; one breaks
    it -> refuted, with the violation counted."""
    rng = np.random.default_rng(9)
    acc = _acc(rng, 40, 0.9)
    effect = Part("acc", "fraction", CellMean("acc"), support=Above(0.5))
    invariance = Part("identical", "fraction", CellMean("fit"), support=Above(0.999), exact=True)
    claim = Claim("C-15", "x", "sim", parts=(effect, invariance))
    assert _verdict(claim, _table(acc)).status == "supported"
    fit = np.ones((6, 40))
    fit[2, 3] = 0.0
    v = _verdict(claim, _table(acc, fit=fit))
    assert v.status == "refuted" and v.parts[1].violations == 1


def test_overlapping_regions_let_the_refute_region_win():
    """support Above(-1) with refute Below(0) overlap on (-1, 0): an interval inside both is 'refute'."""
    rng = np.random.default_rng(12)
    x = np.array([1, 2, 4, 1, 2, 4], dtype=float)
    acc = np.column_stack([np.clip(0.9 - x / 10 + rng.normal(0, 1e-3, 6), 0, 1) for _ in range(30)])
    part = Part("rho", "rho", RankTrend("acc", "x", {"g": "a"}), support=Above(-1.0), refute=Below(0.0))
    v = _verdict(Claim("C-16", "x", "sim", parts=(part,)), _table(acc))
    assert v.parts[0].state == "refute" and v.status == "refuted"
