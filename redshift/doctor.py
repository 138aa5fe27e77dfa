"""`redshift doctor`: the GPU acceptance check in one command (CPU half only where no GPU is found).

Sections, each a list of checks (pass / fail / info / skip):
- kernels: every metric kernel and the network forward on the same inputs on CPU and CUDA, max |difference| against
  a stated tolerance; on CPU also the guarded float32 forward against float64 and the batched measures against the
  reference-style pipeline (redshift.bench_reference).
- suites (CUDA, not --quick): every suite's smoke run on CUDA, each claim's verdict beside the CPU verdict of the
  same commit (from the database when a clean complete CPU smoke run of it is there, else computed now).
- speed: pipeline throughput batched vs reference style on the device, the forward's FLOP/s against measured fp32
  and fp64 matmul rates, and the paper-scale Neural Redshift random-network sweep time extrapolated from a measured
  fraction of its cases (labelled so); peak GPU memory.
A disagreement is a failed check; `failed()` lists them (the CLI exits 1). Full mode is sized for about 8 minutes on
one H100; --quick (CI) runs in well under a minute on two CPU cores.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import asdict, dataclass
from typing import Callable, Literal

import numpy as np
import torch

Status = Literal["pass", "fail", "info", "skip"]
_F64_TOL = 1e-9  # float64 kernels: CPU vs CUDA (FFT and matmul reduction orders differ)
_CPU_BENCH_N = 256  # networks per batched call in the CPU half
_GUARD_GRID = 128  # the guarded forward runs float32 from G = 128
_MEASURE_TOL = 1e-3  # measures through a float32 forward: CUDA vs CPU, guarded vs float64, batched vs reference


@dataclass(frozen=True)
class Check:
    """One line of the doctor's table."""
    section: str
    name: str
    value: str
    expected: str
    status: Status
    note: str = ""


@dataclass(frozen=True)
class DoctorConfig:
    """Sizes of the doctor's measurements; quick() is the CI mode."""
    grid: int = 128  # kernel-agreement grid (the guarded forward is float64 below 128, so its checks use 128)
    bench_grids: tuple[int, ...] = (64, 128, 256)
    bench_n: int = 1024
    sweep_fraction: float = 0.1  # share of the paper sweep's cases actually measured
    suites: bool = True

    @staticmethod
    def quick() -> "DoctorConfig":
        return DoctorConfig(grid=64, bench_grids=(64,), bench_n=32, sweep_fraction=0.0, suites=False)


def _diff(name: str, cpu: torch.Tensor, cuda: torch.Tensor | None, tol: float) -> Check:
    """Max |cpu - cuda| (NaNs must match) against tol; 'skip' without a CUDA value."""
    if cuda is None:
        return Check("kernels", name, "cpu only", f"<= {tol:g}", "skip", "no GPU found")
    a, b = cpu.double().cpu(), cuda.double().cpu()
    same_nan = bool((a.isnan() == b.isnan()).all())
    d = float((a - b).nan_to_num(0.0).abs().max()) if a.numel() else 0.0
    ok = same_nan and d <= tol
    return Check("kernels", name, f"{d:.2e}", f"<= {tol:g}", "pass" if ok else "fail",
                 "" if same_nan else "NaN pattern differs")


def _kernel_inputs(size: int):
    """Seeded grids (8, G, G), their symbols, and a mixed random-MLP population (CPU tensors)."""
    from redshift.metrics import binarize
    from redshift.nets.mlp import MLPConfig, sample_mlps

    g = torch.Generator().manual_seed(20240)
    values = torch.randn(8, size, size, dtype=torch.float64, generator=g).cumsum(-1)
    values[0] = 3.0  # a degenerate (constant) sample
    acts = ["relu", "gelu", "swish", "selu", "tanh", "gaussian", "sine", "sigmoid"]
    pop = sample_mlps(MLPConfig(width=32), torch.arange(16) + 7, acts * 2,
                      torch.tensor([0.1, 1.0, 4.0, 8.0] * 4, dtype=torch.float64), [1, 3, 6, 2] * 4)
    return values, binarize(values.flatten(-2)), pop


