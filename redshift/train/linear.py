"""Population-batched full-batch gradient descent on underdetermined least squares (init_implicit_bias spec).

Every member of a population has its own instance A (n x d), b, initialisation, step size and
stopping tolerance; all members advance together as one tensor program (leading dimension P).
A member is frozen once its relative residual falls below its tolerance (or becomes non-finite)
and frozen members are compacted out at the next check, so long-plateau members (small alpha) do not drag the
whole population (spec section 3, pitfalls P5 and P7). Closed-form gradients (pitfall P13).

Models here: depth 1 (M9a) and diagonal networks of depth D in {2, 3, 4} (M9b) with the fixed and
adaptive step rules of M12. Deep linear networks and the nonlinear generator are in
``redshift.train.linear_deep``. L = 1/2 ||A y - b||^2 throughout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import torch

Tensor = torch.Tensor
State = dict[str, Tensor]
StepFn = Callable[[State, State], None]       # (state, data) -> None, updates state in place
Monitor = Callable[[State, State], None]      # called every check_every steps (checkpoints)
Prune = Callable[[State], State]              # data -> data after a compaction
Rule = Literal["fixed", "adaptive"]
EPS = torch.finfo(torch.float64).eps


def bmv(M: Tensor, v: Tensor) -> Tensor:
    """Batched matrix-vector product M v: M (P, a, b), v (P, b) -> (P, a). Computed as the row product
    v^T M^T, which torch's CPU bmm runs about twice as fast as a batch of matrix-vector products."""
    return torch.bmm(v.unsqueeze(1), M.mT).squeeze(1)


def gate(state: State, data: State, rnorm: Tensor, eta: Tensor) -> Tensor:
    """Freeze members whose residual norm ||A y - b|| (P,) is below data["tolb"] = tol ||b|| (NaN freezes too).

    Counts steps and GF time of live members; returns the step size to apply (P,): eta if live, else 0.
    """
    live = state["live"] & (rnorm >= data["tolb"])                         # (P,)
    state["live"], state["rnorm"] = live, rnorm
    e = eta * live
    state["steps"].add_(live)
    state["T"].add_(e)                                                      # T = sum_t eta_t (M12)
    return e


def _scatter(out: State, state: State, idx: Tensor) -> None:
    """Write the current (compacted) members back into the full-population buffers."""
    for k, v in state.items():
        out[k][idx] = v


def run_population(step: StepFn, state: State, data: State, cap: int, check_every: int = 200,
                   monitor: Monitor | None = None, prune: Prune | None = None) -> State:
    """Run step(state, data) until every member is frozen or `cap` steps have passed.

    state and data map names to tensors with leading dimension P (data needs "b" and "tolb").
    Adds "live", "rnorm", "steps", "T" and returns the final state with "rho" = ||A y - b|| / ||b|| at
    the last evaluated point, "converged" (rho < tol before the cap) and "diverged" (non-finite) flags.
    monitor(state, data), if given, runs at t = 0, every check_every steps and at the end; prune(data),
    if given, runs after each compaction (it may drop entries the remaining members no longer need).
    """
    b = data["b"]
    P, dev = b.shape[0], b.device
    state = dict(state, live=torch.ones(P, dtype=torch.bool, device=dev),
                 rnorm=torch.full((P,), torch.inf, dtype=b.dtype, device=dev),
                 steps=torch.zeros(P, dtype=torch.long, device=dev), T=torch.zeros(P, dtype=b.dtype, device=dev))
    out = {k: v.clone() for k, v in state.items()}
    idx = torch.arange(P, device=dev)
    for t in range(0, cap, check_every):
        if monitor is not None:
            monitor(state, data)
        for _ in range(min(check_every, cap - t)):
            step(state, data)
        n_live = int(state["live"].sum())
        if n_live == 0:
            break
        if n_live < idx.numel():                  # compact: a copy of the data costs about one step
            state, data, idx = _compact(out, state, data, idx)
            data = prune(data) if prune is not None else data
    if monitor is not None:
        monitor(state, data)
    _scatter(out, state, idx)
    finite = torch.isfinite(out["rnorm"])
    rho = out["rnorm"] / b.norm(dim=-1)
    return dict(out, rho=rho, converged=~out["live"] & finite, diverged=~finite)


