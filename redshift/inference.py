"""Inference for a mean over replicates, calibrated at the replicate counts suites use (3 to 50).

Every part of a claim reduces its cells to one value per replicate, y_1..y_n (replicates are
independent seeds), and asks whether the mean of y lies beyond a bound. Two methods, chosen by the
range the quantity declares, give a p-value on the two-sided scale (twice the one-sided p, so that
``p <= 0.05`` matches a 95% interval that excludes the bound) and the 95% interval obtained by
inverting that same test, so interval and p never disagree:

- **Finite range [lo, hi]: testing by betting** (Waudby-Smith & Ramdas 2023, "Estimating means of
  bounded random variables by betting", JRSSB 86(1), s. 4-5). Under H0 "mean <= m" the capital
  prod_i (1 + lambda_i (z_i - m)) of predictable bets on z = (y - lo)/(hi - lo) is a nonnegative
  supermartingale, so 1/capital is a valid p-value (Markov) for *any* distribution on the range:
  normal, skewed, or a tight ceiling with a few far-off failures. The bets are the paper's
  predictable plug-in (its eq. 26, fixed n) capped at c/m for c in CAPS; the capitals of these
  strategies over PERMUTATIONS fixed orders of the replicates are averaged (an average of e-values
  is an e-value), which removes the dependence on replicate order. The price of validity is stated
  honestly: n replicates all equal to v cannot give p below about 2 (m/v)^n, so a bounded metric
  at n = 4 cannot rule out an unseen failing seed, and such a claim stays undecided.
- **Bounded on one side only** (e.g. a distance in [0, inf)): the test that needs the missing end
  ("mean < m" with values unbounded above) never rejects: a few seeds far out, unseen, could put the
  mean anywhere (with 10% of seeds at 10 and the rest at 0, the t-type tests below decided "mean < 1"
  35% of the time at n = 10). Declare a finite range, or state the claim as a share of seeds. The
  other direction uses the test below (conservative there for right-skewed data: <= 0.1% measured).
- **Unbounded: Hall's skewness-corrected t, guarded by the exact sign test.** p = max(p_Hall,
  p_sign): Hall (1992, JRSSB 54(1), "On the removal of skewness by transformation") removes the
  first-order skewness term of the t statistic; the sign test (exact binomial on the count of
  replicates beyond the bound) is a continuous-in-the-data floor that replaces the former special
  case for constant data (ten values of 1.0 and nine of 1.0 with one 0.95 get the same p) and
  keeps moderately skewed data near nominal (exponential: <= 3.8% at n = 10-20). It is an
  approximation: with no declared range nothing rules out heavy tails (lognormal(0, 1) 'less':
  about 6%), which is why metrics should declare the range they have. Below 6 replicates the sign
  test cannot reach 0.05, so an unbounded quantity is never decided on 5 or fewer replicates.

The measured calibration of both (false support at the bound, power at 1 SD) is in README, "How a
verdict is decided", and tests/test_inference.py.
"""
from __future__ import annotations

import math
from typing import Literal

import numpy as np
from scipy import stats as sps

Side = Literal["greater", "less"]
Method = Literal["betting", "hall-sign", "exact"]
ALPHA = 0.05  # two-sided scale: one-sided level 0.025 on each side
CAPS = (0.75, 0.99)  # bet caps c (fraction of the largest bet that keeps the capital >= 0); WSR suggest 3/4
PERMUTATIONS = 8  # fixed replicate orders averaged over (the first is the identity)
_BISECT = 48


def method_for(lo: float, hi: float) -> Method:
    """The method a quantity with range [lo, hi] is tested with."""
    return "betting" if math.isfinite(lo) and math.isfinite(hi) else "hall-sign"


def _orders(n: int) -> np.ndarray:
    """(P, n) fixed permutations of n replicates, the same for every call (identity first)."""
    rng = np.random.default_rng(20261207 + n)
    rows = [np.arange(n)] + [rng.permutation(n) for _ in range(PERMUTATIONS - 1)]
    return np.array(rows)


