"""Tests of the grokking_corrupted suite's own pieces: claim declarations decided on synthetic tables with known
truth (at the suite's replicate count and its Holm family of 20), the network plan, dynamics events, and a miniature
end-to-end measure."""

import dataclasses
import math

import numpy as np
import pytest
import torch

from redshift import Case, Table
from redshift.claims import assess, verdicts
from redshift.parts import Part
from redshift.quantities import Derived
from redshift.runner import frame_of
from redshift.suite import Context
from suites.grokking_corrupted import SUITE
from suites.grokking_corrupted.catalogue import METRICS
from suites.grokking_corrupted.config import REPLICATES, SMOKE
from suites.grokking_corrupted.figures import figures
from suites.grokking_corrupted.protocol import plan
from redshift.data.modular import corrupted_split
from redshift.train.grokking import History
from suites.grokking_corrupted.records import case_values, dynamics, horizon_values

R = 3
N_SEEDS = REPLICATES["smoke"]  # the suite's replicate count: every decision below is possible at it
CLAIMS = {c.id: c for e in SUITE.experiments for c in e.claims}
RANGES = {k: v.range for k, v in METRICS.items()}
LADDER = (0.0, 5.0, 15.0, 20.0)


def _cases(experiment, family, **axes):
    (key, levels), = axes.items()
    return [Case(experiment, {"family": family, key: v}) for v in levels]


def _decide(claim_id, cases, **metrics):
    """The claim's verdict on ``cases`` x N_SEEDS with the given (C, R) or (R,) metric values, Holm over 20."""
    data = {k: np.broadcast_to(np.asarray(v, dtype=float).reshape(-1, N_SEEDS) if np.ndim(v) > 1
                               else np.asarray(v, dtype=float), (len(cases), N_SEEDS)).copy()
            for k, v in metrics.items()}
    a = assess(CLAIMS[claim_id], Table(cases, data), np.random.default_rng(0), RANGES)
    return verdicts([a], family_size=20)[0]


def _seeds(*values):
    """N_SEEDS values: the given ones, then the last repeated."""
    return list(values) + [values[-1]] * (N_SEEDS - len(values))


def test_every_claim_is_declared_with_ranged_parts():
    """Every claim is a conjunction of parts (no legacy statistic, no Derived) on metrics that declare a range."""
    for claim in CLAIMS.values():
        assert claim.parts and claim.statistic is None, claim.id
        for part in claim.parts:
            assert isinstance(part, Part) and not isinstance(part.quantity, Derived), claim.id
            assert part.quantity.range(RANGES) == (0.0, 1.0), (claim.id, part.name)  # shares of seeds
        assert all(METRICS[m].range is not None for m in claim.metrics), claim.id


def test_gc1_clean_baseline_supported_refuted_and_one_failing_seed():
    """GC-1: ten perfect seeds -> supported; ten seeds at chance -> refuted; one seed below 0.97 -> inconclusive."""
    clean = [Case("clean", {"family": "clean"})]
    assert _decide("GC-1", clean, a_test=_seeds(1.0), ipr_mean=_seeds(0.9)).status == "supported"
    assert _decide("GC-1", clean, a_test=_seeds(0.02), ipr_mean=_seeds(0.9)).status == "refuted"
    assert _decide("GC-1", clean, a_test=_seeds(0.95, 1.0), ipr_mean=_seeds(0.9)).status == "inconclusive"


def test_gc10_decides_full_inversion_memorisation_and_gaps():
    """GC-10: on the ceiling -> supported; memorisation kept (gap 0.2) -> refuted; gap 0.03 -> inconclusive."""
    w15 = [Case("fullbatch", {"family": "ladder", "wd": 15.0})]
    base = dict(a_test=_seeds(0.99, 1.0), a_inv=_seeds(0.98, 0.99, 1.0))
    assert _decide("GC-10", w15, fi_gap=_seeds(0.001, -0.002, 0.0), **base).status == "supported"
    assert _decide("GC-10", w15, fi_gap=_seeds(0.2, 0.21, 0.19), **base).status == "refuted"
    assert _decide("GC-10", w15, fi_gap=_seeds(0.03, 0.031), **base).status == "inconclusive"


