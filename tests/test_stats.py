"""Statistics primitives on inputs with known answers."""
import numpy as np
import pytest

from redshift import stats


def test_holm_matches_hand_computation():
    """Holm adjusts sorted p-values by (m - rank) and keeps them monotone."""
    adjusted = stats.holm([0.01, 0.04, 0.03, 0.5])
    assert adjusted == pytest.approx([0.04, 0.09, 0.09, 0.5])


def test_holm_counts_nan_as_one_and_pads_the_family():
    """A claim without a p-value counts as p = 1; a family of 5 given 2 p-values adjusts by 5 and 4."""
    adjusted = stats.holm([0.01, float("nan"), 0.02])
    assert adjusted == pytest.approx([0.03, 1.0, 0.04])
    assert stats.holm([0.01, 0.02], family_size=5) == pytest.approx([0.05, 0.08])


def test_sign_floor_is_the_exact_sign_test():
    """n replicates all on one side give two-sided-scale p = 2 * 0.5**n."""
    assert [stats.sign_floor(n) for n in (1, 3, 10)] == pytest.approx([1.0, 0.25, 2 / 1024])


def test_bootstrap_of_constant_sample_is_zero_width():
    """A constant sample gives the observed value as both CI ends."""
    est = stats.bootstrap((np.full(10, 3.0),), np.mean, paired=False, rng=np.random.default_rng(0))
    assert (est.effect, est.ci_low, est.ci_high) == (3.0, 3.0, 3.0)


def test_bootstrap_ci_covers_the_mean_of_normal_data():
    """The 95% CI of a mean of 400 N(5, 1) draws is about 5 +- 0.1."""
    x = np.random.default_rng(1).normal(5.0, 1.0, 400)
    est = stats.bootstrap((x,), np.mean, paired=False, rng=np.random.default_rng(2), vectorized=True, n_resamples=2000)
    assert est.ci_low < 5.0 < est.ci_high
    assert est.ci_high - est.ci_low == pytest.approx(2 * 1.96 / 20, rel=0.15)


def test_t_p_is_twice_the_one_sided_p():
    """The two-sided-scale p equals 2 x scipy's one-sided p."""
    from scipy import stats as sps

    x = np.array([0.3, 1.2, 0.8, 1.9, 0.1, 1.1])
    assert stats.t_p(x, 0.0, "greater") == pytest.approx(2 * sps.ttest_1samp(x, 0.0, alternative="greater").pvalue)


def test_t_p_of_constant_sample_is_exact():
    """A constant sample on the right side of the bound has p = 0, on the wrong side p = 1."""
    assert stats.t_p(np.ones(5), 0.0, "greater") == 0.0
    assert stats.t_p(np.ones(5), 2.0, "greater") == 1.0


def test_rank_correlation_of_monotone_data_is_one():
    """A strictly increasing relation has Spearman rho 1 and Kendall tau 1."""
    x = np.arange(10.0)
    assert stats.rank_correlation(x, x**3) == pytest.approx(1.0)
    assert stats.rank_correlation(x, -x, method="kendall") == pytest.approx(-1.0)


def test_spearman_rows_matches_scipy():
    """The vectorized rho equals scipy.stats.spearmanr row by row, ties included."""
    from scipy import stats as sps

    rng = np.random.default_rng(3)
    x = np.repeat(np.arange(4.0), 5)
    ys = rng.integers(0, 6, size=(7, 20)).astype(float)
    want = [sps.spearmanr(x, y).statistic for y in ys]
    assert stats.spearman_rows(x, ys) == pytest.approx(want)


def test_permutation_p_small_for_a_perfect_trend_and_large_for_the_wrong_side():
    """A perfect increasing trend of 12 points is significant upward, not downward."""
    x = np.arange(12.0)
    rng = np.random.default_rng(4)
    assert stats.permutation_trend_p(x, x, "greater", method="spearman", rng=rng, n_resamples=999) < 0.01
    assert stats.permutation_trend_p(x, x, "less", method="spearman", rng=rng, n_resamples=999) == 1.0


def test_bootstrap_p_is_the_t_test_with_the_bootstrap_se():
    """For a mean, the bootstrap-SE t-test p equals scipy's one-sample t-test p (x2) to bootstrap accuracy."""
    from scipy import stats as sps

    x = np.random.default_rng(7).normal(0.5, 1.0, 12)
    est = stats.bootstrap((x,), np.mean, paired=False, rng=np.random.default_rng(8), vectorized=True,
                          n_resamples=20000)
    p = stats.bootstrap_p(est.distribution, 0.0, "greater", n=12, effect=est.effect)
    want = 2 * sps.ttest_1samp(x, 0.0, alternative="greater").pvalue
    assert p == pytest.approx(want, rel=0.05)


def test_bootstrap_p_of_a_distribution_without_spread():
    """No spread: p = 0 on the right side of the bound, 1 on the wrong side."""
    dist = np.full(100, 2.0)
    assert stats.bootstrap_p(dist, 0.0, "greater", n=5, effect=2.0) == 0.0
    assert stats.bootstrap_p(dist, 3.0, "greater", n=5, effect=2.0) == 1.0


def test_expanded_interval_matches_the_t_interval_for_a_mean():
    """For n = 8 the expanded percentile level makes a normal-theory interval as wide as the t interval."""
    from scipy import stats as sps

    level = stats.expanded_confidence(8)
    z = sps.norm.ppf(0.5 + level / 2)
    # the bootstrap sd of a mean is the plug-in sd / sqrt(n) = s sqrt((n-1)/n) / sqrt(n)
    assert z * np.sqrt(7 / 8) == pytest.approx(sps.t.ppf(0.975, 7))


def test_covering_widens_a_ci_that_excludes_its_estimate():
    """A CI [0.944, 0.947] around an estimate 0.943 becomes [0.943, 0.947]; a covering CI is unchanged."""
    est = stats.covering(stats.Estimate(0.943, 0.944, 0.947, 10))
    assert (est.ci_low, est.ci_high) == (0.943, 0.947)
    same = stats.covering(stats.Estimate(1.0, 0.5, 1.5, 10))
    assert (same.ci_low, same.ci_high) == (0.5, 1.5)


def test_undefined_resamples_count_against_the_interval():
    """NaN resamples are put beyond both ends: 10% NaN gives an infinite CI, 1% NaN widens it a little."""
    rng = np.random.default_rng(9)
    dist = rng.normal(0, 1, 1000)
    many = dist.copy()
    many[:100] = np.nan
    assert stats.percentile_ci(many, n=10**6) == (-np.inf, np.inf)
    few = dist.copy()
    few[:10] = np.nan
    lo, hi = stats.percentile_ci(few, n=10**6)
    clean_lo, clean_hi = stats.percentile_ci(dist[10:], n=10**6)
    assert np.isfinite(lo) and lo < clean_lo and hi > clean_hi
