"""Binary class pairs of scikit-learn's bundled 8x8 digits, with nested balanced training sets.

Definitions follow the SGD-vs-architecture spec (specs/sgd_vs_architecture.md):

- D1: a binary task is a class pair (a, b) with label 0 = a, label 1 = b. A training set of size n is
  balanced (n/2 per class) and training sets are *nested*: for a training-set seed the class-wise
  permutations are fixed and the set of size n is the prefix of the set of size n + 2. The test set
  is every other example of the two classes.
- D2: images are standardised with the global mean and standard deviation of all 1797 images
  (pixel values 0..16 become roughly -0.8..3).

Several pairs (and many training sets) are handled together as a :class:`Pool`: the concatenation of
the pairs' examples, each example tagged with the pair segment it belongs to, so that every training
set of every pair is one row of a batched tensor program.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np
import torch

HARD_PAIRS: tuple[tuple[int, int], ...] = ((8, 9), (1, 8), (3, 5))  # spec D2: hard enough for claims
EASY_PAIRS: tuple[tuple[int, int], ...] = ((0, 7), (4, 9))  # spec D2: no headroom, not used for claims


@lru_cache(maxsize=1)
def _digits_numpy() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = bunch.data.astype(np.float32)  # (1797, 64), values 0..16
    x = (x - x.mean()) / x.std()  # spec D2: global mean and std of all images
    return x, bunch.target.astype(np.int64)


def load_digits_standardised(device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """All 1797 digits as (x (1797, 64) float32 standardised, y (1797,) int64 in 0..9), spec D2."""
    x, y = _digits_numpy()
    return torch.as_tensor(x, device=device), torch.as_tensor(y, device=device)


@dataclass(frozen=True)
class Pool:
    """The examples of several class pairs, concatenated.

    x: (N, *feature_shape) inputs; y: (N,) binary labels (0 = first class of the pair, 1 = second);
    segment: (N,) index of the pair each example belongs to; pairs: the class pairs in segment order.
    A class shared by two pairs appears once in each pair's segment. held_out: None (every example may
    be drawn for training, the rest is the test set: digits) or (N,) bool, True on test-split examples
    that are never drawn for training and are the only test examples (MNIST/CIFAR-10 splits).
    """

    x: torch.Tensor
    y: torch.Tensor
    segment: torch.Tensor
    pairs: tuple[tuple[int, int], ...]
    held_out: torch.Tensor | None = None


def pool_pairs(x: torch.Tensor, y: torch.Tensor, pairs: Sequence[tuple[int, int]],
               held_out: torch.Tensor | None = None) -> Pool:
    """Concatenate the examples of each class pair of (x (N, ...), y (N,) class ids) into a Pool (spec D1).

    held_out: optional (N,) bool marking test-split examples (see :class:`Pool`).
    """
    xs, ys, segs, held = [], [], [], []
    for k, (a, b) in enumerate(pairs):
        keep = (y == a) | (y == b)
        xs.append(x[keep])
        ys.append((y[keep] == b).long())  # label 0 = a, label 1 = b
        segs.append(torch.full((int(keep.sum()),), k, dtype=torch.long, device=y.device))
        held.append(held_out[keep] if held_out is not None else keep[keep])
    out = torch.cat(held) if held_out is not None else None
    return Pool(torch.cat(xs), torch.cat(ys), torch.cat(segs), tuple(tuple(p) for p in pairs), out)


def digits_pool(pairs: Sequence[tuple[int, int]], device: torch.device | str = "cpu") -> Pool:
    """The standardised 8x8 digits of the given class pairs as one Pool (spec D1, D2)."""
    x, y = load_digits_standardised(device)
    return pool_pairs(x, y, pairs)


@dataclass(frozen=True)
class NestedSets:
    """S nested balanced training sets drawn from a Pool (spec D1); test_mask gives each set's test set.

    order: (S, n_max) pool indices, classes interleaved (a, b, a, b, ...), so the training set of size n
    is ``order[:, :n]`` for every even n <= n_max and is a prefix of the set of size n + 2.
    member: (S, N) bool, True on the examples of the set's own pair.
    """

    pool: Pool
    order: torch.Tensor
    member: torch.Tensor

    def train(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Training inputs (S, n, *features) and labels (S, n) of size n (even, <= n_max)."""
        if n % 2 or not 0 < n <= self.order.shape[1]:
            raise ValueError(f"training-set size must be even and in 2..{self.order.shape[1]}, got {n}")
        idx = self.order[:, :n]  # (S, n)
        return self.pool.x[idx], self.pool.y[idx]

    def test_mask(self, n: int) -> torch.Tensor:
        """(S, N) bool: every example of the set's pair that is not in its training set of size n."""
        in_train = torch.zeros_like(self.member)
        in_train.scatter_(1, self.order[:, :n], True)
        test = self.member & ~in_train
        return test if self.pool.held_out is None else test & self.pool.held_out[None, :]


def _interleaved_order(pool: Pool, pair_index: int, seed: int, n_max: int) -> np.ndarray:
    """Pool indices (n_max,) a0, b0, a1, b1, ... from class-wise permutations fixed by the seed (D1)."""
    rng = np.random.default_rng(seed)
    seg = (pool.segment == pair_index).cpu().numpy()
    if pool.held_out is not None:
        seg &= ~pool.held_out.cpu().numpy()  # training sets come from the training split only
    labels = pool.y.cpu().numpy()
    per_class = [np.flatnonzero(seg & (labels == c)) for c in (0, 1)]
    if min(len(p) for p in per_class) < n_max // 2:
        raise ValueError(f"pair {pool.pairs[pair_index]} has too few examples for n = {n_max}")
    a, b = (rng.permutation(p)[: n_max // 2] for p in per_class)
    return np.stack([a, b], axis=1).reshape(-1)  # (n_max,) interleaved


def nested_sets(pool: Pool, pair_index: Sequence[int], seeds: Sequence[int], n_max: int) -> NestedSets:
    """One nested training set per (pair index, seed) row, each up to n_max examples (spec D1).

    Setup only (S small permutations), not a hot path.
    """
    if len(pair_index) != len(seeds):
        raise ValueError("pair_index and seeds must have the same length")
    rows = [_interleaved_order(pool, k, s, n_max) for k, s in zip(pair_index, seeds)]
    order = torch.as_tensor(np.stack(rows), device=pool.x.device)  # (S, n_max)
    member = pool.segment[None, :] == torch.as_tensor(list(pair_index), device=pool.x.device)[:, None]
    return NestedSets(pool, order, member)  # member: (S, N)
