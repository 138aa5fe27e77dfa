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
from redshift.train.linear import State, Tensor, bmv, gate, residual_rows, run_population, system_data

SAFETY = 1.1        # M12: power-iteration norms times a safety factor
TINY = 1e-300
CHECKPOINT = 100    # M13: E_id checkpoints every 100 steps


def power_step(W: Tensor, q: Tensor) -> tuple[Tensor, Tensor]:
    """One warm-started power iteration on W^T W: returns (1.1 * estimate of ||W||_2 (B,), new q (B, cols)).

    The estimate ||W^T W q|| / ||W q|| is a lower bound of ||W||_2; q is kept where W^T W q vanishes
    (a zero factor) so the iteration resumes once the factor moves. W (B, rows, cols), q (B, cols).
    """
    x = bmv(W, q)                                                   # (B, rows)
    y = bmv(W.mT, x)                                                # (B, cols)
    xn, yn = x.norm(dim=-1), y.norm(dim=-1)
    q_new = torch.where((yn > TINY)[:, None], y / yn[:, None], q)
    return SAFETY * torch.nan_to_num(yn / xn), q_new


def _warm(W: Tensor, iters: int = 30) -> Tensor:
    """Starting right singular vector for power_step: iters power iterations from the all-ones direction."""
    q = torch.ones_like(W[:, 0, :]) / W.shape[-1] ** 0.5
    for _ in range(iters):
        _, q = power_step(W, q)
    return q


@dataclass(frozen=True)
class FCInit:
    """Initial factors of model (c), padded to four: W1 (P, d, m), middle W2, W3 stacked as Wm (P, 2, m, m),
    wL (P, m); number of trainable factors L (P,) in {2, 3, 4} (W2 trains if L >= 3, W3 if L = 4)."""

    W1: Tensor
    Wm: Tensor
    wL: Tensor
    L: Tensor


_PAIRS = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))


def _fc_kappa(s: Tensor, data: State, gnorm: Tensor) -> Tensor:
    """M12 bound kappa = a^2 sum_l P_l^2 + (L - 1) ||G|| max_{l<l'} P_ll' over trainable factors l, l', with
    P_l = prod_{k != l} s_k and P_ll' = prod_{k not in {l, l'}} s_k. s (P, 4) norm estimates (1 for frozen
    identities) -> (P,)."""
    s1, s2, s3, s4 = s.unbind(-1)
    p12, p34 = s1 * s2, s3 * s4
    Pl = torch.stack([s2 * p34, s1 * p34, p12 * s4, p12 * s3], -1)                     # (P, 4)
    Pll = torch.stack([p34, s2 * s4, s2 * s3, s1 * s4, s1 * s3, p12], -1)              # (P, 6) in _PAIRS order
    top = (Pll * data["pair_mask"]).amax(-1)
    return data["normA"] ** 2 * ((Pl * data["t_mask"]) ** 2).sum(-1) + data["Lm1"] * gnorm * top


def _fc_step(state: State, data: State) -> None:
    """One GD step on model (c) with eta_t = c / kappa_t (M12); dL/dW_l = (W_1..W_{l-1})^T G h_{l+1}^T."""
    W1, Wm, wL = state["W1"], state["Wm"], state["wL"]
    P, m = wL.shape
    h3 = bmv(Wm[:, 1], wL)
    h2 = bmv(Wm[:, 0], h3)                                          # (P, m)  h = W2 W3 wL
    r, g = residual_rows(bmv(W1, h2), data)                         # (P, 1, n) A y - b, (P, 1, d) G = A^T r
    g = g.squeeze(1)
    s1, state["q1"] = power_step(W1, state["q1"])
    sm, qm = power_step(Wm.view(2 * P, m, m), state["qm"].view(2 * P, m))
    state["qm"] = qm.view(P, 2, m)
    s = torch.cat([s1[:, None], torch.where(data["mid"], sm.view(P, 2), 1.0), wL.norm(dim=-1, keepdim=True)], -1)
    kappa = _fc_kappa(s, data, g.norm(dim=-1))
    e = gate(state, data, torch.linalg.vector_norm(r, dim=(1, 2)), data["c"] / kappa.clamp_min(TINY))
    a1 = bmv(W1.mT, g)                                              # (P, m)
    a2 = bmv(Wm[:, 0].mT, a1)
    eg = -e[:, None]                                                # (P, 1)
    left = torch.stack([a1, a2], 1) * (eg * data["mid_f"]).unsqueeze(-1)     # (P, 2, m)  frozen factors get 0
    right = torch.stack([h3, wL], 1)                                # (P, 2, m)
    state["wL"] = wL + eg * bmv(Wm[:, 1].mT, a2)
    state["W1"] = torch.baddbmm(W1, (eg * g).unsqueeze(-1), h2.unsqueeze(1))          # W1 -= e G h^T
    state["Wm"] = torch.baddbmm(Wm.view(2 * P, m, m), left.view(2 * P, m, 1), right.view(2 * P, 1, m)).view(P, 2, m, m)


