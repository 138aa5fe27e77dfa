"""Tests of the init_implicit_bias suite's own pieces: conditioned instances, and its claim declarations decided on
synthetic tables whose truth is known (supported when clearly true, refuted or inconclusive when not)."""

from typing import Callable

import numpy as np
import torch

from redshift import Case, Table
from redshift.claims import assess, verdicts
from suites.init_implicit_bias import SUITE
from suites.init_implicit_bias.config import CONFIG, diag_cases, factorised_cases, lp_instances, mc_cases, oracle_cases

R = 24


def test_lp_instances_are_recoverable_and_per_replicate():
    """IB-11's family: every replicate is LP-recoverable and its instance does not depend on the batch size."""
    four, draws = lp_instances("test", CONFIG["smoke"], 20, 4, torch.device("cpu"))
    three, _ = lp_instances("test", CONFIG["smoke"], 20, 3, torch.device("cpu"))
    assert bool(four.recoverable.all()) and bool((draws >= 1).all())
    assert torch.equal(four.systems.A[:3], three.systems.A) and torch.equal(four.systems.b[:3], three.systems.b)


def _status(claim_id: str, cases, metrics: dict[str, Callable[[Case, np.ndarray], np.ndarray]]) -> str:
    """The verdict of one suite claim on a table built from cases and per-metric functions (case, replicates)."""
    exp = SUITE.experiment_of(claim_id)
    claim = next(c for c in exp.claims if c.id == claim_id)
    reps = np.arange(R)
    data = {m: np.array([fn(c, reps) for c in cases], dtype=float) for m, fn in metrics.items()}
    ranges = {m: exp.metrics[m].range for m in exp.metrics}
    assessment = assess(claim, Table(list(cases), data), np.random.default_rng(0), ranges)
    return verdicts([assessment], suite="t", budget="smoke", family_size=1)[0].status


def _jitter(reps: np.ndarray, scale: float) -> np.ndarray:
    return scale * np.sin(reps + 1.0)


PROJ = tuple(Case("proj", {"s": s}) for s in (0.0, 0.1, 1.0, 10.0))


def test_ib1_is_exact_one_violating_replicate_refutes():
    """IB-1: E_proj ~ 1e-12 everywhere supports; a single replicate at 1e-5 refutes; 1e-8 is neither."""
    ok = {"e_proj": lambda c, r: 1e-12 + 0 * r, "d_l2": lambda c, r: 1e-12 + 0 * r}
    assert _status("IB-1", PROJ, ok) == "supported"
    for bad, expect in ((1e-5, "refuted"), (1e-8, "inconclusive")):
        one = dict(ok, e_proj=lambda c, r, bad=bad: np.where((r == 7) & (c["s"] == 1.0), bad, 1e-12))
        assert _status("IB-1", PROJ, one) == expect


FACT = factorised_cases("smoke")


def _ib2_metrics(eid: float = 1e-14, converged_zero: float = 1.0) -> dict:
    return {"eid": lambda c, r: np.where(r == 3, eid, 1e-14), "null_res": lambda c, r: 1e-15 + 0 * r,
            "converged": lambda c, r: np.where((c.get("w1") == "zero") & (r == 0), converged_zero, 1.0)}


def test_ib2_identity_violation_refutes_and_unconverged_run_only_blocks_support():
    """IB-2: exact identity supports; one E_id of 1e-5 refutes; an unconverged zero-init run leaves it inconclusive."""
    assert _status("IB-2", FACT, _ib2_metrics()) == "supported"
    assert _status("IB-2", FACT, _ib2_metrics(eid=1e-5)) == "refuted"
    assert _status("IB-2", FACT, _ib2_metrics(converged_zero=0.0)) == "inconclusive"


DIAG = diag_cases("smoke")


def _pi(c: Case, r: np.ndarray, rising: bool = True) -> np.ndarray:
    """pi from ~0 at small alpha to ~1 at large alpha (falling instead when not rising), per replicate."""
    level = np.log10(c["alpha"]) / 3 + 2 / 3 if "alpha" in c.params else 0.5   # 0 at 1e-2, 1 at 10
    return (level if rising else 1 - level) + _jitter(r, 0.01)


def test_ib4_supported_when_pi_rises_with_alpha_refuted_when_it_falls():
    """IB-4: pi rising from the l1 to the l2 end with alpha supports; the mirror image refutes."""
    assert _status("IB-4", DIAG, {"pi": _pi}) == "supported"
    assert _status("IB-4", DIAG, {"pi": lambda c, r: _pi(c, r, rising=False)}) == "refuted"