def kernel_checks(cfg: DoctorConfig, cuda: bool) -> list[Check]:
    """Each kernel on CPU and (when present) CUDA on the same inputs; guarded and reference agreement on CPU."""
    from redshift import bench
    from redshift.data.grids import grid_points
    from redshift.metrics import binarize, chebyshev_order, fourier_mean_frequency, legendre_order, lz_complexity
    from redshift.nets.guarded import ForwardConfig, guarded_forward
    from redshift.nets.mlp import mlp_forward

    values, symbols, pop = _kernel_inputs(cfg.grid)
    on = (lambda t: t.cuda()) if cuda else None
    x, big = grid_points(cfg.grid), grid_points(_GUARD_GRID)
    kernels: list[tuple[str, Callable, tuple, float]] = [
        ("fourier_mean_frequency hann (M3)", lambda v: fourier_mean_frequency(v, "hann"), (values,), _F64_TOL),
        ("fourier_mean_frequency none (M2)", lambda v: fourier_mean_frequency(v, "none"), (values,), _F64_TOL),
        ("chebyshev_order (M4)", chebyshev_order, (values,), _F64_TOL),
        ("legendre_order (M4)", legendre_order, (values,), _F64_TOL),
        ("binarize (M7)", lambda v: binarize(v.flatten(-2)), (values,), 0.0),
        ("lz_complexity lz78 (M5)", lambda s: lz_complexity(s, "lz78"), (symbols,), 0.0),
        ("lz_complexity lzw (M6)", lambda s: lz_complexity(s, "lzw"), (symbols,), 0.0),
        ("mlp_forward float64 / max|y|", lambda x_: _scaled(mlp_forward(_to(pop, x_.device), x_)), (x,), _F64_TOL),
        ("pipeline measures, guarded forward", lambda x_: bench.pipeline(_to(pop, x_.device), x_, _GUARD_GRID),
         (big,), _MEASURE_TOL),
    ]
    checks = [_diff(name, fn(*args), fn(*map(on, args)) if on else None, tol) for name, fn, args, tol in kernels]
    float64 = bench.pipeline(pop, big, _GUARD_GRID, ForwardConfig("float64"))
    guarded = bench.pipeline(pop, big, _GUARD_GRID, ForwardConfig("guarded"))
    d = float((float64 - guarded).abs().max())
    flagged = int(guarded_forward(pop, big)[1].sum())
    checks.append(Check("kernels", "cpu: guarded float32 vs float64 measures", f"{d:.2e}", f"<= {_MEASURE_TOL:g}",
                        "pass" if d <= _MEASURE_TOL else "fail", f"{flagged}/{pop.size} networks in float64"))
    checks.append(_reference_agreement(cfg.grid))
    return checks


def _scaled(y: torch.Tensor) -> torch.Tensor:
    """Outputs divided by each network's max |y| (so the tolerance is relative)."""
    return y / y.abs().amax(dim=-1, keepdim=True).clamp_min(1e-300)


def _to(pop, device: torch.device):
    """A population's tensors on `device`."""
    move = lambda ts: tuple(t.to(device) for t in ts)  # noqa: E731
    return dataclasses.replace(pop, weights=move(pop.weights), biases=move(pop.biases),
                               gate_weights=move(pop.gate_weights), gate_biases=move(pop.gate_biases),
                               out_weight=pop.out_weight.to(device), out_bias=pop.out_bias.to(device),
                               prefactor=pop.prefactor.to(device), order=pop.order.to(device))


def _reference_agreement(size: int) -> Check:
    """Batched measures vs the reference-style pipeline on the benchmark's networks (CPU)."""
    from redshift import bench, bench_reference as ref
    from redshift.data.grids import grid_points

    pop = bench.population(4, 64, 3, "cpu")
    d = float(np.abs(bench.pipeline(pop, grid_points(size), size).numpy()
                     - ref.pipeline(ref.sequentials(pop), size)).max())
    return Check("kernels", "cpu: batched vs reference-style measures", f"{d:.2e}", f"<= {_MEASURE_TOL:g}",
                 "pass" if d <= _MEASURE_TOL else "fail", "C_F, C_Cheb, C_LZ78 of 4 networks")


def _cpu_verdicts_from_db(db: str | None, suite: str, commit: str | None, dirty: bool | None) -> dict[str, str]:
    """claim -> status of the latest complete, clean CPU smoke run of `suite` at `commit` in the database, or {}."""
    from redshift.results import Database
    from redshift.results.db import resolve_path

    if commit is None or dirty or not resolve_path(db).exists():
        return {}
    with Database(db, create=False) as conn:
        rows = conn.query("SELECT v.claim, v.status FROM verdicts v JOIN runs r ON r.id = v.run_id WHERE r.id = ("
                          "SELECT MAX(r2.id) FROM runs r2 JOIN verdicts v2 ON v2.run_id = r2.id WHERE r2.commit_sha = ?"
                          " AND r2.device = 'cpu' AND r2.budget = 'smoke' AND r2.status = 'complete' AND r2.dirty = 0"
                          " AND v2.suite = ?) AND v.suite = ?", (commit, suite, suite))
    return {r["claim"]: r["status"] for r in rows}


