"""Measure functions of the depth-1, diagonal-network and oracle experiments (spec M9a-b, M11-M14).

Every (case x replicate) of an experiment is one member of a single batched population; the
padding of mixed row counts n with zero rows leaves the loss, the gradients and ||A||_2 unchanged.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import torch

from redshift import Case, Context, Record, seed_for
from redshift.data.linear_systems import Solved, Systems, make_systems, solve
from redshift.metrics.implicit_bias import (gradient_flow_limit, l1_gap, l1_position, projection_error, rel_dist,
                                            residual, null_residue)
from redshift.threads import torch_threads as threads
from redshift.train.linear import DiagSpec, train_depth1, train_diagonal
from redshift.train.linear_deep import FCInit, train_fc
from suites.init_implicit_bias.config import (C_FIXED, LP_FAMILY, Config, family, init_generator, instances,
                                              lp_instances)

F64 = torch.float64
Key = tuple   # (family, n, D, alpha, rule, c, tol): one trained configuration


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
    pop["adaptive"] = torch.tensor([k[4] == "adaptive" for k in keys], device=dev).repeat_interleave(R)
    return pop


def _train_keys(keys: Sequence[Key], inst: dict[tuple, Solved], R: int, cap: int) -> dict[str, torch.Tensor]:
    """Train every key (both step rules) as one population and grade it against x_l1, x_l2, x* and the GF
    oracle (M6-M8, M11); path distances are normalised by ||x_l1 - x_l2|| (IB-4, reported)."""
    pop = _population(keys, inst, R)
    s_sol = torch.maximum(pop["x_l1"].abs().amax(-1), pop["x_l2"].abs().amax(-1))
    spec = DiagSpec(pop["alpha"], pop["D"].long(), pop["c"], pop["tol"], s_sol, pop["adaptive"])
    out = train_diagonal(pop["A"], pop["b"], spec, cap)
    beta = out["beta"]
    gf = gradient_flow_limit(pop["A"], pop["b"], pop["alpha"], pop["D"].long())
    seg = (pop["x_l1"] - pop["x_l2"]).norm(dim=-1)                                   # (P,)
    return {"d_gf": torch.where(gf.ok, rel_dist(beta, gf.w), torch.nan), "d_l1": rel_dist(beta, pop["x_l1"]),
            "d_l2": rel_dist(beta, pop["x_l2"]), "pi": l1_position(beta, pop["x_l1"], pop["x_l2"]),
            "gap": l1_gap(beta, pop["x_l1"]), "err": rel_dist(beta, pop["x_true"]),
            "path_l1": (beta - pop["x_l1"]).norm(dim=-1) / seg, "path_l2": (beta - pop["x_l2"]).norm(dim=-1) / seg,
            "rho": residual(pop["A"], beta, pop["b"]), "steps": out["steps"].to(F64), "T": out["T"],
            "converged": out["converged"].to(F64), "recoverable": pop["recoverable"],
            "err_l1": rel_dist(pop["x_l1"], pop["x_true"]), "err_l2": rel_dist(pop["x_l2"], pop["x_true"])}


def _depth_gain(keys: Sequence[Key], d_l1: torch.Tensor, R: int) -> torch.Tensor:
    """Reported (IB-6, GD at matched alpha): log10 d_l1(D = 2) / d_l1(D) on every D >= 3 key whose D = 2 twin
    (same family, n, alpha, rule, c) was trained; NaN elsewhere. d_l1 (K R,), NaN where unconverged -> (K R,)."""
    at = {k: i for i, k in enumerate(keys)}
    v = d_l1.view(len(keys), R)
    out = torch.full_like(v, torch.nan)
    for i, k in enumerate(keys):                                                    # bookkeeping over keys
        twin = at.get(k[:2] + (2,) + k[3:])
        if k[2] >= 3 and twin is not None:
            out[i] = torch.log10(v[twin] / v[i])
    return out.view(-1)


DIAG_EXCLUDE = ("d_gf", "d_l1", "d_l2", "pi", "gap", "err", "T", "steps", "path_l1", "path_l2", "depth_gain")
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


def _diag_instances(keys: Sequence[Key], ctx: Context) -> tuple[dict[tuple, Solved], dict[tuple, torch.Tensor]]:
    """Instances of every (family, n) the keys train on, plus F-shape for zero[...]; for LP_FAMILY also the
    draws each replicate's conditioned instance needed."""
    cfg: Config = ctx.config
    inst, draws = {}, {}
    for f, n in {(k[0], k[1]) for k in keys} | {("shape", cfg.n_shape)}:
        if f == LP_FAMILY:
            inst[(f, n)], draws[(f, n)] = lp_instances(ctx.suite, cfg, n, ctx.replicates, ctx.device)
        else:
            inst[(f, n)] = instances(ctx.suite, cfg, f, n, ctx.replicates, ctx.device)
    return inst, draws


