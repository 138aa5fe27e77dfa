"""Modular addition over all pairs with a corrupted training split (grokking_corrupted spec D1-D3).

D1: p prime; all p^2 ordered pairs (m, n), pair index i = m*p + n; true label y = (m + n) mod p; the input is
e_m (+) e_n in R^{2p} (two one-hot vectors, no embedding), which models read as the index pair (m, n).
D2: a permutation pi of the p^2 pair indices; the first n_train = floor(alpha * p^2) in pi order train, the rest test.
D3: n_noise = floor(xi * n_train); the corrupted set C is the FIRST n_noise training examples in pi order, each with a
label drawn uniformly from {0..p-1} (symmetric noise: it may equal y; those are the "silent" corruptions S).

One stream per (p, alpha, replicate) draws pi and then a length-n_train label vector whose first n_noise entries are
used, so C and its labels are nested across xi and cases differing only in xi or regulariser are paired (spec D3 [X]).
The float products alpha*p^2 and xi*n_train are truncated as the reference does (spec section 6, "Float truncation").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


def split_counts(p: int, alpha: float, xi: float) -> tuple[int, int]:
    """(n_train, n_noise) = (floor(alpha*p^2), floor(xi*n_train)) by float truncation (spec D2, D3, section 5 table)."""
    if not 0.0 < alpha < 1.0 or not 0.0 <= xi <= 1.0:
        raise ValueError(f"data fraction alpha={alpha} must lie in (0, 1) and corruption xi={xi} in [0, 1]")
    n_train = int(alpha * p * p)
    return n_train, int(xi * n_train)


def pair_operands(p: int, device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(m, n, y) over all pairs in index order i = m*p + n, each (p^2,) int64; y = (m + n) mod p (spec D1)."""
    i = torch.arange(p * p, device=device)  # (p^2,)
    m, n = i // p, i % p
    return m, n, (m + n) % p


def one_hot_inputs(p: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """x = e_m (+) e_n for all pairs, (p^2, 2p) float32 (spec D1; models use the index form, this is the reference)."""
    m, n, _ = pair_operands(p, device)
    x = torch.zeros(p * p, 2 * p, device=device)
    x[torch.arange(p * p, device=device), m] = 1.0
    x[torch.arange(p * p, device=device), p + n] = 1.0
    return x


@dataclass(frozen=True)
class CorruptedSplit:
    """One replicate's split and labels over all p^2 pairs (spec D2, D3); tensors indexed by pair index.

    order: (p^2,) pair indices in pi order (first n_train train); train, corrupted: (p^2,) bool masks;
    labels: (p^2,) the labels trained on (noisy on C, true elsewhere; test labels are never corrupted);
    clean: (p^2,) true labels y.
    """

    p: int
    alpha: float
    xi: float
    n_train: int
    n_noise: int
    order: torch.Tensor
    train: torch.Tensor
    corrupted: torch.Tensor
    labels: torch.Tensor
    clean: torch.Tensor

    @property
    def n_silent(self) -> int:
        """|S|: corrupted examples whose drawn label equals the true one (E|S| = n_noise / p)."""
        return int((self.corrupted & (self.labels == self.clean)).sum())

    @property
    def full_inversion_ceiling(self) -> float:
        """A_FI = (|K| + |S|) / n_train, the training accuracy of a network predicting y everywhere (spec D8)."""
        return (self.n_train - self.n_noise + self.n_silent) / self.n_train


def corrupted_split(p: int, alpha: float, xi: float, seed: int, device: torch.device | str = "cpu") -> CorruptedSplit:
    """The split and corruption of one replicate, drawn from the (p, alpha, replicate) stream ``seed`` (spec D2, D3).

    The same seed gives the same pi and the same n_train noise labels for every xi (nested corruption).
    """
    n_train, n_noise = split_counts(p, alpha, xi)
    rng = np.random.default_rng(seed)
    order = torch.from_numpy(rng.permutation(p * p)).to(device)  # (p^2,) pi
    noise = torch.from_numpy(rng.integers(0, p, size=n_train)).to(device)  # (n_train,), first n_noise used
    _, _, clean = pair_operands(p, device)
    train = torch.zeros(p * p, dtype=torch.bool, device=device)
    train[order[:n_train]] = True
    corrupted = torch.zeros_like(train)
    corrupted[order[:n_noise]] = True
    labels = clean.clone()
    labels[order[:n_noise]] = noise[:n_noise]
    return CorruptedSplit(p, alpha, xi, n_train, n_noise, order, train, corrupted, labels, clean)