def suite_checks(db: str | None) -> list[Check]:
    """Every suite's smoke verdicts on CUDA beside the CPU verdicts of the same commit (database or computed)."""
    from redshift.registry import discover
    from redshift.results.machine import git_state
    from redshift.runner import run_suites

    commit, dirty = git_state()
    checks = []
    for name in discover():
        gpu = {v.claim: v.status for v in run_suites([name], device="cuda", db=db)}
        cpu, source = _cpu_verdicts_from_db(db, name, commit, dirty), "database"
        if not cpu:
            cpu, source = {v.claim: v.status for v in run_suites([name], device="cpu", db=db)}, "computed"
        for claim, status in gpu.items():
            same = cpu.get(claim) == status
            checks.append(Check("suites", f"{name} {claim} smoke", f"cuda {status}", f"cpu {cpu.get(claim, '?')}",
                                "pass" if same else "fail", f"cpu verdict {source}"))
    return checks


def speed_checks(cfg: DoctorConfig, device: str) -> list[Check]:
    """Pipeline batched vs reference style, forward FLOP/s vs matmul rates, the paper sweep's extrapolated time."""
    from redshift import bench

    checks = []
    for r in bench.nr_pipeline_throughput(cfg.bench_grids, n=cfg.bench_n, device=device, rounds=1):
        if r["mode"] != "batched code, N = 1":
            checks.append(Check("speed", f"pipeline G={r['grid']} {r['mode']}", f"{r['networks_per_s']:.1f} nets/s",
                                "", "info", f"ratio {r['ratio']:.2f}x vs reference, {r['threads']} CPU threads"))
    fwd = [r for r in bench.nr_kernel_throughput((cfg.bench_grids[-1],), n=cfg.bench_n, device=device)
           if r["kernel"].startswith("forward (")]
    size = 4096 if device.startswith("cuda") else 1024
    with bench.same_threads(1 if device == "cpu" else None):  # the forward rows' CPU thread count
        rates = {str(dt).split(".")[-1]: bench.matmul_rate(device, dt, size) / 1e9
                 for dt in (torch.float32, torch.float64)}
    for r in fwd:
        peak = rates["float32" if "float32" in r["kernel"] else "float64"]
        share = f"{100 * r['forward_gflops'] / peak:.0f}% of the matmul rate"
        checks.append(Check("speed", f"{r['kernel']} G={r['grid']}", f"{r['forward_gflops']:.1f} GFLOP/s",
                            f"matmul {peak:.1f}", "info", share))
    checks += [Check("speed", f"matmul {size} {k}", f"{v:.1f} GFLOP/s", "", "info") for k, v in rates.items()]
    return checks + [_sweep_check(cfg, device)]


def _sweep_check(cfg: DoctorConfig, device: str) -> Check:
    """Time of the paper-budget Neural Redshift random_mlp sweep, measured on a fraction of its cases, extrapolated."""
    from redshift.registry import discover
    from redshift.suite import Context

    suite = discover().get("neural_redshift")
    exp = next((e for e in suite.experiments if e.name == "random_mlp"), None) if suite else None
    if exp is None or cfg.sweep_fraction <= 0:
        return Check("speed", "paper NR random_mlp sweep", "not measured", "", "skip",
                     "quick mode" if exp else "suite neural_redshift not installed")
    cases = exp.cases_for("paper")
    step = max(1, round(1 / cfg.sweep_fraction))
    part = list(cases[::step])
    ctx = Context("neural_redshift", exp, "paper", torch.device(device), exp.replicates_for("paper"),
                  out_dir=__import__("pathlib").Path("results/out/doctor"))
    start = time.perf_counter()
    for _ in exp.measure(part, ctx):
        pass
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = (time.perf_counter() - start) * len(cases) / len(part)
    return Check("speed", "paper NR random_mlp sweep (extrapolated)", f"{seconds:.0f} s", "", "info",
                 f"measured {len(part)} of {len(cases)} cases x {ctx.replicates} replicates, scaled by case count")


def run(cfg: DoctorConfig = DoctorConfig(), db: str | None = None) -> dict:
    """Every section; CUDA parts only where torch sees a GPU. -> {"cuda", "device", "seconds", "checks": [...]}."""
    start, cuda = time.perf_counter(), torch.cuda.is_available()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    else:  # the CPU half: populations sized for a CPU
        cfg = dataclasses.replace(cfg, bench_n=min(cfg.bench_n, _CPU_BENCH_N))
    checks = kernel_checks(cfg, cuda)
    if cuda and cfg.suites:
        checks += suite_checks(db)
    checks += speed_checks(cfg, "cuda" if cuda else "cpu")
    if cuda:
        peak = torch.cuda.max_memory_allocated() / 2**30
        checks.append(Check("memory", "peak GPU memory allocated", f"{peak:.2f} GiB", "", "info"))
    name = torch.cuda.get_device_name() if cuda else "no GPU found: CPU half only"
    return {"cuda": cuda, "device": name, "quick": not cfg.suites and cfg.sweep_fraction == 0, "seconds": time.perf_counter() - start,
            "checks": [asdict(c) for c in checks]}


def failed(report: dict) -> list[str]:
    """Names of the failed checks."""
    return [c["name"] for c in report["checks"] if c["status"] == "fail"]
