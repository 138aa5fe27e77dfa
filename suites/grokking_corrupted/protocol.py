"""Measure functions: every full-batch network of a budget trained as batched populations, then one record per case
and replicate (spec section 3, "Execution").

Networks are grouped by kind (p, N, with or without dropout: one tensor program each), chunked only to bound memory
(max_batch, max_elements); each network trains to the largest horizon among its cases and is evaluated on the schedule
of spec section 3 and at every case horizon. The dynamics curves go to one CSV per population kind under
ctx.out_dir/dynamics/<experiment>/; the figures hook merges them into dynamics.csv / dynamics.png (so a run split
into chunks, each writing its own kinds, draws the same figure as an unsplit one).
Seeds (spec section 3, "Seeds"): split and corruption from (p, alpha, r), init from (p, N, r), dropout masks and
random pruning from the network identity and r, minibatch order from (p, alpha, b, r).
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Iterator, Sequence

import torch

from redshift.threads import flush_denormals, torch_threads

from redshift import Case, Context, Record, seed_for
from redshift.data.modular import CorruptedSplit, corrupted_split
from redshift.metrics.ipr import gamma_signature, neuron_ipr
from redshift.nets import quadratic as qn
from redshift.train import grokking as gk
from suites.grokking_corrupted.config import BatchNormConfig, CaseSpec, FullBatchConfig
from suites.grokking_corrupted.figures import write_dynamics_part
from suites.grokking_corrupted.records import ACCURACIES, dynamics_frame, horizon_values, pruning_values

SUITE = "grokking_corrupted"


@contextlib.contextmanager
def threads(n: int | None):
    """Inside the block: torch intra-op threads set to n (None: unchanged), TF32 matmuls off (spec section 6,
    "Precision": train in float32) and subnormal floats flushed to zero on CPU (weight decay drives the
    lambda = 20 networks through the subnormal range, about 30x slower per step); all restored after."""
    tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        with torch_threads(n), flush_denormals():
            yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = tf32


def _floor(state: qn.QuadraticState) -> float:
    """The D9 guard: 1e-6 x the initial RMS norm sigma sqrt(p) of a row of U, V or a column of W."""
    return 1e-6 * qn.init_std(state.U.shape[1]) * state.U.shape[2] ** 0.5


@dataclass(frozen=True)
class Net:
    """One network to train: identity, replicate, horizon, the horizons its cases read, whether it is pruned."""

    model: tuple
    replicate: int
    horizon: int
    reads: tuple[int, ...]
    prune: bool


def plan(specs: Sequence[CaseSpec], replicates: int) -> list[Net]:
    """The distinct networks the specs need, each to its largest horizon (spec section 3, 'A model leaves...')."""
    by_key: dict[tuple, list[CaseSpec]] = {}
    for s in specs:
        for r in range(min(replicates, s.replicates or replicates)):
            by_key.setdefault((s.model, r), []).append(s)
    return [Net(m, r, max(s.T for s in ss), tuple(sorted({s.T for s in ss})), any(s.prune for s in ss))
            for (m, r), ss in by_key.items()]


def _split(p: int, alpha: float, xi: float, r: int, device) -> CorruptedSplit:
    return corrupted_split(p, alpha, xi, seed_for(SUITE, "split", p, alpha, r), device)


def _checkpoints(nets: list[Net], cfg: FullBatchConfig, device) -> torch.Tensor:
    """(B, T+1) evaluation schedule: every eval_every, dense for dense_wd (xi > 0) up to dense_until, and case
    horizons."""
    steps = max(n.horizon for n in nets)
    ck = torch.zeros(len(nets), steps + 1, dtype=torch.bool)
    for i, n in enumerate(nets):  # setup of a boolean schedule, not a hot path
        ck[i, 0:n.horizon + 1:cfg.eval_every] = True
        if n.model[4] in cfg.dense_wd and n.model[3] > 0:  # D13 events need corrupted examples
            ck[i, 0:min(cfg.dense_until, n.horizon) + 1:cfg.dense_every] = True
        ck[i, list(n.reads)] = True
    return ck.to(device)


def train_chunk(nets: list[Net], cfg: FullBatchConfig, device) -> tuple[list[CorruptedSplit], qn.QuadraticState,
                                                                            gk.History]:
    """Train one chunk of networks sharing (p, N) as one batched model; returns splits, final states, history."""
    p, width = nets[0].model[0], nets[0].model[1]
    splits = [_split(p, n.model[2], n.model[3], n.replicate, device) for n in nets]
    ident = [seed_for(SUITE, "dropout", *n.model, n.replicate) for n in nets]
    pop = gk.population(splits, [n.model[4] for n in nets], [n.model[5] for n in nets], [cfg.lr] * len(nets),
                        [False] * len(nets), [n.horizon for n in nets], ident, ident)
    state = qn.init_population(p, width, [seed_for(SUITE, "init", p, width, n.replicate) for n in nets], device)
    floor = _floor(state)
    final, history = gk.train(state, pop, gk.TrainConfig(), _checkpoints(nets, cfg, device),
                              lambda s, pp: gk.evaluate(s, pp, floor))
    return splits, final, history


def _kind(net: Net) -> tuple:
    """(p, N, alpha, xi, with dropout): one tensor program per kind (masks are drawn only for networks that use
    them). A population never mixes data settings, so a run split by (p, N, alpha, xi) (the experiments'
    ``split_by``) trains the same populations as an unsplit run and stores the same numbers bit for bit: batched
    training is not bit-invariant to a population's composition (docs/suite_api.md)."""
    return net.model[0], net.model[1], net.model[2], net.model[3], net.model[5] > 0