def measure_diag(cases: Sequence[Case], ctx: Context) -> Iterator[Record]:
    """diag[...], kernel[...] and zero[...]: every trained key (both step rules) in one population, duplicates
    trained once; LP_FAMILY cells also record the draws their conditioned instance needed (P10)."""
    cfg: Config = ctx.config
    R = ctx.replicates
    with threads(cfg.threads):
        trained = [c for c in cases if c.experiment != "zero"]
        keys = list(dict.fromkeys(_key(c, cfg) for c in trained))
        inst, draws = _diag_instances(keys, ctx)
        vals = _train_keys(keys, inst, R, cfg.diag_cap) if keys else {}
        if keys:
            vals["depth_gain"] = _depth_gain(keys, torch.where(vals["converged"] > 0, vals["d_l1"], torch.nan), R)
            nan = torch.full((R,), torch.nan, dtype=F64, device=ctx.device)
            vals["draws"] = torch.cat([draws.get((k[0], k[1]), nan) for k in keys])
        rows = {k: i for i, k in enumerate(keys)}
        for c in trained:
            yield from _records([c], R, vals, DIAG_EXCLUDE, rows=[rows[_key(c, cfg)]])
        zero_cases = [c for c in cases if c.experiment == "zero"]
        if zero_cases:
            moved = _zero_moved(inst[("shape", cfg.n_shape)], cfg, R)
            for c in zero_cases:
                for r in range(R):
                    yield Record(c, r, {"moved": float(moved[c["model"]][r])})


def _by_cell(cases: Sequence[Case], v: torch.Tensor, R: int) -> dict[tuple, torch.Tensor]:
    """Member values v (C R,) of oracle[D, tau] cases keyed by (D, tau) -> (R,)."""
    return {(c["D"], float(c["tau"])): v[i * R:(i + 1) * R] for i, c in enumerate(cases) if c.experiment == "oracle"}


def _oracle_reported(cases: Sequence[Case], d_l1: torch.Tensor, R: int) -> dict[str, torch.Tensor]:
    """IB-6 reported: slope_tau, the per-replicate slope of log d_l1 against log tau over each depth's tau grid
    (M16; the D = 2 slope may be anything in (0, 1]), and depth_ratio = d_l1(D - 1, tau) / d_l1(D, tau)."""
    cell = _by_cell(cases, d_l1, R)
    slope, ratio = torch.full_like(d_l1, torch.nan), torch.full_like(d_l1, torch.nan)
    for D in {k[0] for k in cell}:                                                  # three depths
        taus = sorted(t for d, t in cell if d == D)
        lx = torch.log(torch.tensor(taus, dtype=F64, device=d_l1.device))
        ly = torch.log(torch.stack([cell[(D, t)] for t in taus]))                   # (T, R)
        lx = lx - lx.mean()
        s = ((ly - ly.mean(0)) * lx[:, None]).sum(0) / (lx**2).sum()                # (R,)
        for i, c in enumerate(cases):
            if c.experiment == "oracle" and c["D"] == D:
                slope[i * R:(i + 1) * R] = s
                prev = cell.get((D - 1, float(c["tau"])))
                if prev is not None:
                    ratio[i * R:(i + 1) * R] = prev / cell[(D, float(c["tau"]))]
    return {"slope_tau": slope, "depth_ratio": ratio}


