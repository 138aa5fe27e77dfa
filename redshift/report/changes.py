"""Noise-aware two-sample tests for "did this number change between two versions?", batched over rows.

Each row k is one quantity (a metric of a case, or a kernel timing) measured in version A and in
version B over replicates: ``a`` is (K, Ra), ``b`` is (K, Rb), NaN where a replicate is missing.
Every row is tested at once (no Python loop over rows):

- change: Welch's t-test of mean(b) - mean(a) != 0 (two-sided), or Mann-Whitney U over replicates,
  or (``paired``) the t-test of the differences b_r - a_r of replicates matched by index;
- unchanged: TOST (two one-sided t-tests, Welch or paired as the change test; Welch for
  Mann-Whitney) of |mean(b) - mean(a)| < margin, margin per row;
- both families are Holm-corrected (``redshift.stats.holm``) across the rows compared together.

Identical rows. Replicates are matched by index (column); a row whose replicate values are
bit-identical in A and B is "unchanged" exactly (p_equiv = 0), whatever its margin.

Pairing. Seeds hash (suite, case, replicate), so replicate r of A and of B start from the same
seed, and the differences b_r - a_r are independent across r: the paired test is valid whenever
replicate indices match, and far more powerful when a change only perturbs values slightly.

Degenerate rows. A row whose standard error is 0 (constant replicates, or constant differences
when paired) is decided exactly: p_change = 0 if the means differ else 1, p_equiv = 0 if
|diff| <= margin else 1. A row with fewer than 2 finite replicates on a side gets NaN p-values
and the status ``inconclusive``. "Inconclusive" is not evidence of no change: the replicates could
not tell, and the margin (declared by the metric) is what "unchanged" means.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats as sps

from redshift import stats

ALPHA = 0.05
Method = Literal["welch", "paired", "mannwhitney"]
Direction = Literal["higher", "lower", "none"]


@dataclass(frozen=True)
class Moments:
    """Per-row replicate summaries: count, mean and sample standard deviation (ddof=1), each (K,)."""

    n: np.ndarray
    mean: np.ndarray
    sd: np.ndarray


def moments(x: np.ndarray) -> Moments:
    """Finite-count, nan-mean and nan-sd (ddof=1; NaN when n < 2) of each row of ``x`` (K, R)."""
    x = np.asarray(x, dtype=float)
    n = np.isfinite(x).sum(axis=1)  # (K,)
    with np.errstate(all="ignore"):
        mean = np.where(n > 0, np.nansum(x, axis=1) / np.maximum(n, 1), np.nan)
        dev = np.where(np.isfinite(x), x - mean[:, None], 0.0)  # (K, R)
        var = np.where(n > 1, (dev * dev).sum(axis=1) / np.maximum(n - 1, 1), np.nan)
    return Moments(n, mean, np.sqrt(var))


@dataclass(frozen=True)
class Parts:
    """What a t-test needs per row (K,): diff = mean(b) - mean(a), its standard error, df, and
    whether both sides have at least 2 finite replicates."""

    diff: np.ndarray
    se: np.ndarray
    df: np.ndarray
    enough: np.ndarray


def t_parts(a: np.ndarray, b: np.ndarray, paired: bool = False) -> Parts:
    """Welch (1947): se^2 = s_a^2/n_a + s_b^2/n_b with Welch-Satterthwaite df; paired: the one-sample
    t of the replicate differences b_r - a_r (replicates present in both), se = s_d/sqrt(n), df = n - 1."""
    if paired:
        md = moments(np.asarray(b, float) - np.asarray(a, float))  # (K,) over shared replicates
        with np.errstate(all="ignore"):
            return Parts(md.mean, md.sd / np.sqrt(md.n), md.n - 1.0, md.n >= 2)
    ma, mb = moments(a), moments(b)
    with np.errstate(all="ignore"):
        va, vb = ma.sd ** 2 / ma.n, mb.sd ** 2 / mb.n  # (K,) squared standard errors
        df = (va + vb) ** 2 / (va ** 2 / (ma.n - 1) + vb ** 2 / (mb.n - 1))
    return Parts(mb.mean - ma.mean, np.sqrt(va + vb), df, (ma.n >= 2) & (mb.n >= 2))


def welch_p(a: np.ndarray, b: np.ndarray, paired: bool = False) -> np.ndarray:
    """Two-sided t-test p of mean(b) != mean(a) per row (K,): scipy's ttest_ind(equal_var=False),
    or ttest_rel when ``paired``."""
    t = t_parts(a, b, paired)
    with np.errstate(all="ignore"):
        p = 2 * sps.t.sf(np.abs(t.diff) / t.se, t.df)  # (K,)
    return _degenerate(p, np.where(t.diff != 0, 0.0, 1.0), t)


def tost_p(a: np.ndarray, b: np.ndarray, margin: np.ndarray, paired: bool = False) -> np.ndarray:
    """TOST p of -margin < mean(b) - mean(a) < margin per row (K,): the larger one-sided t p."""
    t = t_parts(a, b, paired)
    margin = np.broadcast_to(np.asarray(margin, dtype=float), t.diff.shape)
    with np.errstate(all="ignore"):
        p_low = sps.t.sf((t.diff + margin) / t.se, t.df)  # H0: diff <= -margin
        p_high = sps.t.cdf((t.diff - margin) / t.se, t.df)  # H0: diff >= +margin
    return _degenerate(np.maximum(p_low, p_high), np.where(np.abs(t.diff) <= margin, 0.0, 1.0), t)


def mannwhitney_p(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two-sided Mann-Whitney U p per row (K,) (scipy, NaN-omitting); exact rule for constant rows."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    gaps = bool(np.isnan(a).any() or np.isnan(b).any())  # scipy's omit path is slow: only when needed
    with np.errstate(all="ignore"):
        res = sps.mannwhitneyu(a, b, axis=1, nan_policy="omit" if gaps else "propagate", alternative="two-sided")
    t = t_parts(a, b)
    p = np.asarray(res.pvalue, dtype=float).reshape(t.diff.shape)
    return _degenerate(p, np.where(t.diff != 0, 0.0, 1.0), t)


def _degenerate(p: np.ndarray, exact: np.ndarray, t: Parts) -> np.ndarray:
    """NaN where a side has < 2 finite replicates; the exact decision where the se is 0 (constant data)."""
    return np.where(~t.enough, np.nan, np.where(t.enough & (t.se == 0), exact, p))


def identical(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(K,) rows whose replicates are bit-identical, column by column (>= 1 finite; same NaN gaps).

    Seeds hash (suite, case, replicate), so replicate r of two versions shares its seed: an
    unchanged computation reproduces every value exactly, which proves "unchanged" at any margin.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape:
        return np.zeros(a.shape[0], dtype=bool)
    same = (a == b) | (np.isnan(a) & np.isnan(b))  # (K, R)
    return same.all(axis=1) & (np.isfinite(a).sum(axis=1) >= 1)


@dataclass(frozen=True)
class Changes:
    """The outcome per row (K,): diff, raw and Holm-adjusted p of change and of equivalence, status."""

    diff: np.ndarray
    p_change: np.ndarray
    p_equiv: np.ndarray
    p_change_holm: np.ndarray
    p_equiv_holm: np.ndarray
    status: np.ndarray  # "unchanged" | "regression" | "improvement" | "changed" | "inconclusive"


def decide_changes(a: np.ndarray, b: np.ndarray, margin: np.ndarray, direction: np.ndarray,
                 method: Method = "welch") -> Changes:
    """Decide every row: unchanged (TOST, Holm) first, else a change (Holm), else inconclusive.

    ``direction`` (K,) says which way is better ("higher" | "lower" | "none"): a significant
    change the wrong way is a regression, the right way an improvement, and "changed" when the
    metric declares no direction.
    """
    paired = method == "paired"
    p_change = mannwhitney_p(a, b) if method == "mannwhitney" else welch_p(a, b, paired)
    same = identical(a, b)
    p_equiv = np.where(same, 0.0, tost_p(a, b, margin, paired))
    ch, eq = np.asarray(stats.holm(list(p_change))), np.asarray(stats.holm(list(p_equiv)))
    diff = t_parts(a, b, paired).diff  # (K,)
    direction = np.asarray(direction, dtype=object)
    worse = ((direction == "higher") & (diff < 0)) | ((direction == "lower") & (diff > 0))
    better = ((direction == "higher") & (diff > 0)) | ((direction == "lower") & (diff < 0))
    significant = np.nan_to_num(ch, nan=1.0) <= ALPHA
    status = np.select([same | (np.nan_to_num(eq, nan=1.0) <= ALPHA), significant & worse, significant & better,
                        significant], ["unchanged", "regression", "improvement", "changed"], "inconclusive")
    return Changes(diff, p_change, p_equiv, ch, eq, status.astype(object))
