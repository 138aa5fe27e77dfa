"""Accuracies on the clean, corrupted and test subsets, the six phases, and pruning by IPR (grokking_corrupted spec
D7, D11, D12).

D7 (argmax accuracies, ties to the lowest class index on every device [X]):
A_train on the training set vs the noisy labels; A_test on the test set vs y; A_clean on K = train minus C vs y;
A_mem on C vs the noisy labels (memorisation); A_inv on C vs y (inversion). n_train A_train = |K| A_clean + n_noise
A_mem exactly. D11 phases at horizon T from (A_train, A_test, max A_test over the history), tau = 0.9,
kappa(xi) = 1.05 - xi, tolerance 1e-9, applied in order; the code of a phase is its ladder index rho
(Memorization 0, Coexistence 1, Partial 2, Full 3, Forgetting 4), Confusion is 5 and has no rho.
D12: prune on a copy without retraining: zero U[k,:], V[k,:], W[:,k] for the first n = floor(f N + 0.5) neurons of
an order: low-first (IPR ascending, dead first, ties by index), high-first (descending), or random.
"""
from __future__ import annotations

from enum import IntEnum
from typing import Literal

import torch

from redshift.nets.quadratic import QuadraticState, hash_uniform

TAU, TOL = 0.9, 1e-9  # spec D11
Order = Literal["low", "high", "random"]


class Phase(IntEnum):
    """The six phases of spec D11; the value is the ladder index rho (Confusion, 5, has none)."""

    MEMORIZATION = 0
    COEXISTENCE = 1
    PARTIAL_INVERSION = 2
    FULL_INVERSION = 3
    FORGETTING = 4
    CONFUSION = 5


def argmax_lowest(f: torch.Tensor) -> torch.Tensor:
    """Argmax over the last axis with ties to the lowest index, identically on every device: (..., p) -> (...)."""
    top = f.max(dim=-1, keepdim=True).values
    idx = torch.arange(f.shape[-1], device=f.device).expand_as(f)
    return torch.where(f == top, idx, f.shape[-1]).min(dim=-1).values


def _mean_over(mask: torch.Tensor, hit: torch.Tensor) -> torch.Tensor:
    """Fraction of ``mask`` rows where ``hit`` holds: (B, R) x 2 -> (B,) float64 (NaN for an empty subset)."""
    return (hit & mask).sum(-1).to(torch.float64) / mask.sum(-1).to(torch.float64)


def subset_accuracies(f: torch.Tensor, labels: torch.Tensor, clean: torch.Tensor, train: torch.Tensor,
                      corrupted: torch.Tensor) -> dict[str, torch.Tensor]:
    """D7 accuracies and the MSE (spec D5) from outputs f (B, p^2, p); labels, train, corrupted (B, p^2); clean (p^2,).

    Returns (B,) float64 tensors: train, test, clean, mem, inv, mse_train (vs noisy labels), mse_test (vs y).
    """
    pred = argmax_lowest(f)  # (B, p^2)
    right_noisy, right_true = pred == labels, pred == clean
    test, kept = ~train, train & ~corrupted
    f_y = f.gather(-1, labels.unsqueeze(-1)).squeeze(-1)  # (B, p^2)
    sq = (((f**2).sum(-1) - 2 * f_y + 1) / f.shape[-1]).to(torch.float64)  # mean_q (f_q - [q = y])^2, (B, p^2)
    return {
        "train": _mean_over(train, right_noisy), "test": _mean_over(test, right_true),
        "clean": _mean_over(kept, right_true), "mem": _mean_over(corrupted, right_noisy),
        "inv": _mean_over(corrupted, right_true),
        "mse_train": (sq * train).sum(-1) / train.sum(-1), "mse_test": (sq * test).sum(-1) / test.sum(-1),
    }