def _dense_err(gain: dict[int, float]) -> Callable:
    """err on F-dense cells: alpha_small worse than alpha = 3 by gain[n] (paired, per replicate)."""
    def fn(c: Case, r: np.ndarray) -> np.ndarray:
        base = 0.8 + _jitter(r, 0.05)
        small = c.get("family") == "dense" and c.get("alpha") != 3.0
        return base + (gain.get(c.get("n"), 0.0) + _jitter(r, 0.01) if small else 0.0)
    return fn


DENSE3 = tuple(Case("diag", {"family": "dense", "n": n, "D": 2, "alpha": a, "rule": "fixed", "c": 0.2})
               for n in (20, 40, 60) for a in (1e-2, 3.0))


def test_ib8_needs_every_n_for_support_and_the_mean_over_n_to_refute():
    """IB-8 (standard grid): gains > 0 at every n support; one n below 0 blocks support without refuting;
    every n below 0 refutes."""
    assert _status("IB-8", DENSE3, {"err": _dense_err({20: 0.05, 40: 0.04, 60: 0.03})}) == "supported"
    assert _status("IB-8", DENSE3, {"err": _dense_err({20: 0.05, 40: 0.04, 60: -0.03})}) == "inconclusive"
    assert _status("IB-8", DENSE3, {"err": _dense_err({20: -0.05, 40: -0.04, 60: -0.03})}) == "refuted"


def _fc(slope_small: float) -> dict:
    """FC cells: pi ~ 1, d_l2 = sigma^slope_small for sigma <= 0.1 and growing fast above (lazy regime)."""
    def d_l2(c: Case, r: np.ndarray) -> np.ndarray:
        s = c.get("sigma", 1.0)
        v = s**slope_small if s <= 0.1 else 0.1**slope_small * (s / 0.1) ** 3
        return v * (1 + _jitter(r, 0.02))
    return {"pi": lambda c, r: 1.0 + _jitter(r, 0.005), "d_l2": d_l2}


def test_ib9_slope_reads_only_sigma_up_to_01():
    """IB-9: slope 1 for sigma <= 0.1 supports although d_l2 grows as sigma^3 beyond; slope 2 there does not."""
    assert _status("IB-9", FACT, _fc(1.0)) == "supported"
    assert _status("IB-9", FACT, _fc(2.0)) == "inconclusive"


def _ib12(moved: int) -> dict:
    return {"T": lambda c, r: (1.0 / c["alpha"] if "alpha" in c.params else 1.0) * (1 + _jitter(r, 0.01)),
            "moved": lambda c, r: (r < moved).astype(float)}