def _chunks(nets: list[Net], cfg: FullBatchConfig) -> Iterator[list[Net]]:
    """Networks grouped by kind, sorted by horizon, in chunks of at most max_batch and max_elements / (p^2 N)."""
    for kind in sorted({_kind(n) for n in nets}):
        group = sorted((n for n in nets if _kind(n) == kind), key=lambda n: n.horizon)
        size = max(1, min(cfg.max_batch, cfg.max_elements // (kind[0] ** 2 * kind[1])))
        yield from (group[i:i + size] for i in range(0, len(group), size))


def measure_fullbatch(cases: Sequence[Case], ctx: Context) -> Iterator[Record]:
    """All full-batch cases: train, then yield one record per case and replicate (NaN beyond a case's replicates)."""
    cfg: FullBatchConfig = ctx.config
    by_name = {s.case.name: s for s in cfg.specs}
    specs = [by_name[c.name] for c in cases]
    nets = plan(specs, ctx.replicates)
    ctx.set_total(sum(n.horizon for n in nets))
    results: dict[tuple, dict[str, float]] = {}
    curves: dict[tuple, list] = {}
    for chunk in _chunks(nets, cfg):
        with threads(cfg.threads):
            splits, final, history = train_chunk(chunk, cfg, ctx.device)
            pruned = pruning_values(chunk, splits, final, cfg, ctx.device)
            full = torch.nanmean(neuron_ipr(final.U, final.V, final.W, _floor(final), "full"), dim=-1).tolist()  # D9
            for t in sorted({t for n in chunk for t in n.reads}):  # one batched evaluation per horizon
                rows = [i for i, n in enumerate(chunk) if t in n.reads]
                values = horizon_values(history, rows, t, [chunk[i] for i in rows], [splits[i] for i in rows])
                for i, v in zip(rows, values):
                    net = chunk[i]
                    at_end = pruned.get(i, {}) | {"ipr_full_mean": full[i]} if t == net.horizon else {}
                    results[(net.model, net.replicate, t)] = v | at_end
            curves.setdefault(_kind(chunk[0]), []).append(dynamics_frame(chunk, history))
        ctx.progress(sum(n.horizon for n in chunk))
    for kind, frames in curves.items():  # one file per population kind; the figures hook merges them
        write_dynamics_part(frames, ctx.out_dir, ctx.experiment.name, kind)
    for case, spec in zip(cases, specs):
        for r in range(ctx.replicates):
            yield Record(case, r, results.get((spec.model, r, spec.T), {"a_test": float("nan")}))


def measure_batchnorm(cases: Sequence[Case], ctx: Context) -> Iterator[Record]:
    """Post-BN networks and their plain twins, paired by replicate, as one minibatch population (spec s3)."""
    cfg: BatchNormConfig = ctx.config
    flags = [bool(c["bn"]) for c in cases for _ in range(ctx.replicates)]
    reps = [r for _ in cases for r in range(ctx.replicates)]
    if not flags:
        return
    with threads(cfg.threads):
        values = _train_batchnorm(cfg, flags, reps, ctx.device)
    for i, (case, r) in enumerate((c, r) for c in cases for r in range(ctx.replicates)):
        yield Record(case, r, values[i])


def _train_batchnorm(cfg: BatchNormConfig, flags: list[bool], reps: list[int], device) -> list[dict[str, float]]:
    """Train BN (flags True) and twin networks together; values at the horizon, with r_gamma, log R_gamma (D15)."""
    p, n = cfg.p, cfg.N
    splits = [_split(p, cfg.alpha, cfg.xi, r, device) for r in reps]
    order = [seed_for(SUITE, "order", p, cfg.alpha, cfg.batch_size, r) for r in reps]
    pop = gk.population(splits, [0.0] * len(reps), [0.0] * len(reps), [cfg.lr] * len(reps), flags,
                        [cfg.steps] * len(reps), order, order)
    state = qn.init_population(p, n, [seed_for(SUITE, "init", p, n, r) for r in reps], device)
    ck = torch.zeros(len(reps), cfg.steps + 1, dtype=torch.bool, device=device)
    ck[:, cfg.steps] = True
    floor = _floor(state)
    final, history = gk.train(state, pop, gk.TrainConfig(batch_size=cfg.batch_size), ck,
                              lambda s, pp: gk.evaluate(s, pp, floor))
    ipr_k = neuron_ipr(final.U, final.V, final.W, floor)  # (B, N)
    r_gamma, ratio = gamma_signature(final.gamma, ipr_k)
    out = []
    for i, bn in enumerate(flags):
        v = {k: float(c[i, cfg.steps]) for k, c in history.curves.items()}
        v = {("a_" + k if k in ACCURACIES else k): x for k, x in v.items()}
        v["r_gamma"] = float(r_gamma[i]) if bn else float("nan")
        v["log_r_gamma"] = float(ratio[i].log()) if bn else float("nan")
        out.append(v)
    return out
