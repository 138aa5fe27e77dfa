"""Population-batched training of quadratic MLPs on corrupted modular addition (grokking_corrupted spec D5, D6, s3).

All B networks (cells of a sweep: regulariser x corruption x seed) train as one batched model with per-network
weight decay, dropout rate, BatchNorm flag, learning rate, labels, training mask and horizon; a network leaves the
batch at its horizon. Loss (D5): L_b = (1 / (n_b p)) sum_{i in train_b} sum_q (f_q(x_i) - [q = y~_i])^2, each
network normalised by its own n_train (or batch size). Optimiser (D6): AdamW exactly as torch.optim.AdamW,
decoupled decay theta <- theta (1 - lr lambda) and then the Adam step, betas (0.9, 0.98), eps 1e-8, on U, V, W,
gamma, beta. Full batch: one step is one epoch. Minibatch: a new permutation per epoch (hash-keyed per network),
the last incomplete batch dropped. At checkpoints the inference-mode accuracies (D7), MSEs, IPR summaries (D10)
and ||theta||^2 (D14) are recorded in a History.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable

import torch

from redshift.data.modular import CorruptedSplit
from redshift.metrics.ipr import ipr_summary, neuron_ipr
from redshift.metrics.phases import subset_accuracies
from redshift.nets import quadratic as qn
from redshift.nets.quadratic import QuadraticState


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser and batching (spec D6); batch_size None is full batch."""

    betas: tuple[float, float] = (0.9, 0.98)
    eps: float = 1e-8
    batch_size: int | None = None


@dataclass(frozen=True)
class Population:
    """Per-network settings, B rows each: labels, train, corrupted (B, p^2); clean (p^2,); weight_decay, dropout,
    lr (B,) float; batchnorm (B,) bool; horizon (B,) long; dropout_keys, order_keys (B,) int32 hash keys."""

    labels: torch.Tensor
    train: torch.Tensor
    corrupted: torch.Tensor
    clean: torch.Tensor
    weight_decay: torch.Tensor
    dropout: torch.Tensor
    lr: torch.Tensor
    batchnorm: torch.Tensor
    horizon: torch.Tensor
    dropout_keys: torch.Tensor
    order_keys: torch.Tensor

    def select(self, idx: torch.Tensor) -> "Population":
        """The networks at ``idx`` (the shared ``clean`` labels kept whole)."""
        return Population(*(getattr(self, f.name) if f.name == "clean" else getattr(self, f.name)[idx]
                            for f in fields(self)))


def population(splits: list[CorruptedSplit], weight_decay: list[float], dropout: list[float], lr: list[float],
               batchnorm: list[bool], horizon: list[int], dropout_seeds: list[int],
               order_seeds: list[int]) -> Population:
    """Stack B networks' splits and settings (one entry per network in every list)."""
    dev = splits[0].labels.device
    vec = lambda v, dt=torch.float32: torch.tensor(v, dtype=dt, device=dev)  # noqa: E731
    return Population(
        torch.stack([s.labels for s in splits]), torch.stack([s.train for s in splits]),
        torch.stack([s.corrupted for s in splits]), splits[0].clean, vec(weight_decay), vec(dropout), vec(lr),
        vec(batchnorm, torch.bool), vec(horizon, torch.long), qn.seed_keys(dropout_seeds, dev),
        qn.seed_keys(order_seeds, dev))


Evaluator = Callable[[QuadraticState, Population], dict[str, torch.Tensor]]


@torch.no_grad()
def evaluate(state: QuadraticState, pop: Population, ipr_floor: float = 0.0) -> dict[str, torch.Tensor]:
    """Inference-mode D7 accuracies, MSEs, D10 IPR summaries and ||theta||^2 (D14), each (B,) float64."""
    f = qn.predict_all(state, pop.batchnorm)  # (B, p^2, p)
    out = subset_accuracies(f, pop.labels, pop.clean, pop.train, pop.corrupted)
    summary = ipr_summary(neuron_ipr(state.U, state.V, state.W, ipr_floor))
    out.update({f"ipr_{k}": v for k, v in summary.items() if k != "hist"})
    out.update({f"ipr_hist{j}": summary["hist"][:, j] for j in range(summary["hist"].shape[1])})
    out["norm_sq"] = sum((t.to(torch.float64) ** 2).sum(dim=tuple(range(1, t.dim()))) for t in
                         (state.U, state.V, state.W))
    return out


