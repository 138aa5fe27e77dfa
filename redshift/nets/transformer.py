"""Population-batched random GPT-2 decoder (spec neural_redshift §3.5, after Radford et al. 2019).

The population is S weight draws (seeds) x C *variants*. A variant changes what the code of
Teney et al. changes after initialisation and shares the weights of its seed: the MLP activation of
every block, the gain gamma of ``ln_1``/``ln_2`` (biases 0; ``ln_f`` untouched) and the depth L (the
first L of the config's 12 blocks are kept). All S x C x P sequences advance together, one batched
forward per generated token, with a key/value cache; blocks run only on the variants deep enough
for them (variants are sorted by depth, so those are a prefix and slicing copies nothing).

Architecture (pre-LN): x += c_proj(attn(ln_1 x)); x += mlp_proj(act(c_fc(ln_2 x))); logits =
ln_f(x) @ wte^T (tied head). Initialisation (GPT-2 default, spec §3.5): linear weights and both
embeddings N(0, 0.02^2), the two residual projections N(0, (0.02/sqrt(2 n_layer))^2), biases 0,
LayerNorm gain 1 and bias 0. Weights are drawn on the CPU from per-seed generators, then moved,
so a seed gives the same model on every device.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Literal

import torch
import torch.nn.functional as F

Activation = Literal["gelu", "gelu_erf", "relu", "sigmoid", "swish", "selu", "tanh", "sine", "gaussian"]

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "gelu": lambda z: F.gelu(z, approximate="tanh"),  # GPT-2's own "gelu_new" (spec §3.5 [X])
    "gelu_erf": F.gelu,  # exact erf GELU, what the reference code swaps in
    "relu": F.relu,
    "sigmoid": torch.sigmoid,
    "swish": F.silu,
    "selu": F.selu,
    "tanh": torch.tanh,
    "sine": torch.sin,
    "gaussian": lambda z: torch.exp(-z.square()),  # exp(-z^2), never overflows
}


@dataclass(frozen=True)
class GPTConfig:
    """GPT-2 dimensions; the defaults are GPT-2 small (124 439 808 parameters, tied head)."""

    vocab_size: int = 50257
    n_positions: int = 1024
    d_model: int = 768
    n_head: int = 12
    n_layer: int = 12
    init_std: float = 0.02
    ln_eps: float = 1e-5

    @property
    def d_head(self) -> int:
        return self.d_model // self.n_head


@dataclass(frozen=True)
class Variant:
    """What a variant changes on its seed's weights: MLP activation, ln_1/ln_2 gain, depth L."""

    activation: Activation = "gelu"
    gamma: float = 1.0
    depth: int = 12


@dataclass(frozen=True)
class GPTWeights:
    """Stacked weights of S models; block tensors carry a layer axis (S, n_layer, ...).

    ln1_*/ln2_* hold GPT-2's initial LayerNorm parameters (gain 1, bias 0) for completeness and the parameter
    count; decoding replaces them by each variant's gain gamma and bias 0, as the reference code does.
    """

    config: GPTConfig
    wte: torch.Tensor  # (S, V, d)
    wpe: torch.Tensor  # (S, n_pos, d)
    ln1_w: torch.Tensor  # (S, n_layer, d)
    ln1_b: torch.Tensor  # (S, n_layer, d)
    attn_w: torch.Tensor  # (S, n_layer, d, 3d)
    attn_b: torch.Tensor  # (S, n_layer, 3d)
    attn_proj_w: torch.Tensor  # (S, n_layer, d, d)
    attn_proj_b: torch.Tensor  # (S, n_layer, d)
    ln2_w: torch.Tensor  # (S, n_layer, d)
    ln2_b: torch.Tensor  # (S, n_layer, d)
    fc_w: torch.Tensor  # (S, n_layer, d, 4d)
    fc_b: torch.Tensor  # (S, n_layer, 4d)
    mlp_proj_w: torch.Tensor  # (S, n_layer, 4d, d)
    mlp_proj_b: torch.Tensor  # (S, n_layer, d)
    lnf_w: torch.Tensor  # (S, d)
    lnf_b: torch.Tensor  # (S, d)

    @property
    def n_models(self) -> int:
        return self.wte.shape[0]

    def tensors(self) -> dict[str, torch.Tensor]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "config"}


def parameter_shapes(config: GPTConfig) -> dict[str, tuple[int, ...]]:
    """Shape of every parameter tensor of one model (the field names of GPTWeights)."""
    d, n, v, p = config.d_model, config.n_layer, config.vocab_size, config.n_positions
    return {
        "wte": (v, d), "wpe": (p, d), "ln1_w": (n, d), "ln1_b": (n, d),
        "attn_w": (n, d, 3 * d), "attn_b": (n, 3 * d), "attn_proj_w": (n, d, d), "attn_proj_b": (n, d),
        "ln2_w": (n, d), "ln2_b": (n, d), "fc_w": (n, d, 4 * d), "fc_b": (n, 4 * d),
        "mlp_proj_w": (n, 4 * d, d), "mlp_proj_b": (n, d), "lnf_w": (d,), "lnf_b": (d,),
    }


