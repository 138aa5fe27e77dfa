"""The redshift_benchmark fixture: pytest-benchmark with the CUDA-synchronizing timer."""
import time

import pytest
import torch


def _sentinel_timer() -> float:
    return time.perf_counter()


@pytest.fixture
def sentinel_timer(monkeypatch):
    """Make redshift.timing.synchronized_timer return a recognisable timer."""
    import redshift.timing

    monkeypatch.setattr(redshift.timing, "synchronized_timer", lambda device=None: _sentinel_timer)
    return _sentinel_timer


def test_redshift_benchmark_uses_the_synchronized_timer(sentinel_timer, redshift_benchmark):
    """The fixture hands pytest-benchmark the timer from synchronized_timer and returns the kernel's result."""
    x = torch.eye(64)
    result = redshift_benchmark(torch.matmul, x, x)
    assert torch.equal(result, x)
    assert redshift_benchmark._timer is sentinel_timer
