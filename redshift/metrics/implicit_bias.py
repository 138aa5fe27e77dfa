"""Implicit-bias measures and oracles for underdetermined least squares (init_implicit_bias spec).

Measures (batched over a leading population dimension P): relative residual rho (M5), relative
distance d_t (M6), l1 gap G and l1 position pi (M7), recovery error err (M8), null-space residue
N and output-layer identity error E_id (M13), projection-law error E_proj (M14).
Oracles: the Woodworth et al. (2020) regulariser Q_alpha^D (M10) and the gradient-flow limit
w_GF of diagonal networks by damped Newton on the convex dual (M11).
All inputs are float64 tensors; nothing here loops over members.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from redshift.data.linear_systems import null_project

ORACLE_TOL = 1e-11                    # M11 stop rule on rho(w_GF)
ORACLE_MAX_ITER = 2000                # M11
ORACLE_RANGE = {2: (1e-6, 10.0), 3: (1e-4, 10.0), 4: (1e-2, 8.0)}   # M11 validated alpha ranges
PI_MIN_DENOM = 1e-3                   # M7: skip pi when ||x_l2||_1 - ||x_l1||_1 < 1e-3 ||x_l1||_1


def bmv(M: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Batched matrix-vector product: M (P, a, b), v (P, b) -> (P, a)."""
    return torch.bmm(M, v.unsqueeze(-1)).squeeze(-1)


