"""Bias-free ReLU network populations: N networks as one tensor program (SGD-vs-architecture spec D3).

A network is a list of weight tensors; a *population* stacks them along leading dimensions, so layer l
of P networks is a tensor (*pop, *shape_l). Every architecture here has no biases, ReLU activations and
2 output logits, hence is positively homogeneous in each layer's weights (spec D8): scaling layer l by
c_l > 0 scales the logits by prod_l c_l > 0 and leaves every prediction unchanged.

- :class:`MLP` (digits width/depth sweeps; on MNIST/CIFAR the loaders pre-apply the code's 2x2 input
  max-pool, which is fixed and so equivalent to pooling inside the net).
- :class:`LeNet` (paper budget): conv5-relu-pool, conv5-relu-pool, three fully connected layers, widths
  (floor(6w), floor(16w), floor(120w), floor(84w)) as in the authors' code.
- :class:`ResNet` (paper budget): the authors' small ResNet layout (prep, layer1 + residual, layer2,
  layer3 + residual, pool, linear x 0.125, channels 6w, 12w, 24w, 48w) **without batch normalisation**
  (the code's BN takes running statistics from the training batch, a stateful train/test split this
  functional population form does not model). Its residual sums make it homogeneous only under a common
  scale of the two branches, so spec D8's exact invariance is claimed for the MLP alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F

Weights = list[torch.Tensor]


def fan_in(shape: Sequence[int]) -> int:
    """Inputs feeding one output unit of a layer of this weight shape (out, in, *kernel)."""
    return math.prod(shape[1:])


def draw_uniform(shapes: Sequence[Sequence[int]], pop: Sequence[int], generator: torch.Generator,
                 low: float = -1.0, high: float = 1.0, dtype: torch.dtype = torch.float32) -> Weights:
    """i.i.d. U[low, high] weights, layer l of shape (*pop, *shapes[l]) (spec D4), on the generator's device."""
    dev = generator.device
    return [torch.empty(*pop, *s, device=dev, dtype=dtype).uniform_(low, high, generator=generator)
            for s in shapes]


def kaiming_bounds(shapes: Sequence[Sequence[int]]) -> list[float]:
    """Kaiming-uniform bound b_l = sqrt(6 / fan_in_l) per layer (spec D6)."""
    return [math.sqrt(6.0 / fan_in(s)) for s in shapes]


def rescale(weights: Weights, scales: Sequence[float]) -> Weights:
    """Layer l multiplied by scales[l] (> 0 keeps every prediction, spec D8)."""
    return [w * c for w, c in zip(weights, scales)]


def kaiming_uniform(shapes: Sequence[Sequence[int]], pop: Sequence[int], generator: torch.Generator,
                    dtype: torch.dtype = torch.float32) -> Weights:
    """Kaiming-uniform initialisation U[-b_l, b_l], b_l = sqrt(6 / fan_in) (spec D6)."""
    return rescale(draw_uniform(shapes, pop, generator, dtype=dtype), kaiming_bounds(shapes))


def n_weights(shapes: Sequence[Sequence[int]]) -> int:
    """Total number of weights of one network."""
    return sum(math.prod(s) for s in shapes)