class History:
    """Checkpoint values per metric as (B, T+1) float64 arrays, NaN where a network was not evaluated."""

    def __init__(self, size: int, steps: int, device: torch.device | str = "cpu") -> None:
        self.size, self.steps, self.device = size, steps, device
        self.curves: dict[str, torch.Tensor] = {}

    def record(self, step: int, ids: torch.Tensor, values: dict[str, torch.Tensor]) -> None:
        for name, v in values.items():
            curve = self.curves.setdefault(
                name, torch.full((self.size, self.steps + 1), float("nan"), dtype=torch.float64, device=self.device))
            curve[ids, step] = v.to(torch.float64)

    def at(self, name: str, step: torch.Tensor) -> torch.Tensor:
        """Value of each network at its own step (B,) -> (B,)."""
        return self.curves[name].gather(1, step.view(-1, 1).long()).squeeze(1)


def _loss(params: list[torch.Tensor], state: QuadraticState, pop: Population, rows: torch.Tensor | None,
          step: int) -> torch.Tensor:
    """Sum over networks of the D5 loss: full batch over all pairs (masked) when rows is None, else rows (B, b)."""
    U, V, W, gamma, beta = params
    n_rows = U.shape[2] ** 2 if rows is None else rows.shape[1]
    scale = None
    if bool((pop.dropout > 0).any()):  # dropout before the square, spec D4
        scale = qn.dropout_scale(pop.dropout, pop.dropout_keys, step, n_rows, U.shape[1]).to(U.dtype)
    z = qn.preactivations_all(U, V) if rows is None else qn.preactivations_rows(U, V, rows)  # (B, R, N)
    h = (z if scale is None else z * scale) ** 2  # phi(z) = z^2
    weight = pop.train.to(h.dtype) if rows is None else None  # (B, p^2) rows that train
    if bool(pop.batchnorm.any()):  # BN on the training rows; the running statistics update here (spec D4)
        live = QuadraticState(U, V, W, gamma, beta, state.run_mean, state.run_var)
        h_bn, mean, var = qn.batch_norm_train(h, live, weight)
        h = torch.where(pop.batchnorm.view(-1, 1, 1), h_bn, h)
        m = qn.BN_MOMENTUM
        state.run_mean.lerp_(mean, m)
        state.run_var.lerp_(var, m)
    f = qn.readout(h, W)  # (B, R, p)
    labels = pop.labels if rows is None else pop.labels.gather(1, rows)  # (B, R)
    per_row = (f**2).sum(-1) - 2 * f.gather(2, labels.unsqueeze(-1)).squeeze(-1) + 1  # sum_q (f_q - [q=y])^2
    if weight is None:
        return per_row.mean(-1).sum() / f.shape[-1]
    return ((per_row * weight).sum(-1) / weight.sum(-1)).sum() / f.shape[-1]


@torch.no_grad()
def _adamw(params: list[torch.Tensor], grads: list[torch.Tensor | None],
           moments: list[tuple[torch.Tensor, torch.Tensor]], pop: Population, cfg: TrainConfig, step: int) -> None:
    """One AdamW step per network with per-network lr and decay, as torch.optim.AdamW (spec D6)."""
    b1, b2 = cfg.betas
    bc1, bc2 = 1 - b1**step, (1 - b2**step) ** 0.5
    for p, g, (m, v) in zip(params, grads, moments):
        shape = (-1,) + (1,) * (p.dim() - 1)
        lr = pop.lr.view(shape).to(p.dtype)
        p.mul_(1 - lr * pop.weight_decay.view(shape).to(p.dtype))  # decoupled decay
        g = torch.zeros_like(p) if g is None else g
        m.lerp_(g, 1 - b1)
        v.mul_(b2).addcmul_(g, g, value=1 - b2)
        p.sub_(lr / bc1 * (m / (v.sqrt() / bc2 + cfg.eps)))


