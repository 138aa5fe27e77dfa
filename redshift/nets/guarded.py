"""A cache-blocked population forward pass, and a float32 fast path guarded against round-off (Neural Redshift M1).

Blocking: `mlp_forward` evaluates every network on a chunk of points at once, so a hidden tensor of a large
population is far bigger than the cache and every layer streams it through memory. On CPU, `blocked_forward` walks
blocks of networks x chunks of points whose hidden tensors hold about `block_elements` entries, so each layer's matmul
output is still in cache when the activation overwrites it (on CUDA: the whole population, chunks of points). Same arithmetic, same dtype: only the summation blocking of the
matmuls can differ, at round-off level.

Guard (spec M1, A11, pitfall "float32 artefact"): float32 round-off on a near-constant or chaotic network reads as
white noise to every grid measure, so float64 is the spec's evaluation precision. `guarded_forward` runs the
population in float32, re-evaluates every network in float64 on a sample of the grid (every `sample_stride`-th
point), and measures each network's round-off there: err = max |y32 - y64| over the sample. A network keeps its
float32 values only if err * G < `tolerance` * std(y32), i.e. the round-off, spread over the G x G spectrum as
white noise, stays a small fraction of the signal (the magnitude-weighted Fourier mean, the measure most sensitive
to it, moves by about 0.15 * G * err / std: about 3e-4 at the bound); every other network (near-constant, chaotic,
overflowing, or NaN) is recomputed in float64 on the whole grid. Values are returned in float64 either way.
Below G = `min_grid` everything is float64: there the forward is cheap, and the degree-20 polynomial fits on few
points amplify round-off more than the Fourier estimate says. Calibration (G = 128, every activation x alpha in
0.1..16 x depth 1..6, widths 16 and 64, plain and gating): guarded and float64 C_hat differ by under 1e-3
(the largest, C_F, at most about 7e-4); unguarded float32 moves them by up to 1.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal, Sequence

import torch

from redshift.nets.mlp import MLPPopulation, _forward_chunk, _runs

Precision = Literal["float64", "guarded"]
_DEVICE_ELEMENTS = 2**28  # hidden-tensor entries per chunk on CUDA (mlp_forward's GPU setting)


@dataclass(frozen=True)
class ForwardConfig:
    """How a population is evaluated on a grid: precision, cache blocking, and the float32 guard's sample and bound."""
    precision: Precision = "guarded"
    block_elements: int = 2**17  # hidden-tensor entries per block of networks x chunk of points (fits in L2)
    sample_stride: int = 29  # the guard re-evaluates every 29th grid point in float64 (about 3.4 % of the grid)
    tolerance: float = 2e-3  # keep float32 where max round-off * G < tolerance * std (Fourier shift about 3e-4)
    min_grid: int = 128  # smaller grids are evaluated in float64 throughout


def _activations(pop: MLPPopulation, layer: int) -> list[str]:
    """The activation of each sorted network active in `layer`."""
    acts = [""] * pop.weights[layer].shape[0]
    for name, start, end in pop.runs[layer]:
        acts[start:end] = [name] * (end - start)
    return acts


def subset(pop: MLPPopulation, index: Sequence[int]) -> MLPPopulation:
    """The networks at ascending sorted positions `index`, as a population of their own (still depth-sorted)."""
    idx = torch.tensor(list(index), dtype=torch.int64, device=pop.order.device)
    weights, biases, gw, gb, runs = [], [], [], [], []
    for layer, w in enumerate(pop.weights):
        keep = idx[idx < w.shape[0]]  # a prefix of idx: deeper networks come first
        if keep.numel() == 0:
            break
        acts = _activations(pop, layer)
        weights.append(w[keep])
        biases.append(pop.biases[layer][keep])
        if pop.gate_weights:
            gw.append(pop.gate_weights[layer][keep])
            gb.append(pop.gate_biases[layer][keep])
        runs.append(_runs([acts[i] for i in keep.tolist()], keep.numel()))
    order = torch.arange(idx.numel(), device=idx.device)
    return MLPPopulation(pop.config, tuple(weights), tuple(biases), tuple(gw), tuple(gb), pop.out_weight[idx],
                         pop.out_bias[idx], pop.prefactor[idx], tuple(runs), order)


