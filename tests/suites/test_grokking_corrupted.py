"""Tests of the grokking_corrupted suite's own pieces: signed margins, claim decisions on known tables, the network
plan, dynamics events, and a miniature end-to-end measure."""

import dataclasses
import math

import numpy as np
import pytest
import torch

from redshift import Case, Claim, Table
from redshift.claims import assess, verdicts
from redshift.runner import frame_of
from redshift.stats import rank_correlation
from redshift.suite import Context
from suites.grokking_corrupted import SUITE
from suites.grokking_corrupted.claims import CLAIMS_FULLBATCH
from suites.grokking_corrupted.config import SMOKE
from suites.grokking_corrupted.figures import figures
from suites.grokking_corrupted.margins import RULE, Bound, Conditions, Point, RankTrend, _kendall_rows, per_rep
from suites.grokking_corrupted.protocol import plan
from redshift.data.modular import corrupted_split
from redshift.train.grokking import History
from suites.grokking_corrupted.records import case_values, dynamics, horizon_values

R = 3
CASE = Case("fullbatch", {"family": "ladder", "wd": 15.0, "q": 0.0})


def _table(**metrics):
    return Table([CASE], {k: np.broadcast_to(np.asarray(v, dtype=float), (1, R)).copy() for k, v in metrics.items()})


def _status(support, refute, table):
    stat = Conditions(tuple(support), tuple(refute), ("a",), {}, "test")
    claim = Claim(id="T-1", statement="t", source="t", statistic=stat, rule=RULE)
    return verdicts([assess(claim, table, np.random.default_rng(0))])[0]


def test_conditions_support_refute_and_gap():
    """All support bounds clear -> supported; a refute bound clears -> refuted; neither -> inconclusive."""
    sup, ref = [Bound(per_rep("a"), ">=", 0.9)], [Bound(per_rep("a"), "<", 0.5)]
    assert _status(sup, ref, _table(a=[0.95, 0.96, 0.955])).status == "supported"
    assert _status(sup, ref, _table(a=[0.30, 0.31, 0.29])).status == "refuted"
    gap = _status(sup, ref, _table(a=[0.7, 0.71, 0.69]))
    assert gap.status == "inconclusive" and gap.ci_low <= 0 <= gap.ci_high


def test_a_missing_replicate_or_no_spread_is_not_evidence():
    """NaN in a replicate -> inconclusive; identical replicates hit the engine's sign-test floor at n = 3."""
    sup = [Bound(per_rep("a"), ">=", 0.9)]
    assert _status(sup, [], _table(a=[0.95, 0.95, np.nan])).status == "inconclusive"
    flat = _status(sup, [], _table(a=[1.0, 1.0, 1.0]))
    assert flat.status == "inconclusive" and flat.p_value >= 0.25


def test_point_conditions_gate_without_adding_evidence():
    """A failing point condition blocks support; a holding one leaves the bound's evidence to decide."""
    sup = [Bound(per_rep("a"), ">=", 0.9)]
    table = _table(a=[0.95, 0.96, 0.955])
    assert _status(sup + [Point(lambda t: 0.2, ">=", 0.7)], [], table).status == "inconclusive"
    assert _status(sup + [Point(lambda t: 0.8, ">=", 0.7)], [], table).status == "supported"


def test_optional_conditions_are_skipped_only_without_cases():
    """An optional bound on absent cases is skipped; a required one makes the claim NaN (not run)."""
    table = _table(a=[0.95, 0.96, 0.955])
    sup = [Bound(per_rep("a"), ">=", 0.9)]
    absent = per_rep("a", family="dynamics")
    assert _status(sup + [Bound(absent, ">=", 0.5, optional=True)], [], table).status == "supported"
    assert math.isnan(_status(sup + [Bound(absent, ">=", 0.5)], [], table).effect)


def _decide(claim_id, **metrics):
    claim = next(c for c in CLAIMS_FULLBATCH if c.id == claim_id)
    table = _table(**metrics)
    return verdicts([assess(claim, table, np.random.default_rng(0))])[0].status


def test_gc10_decides_full_inversion_memorisation_and_gaps():
    """GC-10: on the ceiling -> supported; memorisation kept (gap 0.2) -> refuted; gap 0.03 -> inconclusive."""
    base = dict(a_test=[0.99, 1.0, 1.0], a_inv=[0.98, 0.99, 1.0])
    assert _decide("GC-10", fi_gap=[0.001, -0.002, 0.0], **base) == "supported"
    assert _decide("GC-10", fi_gap=[0.2, 0.21, 0.19], **base) == "refuted"
    assert _decide("GC-10", fi_gap=[0.03, 0.03, 0.031], **base) == "inconclusive"


def test_plan_shares_networks_across_cases_and_horizons():
    """lambda = 0 is one network per replicate read at T_c and T_0 and pruned; one-replicate cases train r = 0."""
    nets = plan(SMOKE.specs, 3)
    lam0 = [n for n in nets if n.model == (59, 256, 0.7, 0.35, 0.0, 0.0)]
    assert [n.reads for n in lam0] == [(300, 600), (300,), (300,)] and lam0[0].prune and not lam0[1].prune
    assert sum(n.horizon for n in nets) == 4550 - 3 * 150  # spec s3: 4,550 model-steps, less the clean experiment


