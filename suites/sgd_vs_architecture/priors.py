"""SA-10: Guess & Check under U[-1, 1], U[-0.2, 0.2] and Kaiming-uniform on shared draws (spec D8).

One cell; every batch draws base weights U[-1, 1] once (float64) and stacks the three priors as a leading
population dimension, (3, S, M, *layer), so the three samplers see the same underlying uniforms. With zero
biases and ReLU the priors differ by positive per-layer scales, so they must accept the same draws and make
the same test predictions (the same logit order on every test input, ties included, so the argmax
prediction with ties to label 0 agrees as well). float64 keeps rounding (~1e-16 relative) far from
flipping a prediction; the invariance itself is exact in exact arithmetic (and in float32 for power-of-two scales, a unit test).
At `standard` Kaiming-normal (independent Gaussian draws, the shape that can matter) is reported beside
them, not gated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, Sequence

import torch

from redshift import Case, Context, Record
from redshift.data.digits import NestedSets
from redshift.nets.bias_free import MLP, draw_uniform, kaiming_bounds, masked_accuracy, n_weights, predict
from redshift.train.guess_check import fit_mask
from suites.sgd_vs_architecture.config import build_arch, parse_pair
from suites.sgd_vs_architecture.protocol import load_pool, threads, training_sets


@dataclass(frozen=True)
class PriorsConfig:
    """draws: fixed draws per training set (capped by draws, never time); batch_floats: weights per batch;
    kaiming_normal: also report Kaiming-normal; threads: torch CPU threads inside measure."""

    draws: int
    batch_floats: int = 1 << 22
    kaiming_normal: bool = False
    threads: int | None = 1


def _batch(arch: MLP, sets: NestedSets, n: int, m: int, gen: torch.Generator) -> tuple[torch.Tensor, ...]:
    """One shared-draw batch of all S sets: fits (3, S, m); per set (S,) whether every test prediction of
    the accepted networks agrees across the three priors; per set (S,) summed test accuracy under U[-1, 1]."""
    x, y = (t.double() if t.is_floating_point() else t for t in sets.train(n))  # (S, n, d), (S, n)
    test = sets.test_mask(n)  # (S, N)
    base = draw_uniform(arch.shapes, (x.shape[0], m), gen, dtype=torch.float64)
    scales = torch.tensor([[1.0] * len(base), [0.2] * len(base), kaiming_bounds(arch.shapes)],
                          dtype=torch.float64, device=x.device)  # (3, layers): the D8 priors
    w = [b[None] * scales[:, i].view(3, 1, 1, 1, 1) for i, b in enumerate(base)]  # (3, S, m, out, in)
    fits, _ = fit_mask(arch.forward(w, x[None, :, None]), y[None, :, None])  # (3, S, m)
    s_idx, m_idx = torch.nonzero(fits[0], as_tuple=True)  # accepted under U[-1, 1]
    logits = arch.forward([wl[:, s_idx, m_idx] for wl in w], sets.pool.x.double())  # (3, A, N, 2)
    signs = torch.sign(logits[..., 1] - logits[..., 0])  # (3, A, N) the logit order; 0 is a tie
    on_test = test[s_idx]  # (A, N)
    agree = ((signs == signs[:1]) | ~on_test[None]).all(0).all(-1)  # (A,)
    correct = (predict(logits[0]) == sets.pool.y[None]) & on_test  # (A, N) argmax, a tie is label 0
    acc = correct.sum(-1).double() / on_test.sum(-1).clamp(min=1)  # (A,)
    acc_sum = torch.zeros(x.shape[0], dtype=torch.float64, device=x.device).index_add_(0, s_idx, acc)
    return fits, torch.bincount(s_idx[~agree], minlength=x.shape[0]) == 0, acc_sum


def _neglog2p(count: torch.Tensor, draws: int) -> torch.Tensor:
    """-log2(K / T), or the lower bound log2 T where K = 0 (spec D5)."""
    return torch.where(count > 0, math.log2(draws) - torch.log2(count.clamp(min=1)),
                       torch.full_like(count, math.log2(draws)))


def shared_draws(arch: MLP, sets: NestedSets, n: int, cfg: PriorsConfig, gen: torch.Generator) -> dict:
    """cfg.draws shared draws per set: per-set -log2 P of the three priors, the identity flag, accuracy."""
    s = sets.order.shape[0]
    m = max(16, cfg.batch_floats // (3 * s * n_weights(arch.shapes)))
    counts = torch.zeros(3, s, dtype=torch.float64, device=sets.order.device)
    acc_sum = torch.zeros(s, dtype=torch.float64, device=sets.order.device)
    same = torch.ones(s, dtype=torch.bool, device=sets.order.device)
    for lo in range(0, cfg.draws, m):  # batches, never single networks
        fits, agree, acc = _batch(arch, sets, n, min(m, cfg.draws - lo), gen)
        same &= (fits == fits[:1]).all(0).all(-1) & agree
        counts += fits.sum(-1)
        acc_sum += acc
    nl = _neglog2p(counts, cfg.draws)
    return {"rescale_identical": same.double(), "neglog2p_u1": nl[0], "neglog2p_u02": nl[1],
            "neglog2p_kaiming": nl[2], "accepted_u1": counts[0],
            "acc_u1": torch.where(counts[0] > 0, 100 * acc_sum / counts[0].clamp(min=1), counts[0] * math.nan)}


def kaiming_normal(arch: MLP, sets: NestedSets, n: int, cfg: PriorsConfig, gen: torch.Generator) -> dict:
    """Independent Kaiming-normal draws N(0, 2 / fan_in): per-set -log2 P and test accuracy (reported)."""
    x, y = sets.train(n)
    s = x.shape[0]
    m = max(16, cfg.batch_floats // (s * n_weights(arch.shapes)))
    counts = torch.zeros(s, dtype=torch.float64, device=x.device)
    acc_sum = torch.zeros(s, dtype=torch.float64, device=x.device)
    stds = [b / math.sqrt(3.0) for b in kaiming_bounds(arch.shapes)]  # sqrt(2 / fan_in)
    for lo in range(0, cfg.draws, m):
        mm = min(m, cfg.draws - lo)
        w = [torch.randn(s, mm, *sh, generator=gen, device=x.device) * sd for sh, sd in zip(arch.shapes, stds)]
        fits, _ = fit_mask(arch.forward(w, x[:, None]), y[:, None])  # (S, m)
        s_idx, m_idx = torch.nonzero(fits, as_tuple=True)
        acc = masked_accuracy(arch, [wl[s_idx, m_idx] for wl in w], sets.pool.x, sets.pool.y,
                              sets.test_mask(n)[s_idx])
        acc_sum.index_add_(0, s_idx, acc.double())
        counts += fits.sum(-1)
    return {"neglog2p_kaiming_normal": _neglog2p(counts, cfg.draws),
            "acc_kaiming_normal": torch.where(counts > 0, 100 * acc_sum / counts.clamp(min=1), counts * math.nan)}


def measure(cases: Sequence[Case], ctx: Context) -> Iterator[Record]:
    """One record per (case, training set); all sets of a case sampled together."""
    cfg: PriorsConfig = ctx.config
    with threads(cfg.threads):
        for case in cases:  # one cell at smoke and standard
            dataset, _ = parse_pair(case["pair"])
            pool = load_pool(dataset, [case["pair"]], "flat", None, ctx.device)  # type: ignore[arg-type]
            sets = training_sets(pool, [case["pair"]], ctx, case["n"])
            arch = build_arch(case["arch"], case["size"], dataset)
            out = shared_draws(arch, sets, case["n"], cfg, ctx.generator(case, 0))
            if cfg.kaiming_normal:
                out |= kaiming_normal(arch, sets, case["n"], cfg, ctx.generator(case, 1))
            for r in range(ctx.replicates):
                yield Record(case, r, {k: float(v[r]) for k, v in out.items()})
