"""Inverse participation ratio of weight vectors over their Fourier components (grokking_corrupted spec D9, D10, D15).

D9: for x in R^p, a = |rfft(x)| (floor(p/2)+1 magnitudes, DC included) and IPR(x) = sum_k (a_k / ||a||_2)^(2r) with
r = 2, i.e. sum a^4 / (sum a^2)^2 (paper Eqs. 3-4, fn. 4; reference calculate_ipr). Range [1/(floor(p/2)+1), 1]:
a pure cosine or sine and a constant give 1, a one-hot 1/(floor(p/2)+1), K equal cosines 1/K. The full complex DFT
variant (``convention="full"``) has range [1/p, 1] and gives a pure cosine 1/2. Guard [X]: ||x||_2 <= floor -> NaN.
D10: IPR_k = mean(IPR(U[k,:]), IPR(V[k,:]), IPR(W[:,k])), NaN components skipped; all three NaN -> dead neuron.
Summaries over live neurons: mean, share_low = frac(IPR < 0.2), share_high = frac(IPR > 0.5),
share_mid = frac(0.3 <= IPR <= 0.7), a 10-bin histogram on [0, 1], and the dead fraction.
D15: the BatchNorm signature, Pearson r of |gamma_k| with IPR_k and the ratio R of mean |gamma| over high- to
low-IPR neurons.
"""
from __future__ import annotations

from typing import Literal

import torch

Convention = Literal["rfft", "full"]
LOW, HIGH = 0.2, 0.5  # spec D10 cut-offs [X]
MID = (0.3, 0.7)
BINS = 10


def ipr(x: torch.Tensor, convention: Convention = "rfft", floor: float = 0.0) -> torch.Tensor:
    """IPR of each vector along the last axis (spec D9): (..., p) -> (...), float64; NaN where ||x|| <= floor."""
    x = x.to(torch.float64)
    spec = torch.fft.rfft(x, dim=-1) if convention == "rfft" else torch.fft.fft(x, dim=-1)
    power = spec.abs() ** 2  # (..., K) a_k^2
    out = (power**2).sum(-1) / power.sum(-1) ** 2  # sum a^4 / (sum a^2)^2, spec Eq. 3 with r = 2
    dead = torch.linalg.vector_norm(x, dim=-1) <= floor
    return torch.where(dead, torch.full_like(out, float("nan")), out)


def neuron_ipr(U: torch.Tensor, V: torch.Tensor, W: torch.Tensor, floor: float = 0.0,
               convention: Convention = "rfft") -> torch.Tensor:
    """IPR_k = nan-mean over U row, V row, W column (spec D10): U, V (B, N, p), W (B, p, N) -> (B, N) float64."""
    parts = ipr(torch.stack([U, V, W.transpose(1, 2)], dim=2), convention, floor)  # (B, N, 3, p) -> (B, N, 3)
    return torch.nanmean(parts, dim=-1)  # all-NaN (dead) stays NaN


def _live_fraction(mask: torch.Tensor, live: torch.Tensor) -> torch.Tensor:
    """Fraction of live neurons where ``mask`` holds: (B, N) x 2 -> (B,); NaN when no neuron is live."""
    n_live = live.sum(-1).to(torch.float64)
    return (mask & live).sum(-1).to(torch.float64) / n_live


def ipr_summary(ipr_k: torch.Tensor) -> dict[str, torch.Tensor]:
    """Summaries of per-neuron IPR (B, N) over live neurons (spec D10), each (B,), and ``hist`` (B, 10).

    Keys: mean, share_low, share_high, share_mid, dead, hist (fractions of live neurons per bin of width 0.1).
    """
    live = torch.isfinite(ipr_k)  # (B, N)
    v = torch.nan_to_num(ipr_k, nan=-1.0)  # NaN never passes a comparison below
    bins = torch.clamp((v * BINS).floor().long(), 0, BINS - 1)  # (B, N), IPR = 1 in the last bin
    hist = torch.zeros(ipr_k.shape[0], BINS, dtype=torch.float64, device=ipr_k.device)
    hist.scatter_add_(1, bins, live.to(torch.float64))
    return {
        "mean": torch.nanmean(ipr_k, dim=-1),
        "share_low": _live_fraction(v < LOW, live),
        "share_high": _live_fraction(v > HIGH, live),
        "share_mid": _live_fraction((v >= MID[0]) & (v <= MID[1]), live),
        "dead": 1.0 - live.to(torch.float64).mean(-1),
        "hist": hist / live.sum(-1, keepdim=True).to(torch.float64),
    }


def gamma_signature(gamma: torch.Tensor, ipr_k: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(r_gamma, R_gamma), each (B,), from BN scales gamma (B, N) and IPR_k (B, N) over live neurons (spec D15).

    r_gamma: Pearson correlation of |gamma_k| with IPR_k; R_gamma = mean |gamma| over {IPR > 0.5} / over {IPR < 0.2}
    (NaN when either set is empty).
    """
    g = gamma.abs().to(torch.float64)
    live = torch.isfinite(ipr_k)
    w = live.to(torch.float64)
    x = torch.nan_to_num(ipr_k, nan=0.0)
    n = w.sum(-1, keepdim=True)
    dx = (x - (w * x).sum(-1, keepdim=True) / n) * w  # (B, N), centred over live neurons
    dg = (g - (w * g).sum(-1, keepdim=True) / n) * w
    r = (dx * dg).sum(-1) / torch.sqrt((dx**2).sum(-1) * (dg**2).sum(-1))
    high, low = (live & (x > HIGH)).to(torch.float64), (live & (x < LOW)).to(torch.float64)
    ratio = ((g * high).sum(-1) / high.sum(-1)) / ((g * low).sum(-1) / low.sum(-1))
    return r, ratio
