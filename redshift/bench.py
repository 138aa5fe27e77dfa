"""Throughput of the engine's population kernels, batched against one network at a time (`redshift bench`).

Every public function named `*_throughput` returns plain dicts, one per measured configuration; the CLI prints them.
Timing uses redshift.timing (CUDA events on a GPU, perf_counter on CPU, warm-up excluded, synchronized).
"""
from __future__ import annotations

import torch

from redshift.data.grids import grid_points
from redshift.metrics import binarize, chebyshev_order, fourier_mean_frequency, lz_complexity
from redshift.nets.mlp import MLPConfig, MLPPopulation, mlp_forward, sample_mlps
from redshift.seeding import seed_for
from redshift.threads import torch_threads
from redshift.timing import time_call

_SINGLE_CPU = 4  # networks timed one at a time on CPU, extrapolated to n (on CUDA: 16)
_CPU_FORWARD_GRID = 64  # largest G at which the CPU run also times the forward pass alone


def _population(n: int, width: int, depth: int, device: str, first: int = 0) -> MLPPopulation:
    """Networks first..first+n-1 of the benchmark: tanh MLPs, paper prior, alpha = 4, seeds hashed from an identity.

    Draws depend only on each network's seed, so network i alone is exactly network i of the full population.
    """
    seeds = torch.tensor([seed_for("bench", "nr_pipeline", i) for i in range(first, first + n)], device=device)
    alpha = torch.full((n,), 4.0, dtype=torch.float64, device=device)
    return sample_mlps(MLPConfig(width=width), seeds, ["tanh"] * n, alpha, [depth] * n)


def _pipeline(pop: MLPPopulation, x: torch.Tensor, size: int, max_elements: int) -> torch.Tensor:
    """The Neural Redshift grid pipeline: forward on the G x G grid, Hann Fourier, Chebyshev, LZ78: -> (n, 3)."""
    values = mlp_forward(pop, x, max_elements).reshape(-1, size, size)  # (n, G, G) float64
    return torch.stack((fourier_mean_frequency(values, "hann"), chebyshev_order(values),
                        lz_complexity(binarize(values.flatten(-2)), "lz78")), dim=-1)


def _forward_flops(n: int, points: int, width: int, depth: int) -> float:
    """Multiply-adds x 2 of the forward pass: input layer, depth - 1 hidden layers, output layer."""
    return 2.0 * n * points * (2 * width + (depth - 1) * width * width + width)


def matmul_rate(device: str, dtype: torch.dtype = torch.float32, size: int = 4096) -> float:
    """Measured FLOP/s of one size x size matmul on `device` (the reference for the forward pass's rate)."""
    a = torch.randn(size, size, device=device, dtype=dtype)
    _, sample = time_call(torch.matmul, a, a, device=device, repeat=5, warmup=2)
    return 2.0 * size**3 / sample.median


def nr_pipeline_throughput(grid_sizes=(64, 256), n: int = 1024, width: int = 64, depth: int = 3,
                           device: str = "cpu", threads: int | None = None) -> list[dict]:
    """Networks per second of forward + Fourier + Chebyshev + LZ78, batched and one network at a time.

    The batched row times all n networks in one call; the one-at-a-time row runs the same functions on single
    networks, timing `single_timed` of them and extrapolating to n (its networks_per_s is per network either way).
    ratio = batched / one-at-a-time. The batched row also reports the forward pass's GFLOP/s (float64; on CPU only up
    to G = 64, NaN above, as a second full pass is slow there); on CUDA,
    extra rows give the measured fp32 and fp64 matmul rates to compare it with. `threads` sets torch's CPU thread
    count for the measurement (restored after); None keeps the current setting.
    """
    with torch_threads(threads):
        return _pipeline_rows(grid_sizes, n, width, depth, device)


