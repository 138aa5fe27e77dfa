"""Population-batched SGD for bias-free networks (SGD-vs-architecture spec D6).

P models (every seed of every training set of a cell) train together as one batched model: layer l is
a tensor (P, *shape_l), model p has its own training set x[p], its own shuffling per epoch and its own
gradient. The loss summed over models has per-model gradients equal to each model's own loss gradient,
so one backward pass is P independent SGD steps.

Spec D6 (from the authors' code): Kaiming-uniform weights (bound sqrt(6 / fan_in)), SGD(lr = 0.01,
momentum = 0), batch size min(n/2, 2), per-batch cross-entropy *summed* over the batch, a fixed 60
epochs each a fresh random permutation of the n samples, no early stopping; afterwards only models with
exactly 100% training accuracy are kept (the selection, reported as the fit fraction).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
                reduction: str) -> torch.Tensor:
    """Sum over models of each model's batch loss; xb: (P, B, ...), yb: (P, B)."""
    logits = arch.forward(weights, xb)  # (P, B, 2)
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yb.reshape(-1), reduction="none")
    ce = ce.reshape(yb.shape)  # (P, B)
    per_model = ce.sum(-1) if reduction == "sum" else ce.mean(-1)  # (P,)
    return per_model.sum()


def train_sgd(arch: Architecture, init: Weights, x: torch.Tensor, y: torch.Tensor, cfg: SGDConfig,
              orders: torch.Tensor) -> Weights:
    """Train P models from ``init`` (layer l: (P, *shape_l)) on x (P, n, ...), y (P, n).

    ``orders`` (epochs, P, n) gives each model's sample order per epoch (see :func:`epoch_orders`); the
    batches of an epoch are consecutive slices of it (the last one shorter if B does not divide n).
    Loops over steps only. Returns the trained weights (detached).
    """
    weights = [w.detach().clone().requires_grad_(True) for w in init]
    bufs: list[torch.Tensor | None] = [None] * len(weights)
    n, bsz = x.shape[1], cfg.batch_for(x.shape[1])
    rows = torch.arange(x.shape[0], device=x.device)[:, None]  # (P, 1)
    for order in orders:  # (P, n) one epoch
        for lo in range(0, n, bsz):
            idx = order[:, lo:lo + bsz]  # (P, B)
            loss = _batch_loss(arch, weights, x[rows, idx], y[rows, idx], cfg.reduction)
            grads = torch.autograd.grad(loss, weights)
            with torch.no_grad():
                for i, (w, g) in enumerate(zip(weights, grads)):
                    if cfg.momentum:
                        bufs[i] = g if bufs[i] is None else cfg.momentum * bufs[i] + g
                        g = bufs[i]
                    w -= cfg.lr * g
    return [w.detach() for w in weights]
