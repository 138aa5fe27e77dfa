"""Tests of the init_implicit_bias suite's own pieces: conditioned instances, rank statistics, claim scores."""

import math

import numpy as np
import pytest
import torch
from scipy.stats import rankdata, spearmanr

from redshift import Case, Table, grid
from suites.init_implicit_bias.claims import _ib11, _ib13
from suites.init_implicit_bias.config import CONFIG, lp_instances
from suites.init_implicit_bias.scores import _ranks, mean_spearman

R = 6


def test_lp_instances_are_recoverable_and_per_replicate():
    """IB-11's family: every replicate is LP-recoverable and its instance does not depend on the batch size."""
    four, draws = lp_instances("test", CONFIG["smoke"], 20, 4, torch.device("cpu"))
    three, _ = lp_instances("test", CONFIG["smoke"], 20, 3, torch.device("cpu"))
    assert bool(four.recoverable.all()) and bool((draws >= 1).all())
    assert torch.equal(four.systems.A[:3], three.systems.A) and torch.equal(four.systems.b[:3], three.systems.b)


def test_ranks_and_mean_spearman_match_scipy():
    """Fast ranks equal scipy's average ranks with and without ties; rho-bar is the mean per-column Spearman."""
    rng = np.random.default_rng(0)
    v = rng.standard_normal((5, 7))
    assert np.allclose(_ranks(v), rankdata(v, axis=0))
    v[1, 2] = v[3, 2]
    assert np.allclose(_ranks(v), rankdata(v, axis=0))
    x = np.array([0.01, 0.1, 0.3, 1.0, 3.0])
    expect = np.mean([spearmanr(x, v[:, j]).statistic for j in range(7)])
    assert mean_spearman(v, x) == pytest.approx(expect, abs=1e-12)


def _mc_table(erank: dict, e_mc: dict, converged_min: int = R) -> Table:
    """mc[N = 2, sigma] cells with per-sigma constant erank / e_MC; the first R - converged_min replicates of the
    smallest sigma are excluded (NaN), as measure_mc records unconverged runs."""
    cases = grid("mc", N=[2], sigma=[0.01, 0.1, 1.0])
    data = {"erank": np.array([np.full(R, erank[c["sigma"]]) for c in cases], dtype=float),
            "e_mc": np.array([np.full(R, e_mc[c["sigma"]]) for c in cases], dtype=float)}
    for k in data:
        data[k][0, : R - converged_min] = np.nan
    return Table(cases, data)


def test_ib13_score_known_values():
    """IB-13 at smoke (N = 2 only): min((rho-bar - 0.8)/0.8, (contrast - 0.2)/0.2); > 25% excluded -> NaN."""
    t = _mc_table({0.01: 3.0, 0.1: 6.0, 1.0: 13.0}, {0.01: 0.5, 0.1: 0.8, 1.0: 3.0})
    assert _ib13(t) == pytest.approx(0.25)                        # rho-bar = 1; contrast 2.5 -> score 11.5
    t = _mc_table({0.01: 3.0, 0.1: 6.0, 1.0: 13.0}, {0.01: 0.5, 0.1: 0.8, 1.0: 0.6})
    assert _ib13(t) == pytest.approx(-0.5)                        # contrast 0.1: not supported, not refuted
    t = _mc_table({0.01: 13.0, 0.1: 6.0, 1.0: 3.0}, {0.01: 0.5, 0.1: 0.8, 1.0: 3.0})
    assert _ib13(t) == pytest.approx(-2.25)                       # rank falls with sigma: refuted
    assert math.isnan(_ib13(_mc_table({0.01: 3.0, 0.1: 6.0, 1.0: 13.0}, {0.01: 0.5, 0.1: 0.8, 1.0: 3.0}, 4)))


def test_ib11_sign_rule_parts():
    """IB-11: the trend part only blocks support (>= 0), the err contrast decides at 0 both ways."""
    cases = [Case("diag", {"family": "shape_lp", "n": 20, "D": 2, "alpha": 0.01, "rule": "adaptive", "c": c})
             for c in (0.5, 1.0)]
    d_gf = np.array([np.full(R, 0.03), np.full(R, 0.06)])
    for err_hi, expect in ((0.51, 0.01), (0.49, -0.01)):
        t = Table(cases, {"d_gf": d_gf, "err": np.array([np.full(R, 0.5), np.full(R, err_hi)])})
        assert _ib11(t) == pytest.approx(expect)
    t = Table(cases, {"d_gf": d_gf[::-1], "err": np.array([np.full(R, 0.5), np.full(R, 0.51)])})
    assert _ib11(t) == 0.0                                        # d_GF falls with c: support blocked only
