"""Coloured digits: a shortcut-learning regression task on scikit-learn's bundled 8x8 digits.

Substitute for the paper's Colored-MNIST (Neural Redshift spec §3.4, §4.2; ``load_digits`` is not
MNIST). Images are scaled by 1/16 into [0, 1]; one extra row of 8 "colour" pixels, each a_c * c with
a_c = 0.1/sqrt(8) (band norm 0.1*c, fixed by norm, never tuned) and c in {0, 1/9, ..., 1}, makes
72 inputs. A fixed permutation of the 1797 images (seed hashed from this module's identity) gives the
training pool (first n_train) and the test pool (last 597).

- training: c = digit/9, target digit/9 (both features perfectly predictive);
- colour test: c uniform over the 10 levels, target c;
- digit test: the same random c, target digit/9.
Accuracy: round(9 * clip(pred, 0, 1)) == 9 * target; chance 0.1.

``data_slice`` is the M12 slice: x_mean + 2 s1 u v1 + 2 s2 v v2 for (u, v) on the M1 grid, with
(v1, v2) the top principal directions of the training inputs and (s1, s2) their standard deviations.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import sqrt

import numpy as np
import torch

from redshift.data.grids import grid_points
from redshift.seeding import seed_for

N_TEST = 597
BAND_AMPLITUDE = 0.1 / sqrt(8)  # a_c: per-pixel colour amplitude (spec §3.4)
N_LEVELS = 10


@lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 images (1797, 64) in [0, 1] and digits (1797,), in the fixed pool order."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    perm = np.random.default_rng(seed_for("colored_digits", "pool")).permutation(len(bunch.target))
    return bunch.data[perm] / 16.0, bunch.target[perm].astype(np.int64)


def with_band(images: torch.Tensor, colour: torch.Tensor) -> torch.Tensor:
    """Append the colour band: images (N, 64), colour (N,) in [0, 1] -> (N, 72)."""
    band = (BAND_AMPLITUDE * colour)[:, None].expand(-1, 8)  # (N, 8)
    return torch.cat([images, band], dim=1)


@dataclass(frozen=True)
class ColoredDigits:
    """Training set and the two test sets; inputs (N, 72) float32, targets (N,) in [0, 1]."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    colour_x: torch.Tensor
    colour_y: torch.Tensor
    digit_x: torch.Tensor
    digit_y: torch.Tensor


def colored_digits(n_train: int, seed: int, device: torch.device | str = "cpu") -> ColoredDigits:
    """Build the task (spec §3.4); ``seed`` draws the test colours (CPU generator, device-independent)."""
    images, digits = _digits()
    if not 0 < n_train <= len(digits) - N_TEST:
        raise ValueError(f"n_train must be in 1..{len(digits) - N_TEST}, got {n_train}")
    x = torch.as_tensor(images, dtype=torch.float32)
    level = torch.as_tensor(digits, dtype=torch.float32) / 9.0  # (1797,) digit/9
    tr, te = slice(0, n_train), slice(len(digits) - N_TEST, None)
    gen = torch.Generator().manual_seed(int(seed))
    c = torch.randint(0, N_LEVELS, (N_TEST,), generator=gen).float() / 9.0  # (597,) random colours
    test_x = with_band(x[te], c)
    data = ColoredDigits(with_band(x[tr], level[tr]), level[tr], test_x, c, test_x, level[te])
    return ColoredDigits(*(t.to(device) for t in vars(data).values()))


def level_accuracy(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Share of round(9 clip(pred, 0, 1)) == 9 target over the last axis: pred (..., N) -> (...)."""
    hit = torch.round(9.0 * pred.clamp(0.0, 1.0)) == torch.round(9.0 * target)
    return hit.float().mean(-1)


def data_slice(train_x: torch.Tensor, grid_size: int) -> torch.Tensor:
    """M12 slice inputs (G*G, D) float64, row-major over (u, v) = (t_i, t_j), t = linspace(-1, 1, G)."""
    x = train_x.double()
    mean = x.mean(0)  # (D,)
    _, s, vh = torch.linalg.svd(x - mean, full_matrices=False)  # principal directions
    sd = s[:2] / sqrt(x.shape[0])  # (2,) population standard deviations along v1, v2
    coef = grid_points(grid_size, x.device) * (2.0 * sd)  # (G*G, 2), (u, v) row-major on the M1 grid
    return mean + coef @ vh[:2]  # (G*G, D)
