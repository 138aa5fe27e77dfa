"""Statistics behind verdicts: bootstrap CIs, rank trends with permutation p, t and TOST p, Holm.

Conventions. Every p-value here is on the "two-sided scale": twice the one-sided p of the
hypothesis that the effect lies beyond a bound, so that ``p <= 0.05`` matches a 95% confidence
interval excluding the bound. CI and p come from different methods for some statistics (a
percentile bootstrap CI beside a t-test or permutation p), so they can disagree near the bound; a
verdict needs both (see redshift.claims).

Small samples. The percentile bootstrap is too narrow with few replicates (its spread is the
plug-in sd, and it uses normal rather than t quantiles). Every bootstrap interval here is the
*expanded* percentile interval (Hesterberg 2015, "What teachers should know about the bootstrap",
s. 5.2): percentiles at alpha'/2 = Phi(-sqrt(n/(n-1)) t_{n-1, 1-alpha/2}), which for a mean matches
the t interval; bootstrap p-values are t-tests with the bootstrap standard error (for a mean, the
one-sample t-test). Data without spread get no p below the exact sign test's ``2 * 0.5**n``
(``sign_floor``, applied by redshift.claims): three identical replicates are one chance in eight.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np
from scipy import stats as sps

Side = Literal["greater", "less"]


@dataclass(frozen=True)
class Estimate:
    """An effect with its 95% CI, the replicate count, and the bootstrap distribution behind it."""

    effect: float
    ci_low: float
    ci_high: float
    n: int
    distribution: np.ndarray | None = None


def expanded_confidence(n: int, confidence: float = 0.95) -> float:
    """The percentile level that widens a bootstrap interval of n replicates to the t interval's width."""
    if n < 2:
        return confidence
    t = sps.t.ppf(0.5 + confidence / 2, n - 1)
    return float(1.0 - 2.0 * sps.norm.cdf(-np.sqrt(n / (n - 1)) * t))