def _compact(out: State, state: State, data: State, idx: Tensor) -> tuple[State, State, Tensor]:
    """Write the members back into `out`, then keep only the live ones of state, data and idx."""
    _scatter(out, state, idx)
    keep = state["live"].nonzero().squeeze(-1)
    return {k: v[keep] for k, v in state.items()}, {k: v[keep] for k, v in data.items()}, idx[keep]


def system_data(A: Tensor, b: Tensor, tol: Tensor) -> State:
    """Per-member constants shared by all models: A (P, n, d), A^T (P, d, n) contiguous, b (P, n), -b as a
    column (P, n, 1) and as a row (P, 1, n), ||A||_2 (P,), tol (P,) and tolb = tol ||b|| (P,)."""
    return {"A": A, "At": A.mT.contiguous(), "b": b, "nb": -b.unsqueeze(-1), "nbr": -b.unsqueeze(1), "tol": tol,
            "normA": torch.linalg.matrix_norm(A, ord=2), "tolb": tol * b.norm(dim=-1)}


def residual_rows(y: Tensor, data: State) -> tuple[Tensor, Tensor]:
    """r = (A y - b)^T as rows (P, 1, n) and g = A^T r as rows (P, 1, d), for y (P, d). Row-vector products
    (1 x d)(d x n) and (1 x n)(n x d) run about twice as fast as batched matrix-vector products on CPU."""
    r = torch.baddbmm(data["nbr"], y.unsqueeze(1), data["At"])            # (P, 1, n)
    return r, torch.bmm(r, data["A"])                                       # (P, 1, d)


def _depth1_step(state: State, data: State) -> None:
    """One GD step on model (a): w <- w - eta A^T (A w - b), eta = 1 / ||A||_2^2 (M12)."""
    r, g = residual_rows(state["w"], data)                                  # (P, 1, n), (P, 1, d)
    e = gate(state, data, torch.linalg.vector_norm(r, dim=(1, 2)), data["eta"])
    state["w"] = state["w"] - e[:, None] * g.squeeze(1)


def train_depth1(A: Tensor, b: Tensor, w0: Tensor, cap: int, tol: float = 1e-12) -> State:
    """Depth-1 least squares from w0 (P, d) (M9a, M12); returns the final state with "w" (P, d)."""
    data = system_data(A, b, torch.full_like(b[:, 0], tol))
    data["eta"] = 1 / data["normA"] ** 2
    return run_population(_depth1_step, {"w": w0.clone()}, data, cap)


def _pow_minus2(x: Tensor, data: State) -> Tensor | float:
    """x^{D-2} for a per-member integer depth D in {2, 3, 4}, exactly, without a tensor-valued pow.
    x (P, 1 or 2, d); data["m3"] = (D >= 3), data["m4"] = (D >= 4) as (P, 1, 1) bool, dropped by _prune_diag
    once no member of that depth is left (the float 1.0 is returned when every member has D = 2)."""
    if "m3" not in data:
        return 1.0
    out = torch.where(data["m3"], x, 1.0)
    return out * torch.where(data["m4"], x, 1.0) if "m4" in data else out


def _pow_minus1(x: Tensor, data: State) -> Tensor:
    """x^{D-1} per member (see _pow_minus2); no operation at all when every member has D = 2."""
    return x if "m3" not in data else x * _pow_minus2(x, data)


def _adaptive_eta(uv: Tensor, g: Tensor, data: State) -> Tensor:
    """M12 step of a population mixing rules: min{eta_fixed, kc / m^{2D-2}, gc / (||g||_inf m^{D-2})} with
    m = max_i max(u_i, v_i). Adaptive members have eta_fixed = inf, kc = c / (2 D^2 ||A||^2), gc = c / D;
    fixed members kc = gc = inf, so they keep eta_fixed (inf / x = inf, also at m = 0). -> (P,)."""
    m = uv.amax(dim=(1, 2), keepdim=True)                                   # (P, 1, 1)
    mD2 = _pow_minus2(m, data)                                              # m^{D-2}
    kernel = data["kc"] / ((m * mD2) ** 2).view(-1)
    grad = data["gc"] / (g.abs().amax(dim=(1, 2), keepdim=True) * mD2).view(-1)
    return torch.minimum(data["eta"], torch.minimum(kernel, grad))