def _identity_monitor(state: State, data: State) -> None:
    """Checkpoint of E_id = ||P_null(y - W1(0) h)|| / ||x_l2|| (M13), kept as a running maximum in state["eid"]."""
    h = _hidden(state)                                              # (P, m)
    y = bmv(state["W1"] if "W1" in state else state["Wout"], h)    # (P, d)
    eid = null_project(data["Q"], y - bmv(data["W10"], h)).norm(dim=-1) / data["xl2n"]
    state["eid"] = torch.maximum(state["eid"], eid)


def _hidden(state: State) -> Tensor:
    """The output layer's input h: W2 W3 wL for model (c), relu(W_h z + b_h) for model (d). -> (P, m)."""
    if "Wm" in state:
        return bmv(state["Wm"][:, 0], bmv(state["Wm"][:, 1], state["wL"]))
    return torch.relu(bmv(state["Wh"], state["z"]) + state["bh"])


def _identity_pad(Wm: Tensor, keep: Tensor) -> Tensor:
    """Replace middle factors Wm (P, 2, m, m) by identities where keep (P, 2) is False (absent layers)."""
    eye = torch.eye(Wm.shape[-1], dtype=Wm.dtype, device=Wm.device).expand_as(Wm)
    return torch.where(keep[:, :, None, None], Wm, eye)


def fc_data(A: Tensor, b: Tensor, L: Tensor, Q: Tensor, x_l2: Tensor, W10: Tensor, tol: float, c: float) -> State:
    """Per-member constants of model (c): trainable masks for the padded factors, step constants, E_id inputs."""
    data = system_data(A, b, torch.full_like(b[:, 0], tol))
    yes = torch.ones_like(L, dtype=torch.bool)
    t = torch.stack([yes, L >= 3, L >= 4, yes], -1)                # (P, 4) trainable factors
    data.update(mid=t[:, 1:3], mid_f=t[:, 1:3].to(A.dtype), t_mask=t.to(A.dtype), Lm1=(L - 1).to(A.dtype),
                pair_mask=torch.stack([t[:, i] & t[:, j] for i, j in _PAIRS], -1).to(A.dtype),
                c=torch.full_like(b[:, 0], c), Q=Q, W10=W10, xl2n=x_l2.norm(dim=-1))
    return data


def train_fc(A: Tensor, b: Tensor, init: FCInit, Q: Tensor, x_l2: Tensor, cap: int,
             tol: float = 1e-10, c: float = 0.5) -> State:
    """Model (c) with L in {2, 3, 4} trainable factors per member, GD with eta_t = c / kappa_t (M9c, M12).

    Q (P, d, n) is the row basis and x_l2 (P, d) the min-l2 solution (for E_id). Returns the final
    state: factors, "y" (P, d), "eid" (P,) (max over checkpoints) and the run_population flags.
    """
    L = init.L.to(A.device)
    data = fc_data(A, b, L, Q, x_l2, init.W1.clone(), tol, c)
    Wm = _identity_pad(init.Wm, data["mid"])
    P, m = init.wL.shape
    state = {"W1": init.W1.clone(), "Wm": Wm.contiguous(), "wL": init.wL.clone(), "q1": _warm(init.W1),
             "qm": _warm(Wm.reshape(2 * P, m, m)).view(P, 2, m), "eid": torch.zeros_like(b[:, 0])}
    out = run_population(_fc_step, state, data, cap, CHECKPOINT, _identity_monitor)
    out["y"] = bmv(out["W1"], _hidden(out))
    return out


