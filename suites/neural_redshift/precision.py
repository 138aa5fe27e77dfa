"""Neural Redshift: precision as a finding (issue 12, item 3; spec Pitfalls "float32 artefact", anchor A11).

The authors' reference code evaluates its random networks in float32; this project evaluates grids in float64
(spec M1). This experiment evaluates the *same* networks both ways and records, per network, the difference
float32 minus float64 of every grid measure in C_hat units (spec M8): the code-faithful Fourier mean frequency
(M2), the Hann Fourier measure (M3), the Chebyshev polynomial order (M4) and LZ (M7). Networks follow the code
protocol (spec 3.1 [C]: U(-A, A) weights and biases, width 64; the reference code's six activations, sigmoid
included), drawn once by redshift.nets.mlp.sample_mlps; the float32 copy casts the drawn weights, and the forward
pass (redshift.nets.mlp.mlp_forward) then runs in float32, as in the reference code. The measures are computed
in float64 on both sets of values, so a difference is the round-off of the float32 forward pass only.

Where a network is nearly constant on the grid (deep saturating networks at small weight magnitude), its float32
round-off has a flat spectrum and reads as white noise (spec A11): the float32 value is inflated. NR-25 states
where: deep (L = 7) sigmoid networks at the smallest magnitude (A = 0.1), as the issue's measurement found (raw
mean frequency 0.47 in float32 against 0.14 in float64). It is exploratory (decisive at the paper budget): it is
reported and never gates CI at smoke or standard. The figure `precision_heatmaps` draws the mean differences.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence

import torch

from redshift import Above, Below, Case, CellMean, CellShare, Claim, Context, Experiment, Metric, Part, Record, grid
from redshift.data.grids import grid_points
from redshift.nets.mlp import MLPConfig, MLPPopulation, mlp_forward, sample_mlps

from suites.neural_redshift import figures as nr_figures
from suites.neural_redshift.measures import RANGES, grid_measures

NAME = "precision"
ACTS = ["relu", "gelu", "tanh", "gaussian", "sine", "sigmoid"]  # the reference code's activations (spec 3.1)
MEASURES = ("fourier_raw", "fourier", "cheb", "lz")


@dataclass(frozen=True)
class PrecisionConfig:
    """One budget's grid size (spec 3.6: C_LZ only at G <= 128)."""

    grid_size: int
    width: int = 64


CASES = {
    "smoke": grid(NAME, act=ACTS, alpha=[0.1, 1.0, 10.0], depth=[1, 7]),
    "standard": grid(NAME, act=ACTS, alpha=[0.1, 0.3, 1.0, 3.0, 10.0], depth=[1, 3, 5, 7]),
    "paper": grid(NAME, act=ACTS, alpha=[0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0], depth=list(range(1, 8))),
}
CONFIG = {"smoke": PrecisionConfig(32), "standard": PrecisionConfig(64), "paper": PrecisionConfig(128)}
REPLICATES = {"smoke": 16, "standard": 32, "paper": 64}  # betting on a +-3.2 range: about 50 for a 0.6 effect


def _span(metric: str) -> tuple[float, float]:
    """The range of a difference of two C_hat values of one measure."""
    lo, hi = RANGES[metric]
    return lo - hi, hi - lo


METRICS = {
    **{f"d_{m}": Metric("normalised", "none", 0.02, f"C_hat of {m} in float32 minus in float64 (same network)",
                        _span(f"c_{m}")) for m in MEASURES},
    "c_fourier_raw_f32": Metric("normalised", "none", 0.02, "C_hat of M2, network evaluated in float32",
                                RANGES["c_fourier_raw"]),
    "c_fourier_raw_f64": Metric("normalised", "none", 0.02, "C_hat of M2, network evaluated in float64",
                                RANGES["c_fourier_raw"]),
    "degenerate_f64": Metric("fraction", "none", 0.0, "1 when the float64 grid is numerically constant (M1 guard)",
                             (0.0, 1.0)),
}