def classify(a_train: torch.Tensor, a_test: torch.Tensor, peak_test: torch.Tensor, xi: torch.Tensor | float,
             tau: float = TAU, tol: float = TOL) -> torch.Tensor:
    """Phase codes (spec D11, rules applied in order), same shape as the accuracies; kappa = 1.05 - xi."""
    kappa = 1.05 - torch.as_tensor(xi, dtype=torch.float64, device=a_train.device)
    gen, fit = a_test >= tau - tol, a_train >= tau - tol
    partial = a_train >= kappa - tol
    forgot = peak_test >= tau - tol
    code = torch.full(a_train.shape, int(Phase.CONFUSION), dtype=torch.long, device=a_train.device)
    code = torch.where(~gen & ~fit & forgot, int(Phase.FORGETTING), code)
    code = torch.where(~gen & fit, int(Phase.MEMORIZATION), code)
    code = torch.where(gen & ~fit, torch.where(partial, int(Phase.PARTIAL_INVERSION), int(Phase.FULL_INVERSION)), code)
    return torch.where(gen & fit, int(Phase.COEXISTENCE), code)


def classify_by_inversion(a_test: torch.Tensor, a_inv: torch.Tensor, code: torch.Tensor,
                          tau: float = TAU, tol: float = TOL) -> torch.Tensor:
    """Variant phase_inv (spec D11, reported only): where A_test >= tau, A_inv < 0.1 Coexistence, 0.1-0.9 Partial,
    > 0.9 Full; other codes unchanged."""
    by_inv = torch.where(a_inv < 0.1, int(Phase.COEXISTENCE),
                         torch.where(a_inv > 0.9, int(Phase.FULL_INVERSION), int(Phase.PARTIAL_INVERSION)))
    return torch.where(a_test >= tau - tol, by_inv, code)


def ladder_index(code: torch.Tensor) -> torch.Tensor:
    """rho of spec D11 as float64 (NaN for Confusion)."""
    return torch.where(code == int(Phase.CONFUSION), float("nan"), code.to(torch.float64))


def prune_count(fraction: float, width: int) -> int:
    """n = floor(f N + 0.5) neurons pruned (spec D12)."""
    return int(fraction * width + 0.5)


def prune_order(ipr_k: torch.Tensor, order: Order, keys: torch.Tensor | None = None, draws: int = 1) -> torch.Tensor:
    """Neuron indices in pruning order, (B, draws, N): low (dead first), high (dead last), random (``draws``
    permutations from hash keys (B,) int32, independent of the batch) (spec D12)."""
    b, n = ipr_k.shape
    if order == "random":
        if keys is None:
            raise ValueError("random pruning needs per-network hash keys (redshift.nets.quadratic.seed_keys)")
        return hash_uniform(keys, 0, draws, n).argsort(dim=-1, stable=True)  # (B, draws, N)
    key = torch.nan_to_num(ipr_k, nan=float("-inf"))  # dead neurons rank lowest
    ranked = torch.sort(key, dim=-1, descending=order == "high", stable=True).indices  # ties by index
    return ranked.unsqueeze(1)  # (B, 1, N)


def keep_masks(ranked: torch.Tensor, fractions: list[float]) -> torch.Tensor:
    """Keep masks (B, D, F, N) for orders ranked (B, D, N) at each fraction (first n in order are pruned)."""
    n = ranked.shape[-1]
    counts = torch.tensor([prune_count(f, n) for f in fractions], device=ranked.device)  # (F,)
    position = torch.empty_like(ranked).scatter_(-1, ranked, torch.arange(n, device=ranked.device).expand_as(ranked))
    return position.unsqueeze(2) >= counts.view(1, 1, -1, 1)  # (B, D, F, N): rank >= n is kept


def pruned(state: QuadraticState, keep: torch.Tensor) -> QuadraticState:
    """Copies of B networks with neurons zeroed where keep (B, K, N) is False -> K*B networks, network-major."""
    b, k, n = keep.shape
    w = keep.to(state.U.dtype)  # (B, K, N)

    def rows(t: torch.Tensor) -> torch.Tensor:  # (B, N, p) -> (B*K, N, p): zero U, V rows
        return (t.unsqueeze(1) * w.unsqueeze(-1)).reshape(b * k, n, -1)

    W = (state.W.unsqueeze(1) * w.unsqueeze(2)).reshape(b * k, -1, n)  # zero W columns, (B*K, p, N)
    rep = [t.repeat_interleave(k, dim=0) for t in (state.gamma, state.beta, state.run_mean, state.run_var)]
    return QuadraticState(rows(state.U), rows(state.V), W, *rep)
