"""Lempel-Ziv complexity of symbol sequences, parsed in lockstep across a population (Neural Redshift spec M5-M7).

- variant="lz78" (spec M5; ArmandNM/neural-redshift, inductive_biases/complexity.py, lempel_ziv_complexity): greedy
  parse, ind = 0, inc = 1; while ind + inc <= len(s): if s[ind:ind+inc] was seen, inc += 1, else add it, ind += inc,
  inc = 1. Result: number of phrases (a trailing, already-seen fragment is not counted) / L.
- variant="lzw" (spec M6; same file, lzw_complexity): dictionary initialised with the distinct symbols of s, w = s_0;
  for each next symbol c: w <- w + c; if w is new, add it and w <- c. Result: dictionary size / L.

Both phrase sets are prefix-closed, so each parse is a walk in a trie that consumes one symbol per step: from the
current node, follow the edge labelled by the symbol; a missing edge creates a phrase. The walk runs for every
sequence at once, one symbol position per vectorised step (a flat edge table indexed by (sequence, node, symbol)),
so the Python loop is over positions only. Symbols are first re-labelled 0..V-1 per sequence, and the table is sized
by a worst-case phrase count (distinct phrases whose lengths fit in L); populations whose table would exceed
`max_table_bytes` are parsed in consecutive chunks, each still in lockstep.
Range: LZ78 in (0, 1] (1 for all-distinct symbols); LZW in (0, 1].
"""
from __future__ import annotations

from typing import Literal

import torch

Variant = Literal["lz78", "lzw"]


def binarize(values: torch.Tensor) -> torch.Tensor:
    """Median-threshold symbols 1[v > median(v)] along the last axis (spec M7): (..., L) real -> (..., L) int64.

    The median is numpy's (mean of the two middle values for even L); ties with the median map to 0. To binarise
    a (..., G, G) grid in the spec's row-major order, flatten it first (`values.flatten(-2)`).
    """
    ordered = values.sort(dim=-1).values  # (..., L)
    n = values.shape[-1]
    median = (ordered[..., (n - 1) // 2] + ordered[..., n // 2]) / 2  # (...)
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


def _nodes(length: int, alpha: int, variant: Variant) -> tuple[int, int]:
    """(first new node id, trie size): LZ78 has root 0; LZW starts with the V single-symbol nodes 0..V-1."""
    first_new = 1 if variant == "lz78" else alpha
    return first_new, first_new + max_phrases(length, alpha, 1 if variant == "lz78" else 2)


def _parse(ids: torch.Tensor, distinct: torch.Tensor, variant: Variant) -> torch.Tensor:
    """Lockstep trie walk over relabelled symbols (B, L); returns phrase (LZ78) or dictionary (LZW) counts (B,)."""
    batch, length = ids.shape
    alpha = int(distinct.max())  # V
    first_new, nodes = _nodes(length, alpha, variant)
    table = torch.zeros(batch * nodes * alpha, dtype=torch.int64, device=ids.device)  # child * V, 0 = no edge
    offset = ((torch.arange(batch, device=ids.device) * (nodes * alpha))[None, :] + ids.T).contiguous()  # (L, B)
    sym_v = (ids.T * alpha).contiguous()  # (L, B): the single-symbol node of s_p, times V
    base = (first_new - 1) * alpha
    latest = torch.full((batch,), base, dtype=torch.int64, device=ids.device)  # id of the newest node, times V
    node = torch.zeros(batch, dtype=torch.int64, device=ids.device) if variant == "lz78" else sym_v[0].clone()
    for p in range(0 if variant == "lz78" else 1, length):  # one symbol of every sequence per step
        idx = offset[p] + node  # (B,), edge (node, s_p)
        child = table.index_select(0, idx)  # (B,)
        new = child == 0
        latest.add_(new, alpha=alpha)
        table.scatter_(0, idx, torch.where(new, latest, child))  # a missing edge now points to the new node
        node = child.masked_fill_(new, 0) if variant == "lz78" else torch.where(new, sym_v[p], child)  # restart
    found = (latest - base) // alpha
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
    ids, distinct = _relabel(flat)
    length = flat.shape[-1]
    alpha = int(distinct.max())
    per_row = 8 * alpha * _nodes(length, alpha, variant)[1]  # bytes of one sequence's edge table
    chunk = max(1, max_table_bytes // per_row)  # sequences per lockstep parse
    counts = torch.cat([_parse(ids[i:i + chunk], distinct[i:i + chunk], variant)
                        for i in range(0, ids.shape[0], chunk)])  # memory chunks, each in lockstep
    return (counts.to(torch.float64) / length).reshape(symbols.shape[:-1])