def _diag_step(state: State, data: State) -> None:
    """One GD step on model (b) with uv = (u, v) stacked (P, 2, d) (M9b): beta = u^D - v^D,
    g = A^T (A beta - b), u -= eta D u^{D-1} g, v += eta D v^{D-1} g."""
    uv = state["uv"]
    pw = _pow_minus1(uv, data)                                              # (P, 2, d)  (u^{D-1}, v^{D-1})
    pr = pw * uv                                                            # (P, 2, d)  (u^D, v^D)
    r, g = residual_rows(pr[:, 0] - pr[:, 1], data)                       # (P, 1, n), (P, 1, d)
    eta = _adaptive_eta(uv, g, data) if "kc" in data else data["eta"]
    e = gate(state, data, torch.linalg.vector_norm(r, dim=(1, 2)), eta)
    uv.addcmul_(e.view(-1, 1, 1) * data["sgnD"] * pw, g, value=-1)


@dataclass(frozen=True)
class DiagSpec:
    """Per-member diagonal-network settings, all (P,) tensors: init scale alpha (>= 0), depth D in {2, 3, 4},
    step multiplier c, base tolerance tol, s_sol = max(||x_l1||_inf, ||x_l2||_inf) for the fixed rule, and
    the step rule (M12): "fixed" or "adaptive" for the whole population, or a (P,) bool tensor (True: adaptive)."""

    alpha: Tensor
    D: Tensor
    c: Tensor
    tol: Tensor
    s_sol: Tensor
    rule: Rule | Tensor = "fixed"

    def adaptive(self) -> Tensor:
        """(P,) bool: members on the adaptive rule."""
        if isinstance(self.rule, Tensor):
            return self.rule.to(torch.bool)
        return torch.full_like(self.alpha, self.rule == "adaptive", dtype=torch.bool)


def diag_data(A: Tensor, b: Tensor, spec: DiagSpec) -> State:
    """Per-member constants of model (b): step constants of both rules and the effective tolerance tol_eff (M12)."""
    D = spec.D.to(A.dtype)
    tau = spec.alpha.to(A.dtype) ** D                                       # (P,)  tau = alpha^D (M15)
    normA, bnorm = torch.linalg.matrix_norm(A, ord=2), b.norm(dim=-1)
    tol = torch.maximum(spec.tol, 100 * EPS * tau * normA * A.shape[-1] ** 0.5 / bnorm)   # tol_eff (M12)
    data = system_data(A, b, tol)
    S = torch.maximum(2 * tau, spec.s_sol)
    sgn = torch.tensor([1.0, -1.0], dtype=A.dtype, device=A.device).view(1, 2, 1)
    c, adaptive = spec.c.to(A.dtype), spec.adaptive().to(A.device)
    data.update(D=D.view(-1, 1, 1), m3=(D >= 3).view(-1, 1, 1), m4=(D >= 4).view(-1, 1, 1),
                sgnD=D.view(-1, 1, 1) * sgn,
                eta=torch.where(adaptive, torch.inf, c / (D**2 * normA**2 * S ** ((2 * D - 2) / D))))
    if bool(adaptive.any()):
        data.update(kc=torch.where(adaptive, c / (2 * D**2 * normA**2), torch.inf),
                    gc=torch.where(adaptive, c / D, torch.inf))
    return data


def _prune_diag(data: State) -> State:
    """After a compaction, drop the constants no remaining member needs: the adaptive rule's (kc, gc) and the
    depth masks m3, m4 (members of depth 2 only need neither), which saves their per-step cost."""
    drop = set()
    if "kc" in data and not bool(torch.isfinite(data["kc"]).any()):
        drop |= {"kc", "gc"}
    if "m4" in data and not bool(data["m4"].any()):
        drop.add("m4")
    if "m3" in data and not bool(data["m3"].any()):
        drop |= {"m3", "m4"}
    return {k: v for k, v in data.items() if k not in drop}


def train_diagonal(A: Tensor, b: Tensor, spec: DiagSpec, cap: int, check_every: int = 200) -> State:
    """Diagonal networks with u(0) = v(0) = alpha 1 (M9b) trained by GD (M12).

    Returns the final state with "uv" (P, 2, d), "beta" = u^D - v^D (P, d), "tol_eff" (P,) and the
    run_population flags.
    """
    data = diag_data(A, b, spec)
    uv = spec.alpha.to(A.dtype).view(-1, 1, 1) * torch.ones(A.shape[0], 2, A.shape[-1], dtype=A.dtype, device=A.device)
    out = run_population(_diag_step, {"uv": uv}, data, cap, check_every, prune=_prune_diag)
    pr = out["uv"] ** spec.D.to(A.dtype).view(-1, 1, 1)
    return dict(out, beta=pr[:, 0] - pr[:, 1], tol_eff=data["tol"])
