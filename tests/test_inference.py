"""Calibration of the engine's inference: false support and false refute at the bound, and power.

Every estimator a claim part can use reduces to per-replicate values tested by redshift.inference:
the mean of a bounded quantity (CellMean, Diff, Extreme, RankTrend; betting), the mean of an
unbounded one (Slope, Derived without a range; Hall's t with the sign-test guard) and a share of
replicates (Share; exact binomial). Null data put the truth exactly at the bound; a decision is
p <= 0.05 on the two-sided scale, i.e. one-sided level 2.5%, so the rate must stay at or below 5%
(the issue's bound; nominal 2.5%). With S simulated datasets the Monte Carlo standard error of a
rate near 5% is sqrt(0.05 * 0.95 / S): 0.0022 at S = 10,000; the asserted bound is 0.05 itself, so a
method whose true rate were 5% would fail about half the time: the bound is tested, not sampled.
The table in README ("How a verdict is decided") is printed by ``python tests/test_inference.py``.
"""
from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

from redshift import inference

S = 10_000
NS = (4, 10, 20)


def _mixture(rng: np.random.Generator, shape: tuple[int, int], fail: float = 0.1) -> tuple[np.ndarray, float]:
    """A tight ceiling (0.99 +- 0.005) with a minority of far-off failures (~0.3) on [0, 1]; its true mean."""
    failed = rng.random(shape) < fail
    y = np.where(failed, rng.uniform(0.2, 0.4, shape), np.clip(rng.normal(0.99, 0.005, shape), 0, 1))
    return y, (1 - fail) * 0.99 + fail * 0.3


def _skewed(rng: np.random.Generator, shape: tuple[int, int]) -> tuple[np.ndarray, float]:
    """Beta(0.3, 3) on [0, 1]: skewness about 2.7; its true mean."""
    return rng.beta(0.3, 3.0, shape), 0.3 / 3.3


def _share(rng: np.random.Generator, shape: tuple[int, int]) -> tuple[np.ndarray, float]:
    """0/1 indicators with success probability 0.7 (a share of replicates)."""
    return (rng.random(shape) < 0.7).astype(float), 0.7


def _rank_trend(rng: np.random.Generator, shape: tuple[int, int]) -> tuple[np.ndarray, float]:
    """Per-replicate Spearman rho of 5 ordered cells with no trend (RankTrend's values), mapped from [-1, 1]
    to [0, 1]; the truth is rho = 0 (0.5 after the map)."""
    y = rng.random(shape + (5,)).argsort(axis=-1).argsort(axis=-1)  # (S, n, 5) random ranks
    x = np.arange(5.0) - 2.0
    rho = ((y - 2.0) * x).sum(axis=-1) / (x @ x)  # Spearman of distinct ranks
    return (rho + 1) / 2, 0.5


def _rates_bounded(y: np.ndarray, truth: float) -> tuple[float, float]:
    """(rate of 'mean > truth' decided, rate of 'mean < truth' decided) by betting on [0, 1]."""
    m = np.full(y.shape[0], truth)
    return (float((inference.betting_p(y, m, "greater") <= 0.05).mean()),
            float((inference.betting_p(y, m, "less") <= 0.05).mean()))


def _rates_unbounded(y: np.ndarray, truth: float) -> tuple[float, float]:
    return (float((inference.hall_sign_p(y, truth, "greater") <= 0.05).mean()),
            float((inference.hall_sign_p(y, truth, "less") <= 0.05).mean()))


def _rates_share(y: np.ndarray, truth: float) -> tuple[float, float]:
    up = np.array([inference.binomial_p(row, truth, "greater") for row in y])
    down = np.array([inference.binomial_p(row, truth, "less") for row in y])
    return float((up <= 0.05).mean()), float((down <= 0.05).mean())


FAMILIES = {
    "mean, bounded: ceiling with 10% far-off failures": (_mixture, _rates_bounded),
    "mean, bounded: skewed Beta(0.3, 3)": (_skewed, _rates_bounded),
    "mean, bounded: normal (0.5 +- 0.1)": (lambda r, s: (np.clip(r.normal(0.5, 0.1, s), 0, 1), 0.5), _rates_bounded),
    "paired difference of two ceiling mixtures": (
        lambda r, s: ((_mixture(r, s)[0] - _mixture(r, s)[0] + 1) / 2, 0.5), _rates_bounded),
    "rank trend (per-replicate Spearman, no trend)": (_rank_trend, _rates_bounded),
    "mean, unbounded: normal": (lambda r, s: (r.normal(0.0, 1.0, s), 0.0), _rates_unbounded),
    "mean, unbounded: exponential (skewed)": (lambda r, s: (r.exponential(1.0, s), 1.0), _rates_unbounded),
    "mean, unbounded: negated exponential": (lambda r, s: (-r.exponential(1.0, s), -1.0), _rates_unbounded),
    "share of replicates (exact binomial)": (_share, _rates_share),
}


