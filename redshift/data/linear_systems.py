"""Random underdetermined linear systems A x = b with planted truths, and their extreme solutions.

Definitions follow the init_implicit_bias spec (``/work/shared/specs/init_implicit_bias.md``):
instances M1, the minimum-l2 solution M2, the minimum-l1 solution M3 (HiGHS linear programme
plus polish), the row-space basis M4. Everything is float64 (pitfall P1) and batched over a
leading population dimension R: one instance per replicate, drawn from its own seed so that a
replicate's instance does not depend on which other replicates are in the batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np
import scipy.optimize
import scipy.sparse
import torch

Truth = Literal["sparse", "dense"]

DTYPE = torch.float64
POLISH_SUPPORT = 1e-9        # M3: support threshold relative to ||x||_inf
RECOVERY_TOL = 1e-6          # M3: LP-recoverable when ||x_l1 - x*|| / ||x*|| < this


@dataclass(frozen=True)
class Family:
    """An instance family (M1): A in R^{n x d} with N(0, 1/n) entries, truth sparse(k) or dense."""

    name: str
    d: int
    n: int
    truth: Truth
    k: int = 0


@dataclass(frozen=True)
class Systems:
    """A batch of R instances: A (R, n, d), b (R, n), planted truth x_true (R, d)."""

    A: torch.Tensor
    b: torch.Tensor
    x_true: torch.Tensor

    @property
    def size(self) -> int:
        """Number of instances R."""
        return self.A.shape[0]


def _planted(family: Family, gen: torch.Generator) -> torch.Tensor:
    """One planted truth (d,): sparse(k) with random signs and U[1, 2] magnitudes, or N(0, I_d) (M1)."""
    if family.truth == "dense":
        return torch.randn(family.d, generator=gen, dtype=DTYPE)
    support = torch.randperm(family.d, generator=gen)[: family.k]
    signs = torch.randint(0, 2, (family.k,), generator=gen).to(DTYPE) * 2 - 1
    mags = 1 + torch.rand(family.k, generator=gen, dtype=DTYPE)
    x = torch.zeros(family.d, dtype=DTYPE)
    x[support] = signs * mags
    return x


def make_systems(family: Family, seeds: Sequence[int], device: torch.device | str = "cpu") -> Systems:
    """Draw one instance per seed (M1) on the CPU (device-independent values), then move to device.

    The per-seed draw is setup, not a hot path: each replicate's instance must be the same whatever
    batch it is drawn in. b = A x* is noiseless.
    """
    As, xs = [], []
    for seed in seeds:
        gen = torch.Generator().manual_seed(int(seed) % (2**63))
        As.append(torch.randn(family.n, family.d, generator=gen, dtype=DTYPE) / family.n**0.5)
        xs.append(_planted(family, gen))
    A = torch.stack(As).to(device)                       # (R, n, d)
    x_true = torch.stack(xs).to(device)                  # (R, d)
    b = torch.einsum("rnd,rd->rn", A, x_true)            # (R, n)  b = A x*
    return Systems(A, b, x_true)


def min_l2(A: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Minimum-l2 interpolant x_l2 = A^+ b (M2), by SVD-based pseudo-inverse. A (R, n, d), b (R, n) -> (R, d)."""
    return torch.einsum("rdn,rn->rd", torch.linalg.pinv(A), b)


def row_basis(A: torch.Tensor) -> torch.Tensor:
    """Orthonormal basis Q (R, d, n) of range(A^T) by thin QR of A^T (M4; pitfall P3: no explicit inverse)."""
    Q, _ = torch.linalg.qr(A.mT, mode="reduced")
    return Q