def parameter_count(config: GPTConfig) -> int:
    """Parameters of one model with the head tied to wte (GPT-2 small: 124 439 808, spec A10)."""
    return sum(math.prod(shape) for shape in parameter_shapes(config).values())


def _init_std(config: GPTConfig, name: str) -> float | None:
    """GPT-2 init (spec §3.5): std of a normal tensor, 0.0 for biases, None for LayerNorm gains (1)."""
    if name in ("ln1_w", "ln2_w", "lnf_w"):
        return None
    if name.endswith("_b"):
        return 0.0
    if name in ("attn_proj_w", "mlp_proj_w"):
        return config.init_std / math.sqrt(2 * config.n_layer)  # residual projections
    return config.init_std


def init_gpt2(config: GPTConfig, seeds: Sequence[int], device: torch.device | str = "cpu") -> GPTWeights:
    """S = len(seeds) GPT-2 models at their default initialisation, one CPU generator per seed."""
    gens = [torch.Generator().manual_seed(int(s)) for s in seeds]
    stacked = {}
    for name, shape in parameter_shapes(config).items():  # fixed draw order: reproducible
        std = _init_std(config, name)
        if std is None:
            stacked[name] = torch.ones((len(gens), *shape))
        elif std == 0.0:
            stacked[name] = torch.zeros((len(gens), *shape))
        else:
            stacked[name] = torch.stack([torch.randn(shape, generator=g) * std for g in gens])
    return GPTWeights(config, **{k: t.to(device) for k, t in stacked.items()})


def _ln(x: torch.Tensor, eps: float) -> torch.Tensor:
    """LayerNorm without affine map over the last axis (population variance)."""
    return F.layer_norm(x, x.shape[-1:], eps=eps)


