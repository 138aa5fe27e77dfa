"""Throughput of the engine's population kernels (`redshift bench`), against what a researcher would write.

Every public function named `*_throughput` returns plain dicts, one per measured configuration; the CLI prints them.
The Neural Redshift rows compare the batched pipeline (guarded float32 forward, redshift.nets.guarded, then the
batched kernels) with the per-network reference-style pipeline (redshift.bench_reference: an nn.Sequential per
network, numpy FFT, a Python LZ78 parse, numpy least squares), on the same networks, the same grid and the same
torch thread count, calls alternating in one process; ratio = batched networks/s over reference networks/s.
Timing uses redshift.timing (CUDA events on a GPU, perf_counter on CPU, synchronized). The machine's other load
is not controlled: quote ratios, not absolute times.
"""
from __future__ import annotations

import contextlib
import statistics
from typing import Iterator

import torch

from redshift import bench_reference as ref
from redshift.data.grids import grid_points
from redshift.metrics import binarize, chebyshev_order, fourier_mean_frequency, lz_complexity
from redshift.nets.guarded import ForwardConfig, guarded_forward
from redshift.nets.mlp import MLPConfig, MLPPopulation, mlp_forward, sample_mlps
from redshift.seeding import seed_for
from redshift.threads import torch_threads
from redshift.timing import time_call

@contextlib.contextmanager
def same_threads(n: int | None) -> Iterator[None]:
    """torch's intra-op threads and numpy's BLAS threads both n during a measurement (None: unchanged), so that the
    reference's numpy least squares gets the thread count the batched code gets."""
    from threadpoolctl import threadpool_limits

    with torch_threads(n), threadpool_limits(limits=n, user_api="blas"):
        yield


_REFERENCE_TIMED = 16  # networks the reference-style pipeline runs per round (its time per network is per network)
_GUARDED, _FLOAT64 = ForwardConfig("guarded"), ForwardConfig("float64")


def population(n: int, width: int, depth: int, device: str, first: int = 0) -> MLPPopulation:
    """Networks first..first+n-1 of the benchmark: tanh MLPs, paper prior, alpha = 4, seeds hashed from an identity.

    Draws depend only on each network's seed, so network i alone is exactly network i of the full population.
    """
    seeds = torch.tensor([seed_for("bench", "nr_pipeline", i) for i in range(first, first + n)], device=device)
    alpha = torch.full((n,), 4.0, dtype=torch.float64, device=device)
    return sample_mlps(MLPConfig(width=width), seeds, ["tanh"] * n, alpha, [depth] * n)


def measures(values: torch.Tensor) -> torch.Tensor:
    """C_F (Hann), C_Cheb and C_LZ78 of (n, G, G) grids, batched: -> (n, 3), the reference pipeline's columns."""
    return torch.stack((fourier_mean_frequency(values, "hann"), chebyshev_order(values),
                        lz_complexity(binarize(values.flatten(-2)), "lz78")), dim=-1)


def pipeline(pop: MLPPopulation, x: torch.Tensor, size: int, cfg: ForwardConfig = _GUARDED) -> torch.Tensor:
    """The batched Neural Redshift grid pipeline: guarded forward on the G x G grid, then measures(): -> (n, 3)."""
    return measures(guarded_forward(pop, x, cfg)[0].reshape(-1, size, size))


def _forward_flops(n: int, points: int, width: int, depth: int) -> float:
    """Multiply-adds x 2 of the forward pass: input layer, depth - 1 hidden layers, output layer."""
    return 2.0 * n * points * (2 * width + (depth - 1) * width * width + width)


def matmul_rate(device: str, dtype: torch.dtype = torch.float32, size: int = 4096) -> float:
    """Measured FLOP/s of one size x size matmul on `device` (the reference for the forward pass's rate)."""
    a = torch.randn(size, size, device=device, dtype=dtype)
    _, sample = time_call(torch.matmul, a, a, device=device, repeat=5, warmup=2)
    return 2.0 * size**3 / sample.median


