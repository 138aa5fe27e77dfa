"""Progress of a run: counts per experiment and overall, and the time-left estimate from done chunks."""
from redshift.chunks import Chunk
from redshift.progress import Tracker, fmt_seconds

A = [Chunk("s", "a", "smoke", i, (f"a{i}x", f"a{i}y"), 3) for i in range(4)]  # 4 chunks of 2 cases
B = [Chunk("s", "b", "smoke", i, tuple(f"b{i}{j}" for j in range(5)), 3) for i in range(2)]  # 2 chunks of 5 cases


def _tracker():
    now = [100.0]
    return Tracker(A + B, workers=2, clock=lambda: now[0]), now


def test_no_estimate_before_a_chunk_is_done():
    """Nothing done: no estimate, all counts zero of their totals."""
    tracker, _ = _tracker()
    total = tracker.overall()
    assert tracker.eta() is None and (total.chunks, total.cases, total.chunks_done) == (6, 18, 0)


def test_an_experiment_without_done_chunks_uses_the_overall_rate():
    """a: 4 s and 8 s for 4 cases = 3 s/case, 4 left -> 12 s; b: 10 cases at 3 s -> 30 s; 42 s over 2 workers."""
    tracker, _ = _tracker()
    tracker.done(A[0], 4.0)
    tracker.done(A[1], 8.0)
    assert tracker.eta() == 21.0


def test_an_experiment_with_done_chunks_uses_its_own_rate():
    """b's chunk of 5 cases took 20 s (4 s/case, 5 left -> 20 s); with a's 12 s left: 32 s / 2 workers."""
    tracker, _ = _tracker()
    for chunk, seconds in ((A[0], 4.0), (A[1], 8.0), (B[0], 20.0)):
        tracker.done(chunk, seconds)
    rows = {r["experiment"]: r for r in tracker.rows()}
    assert tracker.eta() == 16.0 and rows["b"]["cases_done"] == 5 and rows[""]["chunks_done"] == 3


def test_elapsed_and_failed_chunks_are_counted():
    """Elapsed is clock time since the start (on the overall row); a failed chunk counts as failed, not done."""
    tracker, now = _tracker()
    now[0] = 161.0
    tracker.failed(A[2])
    part = tracker.parts[("s", "a")]
    assert tracker.rows()[-1]["elapsed_s"] == 61.0 and (part.chunks_failed, part.chunks_done) == (1, 0)


def test_seconds_are_formatted_as_clock_time():
    """3725 s is 1:02:05, 65 s is 1:05, None is '-'."""
    assert (fmt_seconds(3725), fmt_seconds(65), fmt_seconds(None)) == ("1:02:05", "1:05", "-")
