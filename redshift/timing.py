"""The one timer: CUDA events on a GPU, perf_counter on CPU, warm-up excluded.

Nothing is timed without a synchronize: on CUDA the events are recorded around the call and the
device is synchronized before they are read.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any, Callable

import torch


@dataclass(frozen=True)
class TimingSample:
    """Seconds per call over ``repeat`` timed calls (after ``warmup`` untimed ones)."""

    name: str
    device: str
    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def iqr(self) -> float:
        if len(self.samples) < 2:
            return 0.0
        q = statistics.quantiles(self.samples, n=4, method="inclusive")
        return q[2] - q[0]

    @property
    def repeat(self) -> int:
        return len(self.samples)


def _is_cuda(device: torch.device | str | None) -> bool:
    return device is not None and torch.device(device).type == "cuda"


def time_call(
    fn: Callable[..., Any],
    *args: Any,
    name: str = "",
    device: torch.device | str | None = None,
    repeat: int = 5,
    warmup: int = 1,
    **kwargs: Any,
) -> tuple[Any, TimingSample]:
    """Call ``fn(*args, **kwargs)`` ``warmup + repeat`` times; return the last result and the sample."""
    if repeat < 1 or warmup < 0:
        raise ValueError("repeat must be >= 1 and warmup >= 0")
    result = None
    for _ in range(warmup):
        result = fn(*args, **kwargs)
    cuda = _is_cuda(device)
    samples = []
    for _ in range(repeat):
        if cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            torch.cuda.synchronize(device)
            start.record()
            result = fn(*args, **kwargs)
            end.record()
            torch.cuda.synchronize(device)
            samples.append(start.elapsed_time(end) / 1000.0)
        else:
            t0 = time.perf_counter()
            result = fn(*args, **kwargs)
            samples.append(time.perf_counter() - t0)
    dev = str(torch.device(device)) if device is not None else "cpu"
    return result, TimingSample(name=name or getattr(fn, "__name__", "call"), device=dev, samples=tuple(samples))


def synchronized_timer(device: torch.device | str | None = None) -> Callable[[], float]:
    """A perf_counter that synchronizes CUDA first: the timer pytest-benchmark should use on a GPU."""
    if not _is_cuda(device):
        return time.perf_counter

    def timer() -> float:
        torch.cuda.synchronize(device)
        return time.perf_counter()

    return timer