def _generator_step(state: State, data: State) -> None:
    """One GD step on model (d), y = W_out relu(W_h z + b_h), with eta_t = 0.5 / kappa_t (M9d, M12),
    kappa_t = ||A||^2 (||h||^2 + ||W_out||_2^2 (||z||^2 + 1)) + ||A^T r|| sqrt(||z||^2 + 1)."""
    Wout, Wh, bh, z = state["Wout"], state["Wh"], state["bh"], state["z"]
    pre = bmv(Wh, z) + bh                                           # (P, k)
    h = torch.relu(pre)
    r, g = residual_rows(bmv(Wout, h), data)                        # (P, 1, n) A y - b, (P, 1, d)
    g = g.squeeze(1)
    sW, state["q1"] = power_step(Wout, state["q1"])
    z1 = data["z2p1"]                                               # (P,)  ||z||^2 + 1
    kappa = data["normA"] ** 2 * ((h * h).sum(-1) + sW**2 * z1) + g.norm(dim=-1) * z1.sqrt()
    e = gate(state, data, torch.linalg.vector_norm(r, dim=(1, 2)), data["c"] / kappa.clamp_min(TINY))
    eg = -e[:, None]
    delta = bmv(Wout.mT, g) * (pre > 0)                             # (P, k)  dL/dpre
    state["Wout"] = torch.baddbmm(Wout, (eg * g).unsqueeze(-1), h.unsqueeze(1))       # W_out -= e G h^T
    state["Wh"] = torch.baddbmm(Wh, (eg * delta).unsqueeze(-1), z.unsqueeze(1))
    state["bh"] = bh + eg * delta


@dataclass(frozen=True)
class GeneratorInit:
    """Initial parameters of model (d): W_out (P, d, k), W_h (P, k, c), b_h (P, k) and the fixed code z (P, c)."""

    Wout: Tensor
    Wh: Tensor
    bh: Tensor
    z: Tensor


def train_generator(A: Tensor, b: Tensor, init: GeneratorInit, Q: Tensor, x_l2: Tensor, cap: int,
                    tol: float = 1e-10, c: float = 0.5) -> State:
    """Model (d) trained by GD (M9d, M12); W_h and b_h train, there is no output bias.

    Returns the final state with "y" = W_out h (P, d), "eid" (P,) (max over checkpoints) and the flags.
    """
    data = system_data(A, b, torch.full_like(b[:, 0], tol))
    data.update(z2p1=(init.z**2).sum(-1) + 1, c=torch.full_like(b[:, 0], c), Q=Q, W10=init.Wout.clone(),
                xl2n=x_l2.norm(dim=-1))
    state = {"Wout": init.Wout.clone(), "Wh": init.Wh.clone(), "bh": init.bh.clone(), "z": init.z,
             "q1": _warm(init.Wout), "eid": torch.zeros_like(b[:, 0])}
    out = run_population(_generator_step, state, data, cap, CHECKPOINT, _identity_monitor)
    out["y"] = bmv(out["Wout"], _hidden(out))
    return out


# --- model (e): deep matrix factorisation (M9e, M17) ----------------------------------------------------------

@dataclass(frozen=True)
class MFInit:
    """Initial factors of model (e), padded to K: W (P, K, q, q); trainable factor count N (P,) in 1..K
    (factors l >= N are frozen identities: the product and the other factors' gradients are unchanged)."""

    W: Tensor
    N: Tensor


def _mf_kappa(s: Tensor, data: State, gnorm: Tensor) -> Tensor:
    """M12 with a = 1: kappa = sum_l P_l^2 + (N - 1) ||G||_F max_{l<l'} P_ll' over trainable l, l', with
    P_l = prod_{k != l} s_k, P_ll' = prod_{k not in {l, l'}} s_k. s (P, K) norm estimates (1 for frozen
    identities); data["not_l"] (P, K, K) and data["not_ll"] (P, K*K, K) are True where k is left out. -> (P,)."""
    Pl = torch.where(data["not_l"], 1.0, s[:, None, :]).prod(-1)           # (P, K)
    Pll = torch.where(data["not_ll"], 1.0, s[:, None, :]).prod(-1)         # (P, K*K), pairs (l, l') row-major
    return ((Pl * data["tf"]) ** 2).sum(-1) + data["Nm1"] * gnorm * (Pll * data["pairs"]).amax(-1)


