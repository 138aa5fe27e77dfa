"""Measure function of the factorised experiment: FC deep linear networks fc[...] and the ReLU generator relu[...]
(spec M9c-d, M12, M13). All FC cells (every L, sigma and W1 variant) and replicates train as one population,
all generator cells as another; scale sweeps reuse one standard-normal draw per replicate (paired)."""

from __future__ import annotations

from typing import Iterator, Sequence

import torch

from redshift import Case, Context, Record
from redshift.data.linear_systems import Solved
from redshift.metrics.implicit_bias import l1_position, null_residue, rel_dist, residual
from redshift.train.linear_deep import FCInit, GeneratorInit, train_fc, train_generator
from suites.init_implicit_bias.config import Config, init_generator, instances
from suites.init_implicit_bias.linear import F64, _records, threads

EXCLUDE = ("d_l2", "pi", "null_res", "d_l2_per_sigma", "lazy_ratio")


def _draws(suite: str, model: str, shapes: Sequence[tuple[int, ...]], R: int, device) -> list[torch.Tensor]:
    """Standard-normal draws of each shape per replicate, stacked (R, *shape); stream (suite, init, model, r)."""
    out = [[] for _ in shapes]
    for r in range(R):                                                       # setup: one seeded stream per replicate
        gen = init_generator(suite, model, r)
        for j, shape in enumerate(shapes):
            out[j].append(torch.randn(*shape, generator=gen, dtype=F64))
    return [torch.stack(x).to(device) for x in out]


def _fc_init(cases: Sequence[Case], inst: Solved, cfg: Config, suite: str, R: int) -> FCInit:
    """M9c: W1, W_l ~ N(0, sigma^2/m), w_L ~ N(0, sigma^2); W1(0) Gaussian, zero, or P_row of the Gaussian draw."""
    C, m = len(cases), cfg.m
    x1, xm, xl = _draws(suite, "fc", [(cfg.d, m), (2, m, m), (m,)], R, inst.Q.device)
    sig = torch.tensor([c["sigma"] for c in cases], dtype=F64, device=x1.device).repeat_interleave(R)
    W1 = x1.repeat(C, 1, 1) / m**0.5 * sig[:, None, None]                  # (C R, d, m)
    Q = inst.Q.repeat(C, 1, 1)
    variant = [c["w1"] for c in cases for _ in range(R)]
    zero = torch.tensor([v == "zero" for v in variant], device=x1.device)[:, None, None]
    row = torch.tensor([v == "row" for v in variant], device=x1.device)[:, None, None]
    W1 = torch.where(zero, 0.0, torch.where(row, Q @ (Q.mT @ W1), W1))     # P_row W1 = Q Q^T W1 (M4)
    L = torch.tensor([c["L"] for c in cases], device=x1.device).repeat_interleave(R)
    return FCInit(W1, xm.repeat(C, 1, 1, 1) / m**0.5 * sig[:, None, None, None], xl.repeat(C, 1) * sig[:, None], L)


def _grade(y: torch.Tensor, y0: torch.Tensor, out: dict, inst: Solved, C: int) -> dict[str, torch.Tensor]:
    """Distances of the trained outputs y (C R, d) and identity checks (M6, M7, M13)."""
    A, b, Q = inst.systems.A.repeat(C, 1, 1), inst.systems.b.repeat(C, 1), inst.Q.repeat(C, 1, 1)
    x_l1, x_l2 = inst.x_l1.repeat(C, 1), inst.x_l2.repeat(C, 1)
    return {"d_l2": rel_dist(y, x_l2), "pi": l1_position(y, x_l1, x_l2), "null_res": null_residue(y, Q, x_l2),
            "null_y0": null_residue(y0, Q, x_l2), "eid": out["eid"], "rho": residual(A, y, b),
            "steps": out["steps"].to(F64), "converged": out["converged"].to(F64)}


