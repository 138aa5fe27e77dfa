"""Lempel-Ziv complexity of symbol sequences, parsed in lockstep across a population (Neural Redshift spec M5-M7).

- variant="lz78" (spec M5; ArmandNM/neural-redshift, inductive_biases/complexity.py, lempel_ziv_complexity): greedy
  parse, ind = 0, inc = 1; while ind + inc <= len(s): if s[ind:ind+inc] was seen, inc += 1, else add it, ind += inc,
  inc = 1. Result: number of phrases (a trailing, already-seen fragment is not counted) / L.
- variant="lzw" (spec M6; same file, lzw_complexity): dictionary initialised with the distinct symbols of s, w = s_0;
  for each next symbol c: w <- w + c; if w is new, add it and w <- c. Result: dictionary size / L.

Both phrase sets are prefix-closed, so each parse is a walk in a trie that consumes one symbol per step: from the
current node, follow the edge labelled by the symbol; a missing edge creates a phrase. The walk runs for every
sequence at once, one symbol position per vectorised step (a flat edge table indexed by (node, sequence, symbol),
five tensor operations per step, see _parse), so the Python loop is over positions only. Symbols outside 0..15 are
first re-labelled 0..V-1 per sequence (small ones, e.g. binarised grids, index the table directly); it is sized
by a worst-case phrase count (distinct phrases whose lengths fit in L); populations whose table would exceed
`max_table_bytes` are parsed in consecutive chunks, each still in lockstep.
Range: LZ78 in (0, 1] (1 for all-distinct symbols); LZW in (0, 1].
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import torch

Variant = Literal["lz78", "lzw"]
_DIRECT_SYMBOLS = 16  # symbols 0..15 index the edge table directly (no ranking sort)


def binarize(values: torch.Tensor) -> torch.Tensor:
    """Median-threshold symbols 1[v > median(v)] along the last axis (spec M7): (..., L) real -> (..., L) int64.

    The median is numpy's (mean of the two middle values for even L); ties with the median map to 0. To binarise
    a (..., G, G) grid in the spec's row-major order, flatten it first (`values.flatten(-2)`).
    """
    n = values.shape[-1]
    middle = [(n - 1) // 2, n // 2]
    if values.device.type == "cpu":  # numpy's selection, O(L), instead of a full sort; the same two order statistics
        ordered = torch.from_numpy(np.partition(values.detach().numpy(), middle, axis=-1)[..., middle])
    else:
        ordered = values.sort(dim=-1).values[..., middle]  # (..., 2)
    median = (ordered[..., 0] + ordered[..., 1]) / 2  # (...)
    return (values > median[..., None]).to(torch.int64)  # (..., L)


def _relabel(symbols: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-row ranks of the distinct symbols, 0..V_b-1, and V_b: (B, L) -> (B, L), (B,)."""
    ordered, where = symbols.sort(dim=-1)  # (B, L)
    first = torch.ones_like(ordered, dtype=torch.int64)
    first[:, 1:] = (ordered[:, 1:] != ordered[:, :-1]).to(torch.int64)  # 1 where a new symbol starts
    rank = first.cumsum(dim=-1) - 1  # (B, L), rank in sorted order
    return torch.empty_like(rank).scatter_(-1, where, rank), first.sum(dim=-1)