def test_too_few_seeds_are_not_evidence():
    """GC-10 with only 8 finite seeds, all on the ceiling: 2 * 0.5^8 does not clear Holm over 20 claims."""
    w15 = [Case("fullbatch", {"family": "ladder", "wd": 15.0})]
    gap = _seeds(*([np.nan] * (N_SEEDS - 8)), 0.0)
    v = _decide("GC-10", w15, fi_gap=gap, a_test=_seeds(1.0), a_inv=_seeds(1.0))
    assert v.status == "inconclusive" and v.n == 8


def _ladder(rho, phase=None):
    """Ladder cases lambda = 0, 5, 15, 20 with rho (4, N_SEEDS); phase codes = rho (Confusion where rho is NaN)."""
    rho = np.asarray(rho, dtype=float)
    phase = np.where(np.isnan(rho), 5.0, rho) if phase is None else phase
    return _cases("fullbatch", "ladder", wd=LADDER), dict(rho=rho, phase=phase)


def test_gc9_monotone_ladder_supported_reversed_refuted():
    """GC-9: Coexistence -> Forgetting in every seed -> supported; a reversed ladder in every seed -> refuted
    (Kendall tau_b <= 0 in most seeds)."""
    up = np.repeat(np.array([[1.0], [2.0], [3.0], [4.0]]), N_SEEDS, axis=1)
    cases, good = _ladder(up)
    assert _decide("GC-9", cases, **good).status == "supported"
    cases, bad = _ladder(up[::-1])
    v = _decide("GC-9", cases, **bad)
    assert v.status == "refuted" and "tau_b" in v.binding


def test_gc9_most_seeds_dropping_two_ranks_refutes():
    """GC-9: ladder 1, 3, 1, 4 (tau_b > 0, one drop of 2 ranks) in every seed -> refuted by the exact binomial share
    of seeds that drop >= 2 ranks; in only 3 of 10 seeds -> not refuted."""
    drop = np.repeat(np.array([[1.0], [3.0], [1.0], [4.0]]), N_SEEDS, axis=1)
    cases, vals = _ladder(drop)
    v = _decide("GC-9", cases, **vals)
    assert v.status == "refuted" and "rank step" in v.binding
    few = np.repeat(np.array([[1.0], [2.0], [3.0], [4.0]]), N_SEEDS, axis=1)
    few[:, :3] = drop[:, :3]
    cases, vals = _ladder(few)
    assert _decide("GC-9", cases, **vals).status == "inconclusive"


def test_gc9_confusion_counts_as_a_violation():
    """GC-9: a Confusion cell at lambda = 20 (rho NaN) in every seed blocks support even though no rank drops."""
    rho = np.repeat(np.array([[1.0], [2.0], [3.0], [np.nan]]), N_SEEDS, axis=1)
    cases, vals = _ladder(rho)
    assert _decide("GC-9", cases, **vals).status == "inconclusive"


def test_gc12_reads_lambda_5_only_where_it_runs():
    """GC-12: lambda = 15 alone (smoke) decides; a lambda = 5 case that unlearns before generalising blocks it."""
    y15 = [Case("fullbatch", {"family": "dynamics", "wd": 15.0})]
    good = dict(mem_peak=_seeds(0.95), unlearn=_seeds(0.9), lag=_seeds(30.0))
    assert _decide("GC-12", y15, **good).status == "supported"
    both = y15 + [Case("fullbatch", {"family": "dynamics", "wd": 5.0})]
    mixed = {k: np.vstack([v, v]) for k, v in good.items()}
    mixed["lag"][1] = -20.0
    assert _decide("GC-12", both, **mixed).status == "inconclusive"


