"""The per-network Neural Redshift pipeline as the authors' reference code writes it: the speed baseline.

Used only by `redshift bench`, `redshift doctor` and `bench/` (never by a suite). One network at a time: an
`nn.Sequential` in float32 (ArmandNM/neural-redshift, models/neural_networks.py), numpy `rfft2` with radial binning by
`np.bincount` (inductive_biases/spectral_analysis.py, here with the spec's M3 mean removal and Hann window), a Python
LZ78 parse over a `set` of phrases (inductive_biases/complexity.py, lempel_ziv_complexity), and a numpy Chebyshev
least-squares fit with the pseudo-inverse computed once per grid (spec M4). This is what a researcher would write;
the batched pipeline's speed is quoted as a ratio against it (DESIGN: speed is measured against what a researcher
would write). Networks are the same as the batched pipeline's: the weights are copied from an MLPPopulation.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import torch
from torch import nn

from redshift.nets.mlp import MLPPopulation

_ACT = {"relu": nn.ReLU, "gelu": nn.GELU, "swish": nn.SiLU, "selu": nn.SELU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def sequentials(pop: MLPPopulation) -> list[nn.Sequential]:
    """One float32 nn.Sequential per network of a plain population, in the caller's order (spec M10 layers)."""
    if pop.config.variant != "plain":
        raise ValueError(f"the reference pipeline builds plain MLPs only, got variant {pop.config.variant!r}")
    nets: list[nn.Sequential | None] = [None] * pop.size
    for k, original in enumerate(pop.order.tolist()):  # k: sorted position
        layers: list[nn.Module] = []
        for layer, (w, b) in enumerate(zip(pop.weights, pop.biases)):
            if k >= w.shape[0]:
                break  # this network is shallower than `layer`
            linear = nn.Linear(w.shape[2], w.shape[1])
            linear.weight.data.copy_(w[k])
            linear.bias.data.copy_(b[k])
            act = next(name for name, start, end in pop.runs[layer] if start <= k < end)
            if act not in _ACT:
                raise ValueError(f"the reference pipeline has no nn module for activation {act!r}; use {sorted(_ACT)}")
            layers += [linear, _ACT[act]()]
        head = nn.Linear(pop.out_weight.shape[1], 1)
        head.weight.data.copy_(pop.out_weight[k][None, :])
        head.bias.data.copy_(pop.out_bias[k:k + 1])
        nets[original] = nn.Sequential(*layers, head).float().to(pop.order.device).eval()
    return nets  # type: ignore[return-value]


def grid(size: int, device: str | torch.device = "cpu") -> torch.Tensor:
    """The G x G evaluation grid as float32 points (G*G, 2), row-major (spec M1)."""
    t = torch.linspace(-1.0, 1.0, size, device=device)
    x1, x2 = torch.meshgrid(t, t, indexing="ij")
    return torch.stack((x1.reshape(-1), x2.reshape(-1)), dim=-1)


@functools.lru_cache(maxsize=16)
def _radius(size: int) -> np.ndarray:
    """Integer radius round(|k|) of each full-plane frequency, signed frequencies (spec M3 step 3): (G, G)."""
    k = np.fft.fftfreq(size, 1.0 / size)
    return np.rint(np.sqrt(k[:, None] ** 2 + k[None, :] ** 2)).astype(np.int64)


def fourier_mean_frequency(y: np.ndarray) -> float:
    """C_F (spec M3) of one (G, G) array: Hann-windowed |fft2|, binned by radius, mean bin / K_max."""
    size = y.shape[0]
    w = np.hanning(size)
    amp = np.abs(np.fft.fft2((y - y.mean()) * np.outer(w, w)))
    amp[0, 0] = 0.0
    c = np.bincount(_radius(size).ravel(), weights=amp.ravel())
    if c.sum() == 0.0:
        return 0.0
    return float((np.arange(c.size) * c).sum() / c.sum() / round(math.sqrt(2.0) * (size // 2)))


@functools.lru_cache(maxsize=16)
def _cheb_pinv(size: int, degree: int) -> np.ndarray:
    """pinv(chebvander(t, D)) on the grid axis (spec M4): (D+1, G)."""
    return np.linalg.pinv(np.polynomial.chebyshev.chebvander(np.linspace(-1.0, 1.0, size), degree))


def chebyshev_order(y: np.ndarray, degree: int = 20) -> float:
    """C_Cheb (spec M4) of one (G, G) array: least-squares coefficients P Y P^T, |Cc|-weighted mean degree / 2D."""
    p = _cheb_pinv(y.shape[0], degree)
    coef = np.abs(p @ y @ p.T)
    order = np.add.outer(np.arange(degree + 1), np.arange(degree + 1))
    coef[0, 0] = 0.0
    return float((coef * order).sum() / (2 * degree * coef.sum()))


def lempel_ziv_complexity(sequence: bytes) -> int:
    """LZ78 phrase count (spec M5), the reference's loop: a set of seen phrases, ind and inc."""
    sub_strings = set()
    ind, inc = 0, 1
    while ind + inc <= len(sequence):
        sub_str = sequence[ind:ind + inc]
        if sub_str in sub_strings:
            inc += 1
        else:
            sub_strings.add(sub_str)
            ind += inc
            inc = 1
    return len(sub_strings)


def lz78(y: np.ndarray) -> float:
    """C_LZ78 of one array: median-binarised (spec M7), row-major, phrases / length."""
    flat = y.ravel()
    return lempel_ziv_complexity((flat > np.median(flat)).astype(np.uint8).tobytes()) / flat.size


def forward(net: nn.Sequential, points: torch.Tensor, size: int) -> np.ndarray:
    """One network on the grid, float32 as the reference runs it, cast to float64 for the measures: (G, G)."""
    with torch.no_grad():
        return net(points).reshape(size, size).double().cpu().numpy()


def pipeline(nets: list[nn.Sequential], size: int) -> np.ndarray:
    """Forward, C_F, C_Cheb and C_LZ78 of every network, one network at a time: -> (n, 3)."""
    points = grid(size, next(nets[0].parameters()).device)
    out = np.empty((len(nets), 3))
    for i, net in enumerate(nets):
        y = forward(net, points, size)
        out[i] = fourier_mean_frequency(y), chebyshev_order(y), lz78(y)
    return out