def test_ib12_supported_when_small_alpha_is_slow_refuted_when_zero_inits_move():
    """IB-12: T ~ 1/alpha and no zero init moves supports; half the seeds moving refutes; T falling as alpha
    falls refutes."""
    assert _status("IB-12", DIAG, _ib12(0)) == "supported"
    assert _status("IB-12", DIAG, _ib12(R // 2)) == "refuted"
    fast = dict(_ib12(0), T=lambda c, r: (c["alpha"] if "alpha" in c.params else 1.0) * (1 + _jitter(r, 0.01)))
    assert _status("IB-12", DIAG, fast) == "refuted"


def test_every_metric_a_claim_reads_declares_a_range():
    """Every metric of every experiment declares its range (a part on an undeclared one stays undecided)."""
    assert all(m.range is not None for e in SUITE.experiments for m in e.metrics.values())


def test_ib3_undecided_near_the_oracle_refuted_far_from_it():
    """IB-3: d_GF ~ 0.2 everywhere refutes; d_GF ~ 0.002 in every cell is not supported, because a distance in
    [0, inf) is never shown to be small on average without a finite upper range (engine rule)."""
    for level, expect in ((0.002, "inconclusive"), (0.2, "refuted")):
        assert _status("IB-3", DIAG, {"d_gf": lambda c, r, v=level: v * (1 + _jitter(r, 0.1))}) == expect


def _kernel(exponent: Callable[[int], float]) -> dict:
    return {"d_l2": lambda c, r: 1e-2 * c.get("alpha", 1.0) ** exponent(c.get("D", 2)) * (1 + _jitter(r, 0.01))}


def test_ib5_undecided_at_slope_minus_2d_refuted_without_approach():
    """IB-5: d_l2 ~ alpha^(-1/2) (no approach to x_l2) refutes; d_l2 ~ alpha^(-2D) is not supported (its d_l2 < 1e-3
    part reads a distance in [0, inf), never shown small without a finite upper range)."""
    assert _status("IB-5", DIAG, _kernel(lambda D: -2.0 * D)) == "inconclusive"  # d_l2 in [0, inf): not shown small
    assert _status("IB-5", DIAG, _kernel(lambda D: -0.5)) == "refuted"


ORACLE = oracle_cases("smoke")


def _oracle(gap_decades: float) -> dict:
    """d_l1 = tau (slope 1) times 10^gap for D = 2 (depth makes d_l1 smaller by gap decades)."""
    def d(c: Case, r: np.ndarray) -> np.ndarray:
        return c.get("tau", 1e-6) * 10 ** (gap_decades if c["D"] == 2 else 0.0) * (1 + _jitter(r, 0.05))
    return {"d_l1_lp": d, "lg_d_l1_lp": lambda c, r: np.log10(d(c, r))}


def test_ib6_supported_when_depth_is_two_decades_closer_refuted_when_farther():
    """IB-6: D = 2 two decades farther from x_l1 with slope 1 supports; D = 2 closer than D = 3 refutes."""
    assert _status("IB-6", ORACLE, _oracle(2.0)) == "supported"
    assert _status("IB-6", ORACLE, _oracle(-0.5)) == "refuted"


def test_ib7_supported_when_small_init_recovers_refuted_when_it_does_not():
    """IB-7: err 0.2 at alpha_small vs 0.8 at alpha = 3 on F-rec supports; the reverse refutes."""
    for small, expect in ((0.2, "supported"), (0.9, "refuted")):
        err = lambda c, r, s=small: (0.8 if c.get("alpha") == 3.0 else s) + _jitter(r, 0.02)
        assert _status("IB-7", DIAG, {"err": err}) == expect


def test_ib10_undecided_when_d_l2_grows_with_sigma_out_refuted_when_not_exact_at_zero():
    """IB-10: d_l2 = 1e-2 at sigma_out = 0 refutes; d_l2 ~ sigma_out (1e-12 at 0) is not supported, because d_l2
    in [0, inf) is never shown below a bound without a finite upper range (engine rule)."""
    for at0, expect in ((1e-12, "inconclusive"), (1e-2, "refuted")):
        d = lambda c, r, z=at0: (c.get("sigma_out", 1.0) or z) * (1 + _jitter(r, 0.01))
        assert _status("IB-10", FACT, {"d_l2": d}) == expect


def _adaptive(err_gain: float) -> dict:
    return {"d_gf": lambda c, r: c.get("c", 1.0) * 0.01 * (1 + _jitter(r, 0.05)),
            "err": lambda c, r: 0.3 + err_gain * c.get("c", 1.0) + _jitter(r, 0.002)}


def test_ib11_undefined_on_the_smoke_grid_decided_on_the_standard_grid():
    """IB-11: the smoke grid (c in {0.5, 1}) cannot decide it; on the standard grid larger steps moving away
    from the GF limit with worse err support, and better err refutes."""
    assert _status("IB-11", DIAG, _adaptive(0.02)) == "inconclusive"
    standard = diag_cases("standard")
    assert _status("IB-11", standard, _adaptive(0.02)) == "supported"
    assert _status("IB-11", standard, _adaptive(-0.02)) == "refuted"


def _mc(depth_gain: float) -> dict:
    return {"erank": lambda c, r: 1.0 + 10 * c["sigma"] + _jitter(r, 0.01),
            "e_mc": lambda c, r: (0.3 if c["sigma"] < 1 else 2.0) - depth_gain * (c["N"] == 3) + _jitter(r, 0.01)}


def test_ib13_undefined_at_smoke_decided_with_both_depths():
    """IB-13: the smoke grid (N = 2 only) cannot decide it; with N = 2, 3 (standard grid) low rank and better
    completion at small sigma, and depth helping, support; no depth gain leaves it inconclusive."""
    assert _status("IB-13", mc_cases("smoke"), _mc(0.1)) == "inconclusive"
    assert _status("IB-13", mc_cases("standard"), _mc(0.1)) == "supported"
    assert _status("IB-13", mc_cases("standard"), _mc(-0.1)) == "inconclusive"
