"""Fourier mean frequency of functions sampled on a G x G grid (Neural Redshift spec M2, M3).

Both variants are magnitude-weighted mean radial frequencies, normalised by K_max = round(sqrt(2) * (G // 2)):
    C = sum_k k * p[k] / K_max,   p[k] = c[k] / sum(c),   c[k] = sum of |F| over the cells with round(|freq|) = k.
Because p is a normalised histogram of the integer radius r, sum_k k * p[k] equals the |F|-weighted mean of r over
the kept cells; that is how it is computed here (one weighted sum per sample, no histogram).

- window="none": C_F^raw, code-faithful (ArmandNM/neural-redshift, inductive_biases/spectral_analysis.py,
  get_mean_frequency_2d): |rfft2(Y)|, DC zeroed, only the quadrant of non-negative frequency pairs (rows 0..G//2).
- window="hann": C_F (spec M3): mean removed, symmetric Hann window w w^T, |fft2| over the full plane with signed
  frequencies. Computed from rfft2 with multiplicity 2 for the mirrored columns (|F(-k)| = |F(k)| for real input).

All arithmetic is float64 (spec M1: float32 round-off reads as white noise, spec A11). Degenerate guard (spec M1):
a sample with std(Y) <= 1e-10 * (|mean(Y)| + 1) gets 0. Range: [0, 1]; NaN when C_F^raw's quadrant holds no
energy (spec M2 guard, e.g. an anti-diagonal wave).
"""
from __future__ import annotations

import functools
import math
from typing import Literal

import torch

from redshift.metrics.blocks import by_blocks

Window = Literal["hann", "none"]
_DEGENERATE_REL_STD = 1e-10  # spec M1 guard
_EMPTY_QUADRANT = 1e-9  # spec M2 guard


def k_max(size: int) -> int:
    """K_max = round(sqrt(2) * (G // 2)) (spec M2 step 3): 23, 45, 91, 212 for G = 32, 64, 128, 300."""
    return round(math.sqrt(2.0) * (size // 2))


def _std_mean(v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(population std, mean, v - mean) over the last two axes of float64 v: (...), (...), (..., G, G)."""
    mean = v.mean(dim=(-2, -1), keepdim=True)  # (..., 1, 1)
    centred = v - mean
    std = torch.linalg.vector_norm(centred, dim=(-2, -1)) / (v.shape[-1] * v.shape[-2]) ** 0.5
    return std, mean[..., 0, 0], centred


def _is_degenerate(std: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
    """The spec M1 guard from a sample's std and mean."""
    return std <= _DEGENERATE_REL_STD * (mean.abs() + 1.0)


def degenerate(values: torch.Tensor) -> torch.Tensor:
    """True where a (..., G, G) sample is numerically constant: std <= 1e-10 * (|mean| + 1) (spec M1). -> (...)."""
    return by_blocks(lambda v: _is_degenerate(*_std_mean(v.to(torch.float64))[:2]), values)


@functools.lru_cache(maxsize=64)
def _radial_weights(size: int, window: Window, device: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(r * mult, mult, non-DC mask) over the rfft2 half-plane (G, G//2+1); mult counts each kept cell's copies."""
    rows = torch.arange(size, dtype=torch.float64)  # (G,)
    cols = torch.arange(size // 2 + 1, dtype=torch.float64)  # (G//2+1,)
    if window == "hann":
        rows = torch.where(rows <= size / 2, rows, rows - size)  # signed frequencies (spec M3 step 3)
        mult = torch.full((cols.numel(),), 2.0, dtype=torch.float64)
        mult[0] = 1.0
        if size % 2 == 0:
            mult[-1] = 1.0  # the Nyquist column is its own mirror
        mult = mult.expand(size, -1).clone()  # (G, G//2+1)
    else:
        mult = (rows <= size // 2).to(torch.float64)[:, None].expand(-1, cols.numel()).clone()  # quadrant (M2 step 2)
    radius = torch.sqrt(rows[:, None] ** 2 + cols[None, :] ** 2).round()  # (G, G//2+1), r = round(|k|)
    nondc = torch.ones_like(mult)
    nondc[0, 0] = 0.0
    mult = mult * nondc  # A[0, 0] = 0 (spec M2 step 1, M3 step 2)
    return (radius * mult).to(device), mult.to(device), nondc.to(device)


@functools.lru_cache(maxsize=64)
def _hann2(size: int, device: str) -> torch.Tensor:
    """The symmetric Hann window w w^T (spec M3 step 1): (G, G) float64."""
    w = torch.hann_window(size, periodic=False, dtype=torch.float64)  # (G,)
    return (w[:, None] * w[None, :]).to(device)


def _amplitude(z: torch.Tensor) -> torch.Tensor:
    """|rfft2(z)| flattened over the half-plane: (..., G, G) -> (..., G * (G//2+1))."""
    return torch.linalg.vector_norm(torch.view_as_real(torch.fft.rfft2(z)), dim=-1).flatten(-2)


def fourier_mean_frequency(values: torch.Tensor, window: Window = "hann") -> torch.Tensor:
    """Mean radial frequency C_F (window="hann", spec M3) or C_F^raw (window="none", spec M2); (..., G, G) -> (...).

    Range [0, 1] (0 for degenerate samples); C_F^raw is NaN when the kept quadrant holds no energy.
    """
    if window not in ("hann", "none"):
        raise ValueError(f"window must be 'hann' or 'none', got {window!r}")
    if values.ndim < 2 or values.shape[-1] != values.shape[-2]:
        raise ValueError(f"expected (..., G, G) values, got shape {tuple(values.shape)}")
    return by_blocks(lambda v: _mean_frequency(v.to(torch.float64), window), values)


def _mean_frequency(v: torch.Tensor, window: Window) -> torch.Tensor:
    """fourier_mean_frequency of float64 samples (..., G, G), validated."""
    size = v.shape[-1]
    weighted_r, mult, nondc = _radial_weights(size, window, str(v.device))
    std, mean, centred = _std_mean(v)
    z = centred.mul_(_hann2(size, str(v.device))) if window == "hann" else v  # spec M3 step 1 / M2: raw
    amp = _amplitude(z)  # (..., G * (G//2+1))
    kept = (amp * mult.flatten()).sum(dim=-1)  # sum_k c[k]
    out = (amp * weighted_r.flatten()).sum(dim=-1) / kept / k_max(size)  # sum_k k p[k] / K_max
    if window == "none":  # spec M2 guard: an (almost) empty quadrant is undefined, not a round-off ratio
        out = torch.where(kept < _EMPTY_QUADRANT * (amp * nondc.flatten()).sum(dim=-1), torch.nan, out)
    return torch.where(_is_degenerate(std, mean), 0.0, out)