def test_dynamics_events_on_a_hand_made_history():
    """t_g50, the memorisation peak, half-way unlearning and Lambda from a known curve (spec D13)."""
    nan = float("nan")
    test = torch.tensor([0.0, nan, 0.2, 0.6, 0.9, 1.0], dtype=torch.float64)
    mem = torch.tensor([0.0, nan, 0.9, 0.8, 0.3, 0.1], dtype=torch.float64)
    train = torch.tensor([0.0, nan, 0.99, 0.9, 0.7, 0.7], dtype=torch.float64)
    d = dynamics(test, mem, train)
    assert (d["t_g50"], d["mem_peak"], d["t_peak"], d["t_unlearn"], d["lag"]) == (3.0, 0.9, 2.0, 4.0, 1.0)
    assert d["unlearn"] == pytest.approx(0.8) and d["delay"] == 3.0


def _random_population(b, steps, seed):
    """A History of b networks with random checkpoint curves (NaN off-checkpoint, mem all NaN where xi = 0)."""
    g = torch.Generator().manual_seed(seed)
    history = History(b, steps)
    nets, splits = [], []
    for i in range(b):
        xi = (0.0, 0.2, 0.35)[i % 3]
        nets.append(dataclasses.make_dataclass("N", ["model"])((11, 16, 0.5, xi, 1.0, 0.0)))
        splits.append(corrupted_split(11, 0.5, xi, 100 + i, "cpu"))
    for step in range(steps + 1):
        ids = torch.nonzero((torch.rand(b, generator=g) < 0.5) | (step in (7, 23, steps))).flatten()  # horizons read
        u = lambda: torch.rand(ids.numel(), generator=g, dtype=torch.float64) ** 0.2  # noqa: E731  (near 1 often)
        vals = {k: u() for k in ("train", "test", "clean", "mem", "inv", "mse_train", "ipr_mean", "norm_sq")}
        vals["mem"] = torch.where(torch.tensor([nets[i].model[3] > 0 for i in ids.tolist()]), vals["mem"], math.nan)
        vals["test"] = torch.where(torch.rand(ids.numel(), generator=g) < 0.3, 1.0, vals["test"])  # ties at the peak
        history.record(step, ids, vals)
    return history, nets, splits


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batched_horizon_values_equal_the_per_network_ones(seed):
    """horizon_values over a random population equals case_values network by network, at every horizon: same keys
    (D13 events absent without corrupted examples), bit-identical values, NaN where NaN."""
    history, nets, splits = _random_population(9, 40, seed)
    for t in (7, 23, 40):
        rows = [0, 2, 3, 4, 5, 7, 8]
        got = horizon_values(history, rows, t, [nets[i] for i in rows], [splits[i] for i in rows])
        for i, g in zip(rows, got):
            want = case_values(history, i, t, nets[i], splits[i])
            assert list(g) == list(want)
            assert all(g[k] == want[k] or (math.isnan(g[k]) and math.isnan(want[k])) for k in want), (i, t)


