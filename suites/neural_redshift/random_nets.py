"""Neural Redshift, part 1: complexity of random networks (Teney et al. 2024, Section 3; spec 3.1, NR-1..NR-12).

Case grids and configs per budget are declared first (spec 3.6); claims live in `random_claims.py`. Every case's
replicates are independent random networks (spec M13: the seed is the replicate). All networks of an experiment
that share a shape (width, variant, prior) are drawn and evaluated as one population (one batched matmul per layer;
depths, activations, alpha and beta vary inside it), and every grid measure runs once on the whole experiment.

Deviations from the spec (and why; the suite-wide table is in suites/neural_redshift/__init__.py):
- Seeds per cell: 12 at smoke and standard for every grid experiment (random_mlp, width, bias, priors, code
  protocol), 20 at paper (spec: 4 / 8 / 20, and 3 / 3 / 5 for the code protocol). Set by the engine's inference,
  not by data: the ratio parts (Q1, Q4-Q7, unbounded: Hall's t with the exact sign test) cannot be decided on 5 or
  fewer replicates, and the suite's 27 claims are one Holm family. (Suite v1 ran random_mlp with 16 seeds, chosen
  after seeing NR-10's data; that choice is withdrawn.) Parts on bounded C_hat ranges need about 50-130 seeds
  (betting on the honest ranges of measures.RANGES) and stay undecided at smoke: see the suite docstring.
- alpha_hi = 8 and L_hi = 6 at every budget (random_claims.A_HI, L_HI): a claim is one declaration for all
  budgets, so the paper budget's (16, 7) variant cells are run and reported but not claimed on.
- Case values: alpha 2^(k/2) at the paper budget is rounded to 4 decimals (case names stay readable).
- Width sweep: both conventions are run at every width, including 64 where they coincide (separate seeds).
- Priors (NR-11): robustness priors keep biases U(-beta, beta); the spec fixes only their weight variance.
- Code protocol (NR-12) uses M2 at G = 64 / 128 / 300 as the spec says; C_LZ is not computed there (spec pitfall:
  LZ cost at 300), and M3 is recorded as a diagnostic below G = 300.
- Smoke runs on one CPU thread (GridConfig.threads): on a shared 2-core runner, OpenMP's second thread spins and
  doubles CPU time for these small kernels; the setting is restored after measuring.
- NR-13 (guess-and-check) is in guess_check.py; the float32/float64 comparison (NR-25) in precision.py.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from redshift import Case, Context, Experiment, Record, grid
from redshift.data.grids import grid_points
from redshift.nets.guarded import ForwardConfig, Precision, guarded_forward
from redshift.nets.mlp import MLPConfig, sample_mlps, sample_unbiased, unbiased_forward

from suites.neural_redshift import figures as nr_figures
from suites.neural_redshift import random_claims as rc
from suites.neural_redshift.measures import METRICS, Measure, grid_measures


@dataclass(frozen=True)
class GridConfig:
    """One budget's grid protocol (spec 3.6)."""

    grid_size: int
    width: int = 64
    measures: tuple[Measure, ...] = ("fourier", "fourier_raw", "cheb", "leg", "lz")
    max_elements: int = 2**24  # largest hidden activation tensor per point chunk (unbiased model)
    threads: int | None = None  # CPU threads while measuring (None: leave torch's setting)
    precision: Precision = "float64"  # MLP forward: float64 (spec M1), or the guarded float32 path (nets.guarded)


ALL_ACTS = ["relu", "gelu", "swish", "selu", "tanh", "gaussian", "sine"]  # spec M10
SWEEP_ACTS = ["relu", "tanh", "gaussian", "sine"]  # variants, width, bias (spec 3.1)
ALPHAS = {"smoke": [1.0, 2.0, 4.0, 8.0], "standard": [0.5, 1.0, 2.0, 4.0, 8.0, 16.0],
          "paper": [round(2 ** (k / 2), 4) for k in range(-6, 9)]}
