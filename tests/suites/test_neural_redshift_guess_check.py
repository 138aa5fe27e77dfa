"""Neural Redshift guess and check (guess_check.py, spec 3.2, NR-13): target, batched acceptance, claim statistic."""
import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from redshift import Case, Context
from redshift.data.grids import grid_points
from redshift.nets.mlp import MLPConfig, mlp_forward, sample_mlps, sample_unbiased, unbiased_forward

from suites.neural_redshift import guess_check as gc


def _context(samples=300, batch=256, replicates=3, min_accepted=10):
    """A smoke context with a small S, so that several batches run."""
    cfg = gc.GuessConfig(samples, batch=batch, min_accepted=min_accepted)
    exp = dataclasses.replace(gc.EXPERIMENTS[0], config={"smoke": cfg})
    return exp, Context("neural_redshift", exp, "smoke", torch.device("cpu"), replicates, Path("."))


def _reference(case, r, ctx, train):
    """Test accuracies of the accepted functions of one (case, trial), straightforwardly: its S draws alone,
    evaluated on the whole grid, accepted by comparing signs at the training points."""
    cfg, x = ctx.config, grid_points(16)
    seeds = torch.tensor([ctx.seed(case, r) ^ j for j in range(cfg.samples)])  # draw j's seed
    ones = torch.ones(cfg.samples, dtype=torch.float64)
    if case["family"] == "unbiased":
        f = unbiased_forward(sample_unbiased(seeds, ones, 8), x)  # (S, 256)
    else:
        pop = sample_mlps(MLPConfig(width=32), seeds, [case["family"]] * cfg.samples, ones, [2] * cfg.samples)
        f = mlp_forward(pop, x)
    right = (f > 0) == gc.target(x)  # (S, 256)
    test = torch.ones(256, dtype=torch.bool)
    test[train] = False
    return [float(row[test].double().mean()) for row in right if row[train].all()]


def test_target_labels():
    """y* = 1[x1 + 0.5 x2 > 0.1] on the 16 x 16 grid: 114 of 256 points are positive (counted by hand)."""
    x = grid_points(16)
    want = sum(1 for a in np.linspace(-1, 1, 16) for b in np.linspace(-1, 1, 16) if a + 0.5 * b > 0.1)
    assert int(gc.target(x).sum()) == want == 114


def test_batched_acceptance_matches_one_at_a_time():
    """The batched sampler accepts exactly the draws a one-at-a-time loop accepts, with the same accuracies."""
    exp, ctx = _context(samples=200, batch=150, replicates=2, min_accepted=1)
    cases = exp.cases_for("smoke")
    records = {(r.case.name, r.replicate): r.values for r in exp.measure(cases, ctx)}
    scored = 0
    for case in cases:
        for r in range(2):
            train = ctx.rng(Case(gc.NAME, {"stream": "trainset", "n_tr": case["n_tr"]}), r).choice(256, 6, False)
            accs = _reference(case, r, ctx, torch.tensor(train))
            got = records[(case.name, r)]
            assert got["accepted"] == len(accs)
            if accs:
                scored += 1
                assert got["test_acc"] == pytest.approx(np.mean(accs), abs=1e-12)
    assert scored >= 2  # the comparison saw accepted functions


def test_measure_yields_every_trial_and_is_seeded():
    """One record per (case, trial) with every metric in range; a second run gives the same values."""
    exp, ctx = _context()
    cases = exp.cases_for("smoke")
    records = list(exp.measure(cases, ctx))
    assert sorted((r.case.name, r.replicate) for r in records) == sorted((c.name, i) for c in cases for i in range(3))
    for r in records:
        assert set(r.values) == set(gc.METRICS)
        assert 0 <= r.values["accept_rate"] <= 1 and 0.5 <= r.values["majority"] <= 1
    np.testing.assert_equal([r.values for r in exp.measure(cases, ctx)], [r.values for r in records])  # NaN == NaN


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    """The same seeds accept the same functions on CUDA and CPU (one device path)."""
    exp, cpu = _context(samples=200, batch=150, replicates=2, min_accepted=1)
    cuda = Context("neural_redshift", exp, "smoke", torch.device("cuda"), 2, Path("."))
    cases = exp.cases_for("smoke")
    want = [r.values for r in exp.measure(cases, cpu)]
    got = [r.values for r in exp.measure(cases, cuda)]
    assert [g["accepted"] for g in got] == [w["accepted"] for w in want]
    np.testing.assert_allclose([g["test_acc"] for g in got], [w["test_acc"] for w in want], atol=1e-12)