def _bets(z: np.ndarray) -> np.ndarray:
    """Predictable plug-in bet sizes (before capping) for each position of z (..., n) in [0, 1].

    lambda_t = sqrt(2 log(1/a) / (n s2_{t-1})), with the running estimates of WSR eq. 26:
    mu_t = (1/2 + sum_{i<=t} z_i)/(t+1), s2_t = (1/4 + sum_{i<=t} (z_i - mu_i)^2)/(t+1).
    """
    n = z.shape[-1]
    t = np.arange(1, n + 1)
    mu = (0.5 + np.cumsum(z, axis=-1)) / (t + 1)
    s2 = (0.25 + np.cumsum((z - mu) ** 2, axis=-1)) / (t + 1)
    s2_prev = np.concatenate([np.full(z.shape[:-1] + (1,), 0.25), s2[..., :-1]], axis=-1)
    return np.sqrt(2 * math.log(2 / ALPHA) / (n * s2_prev))


def betting_p(z: np.ndarray, m: float | np.ndarray, side: Side) -> np.ndarray:
    """Two-sided-scale p that mean(z) is ``side`` of m, z (..., n) in [0, 1]; m broadcasts over ``...``."""
    z = np.asarray(z, dtype=float)
    m = np.asarray(m, dtype=float)[..., None]
    if side == "less":  # mirror: mean(z) < m  <=>  mean(1 - z) > 1 - m
        z, m = 1.0 - z, 1.0 - m
    zp = z[..., _orders(z.shape[-1])]  # (..., P, n)
    raw = _bets(zp)  # (..., P, n)
    m_ = m[..., None]  # (..., 1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        capital = 0.0
        for c in CAPS:
            lam = np.minimum(raw, np.where(m_ > 0, c / np.maximum(m_, 1e-300), np.inf))
            factors = np.maximum(1.0 + lam * (zp - m_), 0.0)
            capital = capital + np.exp(np.log(factors).sum(axis=-1)).mean(axis=-1)
        capital = capital / len(CAPS)
        p = np.minimum(1.0, 2.0 / capital)
    m0 = m[..., 0]
    p = np.where(m0 >= 1.0, 1.0, p)  # nothing in [0, 1] has a mean above 1
    p = np.where(m0 < 0.0, 0.0, p)  # every distribution on [0, 1] has a mean above a negative m
    at_zero = (m0 == 0.0) & (z.max(axis=-1) > 0)  # mean 0 forces every value to 0: one positive value refutes it
    return np.where(at_zero, 0.0, np.nan_to_num(p, nan=1.0))


