"""The redshift_benchmark fixture: pytest-benchmark with the CUDA-synchronizing timer."""
import time

import torch


def test_redshift_benchmark_times_a_kernel_with_the_synchronized_timer(redshift_benchmark):
    """The fixture returns the kernel's result and uses perf_counter on CPU (synchronizing on CUDA)."""
    x = torch.eye(64)
    result = redshift_benchmark(torch.matmul, x, x)
    assert torch.equal(result, x)
    if torch.cuda.is_available():
        assert redshift_benchmark._timer.__qualname__ == "synchronized_timer.<locals>.timer"
    else:
        assert redshift_benchmark._timer is time.perf_counter
