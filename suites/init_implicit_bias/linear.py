"""Measure functions of the depth-1, diagonal-network and oracle experiments (spec M9a-b, M11-M14).

Every (case x replicate) of an experiment is one member of a single batched population; the
padding of mixed row counts n with zero rows leaves the loss, the gradients and ||A||_2 unchanged.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

import torch

from redshift import Case, Context, Record
from redshift.data.linear_systems import Solved
from redshift.metrics.implicit_bias import (gradient_flow_limit, l1_gap, l1_position, projection_error, rel_dist,
                                            residual, null_residue)
from redshift.train.linear import DiagSpec, train_depth1, train_diagonal
from redshift.train.linear_deep import FCInit, train_fc
from suites.init_implicit_bias.config import C_FIXED, Config, init_generator, instances

F64 = torch.float64
Key = tuple   # (family, n, D, alpha, rule, c, tol): one trained configuration


@contextmanager
def threads(n: int | None) -> Iterator[None]:
    """Run with n torch CPU threads (tiny kernels: one thread avoids contention), then restore."""
    old = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _pad(x: torch.Tensor, n: int) -> torch.Tensor:
    """Zero rows appended along dim 1 up to n (A (R, n0, d) or b (R, n0))."""
    pad = torch.zeros(x.shape[0], n - x.shape[1], *x.shape[2:], dtype=x.dtype, device=x.device)
    return torch.cat([x, pad], 1)


def measure_proj(cases: Sequence[Case], ctx: Context) -> Iterator[Record]:
    """proj[s]: depth-1 GD from w0 = s xi on F-shape (IB-1, M14); all cells and replicates in one population."""
    cfg: Config = ctx.config
    R = ctx.replicates
    with threads(cfg.threads):
        inst = instances(ctx.suite, cfg, "shape", cfg.n_shape, R, ctx.device)
        xi = torch.stack([torch.randn(cfg.d, generator=init_generator(ctx.suite, "depth1", r), dtype=F64)
                          for r in range(R)]).to(ctx.device)                       # (R, d)
        s = torch.tensor([c["s"] for c in cases], dtype=F64, device=ctx.device).repeat_interleave(R)
        C = len(cases)
        A, b, Q, xl2 = (inst.systems.A.repeat(C, 1, 1), inst.systems.b.repeat(C, 1), inst.Q.repeat(C, 1, 1),
                        inst.x_l2.repeat(C, 1))
        w0 = s[:, None] * xi.repeat(C, 1)                                          # (C R, d)
        out = train_depth1(A, b, w0, cap=cfg.deep_cap)
        vals = {"e_proj": projection_error(out["w"], w0, Q, xl2), "d_l2": rel_dist(out["w"], xl2),
                "null_w0": null_residue(w0, Q, xl2), "steps": out["steps"].to(F64),
                "converged": out["converged"].to(F64)}
    yield from _records(cases, R, vals, exclude=("e_proj", "d_l2"))


def _records(cases: Sequence[Case], R: int, vals: dict[str, torch.Tensor], exclude: tuple[str, ...],
             rows: Sequence[int] | None = None) -> Iterator[Record]:
    """One record per (case, replicate) from member-indexed values; `exclude` metrics are NaN where unconverged."""
    host = {k: v.detach().cpu().to(F64) for k, v in vals.items()}
    for i, case in enumerate(cases):
        base = (rows[i] if rows is not None else i) * R
        for r in range(R):
            ok = host["converged"][base + r] > 0 if "converged" in host else True
            yield Record(case, r, {k: (float(v[base + r]) if ok or k not in exclude else float("nan"))
                                   for k, v in host.items()})


def _key(case: Case, cfg: Config) -> Key:
    """The trained configuration a diag[...] or kernel[...] case reads (kernel cells are F-shape, fixed rule)."""
    if case.experiment == "kernel":
        return ("shape", cfg.n_shape, case["D"], float(case["alpha"]), "fixed", C_FIXED, 1e-12)
    alpha = float(case["alpha"])
    return (case["family"], case["n"], case["D"], alpha, case["rule"], case["c"], 1e-12 if alpha >= 1 else 1e-6)


def _population(keys: Sequence[Key], inst: dict[tuple, Solved], R: int) -> dict[str, torch.Tensor]:
    """Stack the instances and settings of keys x replicates (member = key index * R + replicate)."""
    n_max = max(k[1] for k in keys)
    parts = {"A": [], "b": [], "x_l1": [], "x_l2": [], "x_true": [], "recoverable": []}
    for k in keys:                                                                  # setup, not the hot path
        s = inst[(k[0], k[1])]
        for name, t in (("A", _pad(s.systems.A, n_max)), ("b", _pad(s.systems.b, n_max)), ("x_l1", s.x_l1),
                        ("x_l2", s.x_l2), ("x_true", s.systems.x_true), ("recoverable", s.recoverable.to(F64))):
            parts[name].append(t)
    pop = {name: torch.cat(v) for name, v in parts.items()}
    dev = pop["A"].device
    for j, name in ((2, "D"), (3, "alpha"), (5, "c"), (6, "tol")):
        pop[name] = torch.tensor([k[j] for k in keys], dtype=F64, device=dev).repeat_interleave(R)
    return pop


def _train_keys(keys: Sequence[Key], inst: dict[tuple, Solved], R: int, cap: int) -> dict[str, torch.Tensor]:
    """Train one rule's population and grade it against x_l1, x_l2, x* and the GF oracle (M6-M8, M11)."""
    pop = _population(keys, inst, R)
    s_sol = torch.maximum(pop["x_l1"].abs().amax(-1), pop["x_l2"].abs().amax(-1))
    spec = DiagSpec(pop["alpha"], pop["D"].long(), pop["c"], pop["tol"], s_sol, keys[0][4])
    out = train_diagonal(pop["A"], pop["b"], spec, cap)
    beta = out["beta"]
    gf = gradient_flow_limit(pop["A"], pop["b"], pop["alpha"], pop["D"].long())
    d_gf = torch.where(gf.ok, rel_dist(beta, gf.w), torch.nan)
    return {"d_gf": d_gf, "d_l1": rel_dist(beta, pop["x_l1"]), "d_l2": rel_dist(beta, pop["x_l2"]),
            "pi": l1_position(beta, pop["x_l1"], pop["x_l2"]), "gap": l1_gap(beta, pop["x_l1"]),
            "err": rel_dist(beta, pop["x_true"]), "rho": residual(pop["A"], beta, pop["b"]),
            "steps": out["steps"].to(F64), "T": out["T"], "converged": out["converged"].to(F64),
            "recoverable": pop["recoverable"], "err_l1": rel_dist(pop["x_l1"], pop["x_true"]),
            "err_l2": rel_dist(pop["x_l2"], pop["x_true"])}