def cast(pop: MLPPopulation, dtype: torch.dtype) -> MLPPopulation:
    """The same networks with every parameter in `dtype`."""
    def to(ts: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
        return tuple(t.to(dtype) for t in ts)

    return dataclasses.replace(pop, weights=to(pop.weights), biases=to(pop.biases), gate_weights=to(pop.gate_weights),
                               gate_biases=to(pop.gate_biases), out_weight=pop.out_weight.to(dtype),
                               out_bias=pop.out_bias.to(dtype), prefactor=pop.prefactor.to(dtype))


def _sorted_forward(pop: MLPPopulation, x: torch.Tensor, block_elements: int) -> torch.Tensor:
    """Outputs (N, P) in sorted order and the population's dtype, block of networks by chunk of points."""
    n, points, width = pop.size, x.shape[0], pop.config.width
    if x.device.type != "cpu":  # a GPU wants few large kernels: the whole population, chunks of points only
        block_elements = max(block_elements, _DEVICE_ELEMENTS)
    per_block = max(1, min(n, block_elements // (width * min(points, 1024))))  # networks per block
    chunk = max(1, block_elements // (width * per_block))  # points per chunk
    out = torch.empty(n, points, dtype=pop.out_weight.dtype, device=x.device)
    xs = x.to(pop.out_weight.dtype)
    for start in range(0, n, per_block):
        block = subset(pop, range(start, min(n, start + per_block)))
        for i in range(0, points, chunk):
            out[start:start + block.size, i:i + chunk] = _forward_chunk(block, xs[i:i + chunk])
    return out


def blocked_forward(pop: MLPPopulation, x: torch.Tensor, block_elements: int = 2**17) -> torch.Tensor:
    """mlp_forward's values, cache-blocked: points x (P, in_dim) -> (N, P) in the caller's order, pop's dtype."""
    if x.dim() != 2:
        raise ValueError(f"blocked_forward takes points shared by all networks, (P, in_dim); got {tuple(x.shape)}")
    out = _sorted_forward(pop, x, block_elements)
    return torch.empty_like(out).index_copy_(0, pop.order, out)


def _flags(y32: torch.Tensor, pop: MLPPopulation, x: torch.Tensor, cfg: ForwardConfig) -> torch.Tensor:
    """Sorted networks whose float32 round-off can reach the grid measures (see the module docstring): (N,) bool."""
    stride = max(1, min(cfg.sample_stride, x.shape[0] // 64))
    sample = _sorted_forward(pop, x[::stride], cfg.block_elements)  # (N, S) float64
    err = (y32[:, ::stride] - sample).abs().amax(dim=-1)  # (N,)
    size = round(x.shape[0] ** 0.5)  # G of a G x G grid
    std = y32.std(dim=-1, correction=0)
    return ~(err * size < cfg.tolerance * std)  # NaN or inf also flags


def guarded_forward(pop: MLPPopulation, x: torch.Tensor,
                    cfg: ForwardConfig = ForwardConfig()) -> tuple[torch.Tensor, torch.Tensor]:
    """Every network at the grid points x (P, in_dim): (N, P) float64, and (N,) True where a network's values were
    computed in float64, in the caller's order.

    precision="float64" (or a grid below cfg.min_grid) evaluates everything in float64; "guarded" evaluates in
    float32 and recomputes in float64 every network the guard flags. pop must be a float64 population.
    """
    if x.dim() != 2:
        raise ValueError(f"guarded_forward takes points shared by all networks, (P, in_dim); got {tuple(x.shape)}")
    if cfg.precision == "float64" or x.shape[0] < cfg.min_grid**2:
        out = _sorted_forward(pop, x, cfg.block_elements)
        flags = torch.ones(pop.size, dtype=torch.bool, device=x.device)
    else:
        out = _sorted_forward(cast(pop, torch.float32), x, cfg.block_elements).to(torch.float64)  # (N, P)
        flags = _flags(out, pop, x, cfg)
        redo = flags.nonzero()[:, 0].tolist()
        if redo:
            out[flags] = _sorted_forward(subset(pop, redo), x, cfg.block_elements)
    back = torch.empty_like(out).index_copy_(0, pop.order, out)
    return back, torch.empty_like(flags).index_copy_(0, pop.order, flags)
