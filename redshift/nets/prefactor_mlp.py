"""Trainable population of prefactor MLPs (Neural Redshift spec M10 "prefactor", §3.3, §3.4).

Member i computes f_i(x) = w_o^T h_L + b_o with h_l = act_i(alpha_i * (W_l h_{l-1} + b_l)), h_0 = x:
weights are drawn at alpha = 1 and alpha is a fixed prefactor inside the activation. All members share
the layer sizes and are stacked into (N, fan_in, fan_out) parameters, so a forward pass is one batched
matmul per layer whatever the mix of activations and prefactors. Initialisation (spec §3.3): Glorot
uniform weights U(-s, s), s = sqrt(6/(fan_in + fan_out)), on every layer; hidden biases U(-1, 1);
output bias 0. Each member draws from its own CPU generator, so a seed fixes a member on every device
and whatever the rest of the population is.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from redshift.nets.mlp import ACTIVATIONS
from redshift.nets.mlp import Activation as MLPActivation


@dataclass(frozen=True)
class PrefactorMLPConfig:
    """Layer sizes d_in -> width (x n_hidden) -> 1 and the hidden-bias bound."""

    d_in: int
    width: int
    n_hidden: int = 2
    hidden_bias: float = 1.0

    def sizes(self) -> list[int]:
        return [self.d_in] + [self.width] * self.n_hidden + [1]


class PrefactorMLP(torch.nn.Module):
    """N stacked prefactor MLPs: forward x (N, n, d_in) or shared (n, d_in) -> outputs (N, n)."""

    def __init__(self, config: PrefactorMLPConfig, activations: Sequence[MLPActivation],
                 alphas: Sequence[float], seeds: Sequence[int], device: torch.device | str = "cpu"):
        super().__init__()
        if not len(activations) == len(alphas) == len(seeds):
            raise ValueError("activations, alphas and seeds need one entry per member")
        unknown = set(activations) - set(ACTIVATIONS)
        if unknown:
            raise ValueError(f"unknown activations {sorted(unknown)}; use one of {sorted(ACTIVATIONS)}")
        self.config, self.activations = config, tuple(activations)
        self.register_buffer("alpha", torch.tensor(alphas, dtype=torch.float32).view(-1, 1, 1))  # (N, 1, 1)
        self.runs = _runs(self.activations)
        w, b = _glorot_init(config, seeds)
        self.weights = torch.nn.ParameterList([torch.nn.Parameter(t.to(device)) for t in w])
        self.biases = torch.nn.ParameterList([torch.nn.Parameter(t.to(device)) for t in b])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.alpha.shape[0]
        h = x.expand(n, *x.shape) if x.ndim == 2 else x  # (N, n, d_in)
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            z = torch.baddbmm(b * self.alpha, h, w * self.alpha)  # (N, n, width) = alpha (W h + b) (spec M10)
            h = torch.cat([fn(z[lo:hi]) for fn, lo, hi in self.runs]) if len(self.runs) > 1 \
                else self.runs[0][0](z)
        return torch.baddbmm(self.biases[-1], h, self.weights[-1]).squeeze(-1)  # (N, n), linear output


def _runs(activations: Sequence[str]) -> list[tuple[Callable, int, int]]:
    """Maximal runs of consecutive members sharing an activation: (fn, start, stop)."""
    runs: list[tuple[Callable, int, int]] = []
    for i, a in enumerate(activations):
        if runs and activations[runs[-1][1]] == a:
            runs[-1] = (runs[-1][0], runs[-1][1], i + 1)
        else:
            runs.append((ACTIVATIONS[a], i, i + 1))
    return runs


def _glorot_init(config: PrefactorMLPConfig, seeds: Sequence[int]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Stacked weights [(N, fan_in, fan_out)] and biases [(N, 1, fan_out)] drawn per member (spec §3.3)."""
    gens = [torch.Generator().manual_seed(int(s)) for s in seeds]  # setup, not a hot path
    sizes = config.sizes()
    weights, biases = [], []
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        s = math.sqrt(6.0 / (fan_in + fan_out))  # Glorot-uniform bound at alpha = 1
        beta = config.hidden_bias if layer < len(sizes) - 2 else 0.0  # output bias 0
        weights.append(torch.stack([(torch.rand(fan_in, fan_out, generator=g) * 2 - 1) * s for g in gens]))
        biases.append(torch.stack([(torch.rand(1, fan_out, generator=g) * 2 - 1) * beta for g in gens]))
    return weights, biases
