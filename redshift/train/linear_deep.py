"""Population-batched GD for factorised models on underdetermined least squares (init_implicit_bias spec).

Model (c), fully connected deep linear networks y = W1 W2 ... W_{L-1} w_L applied to the constant
input 1 (M9c), and model (d), the nonlinear generator y = W_out relu(W_h z + b_h) (M9d), both with
closed-form gradients and the norm-based step rules of M12. A population mixes depths L in {2, 3, 4}
by padding every member to four factors, the missing middle factors being frozen identities (the
product, the gradients of the trainable factors and the products of spectral norms are unchanged,
since ||I||_2 = 1). Spectral norms are tracked by one warm-started power iteration per step with a
1.1 safety factor (M12). Both models record the output-layer identity error E_id (M13) every 100 steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from redshift.data.linear_systems import null_project
from redshift.train.linear import State, Tensor, bmv, gate, run_population, system_data

SAFETY = 1.1        # M12: power-iteration norms times a safety factor
TINY = 1e-300
CHECKPOINT = 100    # M13: E_id checkpoints every 100 steps


def power_step(W: Tensor, q: Tensor) -> tuple[Tensor, Tensor]:
    """One warm-started power iteration on W^T W: returns (1.1 * estimate of ||W||_2 (P,), new q (P, cols)).

    The estimate ||W^T W q|| / ||W q|| is a lower bound of ||W||_2; q is kept where W q vanishes
    (a zero factor) so the iteration resumes once the factor moves.
    """
    x = bmv(W, q)                                                   # (P, rows)
    y = bmv(W.mT, x)                                                # (P, cols)
    xn, yn = x.norm(dim=-1), y.norm(dim=-1)
    q_new = torch.where((yn > TINY)[:, None], y / yn.clamp_min(TINY)[:, None], q)
    return SAFETY * torch.where(xn > TINY, yn / xn.clamp_min(TINY), 0.0), q_new


def _warm(W: Tensor, iters: int = 30) -> Tensor:
    """Starting right singular vector for power_step: iters power iterations from the all-ones direction."""
    q = torch.ones_like(W[:, 0, :]) / W.shape[-1] ** 0.5
    for _ in range(iters):
        _, q = power_step(W, q)
    return q


@dataclass(frozen=True)
class FCInit:
    """Initial factors of model (c), padded to four: W1 (P, d, m), W2, W3 (P, m, m), wL (P, m); depth L (P,)."""

    W1: Tensor
    W2: Tensor
    W3: Tensor
    wL: Tensor
    L: Tensor


def _fc_kappa(s: Tensor, trainable: Tensor, a: Tensor, gnorm: Tensor, L: Tensor) -> Tensor:
    """M12 bound kappa = a^2 sum_l P_l^2 + (L - 1) ||G|| max_{l<l'} P_ll' over trainable factors.
    s (P, 4) spectral norms (1 for frozen identities), trainable (P, 4) bool -> (P,)."""
    Pl = torch.stack([s[:, [1, 2, 3]].prod(-1), s[:, [0, 2, 3]].prod(-1),
                      s[:, [0, 1, 3]].prod(-1), s[:, [0, 1, 2]].prod(-1)], dim=-1)       # (P, 4)
    pairs = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    Pll = torch.stack([s[:, [k for k in range(4) if k not in p]].prod(-1) for p in pairs], dim=-1)   # (P, 6)
    both = torch.stack([trainable[:, i] & trainable[:, j] for i, j in pairs], dim=-1)              # (P, 6)
    top = torch.where(both, Pll, 0.0).amax(-1)
    return a**2 * (torch.where(trainable, Pl, 0.0) ** 2).sum(-1) + (L - 1) * gnorm * top


def _fc_step(state: State, data: State) -> None:
    """One GD step on model (c) with eta_t = c / kappa_t (M12); grads dL/dW_l = (W_1..W_{l-1})^T G h_{l+1}^T."""
    W1, W2, W3, wL = state["W1"], state["W2"], state["W3"], state["wL"]
    h3 = bmv(W3, wL)
    h2 = bmv(W2, h3)                                                # (P, m)  h = W2 W3 wL
    r = torch.baddbmm(data["nb"], data["A"], bmv(W1, h2).unsqueeze(-1))   # (P, n, 1)  A y - b
    g = torch.bmm(data["At"], r).squeeze(-1)                        # (P, d)  G = A^T r
    s1, state["q1"] = power_step(W1, state["q1"])
    s2, state["q2"] = power_step(W2, state["q2"])
    s3, state["q3"] = power_step(W3, state["q3"])
    t = data["trainable"]
    s = torch.stack([s1, torch.where(t[:, 1], s2, 1.0), torch.where(t[:, 2], s3, 1.0), wL.norm(dim=-1)], dim=-1)
    kappa = _fc_kappa(s, t, data["normA"], g.norm(dim=-1), data["L"])
    e = gate(state, data, torch.linalg.vector_norm(r, dim=(1, 2)), data["c"] / kappa.clamp_min(TINY))
    a1 = bmv(W1.mT, g)                                              # (P, m)
    a2 = bmv(W2.mT, a1)
    a3 = bmv(W3.mT, a2)
    eg = -e[:, None]                                                # (P, 1)
    state["W1"] = torch.baddbmm(W1, (eg * g).unsqueeze(-1), h2.unsqueeze(1))          # W1 -= e G h2^T
    state["W2"] = torch.baddbmm(W2, (eg * data["t2"] * a1).unsqueeze(-1), h3.unsqueeze(1))
    state["W3"] = torch.baddbmm(W3, (eg * data["t3"] * a2).unsqueeze(-1), wL.unsqueeze(1))
    state["wL"] = wL + eg * a3


def _identity_monitor(state: State, data: State) -> None:
    """Checkpoint of E_id = ||P_null(y - W1(0) h)|| / ||x_l2|| (M13), kept as a running maximum in state["eid"]."""
    h = state["h"] if "h" in state else bmv(state["W2"], bmv(state["W3"], state["wL"]))   # (P, m)
    y = bmv(state["W1"], h)                                         # (P, d)
    eid = null_project(data["Q"], y - bmv(data["W10"], h)).norm(dim=-1) / data["xl2n"]
    state["eid"] = torch.maximum(state["eid"], eid)


def _identity_pad(M: Tensor, keep: Tensor) -> Tensor:
    """Replace the factor M (P, m, m) by the identity where keep (P,) is False (a frozen, absent layer)."""
    eye = torch.eye(M.shape[-1], dtype=M.dtype, device=M.device).expand_as(M)
    return torch.where(keep[:, None, None], M, eye)


def train_fc(A: Tensor, b: Tensor, init: FCInit, Q: Tensor, x_l2: Tensor, cap: int,
             tol: float = 1e-10, c: float = 0.5) -> State:
    """Model (c) with L in {2, 3, 4} trainable factors per member, GD with eta_t = c / kappa_t (M9c, M12).

    Q (P, d, n) is the row basis and x_l2 (P, d) the min-l2 solution (for E_id). Returns the final
    state: factors, "y" (P, d), "eid" (P,) (max over checkpoints) and the run_population flags.
    """
    L = init.L.to(A.device)
    data = system_data(A, b, torch.full_like(b[:, 0], tol))
    t = torch.stack([torch.ones_like(L, dtype=torch.bool), L >= 3, L >= 4, torch.ones_like(L, dtype=torch.bool)], -1)
    W2, W3 = _identity_pad(init.W2, t[:, 1]), _identity_pad(init.W3, t[:, 2])
    data.update(trainable=t, t2=t[:, 1:2].to(A.dtype), t3=t[:, 2:3].to(A.dtype), L=L.to(A.dtype),
                c=torch.full_like(b[:, 0], c), Q=Q, W10=init.W1.clone(), xl2n=x_l2.norm(dim=-1))
    state = {"W1": init.W1.clone(), "W2": W2, "W3": W3, "wL": init.wL.clone(),
             "q1": _warm(init.W1), "q2": _warm(W2), "q3": _warm(W3), "eid": torch.zeros_like(b[:, 0])}
    out = run_population(_fc_step, state, data, cap, CHECKPOINT, _identity_monitor)
    out["y"] = bmv(out["W1"], bmv(out["W2"], bmv(out["W3"], out["wL"])))
    return out