def _pipeline_rows(grid_sizes, n: int, width: int, depth: int, device: str) -> list[dict]:
    """The measurements behind nr_pipeline_throughput."""
    cuda = torch.device(device).type == "cuda"
    max_elements = 2**28 if cuda else 2**24
    pop = _population(n, width, depth, device)
    rows = []
    for size in grid_sizes:
        x = grid_points(size, device)  # (G*G, 2) float64
        single = min(n, 16 if cuda else _SINGLE_CPU)
        nets = [_population(1, width, depth, device, first=i) for i in range(single)]
        _pipeline(nets[0], x, size, max_elements)  # warm-up: the kernels' cached projectors for this G
        _, batched = time_call(_pipeline, pop, x, size, max_elements, device=device, repeat=3 if cuda else 1,
                               warmup=1 if cuda else 0)
        flops = float("nan")
        if cuda or size <= _CPU_FORWARD_GRID:  # a second full forward pass is too slow on CPU at large G
            _, fwd = time_call(mlp_forward, pop, x, max_elements, device=device, repeat=3 if cuda else 1,
                               warmup=1 if cuda else 0)
            flops = _forward_flops(n, size * size, width, depth) / fwd.median
        _, alone = time_call(lambda: [_pipeline(p, x, size, max_elements) for p in nets], device=device, repeat=1,
                             warmup=1 if cuda else 0)
        per_batched, per_single = n / batched.median, single / alone.median
        common = {"grid": size, "n": n, "width": width, "depth": depth, "device": device,
                  "threads": torch.get_num_threads()}
        rows.append({**common, "mode": "batched", "networks_per_s": per_batched, "seconds": batched.median,
                     "forward_gflops": flops / 1e9,
                     "ratio": per_batched / per_single})
        rows.append({**common, "mode": "one_at_a_time", "networks_per_s": per_single,
                     "seconds": alone.median * n / single, "single_timed": single, "extrapolated": single < n})
    if cuda:
        rows.append({"device": device, "mode": "matmul_fp32", "gflops": matmul_rate(device) / 1e9})
        rows.append({"device": device, "mode": "matmul_fp64", "gflops": matmul_rate(device, torch.float64) / 1e9})
    return rows


def gc_throughput(widths=(8, 64), n: int = 8, batch: int = 8192, device: str = "cpu",
                  threads: int | None = 1) -> list[dict]:
    """Guess & Check draws per second (draw U[-1, 1] weights, forward n digits, exact-fit check), batched vs one
    network at a time through the same functions (sgd_vs_architecture, spec D4). The one-at-a-time row times 64
    networks and extrapolates. `threads`: torch CPU threads during the measurement (the suite uses 1)."""
    from redshift.data.digits import digits_pool, nested_sets
    from redshift.nets.bias_free import MLP, draw_uniform
    from redshift.train.guess_check import fit_mask

    with torch_threads(threads):
        x, y = nested_sets(digits_pool([(3, 5)]), [0], [0], n).train(n)  # (1, n, 64), (1, n)
        x, y = x.to(device), y.to(device)
        gen = torch.Generator(device=device).manual_seed(seed_for("bench", "gc_throughput", 0))
        rows = []
        for width in widths:
            arch = MLP(64, (width,))

            def draw_check(m: int) -> torch.Tensor:
                w = draw_uniform(arch.shapes, (1, m), gen)  # (1, m, out, in) per layer
                return fit_mask(arch.forward(w, x.unsqueeze(1)), y.unsqueeze(1))[0]

            single = 64
            _, batched = time_call(draw_check, batch, device=device, repeat=3, warmup=1)
            _, alone = time_call(lambda: [draw_check(1) for _ in range(single)], device=device, repeat=3, warmup=1)
            per_batched, per_single = batch / batched.median, single / alone.median
            common = {"width": width, "n": n, "device": device, "threads": torch.get_num_threads()}
            rows.append({**common, "mode": "batched", "draws_per_s": per_batched, "ratio": per_batched / per_single})
            rows.append({**common, "mode": "one_at_a_time", "draws_per_s": per_single, "single_timed": single})
        return rows
