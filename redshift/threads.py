"""torch's CPU thread count, set for a block and restored after; subnormal floats flushed to zero for a block.

Small batched kernels on a shared 2-core machine often run faster on one intra-op thread than on
two spinning ones; suites and benchmarks set it here, in one place, and always restore it.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Iterator

import torch


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Inside the block torch uses n intra-op threads (None or 0: unchanged); the previous count is restored."""
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


_FLUSH = threading.local()  # nesting depth per thread: the flag itself is per thread


@contextlib.contextmanager
def flush_denormals() -> Iterator[None]:
    """Inside the block, CPU float arithmetic on this thread flushes subnormal numbers to zero (x86 FTZ and DAZ,
    ``torch.set_flush_denormal``); after the outermost block it is off again (torch's default; nested blocks
    are fine).

    Why: training that drives values toward zero spends most of its time in the CPU's slow path for
    subnormals. Measured on the 2-core machine, one thread: Gaussian prefactor MLPs (neural_redshift) 14.0 ms
    per network-step against 4.3 ms flushed; the grokking MLPs at weight decay 20 late in training about 2 s
    per step of 12 networks against about 65 ms for normal values (``redshift bench`` does not cover this; the
    numbers are from the issue 13 note). A flushed value is below 1.2e-38 in float32 (2.2e-308 in float64),
    far below any metric's resolution, but it can change the last bits of a trajectory, so a suite says where
    it uses this. The flag is per thread: torch's intra-op pool threads keep their own, so use it where the
    work runs on the calling thread (one intra-op thread), as the suites' training loops do. No effect on
    GPUs, whose kernels choose their own handling.
    """
    depth = getattr(_FLUSH, "depth", 0)
    if depth == 0:
        torch.set_flush_denormal(True)
    _FLUSH.depth = depth + 1
    try:
        yield
    finally:
        _FLUSH.depth = depth
        if depth == 0:
            torch.set_flush_denormal(False)


class OneThreadBenchmark:
    """asv mixin: call ``self._one_thread()`` in ``setup``; ``teardown`` restores the thread count."""

    def _one_thread(self) -> None:
        self._threads = torch.get_num_threads()
        torch.set_num_threads(1)

    def teardown(self, *params: object) -> None:
        torch.set_num_threads(self._threads)