def _fc(cases: Sequence[Case], inst: Solved, cfg: Config, suite: str, R: int) -> dict[str, torch.Tensor]:
    """Train every fc[...] cell and replicate as one mixed-depth population (M9c, M12)."""
    C = len(cases)
    init = _fc_init(cases, inst, cfg, suite, R)
    y0 = torch.einsum("pdm,pm->pd", init.W1, torch.einsum("pmk,pk->pm", _middle(init), init.wL))   # y(0) (C R, d)
    out = train_fc(inst.systems.A.repeat(C, 1, 1), inst.systems.b.repeat(C, 1), init, inst.Q.repeat(C, 1, 1),
                   inst.x_l2.repeat(C, 1), cfg.deep_cap)
    vals = _grade(out["y"], y0, out, inst, C)
    sigma = torch.tensor([c["sigma"] for c in cases], dtype=F64, device=y0.device).repeat_interleave(R)
    gauss = torch.tensor([c["w1"] == "gauss" for c in cases], device=y0.device).repeat_interleave(R)
    # IB-9 reported: d_l2 / sigma (depth independence at small sigma) and, for Gaussian W1(0) (elsewhere
    # N(y(0)) is 0 or rounding), d_l2 / N(y(0)) (lazy regime, P16)
    lazy = torch.where(gauss, vals["d_l2"] / vals["null_y0"], torch.nan)
    return dict(vals, d_l2_per_sigma=vals["d_l2"] / sigma, lazy_ratio=lazy)


def _middle(init: FCInit) -> torch.Tensor:
    """The product W2 W3 of the trainable middle factors at initialisation (identity where absent). -> (P, m, m)."""
    eye = torch.eye(init.wL.shape[-1], dtype=F64, device=init.wL.device).expand_as(init.Wm[:, 0])
    W2 = torch.where((init.L >= 3)[:, None, None], init.Wm[:, 0], eye)
    W3 = torch.where((init.L >= 4)[:, None, None], init.Wm[:, 1], eye)
    return W2 @ W3


def _generator(cases: Sequence[Case], inst: Solved, cfg: Config, suite: str, R: int) -> dict[str, torch.Tensor]:
    """M9d: W_out ~ N(0, sigma_out^2/k), W_h ~ N(0, 2/c), b_h = 0, z ~ N(0, I_c) fixed per replicate."""
    C, k, cd = len(cases), cfg.gen_width, cfg.code_dim
    xo, xh, z = _draws(suite, "relu", [(cfg.d, k), (k, cd), (cd,)], R, inst.Q.device)
    so = torch.tensor([c["sigma_out"] for c in cases], dtype=F64, device=xo.device).repeat_interleave(R)
    init = GeneratorInit(xo.repeat(C, 1, 1) / k**0.5 * so[:, None, None], xh.repeat(C, 1, 1) * (2 / cd) ** 0.5,
                         torch.zeros(C * R, k, dtype=F64, device=xo.device), z.repeat(C, 1))
    y0 = torch.einsum("pdk,pk->pd", init.Wout, torch.relu(torch.einsum("pkc,pc->pk", init.Wh, init.z)))
    out = train_generator(inst.systems.A.repeat(C, 1, 1), inst.systems.b.repeat(C, 1), init, inst.Q.repeat(C, 1, 1),
                          inst.x_l2.repeat(C, 1), cfg.deep_cap)
    vals = _grade(out["y"], y0, out, inst, C)
    return dict(vals, slope_sigma_out=_slope_01(cases, vals, R))


def _slope_01(cases: Sequence[Case], vals: dict[str, torch.Tensor], R: int) -> torch.Tensor:
    """IB-10 reported: per-replicate slope of log d_l2 against log sigma_out between sigma_out = 0.01 and 0.1
    (expected ~ 1), recorded on the sigma_out = 0.1 cell (NaN elsewhere, or where a run did not converge)."""
    at = {float(c["sigma_out"]): i for i, c in enumerate(cases)}
    out = torch.full_like(vals["d_l2"], torch.nan)
    if 0.01 in at and 0.1 in at:
        lo, hi = (slice(at[s] * R, (at[s] + 1) * R) for s in (0.01, 0.1))
        ok = (vals["converged"][lo] > 0) & (vals["converged"][hi] > 0)
        out[hi] = torch.where(ok, torch.log10(vals["d_l2"][hi] / vals["d_l2"][lo]), torch.nan)   # log10(0.1/0.01) = 1
    return out


def measure_factorised(cases: Sequence[Case], ctx: Context) -> Iterator[Record]:
    """fc[L, sigma, w1] and relu[sigma_out] on F-shape (IB-2, IB-9, IB-10)."""
    cfg: Config = ctx.config
    R = ctx.replicates
    with threads(cfg.threads):
        inst = instances(ctx.suite, cfg, "shape", cfg.n_shape, R, ctx.device)
        for group, run in (("fc", _fc), ("relu", _generator)):
            mine = [c for c in cases if c.experiment == group]
            if mine:
                yield from _records(mine, R, run(mine, inst, cfg, ctx.suite, R), EXCLUDE)
