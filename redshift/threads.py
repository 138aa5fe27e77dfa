"""torch's CPU thread count, set for a block and restored after.

Small batched kernels on a shared 2-core machine often run faster on one intra-op thread than on
two spinning ones; suites and benchmarks set it here, in one place, and always restore it.
"""
from __future__ import annotations

import contextlib
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


class OneThreadBenchmark:
    """asv mixin: call ``self._one_thread()`` in ``setup``; ``teardown`` restores the thread count."""

    def _one_thread(self) -> None:
        self._threads = torch.get_num_threads()
        torch.set_num_threads(1)

    def teardown(self, *params: object) -> None:
        torch.set_num_threads(self._threads)
