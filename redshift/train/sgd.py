"""Population-batched SGD (SGD-vs-architecture spec D6, Revision 2).

P models (every seed of every training set of a cell) train together as one batched model: layer l is
a tensor (P, *shape_l), model p has its own training set x[p], its own shuffling per epoch and its own
gradient. The loss summed over models has per-model gradients equal to each model's own loss gradient,
so one backward pass is P independent SGD steps.

The trained parameters are whatever list the architecture takes: a bias-free network's weights, or
``Biased(arch)``'s weights followed by its biases (Revision 2: biases initialised to zero and trained
with the weights, as in the authors' code; redshift.nets.bias_free.with_zero_biases).

Spec D6 (from the authors' code): Kaiming-uniform weights (bound sqrt(6 / fan_in)), SGD(lr = 0.01,
momentum = 0), batch size min(n/2, 2), per-batch cross-entropy *summed* over the batch, a fixed 60
epochs each a fresh random permutation of the n samples, no early stopping; afterwards only models with
exactly 100% training accuracy are kept (the selection, reported as the fit fraction).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Literal, Sequence

import torch
import torch.nn.functional as F

from redshift.nets.bias_free import Architecture, Weights


@dataclass(frozen=True)
class SGDConfig:
    """lr, momentum (torch.optim.SGD convention, dampening 0), epochs, batch_size (None: min(n/2, 2), the
    spec's rule; "full": all n samples, i.e. full-batch GD), reduction of the per-batch cross-entropy."""

    lr: float = 0.01
    momentum: float = 0.0
    epochs: int = 60
    batch_size: int | Literal["full"] | None = None
    reduction: Literal["sum", "mean"] = "sum"

    def batch_for(self, n: int) -> int:
        """The batch size used for training sets of size n (spec D6: min(n/2, 2) by default)."""
        if self.batch_size == "full":
            return n
        return self.batch_size if self.batch_size is not None else max(1, min(n // 2, 2))


def epoch_orders(p: int, n: int, epochs: int, generator: torch.Generator) -> torch.Tensor:
    """(epochs, P, n) an independent random permutation of the n samples per model and epoch."""
    keys = torch.rand(epochs, p, n, generator=generator, device=generator.device)
    return keys.argsort(dim=-1)


def _batch_loss(arch: Architecture, weights: Weights, xb: torch.Tensor, yb: torch.Tensor,
                reduction: str, valid: torch.Tensor | None = None) -> torch.Tensor:
    """Sum over models of each model's batch loss; xb: (P, B, ...), yb: (P, B); valid (P, B) optional:
    only those entries count (the sum, or the mean over a model's valid entries)."""
    logits = arch.forward(weights, xb)  # (P, B, 2)
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yb.reshape(-1), reduction="none")
    ce = ce.reshape(yb.shape)  # (P, B)
    if valid is None:
        per_model = ce.sum(-1) if reduction == "sum" else ce.mean(-1)  # (P,)
    else:
        per_model = torch.where(valid, ce, torch.zeros_like(ce)).sum(-1)
        if reduction == "mean":
            per_model = per_model / valid.sum(-1).clamp(min=1)
    return per_model.sum()


def pad_orders(orders: Sequence[torch.Tensor]) -> torch.Tensor:
    """Concatenate per-group orders (epochs, P_g, n_g) along models into (epochs, P, max n_g), padding
    each model's order with index 0 after its own n_g samples (the padding is never trained on)."""
    n_max = max(o.shape[-1] for o in orders)
    return torch.cat([F.pad(o, (0, n_max - o.shape[-1])) for o in orders], dim=1)


def train_sgd(arch: Architecture, init: Weights, x: torch.Tensor, y: torch.Tensor, cfg: SGDConfig,
              orders: torch.Tensor, sizes: torch.Tensor | None = None) -> Weights:
    """Train P models from ``init`` (layer l: (P, *shape_l)) on x (P, n, ...), y (P, n).

    ``orders`` (epochs, P, n) gives each model's sample order per epoch (see :func:`epoch_orders`); the
    batches of an epoch are consecutive slices of it (the last one shorter if B does not divide n).
    ``sizes`` (P,) optional: model p trains on its first sizes[p] samples only (x, y, orders padded to n
    beyond them, see :func:`pad_orders`), with its own batch size ``cfg.batch_for(sizes[p])``. Every epoch
    runs as many steps as the model with the most batches; a model's steps beyond its own batches are
    masked (no update, no momentum change), so each model gets exactly the updates it gets trained alone;
    when the models are ordered by their number of batches (e.g. sizes stacked in ascending order), a step
    computes only the models that have a batch at it (a suffix of views), the same arithmetic without the
    masked work. Loops over steps only. Returns the trained weights (detached).
    """
    weights = [w.detach().clone().requires_grad_(True) for w in init]
    bufs: list[torch.Tensor | None] = [None] * len(weights)
    p, n = x.shape[0], x.shape[1]
    if sizes is None:
        sizes = torch.full((p,), n, dtype=torch.long, device=x.device)
    sizes_l = [int(v) for v in sizes.tolist()]
    if max(sizes_l) > n or min(sizes_l) < 1:
        raise ValueError(f"sizes must lie in 1..{n}")
    dev = x.device
    bsz = torch.tensor([cfg.batch_for(v) for v in sizes_l], dtype=torch.long, device=dev)  # (P,)
    sz = torch.as_tensor(sizes_l, dtype=torch.long, device=dev)
    steps = [-(-v // cfg.batch_for(v)) for v in sizes_l]  # batches per epoch of each model
    b_max, k_max = int(bsz.max()), max(steps)
    uniform = min(sizes_l) == n  # every model uses all n samples (and so one batch size): no masking
    # Models ordered by their step count (sizes stacked in ascending order): the models with a batch at step
    # j are a suffix p >= start[j], so step j computes that suffix alone (views, no copies).
    suffix = all(a <= b for a, b in zip(steps, steps[1:]))
    start = [bisect.bisect_right(steps, j) for j in range(k_max)] if suffix else [0] * k_max
    rows = torch.arange(p, device=dev)[:, None]  # (P, 1)
    col = torch.arange(b_max, device=dev)[None, :]  # (1, B)
    for order in orders:  # (P, n) one epoch
        for j in range(k_max):
            a = start[j]
            if uniform:
                lo = j * b_max
                idx, valid, live = order[:, lo:lo + b_max], None, None
            else:
                pos = j * bsz[a:, None] + col  # (P - a, B) positions in each model's order
                valid = (col < bsz[a:, None]) & (pos < sz[a:, None])  # (P - a, B) real samples of this step
                idx = order[a:].gather(1, pos.clamp(max=n - 1))
                live = None if suffix else valid.any(-1)  # (P,) models with a real batch at step j
            ws = [w[a:] for w in weights] if a else weights
            loss = _batch_loss(arch, ws, x[rows[a:], idx], y[rows[a:], idx], cfg.reduction, valid)
            grads = torch.autograd.grad(loss, ws)
            with torch.no_grad():
                for i, (w, g) in enumerate(zip(ws, grads)):
                    if cfg.momentum:
                        buf = bufs[i]
                        if buf is None:  # the first step (j = 0): every model has a batch, a = 0
                            bufs[i] = g
                        elif live is None:  # the models a.. that have a batch (a = 0: all of them)
                            g = buf[a:].mul_(cfg.momentum).add_(g)
                        else:  # masked: a model without a batch keeps its buffer
                            g = buf.copy_(torch.where(_expand(live, buf), cfg.momentum * buf + g, buf))
                    if live is None:
                        w -= cfg.lr * g
                    else:
                        w.copy_(torch.where(_expand(live, w), w - cfg.lr * g, w))
    return [w.detach() for w in weights]


def _expand(mask: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """(P,) mask viewed as (P, 1, ..., 1) to broadcast against ``like`` (P, ...)."""
    return mask.reshape(mask.shape + (1,) * (like.dim() - 1))
