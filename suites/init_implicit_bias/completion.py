"""Measure function of the completion experiment: deep matrix factorisation mc[N, sigma] (spec M9e, M12, M17).

All (N, sigma) cells and replicates train as one population (factors padded to the largest N with frozen
identities); replicate r's instance (M*, Omega) and its standard-normal factor draw are shared by every
cell, so the sigma sweep and the N = 2 versus N = 3 contrast are paired (M18).
"""

from __future__ import annotations

from typing import Iterator, Sequence

import torch

from redshift import Case, Context, Record, seed_for
from redshift.data.linear_systems import make_completion
from redshift.metrics.implicit_bias import completion_error, effective_rank
from redshift.train.linear_deep import MFInit, train_mf
from suites.init_implicit_bias.config import Config, init_generator
from suites.init_implicit_bias.linear import F64, _records, threads

EXCLUDE = ("e_mc", "erank", "steps", "T")


def _init(cases: Sequence[Case], cfg: Config, suite: str, R: int, device) -> MFInit:
    """M9e: W_l entries N(0, sigma^2 / q), one (K, q, q) standard-normal draw per replicate reused by every cell."""
    K, q = max(c["N"] for c in cases), cfg.mc_q
    x = torch.stack([torch.randn(K, q, q, generator=init_generator(suite, "mc", r), dtype=F64)
                     for r in range(R)]).to(device)                              # (R, K, q, q)
    sigma = torch.tensor([c["sigma"] for c in cases], dtype=F64, device=device).repeat_interleave(R)
    N = torch.tensor([c["N"] for c in cases], device=device).repeat_interleave(R)
    return MFInit(x.repeat(len(cases), 1, 1, 1) * (sigma / q**0.5)[:, None, None, None], N)


def measure_mc(cases: Sequence[Case], ctx: Context) -> Iterator[Record]:
    """mc[N, sigma] (IB-13): completion error e_MC and effective rank of the trained product W (M17)."""
    cfg: Config = ctx.config
    R, C = ctx.replicates, len(cases)
    with threads(cfg.threads):
        inst = make_completion([seed_for(ctx.suite, "instance", "mc", r) for r in range(R)], cfg.mc_q,
                               cfg.mc_rank, cfg.mc_observed, ctx.device)
        M, mask = inst.M.repeat(C, 1, 1), inst.mask.repeat(C, 1, 1)
        out = train_mf(M, mask, _init(cases, cfg, ctx.suite, R, ctx.device), cfg.mc_cap)
        vals = {"e_mc": completion_error(out["X"], M, mask), "erank": effective_rank(out["X"]), "rho": out["rho"],
                "steps": out["steps"].to(F64), "T": out["T"], "converged": out["converged"].to(F64)}
    yield from _records(cases, R, vals, EXCLUDE)