def _mf_step(state: State, data: State) -> None:
    """One GD step on L = 1/2 ||P_Omega(W_1..W_K - M*)||_F^2 with eta_t = c / kappa_t (M9e, M12):
    dL/dW_l = (W_1..W_{l-1})^T G (W_{l+1}..W_K)^T with G = P_Omega(W - M*); frozen factors do not move."""
    W = state["W"]
    P, K, q, _ = W.shape
    pre = [W[:, 0]]                                                 # pre[l] = W_1..W_{l+1}
    for l in range(1, K):                                           # loops over layers only
        pre.append(pre[-1] @ W[:, l])
    suf = [W[:, K - 1]]                                             # suf[0] = W_K; suf[j] = W_{K-j}..W_K
    for l in range(K - 2, 0, -1):
        suf.append(W[:, l] @ suf[-1])
    G = data["mask"] * (pre[-1] - data["M"])                        # (P, q, q)
    gnorm = torch.linalg.vector_norm(G, dim=(1, 2))
    s, qv = power_step(W.view(P * K, q, q), state["q"].view(P * K, q))
    state["q"] = qv.view(P, K, q)
    s = torch.where(data["t"], s.view(P, K), 1.0)
    e = gate(state, data, gnorm, data["c"] / _mf_kappa(s, data, gnorm).clamp_min(TINY))
    eg = (-e[:, None] * data["tf"])[:, :, None, None]              # (P, K, 1, 1)
    if K == 1:
        state["W"] = W + eg * G[:, None]
        return
    grads = [G @ suf[-1].mT] + [pre[l - 1].mT @ G @ suf[K - 2 - l].mT for l in range(1, K - 1)] + [pre[-2].mT @ G]
    state["W"] = torch.addcmul(W, eg, torch.stack(grads, 1))


def mf_data(M: Tensor, mask: Tensor, N: Tensor, K: int, tol: float, c: float) -> State:
    """Per-member constants of model (e): targets, masks of trainable factors and of the kappa products."""
    t = torch.arange(K, device=M.device)[None, :] < N[:, None]     # (P, K) trainable factors
    eye = torch.eye(K, dtype=torch.bool, device=M.device)
    pairs = t[:, :, None] & t[:, None, :] & torch.ones(K, K, dtype=torch.bool, device=M.device).triu(1)
    b = (mask * M).flatten(1)                                       # (P, q^2)  the observed targets
    P = M.shape[0]
    return {"M": M, "mask": mask, "b": b, "tolb": tol * b.norm(dim=-1), "t": t, "tf": t.to(M.dtype),
            "Nm1": (N - 1).to(M.dtype), "c": torch.full_like(b[:, 0], c), "pairs": pairs.flatten(1).to(M.dtype),
            "not_l": eye.expand(P, K, K).contiguous(),
            "not_ll": (eye[:, None, :] | eye[None, :, :]).view(1, K * K, K).expand(P, -1, -1).contiguous()}


def train_mf(M: Tensor, mask: Tensor, init: MFInit, cap: int, tol: float = 1e-6, c: float = 0.5) -> State:
    """Model (e) trained by GD to rho = ||P_Omega(W - M*)||_F / ||P_Omega M*||_F < tol (M9e, M12, M17).

    M, mask (P, q, q); returns the final state with the factors "W", the product "X" (P, q, q) and the flags.
    """
    P, K, q, _ = init.W.shape
    data = mf_data(M, mask, init.N.to(M.device), K, tol, c)
    W = torch.where(data["t"][:, :, None, None], init.W, torch.eye(q, dtype=M.dtype, device=M.device))
    state = {"W": W, "q": _warm(W.reshape(P * K, q, q)).view(P, K, q)}
    out = run_population(_mf_step, state, data, cap)
    X = out["W"][:, 0]
    for l in range(1, K):
        X = X @ out["W"][:, l]
    out["X"] = X
    return out
