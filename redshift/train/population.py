"""Full-batch Adam training of a stacked model population (Neural Redshift spec §3.3, §3.4).

All members (every activation x prefactor x seed cell) form one model whose parameters are stacked
along a member axis; the loss is the sum over members of each member's mean loss. Members share no
parameter, so each receives exactly its own gradient, and Adam is elementwise, so one batched run
equals training every member alone (tests/train/test_population.py checks this).
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Literal

import torch

from redshift.threads import torch_threads
import torch.nn.functional as F

Loss = Literal["bce", "mse"]


@dataclass(frozen=True)
class TrainConfig:
    """Full-batch Adam: steps, learning rate, loss ("bce": BCE with logits, "mse"), betas."""

    steps: int
    lr: float
    loss: Loss
    betas: tuple[float, float] = (0.9, 0.999)


def member_loss(pred: torch.Tensor, target: torch.Tensor, loss: Loss) -> torch.Tensor:
    """Per-member mean loss: pred (N, n), target (N, n) or (n,) -> (N,)."""
    target = target.expand_as(pred)
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(pred, target, reduction="none").mean(-1)
    if loss == "mse":
        return (pred - target).square().mean(-1)
    raise ValueError(f"loss must be 'bce' or 'mse', got {loss!r}")


def train_population(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, cfg: TrainConfig) -> torch.Tensor:
    """Train in place on x (N, n, d) or shared (n, d) with targets (N, n) or (n,); returns final losses (N,)."""
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=cfg.betas, fused=True)
    for _ in range(cfg.steps):  # loop over steps only; all members advance together
        opt.zero_grad(set_to_none=True)
        member_loss(model(x), y, cfg.loss).sum().backward()
        opt.step()
    with torch.no_grad():
        return member_loss(model(x), y, cfg.loss)


def single_thread(device: torch.device | str) -> contextlib.AbstractContextManager:
    """Run small CPU populations on one intra-op thread (less contention than 2 spinning threads); restores it."""
    return torch_threads(1 if torch.device(device).type == "cpu" else None)