def _finite(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return x[np.isfinite(x)]


def bootstrap(
    samples: tuple[np.ndarray, ...],
    statistic: Callable[..., float],
    *,
    paired: bool,
    rng: np.random.Generator,
    n_resamples: int = 2000,
    vectorized: bool = False,
    confidence: float = 0.95,
) -> Estimate:
    """Percentile bootstrap CI of ``statistic(*samples)`` via scipy.stats.bootstrap.

    A constant sample gives a zero-width CI at the observed value instead of NaN.
    """
    effect = float(statistic(*samples))
    n = int(min(len(s) for s in samples))
    if n < 2 or not np.isfinite(effect):
        return Estimate(effect, float("nan"), float("nan"), n)
    if all(np.ptp(s) == 0 for s in samples):
        return Estimate(effect, effect, effect, n, np.full(n_resamples, effect))
    level = expanded_confidence(n, confidence)
    kwargs = dict(paired=paired, vectorized=vectorized, n_resamples=n_resamples,
                  confidence_level=level, random_state=rng)
    if vectorized:
        kwargs["axis"] = -1
    with warnings.catch_warnings():  # a degenerate resample distribution is handled below, not an error
        warnings.simplefilter("ignore", sps.DegenerateDataWarning)
        res = sps.bootstrap(samples, statistic, method="percentile", **kwargs)
    dist = np.asarray(res.bootstrap_distribution, dtype=float)
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    if not np.isfinite(dist).all():  # undefined resamples count against every conclusion
        lo, hi = percentile_ci(dist, n, confidence)
    return covering(Estimate(effect, lo, hi, n, dist))


def covering(est: Estimate) -> Estimate:
    """Widen a CI that excludes its own point estimate (a percentile-bootstrap artefact of rank
    statistics on resamples with duplicated points) so that it includes it: conservative."""
    if not (np.isfinite(est.ci_low) and np.isfinite(est.ci_high) and np.isfinite(est.effect)):
        return est
    return Estimate(est.effect, min(est.ci_low, est.effect), max(est.ci_high, est.effect), est.n, est.distribution)


def percentile_ci(dist: np.ndarray, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The expanded percentile interval of a bootstrap distribution.

    An undefined (NaN) resample counts against every conclusion: it is placed below all others for
    the lower end and above all others for the upper end, so a statistic that is undefined in more
    than the tail's share of resamples gets an infinite interval (inconclusive), never a CI from
    only the resamples where its gates happened to pass.
    """
    dist = np.asarray(dist, dtype=float)
    if dist.size == 0 or not np.isfinite(dist).any():
        return float("nan"), float("nan")
    tail = 50 * (1 - expanded_confidence(n, confidence))
    undefined = ~np.isfinite(dist)
    lo = np.percentile(np.where(undefined, -np.inf, dist), tail, method="lower")  # no interpolation
    hi = np.percentile(np.where(undefined, np.inf, dist), 100 - tail, method="higher")  # across infinities
    return float(lo), float(hi)


def bootstrap_p(distribution: np.ndarray, bound: float, side: Side, n: int, effect: float) -> float:
    """Two-sided-scale p that the effect is ``side`` of ``bound``: a t-test with the bootstrap SE.

    t = (effect - bound) / (sd of the bootstrap distribution * sqrt(n / (n - 1))) on n - 1 degrees
    of freedom: for a mean this is the ordinary one-sample t-test, and unlike a count of resamples
    beyond the bound it does not saturate at 1 / (B + 1) for large effects. A distribution without
    spread gives p = 0 on the right side (the caller floors it unless the claim is exact), 1 otherwise.
    """
    dist = _finite(distribution)
    if dist.size < 2 or n < 2 or not np.isfinite(effect):
        return 1.0
    signed = (effect - bound) if side == "greater" else (bound - effect)
    sd = float(np.std(dist, ddof=1))
    if sd == 0:
        return 0.0 if signed > 0 else 1.0
    t = signed / (sd * np.sqrt(n / (n - 1)))
    return float(min(1.0, 2.0 * sps.t.sf(t, n - 1)))


def t_p(diff: np.ndarray, bound: float, side: Side, other: np.ndarray | None = None) -> float:
    """Two-sided-scale t-test p that mean(diff) (or mean(diff) - mean(other), Welch) is ``side`` of ``bound``."""
    x = _finite(diff)
    if other is None:
        if x.size < 2:
            return 1.0
        if np.ptp(x) == 0:
            return 0.0 if (x[0] > bound if side == "greater" else x[0] < bound) else 1.0
        p = sps.ttest_1samp(x, bound, alternative=side).pvalue
    else:
        y = _finite(other)
        if x.size < 2 or y.size < 2:
            return 1.0
        if np.ptp(x) == 0 and np.ptp(y) == 0:
            d = x[0] - y[0]
            return 0.0 if (d > bound if side == "greater" else d < bound) else 1.0
        p = sps.ttest_ind(x - bound, y, equal_var=False, alternative=side).pvalue
    return float(min(1.0, 2.0 * p)) if np.isfinite(p) else 1.0


def sign_floor(n: int) -> float:
    """The smallest two-sided-scale p that n replicates can give without distributional assumptions."""
    return float(min(1.0, 2.0 * 0.5 ** max(int(n), 0)))


def tost_p(p_above_low: float, p_below_high: float) -> float:
    """TOST: equivalence holds when both one-sided tests reject; its p is the larger of the two."""
    return max(p_above_low, p_below_high)


def rank_correlation(x: np.ndarray, y: np.ndarray, method: Literal["spearman", "kendall"] = "spearman") -> float:
    """Spearman's rho or Kendall's tau-b of y against x; NaN when either is constant."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    if method == "kendall":
        return float(sps.kendalltau(x, y).statistic)
    return float(sps.spearmanr(x, y).statistic)


def spearman_rows(x: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Spearman's rho of each row of ``ys`` (B, n) against ``x`` (n,), NaN-free rows only; NaN if constant."""
    rx = sps.rankdata(x)
    ry = sps.rankdata(ys, axis=1)  # (B, n), average ranks for ties
    a = rx - rx.mean()
    b = ry - ry.mean(axis=1, keepdims=True)
    denom = np.sqrt((a * a).sum() * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (b * a).sum(axis=1) / denom
    rho[~np.isfinite(ys).all(axis=1)] = np.nan
    return rho


def permutation_trend_p(x: np.ndarray, y: np.ndarray, side: Side, *, method: Literal["spearman", "kendall"],
                        rng: np.random.Generator, n_resamples: int = 2000) -> float:
    """Two-sided-scale permutation p that the rank correlation of y with x is ``side`` of 0."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size < 3 or np.ptp(x) == 0:
        return 1.0
    if np.ptp(y) == 0:
        return 1.0
    if method == "spearman":
        rx, ry = sps.rankdata(x), sps.rankdata(y)

        def stat(v: np.ndarray, axis: int = -1) -> np.ndarray:
            # Pearson correlation of ranks = Spearman's rho; v is (..., n) ranks of y permuted.
            a = rx - rx.mean()
            b = v - v.mean(axis=axis, keepdims=True)
            return (b * a).sum(axis) / np.sqrt((a * a).sum() * (b * b).sum(axis))

        data, vec = (ry,), True
    else:
        def stat(v: np.ndarray) -> float:
            return sps.kendalltau(x, v).statistic

        data, vec = (y,), False
    res = sps.permutation_test(data, stat, permutation_type="pairings", vectorized=vec,
                               n_resamples=n_resamples, alternative=side, random_state=rng)
    return float(min(1.0, 2.0 * res.pvalue))


def holm(pvalues: list[float], family_size: int | None = None) -> list[float]:
    """Holm-Bonferroni adjusted p-values (same order as given).

    A NaN p (a claim whose effect could not be computed) counts as 1 in the family; a family
    larger than the p-values given (claims of the suite not evaluated in this run) is padded with
    p = 1, so selecting a subset of claims never weakens the correction.
    """
    p = np.nan_to_num(np.asarray(pvalues, dtype=float), nan=1.0)
    m = max(p.size, family_size or 0)
    out = np.empty(p.shape)
    running = 0.0
    for rank, i in enumerate(np.argsort(p, kind="stable")):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out.tolist()
