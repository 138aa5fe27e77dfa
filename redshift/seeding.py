"""Seeds derived by hashing an identity, never written as literals.

A replicate's seed depends only on (seed stream, suite, case name, replicate index), so the same run
on the same machine gives bit-identical measurements, and adding a case never shifts the seeds of
the others. The *seed stream* (``redshift run --seed-stream NAME``) is held in a context variable
that ``seed_for`` reads, so every seed a suite derives, through ``Context.seed`` or by calling
``seed_for`` itself, moves to the stream. The default stream hashes the identity alone and so
reproduces every seed drawn before streams existed; any other stream prefixes ``stream=NAME``.
A fresh stream is how a choice made after seeing data is confirmed on replicates never seen.
"""
from __future__ import annotations

import contextlib
import contextvars
import hashlib
import random
import re
from typing import Iterator

import numpy as np
import torch

_MASK63 = (1 << 63) - 1
DEFAULT_STREAM = "default"
_STREAM: contextvars.ContextVar[str] = contextvars.ContextVar("redshift_seed_stream", default=DEFAULT_STREAM)
_STREAM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_stream(name: str) -> str:
    """A valid stream name (letters, digits, '.', '_', '-'; at most 64 characters), else ValueError."""
    if not _STREAM_NAME.match(name or ""):
        raise ValueError(f"bad seed stream {name!r}: use letters, digits, '.', '_' or '-' (e.g. confirm-1)")
    return name


def current_stream() -> str:
    """The seed stream in force (``default`` unless a run set another)."""
    return _STREAM.get()


@contextlib.contextmanager
def use_stream(name: str) -> Iterator[str]:
    """Derive every seed inside the block from stream ``name``."""
    token = _STREAM.set(check_stream(name))
    try:
        yield name
    finally:
        _STREAM.reset(token)


def seed_for(*identity: object) -> int:
    """A 63-bit seed from an identity such as ``(suite, case_name, replicate)``.

    In a non-default seed stream the identity is prefixed with ``stream=NAME``. The parts are joined
    with ``/`` and hashed with SHA-256; the first 8 bytes, masked to 63 bits,
    are the seed (valid for ``torch.manual_seed`` and ``numpy.random.default_rng``).
    """
    if not identity:
        raise ValueError("seed_for needs at least one identity part, e.g. seed_for(suite, case, 0)")
    stream = _STREAM.get()
    parts = identity if stream == DEFAULT_STREAM else (f"stream={stream}",) + tuple(identity)
    text = "/".join(str(part) for part in parts)
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