def as_float32(pop: MLPPopulation) -> MLPPopulation:
    """The same networks with every parameter cast to float32 (mlp_forward then runs in float32)."""
    cast = {f.name: getattr(pop, f.name) for f in dataclasses.fields(pop)
            if f.name in ("weights", "biases", "gate_weights", "gate_biases")}
    cast = {k: tuple(t.float() for t in v) for k, v in cast.items()}
    return dataclasses.replace(pop, **cast, out_weight=pop.out_weight.float(), out_bias=pop.out_bias.float(),
                               prefactor=pop.prefactor.float())


def _values(items: Sequence[tuple[Case, int]], ctx: Context) -> tuple[torch.Tensor, torch.Tensor]:
    """Grid values of every (case, replicate) network in float64 and in float32: each (N, G, G)."""
    cfg, dev = ctx.config, ctx.device
    x = grid_points(cfg.grid_size, dev)  # (G*G, 2) float64
    seeds = torch.tensor([ctx.seed(c, r) for c, r in items], dtype=torch.int64, device=dev)
    alpha = torch.tensor([float(c["alpha"]) for c, _ in items], dtype=torch.float64, device=dev)
    pop = sample_mlps(MLPConfig(width=cfg.width, prior="code"), seeds, [c["act"] for c, _ in items], alpha,
                      [int(c["depth"]) for c, _ in items])
    shape = (len(items), cfg.grid_size, cfg.grid_size)
    return mlp_forward(pop, x).reshape(shape), mlp_forward(as_float32(pop), x).reshape(shape)


def measure(cases: Sequence[Case], ctx: Context):
    """Evaluate every network in both precisions, measure both, yield the differences (float32 - float64)."""
    items = [(c, r) for c in cases for r in range(ctx.replicates)]
    ctx.set_total(1)
    v64, v32 = _values(items, ctx)
    m64 = {k: v.cpu().numpy() for k, v in grid_measures(v64, MEASURES).items()}
    m32 = {k: v.cpu().numpy() for k, v in grid_measures(v32, MEASURES).items()}
    ctx.progress()
    for i, (case, r) in enumerate(items):
        values = {f"d_{m}": float(m32[f"c_{m}"][i] - m64[f"c_{m}"][i]) for m in MEASURES}
        yield Record(case, r, {**values, "c_fourier_raw_f32": float(m32["c_fourier_raw"][i]),
                               "c_fourier_raw_f64": float(m64["c_fourier_raw"][i]),
                               "degenerate_f64": float(m64["degenerate"][i])})


DEEP_SIGMOID = {"act": "sigmoid", "alpha": 0.1, "depth": 7}
CLAIMS = (
    Claim("NR-25", "Evaluating the same random networks in float32 instead of float64 inflates the code-faithful "
          "Fourier complexity of deep (L = 7) sigmoid networks at small weight magnitude (A = 0.1), and of few "
          "other cells: round-off of a nearly constant function reads as white noise (exploratory)",
          "Issue 12 (precision as a finding); spec Pitfalls (float32 artefact), A11; ArmandNM/neural-redshift",
          parts=(Part("C_hat_raw (M2) float32 minus float64, sigmoid, A = 0.1, L = 7", "C_hat",
                      CellMean("d_fourier_raw", DEEP_SIGMOID), support=Above(0.1), refute=Below(0.0)),
                 Part("share of all (activation, A, L) cells where float32 adds more than 0.1 C_hat_raw", "share",
                      CellShare("d_fourier_raw", ">", 0.1), support=Below(0.25), refute=Above(0.5))),
          decisive_at="paper"),
)

EXPERIMENTS = (
    Experiment(name=NAME, cases=CASES, measure=measure, metrics=METRICS, claims=CLAIMS, config=CONFIG,
               replicates=REPLICATES, figures=nr_figures.precision,
               doc="The same random networks evaluated in float32 and float64 (issue 12, item 3)"),
)