def _alternating(calls: dict[str, tuple], rounds: int, device: str) -> dict[str, float]:
    """Median seconds per call of each (fn, args...), the calls alternating round by round (shared load hits all)."""
    times: dict[str, list[float]] = {k: [] for k in calls}
    for _ in range(rounds):
        for name, (fn, *args) in calls.items():
            times[name].append(time_call(fn, *args, device=device, repeat=1, warmup=0)[1].median)
    return {k: statistics.median(v) for k, v in times.items()}


def _setup(size: int, n: int, width: int, depth: int, device: str):
    """Population, grid points, the reference's nn.Sequentials (first networks) and a warm-up of every cached table."""
    pop, x = population(n, width, depth, device), grid_points(size, device)
    nets = ref.sequentials(population(min(n, _REFERENCE_TIMED), width, depth, device))
    pipeline(population(2, width, depth, device), x, size)  # cached windows and projectors for this G
    ref.pipeline(nets[:1], size)
    return pop, x, nets


def nr_pipeline_throughput(grid_sizes=(64, 128, 256), n: int = 512, width: int = 64, depth: int = 3,
                           device: str = "cpu", threads: int | None = 1, rounds: int = 3) -> list[dict]:
    """Networks per second of the whole pipeline (forward, C_F, C_Cheb, C_LZ78): batched vs reference style.

    Rows per grid: "batched" (all n networks in one call, guarded float32 forward), "reference" (the per-network
    reference-style pipeline on its first 16 networks; per network, so comparable), and "batched code, N = 1" (our
    batched functions on a single network: not a baseline, shown for what lockstep parsing costs without a
    population). ratio = networks/s over the reference's. `threads`: torch and numpy BLAS threads for both (restored).
    """
    with same_threads(threads):
        rows = []
        for size in grid_sizes:
            pop, x, nets = _setup(size, n, width, depth, device)
            one = population(1, width, depth, device)
            t = _alternating({"batched": (pipeline, pop, x, size), "reference": (ref.pipeline, nets, size)},
                             rounds, device)
            t["batched code, N = 1"] = time_call(pipeline, one, x, size, device=device, repeat=1, warmup=0)[1].median
            per_s = {"batched": n / t["batched"], "reference": len(nets) / t["reference"],
                     "batched code, N = 1": 1 / t["batched code, N = 1"]}
            timed = {"batched": n, "reference": len(nets), "batched code, N = 1": 1}
            for mode, rate in per_s.items():
                rows.append({"grid": size, "mode": mode, "networks": timed[mode], "networks_per_s": rate,
                             "ms_per_network": 1e3 / rate, "ratio": rate / per_s["reference"], "threads": torch.get_num_threads(), "device": device})
        return rows


def _kernel_calls(pop: MLPPopulation, x: torch.Tensor, nets: list, size: int) -> dict[str, tuple]:
    """Batched and reference calls of each kernel on the same inputs: name -> ((fn, args...), (fn, args...))."""
    values = guarded_forward(pop, x)[0].reshape(-1, size, size)
    points = ref.grid(size, x.device)
    ys = [ref.forward(m, points, size) for m in nets]
    each = lambda f: (lambda: [f(y) for y in ys],)  # noqa: E731
    return {"forward (guarded float32)": ((guarded_forward, pop, x),
                                          (lambda: [ref.forward(m, points, size) for m in nets],)),
            "forward (float64)": ((guarded_forward, pop, x, _FLOAT64), None),
            "forward (float64, unblocked mlp_forward)": ((mlp_forward, pop, x), None),
            "fourier (Hann, M3)": ((fourier_mean_frequency, values, "hann"), each(ref.fourier_mean_frequency)),
            "chebyshev (M4)": ((chebyshev_order, values), each(ref.chebyshev_order)),
            "binarize + lz78 (M5, M7)": ((lambda: lz_complexity(binarize(values.flatten(-2)), "lz78"),),
                                         each(ref.lz78))}


