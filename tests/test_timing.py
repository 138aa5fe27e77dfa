"""The one timer: sample statistics and CUDA synchronization."""
import pytest
import torch

from redshift.timing import TimingSample, synchronized_timer, time_call


def test_sample_median_and_iqr_of_known_values():
    """Median and inclusive IQR of 1..5 are 3 and 2."""
    s = TimingSample("k", "cpu", (1.0, 2.0, 3.0, 4.0, 5.0))
    assert (s.median, s.iqr, s.repeat) == (3.0, 2.0, 5)


def test_time_call_excludes_warmup_and_returns_result():
    """warmup calls are not timed: 2 warm-up + 3 timed calls, 3 samples, result of the last call."""
    calls = []
    result, sample = time_call(lambda: calls.append(1) or len(calls), repeat=3, warmup=2, name="count")
    assert len(calls) == 5 and sample.repeat == 3 and result == 5 and sample.name == "count"


def test_time_call_rejects_zero_repeats():
    """repeat must be at least 1."""
    with pytest.raises(ValueError):
        time_call(lambda: None, repeat=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_timing_uses_events():
    """On CUDA a matmul is timed with events and gives positive seconds."""
    x = torch.randn(512, 512, device="cuda")
    _, sample = time_call(torch.matmul, x, x, device="cuda", repeat=3)
    assert sample.device.startswith("cuda") and all(t > 0 for t in sample.samples)


def test_cpu_timer_is_perf_counter():
    """Without CUDA the benchmark timer is time.perf_counter itself."""
    import time

    assert synchronized_timer("cpu") is time.perf_counter