DIAG_EXCLUDE = ("d_gf", "d_l1", "d_l2", "pi", "gap", "err", "T", "steps")


def _zero_moved(inst: Solved, cfg: Config, R: int) -> dict[str, torch.Tensor]:
    """zero[model]: 100 GD steps from alpha = 0 (D = 2, 3, 4) and from all-zero FC factors (L = 2, 3, 4); 1 if
    any parameter of the replicate changed (spec anchor 11, IB-12)."""
    A, b = inst.systems.A.repeat(3, 1, 1), inst.systems.b.repeat(3, 1)
    P, zeros = 3 * R, torch.zeros(3 * R, dtype=F64, device=A.device)
    D = torch.tensor([2, 3, 4], device=A.device).repeat_interleave(R)
    s_sol = torch.maximum(inst.x_l1.abs().amax(-1), inst.x_l2.abs().amax(-1)).repeat(3)
    diag = train_diagonal(A, b, DiagSpec(zeros, D, zeros + C_FIXED, zeros + 1e-6, s_sol), cap=100)
    fc0 = FCInit(torch.zeros(P, cfg.d, cfg.m, dtype=F64, device=A.device),
                 torch.zeros(P, 2, cfg.m, cfg.m, dtype=F64, device=A.device),
                 torch.zeros(P, cfg.m, dtype=F64, device=A.device), D)
    fc = train_fc(A, b, fc0, inst.Q.repeat(3, 1, 1), inst.x_l2.repeat(3, 1), cap=100)
    mid = torch.stack([D >= 3, D >= 4], -1)[:, :, None, None]              # trainable middle factors (others: I)
    fc_moved = ((fc["W1"] != 0).flatten(1).any(-1) | ((fc["Wm"] != 0) & mid).flatten(1).any(-1)
                | (fc["wL"] != 0).any(-1))
    return {"diag": (diag["uv"] != 0).flatten(1).any(-1).view(3, R).any(0).to(F64),
            "fc": fc_moved.view(3, R).any(0).to(F64)}


