"""redshift.threads: thread counts and flushing of subnormal floats, each set for a block and restored after."""
import pytest
import torch

from redshift.threads import flush_denormals, torch_threads

TINY = 1e-40  # subnormal in float32 (the smallest normal float32 is about 1.18e-38)


def _flushes() -> bool:
    return float((torch.tensor([TINY], dtype=torch.float32) * 1.0)[0]) == 0.0


def test_torch_threads_sets_and_restores_the_count():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_flush_denormals_zeroes_subnormals_inside_the_block_only():
    """A float32 subnormal times 1 is the subnormal outside the block and 0 inside; nested blocks keep the flag
    until the outermost one ends."""
    if not torch.set_flush_denormal(False):
        pytest.skip("this CPU has no flush-to-zero mode (torch.set_flush_denormal returns False)")
    assert not _flushes() and float(torch.tensor([TINY])[0]) > 0.0
    with flush_denormals():
        assert _flushes()
        with flush_denormals():
            assert _flushes()
        assert _flushes()
    assert not _flushes()


def test_flush_denormals_is_off_after_an_error():
    if not torch.set_flush_denormal(False):
        pytest.skip("this CPU has no flush-to-zero mode")
    with pytest.raises(RuntimeError):
        with flush_denormals():
            raise RuntimeError("boom")
    assert not _flushes()


def test_flush_denormals_counts_nesting_per_thread():
    """Two threads each entering a block both flush (the flag is per thread, so is the nesting count)."""
    import threading

    if not torch.set_flush_denormal(False):
        pytest.skip("this CPU has no flush-to-zero mode")
    seen, inside, release = [], threading.Barrier(2), threading.Event()

    def work():
        with flush_denormals():
            inside.wait()
            seen.append(_flushes())
            release.wait(5)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    while len(seen) < 2:
        pass
    release.set()
    for t in threads:
        t.join()
    assert seen == [True, True]
