"""Evaluation grids over [-1, 1]^2 (Neural Redshift spec M1).

t = linspace(-1, 1, G), both ends included; grid entry (i, j) holds f(x1 = t_i, x2 = t_j), flattened row-major
(i slow). Everything is float64 by default (spec M1: all grid evaluations and spectra in float64).
"""
from __future__ import annotations

import torch


def axis(size: int, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """The G sample positions t = linspace(-1, 1, G) of one grid axis (spec M1); values in [-1, 1]."""
    if size < 2:
        raise ValueError(f"grid size must be at least 2, got {size}")
    return torch.linspace(-1.0, 1.0, size, device=device, dtype=dtype)  # (G,)


def grid_points(size: int, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """All G*G points of the grid as rows (x1, x2), row-major (x1 = t_i slow, x2 = t_j fast) (spec M1).

    Reshaping a (..., G*G) evaluation to (..., G, G) gives entry (i, j) = f(t_i, t_j).
    """
    t = axis(size, device, dtype)  # (G,)
    x1, x2 = torch.meshgrid(t, t, indexing="ij")  # (G, G) each
    return torch.stack((x1.reshape(-1), x2.reshape(-1)), dim=-1)  # (G*G, 2)