def _lp_sweep(cases: Sequence[Case], ctx: Context) -> dict[str, torch.Tensor]:
    """lp[k]: LP-recoverability (M3) of sparse(k) truths at n = n_shape, all k and replicates in one LP batch."""
    cfg: Config = ctx.config
    R = ctx.replicates
    systems = [make_systems(family(cfg, "shape", cfg.n_shape, c["k"]),
                            [seed_for(ctx.suite, "instance", "lp", cfg.n_shape, c["k"], r) for r in range(R)],
                            ctx.device) for c in cases]
    joint = Systems(*(torch.cat([getattr(s, f) for s in systems]) for f in ("A", "b", "x_true")))
    return {"recoverable": solve(joint).recoverable.to(F64)}


ORACLE_EXCLUDE = ("d_l1", "d_l1_lp", "lg_d_l1_lp", "d_l2", "err")


def measure_oracle(cases: Sequence[Case], ctx: Context) -> Iterator[Record]:
    """oracle[D, tau] (alpha = tau^{1/D}) and recovery[D, alpha]: the GF limit (M11) on F-rec, all cells in one
    Newton population (IB-6; IB-7 reported); lp[k]: the LP success rate over k (reported)."""
    cfg: Config = ctx.config
    R = ctx.replicates
    with threads(cfg.threads):
        gfc = [c for c in cases if c.experiment in ("oracle", "recovery")]
        if gfc:
            yield from _records(gfc, R, _oracle_values(gfc, ctx), exclude=ORACLE_EXCLUDE)
        lpc = [c for c in cases if c.experiment == "lp"]
        if lpc:
            yield from _records(lpc, R, _lp_sweep(lpc, ctx), exclude=())


def _oracle_values(cases: Sequence[Case], ctx: Context) -> dict[str, torch.Tensor]:
    """Grade w_GF of every oracle / recovery cell and replicate (M6, M8, M11) plus the IB-6 reported numbers."""
    cfg: Config = ctx.config
    R, C = ctx.replicates, len(cases)
    inst = instances(ctx.suite, cfg, "rec", cfg.n_rec, R, ctx.device)
    D = torch.tensor([c["D"] for c in cases], device=ctx.device).repeat_interleave(R)
    alpha = torch.tensor([c["tau"] ** (1 / c["D"]) if c.experiment == "oracle" else c["alpha"] for c in cases],
                         dtype=F64, device=ctx.device).repeat_interleave(R)
    A, b = inst.systems.A.repeat(C, 1, 1), inst.systems.b.repeat(C, 1)
    gf = gradient_flow_limit(A, b, alpha, D)
    x_l1, x_l2 = inst.x_l1.repeat(C, 1), inst.x_l2.repeat(C, 1)
    d_l1 = torch.where(gf.ok, rel_dist(gf.w, x_l1), torch.nan)
    rec = inst.recoverable.repeat(C)
    d_l1_lp = torch.where(rec, d_l1, torch.nan)          # IB-6 grades LP-recoverable replicates only (P10)
    vals = {"d_l1": d_l1, "d_l1_lp": d_l1_lp, "lg_d_l1_lp": torch.log10(d_l1_lp), "d_l2": rel_dist(gf.w, x_l2),
            "rho": gf.rho, "converged": gf.ok.to(F64),
            "recoverable": inst.recoverable.to(F64).repeat(C), "err": rel_dist(gf.w, inst.systems.x_true.repeat(C, 1)),
            "err_l1": rel_dist(x_l1, inst.systems.x_true.repeat(C, 1))}
    return dict(vals, **_oracle_reported(cases, d_l1, R))