DEPTHS = {"smoke": [1, 3, 6], "standard": [1, 2, 3, 4, 6], "paper": list(range(1, 8))}
HI = {"smoke": (8.0, 6), "standard": (8.0, 6), "paper": (16.0, 7)}  # (alpha_hi, L_hi), spec 3.6
GRIDS = {"smoke": GridConfig(32, threads=1), "standard": GridConfig(64), "paper": GridConfig(128, max_elements=2**27)}
REPLICATES = {"smoke": 12, "standard": 12, "paper": 20}  # spec: 4 and 8 (see the docstring)
CODE_GRIDS = {"smoke": GridConfig(64, measures=("fourier_raw", "fourier"), threads=1),
              "standard": GridConfig(128, measures=("fourier_raw", "fourier")),
              "paper": GridConfig(300, measures=("fourier_raw",))}
CODE_A = {"smoke": [0.1, 10.0], "standard": [round(float(a), 4) for a in np.logspace(-1, 2, 8)],
          "paper": [round(float(a), 4) for a in np.logspace(-1, 2, 15)]}
CODE_L = {"smoke": [1, 7], "standard": [1, 3, 5, 7], "paper": list(range(1, 8))}
CODE_ACTS = ["relu", "gelu", "tanh", "gaussian", "sine", "sigmoid"]  # spec 3.1, code protocol
PRIOR_ACTS = {"smoke": ["relu", "tanh", "sine"], "standard": ["relu", "gelu", "tanh", "gaussian", "sine"]}
PRIOR_ACTS["paper"] = PRIOR_ACTS["standard"]


def _random_mlp_cases(budget: str) -> tuple[Case, ...]:
    """Plain sweep, the three variants at (alpha in {1, hi}, L in {1, L_hi}), and the unbiased model (spec 3.1)."""
    a_hi, l_hi = HI[budget]
    plain = grid("random_mlp", variant="plain", act=ALL_ACTS, alpha=ALPHAS[budget], depth=DEPTHS[budget])
    variants = grid("random_mlp", variant=["layernorm", "residual", "gating"], act=SWEEP_ACTS,
                    alpha=sorted({1.0, a_hi}), depth=[1, l_hi])
    if budget == "paper":  # the claims read (8, 6) at every budget; the spec's paper (16, 7) cells are reported
        for alpha, depth in ((1.0, 6), (8.0, 6), (8.0, 1)):
            variants += grid("random_mlp", variant=["layernorm", "residual", "gating"], act=SWEEP_ACTS,
                             alpha=alpha, depth=depth)
    if budget != "smoke":  # the NR-9 alpha grid plus the plain alpha grid, for the diagnostic ceiling
        unbiased = grid("random_mlp", variant="unbiased", alpha=sorted({0.1, 1.0, 10.0} | set(ALPHAS[budget])))
    else:
        unbiased = grid("random_mlp", variant="unbiased", alpha=[0.1, 1.0, 10.0])
    return plain + variants + unbiased


def _width_cases(budget: str) -> tuple[Case, ...]:
    """Width x alpha at L = 3 under both width conventions (spec 3.1)."""
    return grid("width", convention=["fixed", "confounded"], act=SWEEP_ACTS, width=[16, 64, 256],
                alpha=[1.0, 4.0, 8.0], depth=3)


def _bias_cases(budget: str) -> tuple[Case, ...]:
    """Bias bound beta at alpha = 8, L = 3, plus the alpha = 1, beta = 1 reference (spec 3.1)."""
    return (grid("bias", act=SWEEP_ACTS, alpha=8.0, beta=[0.25, 0.5, 1.0, 2.0, 4.0], depth=3)
            + grid("bias", act=SWEEP_ACTS, alpha=1.0, beta=1.0, depth=3))


def _prior_cases(budget: str) -> tuple[Case, ...]:
    """The uniform (paper) prior and the three robustness priors on the same cells (spec 3.1)."""
    a_hi, l_hi = HI[budget]
    return grid("priors", prior=["paper", "gaussian", "ball", "student"], act=PRIOR_ACTS[budget],
                alpha=[1.0, 4.0, a_hi], depth=[1, 3, l_hi])


def _code_cases(budget: str) -> tuple[Case, ...]:
    """Code protocol: U(-A, A) weights and biases, width 64 (spec 3.1 [C])."""
    return grid("code_protocol", act=CODE_ACTS, alpha=CODE_A[budget], depth=CODE_L[budget])