def test_gc16_equivalence_supported_inside_and_refuted_outside_the_margin():
    """GC-16: BN within 0.05 of its twin in every seed -> supported; share_low 0.3 higher with BN -> refuted."""
    cases = [Case("batchnorm", {"bn": True}), Case("batchnorm", {"bn": False})]
    same = dict(ipr_share_low=[_seeds(0.45), _seeds(0.42)], ipr_share_high=[_seeds(0.43), _seeds(0.47)],
                a_inv=[_seeds(0.99), _seeds(0.97)])
    assert _decide("GC-16", cases, **same).status == "supported"
    shifted = dict(same, ipr_share_low=[_seeds(0.75), _seeds(0.42)])
    assert _decide("GC-16", cases, **shifted).status == "refuted"


def test_gc18_reads_the_low_and_high_corruption_cells():
    """GC-18: A_test high at xi <= 0.35 and low at xi >= 0.5 (with memorisation) -> supported; reversed -> refuted."""
    cases = _cases("fullbatch", "xi", xi=(0.1, 0.2, 0.35, 0.5, 0.7))
    test = np.repeat([[1.0], [1.0], [0.97], [0.1], [0.05]], N_SEEDS, axis=1)
    train = np.ones((5, N_SEEDS))
    assert _decide("GC-18", cases, a_test=test, a_train=train).status == "supported"
    assert _decide("GC-18", cases, a_test=test[::-1], a_train=train).status == "refuted"


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
    assert {p.name for p in written} == {"phase_diagram.png", "ipr_histogram.png", "dynamics.csv", "dynamics.png"}
    assert (tmp_path / "dynamics.csv").exists() and (tmp_path / "dynamics.png").exists()


def _two_settings():
    """A miniature full-batch experiment (p = 13, N = 32, short horizons) over two data settings: the smoke core
    at alpha = 0.7 and an alpha = 0.5 slice, so a split by (p, N, alpha, xi) makes two chunks."""
    from suites.grokking_corrupted.config import CaseSpec

    specs = tuple(dataclasses.replace(s, T=max(10, s.T // 30), p=13, N=32) for s in SMOKE.specs)
    specs += (CaseSpec("alpha", 0.0, 0.0, 0.5, 0.35, 12, 13, 32),)
    full = next(e for e in SUITE.experiments if e.name == "fullbatch")
    exp = dataclasses.replace(full, config={"smoke": dataclasses.replace(SMOKE, specs=specs)},
                              cases={"smoke": tuple(s.case for s in specs)})
    return dataclasses.replace(SUITE, experiments=(exp,)), exp


def test_a_split_by_data_setting_changes_no_number_and_no_dynamics(tmp_path):
    """The declared split of the full-batch experiments, (p, N, alpha, xi), gives the unsplit records bit for bit,
    and the dynamics merged from the split's per-kind files equal the unsplit run's."""
    import pandas as pd

    from redshift.chunks import groups
    from redshift.work import split_differences

    from suites.grokking_corrupted.protocol import _chunks, plan

    suite, exp = _two_settings()
    assert exp.split_by == ("p", "N", "alpha", "xi")
    cfg, cases = exp.config["smoke"], exp.cases_for("smoke")
    parts = groups(exp, cases)
    assert len(parts) == 2

    def populations(group):  # the networks of each tensor program the measure trains for these cases
        names = {c.name for c in group}
        nets = plan([s for s in cfg.specs if s.case.name in names], 2)
        return sorted(tuple((n.model, n.replicate, n.horizon) for n in chunk) for chunk in _chunks(nets, cfg))

    assert populations(cases) == sorted(p for g in parts for p in populations(g))  # the same programs either way
    assert split_differences(suite, "fullbatch", exp.split_by, "smoke", 2, out_dir=str(tmp_path / "a")) == []
    frames = {}
    for name, split in (("whole", None), ("split", exp.split_by)):
        out = tmp_path / name
        records = [r for cs in groups(dataclasses.replace(exp, split_by=split), exp.cases_for("smoke"))
                   for r in exp.measure(cs, Context(suite.name, exp, "smoke", torch.device("cpu"), 2, out))]
        figures(frame_of(suite, exp, records), out)
        frames[name] = pd.read_csv(out / "dynamics.csv")
    assert len(frames["whole"]) > 0 and frames["whole"].alpha.nunique() == 2
    pd.testing.assert_frame_equal(frames["whole"], frames["split"], check_exact=True)