def _linear(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-model affine map: x (S, ..., din) @ w (S, din, dout) + b (S, dout) -> (S, ..., dout)."""
    s, din = x.shape[0], x.shape[-1]
    y = torch.baddbmm(b.unsqueeze(1), x.reshape(s, -1, din), w)  # (S, M, dout)
    return y.view(*x.shape[:-1], w.shape[-1])


class _CachedDecoder:
    """One token step for S models x C variants x P sequences, variants sorted by depth (desc)."""

    def __init__(self, weights: GPTWeights, variants: Sequence[Variant], n_seq: int, max_len: int):
        cfg, s = weights.config, weights.n_models
        self.w, self.t = weights, 0
        depths = [v.depth for v in variants]
        self.active = [sum(d > layer for d in depths) for layer in range(max(depths))]  # n_l
        self.gamma = torch.tensor([v.gamma for v in variants], device=weights.wte.device)
        self.gamma = self.gamma.view(1, -1, 1, 1)  # (1, C, 1, 1)
        self.runs = [_activation_runs(variants[:n]) for n in self.active]
        self.k = [weights.wte.new_zeros((max_len, s, n, n_seq, cfg.n_head, cfg.d_head))
                  for n in self.active]  # (T, S, n_l, P, H, dh): time-major, so a prefix is contiguous
        self.v = [torch.zeros_like(k) for k in self.k]

    def step(self, ids: torch.Tensor) -> torch.Tensor:
        """ids (S, C, P) at position t -> next-token logits (S, C, P, V)."""
        w, t = self.w, self.t
        seeds = torch.arange(w.n_models, device=ids.device).view(-1, 1, 1)
        x = w.wte[seeds, ids] + w.wpe[:, t].unsqueeze(1).unsqueeze(1)  # (S, C, P, d)
        for layer, n in enumerate(self.active):  # blocks beyond a variant's depth are skipped
            x[:, :n] = x[:, :n] + self._attention(layer, x[:, :n])
            x[:, :n] = x[:, :n] + self._mlp(layer, x[:, :n])
        h = _ln(x, w.config.ln_eps) * w.lnf_w[:, None, None] + w.lnf_b[:, None, None]
        logits = torch.bmm(h.reshape(w.n_models, -1, h.shape[-1]), w.wte.transpose(1, 2))  # tied head
        self.t += 1
        return logits.view(*ids.shape, -1)

    def _attention(self, layer: int, x: torch.Tensor) -> torch.Tensor:
        """Causal multi-head self-attention of the new token over the cache; x (S, n, P, d)."""
        cfg, w, t = self.w.config, self.w, self.t
        s, n, p, d = x.shape
        h = _ln(x, cfg.ln_eps) * self.gamma[:, :n]  # ln_1 with gain gamma, bias 0 (spec §3.5)
        qkv = _linear(h, w.attn_w[:, layer], w.attn_b[:, layer])  # (S, n, P, 3d)
        q, k, v = qkv.view(s, n, p, 3, cfg.n_head, cfg.d_head).unbind(3)  # (S, n, P, H, dh)
        self.k[layer][t], self.v[layer][t] = k, v
        keys, values = self.k[layer][: t + 1], self.v[layer][: t + 1]  # (t+1, S, n, P, H, dh)
        scores = torch.einsum("snphd,tsnphd->tsnph", q, keys) / math.sqrt(cfg.d_head)  # (t+1, S, n, P, H)
        y = (scores.softmax(0).unsqueeze(-1) * values).sum(0)  # (S, n, P, H, dh)
        return _linear(y.reshape(s, n, p, d), w.attn_proj_w[:, layer], w.attn_proj_b[:, layer])

    def _mlp(self, layer: int, x: torch.Tensor) -> torch.Tensor:
        """mlp_proj(act(c_fc(ln_2 x))), each variant with its own activation; x (S, n, P, d)."""
        w = self.w
        h = _ln(x, w.config.ln_eps) * self.gamma[:, : x.shape[1]]  # ln_2 with gain gamma, bias 0
        u = _linear(h, w.fc_w[:, layer], w.fc_b[:, layer])  # (S, n, P, 4d)
        for fn, lo, hi in self.runs[layer]:
            u[:, lo:hi] = fn(u[:, lo:hi])
        return _linear(u, w.mlp_proj_w[:, layer], w.mlp_proj_b[:, layer])


def _activation_runs(variants: Sequence[Variant]) -> list[tuple[Callable, int, int]]:
    """Maximal runs of consecutive variants sharing an activation: (fn, start, stop)."""
    runs: list[tuple[Callable, int, int]] = []
    for i, v in enumerate(variants):
        if runs and variants[runs[-1][1]].activation == v.activation:
            runs[-1] = (runs[-1][0], runs[-1][1], i + 1)
        else:
            runs.append((ACTIVATIONS[v.activation], i, i + 1))
    return runs


def _depth_order(config: GPTConfig, variants: Sequence[Variant]) -> list[int]:
    """Variant indices sorted by (depth descending, activation); checks depth and activation."""
    for v in variants:
        if not 1 <= v.depth <= config.n_layer or v.activation not in ACTIVATIONS:
            raise ValueError(f"bad variant {v}: depth must be in 1..{config.n_layer}, "
                             f"activation one of {sorted(ACTIVATIONS)}")
    return sorted(range(len(variants)), key=lambda i: (-variants[i].depth, variants[i].activation))


@torch.no_grad()
def decode_logits(weights: GPTWeights, variants: Sequence[Variant], ids: torch.Tensor) -> torch.Tensor:
    """Teacher-forced cached decoding: ids (S, C, P, T) -> logits (S, C, P, T, V), C in given order."""
    order = _depth_order(weights.config, variants)
    perm = torch.tensor(order, device=ids.device)
    dec = _CachedDecoder(weights, [variants[i] for i in order], ids.shape[2], ids.shape[3])
    logits = torch.stack([dec.step(ids[:, perm, :, t]) for t in range(ids.shape[3])], dim=3)
    return logits[:, torch.argsort(perm)]


@torch.no_grad()
def generate(weights: GPTWeights, variants: Sequence[Variant], prompts: torch.Tensor, n_new: int,
             max_sequences: int = 4096) -> torch.Tensor:
    """Greedy decoding of n_new tokens from one-token prompts (S, P) -> ids (S, C, P, n_new + 1).

    Every model x variant x prompt advances in one batched forward per token (KV cache, no stop
    token). Chunks of at most ``max_sequences`` sequences bound the cache memory.
    """
    cfg, (s, p) = weights.config, prompts.shape
    if n_new > cfg.n_positions:
        raise ValueError(f"n_new={n_new} exceeds n_positions={cfg.n_positions}; lower it")
    order = _depth_order(cfg, variants)
    p_chunk = max(1, min(p, max_sequences // s))
    c_chunk = max(1, max_sequences // (s * p_chunk))
    out = prompts.new_empty((s, len(variants), p, n_new + 1))
    for c0 in range(0, len(order), c_chunk):  # memory-bounded chunks of one batched program
        idx = order[c0: c0 + c_chunk]
        for p0 in range(0, p, p_chunk):
            chunk = _greedy(weights, [variants[i] for i in idx], prompts[:, p0: p0 + p_chunk], n_new)
            out[:, idx, p0: p0 + p_chunk] = chunk
    return out


def _greedy(weights: GPTWeights, variants: list[Variant], prompts: torch.Tensor, n_new: int) -> torch.Tensor:
    """Greedy argmax decoding of depth-sorted variants: prompts (S, P) -> (S, C, P, n_new + 1)."""
    dec = _CachedDecoder(weights, variants, prompts.shape[1], max(n_new, 1))
    ids = prompts.unsqueeze(1).expand(-1, len(variants), -1).contiguous()  # (S, C, P)
    seq = [ids]
    for _ in range(n_new):
        ids = dec.step(ids).argmax(-1)
        seq.append(ids)
    return torch.stack(seq, dim=-1)
