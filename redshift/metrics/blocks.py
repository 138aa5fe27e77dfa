"""Cache blocking of per-sample grid measures on CPU.

A measure of a large (N, G, G) population makes several passes over the data (centring, window, FFT, norms); done
on the whole population at once, every pass streams it through memory. Applied block by block (about 2 MiB of
float64 each, inside a core's L2), the passes after the first hit the cache. Each sample's value is computed by the
same operations either way. On CUDA the whole population is one call.
"""
from __future__ import annotations

from typing import Callable

import torch

_BLOCK_ELEMENTS = 2**18  # float64 entries per block: 2 MiB


def by_blocks(fn: Callable[[torch.Tensor], torch.Tensor], values: torch.Tensor,
              elements: int = _BLOCK_ELEMENTS) -> torch.Tensor:
    """fn over consecutive blocks of samples of (..., G, G) values, on CPU: -> fn(values), shape (...)."""
    flat = values.reshape(-1, *values.shape[-2:])  # (B, G, G)
    per = max(1, elements // (values.shape[-1] * values.shape[-2]))
    if values.device.type != "cpu" or flat.shape[0] <= per:
        return fn(values)
    return torch.cat([fn(flat[i:i + per]) for i in range(0, flat.shape[0], per)]).reshape(values.shape[:-2])