def residual(A: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """rho(w) = ||A w - b|| / ||b|| (M5), in [0, inf). A (P, n, d), w (P, d), b (P, n) -> (P,)."""
    return (bmv(A, w) - b).norm(dim=-1) / b.norm(dim=-1)


def rel_dist(w: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """d_t(w) = ||w - t|| / ||t|| (M6), in [0, inf). (P, d), (P, d) -> (P,). err (M8) is d_{x*}."""
    return (w - t).norm(dim=-1) / t.norm(dim=-1)


def l1_gap(w: torch.Tensor, x_l1: torch.Tensor) -> torch.Tensor:
    """G(w) = ||w||_1 / ||x_l1||_1 - 1 (M7); >= 0 for interpolants. (P, d) -> (P,)."""
    return w.abs().sum(-1) / x_l1.abs().sum(-1) - 1


def l1_position(w: torch.Tensor, x_l1: torch.Tensor, x_l2: torch.Tensor) -> torch.Tensor:
    """pi(w) = (||w||_1 - ||x_l1||_1) / (||x_l2||_1 - ||x_l1||_1) (M7): 0 at x_l1, 1 at x_l2, may exceed 1.

    NaN (skipped) where the denominator is below 1e-3 ||x_l1||_1. (P, d) x 3 -> (P,).
    """
    n1, n_l1, n_l2 = w.abs().sum(-1), x_l1.abs().sum(-1), x_l2.abs().sum(-1)
    denom = n_l2 - n_l1
    return torch.where(denom >= PI_MIN_DENOM * n_l1, (n1 - n_l1) / denom, torch.nan)


def null_residue(y: torch.Tensor, Q: torch.Tensor, x_l2: torch.Tensor) -> torch.Tensor:
    """N(y) = ||P_null y|| / ||x_l2|| (M13): 0 exactly when y lies in the row space. -> (P,)."""
    return null_project(Q, y).norm(dim=-1) / x_l2.norm(dim=-1)


def identity_error(y: torch.Tensor, w1h: torch.Tensor, Q: torch.Tensor, x_l2: torch.Tensor) -> torch.Tensor:
    """E_id = ||P_null (y(t) - W1(0) h(t))|| / ||x_l2|| (M13; normalised by x_l2, pitfall P3). -> (P,)."""
    return null_residue(y - w1h, Q, x_l2)


def projection_error(w: torch.Tensor, w0: torch.Tensor, Q: torch.Tensor, x_l2: torch.Tensor) -> torch.Tensor:
    """E_proj = ||w - (P_null w0 + x_l2)|| / (||x_l2|| + ||P_null w0||) (M14; Gunasekar et al. 2018). -> (P,)."""
    pw0 = null_project(Q, w0)                                   # (P, d)
    return (w - pw0 - x_l2).norm(dim=-1) / (x_l2.norm(dim=-1) + pw0.norm(dim=-1))


def q2(z: torch.Tensor) -> torch.Tensor:
    """q(z) = int_0^z arcsinh(t/2) dt = 2 - sqrt(4 + z^2) + z arcsinh(z/2) (M10), even, convex, >= 0.

    Written as z arcsinh(z/2) - |z| (|z| / (2 + hypot(2, z))) to avoid cancellation at small z and
    overflow at large z.
    """
    t = z.abs()
    return z * torch.asinh(z / 2) - t * (t / (2 + torch.hypot(torch.full_like(t, 2.0), t)))


def h_depth(s: torch.Tensor, D: int) -> torch.Tensor:
    """h_D(s) = (1 - s)^{-D/(D-2)} - (1 + s)^{-D/(D-2)} on (-1, 1), D >= 3 (M10); odd, increasing."""
    p = D / (D - 2)
    return (1 - s) ** (-p) - (1 + s) ** (-p)


def _h_inverse(z: torch.Tensor, D: int, iters: int = 80) -> torch.Tensor:
    """s = h_D^{-1}(z) by bisection on [0, 1) for |z| (h_D odd and increasing), sign restored."""
    lo, hi = torch.zeros_like(z), torch.ones_like(z)
    for _ in range(iters):
        mid = (lo + hi) / 2
        below = h_depth(mid, D) < z.abs()
        lo, hi = torch.where(below, mid, lo), torch.where(below, hi, mid)
    return torch.sign(z) * (lo + hi) / 2


def q_depth(z: torch.Tensor, D: int) -> torch.Tensor:
    """q_D(z) = int_0^z h_D^{-1}(t) dt (M10) via the Legendre identity q_D(z) = z s - int_0^s h_D, s = h_D^{-1}(z).

    int_0^s h_D = ((D - 2)/2) ((1 - s)^{-2/(D-2)} + (1 + s)^{-2/(D-2)} - 2). D = 2 gives q (q2).
    """
    if D == 2:
        return q2(z)
    s = _h_inverse(z, D)
    e = -2 / (D - 2)
    return z * s - (D - 2) / 2 * ((1 - s) ** e + (1 + s) ** e - 2)


def q_alpha(beta: torch.Tensor, alpha: float, D: int = 2) -> torch.Tensor:
    """Q^D_alpha(beta) = alpha^D sum_i q_D(beta_i / alpha^D) (M10; Woodworth et al. 2020, Thm 1). (..., d) -> (...).

    Limits (D = 2): Q_alpha / log(1/alpha^2) -> ||beta||_1 as alpha -> 0; alpha^2 Q_alpha -> ||beta||^2 / 4 as
    alpha -> inf.
    """
    tau = alpha**D
    return tau * q_depth(beta / tau, D).sum(-1)


@dataclass(frozen=True)
class OracleResult:
    """Gradient-flow limits w (P, d), their residual rho (P,), iterations used, and ok (P,) bool (M11)."""

    w: torch.Tensor
    rho: torch.Tensor
    iterations: int
    ok: torch.Tensor


def _dual_pieces(z: torch.Tensor, alpha: torch.Tensor, D: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """phi'_D(z) and phi''_D(z) of the dual (M11), per member. z (P, d); alpha, D (P, 1) -> (P, d), (P, d).

    D = 2: phi' = 2 alpha^2 sinh z, phi'' = 2 alpha^2 cosh z. D >= 3: phi' = alpha^D h_D(z),
    phi'' = alpha^D (D/(D-2)) [(1 - z)^{-D/(D-2)-1} + (1 + z)^{-D/(D-2)-1}] on |z| < 1.
    """
    is2 = D == 2                                            # (P, 1)
    a2 = 2 * alpha**2
    w2, c2 = a2 * torch.sinh(z), a2 * torch.cosh(z)
    Ds = torch.where(is2, 3.0, D)                           # safe exponent for D = 2 members
    p = Ds / (Ds - 2)
    zs = torch.where(is2, 0.0, z)                           # (P, d)
    tau = alpha**Ds
    lo, hi = (1 - zs) ** (-p), (1 + zs) ** (-p)
    w3, c3 = tau * (lo - hi), tau * p * (lo / (1 - zs) + hi / (1 + zs))
    return torch.where(is2, w2, w3), torch.where(is2, c2, c3)


def _dual_grad(A, b, mu, alpha, D) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """w = phi'(A^T mu) (P, d), curvature phi''(A^T mu) (P, d), and ||grad Phi|| = ||A w - b|| (P,) (M11)."""
    z = bmv(A.mT, mu)                                       # (P, d)
    w, curv = _dual_pieces(z, alpha, D)
    gnorm = (bmv(A, w) - b).norm(dim=-1)
    feasible = (D[:, 0] == 2) | (z.abs().amax(-1) < 1)      # pitfall P9: ||A^T mu||_inf < 1 for D >= 3
    return w, curv, torch.where(feasible & torch.isfinite(gnorm), gnorm, torch.inf)


def _backtrack(A, b, mu, step, gnorm, live, alpha, D) -> tuple[torch.Tensor, torch.Tensor]:
    """Damped Newton update with backtracking on ||grad Phi|| (pitfall P9), for all live members at once.

    Returns the new mu (P, n) and a (P,) mask of live members that found no decreasing step.
    """
    t = torch.ones_like(gnorm)
    done = ~live
    new = mu.clone()
    for _ in range(60):
        trial = mu - t[:, None] * step                      # (P, n)
        _, _, gt = _dual_grad(A, b, trial, alpha, D)
        good = ~done & (gt <= (1 - 1e-4 * t) * gnorm)
        new = torch.where(good[:, None], trial, new)
        done = done | good
        if bool(done.all()):
            break
        t = t / 2
    return new, ~done


def gradient_flow_limit(A: torch.Tensor, b: torch.Tensor, alpha: torch.Tensor, D: torch.Tensor,
                        max_iter: int = ORACLE_MAX_ITER) -> OracleResult:
    """w_GF(A, b, alpha, D) = argmin Q^D_alpha s.t. A beta = b, the limit of gradient flow on model (b) (M11).

    Damped Newton from mu = 0 on the strictly convex dual Phi(mu) = sum phi_D(A^T mu) - b^T mu, with
    Hessian A diag(phi''(A^T mu)) A^T, for the whole population at once (per-member alpha and D).
    ok is False where rho(w_GF) >= 1e-11 or alpha is outside M11's validated range for its D.
    All-zero rows of A (padding of a population with mixed n) are inert: their diagonal Hessian entry
    is set to 1 and their gradient component is 0. A (P, n, d), b (P, n), alpha (P,), D (P,) -> OracleResult.
    """
    pad = torch.diag_embed((A.abs().amax(-1) == 0).to(A.dtype))   # (P, n, n)
    alpha, D = alpha.reshape(-1, 1).to(A.dtype), D.reshape(-1, 1).to(A.dtype)
    mu = torch.zeros_like(b)                                # (P, n)
    failed = torch.zeros(b.shape[0], dtype=torch.bool, device=b.device)
    bnorm = b.norm(dim=-1)
    it = 0
    for it in range(max_iter):
        _, curv, gnorm = _dual_grad(A, b, mu, alpha, D)
        live = (gnorm / bnorm >= ORACLE_TOL) & ~failed
        if not bool(live.any()):
            break
        H = torch.bmm(A * curv[:, None, :], A.mT) + pad      # (P, n, n)  A diag(phi'') A^T
        w, _, _ = _dual_grad(A, b, mu, alpha, D)
        step = torch.linalg.solve(H, bmv(A, w) - b)         # (P, n)  Newton direction
        mu, stalled = _backtrack(A, b, mu, step, gnorm, live, alpha, D)
        failed = failed | stalled
    w, _, gnorm = _dual_grad(A, b, mu, alpha, D)
    lo = torch.tensor([ORACLE_RANGE[int(k)][0] for k in D[:, 0].tolist()], dtype=A.dtype, device=A.device)
    hi = torch.tensor([ORACLE_RANGE[int(k)][1] for k in D[:, 0].tolist()], dtype=A.dtype, device=A.device)
    rho = gnorm / bnorm
    ok = (rho < ORACLE_TOL) & (alpha[:, 0] >= lo) & (alpha[:, 0] <= hi)
    return OracleResult(w, rho, it + 1, ok)


def completion_error(W: torch.Tensor, M: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """e_MC = ||P_Omega^c (W - M*)||_F / ||P_Omega^c M*||_F (M17), in [0, inf); zero-filling gives exactly 1.
    W, M, mask (P, q, q) (mask 1.0 on Omega) -> (P,)."""
    off = 1 - mask
    return (off * (W - M)).flatten(1).norm(dim=-1) / (off * M).flatten(1).norm(dim=-1)


def effective_rank(W: torch.Tensor) -> torch.Tensor:
    """erank(W) = exp(-sum_i p_i log p_i), p_i = s_i / sum_j s_j over singular values (M17; Roy & Vetterli 2007),
    in [1, min(rows, cols)]: r for r equal non-zero singular values. W (P, a, b) -> (P,)."""
    s = torch.linalg.svdvals(W)                                 # (P, min(a, b))
    p = s / s.sum(-1, keepdim=True)
    return torch.exp(-torch.special.xlogy(p, p).sum(-1))