def calibration_table(sims: int = S) -> list[tuple[str, int, float, float]]:
    """(family, n, false support rate, false refute rate) for every family and n."""
    rows = []
    for k, (name, (make, rates)) in enumerate(FAMILIES.items()):
        for n in NS:
            rng = np.random.default_rng(1000 * k + n)
            y, truth = make(rng, (sims if "share" not in name else sims // 5, n))
            up, down = rates(y, truth)
            rows.append((name, n, up, down))
    return rows


@pytest.mark.parametrize("name", list(FAMILIES))
def test_false_support_and_false_refute_stay_at_or_below_5_percent(name):
    """At the bound, neither side is decided in more than 5% of null datasets, at n = 4, 10 and 20."""
    make, rates = FAMILIES[name]
    for n in NS:
        rng = np.random.default_rng(zlib.crc32(name.encode()) + n)
        y, truth = make(rng, (S if "share" not in name else S // 5, n))
        up, down = rates(y, truth)
        assert up <= 0.05 and down <= 0.05, (name, n, up, down)


def test_a_bounded_metric_at_four_replicates_is_never_decided_near_its_ceiling():
    """Four perfect replicates cannot rule out an unseen failing seed: mean > 0.9 on [0, 1] is not supported."""
    assert inference.p_value(np.ones(4), 0.0, 1.0, 0.9, "greater") > 0.05


def test_an_unbounded_quantity_needs_six_replicates():
    """Below 6 replicates the sign-test guard cannot reach 0.05, whatever the spread."""
    y = np.array([10.0, 10.1, 10.2, 10.05, 10.15])
    assert inference.p_value(y, -math.inf, math.inf, 0.0, "greater") > 0.05
    assert inference.p_value(np.append(y, 10.12), -math.inf, math.inf, 0.0, "greater") <= 0.05


def test_the_sign_guard_is_continuous_in_the_data():
    """Ten values of 1.0 and nine of 1.0 with one 0.95 get the same p against 0.5 (no special case for no spread)."""
    a = inference.p_value(np.ones(10), -math.inf, math.inf, 0.5, "greater")
    b = inference.p_value(np.r_[np.ones(9), 0.95], -math.inf, math.inf, 0.5, "greater")
    assert a == b == pytest.approx(2 * 0.5**10)


def test_power_at_one_sd_with_twenty_replicates():
    """A true effect of 1 SD at n = 20 is decided in at least 85% of datasets (normal: ~0.91; bounded sd 0.2: ~0.92)."""
    rng = np.random.default_rng(7)
    normal = rng.normal(1.0, 1.0, (4000, 20))
    assert (inference.hall_sign_p(normal, 0.0, "greater") <= 0.05).mean() >= 0.85
    bounded = np.clip(rng.normal(0.6, 0.2, (4000, 20)), 0, 1)
    assert (inference.betting_p(bounded, np.full(4000, 0.4), "greater") <= 0.05).mean() >= 0.85


@pytest.mark.parametrize("lo,hi", [(0.0, 1.0), (-math.inf, math.inf)])
def test_the_interval_excludes_a_bound_exactly_when_its_test_rejects(lo, hi):
    """The 95% interval is the inversion of the p-value: it lies above m iff p('greater than m') <= 0.05."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        y = np.clip(rng.normal(0.6, 0.15, 12), 0, 1)
        low, high = inference.interval(y, lo, hi)
        for m in (low - 1e-6, low + 1e-6, high - 1e-6, high + 1e-6):
            assert (inference.p_value(y, lo, hi, m, "greater") <= 0.05) == (m < low)
            assert (inference.p_value(y, lo, hi, m, "less") <= 0.05) == (m > high)


def test_binomial_interval_is_clopper_pearson():
    """7 of 10: the exact interval [0.348, 0.933]."""
    low, high = inference.binomial_interval(np.r_[np.ones(7), np.zeros(3)])
    assert (round(low, 3), round(high, 3)) == (0.348, 0.933)


if __name__ == "__main__":  # the calibration table quoted in README
    print("| estimator and null family | n | false support | false refute |\n| --- | --- | --- | --- |")
    for name, n, up, down in calibration_table():
        print(f"| {name} | {n} | {up:.4f} | {down:.4f} |")


def test_a_half_bounded_quantity_is_never_decided_against_its_missing_end():
    """Distances in [0, inf): 'mean < m' never rejects (one unseen seed far out could put the mean anywhere),
    even for twelve values near 0; 'mean > m' is tested, and the interval is open above."""
    y = np.full(12, 2e-4)
    assert inference.p_value(y, 0.0, math.inf, 1e-3, "less") == 1.0
    assert inference.interval(y, 0.0, math.inf)[1] == math.inf
    assert inference.p_value(np.full(12, 5.0), 0.0, math.inf, 1.0, "greater") <= 0.05


def test_spiky_data_on_a_half_bounded_range_are_never_falsely_decided():
    """10% of seeds at 10, the rest at 0 (mean 1): 'mean < 1' is decided in no dataset at n = 4, 10, 20 (the
    t-type tests alone decided it in about 35% at n = 10)."""
    rng = np.random.default_rng(11)
    for n in NS:
        y = np.where(rng.random((2000, n)) < 0.1, 10.0, 0.0)
        assert max(inference.p_value(row, 0.0, math.inf, 1.0, "less") for row in y) == 1.0
