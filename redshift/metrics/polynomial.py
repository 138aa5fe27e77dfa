"""Polynomial order of functions sampled on a G x G grid (Neural Redshift spec M4).

Tensor-product least-squares fit on the grid axis t = linspace(-1, 1, G) (spec M1): with V = chebvander(t, D)
(or legvander) and P = pinv(V), the coefficients are Cc = P Y P^T, Cc[i, j] multiplying T_i(x1) T_j(x2). The
order is the |Cc|-weighted mean total degree, normalised by the largest total degree 2D:
    C = sum_{(i,j) != (0,0)} |Cc_ij| (i + j) / (2D * sum_{(i,j) != (0,0)} |Cc_ij|).
Range: [1/(2D), 1] for non-constant samples (any non-constant affine function gives exactly 1/(2D)); 0 for
degenerate samples (spec M1 guard, A7). Fitting is float64 with pinv computed once per (G, D, basis) by numpy.
The paper (Teney et al. 2024, Section 2) names the measure; its fitting details (Appendix D) are unavailable, so
the fit above is the project's choice [X].
"""
from __future__ import annotations

import functools
from typing import Literal

import numpy as np
import torch

from redshift.metrics.blocks import by_blocks
from redshift.metrics.fourier import degenerate

Basis = Literal["chebyshev", "legendre"]
_VANDER = {"chebyshev": np.polynomial.chebyshev.chebvander, "legendre": np.polynomial.legendre.legvander}


@functools.lru_cache(maxsize=32)
def _projector(size: int, degree: int, basis: Basis, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(P = pinv(V), order weights i + j with (0, 0) zeroed): (D+1, G) and (D+1, D+1)."""
    t = np.linspace(-1.0, 1.0, size)  # (G,), spec M1
    pinv = np.linalg.pinv(_VANDER[basis](t, degree))  # (D+1, G)
    order = np.add.outer(np.arange(degree + 1), np.arange(degree + 1)).astype(np.float64)  # (D+1, D+1), i + j
    return torch.from_numpy(pinv).to(device), torch.from_numpy(order).to(device)


def _order(values: torch.Tensor, degree: int, basis: Basis) -> torch.Tensor:
    """Normalised mean total degree of the tensor-product fit (spec M4): (..., G, G) -> (...)."""
    if values.ndim < 2 or values.shape[-1] != values.shape[-2]:
        raise ValueError(f"expected (..., G, G) values, got shape {tuple(values.shape)}")
    if degree < 1:
        raise ValueError(f"degree must be at least 1, got {degree}")
    return by_blocks(lambda v: _fit_order(v.to(torch.float64), degree, basis), values)


def _fit_order(v: torch.Tensor, degree: int, basis: Basis) -> torch.Tensor:
    """_order of float64 samples (..., G, G), validated."""
    pinv, order = _projector(v.shape[-1], degree, basis, str(v.device))
    coef = (pinv @ v @ pinv.T).abs()  # (..., D+1, D+1), |Cc| = |P Y P^T|
    weight = coef.sum(dim=(-2, -1)) - coef[..., 0, 0]  # (...), sum over (i, j) != (0, 0)
    out = (coef * order).sum(dim=(-2, -1)) / (2 * degree * weight)  # order[0, 0] = 0 drops the constant term
    return torch.where(degenerate(v), 0.0, out)


def chebyshev_order(values: torch.Tensor, degree: int = 20) -> torch.Tensor:
    """C_Cheb (spec M4): Chebyshev tensor-product fit order, (..., G, G) -> (...), range [0, 1]."""
    return _order(values, degree, "chebyshev")


def legendre_order(values: torch.Tensor, degree: int = 20) -> torch.Tensor:
    """C_Leg (spec M4): Legendre tensor-product fit order, (..., G, G) -> (...), range [0, 1]."""
    return _order(values, degree, "legendre")