def _mlp_config(case: Case, cfg: GridConfig) -> MLPConfig:
    """The population shape of a case: variant, prior and width (the fixed-first convention pins fan_out 64)."""
    variant = case.get("variant", "plain")
    prior = "code" if case.experiment == "code_protocol" else case.get("prior", "paper")
    fixed = 64 if case.get("convention") == "fixed" else None
    return MLPConfig(width=int(case.get("width", cfg.width)), variant=variant, prior=prior, first_fan_out=fixed)


def _evaluate(items: Sequence[tuple[Case, int]], ctx: Context) -> torch.Tensor:
    """Grid values of every (case, replicate) network, one population per shape: -> (N, G, G) float64."""
    cfg, dev = ctx.config, ctx.device
    size = cfg.grid_size
    x = grid_points(size, dev)  # (G*G, 2)
    out = torch.empty(len(items), size * size, dtype=torch.float64, device=dev)
    groups: dict[object, list[int]] = defaultdict(list)
    for i, (case, _) in enumerate(items):
        groups["unbiased" if case.get("variant") == "unbiased" else _mlp_config(case, cfg)].append(i)
    for key, idx in groups.items():  # one population per shape
        cases = [items[i][0] for i in idx]
        seeds = torch.tensor([ctx.seed(*items[i]) for i in idx], dtype=torch.int64, device=dev)
        alpha = torch.tensor([float(c["alpha"]) for c in cases], dtype=torch.float64, device=dev)
        if key == "unbiased":
            values = unbiased_forward(sample_unbiased(seeds, alpha, size // 2), x, cfg.max_elements)
        else:
            beta = torch.tensor([float(c.get("beta", 1.0)) for c in cases], dtype=torch.float64, device=dev)
            pop = sample_mlps(key, seeds, [c["act"] for c in cases], alpha, [int(c["depth"]) for c in cases], beta)
            values = guarded_forward(pop, x, ForwardConfig(cfg.precision))[0]  # (n, G*G), cache-blocked
        out[torch.tensor(idx, device=dev)] = values
        ctx.progress(len(idx))
    return out.reshape(len(items), size, size)


def _compute(items: Sequence[tuple[Case, int]], ctx: Context) -> dict[str, np.ndarray]:
    """Every metric of every (case, replicate) network: name -> (N,), with the config's CPU thread count."""
    threads = torch.get_num_threads()
    if ctx.config.threads and ctx.device.type == "cpu":
        torch.set_num_threads(ctx.config.threads)  # one thread avoids OpenMP spin on a shared 2-core runner
    try:
        values = _evaluate(items, ctx)
        return {k: v.cpu().numpy() for k, v in grid_measures(values, ctx.config.measures).items()}
    finally:
        torch.set_num_threads(threads)


def measure(cases: Sequence[Case], ctx: Context):
    """Draw, evaluate and measure every network of the experiment, then yield one record per (case, replicate)."""
    items = [(case, r) for case in cases for r in range(ctx.replicates)]
    ctx.set_total(len(items))
    results = _compute(items, ctx)
    for i, (case, r) in enumerate(items):
        yield Record(case, r, {k: float(v[i]) for k, v in results.items()})


def _experiment(name: str, cases, configs, replicates, claims, figures) -> Experiment:
    """An experiment of this part, measured by `measure`, drawn by `figures` (figures.py)."""
    return Experiment(name=name, cases={b: cases(b) for b in ALPHAS}, config=configs, replicates=replicates,
                      metrics=METRICS, measure=measure, claims=claims, figures=figures)


EXPERIMENTS: tuple[Experiment, ...] = (
    _experiment("random_mlp", _random_mlp_cases, GRIDS, REPLICATES, rc.RANDOM_MLP_CLAIMS,
                nr_figures.random_mlp),
    _experiment("width", _width_cases, GRIDS, REPLICATES, rc.WIDTH_CLAIMS, nr_figures.width),
    _experiment("bias", _bias_cases, GRIDS, REPLICATES, rc.BIAS_CLAIMS, nr_figures.bias),
    _experiment("priors", _prior_cases, GRIDS, REPLICATES, rc.PRIOR_CLAIMS, nr_figures.priors),
    _experiment("code_protocol", _code_cases, CODE_GRIDS, REPLICATES, rc.CODE_CLAIMS,  # spec: 3, 3, 5 seeds
                nr_figures.code_protocol),
)
