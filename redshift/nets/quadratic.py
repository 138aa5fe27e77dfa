"""The two-layer quadratic MLP of Gromov (2023) as a population of B stacked networks (grokking_corrupted spec D4).

f(x) = W phi(U e_m + V e_n), phi(z) = z^2, no biases, U, V (N, p), W (p, N), weights i.i.d. N(0, sigma^2) with
sigma = (16 N)^(-1/3) (spec D4, Eq. 1). Variants, chosen per network: inverted dropout with rate q on the
pre-activation z BEFORE the square, f = W phi(drop_q(z)); post-BatchNorm f = W BN(phi(z)) per neuron with affine
gamma (init 1), beta (init 0), eps 1e-5, momentum 0.1 (spec D4, Eq. 5). Evaluation is inference mode: dropout off,
BN on running statistics. The one-hot input is read as the index pair (m, n): U e_m is column m of U.

All B networks run as one tensor program: z for all pairs is a broadcast sum (B, p, p, N), a minibatch a gather.
Dropout masks come from a counter-based integer hash keyed by (network seed, step, element), so a network's masks do
not depend on which other networks share its batch (batched training equals training each network alone).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, fields

import numpy as np
import torch

BN_EPS, BN_MOMENTUM = 1e-5, 0.1  # spec D4, Eq. 5 (PyTorch defaults, as the reference)


def init_std(width: int) -> float:
    """sigma = 0.5 (2N)^(-1/3) = (16N)^(-1/3) (spec D4): 0.0625 at N = 256, 0.05 at N = 500."""
    return (16.0 * width) ** (-1.0 / 3.0)


@dataclass(frozen=True)
class QuadraticState:
    """Weights and BN buffers of B networks: U, V (B, N, p); W (B, p, N); gamma, beta, run_mean, run_var (B, N)."""

    U: torch.Tensor
    V: torch.Tensor
    W: torch.Tensor
    gamma: torch.Tensor
    beta: torch.Tensor
    run_mean: torch.Tensor
    run_var: torch.Tensor

    @property
    def size(self) -> int:
        return self.U.shape[0]

    def select(self, idx: torch.Tensor) -> "QuadraticState":
        """The networks at ``idx`` (B',), detached copies."""
        return QuadraticState(*(getattr(self, f.name).detach()[idx].clone() for f in fields(self)))

    @staticmethod
    def cat(states: "list[QuadraticState]") -> "QuadraticState":
        """Concatenate populations along the network axis."""
        return QuadraticState(*(torch.cat([getattr(s, f.name) for s in states]) for f in fields(QuadraticState)))


def init_population(p: int, width: int, seeds: list[int], device: torch.device | str = "cpu") -> QuadraticState:
    """B = len(seeds) networks; network b's weights come from a CPU generator seeded seeds[b] (same on any device).

    Draw order per network: U, V, W, each i.i.d. N(0, sigma^2) (spec D4).
    """
    sigma = init_std(width)

    def draw(seed: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(seed)
        return torch.randn(3, width * p, generator=gen) * sigma  # (3, N*p): U, V, W entries

    w = torch.stack([draw(s) for s in seeds]).to(device)  # (B, 3, N*p), setup only
    b = len(seeds)
    ones = torch.ones(b, width, device=device)
    return QuadraticState(w[:, 0].view(b, width, p), w[:, 1].view(b, width, p),
                          w[:, 2].view(b, p, width).contiguous(), ones.clone(), torch.zeros_like(ones),
                          torch.zeros_like(ones), ones.clone())


def fourier_solution(p: int, phases: int) -> QuadraticState:
    """The analytic generalising network (spec D16, paper Eq. 2), one network, float64; N = M L^2, M = (p-1)/2.

    Neuron (f, i, j): U row cos(2 pi f m/p + phi_i), V row cos(2 pi f n/p + phi_j), W column
    cos(2 pi f q/p + phi_i + phi_j), phi_i = 2 pi i / L. Output (L^2/2) M on q = m+n mod p, -L^2/4 elsewhere.
    """
    M, L = (p - 1) // 2, phases
    f = torch.arange(1, M + 1, dtype=torch.float64).view(M, 1, 1, 1)  # (M, 1, 1, 1)
    phi = 2 * math.pi * torch.arange(L, dtype=torch.float64) / L  # (L,)
    x = 2 * math.pi * torch.arange(p, dtype=torch.float64) / p  # (p,)
    pi, pj = phi.view(1, L, 1, 1), phi.view(1, 1, L, 1)
    U = torch.cos(f * x + pi).expand(M, L, L, p).reshape(1, M * L * L, p)  # (1, N, p)
    V = torch.cos(f * x + pj).expand(M, L, L, p).reshape(1, M * L * L, p)  # (1, N, p)
    W = torch.cos(f * x + pi + pj).reshape(M * L * L, p).T.unsqueeze(0).contiguous()  # (1, p, N)
    n = M * L * L
    ones = torch.ones(1, n, dtype=torch.float64)
    return QuadraticState(U, V, W, ones, torch.zeros_like(ones), torch.zeros_like(ones), ones.clone())


def preactivations_all(U: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """z = U e_m + V e_n for every pair, row i = m*p + n: (B, N, p) x 2 -> (B, p^2, N)."""
    b, n, p = U.shape
    Ut, Vt = U.transpose(1, 2), V.transpose(1, 2)  # (B, p, N)
    return (Ut.unsqueeze(2) + Vt.unsqueeze(1)).reshape(b, p * p, n)  # (B, p, p, N) -> (B, p^2, N)


def preactivations_rows(U: torch.Tensor, V: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """z for pair indices ``rows`` (B, R) (i = m*p + n): -> (B, R, N)."""
    p, n = U.shape[2], U.shape[1]
    m_idx = (rows // p).unsqueeze(-1).expand(-1, -1, n)  # (B, R, N)
    n_idx = (rows % p).unsqueeze(-1).expand(-1, -1, n)  # (B, R, N)
    return U.transpose(1, 2).gather(1, m_idx) + V.transpose(1, 2).gather(1, n_idx)  # (B, R, N)


def _mix32(x: torch.Tensor) -> torch.Tensor:
    """An int32 avalanche hash (xorshift-multiply, constant 0x45d9f3b); logical shifts emulated by masking."""
    x = x ^ ((x >> 16) & 0xFFFF)
    x = x * 0x45D9F3B
    x = x ^ ((x >> 16) & 0xFFFF)
    x = x * 0x45D9F3B
    return x ^ ((x >> 16) & 0xFFFF)


@functools.lru_cache(maxsize=8)
def _counter(rows: int, width: int, device: str) -> torch.Tensor:
    return torch.arange(rows * width, dtype=torch.int32, device=device).view(1, rows, width)  # (1, R, N)


def hash_uniform(keys: torch.Tensor, step: int, rows: int, width: int) -> torch.Tensor:
    """Uniform [0, 1) draws (B, R, N), 24-bit resolution, a pure function of (keys (B,) int32, step, element)."""
    step_key = _mix32(keys ^ _mix32(torch.full_like(keys, step)))  # (B,)
    h = _mix32(_counter(rows, width, str(keys.device)) + step_key.view(-1, 1, 1))  # (B, R, N)
    return ((h >> 8) & 0xFFFFFF).to(torch.float32) * (1.0 / (1 << 24))


def seed_keys(seeds: list[int], device: torch.device | str = "cpu") -> torch.Tensor:
    """The int32 hash keys (B,) of 63-bit seeds (low 32 bits, as signed int32)."""
    low = np.array([s & 0xFFFFFFFF for s in seeds], dtype=np.uint32).view(np.int32)
    return torch.from_numpy(low).to(device)


def _mix32_(x: torch.Tensor, tmp: torch.Tensor) -> None:
    """_mix32 in place on int32 x, using the scratch tensor tmp (no temporaries: the dropout hot path)."""
    for last in (False, False, True):
        torch.bitwise_right_shift(x, 16, out=tmp)
        x.bitwise_xor_(tmp.bitwise_and_(0xFFFF))
        if not last:
            x.mul_(0x45D9F3B)


def dropout_scale(q: torch.Tensor, keys: torch.Tensor, step: int, rows: int, width: int) -> torch.Tensor:
    """Inverted-dropout multipliers [u >= q] / (1 - q), (B, rows, N), per-network rate q (B,) (spec D4).

    u is hash_uniform(keys, step, rows, width), computed in place; u >= q  <=>  24-bit draw >= ceil(q 2^24).
    """
    step_key = _mix32(keys ^ _mix32(torch.full_like(keys, step)))  # (B,)
    x = torch.add(_counter(rows, width, str(keys.device)), step_key.view(-1, 1, 1))  # (B, R, N) int32
    _mix32_(x, torch.empty_like(x))
    x.bitwise_right_shift_(8).bitwise_and_(0xFFFFFF)
    threshold = torch.ceil(q.to(torch.float64) * (1 << 24)).to(torch.int32).view(-1, 1, 1)
    return (x >= threshold).to(torch.float32) * (1.0 / (1.0 - q)).view(-1, 1, 1).to(torch.float32)


def batch_norm_train(h: torch.Tensor, state: QuadraticState, weight: torch.Tensor | None = None):
    """Training-mode BN over rows of h (B, R, N), rows weighted by ``weight`` (B, R) or all equal.

    Returns (BN(h) (B, R, N), batch mean (B, N), unbiased batch variance (B, N)) (spec D4, Eq. 5).
    """
    w = torch.ones(h.shape[:2], dtype=h.dtype, device=h.device) if weight is None else weight  # (B, R)
    count = w.sum(1, keepdim=True)  # (B, 1)
    mean = torch.einsum("br,brn->bn", w, h) / count  # (B, N)
    var = torch.einsum("br,brn->bn", w, (h - mean.unsqueeze(1)) ** 2) / count  # (B, N), biased
    out = (h - mean.unsqueeze(1)) / torch.sqrt(var.unsqueeze(1) + BN_EPS)
    out = out * state.gamma.unsqueeze(1) + state.beta.unsqueeze(1)
    return out, mean.detach(), (var * count / (count - 1)).detach()


def batch_norm_eval(h: torch.Tensor, state: QuadraticState) -> torch.Tensor:
    """Inference-mode BN on running statistics: (B, R, N) -> (B, R, N)."""
    out = (h - state.run_mean.unsqueeze(1)) / torch.sqrt(state.run_var.unsqueeze(1) + BN_EPS)
    return out * state.gamma.unsqueeze(1) + state.beta.unsqueeze(1)


def readout(h: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """f = W h per row: h (B, R, N), W (B, p, N) -> (B, R, p)."""
    return torch.bmm(h, W.transpose(1, 2))


@torch.no_grad()
def predict_all(state: QuadraticState, batchnorm: torch.Tensor | None = None) -> torch.Tensor:
    """Inference-mode outputs on all p^2 pairs (B, p^2, p); ``batchnorm`` (B,) bool marks post-BN networks."""
    h = preactivations_all(state.U, state.V).square_()  # (B, p^2, N), phi(z) = z^2 in place
    if batchnorm is not None and bool(batchnorm.any()):
        h = torch.where(batchnorm.view(-1, 1, 1), batch_norm_eval(h, state), h)
    return readout(h, state.W)