def test_miniature_measure_yields_every_record_and_pictures(tmp_path):
    """A shrunken smoke protocol (p = 13, N = 32, short horizons) yields cases x replicates records, NaN beyond
    one-replicate cases, and writes the phase diagram, IPR histogram and dynamics files."""
    specs = tuple(dataclasses.replace(s, T=max(10, s.T // 30), p=13, N=32) for s in SMOKE.specs)
    full = next(e for e in SUITE.experiments if e.name == "fullbatch")
    exp = dataclasses.replace(full, config={"smoke": dataclasses.replace(SMOKE, specs=specs)},
                              cases={"smoke": tuple(s.case for s in specs)})
    ctx = Context("grokking_corrupted", exp, "smoke", torch.device("cpu"), R, tmp_path)
    records = list(exp.measure(exp.cases_for("smoke"), ctx))
    assert len(records) == len(specs) * R
    one_rep = [r for r in records if r.case["family"] == "dropout"]
    assert math.isfinite(one_rep[0].values["a_test"]) and math.isnan(one_rep[1].values["a_test"])
    written = figures(frame_of(SUITE, exp, records), tmp_path)
    assert {p.name for p in written} == {"phase_diagram.png", "ipr_histogram.png"}
    assert (tmp_path / "dynamics.csv").exists() and (tmp_path / "dynamics.png").exists()


def _ladder_table(rho):
    """Ladder cases lambda = 0, 5, 15, 20 with rho rows (4, R) and complete records."""
    cases = [Case("fullbatch", {"family": "ladder", "wd": wd}) for wd in (0.0, 5.0, 15.0, 20.0)]
    rho = np.asarray(rho, dtype=float)
    return Table(cases, {"rho": rho, "a_test": np.ones_like(rho)})


def test_gc9_ladder_gates_on_monotonicity_and_refutes_reversals():
    """GC-9: a monotone ladder with a varying span passes its gates and is supported at 6 replicates; a reversed
    ladder (4, 3, 1, 0) is refuted by the permutation p-value of Kendall tau_b <= 0."""
    claim = next(c for c in CLAIMS_FULLBATCH if c.id == "GC-9")
    rng = np.random.default_rng(0)
    good = _ladder_table([[1, 1, 0, 1, 1, 1], [2, 2, 1, 2, 2, 2], [3, 3, 3, 3, 3, 3], [4, 4, 4, 4, 3, 4]])
    bad = _ladder_table([[4] * 6, [3] * 6, [1] * 6, [0] * 6])
    assert verdicts([assess(claim, good, rng)])[0].status == "supported"
    assert verdicts([assess(claim, bad, rng)])[0].status == "refuted"


LEVELS = np.array([0.0, 1.0, 2.0, 3.0, 4.0])


def _trend_table(vals):
    """Cases along an ordered axis ``lam`` with values (5, R) of metric ``a``."""
    vals = np.asarray(vals, dtype=float)
    cases = [Case("fullbatch", {"family": "trend", "lam": float(v)}) for v in LEVELS]
    return Table(cases, {"a": vals})


def _trend(table):
    return LEVELS, table.values("a", family="trend")


def _trend_status(table, method):
    sup = [RankTrend(_trend, ">=", 0.7, method=method)]
    ref = [RankTrend(_trend, "<=", 0.0, method=method)]
    return _status(sup, ref, table)


@pytest.mark.parametrize("method", ["kendall", "spearman"])
def test_rank_trend_monotone_reversed_and_flat(method):
    """A monotone ladder over 6 replicates: tau/rho = 1, the permutation p of the refute side is small, supported;
    the reversed ladder is refuted by its permutation p; a flat, noisy table is inconclusive."""
    rng = np.random.default_rng(1)
    up = LEVELS[:, None] + 0.05 * rng.standard_normal((5, 6))  # strictly monotone in every replicate
    rng_c = np.random.default_rng(0)
    margin, lo, hi, p, n = RankTrend(_trend, "<=", 0.0, method=method).evaluate(_trend_table(up), rng_c, 500)
    assert n == 6 and margin < -0.9 and p == 1.0  # the refute side does not hold
    margin, lo, hi, p, n = RankTrend(_trend, ">=", 0.0, method=method).evaluate(_trend_table(up), rng_c, 500)
    assert lo > 0.9 and p < 0.01  # the permutation p against 0 is small
    margin, lo, hi, p, n = RankTrend(_trend, ">=", 0.7, method=method).evaluate(_trend_table(up), rng_c, 500)
    assert lo > 0.2 and p < 0.01  # the bootstrap CI clears 0.7; bootstrap-t p
    assert _trend_status(_trend_table(up), method).status == "supported"
    margin, lo, hi, p, n = RankTrend(_trend, "<=", 0.0, method=method).evaluate(_trend_table(up[::-1]), rng_c, 500)
    assert lo > 0.9 and p < 0.01  # reversed: tau/rho <= 0 holds, with a real permutation p-value
    assert _trend_status(_trend_table(up[::-1]), method).status == "refuted"
    flat = _trend_table(0.5 + rng.standard_normal((5, 6)))
    assert _trend_status(flat, method).status == "inconclusive"


def test_rank_trend_without_spread_gets_the_sign_floor():
    """Identical replicates: tau_b = 1 exactly, a degenerate CI, so the engine's sign floor decides (n = 4: 0.125)."""
    same = _trend_table(np.repeat(LEVELS[:, None], 4, axis=1))
    v = _trend_status(same, "kendall")
    assert v.ci_low == v.ci_high == pytest.approx(0.3) and v.status == "inconclusive" and v.p_value == 0.125


def test_rank_trend_is_not_evidence_without_replicates_or_values():
    """One replicate, or a NaN table, makes the condition NaN; absent cases make an optional one skipped."""
    rng = np.random.default_rng(0)
    one = RankTrend(lambda t: (LEVELS, LEVELS[:, None]), ">=", 0.7, method="kendall")
    assert math.isnan(one.evaluate(_trend_table(LEVELS[:, None]), rng, 100)[0])
    nan = RankTrend(lambda t: (LEVELS, np.full((5, 4), np.nan)), ">=", 0.7)
    assert math.isnan(nan.evaluate(_trend_table(np.zeros((5, 4))), rng, 100)[0])
    assert RankTrend(lambda t: None, ">=", 0.7, optional=True).evaluate(_trend_table(np.zeros((5, 4))), rng, 100) is None


def test_vectorised_kendall_matches_scipy_with_ties_and_nan():
    rng = np.random.default_rng(3)
    x = np.repeat(np.arange(4.0), 5)
    ys = rng.integers(0, 4, size=(20, 20)).astype(float)
    ys[rng.random(ys.shape) < 0.1] = np.nan
    got = _kendall_rows(x, ys)
    want = np.array([rank_correlation(x, y, method="kendall") for y in ys])
    np.testing.assert_allclose(got, want, equal_nan=True)
