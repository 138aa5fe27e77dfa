"""Neural Redshift part 1 (random_nets.py, measures.py): measures, their ranges, and measurement."""
from pathlib import Path

import numpy as np
import pytest
import torch

from redshift import Context
from redshift.data.grids import grid_points

from suites.neural_redshift import random_nets as rn
from suites.neural_redshift import precision as pr
from suites.neural_redshift.measures import RANGES, baseline, grid_measures, normalised


def test_normalisation_anchors():
    """C_hat is exactly 0 for the ramp f = x1 and about 1 for white noise, for every measure (spec M8)."""
    ramp = grid_points(32)[:, 0].reshape(1, 32, 32)
    noise = torch.randn(64, 32, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    for name, value in grid_measures(ramp, ("fourier", "fourier_raw", "cheb", "leg", "lz")).items():
        if name.startswith("c_"):
            assert value.item() == pytest.approx(0.0, abs=1e-12), name
    for name, value in grid_measures(noise, ("fourier", "fourier_raw", "cheb", "leg", "lz")).items():
        if name.startswith("c_"):
            assert value.mean().item() == pytest.approx(1.0, abs=0.05), name
    assert normalised("fourier", torch.tensor([0.0]), 32).item() < 0  # a degenerate grid sits below the ramp


def test_measure_yields_one_record_per_replicate():
    """The batched measure yields every (case, replicate) once, with every declared metric, and is seeded."""
    exp = rn.EXPERIMENTS[0]
    cases = [c for c in exp.cases_for("smoke") if c["alpha"] in (1.0, 10.0) and c.get("depth", 1) == 1][:6]
    ctx = Context("neural_redshift", exp, "smoke", torch.device("cpu"), 2, Path("."))
    records = list(exp.measure(cases, ctx))
    assert sorted((r.case.name, r.replicate) for r in records) == sorted((c.name, i) for c in cases for i in (0, 1))
    assert all(set(r.values) <= set(exp.metrics) and np.isfinite(r.values["c_fourier"]) for r in records)
    again = list(exp.measure(cases, ctx))
    assert [r.values for r in again] == [r.values for r in records]


@pytest.mark.parametrize("measure", ["fourier", "fourier_raw", "cheb", "leg", "lz"])
def test_declared_ranges_hold_every_value_the_measure_can_take(measure):
    """RANGES spans C_hat of raw 0 and of the raw maximum (1; 1 + 1/G^2 for LZW / G^2) at G = 32 and 64 (spec M8).
    G = 128 and 300 were checked when the ranges were written; they lie inside (the floors shrink with G)."""
    lo, hi = RANGES[f"c_{measure}"]
    for size in (32, 64):
        top = 1.0 + (1.0 / size**2 if measure == "lz" else 0.0)
        ends = normalised(measure, torch.tensor([0.0, top], dtype=torch.float64), size)
        assert lo <= ends[0].item() and ends[1].item() <= hi, (size, ends)
        assert baseline(measure, size, "cpu")[0] < baseline(measure, size, "cpu")[1]


def test_float32_copy_evaluates_the_same_networks_in_float32():
    """as_float32 keeps the networks: float32 outputs match float64 to float32 round-off, and are float32."""
    from redshift.nets.mlp import MLPConfig, mlp_forward, sample_mlps

    seeds = torch.arange(4, dtype=torch.int64)
    pop = sample_mlps(MLPConfig(prior="code"), seeds, ["relu", "tanh", "sine", "sigmoid"],
                      torch.full((4,), 1.0, dtype=torch.float64), [1, 2, 3, 7])
    x = grid_points(16)
    v64, v32 = mlp_forward(pop, x), mlp_forward(pr.as_float32(pop), x)
    assert v64.dtype == torch.float64 and v32.dtype == torch.float32
    scale = v64.abs().max(dim=1, keepdim=True).values
    assert ((v32.double() - v64).abs() <= 1e-5 * scale + 1e-6).all()


def test_precision_measure_finds_the_deep_sigmoid_artefact_and_nothing_for_relu():
    """A11: a deep sigmoid net at A = 0.1 is nearly constant; in float32 its round-off reads as noise (d > 0.3),
    while relu at A = 1 gives the same values in both precisions (|d| < 0.02)."""
    exp = pr.EXPERIMENTS[0]
    cases = [c for c in exp.cases_for("smoke") if (c["act"], c["alpha"], c["depth"]) in
             (("sigmoid", 0.1, 7), ("relu", 1.0, 1))]
    ctx = Context("neural_redshift", exp, "smoke", torch.device("cpu"), 3, Path("."))
    records = {(r.case["act"], r.replicate): r.values for r in exp.measure(cases, ctx)}
    assert all(records[("sigmoid", r)]["d_fourier_raw"] > 0.3 for r in range(3))
    assert all(abs(records[("relu", r)][f"d_{m}"]) < 0.02 for r in range(3) for m in pr.MEASURES)
