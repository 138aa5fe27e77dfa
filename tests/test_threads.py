"""redshift.threads: thread counts and flushing of subnormal floats, each set for a block and restored after."""
import pytest
import torch

from redshift import threads
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


@pytest.mark.skipif(threads._libc() is None, reason="glibc only (elsewhere retain_heap is a no-op)")
def test_retain_heap_reuses_freed_pages_for_large_tensors():
    """Allocating and freeing a 40 MiB tensor: outside the block every allocation is a fresh mmap whose pages
    fault in again (glibc's adaptive threshold stops at 32 MiB); inside, the pages are reused (few faults).
    After the block the default behaviour is back."""
    import resource

    def faults(loops=5):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(loops):
            torch.ones(10 * 1024 * 1024)  # 40 MiB, written, freed
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    outside = faults()
    assert outside >= 5  # at least one fault per allocation (one per 4 KiB page without huge pages)
    with threads.retain_heap():
        faults(1)  # the first allocation grows the heap
        inside = faults()
    assert inside * 4 < outside
    assert faults() * 4 > outside  # glibc's behaviour again after the block
