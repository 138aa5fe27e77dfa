"""Seeds derived by hashing an identity, never written as literals.

A replicate's seed depends only on (suite, case name, replicate index), so the same run on the same
machine gives bit-identical measurements, and adding a case never shifts the seeds of the others.
"""
from __future__ import annotations

import hashlib
import random

import numpy as np
import torch

_MASK63 = (1 << 63) - 1


def seed_for(*identity: object) -> int:
    """A 63-bit seed from an identity such as ``(suite, case_name, replicate)``.

    The parts are joined with ``/`` and hashed with SHA-256; the first 8 bytes, masked to 63 bits,
    are the seed (valid for ``torch.manual_seed`` and ``numpy.random.default_rng``).
    """
    if not identity:
        raise ValueError("seed_for needs at least one identity part, e.g. seed_for(suite, case, 0)")
    text = "/".join(str(part) for part in identity)
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little") & _MASK63


def seed_everything(seed: int) -> None:
    """Seed Python's, numpy's and torch's global generators (for code that uses them)."""
    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    torch.manual_seed(seed)


def torch_generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A torch.Generator on ``device`` seeded with ``seed``."""
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    return gen


def determinism_flags() -> dict[str, object]:
    """The flags that decide whether torch runs are reproducible, for the run record."""
    return {
        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
        "cudnn_deterministic": bool(torch.backends.cudnn.deterministic),
        "cudnn_benchmark": bool(torch.backends.cudnn.benchmark),
        "num_threads": torch.get_num_threads(),
    }
