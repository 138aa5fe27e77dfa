"""Populations of random MLPs and of the unbiased Fourier model, as stacked tensors (Neural Redshift spec M10, M11).

A population holds N networks of one width and variant; each network has its own activation, weight magnitude
alpha, bias bound beta, depth L and seed. Networks are stored sorted by depth (deepest first), so hidden layer l is
one batched matmul over the n_l networks deeper than l, and a network's output is read at its own depth: no work is
spent on layers a network does not have. Within a depth, networks are sorted by activation, so each activation is
applied to contiguous slices (one call per run of equal activations, at most depths x activations per layer).
Every draw is a counter-based hash of (network seed, stream, entry index) (splitmix64), so a network's weights
depend only on its own seed, not on the population it is batched with, and CPU and CUDA draw bit-identical weights.

Priors (spec M10): "paper" W ~ U(-s, s), s = alpha sqrt(6 / (fan_in + fan_out)), b ~ U(-beta, beta) (Teney et al.
2024, Section 3); "code" W, b ~ U(-A, A) with A = alpha (ArmandNM/neural-redshift, models/neural_networks.py,
initialize_weights); "gaussian", "ball", "student": the spec's robustness priors with per-entry variance
2 alpha^2 / (fan_in + fan_out) and b ~ U(-beta, beta) [X]. `first_fan_out` sets the input layer's fan_out in the
fan-scaled priors (the spec's fixed-first width convention).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Literal, Sequence

import torch
import torch.nn.functional as F

Activation = Literal["relu", "gelu", "swish", "selu", "tanh", "gaussian", "sine", "sigmoid"]
Prior = Literal["paper", "code", "gaussian", "ball", "student"]
Variant = Literal["plain", "layernorm", "residual", "gating", "prefactor"]

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {  # spec M10; torch's forms do not overflow
    "relu": torch.relu, "gelu": F.gelu, "swish": F.silu, "selu": F.selu, "tanh": torch.tanh,
    "gaussian": lambda z: torch.exp(-(z * z)), "sine": torch.sin, "sigmoid": torch.sigmoid,
}
_IN_PLACE: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {  # the same maps, overwriting their input
    "relu": torch.relu_, "gelu": lambda z: z.copy_(F.gelu(z)), "swish": lambda z: F.silu(z, inplace=True),
    "selu": lambda z: F.selu(z, inplace=True), "tanh": torch.tanh_, "gaussian": lambda z: z.square_().neg_().exp_(),
    "sine": torch.sin_, "sigmoid": torch.sigmoid_,
}
_OUTPUT_LAYER = 1000  # stream index of the output layer's draws
_MASK64 = (1 << 64) - 1
_BLOCK = 1 << 15  # int64 words per hashing block on CPU (fits in L2 cache)


def _signed(c: int) -> int:
    """A 64-bit constant as a two's-complement int64."""
    return c - (1 << 64) if c >= 1 << 63 else c


_GOLDEN, _M1, _M2 = _signed(0x9E3779B97F4A7C15), _signed(0xBF58476D1CE4E5B9), _signed(0x94D049BB133111EB)


def _srl(z: torch.Tensor, k: int) -> torch.Tensor:
    """Logical right shift of int64 (torch's >> is arithmetic)."""
    return (z >> k) & ((1 << (64 - k)) - 1)


def _mix(z: torch.Tensor) -> torch.Tensor:
    """splitmix64 finaliser (Steele et al. 2014), in place, wrapping int64 arithmetic."""
    z ^= _srl(z, 30)
    z *= _M1
    z ^= _srl(z, 27)
    z *= _M2
    z ^= _srl(z, 31)
    return z


