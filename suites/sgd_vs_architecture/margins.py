"""Normalised margins of fitted networks (spec D9), exploratory numbers that are reported, never gated.

- Weight-normalised loss [C, after Chiang et al.]: logits divided by prod_l (||W_l||_F / 3), then the mean
  cross-entropy on the training set.
- Lipschitz-normalised loss: logits divided by the largest ||grad_x (f_1 - f_0)||_2 over the network's test
  inputs, then the mean cross-entropy on the training set.
Both are invariant to positive per-layer rescaling of a bias-free ReLU network (spec D8). For SGD networks
with trained biases (Revision 2) the weight norms are those of the weight matrices alone, as Chiang's
normalisation reads them; the biases only enter the logits.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from redshift.nets.bias_free import Architecture, Biased, Weights


def _train_ce(logits: torch.Tensor, y: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy per network of logits (A, n, 2) / scale (A,) against y (A, n) -> (A,)."""
    z = logits / scale[:, None, None]
    ce = F.cross_entropy(z.reshape(-1, 2), y.reshape(-1), reduction="none")
    return ce.reshape(y.shape).mean(-1)


def weight_normalised_loss(arch: Architecture, w: Weights, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(A,) D9 weight-normalised training loss; w[l]: (A, *shape_l), x: (A, n, ...), y: (A, n)."""
    norm = torch.ones(w[0].shape[0], device=x.device, dtype=x.dtype)
    for wl in (arch.split(w)[0] if isinstance(arch, Biased) else w):
        norm = norm * wl.flatten(1).norm(dim=1) / 3.0  # ||W_l||_F / 3 per network
    with torch.no_grad():
        return _train_ce(arch.forward(w, x), y, norm)


def input_lipschitz(arch: Architecture, w: Weights, pool_x: torch.Tensor, mask: torch.Tensor,
                    chunk: int = 128) -> torch.Tensor:
    """(A,) max over each network's test inputs (mask (A, N)) of ||grad_x (f_1 - f_0)||_2 (D9).

    Each network reads only its own test inputs, gathered into a padded (a, K, ...) block (K = the
    largest test-set size), so no gradient is spent on other pairs' examples."""
    out = []
    for lo in range(0, w[0].shape[0], chunk):  # chunks of the population, not single networks
        wc, m = [wl[lo:lo + chunk] for wl in w], mask[lo:lo + chunk]  # m: (a, N)
        k = int(m.sum(1).max())
        idx = torch.argsort((~m).to(torch.int8), dim=1, stable=True)[:, :k]  # (a, K) test indices first
        valid = torch.gather(m, 1, idx)  # (a, K) False on padding
        x = pool_x[idx].requires_grad_(True)  # (a, K, ...): each network's own test inputs
        logits = arch.forward(wc, x)  # (a, K, 2)
        (grad,) = torch.autograd.grad((logits[..., 1] - logits[..., 0]).sum(), x)
        norms = grad.flatten(2).norm(dim=-1)  # (a, K)
        out.append(torch.where(valid, norms, torch.zeros_like(norms)).amax(-1))
    return torch.cat(out) if out else torch.zeros(0, device=pool_x.device)


def lipschitz_normalised_loss(arch: Architecture, w: Weights, x: torch.Tensor, y: torch.Tensor,
                              pool_x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(A,) D9 Lipschitz-normalised training loss; pool_x (N, ...), mask (A, N) the test inputs."""
    lip = input_lipschitz(arch, w, pool_x, mask).clamp(min=torch.finfo(pool_x.dtype).tiny)
    with torch.no_grad():
        return _train_ce(arch.forward(w, x), y, lip)