class DenseWorkspace:
    """The hand-written full-batch gradient of the D5 loss without BatchNorm, on preallocated buffers.

    z, h, g_h (B, p^2, N) and f (B, p^2, p) are reused every step: on CPU, fresh 30 MB temporaries per step cost
    more than the arithmetic. Gradients (dL/dU, dL/dV, dL/dW) follow the chain rule of f = W (s z)^2:
    g_f = 2 (f - onehot) [i in train] / (n_b p); g_W = g_f^T h; g_h = g_f W; g_z = 2 s (s z) g_h;
    dU[k, m] = sum_n g_z[m, n, k], dV[k, n] = sum_m g_z[m, n, k].
    """

    def __init__(self, b: int, p: int, n: int, dtype: torch.dtype, device: torch.device) -> None:
        self.z, self.h, self.gh = (torch.empty(b, p * p, n, dtype=dtype, device=device) for _ in range(3))
        self.f = torch.empty(b, p * p, p, dtype=dtype, device=device)

    @torch.no_grad()
    def grads(self, U: torch.Tensor, V: torch.Tensor, W: torch.Tensor, pop: Population,
              scale: torch.Tensor | None) -> list[torch.Tensor]:
        b, n, p = U.shape
        z, h, gh, f = (t[:b] for t in (self.z, self.h, self.gh, self.f))
        torch.add(U.transpose(1, 2).unsqueeze(2), V.transpose(1, 2).unsqueeze(1), out=z.view(b, p, p, n))
        if scale is not None:
            z.mul_(scale)  # dropout before the square (spec D4)
        torch.mul(z, z, out=h)  # (B, p^2, N)
        torch.bmm(h, W.transpose(1, 2), out=f)  # (B, p^2, p)
        f.scatter_add_(2, pop.labels.unsqueeze(-1), torch.full_like(f[..., :1], -1.0))  # f - onehot(y~)
        train = pop.train.to(f.dtype)  # (B, p^2)
        f.mul_((train * (2.0 / (p * train.sum(-1, keepdim=True)))).unsqueeze(-1))  # g_f
        gW = torch.bmm(f.transpose(1, 2), h)  # (B, p, N)
        torch.bmm(f, W, out=gh)  # (B, p^2, N)
        gh.mul_(z)
        if scale is not None:
            gh.mul_(scale)
        g4 = gh.view(b, p, p, n)
        return [2 * g4.sum(2).transpose(1, 2), 2 * g4.sum(1).transpose(1, 2), gW]  # (B, N, p) x 2, (B, p, N)


class Minibatches:
    """Per-network epoch permutations of the training pairs (hash-keyed, independent of the batch)."""

    def __init__(self, pop: Population, batch_size: int) -> None:
        counts = pop.train.sum(-1)
        if bool((counts != counts[0]).any()):
            raise ValueError("minibatch populations need one n_train per batch: group networks by data fraction")
        self.n_train, self.size = int(counts[0]), batch_size
        self.per_epoch = self.n_train // batch_size  # the last incomplete batch is dropped
        if self.per_epoch == 0:
            raise ValueError(f"batch size {batch_size} exceeds n_train {self.n_train}")
        self.pairs = pop.train.nonzero()[:, 1].view(-1, self.n_train)  # (B, n_train) training pair indices
        self.perm = self.pairs

    def rows(self, pop: Population, step: int) -> torch.Tensor:
        """The pair indices (B, b) of step ``step`` (1-based)."""
        epoch, j = divmod(step - 1, self.per_epoch)
        if j == 0:
            u = qn.hash_uniform(pop.order_keys, epoch, 1, self.n_train)[:, 0]  # (B, n_train)
            self.perm = self.pairs.gather(1, u.argsort(dim=-1, stable=True))
        return self.perm[:, j * self.size:(j + 1) * self.size]

    def select(self, idx: torch.Tensor) -> None:
        self.pairs, self.perm = self.pairs[idx], self.perm[idx]