def uniform(seeds: torch.Tensor, stream: int, count: int, low: float | torch.Tensor = 0.0,
            high: float | torch.Tensor = 1.0) -> torch.Tensor:
    """Counter-based U(low, high) draws, float64: seeds (N,) int64 -> (N, count); low, high: floats or (N, 1).

    Word i = splitmix64(key(seed, stream) ^ (i + 1) * golden) gives entries 2i and 2i + 1 (its two 32-bit halves,
    u = (half + 0.5) / 2^32 in (0, 1)). On CPU the words are hashed and scaled in cache-sized blocks of counters
    (about 10x faster than whole-array passes).
    """
    n, words = seeds.numel(), (count + 1) // 2
    key = _mix(seeds + _signed((stream + 1) * 0x9E3779B97F4A7C15 & _MASK64))  # (N,)
    scale = (high - low) * 2.0**-32  # float or (N, 1)
    offset = low + 0.5 * scale
    out = torch.empty(n, 2 * words, dtype=torch.float64, device=seeds.device)
    step = words if seeds.is_cuda else max(1, _BLOCK // max(n, 1))
    for j in range(0, words, step):  # blocks of counters, all networks at once
        counter = torch.arange(j + 1, min(j + step, words) + 1, dtype=torch.int64, device=seeds.device) * _GOLDEN
        w = _mix(key[:, None] ^ counter[None, :])  # (N, b)
        stop = 2 * (j + w.shape[1])
        out[:, 2 * j:stop:2] = _srl(w, 32).to(torch.float64) * scale + offset
        out[:, 2 * j + 1:stop:2] = (w & 0xFFFFFFFF).to(torch.float64) * scale + offset
    return out[:, :count]


def normal(seeds: torch.Tensor, stream: int, count: int) -> torch.Tensor:
    """Counter-based N(0, 1) draws by Box-Muller: seeds (N,) -> (N, count) float64."""
    u = uniform(seeds, stream, 2 * count)  # (N, 2 count): radius draws, then angle draws
    return torch.sqrt(-2.0 * torch.log(u[:, :count])) * torch.cos(2.0 * math.pi * u[:, count:])


@dataclass(frozen=True)
class MLPConfig:
    """Shape and prior shared by a population (spec M10); per-network activation, alpha, beta, depth vary."""
    width: int = 64
    variant: Variant = "plain"
    prior: Prior = "paper"
    in_dim: int = 2
    first_fan_out: int | None = None  # fixed-first convention: input layer's Glorot fan_out (spec M10)


@dataclass(frozen=True)
class MLPPopulation:
    """N random MLPs, sorted by depth (deepest first); layer l's tensors cover the n_l networks deeper than l."""
    config: MLPConfig
    weights: tuple[torch.Tensor, ...]  # layer l: (n_l, W, fan_in)
    biases: tuple[torch.Tensor, ...]  # layer l: (n_l, W)
    gate_weights: tuple[torch.Tensor, ...]  # gating variant only: as weights
    gate_biases: tuple[torch.Tensor, ...]
    out_weight: torch.Tensor  # (N, W)
    out_bias: torch.Tensor  # (N,)
    prefactor: torch.Tensor  # (N,) alpha for the prefactor variant, else ones
    runs: tuple[tuple[tuple[str, int, int], ...], ...]  # layer l: (activation, start, end) runs of sorted networks
    order: torch.Tensor  # (N,) original index of each sorted network

    @property
    def size(self) -> int:
        """Number of networks N."""
        return self.order.numel()


def _weights(seeds: torch.Tensor, stream: int, shape: tuple[int, int], prior: Prior, alpha: torch.Tensor,
             fan_out: int) -> torch.Tensor:
    """One layer's weights for every network: (n,) seeds -> (n, fan_out_real, fan_in) (spec M10 priors)."""
    rows, fan_in = shape
    n, count = seeds.numel(), rows * fan_in
    a = alpha[:, None, None]  # (n, 1, 1)
    sigma = a * math.sqrt(2.0 / (fan_in + fan_out))  # per-entry std of the fan-scaled priors
    if prior in ("paper", "code"):
        bound = (a if prior == "code" else math.sqrt(3.0) * sigma)[:, :, 0]  # (n, 1); paper: alpha sqrt(6/(fi+fo))
        return uniform(seeds, stream, count, -bound, bound).view(n, rows, fan_in)
    z = normal(seeds, stream, count).view(n, rows, fan_in)
    if prior == "gaussian":
        return sigma * z
    if prior == "ball":  # uniform in the fan_in-ball of radius sigma sqrt(fan_in + 2), row by row
        radius = uniform(seeds, (stream + 1) << 16, rows).view(n, rows, 1) ** (1.0 / fan_in)
        return sigma * math.sqrt(fan_in + 2) * radius * z / z.norm(dim=-1, keepdim=True)
    u = uniform(seeds, (stream + 2) << 16, count).view(n, rows, fan_in)
    chi2 = -2.0 * torch.log(u) + normal(seeds, (stream + 3) << 16, count).view(n, rows, fan_in).square()  # chi2_3
    return sigma * z / torch.sqrt(chi2 / 3.0) / math.sqrt(3.0)  # student: sigma t_3 / sqrt(3)


def _biases(seeds: torch.Tensor, stream: int, rows: int, bound: torch.Tensor) -> torch.Tensor:
    """U(-bound, bound) biases: (n,) -> (n, rows)."""
    return uniform(seeds, stream, rows, -bound[:, None], bound[:, None])


def _runs(acts: Sequence[str], active: int) -> tuple[tuple[str, int, int], ...]:
    """Maximal runs (activation, start, end) of equal activations among the first `active` sorted networks."""
    runs: list[tuple[str, int, int]] = []
    for i, act in enumerate(acts[:active]):
        if runs and runs[-1][0] == act:
            runs[-1] = (act, runs[-1][1], i + 1)
        else:
            runs.append((act, i, i + 1))
    return tuple(runs)


def sample_mlps(config: MLPConfig, seeds: torch.Tensor, activation: Sequence[str], alpha: torch.Tensor,
                depth: Sequence[int], beta: torch.Tensor | None = None) -> MLPPopulation:
    """Draw N random MLPs (spec M10): seeds (N,) int64, activation[N], alpha (N,), depth[N] >= 1, beta (N,)."""
    n, dev = seeds.numel(), seeds.device
    if any(a not in ACTIVATIONS for a in activation) or len(activation) != n or len(depth) != n or min(depth) < 1:
        raise ValueError(f"need {n} activations from {sorted(ACTIVATIONS)} and {n} depths >= 1")
    order = sorted(range(n), key=lambda i: (-depth[i], activation[i]))  # deepest first, activations in runs
    idx = torch.tensor(order, device=dev)
    seeds, acts, dep = seeds[idx], [activation[i] for i in order], [depth[i] for i in order]
    alpha = alpha.to(device=dev, dtype=torch.float64)[idx]
    beta = torch.ones(n, dtype=torch.float64, device=dev) if beta is None else beta.to(dev, torch.float64)[idx]
    prefactor = alpha if config.variant == "prefactor" else torch.ones_like(alpha)
    scale = torch.ones_like(alpha) if config.variant == "prefactor" else alpha  # prefactor: weights at alpha = 1
    bound = scale if config.prior == "code" else beta
    w, b, gw, gb, runs = [], [], [], [], []
    for layer in range(max(dep)):
        active = sum(d > layer for d in dep)
        fan_in = config.in_dim if layer == 0 else config.width
        fan_out = config.first_fan_out if layer == 0 and config.first_fan_out else config.width
        s, a, bd = seeds[:active], scale[:active], bound[:active]
        w.append(_weights(s, 8 * layer, (config.width, fan_in), config.prior, a, fan_out))
        b.append(_biases(s, 8 * layer + 1, config.width, bd))
        if config.variant == "gating":  # W', b' from the same prior, drawn independently (spec M10)
            gw.append(_weights(s, 8 * layer + 2, (config.width, fan_in), config.prior, a, fan_out))
            gb.append(_biases(s, 8 * layer + 3, config.width, bd))
        runs.append(_runs(acts, active))
    out_w = _weights(seeds, 8 * _OUTPUT_LAYER, (1, config.width), config.prior, scale, 1)[:, 0]  # (N, W)
    out_b = _biases(seeds, 8 * _OUTPUT_LAYER + 1, 1, bound)[:, 0]  # (N,)
    return MLPPopulation(config, tuple(w), tuple(b), tuple(gw), tuple(gb), out_w, out_b, prefactor,
                         tuple(runs), idx)


def _activate(z: torch.Tensor, runs: tuple[tuple[str, int, int], ...], in_place: bool) -> torch.Tensor:
    """phi(z) with each network's own activation, one call per run of equal activations: (n, P, W) -> (n, P, W).

    in_place overwrites z (one memory pass fewer); the residual variant still needs z and passes False.
    """
    if in_place:
        for name, start, end in runs:
            _IN_PLACE[name](z[start:end])
        return z
    if len(runs) == 1:
        return ACTIVATIONS[runs[0][0]](z)
    out = torch.empty_like(z)
    for name, start, end in runs:
        out[start:end] = ACTIVATIONS[name](z[start:end])
    return out


def _layer(pop: MLPPopulation, layer: int, h: torch.Tensor) -> torch.Tensor:
    """One hidden layer of the n_l networks deeper than `layer` (spec M10 variants): (n_l, P, fan_in) -> (n_l, P, W)."""
    z = torch.baddbmm(pop.biases[layer][:, None, :], h, pop.weights[layer].transpose(1, 2))  # (n_l, P, W)
    variant, runs = pop.config.variant, pop.runs[layer]
    if variant == "layernorm":  # channel statistics, population std, no affine map
        z = (z - z.mean(-1, keepdim=True)) / z.std(-1, correction=0, keepdim=True)
    elif variant == "prefactor":
        z = z * pop.prefactor[: z.shape[0], None, None]  # h = phi(alpha z)
    out = _activate(z, runs, in_place=variant != "residual")
    if variant == "residual":
        return z + out  # h = z + phi(z), as the paper writes it
    if variant == "gating":
        gate = torch.baddbmm(pop.gate_biases[layer][:, None, :], h, pop.gate_weights[layer].transpose(1, 2))
        return out * torch.sigmoid(gate)  # h = phi(z) * sigma(W' h + b')
    return out


def _forward_chunk(pop: MLPPopulation, x: torch.Tensor) -> torch.Tensor:
    """Outputs at points x (P, in_dim), or (N, P, in_dim) in sorted order, for all networks: -> (N, P), sorted."""
    h = x.to(pop.out_weight.dtype).expand(pop.weights[0].shape[0], -1, -1)  # (N, P, in_dim)
    out = torch.empty(pop.size, h.shape[1], dtype=h.dtype, device=h.device)
    for layer in range(len(pop.weights)):
        h = _layer(pop, layer, h[: pop.weights[layer].shape[0]])  # (n_l, P, W)
        done = pop.weights[layer + 1].shape[0] if layer + 1 < len(pop.weights) else 0  # deeper networks go on
        out[done:h.shape[0]] = (h[done:] @ pop.out_weight[done:h.shape[0], :, None])[..., 0] + \
            pop.out_bias[done:h.shape[0], None]  # f = w_o^T h_L + b_o
    return out


def mlp_forward(pop: MLPPopulation, x: torch.Tensor, max_elements: int = 2**24) -> torch.Tensor:
    """Evaluate every network at points x: -> (N, P) in the caller's network order, float64.

    x is (P, in_dim), shared by all networks, or (N, P, in_dim), one set of points per network (caller's order).
    Points are processed in chunks so that one hidden activation tensor holds at most `max_elements` entries.
    """
    if x.dim() == 3:
        x = x[pop.order]  # per-network points, in the population's sorted order
    chunk, points = max(1, max_elements // (pop.size * pop.config.width)), x.shape[-2]
    out = torch.cat([_forward_chunk(pop, x[..., i:i + chunk, :]) for i in range(0, points, chunk)], dim=1)
    return torch.empty_like(out).index_copy_(0, pop.order, out)  # back to the caller's order


@dataclass(frozen=True)
class UnbiasedPopulation:
    """N unbiased Fourier models f(x) = sum_k a_k sin(pi k.x + p_k), k in {0..K-1}^2 (spec M11)."""
    amplitude: torch.Tensor  # (N, K*K), a = alpha u, u ~ U(-1, 1)
    phase: torch.Tensor  # (N, K*K), p ~ U(-pi, pi)
    freqs: torch.Tensor  # (K*K, 2), the integer frequency pairs k


def sample_unbiased(seeds: torch.Tensor, alpha: torch.Tensor, n_freq: int) -> UnbiasedPopulation:
    """Draw N unbiased models with K = n_freq frequencies per axis (spec M11: K = G / 2)."""
    count = n_freq * n_freq
    u = uniform(seeds, 0, count, -1.0, 1.0)  # (N, K*K)
    phase = uniform(seeds, 1, count, -math.pi, math.pi)  # (N, K*K)
    k = torch.arange(n_freq, dtype=torch.float64, device=seeds.device)
    freqs = torch.stack(torch.meshgrid(k, k, indexing="ij"), dim=-1).reshape(count, 2)  # (K*K, 2)
    return UnbiasedPopulation(alpha.to(seeds.device, torch.float64)[:, None] * u, phase, freqs)


def unbiased_forward(pop: UnbiasedPopulation, x: torch.Tensor, max_elements: int = 2**24) -> torch.Tensor:
    """Evaluate at points x -> (N, P) as two matmuls via sin(u + p) = sin u cos p + cos u sin p (spec M11).

    x is (P, 2), shared by all models, or (N, P, 2), one set of points per model.
    """
    cos_part = pop.amplitude * torch.cos(pop.phase)  # (N, K*K)
    sin_part = pop.amplitude * torch.sin(pop.phase)  # (N, K*K)
    shared, points = x.dim() == 2, x.shape[-2]
    chunk = max(1, max_elements // (pop.freqs.shape[0] * (1 if shared else x.shape[0])))
    outs = []
    for i in range(0, points, chunk):
        u = math.pi * x[..., i:i + chunk, :].to(torch.float64) @ pop.freqs.T  # (P_c, K*K) or (N, P_c, K*K): pi k.x
        if shared:
            outs.append((torch.sin(u) @ cos_part.T + torch.cos(u) @ sin_part.T).T)  # (N, P_c)
        else:
            outs.append((torch.sin(u) @ cos_part[:, :, None] + torch.cos(u) @ sin_part[:, :, None])[..., 0])
    return torch.cat(outs, dim=1)  # (N, P)