def nr_kernel_throughput(grid_sizes=(64, 128, 256), n: int = 512, width: int = 64, depth: int = 3,
                         device: str = "cpu", threads: int | None = 1) -> list[dict]:
    """Milliseconds per network of each pipeline kernel, batched vs reference style, same inputs and threads.

    One timed call each (a breakdown; nr_pipeline_throughput gives the headline). The forward rows also give GFLOP/s.
    """
    with same_threads(threads):
        rows = []
        for size in grid_sizes:
            pop, x, nets = _setup(size, n, width, depth, device)
            for kernel, (batched, reference) in _kernel_calls(pop, x, nets, size).items():
                b = time_call(*batched, device=device, repeat=1, warmup=0)[1].median / n
                r = time_call(*reference, device=device, repeat=1, warmup=0)[1].median / len(nets) \
                    if reference else None
                flops = _forward_flops(1, size * size, width, depth) / b / 1e9 if kernel.startswith("forward") else None
                rows.append({"grid": size, "kernel": kernel, "batched_ms": 1e3 * b,
                             "reference_ms": None if r is None else 1e3 * r, "ratio": None if r is None else r / b,
                             "forward_gflops": flops, "threads": torch.get_num_threads(), "device": device})
        if torch.device(device).type == "cuda":
            for dtype in (torch.float32, torch.float64):
                rows.append({"kernel": f"matmul 4096 {dtype}", "forward_gflops": matmul_rate(device, dtype) / 1e9,
                             "device": device})
        return rows


def gc_throughput(widths=(8, 64), n: int = 8, batch: int = 8192, device: str = "cpu",
                  threads: int | None = 1) -> list[dict]:
    """Guess & Check draws per second (draw U[-1, 1] weights, forward n digits, exact-fit check), batched as the
    suite runs it (one UniformSource population, numpy SFC64 bits on CPU) vs the per-network loop a researcher
    would write (torch's uniform_ per network, same forward and check) (sgd_vs_architecture, spec D4). The
    one-at-a-time row times 64 networks and extrapolates. `threads`: torch CPU threads during the measurement
    (the suite uses 1)."""
    from redshift.data.digits import digits_pool, nested_sets
    from redshift.nets.bias_free import MLP, UniformSource, draw_uniform
    from redshift.train.guess_check import fit_mask

    with torch_threads(threads):
        x, y = nested_sets(digits_pool([(3, 5)]), [0], [0], n).train(n)  # (1, n, 64), (1, n)
        x, y = x.to(device), y.to(device)
        gen = torch.Generator(device=device).manual_seed(seed_for("bench", "gc_throughput", 0))
        rows = []
        for width in widths:
            arch = MLP(64, (width,))

            source = UniformSource(gen)

            def draw_check(m: int) -> torch.Tensor:
                w = source.draw(arch.shapes, (1, m))  # (1, m, out, in) per layer
                return fit_mask(arch.forward(w, x.unsqueeze(1)), y.unsqueeze(1))[0]

            def draw_check_one() -> torch.Tensor:
                w = draw_uniform(arch.shapes, (), gen)  # (out, in) per layer
                return fit_mask(arch.forward(w, x[0]), y[0])

            single = 64
            _, batched = time_call(draw_check, batch, device=device, repeat=3, warmup=1)
            _, alone = time_call(lambda: [draw_check_one() for _ in range(single)], device=device, repeat=3,
                                 warmup=1)
            per_batched, per_single = batch / batched.median, single / alone.median
            common = {"width": width, "n": n, "device": device, "threads": torch.get_num_threads()}
            rows.append({**common, "mode": "batched", "draws_per_s": per_batched, "ratio": per_batched / per_single})
            rows.append({**common, "mode": "one_at_a_time", "draws_per_s": per_single, "single_timed": single})
        return rows