def hall_sign_p(y: np.ndarray, bound: float | np.ndarray, side: Side) -> np.ndarray:
    """Two-sided-scale p = max(Hall's skewness-corrected t, exact sign test), y (..., n)."""
    y = np.asarray(y, dtype=float)
    b = np.asarray(bound, dtype=float)
    n = y.shape[-1]
    if n < 2:
        return np.ones(np.broadcast_shapes(y.shape[:-1], b.shape))
    sgn = 1.0 if side == "greater" else -1.0
    mean, sd = y.mean(axis=-1), y.std(axis=-1, ddof=1)
    sd0 = y.std(axis=-1, ddof=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma = np.where(sd0 > 0, ((y - mean[..., None]) ** 3).mean(axis=-1) / sd0**3, 0.0)
        w = sgn * (mean - b) / sd  # signed standardized distance toward the alternative
        g = sgn * gamma
        w = np.where(sd > 0, w, np.where(sgn * (mean - b) > 0, np.inf, -np.inf))
        stat = math.sqrt(n) * (w + g * w**2 / 3 + g**2 * w**3 / 27 + g / (6 * n))
        stat = np.where(np.isinf(w), w, stat)
    p_hall = np.minimum(1.0, 2.0 * sps.t.sf(stat, n - 1))
    bb = b[..., None] if b.ndim else b
    beyond = (sgn * (y - bb) > 0).sum(axis=-1)
    p_sign = np.minimum(1.0, 2.0 * sps.binom.sf(beyond - 1, n, 0.5))
    return np.maximum(p_hall, p_sign)


def unbounded_against(lo: float, hi: float, side: Side) -> bool:
    """True when the range is bounded on one side only and the test needs the other: "mean < m" with
    values unbounded above (or "mean > m" unbounded below). One unseen seed far out can move the mean
    anywhere, and with one end declared the engine does not assume it away: such a test never rejects."""
    return (math.isfinite(lo) != math.isfinite(hi)) and (
        (side == "less" and not math.isfinite(hi)) or (side == "greater" and not math.isfinite(lo)))


def p_value(y: np.ndarray, lo: float, hi: float, bound: float, side: Side) -> float:
    """Two-sided-scale p that the mean of the finite values of y is ``side`` of ``bound``."""
    y = np.asarray(y, dtype=float)
    y = y[np.isfinite(y)]
    if y.size < 2 or not math.isfinite(bound) or unbounded_against(lo, hi, side):
        return 1.0
    if method_for(lo, hi) == "betting":
        return float(betting_p((y - lo) / (hi - lo), (bound - lo) / (hi - lo), side))
    return float(hall_sign_p(y, bound, side))


def interval(y: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    """The 95% interval of the mean: every m that neither one-sided test rejects (two-sided scale 0.05)."""
    y = np.asarray(y, dtype=float)
    y = y[np.isfinite(y)]
    if y.size < 2:
        return -math.inf, math.inf
    if method_for(lo, hi) == "betting":
        z = (y - lo) / (hi - lo)
        lo_z = _edge(lambda m: betting_p(z, m, "greater"), 0.0, float(z.mean()), rejects_below=True)
        hi_z = _edge(lambda m: betting_p(z, m, "less"), float(z.mean()), 1.0, rejects_below=False)
        return lo + lo_z * (hi - lo), lo + hi_z * (hi - lo)
    span = max(float(np.ptp(y)), float(np.abs(y).max()), 1.0) * 1e3
    mean = float(y.mean())
    low = _edge(lambda m: hall_sign_p(y, m, "greater"), mean - span, mean, rejects_below=True)
    high = _edge(lambda m: hall_sign_p(y, m, "less"), mean, mean + span, rejects_below=False)
    low = -math.inf if low <= mean - span or unbounded_against(lo, hi, "greater") else low
    high = math.inf if high >= mean + span or unbounded_against(lo, hi, "less") else high
    return low, high


def _edge(p_of, a: float, b: float, *, rejects_below: bool) -> float:
    """The boundary in [a, b] between bounds the test rejects (p <= ALPHA) and those it does not.

    rejects_below: rejection holds for bounds below the edge (the lower CI end), else above it.
    The p of either betting or Hall-sign test is monotone in the bound, so bisection finds it.
    """
    lo_end, hi_end = (a, b)
    if rejects_below and float(p_of(a)) > ALPHA:
        return a
    if not rejects_below and float(p_of(b)) > ALPHA:
        return b
    for _ in range(_BISECT):
        mid = 0.5 * (lo_end + hi_end)
        rejected = float(p_of(mid)) <= ALPHA
        if rejected == rejects_below:
            lo_end = mid
        else:
            hi_end = mid
    return hi_end if rejects_below else lo_end


def binomial_p(y: np.ndarray, bound: float, side: Side) -> float:
    """Two-sided-scale exact binomial p that the share of ones in y (0/1 values) is ``side`` of ``bound``."""
    y = np.asarray(y, dtype=float)
    y = y[np.isfinite(y)]
    n, k = y.size, int(round(y.sum()))
    if n == 0:
        return 1.0
    if side == "greater":
        p = 0.0 if bound < 0 else (1.0 if bound >= 1 else sps.binom.sf(k - 1, n, bound))
    else:
        p = 0.0 if bound > 1 else (1.0 if bound <= 0 else sps.binom.cdf(k, n, bound))
    return float(min(1.0, 2.0 * p))


def binomial_interval(y: np.ndarray) -> tuple[float, float]:
    """Clopper-Pearson 95% interval of the share of ones (the inversion of ``binomial_p``)."""
    y = np.asarray(y, dtype=float)
    y = y[np.isfinite(y)]
    n, k = y.size, int(round(y.sum()))
    if n == 0:
        return 0.0, 1.0
    ci = sps.binomtest(k, n).proportion_ci(confidence_level=1 - ALPHA, method="exact")
    return float(ci.low), float(ci.high)