def _first_layer(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """W x in column layout: w (*pop, out, in), x (*pop', B, in) -> (*pop, out, B).

    When x is shared along the last population axis (size 1 there, e.g. M draws of one training set),
    the M weight matrices are stacked into one (M*out, in) matrix: one large matmul instead of M small
    ones (about 7x faster for narrow nets on CPU)."""
    pop = w.shape[:-2]
    if len(pop) and x.dim() - 2 == len(pop) and x.shape[-3] == 1:
        out, d_in = w.shape[-2:]
        xs = x.squeeze(-3).expand(*pop[:-1], *x.shape[-2:])  # (*lead, B, in)
        h = w.reshape(*pop[:-1], pop[-1] * out, d_in) @ xs.transpose(-1, -2)  # (*lead, M*out, B)
        return h.view(*pop, out, x.shape[-2])
    return w @ x.transpose(-1, -2)  # (*pop, out, B)


def _dense(weights: Weights, x: torch.Tensor) -> torch.Tensor:
    """ReLU between bias-free dense layers: x (*pop', B, d_in) -> logits (*pop, B, d_out).

    Activations are kept as columns, (*pop, width, B), so no weight tensor is ever transposed or copied."""
    h = _first_layer(weights[0], x)  # (*pop, out_0, B)
    for w in weights[1:]:
        h = w @ torch.relu(h)  # (*pop, out_l, B)
    return h.transpose(-1, -2)  # (*pop, B, d_out)


@dataclass(frozen=True)
class MLP:
    """Bias-free ReLU MLP d_in -> hidden[0] -> ... -> d_out (spec D3: MLP-1(h), MLP-paper(k), MLP-depth(L))."""

    d_in: int
    hidden: tuple[int, ...]
    d_out: int = 2

    @property
    def shapes(self) -> list[tuple[int, int]]:
        dims = (self.d_in, *self.hidden, self.d_out)
        return [(dims[i + 1], dims[i]) for i in range(len(dims) - 1)]

    def forward(self, weights: Weights, x: torch.Tensor) -> torch.Tensor:
        """weights[l]: (*pop, out_l, in_l); x: (*pop', B, d_in) broadcastable -> logits (*pop, B, d_out)."""
        return _dense(weights, x)


def _tile_input(x: torch.Tensor, pop: Sequence[int]) -> torch.Tensor:
    """x (*pop', B, C, H, W) broadcast to pop -> (B, P*C, H, W) for grouped convolution."""
    b, c, hh, ww = x.shape[-4:]
    x = x.expand(*pop, b, c, hh, ww).reshape(-1, b, c, hh, ww)  # (P, B, C, H, W)
    return x.transpose(0, 1).reshape(b, -1, hh, ww)  # (B, P*C, H, W)


def _conv(h: torch.Tensor, w: torch.Tensor, padding: int = 0) -> torch.Tensor:
    """Grouped convolution: h (B, P*C_in, H, W), w (P, C_out, C_in, k, k) -> (B, P*C_out, H', W')."""
    p, co = w.shape[:2]
    return F.conv2d(h, w.reshape(p * co, *w.shape[2:]), padding=padding, groups=p)


def _to_dense(h: torch.Tensor, pop: Sequence[int]) -> torch.Tensor:
    """(B, P*C, H, W) -> (*pop, B, C*H*W), per network features in (C, H, W) order."""
    b = h.shape[0]
    p = math.prod(pop)
    h = h.reshape(b, p, -1).transpose(0, 1)  # (P, B, C*H*W)
    return h.reshape(*pop, b, -1)


@dataclass(frozen=True)
class LeNet:
    """Bias-free LeNet population (spec D3): channels/units (floor(6w), floor(16w), floor(120w), floor(84w))."""

    in_channels: int
    side: int  # 28 (MNIST) or 32 (CIFAR-10)
    width: float = 1.0
    d_out: int = 2

    def _dims(self) -> tuple[int, int, int, int, int]:
        c1, c2, f1, f2 = (max(1, math.floor(k * self.width)) for k in (6, 16, 120, 84))
        s = ((self.side - 4) // 2 - 4) // 2  # two conv5 + pool2 stages
        return c1, c2, f1, f2, s

    @property
    def shapes(self) -> list[tuple[int, ...]]:
        c1, c2, f1, f2, s = self._dims()
        return [(c1, self.in_channels, 5, 5), (c2, c1, 5, 5), (f1, c2 * s * s), (f2, f1), (self.d_out, f2)]

    def forward(self, weights: Weights, x: torch.Tensor) -> torch.Tensor:
        """weights[l]: (*pop, *shape_l); x: (*pop', B, C, H, W) -> logits (*pop, B, d_out)."""
        pop = weights[0].shape[:-4]
        h = _tile_input(x, pop)  # (B, P*C, H, W)
        for w in weights[:2]:
            h = F.max_pool2d(torch.relu(_conv(h, w.reshape(-1, *w.shape[-4:]))), 2)
        return _dense(weights[2:], _to_dense(h, pop))


@dataclass(frozen=True)
class ResNet:
    """Bias-free, BN-free version of the authors' small ResNet (see module docstring)."""

    in_channels: int
    side: int  # 28 (MNIST) or 32 (CIFAR-10)
    width: float = 1.0
    d_out: int = 2
    head_scale: float = 0.125  # the code's Mul(0.125) on the logits

    def _channels(self) -> tuple[int, int, int, int]:
        return tuple(max(1, math.floor(k * self.width)) for k in (6, 12, 24, 48))  # type: ignore[return-value]

    @property
    def shapes(self) -> list[tuple[int, ...]]:
        c0, c1, c2, c3 = self._channels()
        conv = [(c0, self.in_channels), (c1, c0), (c1, c1), (c1, c1), (c2, c1), (c3, c2), (c3, c3), (c3, c3)]
        return [(o, i, 3, 3) for o, i in conv] + [(self.d_out, c3)]

    def forward(self, weights: Weights, x: torch.Tensor) -> torch.Tensor:
        """weights[l]: (*pop, *shape_l); x: (*pop', B, C, H, W) -> logits (*pop, B, d_out)."""
        pop = weights[0].shape[:-4]
        ws = [w.reshape(-1, *w.shape[-4:]) for w in weights[:-1]]  # (P, C_out, C_in, 3, 3)

        def block(h: torch.Tensor, w: torch.Tensor, pool: bool) -> torch.Tensor:
            h = torch.relu(_conv(h, w, padding=1))
            return F.max_pool2d(h, 2) if pool else h

        h = block(_tile_input(x, pop), ws[0], False)  # prep
        h = block(h, ws[1], True)  # layer1
        h = h + block(block(h, ws[2], False), ws[3], False)  # layer1 residual
        h = block(h, ws[4], True)  # layer2
        h = block(h, ws[5], True)  # layer3
        h = h + block(block(h, ws[6], False), ws[7], False)  # layer3 residual
        h = F.adaptive_max_pool2d(h, 1)  # (B, P*C3, 1, 1): the code's final max-pool
        return self.head_scale * _dense(weights[-1:], _to_dense(h, pop))


Architecture = MLP | LeNet | ResNet


def masked_accuracy(arch: Architecture, weights: Weights, x: torch.Tensor, y: torch.Tensor,
                    mask: torch.Tensor, chunk: int = 256) -> torch.Tensor:
    """Accuracy in [0, 1] of each of A networks on its own subset of a shared pool.

    weights[l]: (A, *shape_l); x: (N, *features); y: (N,) in {0, 1}; mask: (A, N) bool (e.g. the
    owner set's test examples). Ties count as errors. Networks are processed in chunks of ``chunk``.
    """
    out = []
    for lo in range(0, weights[0].shape[0], chunk):  # chunks of a population, not single networks
        logits = arch.forward([w[lo:lo + chunk] for w in weights], x.unsqueeze(0))  # (a, N, 2)
        d = logits[..., 1] - logits[..., 0]  # (a, N)
        correct = torch.where(y.bool(), d > 0, d < 0) & mask[lo:lo + chunk]
        out.append(correct.sum(-1) / mask[lo:lo + chunk].sum(-1).clamp(min=1))
    return torch.cat(out) if out else torch.zeros(0, device=x.device)
