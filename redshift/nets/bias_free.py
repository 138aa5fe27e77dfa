"""ReLU network populations, bias-free or with biases: N networks as one tensor program (SGD-vs-architecture
spec D3, Revision 2).

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

Biases (spec Revision 2, as the authors' code): G&C networks have zero biases, i.e. these bias-free
networks; SGD networks carry biases initialised to zero and trained with the weights: :class:`Biased`
wraps an architecture so that its parameter list is the weights followed by one bias per layer.
Predictions are ``argmax`` over the 2 logits with an exact tie giving label 0 (:func:`predict`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
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


class UniformSource:
    """i.i.d. U[low, high] weight populations for Guess & Check (spec D4), from one stream seeded by a
    torch.Generator.

    On CPU the bits come from numpy's SFC64 (seeded once from ``generator``) and become floats in blocks that
    stay in cache: a signed 32-bit (64-bit for float64) integer k gives k 2^-31 (2^-63) rounded to the
    dtype, so float32 weights cover [-1, 1] with spacing at most 2^-24, as fine as torch's own ``uniform_``,
    at 2-2.5 times its rate (6-7e8 against about 3e8 floats/s on one core of the 2-core machine; drawing is
    most of G&C's time), then an affine map to [low, high] (closed: a bound that float32 cannot represent
    may be reached rounded). On CUDA it is ``uniform_`` with the generator itself.
    A population is one flat draw split into layers, layer 0 of every network first.
    """

    BLOCK = 1 << 18  # floats converted per step: 1 MiB of float32 and 1 MiB of bits, resident in L2

    def __init__(self, generator: torch.Generator):
        self._gen = generator
        self._bits: np.random.SFC64 | None = None
        self._kept: torch.Tensor | None = None
        if generator.device.type == "cpu":
            self._bits = np.random.SFC64(int(torch.randint(0, 2**62, (1,), generator=generator)))

    def draw(self, shapes: Sequence[Sequence[int]], pop: Sequence[int], low: float = -1.0, high: float = 1.0,
             dtype: torch.dtype = torch.float32, reuse: bool = False) -> Weights:
        """Layer l of shape (*pop, *shapes[l]), i.i.d. U[low, high]. With ``reuse`` the layers are views of
        one buffer this source keeps and overwrites at its next ``reuse`` draw (a batch loop that copies
        what it keeps allocates its largest buffer once: a fresh 30-40 MiB tensor per batch, above glibc's
        32 MiB mmap threshold, costs page faults on every batch)."""
        sizes = [math.prod(pop) * math.prod(s) for s in shapes]
        flat = self._buffer(sum(sizes), dtype) if reuse else torch.empty(sum(sizes), device=self._gen.device,
                                                                           dtype=dtype)
        if self._bits is None or dtype not in (torch.float32, torch.float64):
            flat.uniform_(low, high, generator=self._gen)
        else:
            self._fill(flat.numpy(), low, high)
        return [part.view(*pop, *s) for part, s in zip(flat.split(sizes), shapes)]

    def _buffer(self, size: int, dtype: torch.dtype) -> torch.Tensor:
        """The first ``size`` elements of the kept buffer, grown (never shrunk) as needed."""
        buf = self._kept
        if buf is None or buf.dtype != dtype or buf.numel() < size:
            buf = self._kept = torch.empty(size, device=self._gen.device, dtype=dtype)
        return buf[:size]

    def _fill(self, out: np.ndarray, low: float, high: float) -> None:
        """out (flat numpy float32/float64) <- U[low, high], block by block."""
        ints = np.int32 if out.dtype == np.float32 else np.int64
        scale = out.dtype.type((high - low) / 2 * 2.0 ** (1 - 8 * out.itemsize))  # k -> [-(h-l)/2, (h-l)/2]
        mid = out.dtype.type((high + low) / 2)
        for lo in range(0, out.size, self.BLOCK):
            part = out[lo:lo + self.BLOCK]
            raw = self._bits.random_raw(-(-part.size * out.itemsize // 8)).view(ints)[:part.size]
            np.multiply(raw, scale, out=part, dtype=out.dtype)
            if mid:
                part += mid


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


def _add_bias(h: torch.Tensor, biases: Weights | None, layer: int) -> torch.Tensor:
    """h (*pop, out, B) plus bias (*pop, out) of this layer, when biases are given."""
    return h if biases is None else h + biases[layer].unsqueeze(-1)


def _dense(weights: Weights, x: torch.Tensor, biases: Weights | None = None) -> torch.Tensor:
    """ReLU between dense layers: x (*pop', B, d_in) -> logits (*pop, B, d_out); biases[l] (*pop, out_l).

    Activations are kept as columns, (*pop, width, B), so no weight tensor is ever transposed or copied."""
    h = _add_bias(_first_layer(weights[0], x), biases, 0)  # (*pop, out_0, B)
    for layer, w in enumerate(weights[1:], start=1):
        h = _add_bias(w @ torch.relu(h), biases, layer)  # (*pop, out_l, B)
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

    def forward(self, weights: Weights, x: torch.Tensor, biases: Weights | None = None) -> torch.Tensor:
        """weights[l]: (*pop, out_l, in_l); x: (*pop', B, d_in) broadcastable -> logits (*pop, B, d_out)."""
        return _dense(weights, x, biases)


def _tile_input(x: torch.Tensor, pop: Sequence[int]) -> torch.Tensor:
    """x (*pop', B, C, H, W) broadcast to pop -> (B, P*C, H, W) for grouped convolution."""
    b, c, hh, ww = x.shape[-4:]
    x = x.expand(*pop, b, c, hh, ww).reshape(-1, b, c, hh, ww)  # (P, B, C, H, W)
    return x.transpose(0, 1).reshape(b, -1, hh, ww)  # (B, P*C, H, W)


def _conv(h: torch.Tensor, w: torch.Tensor, padding: int = 0, b: torch.Tensor | None = None) -> torch.Tensor:
    """Grouped convolution: h (B, P*C_in, H, W), w (P, C_out, C_in, k, k), bias b (P, C_out) or None
    -> (B, P*C_out, H', W')."""
    p, co = w.shape[:2]
    return F.conv2d(h, w.reshape(p * co, *w.shape[2:]), None if b is None else b.reshape(-1),
                    padding=padding, groups=p)


def _conv_biases(biases: Weights | None, layers: int) -> list:
    """The first ``layers`` biases flattened to (P, C_out), or Nones."""
    if biases is None:
        return [None] * layers
    return [b.reshape(-1, b.shape[-1]) for b in biases[:layers]]


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

    def forward(self, weights: Weights, x: torch.Tensor, biases: Weights | None = None) -> torch.Tensor:
        """weights[l]: (*pop, *shape_l); x: (*pop', B, C, H, W) -> logits (*pop, B, d_out)."""
        pop = weights[0].shape[:-4]
        h = _tile_input(x, pop)  # (B, P*C, H, W)
        for w, b in zip(weights[:2], _conv_biases(biases, 2)):
            h = F.max_pool2d(torch.relu(_conv(h, w.reshape(-1, *w.shape[-4:]), b=b)), 2)
        return _dense(weights[2:], _to_dense(h, pop), None if biases is None else biases[2:])


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

    def forward(self, weights: Weights, x: torch.Tensor, biases: Weights | None = None) -> torch.Tensor:
        """weights[l]: (*pop, *shape_l); x: (*pop', B, C, H, W) -> logits (*pop, B, d_out)."""
        pop = weights[0].shape[:-4]
        ws = [w.reshape(-1, *w.shape[-4:]) for w in weights[:-1]]  # (P, C_out, C_in, 3, 3)
        bs = _conv_biases(biases, len(ws))

        def block(h: torch.Tensor, i: int, pool: bool) -> torch.Tensor:
            h = torch.relu(_conv(h, ws[i], padding=1, b=bs[i]))
            return F.max_pool2d(h, 2) if pool else h

        h = block(_tile_input(x, pop), 0, False)  # prep
        h = block(h, 1, True)  # layer1
        h = h + block(block(h, 2, False), 3, False)  # layer1 residual
        h = block(h, 4, True)  # layer2
        h = block(h, 5, True)  # layer3
        h = h + block(block(h, 6, False), 7, False)  # layer3 residual
        h = F.adaptive_max_pool2d(h, 1)  # (B, P*C3, 1, 1): the code's final max-pool
        head = None if biases is None else biases[-1:]
        return self.head_scale * _dense(weights[-1:], _to_dense(h, pop), head)


@dataclass(frozen=True)
class Biased:
    """``base`` with one bias per layer (spec Revision 2: SGD networks, zero at initialisation, trained).

    Its parameter list is the base's weights followed by the biases, bias l of shape (*pop, out_l), so
    batched training (redshift.train.sgd) trains both without knowing about biases."""

    base: MLP | LeNet | ResNet

    @property
    def shapes(self) -> list[tuple[int, ...]]:
        return list(self.base.shapes) + [(s[0],) for s in self.base.shapes]

    def split(self, params: Weights) -> tuple[Weights, Weights]:
        """(weights, biases) of a parameter list."""
        k = len(self.base.shapes)
        return params[:k], params[k:]

    def forward(self, params: Weights, x: torch.Tensor) -> torch.Tensor:
        w, b = self.split(params)
        return self.base.forward(w, x, biases=b)


def with_zero_biases(arch: MLP | LeNet | ResNet, weights: Weights) -> Weights:
    """The parameter list of ``Biased(arch)``: the weights and zero biases (the code's initialisation)."""
    pop = weights[0].shape[:weights[0].dim() - len(arch.shapes[0])]
    return list(weights) + [torch.zeros(*pop, s[0], dtype=weights[0].dtype, device=weights[0].device)
                            for s in arch.shapes]


Architecture = MLP | LeNet | ResNet | Biased


def predict(logits: torch.Tensor) -> torch.Tensor:
    """Labels (...,) of 2-logit outputs (..., 2): argmax, an exact tie giving label 0 (the reference code)."""
    return (logits[..., 1] > logits[..., 0]).long()


def masked_scores(arch: Architecture, weights: Weights, x: torch.Tensor, y: torch.Tensor,
                  mask: torch.Tensor, chunk: int = 256) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(accuracy, accuracy with ties as errors, tie rate), each (A,) in [0, 1], of A networks on their own
    subsets of a shared pool.

    weights[l]: (A, *shape_l); x: (N, *features); y: (N,) in {0, 1}; mask: (A, N) bool (e.g. the
    owner set's test examples). Accuracy uses :func:`predict` (a tie is label 0); the variant counts a
    tie as an error; the tie rate is the share of masked inputs with exactly equal logits."""
    acc, strict, ties = [], [], []
    for lo in range(0, weights[0].shape[0], chunk):  # chunks of a population, not single networks
        logits = arch.forward([w[lo:lo + chunk] for w in weights], x.unsqueeze(0))  # (a, N, 2)
        m = mask[lo:lo + chunk]
        count = m.sum(-1).clamp(min=1)
        tie = (logits[..., 1] == logits[..., 0]) & m  # (a, N)
        correct = (predict(logits) == y) & m
        acc.append(correct.sum(-1) / count)
        strict.append((correct & ~tie).sum(-1) / count)
        ties.append(tie.sum(-1) / count)
    if not acc:
        empty = torch.zeros(0, device=x.device)
        return empty, empty, empty
    return torch.cat(acc), torch.cat(strict), torch.cat(ties)


def masked_accuracy(arch: Architecture, weights: Weights, x: torch.Tensor, y: torch.Tensor,
                    mask: torch.Tensor, chunk: int = 256) -> torch.Tensor:
    """(A,) accuracy in [0, 1] (argmax, a tie is label 0) of each network on its masked inputs."""
    return masked_scores(arch, weights, x, y, mask, chunk)[0]
