"""Guess & Check: batched rejection sampling of networks that fit a training set exactly.

Spec (specs/sgd_vs_architecture.md):

- D4 (Revision 2): draw every weight i.i.d. U[-1, 1] (biases zero, i.e. absent), forward the training set,
  accept iff the training accuracy is exactly 1 (argmax over the 2 logits, an exact tie giving label 0,
  as the authors' code: a tie on a label-0 sample is correct, on a label-1 sample an error). Repeat
  until K networks are accepted or the draw budget is spent. Networks accepted for a training set are
  re-checked first on a larger nested set (valid because {fit n} is a subset of {fit n - 2}).
- D5: acceptance probability P = K / T with T the draws (inherited when networks are reused);
  -log2 P is reported, and log2 T as a lower bound when K = 0.

S training sets are sampled together: each batch draws M networks for every still-active set as one
tensor of shape (S_active, M, *layer) and evaluates them in one forward. Every network of a batch that
fits is kept (even beyond K), so the accepted networks of a set are *all* fits among its T draws; this
is what makes the re-check on a nested set exact (spec anchor A4).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from redshift.nets.bias_free import Architecture, UniformSource, Weights, n_weights


@dataclass(frozen=True)
class GCConfig:
    """accept: K, accepted networks wanted per training set; draw_cap: most draws per set (cap by draws,
    never by time); batch_floats: weights drawn per batch in all (sets the batch size); low/high: the
    uniform prior."""

    accept: int = 50
    draw_cap: int = 2_000_000
    batch_floats: int = 1 << 23
    low: float = -1.0
    high: float = 1.0


@dataclass(frozen=True)
class GCResult:
    """Accepted networks of S training sets.

    weights[l]: (A, *shape_l) all accepted networks; owner: (A,) their training set; draws: (S,) T;
    accepted: (S,) K (>= the config's K unless capped); ties: (S,) exact logit ties on the training set
    summed over every forward (draws and re-checks); checked: (S,) the (network, sample) pairs those
    forwards evaluated, so ties / checked is the tie rate among the draws; net_ties: (A,) tied training
    samples of each accepted network (0 for a fit that also holds when ties count as errors).
    """

    weights: Weights
    owner: torch.Tensor
    draws: torch.Tensor
    accepted: torch.Tensor
    ties: torch.Tensor
    checked: torch.Tensor
    net_ties: torch.Tensor

    def neg_log2_p(self) -> torch.Tensor:
        """(S,) -log2(K / T) (spec D5); log2 T (a lower bound) where K = 0."""
        return _neg_log2(self.accepted, self.draws)

    def neg_log2_p_tie_error(self) -> torch.Tensor:
        """(S,) -log2 P of the variant rule "a tie is an error" on the same draws: its fits are the accepted
        networks with no tied training sample (a subset, so the count is exact)."""
        strict = torch.bincount(self.owner[self.net_ties == 0], minlength=self.draws.shape[0])
        return _neg_log2(strict, self.draws)


def _neg_log2(k: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    t, k = t.double(), k.double()
    return torch.where(k > 0, torch.log2(t / k.clamp(min=1)), torch.log2(t))


def fit_mask(logits: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Exact fit and tie count of 2-logit outputs (spec D4 and anchor A1 of Revision 2).

    logits: (..., B, 2), y: (..., B) broadcastable, labels in {0, 1}. Returns fits (...,) bool (every
    argmax right, a tie giving label 0) and ties (...,) int (samples with exactly equal logits). A fit
    with no tie is also a fit under the variant rule "a tie is an error".
    """
    one = logits[..., 1] > logits[..., 0]  # (..., B) the argmax is label 1; a tie gives label 0
    correct = one == y.bool()
    return correct.all(dim=-1), (logits[..., 1] == logits[..., 0]).sum(dim=-1)


def _empty(arch: Architecture, s: int, device: torch.device, dtype: torch.dtype) -> GCResult:
    zeros = torch.zeros(s, dtype=torch.long, device=device)
    weights = [torch.empty(0, *shape, device=device, dtype=dtype) for shape in arch.shapes]
    return GCResult(weights, zeros[:0], zeros, zeros.clone(), zeros.clone(), zeros.clone(), zeros[:0])


def recheck(arch: Architecture, prev: GCResult, x: torch.Tensor, y: torch.Tensor) -> GCResult:
    """Keep the accepted networks of prev that also fit the larger nested sets x (S, n, ...), y (S, n).

    Draws are inherited (spec D4/D5); the re-check's forward adds to the tie and checked counts.
    """
    logits = arch.forward(prev.weights, x[prev.owner])  # (A, n, 2)
    fits, ties = fit_mask(logits, y[prev.owner])  # (A,)
    owner = prev.owner[fits]
    accepted = torch.bincount(owner, minlength=prev.draws.shape[0])
    extra_ties = torch.zeros_like(prev.ties).index_add_(0, prev.owner, ties)
    extra_checked = torch.bincount(prev.owner, minlength=prev.draws.shape[0]) * x.shape[1]
    return GCResult([w[fits] for w in prev.weights], owner, prev.draws.clone(), accepted,
                    prev.ties + extra_ties, prev.checked + extra_checked, ties[fits])


def _batch_size(arch: Architecture, cfg: GCConfig, active: int) -> int:
    per_set = cfg.batch_floats // (active * n_weights(arch.shapes))
    return max(16, int(per_set))


def guess_check(arch: Architecture, x: torch.Tensor, y: torch.Tensor, cfg: GCConfig,
                generator: torch.Generator | UniformSource, start: GCResult | None = None,
                dtype: torch.dtype = torch.float32) -> GCResult:
    """Rejection-sample networks fitting each of S training sets (spec D4).

    x: (S, n, *features), y: (S, n) in {0, 1}. ``start`` (e.g. ``recheck`` of a smaller nested set)
    supplies already accepted networks and inherited draws. Loops over batches, never over networks. The
    weights come from ``generator`` if it is a :class:`UniformSource` (numpy's SFC64 bits on CPU), else from
    a new one seeded by it (a single call); a chain of nested sizes (``start`` given) must pass its one
    source up the chain, so that re-checking and drawing on equals drawing afresh (anchor A4).
    """
    s = x.shape[0]
    if start is not None and not isinstance(generator, UniformSource):
        raise TypeError("guess_check with start= continues a chain: pass the chain's UniformSource, not a "
                        "torch.Generator (a new source per call would not continue the chain's draws)")
    source = generator if isinstance(generator, UniformSource) else UniformSource(generator)
    res = start if start is not None else _empty(arch, s, x.device, dtype)
    parts_w, parts_o, parts_t = [res.weights], [res.owner], [res.net_ties]
    draws, accepted, ties, checked = res.draws.clone(), res.accepted.clone(), res.ties.clone(), res.checked.clone()
    while True:
        active = torch.nonzero((accepted < cfg.accept) & (draws < cfg.draw_cap)).flatten()  # (a,)
        if active.numel() == 0:
            break
        room = int((cfg.draw_cap - draws[active]).min())
        m = min(_batch_size(arch, cfg, active.numel()), room)
        w = source.draw(arch.shapes, (active.numel(), m), cfg.low, cfg.high, dtype, reuse=True)  # fits copied below
        logits = arch.forward(w, x[active].unsqueeze(1).to(dtype))  # (a, m, n, 2)
        fits, t = fit_mask(logits, y[active].unsqueeze(1))  # (a, m)
        set_idx, net_idx = torch.nonzero(fits, as_tuple=True)
        parts_w.append([wl[set_idx, net_idx] for wl in w])
        parts_o.append(active[set_idx])
        parts_t.append(t[set_idx, net_idx])
        accepted.index_add_(0, active, fits.sum(dim=1))
        ties.index_add_(0, active, t.sum(dim=1))
        checked[active] += m * x.shape[1]
        draws[active] += m
    weights = [torch.cat([p[layer] for p in parts_w]) for layer in range(len(arch.shapes))]
    return GCResult(weights, torch.cat(parts_o), draws, accepted, ties, checked, torch.cat(parts_t))