def train(state: QuadraticState, pop: Population, cfg: TrainConfig, checkpoints: torch.Tensor,
          evaluator: Evaluator) -> tuple[QuadraticState, History]:
    """Train B networks to their horizons; evaluate network b at every step t with checkpoints[b, t] (B, T+1).

    Returns the states at the horizons (original order) and the History of evaluator values. Full-batch networks
    without BatchNorm use the hand-written gradient (DenseWorkspace), others autograd of _loss.
    """
    steps = int(pop.horizon.max())
    history = History(state.size, steps, state.U.device)
    ids = torch.arange(state.size, device=state.U.device)
    live = state.select(ids)
    params = [live.U, live.V, live.W, live.gamma, live.beta]
    moments = [(torch.zeros_like(t), torch.zeros_like(t)) for t in params]
    batches = Minibatches(pop, cfg.batch_size) if cfg.batch_size else None
    dense = None if batches or bool(pop.batchnorm.any()) else DenseWorkspace(
        state.size, state.U.shape[2], state.U.shape[1], state.U.dtype, state.U.device)
    finals: list[tuple[torch.Tensor, QuadraticState]] = []
    _checkpoint(history, 0, ids, live, pop, checkpoints, evaluator)
    for step in range(1, steps + 1):
        train_step(params, moments, live, pop, cfg, step, batches, dense)
        _checkpoint(history, step, ids, live, pop, checkpoints, evaluator)
        done = pop.horizon == step
        if bool(done.any()):
            finals.append((ids[done], live.select(done.nonzero()[:, 0])))
            keep = (~done).nonzero()[:, 0]
            ids, pop, live, params, moments = _shrink(keep, ids, pop, live, params, moments)
            if batches:
                batches.select(keep)
    order = torch.cat([i for i, _ in finals]).argsort()
    return QuadraticState.cat([s for _, s in finals]).select(order), history


def train_step(params: list[torch.Tensor], moments: list[tuple[torch.Tensor, torch.Tensor]], live: QuadraticState,
               pop: Population, cfg: TrainConfig, step: int, batches: "Minibatches | None" = None,
               dense: DenseWorkspace | None = None) -> None:
    """One optimisation step of every network in place: gradients (dense path when ``dense`` is given), then AdamW.

    params: [U, V, W, gamma, beta] of ``live``; moments: their (exp_avg, exp_avg_sq) pairs.
    """
    _adamw(params, _gradients(params, live, pop, batches, dense, step), moments, pop, cfg, step)


def _gradients(params: list[torch.Tensor], live: QuadraticState, pop: Population, batches: "Minibatches | None",
               dense: DenseWorkspace | None, step: int) -> list[torch.Tensor | None]:
    """dL/dtheta for U, V, W, gamma, beta (None where a parameter does not enter the loss)."""
    if dense is not None:
        scale = None
        if bool((pop.dropout > 0).any()):
            p, n = live.U.shape[2], live.U.shape[1]
            scale = qn.dropout_scale(pop.dropout, pop.dropout_keys, step, p * p, n).to(live.U.dtype)
        return dense.grads(live.U, live.V, live.W, pop, scale) + [None, None]
    leaves = [t.detach().requires_grad_(True) for t in params]
    rows = batches.rows(pop, step) if batches else None
    _loss(leaves, live, pop, rows, step).backward()
    return [t.grad for t in leaves]


def _checkpoint(history: History, step: int, ids: torch.Tensor, live: QuadraticState, pop: Population,
                checkpoints: torch.Tensor, evaluator: Evaluator) -> None:
    due = checkpoints[ids, step]  # (B_live,)
    if bool(due.any()):
        idx = due.nonzero()[:, 0]
        history.record(step, ids[idx], evaluator(live.select(idx), pop.select(idx)))


def _shrink(keep, ids, pop, live, params, moments):
    """Drop finished networks from every per-network tensor (keep (B',) positions)."""
    params = [t[keep] for t in params]
    moments = [(m[keep], v[keep]) for m, v in moments]
    live = QuadraticState(*params, live.run_mean[keep], live.run_var[keep])
    return ids[keep], pop.select(keep), live, params, moments
