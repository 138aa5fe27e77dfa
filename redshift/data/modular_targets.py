"""Modulo-addition classification targets of increasing frequency (Neural Redshift spec §3.3, §4.1).

Inputs are all pairs x = (x1, x2) in {0..n-1}^2 (n = 16), row-major (x1 slow), encoded as
2x/(n-1) - 1 in [-1, 1]. The label is 1[((x1 + x2) mod M) < M/2] (rule "lt", the paper's formula);
rule "le" is the "<=" reading, which shifts the class balance (M = 4: 50% vs 75% positive), so the
majority-class rate is always reported. Smaller M means a higher-frequency target.

Each seed draws a permutation of the n^2 points: the first 128 train, the next 64 validate, the last
64 test (sizes configurable). Splits of several seeds are stacked so that a population trains at once.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch

LabelRule = Literal["lt", "le"]


def modular_inputs(n_values: int = 16, device: torch.device | str = "cpu") -> torch.Tensor:
    """All pairs encoded as 2x/(n-1) - 1: (n^2, 2) float32, row-major (spec §3.3)."""
    t = torch.arange(n_values, device=device, dtype=torch.float32) * (2.0 / (n_values - 1)) - 1.0  # (n,)
    x1, x2 = torch.meshgrid(t, t, indexing="ij")  # (n, n) each, x1 slow
    return torch.stack([x1.reshape(-1), x2.reshape(-1)], dim=1)  # (n^2, 2)


def modular_labels(modulus: int, n_values: int = 16, rule: LabelRule = "lt",
                   device: torch.device | str = "cpu") -> torch.Tensor:
    """Labels 1[((x1 + x2) mod M) < M/2] (or <= for rule "le"): (n^2,) float32 in {0, 1} (spec §3.3)."""
    if modulus < 2:
        raise ValueError(f"modulus must be at least 2, got {modulus}")
    v = torch.arange(n_values, device=device)
    r = (v[:, None] + v[None, :]).reshape(-1) % modulus  # (n^2,) residues, x1 slow
    positive = 2 * r < modulus if rule == "lt" else 2 * r <= modulus
    return positive.float()


def majority_rate(labels: torch.Tensor) -> float:
    """Share of the more frequent class of 0/1 labels (the accuracy of a constant classifier)."""
    p = labels.float().mean().item()
    return max(p, 1.0 - p)


@dataclass(frozen=True)
class Splits:
    """Stacked per-seed index splits of the n^2 points: train (S, 128), val (S, 64), test (S, 64)."""

    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor


def random_splits(seeds: Sequence[int], n_points: int = 256, sizes: tuple[int, int, int] = (128, 64, 64),
                  device: torch.device | str = "cpu") -> Splits:
    """One random permutation per seed (CPU generator, so device-independent), cut into train/val/test."""
    if sum(sizes) > n_points:
        raise ValueError(f"split sizes {sizes} exceed the {n_points} points")
    perms = torch.stack([torch.randperm(n_points, generator=torch.Generator().manual_seed(int(s)))
                         for s in seeds]).to(device)  # (S, n_points); setup, not a hot path
    a, b, c = sizes
    return Splits(perms[:, :a], perms[:, a:a + b], perms[:, a + b:a + b + c])