def max_phrases(length: int, alphabet: int, min_len: int) -> int:
    """Most distinct strings of length >= min_len over `alphabet` whose lengths minus (min_len - 1) sum to <= length.

    Bounds the phrases of an LZ78 parse (min_len = 1) and the entries an LZW parse adds (min_len = 2).
    """
    count, budget, k = 0, length, min_len
    while budget > 0:
        cost, available = k - min_len + 1, alphabet**k
        take = min(available, budget // cost)
        count, budget, k = count + take, budget - take * cost, k + 1
        if take < available:
            break
    return min(count, length)


def _nodes(length: int, alpha: int, variant: Variant) -> int:
    """Trie size: the root (node 0), the V single-symbol nodes (LZW), and at most max_phrases new nodes."""
    return 1 + (alpha if variant == "lzw" else 0) + max_phrases(length, alpha, 1 if variant == "lz78" else 2)


def _symbols(flat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, int]:
    """(ids in 0..V-1, distinct symbols per row, V): small non-negative symbols (binarised grids) are used as they
    are, with V = max + 1 (a symbol absent from a row is never walked, so counts do not change); others are ranked."""
    low, high = int(flat.min()), int(flat.max())
    if low < 0 or high >= _DIRECT_SYMBOLS:
        ids, distinct = _relabel(flat)
        return ids, distinct, int(distinct.max())
    flat = flat.to(torch.int64)
    present = torch.zeros(flat.shape[0], high + 1, dtype=torch.int64, device=flat.device).scatter_(1, flat, 1)
    return flat, present.sum(dim=-1), high + 1


def _parse(ids: torch.Tensor, distinct: torch.Tensor, alpha: int, variant: Variant) -> torch.Tensor:
    """Lockstep trie walk over relabelled symbols (B, L); returns phrase (LZ78) or dictionary (LZW) counts (B,).

    The edge table is node-major, entry ((node * B + b) * V + symbol) (the shallow nodes every phrase walks through
    sit together for the whole batch), and stores the child's entry base (node * B + b) * V. A missing edge holds the
    root's base b * V, so that reading it restarts an LZ78 walk with no extra step. New nodes are numbered downwards
    from the top, so every existing child is above the next free node and the root below it: one amax-scatter of the
    next free node writes exactly the missing edges, and child < next free node tells which edges were missing.
    """
    batch, length = ids.shape
    nodes, stride = _nodes(length, alpha, variant), batch * alpha
    root = torch.arange(batch, dtype=torch.int64, device=ids.device) * alpha  # (B,) base of node 0
    table = root.repeat_interleave(alpha).repeat(nodes)  # (nodes * B * V,), every edge missing
    if variant == "lzw":  # single-symbol nodes 1..V: the root's edges (their ids sit below every new node)
        table[: stride] = (root[:, None] + (torch.arange(alpha, device=ids.device) + 1) * stride).reshape(-1)
    sym = ids.T.contiguous()  # (L, B)
    top = (nodes - 1) * stride + root  # (B,) base of the first new node
    free, new = top.clone(), torch.empty(batch, dtype=torch.bool, device=ids.device)
    node = root.clone() if variant == "lz78" else table.index_select(0, root + sym[0])  # LZW: w = s_0
    for p in range(0 if variant == "lz78" else 1, length):  # one symbol of every sequence per step
        idx = node + sym[p]  # (B,) edge (node, s_p)
        child = table.index_select(0, idx)  # (B,)
        table.scatter_reduce_(0, idx, free, "amax")  # a missing edge (root < free < any child) becomes `free`
        torch.lt(child, free, out=new)
        free.add_(new, alpha=-stride)
        node = child if variant == "lz78" else torch.where(new, table.index_select(0, root + sym[p]), child)
    found = (top - free) // stride
    return found if variant == "lz78" else found + distinct


def lz_complexity(symbols: torch.Tensor, variant: Variant = "lz78", max_table_bytes: int = 2**28) -> torch.Tensor:
    """Normalised LZ complexity (spec M5, M6): integer symbols (..., L) -> (...) float64, LZ78 phrases / L or LZW
    dictionary size / L; range (0, 1]."""
    if variant not in ("lz78", "lzw"):
        raise ValueError(f"variant must be 'lz78' or 'lzw', got {variant!r}")
    if symbols.dtype.is_floating_point or symbols.dtype.is_complex or symbols.ndim < 1 or symbols.shape[-1] < 1:
        raise ValueError(f"expected integer symbols of shape (..., L) with L >= 1, got {symbols.dtype} "
                         f"{tuple(symbols.shape)}; use binarize() for real values")
    flat = symbols.reshape(-1, symbols.shape[-1])  # (B, L)
    ids, distinct, alpha = _symbols(flat)
    length = flat.shape[-1]
    per_row = 8 * alpha * _nodes(length, alpha, variant)  # bytes of one sequence's edge table
    chunk = max(1, max_table_bytes // per_row)  # sequences per lockstep parse
    counts = torch.cat([_parse(ids[i:i + chunk], distinct[i:i + chunk], alpha, variant)
                        for i in range(0, ids.shape[0], chunk)])  # memory chunks, each in lockstep
    return (counts.to(torch.float64) / length).reshape(symbols.shape[:-1])