def measure_diag(cases: Sequence[Case], ctx: Context) -> Iterator[Record]:
    """diag[...], kernel[...] and zero[...]: one population per step rule (fixed, adaptive), duplicates trained once."""
    cfg: Config = ctx.config
    R = ctx.replicates
    with threads(cfg.threads):
        trained = [c for c in cases if c.experiment != "zero"]
        keys = list(dict.fromkeys(_key(c, cfg) for c in trained))
        inst = {(f, n): instances(ctx.suite, cfg, f, n, R, ctx.device) for f, n in {(k[0], k[1]) for k in keys}}
        vals, rows = {}, {}
        for rule in ("fixed", "adaptive"):
            mine = [k for k in keys if k[4] == rule]
            if mine:
                got = _train_keys(mine, inst, R, cfg.diag_cap)
                rows.update({k: (rule, i) for i, k in enumerate(mine)})
                vals[rule] = got
        for c in trained:
            rule, i = rows[_key(c, cfg)]
            yield from _records([c], R, vals[rule], DIAG_EXCLUDE, rows=[i])
        zero_cases = [c for c in cases if c.experiment == "zero"]
        if zero_cases:
            shape = inst.get(("shape", cfg.n_shape)) or instances(ctx.suite, cfg, "shape", cfg.n_shape, R, ctx.device)
            moved = _zero_moved(shape, cfg, R)
            for c in zero_cases:
                for r in range(R):
                    yield Record(c, r, {"moved": float(moved[c["model"]][r])})


def measure_oracle(cases: Sequence[Case], ctx: Context) -> Iterator[Record]:
    """oracle[D, tau]: the GF limit (M11) at alpha = tau^{1/D} on F-rec, all cells in one Newton population (IB-6)."""
    cfg: Config = ctx.config
    R, C = ctx.replicates, len(cases)
    with threads(cfg.threads):
        inst = instances(ctx.suite, cfg, "rec", cfg.n_rec, R, ctx.device)
        D = torch.tensor([c["D"] for c in cases], device=ctx.device).repeat_interleave(R)
        tau = torch.tensor([c["tau"] for c in cases], dtype=F64, device=ctx.device).repeat_interleave(R)
        A, b = inst.systems.A.repeat(C, 1, 1), inst.systems.b.repeat(C, 1)
        gf = gradient_flow_limit(A, b, tau ** (1 / D.to(F64)), D)
        x_l1, x_l2 = inst.x_l1.repeat(C, 1), inst.x_l2.repeat(C, 1)
        vals = {"d_l1": rel_dist(gf.w, x_l1), "d_l2": rel_dist(gf.w, x_l2), "rho": gf.rho,
                "converged": gf.ok.to(F64), "recoverable": inst.recoverable.to(F64).repeat(C),
                "err": rel_dist(gf.w, inst.systems.x_true.repeat(C, 1))}
    yield from _records(cases, R, vals, exclude=("d_l1", "d_l2", "err"))
