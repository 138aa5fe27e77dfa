"""Grid measures of random-network populations in normalised units (Neural Redshift spec M1-M8).

`grid_measures` evaluates every measure of the spec on a (N, G, G) population at once and maps each to
C_hat = (C - C_lin) / (C_noise - C_lin) (spec M8): C_lin is the value of f(x) = x1 on the same grid, C_noise the
mean over 32 i.i.d. N(0, 1) arrays (seeded by hashing, cached per measure, G and device). C_hat is about 0 for
smooth functions and about 1 for white noise, so thresholds transfer across G. Degenerate samples (spec M1 guard)
score raw 0 under every measure (C_hat slightly negative) and are counted in the `degenerate` metric.
"""
from __future__ import annotations

import functools
from typing import Callable, Literal

import torch

from redshift import Metric, seed_for
from redshift.data.grids import grid_points
from redshift.metrics import (binarize, chebyshev_order, degenerate, fourier_mean_frequency, legendre_order,
                              lz_complexity)
from redshift.nets.mlp import normal

Measure = Literal["fourier", "fourier_raw", "cheb", "leg", "lz"]
_NOISE_ARRAYS = 32  # spec M8


def _lz(values: torch.Tensor) -> torch.Tensor:
    """C_LZ (spec M7): LZW dictionary size / G^2 of the median-binarised grid, row-major; 0 when degenerate."""
    raw = lz_complexity(binarize(values.flatten(-2)), "lzw")
    return torch.where(degenerate(values), 0.0, raw)


RAW: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {  # (N, G, G) -> (N,)
    "fourier": lambda v: fourier_mean_frequency(v, "hann"),  # spec M3
    "fourier_raw": lambda v: fourier_mean_frequency(v, "none"),  # spec M2
    "cheb": chebyshev_order,  # spec M4
    "leg": legendre_order,  # spec M4
    "lz": _lz,  # spec M7
}

# The range each C_hat can take: (0 - C_lin) / (C_noise - C_lin) to (C_max - C_lin) / (C_noise - C_lin), with the raw
# measure in [0, C_max] (C_max = 1, and 1 + 1/G^2 for LZW / G^2), over every grid size the suite uses (G = 32 to 300;
# tests/suites/test_neural_redshift_part1.py recomputes them). These are the values a network *can* give, not the
# ones observed: a checkerboard reaches the top.
RANGES = {"c_fourier": (-0.15, 2.01), "c_fourier_raw": (-0.73, 2.49), "c_cheb": (-0.06, 2.30),
          "c_leg": (-0.05, 1.82), "c_lz": (-0.48, 9.34)}

METRICS = {
    "c_fourier": Metric("normalised", "none", 0.02, "C_hat of the Hann-windowed Fourier mean frequency (spec M3, M8)",
                        RANGES["c_fourier"]),
    "c_fourier_raw": Metric("normalised", "none", 0.02,
                            "C_hat of the code-faithful radial-bin mean frequency (spec M2, M8)",
                            RANGES["c_fourier_raw"]),
    "c_cheb": Metric("normalised", "none", 0.02, "C_hat of the Chebyshev fit order, D = 20 (spec M4, M8)",
                     RANGES["c_cheb"]),
    "c_leg": Metric("normalised", "none", 0.02, "C_hat of the Legendre fit order, D = 20 (spec M4, M8)",
                    RANGES["c_leg"]),
    "c_lz": Metric("normalised", "none", 0.02, "C_hat of the LZW size of the binarised grid (spec M7, M8)",
                   RANGES["c_lz"]),
    "mean_freq": Metric("cycles / K_max", "none", 0.005, "raw Hann mean frequency C_F in [0, 1] (spec M3)",
                        (0.0, 1.0)),
    "degenerate": Metric("fraction", "none", 0.0, "1 when the grid is numerically constant (spec M1 guard)",
                         (0.0, 1.0)),
}


@functools.lru_cache(maxsize=64)
def baseline(measure: Measure, size: int, device: str) -> tuple[float, float]:
    """(C_lin, C_noise) of a measure on a G x G grid (spec M8)."""
    ramp = grid_points(size, device)[:, 0].reshape(1, size, size)  # f(x) = x1
    seeds = torch.tensor([seed_for("neural_redshift", "noise_baseline", size, i) for i in range(_NOISE_ARRAYS)],
                         device=device)
    noise = normal(seeds, 0, size * size).reshape(_NOISE_ARRAYS, size, size)  # (32, G, G) i.i.d. N(0, 1)
    return float(RAW[measure](ramp)[0]), float(RAW[measure](noise).mean())


def normalised(measure: Measure, raw: torch.Tensor, size: int) -> torch.Tensor:
    """C_hat = (C - C_lin) / (C_noise - C_lin) (spec M8), elementwise."""
    lin, noise = baseline(measure, size, str(raw.device))
    return (raw - lin) / (noise - lin)


def grid_measures(values: torch.Tensor, measures: tuple[Measure, ...]) -> dict[str, torch.Tensor]:
    """Every requested measure of a (N, G, G) population as C_hat (keys 'c_<measure>'), plus the raw Hann mean
    frequency ('mean_freq', when 'fourier' is requested) and the degenerate flag; each (N,) float64."""
    size = values.shape[-1]
    out = {"degenerate": degenerate(values).to(torch.float64)}
    for m in measures:
        raw = RAW[m](values)
        out[f"c_{m}"] = normalised(m, raw, size)
        if m == "fourier":
            out["mean_freq"] = raw
    return out