def null_project(Q: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """P_null v = v - Q Q^T v (M4). Q (R, d, n), v (R, d) -> (R, d)."""
    return v - torch.einsum("rdn,rn->rd", Q, torch.einsum("rdn,rd->rn", Q, v))


def _lp_block(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """All R programmes min 1^T(p + q) s.t. A_r(p_r - q_r) = b_r as one block-diagonal HiGHS LP (M3).

    The objective separates across blocks, so the joint optimum is the tuple of per-instance optima.
    A (R, n, d), b (R, n) -> x (R, d) = p - q.
    """
    R, n, d = A.shape
    blocks = [scipy.sparse.hstack([scipy.sparse.csr_matrix(a), -scipy.sparse.csr_matrix(a)]) for a in A]
    res = scipy.optimize.linprog(np.ones(2 * d * R), A_eq=scipy.sparse.block_diag(blocks, format="csr"),
                                 b_eq=b.reshape(-1), bounds=(0, None), method="highs")
    if res.status != 0:
        raise RuntimeError(f"min-l1 linear programme failed: {res.message}")
    pq = res.x.reshape(R, 2, d)                          # (R, 2, d) per-block [p, q]
    return pq[:, 0] - pq[:, 1]


def polish(A: torch.Tensor, b: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """M3 polish: on S = {|x_i| > 1e-9 ||x||_inf}, if |S| <= n and A_S has full column rank, x_S = A_S^+ b.

    Masking the off-support columns makes pinv return the least-squares solution on S with zeros
    elsewhere, for all R instances at once. A (R, n, d), b (R, n), x (R, d) -> (R, d).
    """
    mask = (x.abs() > POLISH_SUPPORT * x.abs().amax(-1, keepdim=True)).to(x.dtype)   # (R, d)
    A_S = A * mask[:, None, :]                                                      # (R, n, d)
    size = mask.sum(-1)                                                             # (R,)
    ok = (size <= A.shape[1]) & (torch.linalg.matrix_rank(A_S) == size)             # (R,)
    x_pol = torch.einsum("rdn,rn->rd", torch.linalg.pinv(A_S), b) * mask           # (R, d)
    return torch.where(ok[:, None], x_pol, x)


def min_l1(A: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Minimum-l1 interpolant x_l1 (M3): HiGHS LP over the whole batch, then polish. (R, n, d), (R, n) -> (R, d)."""
    x = _lp_block(A.detach().cpu().numpy(), b.detach().cpu().numpy())
    return polish(A, b, torch.as_tensor(x, dtype=A.dtype, device=A.device))


def lp_recoverable(x_l1: torch.Tensor, x_true: torch.Tensor) -> torch.Tensor:
    """M3: True where ||x_l1 - x*|| / ||x*|| < 1e-6 (the LP recovered the planted truth). (R, d) -> (R,) bool."""
    return (x_l1 - x_true).norm(dim=-1) / x_true.norm(dim=-1) < RECOVERY_TOL


@dataclass(frozen=True)
class Solved:
    """A batch of systems with its extreme solutions: x_l2, x_l1 (R, d), row basis Q (R, d, n), recoverable (R,)."""

    systems: Systems
    x_l2: torch.Tensor
    x_l1: torch.Tensor
    Q: torch.Tensor
    recoverable: torch.Tensor


def solve(systems: Systems) -> Solved:
    """Compute x_l2 (M2), x_l1 (M3), the row basis (M4) and LP-recoverability for a batch."""
    A, b = systems.A, systems.b
    x_l1 = min_l1(A, b)
    return Solved(systems, min_l2(A, b), x_l1, row_basis(A), lp_recoverable(x_l1, systems.x_true))


# --- matrix completion (M17) -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Completion:
    """A batch of R completion instances (M17): target M (R, q, q) with ||M||_2 = 1 and rank r, observation
    mask (R, q, q) (1.0 on Omega, 0.0 elsewhere)."""

    M: torch.Tensor
    mask: torch.Tensor


def _mask(q: int, observed: int, per_line: int, gen: torch.Generator) -> torch.Tensor:
    """Omega: `observed` of the q^2 entries uniformly without replacement, redrawn until every row and column
    holds >= per_line entries (M17, pitfall P17). -> (q, q) float mask."""
    while True:                                          # setup: a few redraws at most at the spec's sizes
        mask = torch.zeros(q * q, dtype=DTYPE)
        mask[torch.randperm(q * q, generator=gen)[:observed]] = 1.0
        mask = mask.view(q, q)
        if bool((mask.sum(0) >= per_line).all() and (mask.sum(1) >= per_line).all()):
            return mask


def make_completion(seeds: Sequence[int], q: int = 20, rank: int = 2, observed: int = 120,
                    device: torch.device | str = "cpu") -> Completion:
    """M17 instances, one per seed, drawn on the CPU: M* = U V^T with U, V (q, r) i.i.d. N(0, 1), rescaled to
    ||M*||_2 = 1; Omega with >= r + 1 observed entries in every row and column (P17)."""
    Ms, masks = [], []
    for seed in seeds:
        gen = torch.Generator().manual_seed(int(seed) % (2**63))
        U, V = (torch.randn(q, rank, generator=gen, dtype=DTYPE) for _ in range(2))
        M = U @ V.T                                      # (q, q) rank r
        Ms.append(M / torch.linalg.matrix_norm(M, ord=2))
        masks.append(_mask(q, observed, rank + 1, gen))
    return Completion(torch.stack(Ms).to(device), torch.stack(masks).to(device))
