"""Progress of a run: chunks and cases done of total, per experiment and overall, elapsed and time left.

The estimate of the time left comes from the chunks done so far: an experiment's compute seconds
per case done, times its cases left (an experiment with nothing done yet uses the rate over all
done chunks), summed and divided by the number of workers. It is None until a chunk is done.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping, Sequence

from redshift.chunks import Chunk


@dataclass
class Part:
    """One experiment's progress (or the run's, summed)."""

    suite: str
    experiment: str
    chunks: int = 0
    cases: int = 0
    chunks_done: int = 0
    cases_done: int = 0
    chunks_failed: int = 0
    seconds: float = 0.0  # compute seconds of the chunks done

    @property
    def rate(self) -> float | None:
        """Compute seconds per case done, None before any."""
        return self.seconds / self.cases_done if self.cases_done else None

    @property
    def cases_left(self) -> int:
        return self.cases - self.cases_done


class Tracker:
    """Counts chunks as they finish; ``eta`` estimates the seconds left."""

    def __init__(self, chunks: Sequence[Chunk], workers: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        self.workers, self.clock, self.started = max(1, workers), clock, clock()
        self.parts: dict[tuple[str, str], Part] = {}
        for c in chunks:
            part = self.parts.setdefault((c.suite, c.experiment), Part(c.suite, c.experiment))
            part.chunks += 1
            part.cases += len(c.cases)

    def done(self, chunk: Chunk, seconds: float) -> None:
        part = self.parts[(chunk.suite, chunk.experiment)]
        part.chunks_done += 1
        part.cases_done += len(chunk.cases)
        part.seconds += seconds

    def failed(self, chunk: Chunk) -> None:
        self.parts[(chunk.suite, chunk.experiment)].chunks_failed += 1

    def overall(self) -> Part:
        total = Part("*", "*")
        for p in self.parts.values():
            for name in ("chunks", "cases", "chunks_done", "cases_done", "chunks_failed", "seconds"):
                setattr(total, name, getattr(total, name) + getattr(p, name))
        return total

    def elapsed(self) -> float:
        return self.clock() - self.started

    def eta(self) -> float | None:
        """Seconds left: each experiment's cases left at its own rate (else the overall rate), / workers."""
        overall = self.overall().rate
        if overall is None:
            return None
        work = sum(p.cases_left * (p.rate if p.rate is not None else overall) for p in self.parts.values())
        return work / self.workers

    def rows(self) -> list[dict[str, Any]]:
        """One row per experiment and a last ``all`` row: what a terminal or `redshift show` prints."""
        out = [_row(p, None) for p in self.parts.values()]
        total = _row(self.overall(), self.eta()) | {"suite": "all", "experiment": "", "elapsed_s": self.elapsed()}
        return out + [total]


def _row(p: Part, eta: float | None) -> dict[str, Any]:
    return {"suite": p.suite, "experiment": p.experiment, "chunks_done": p.chunks_done, "chunks": p.chunks,
            "cases_done": p.cases_done, "cases": p.cases, "failed": p.chunks_failed, "seconds": p.seconds,
            "eta_s": eta, "elapsed_s": None}


def from_states(chunks: Iterable[Chunk], states: Mapping[str, Mapping[str, Any]], executor: str | None,
                started_at: str | None) -> Tracker:
    """A stored run's progress (``redshift show`` of an incomplete run), elapsed since its start."""
    chunks = list(chunks)
    info = json.loads(executor) if executor else {}
    workers = int(info.get("workers") or 1)
    start = _epoch(started_at) if started_at else time.time()
    tracker = Tracker(chunks, workers=workers, clock=time.time)
    tracker.started = start
    for chunk in chunks:
        state = states.get(chunk.key, {})
        if state.get("status") == "done":
            tracker.done(chunk, float(state.get("seconds") or 0.0))
        elif state.get("status") == "failed":
            tracker.failed(chunk)
    return tracker


def _epoch(iso: str) -> float:
    stamp = datetime.fromisoformat(iso)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.timestamp()


def fmt_seconds(s: float | None) -> str:
    """'1:02:03', '4:05' or '-' for None."""
    if s is None:
        return "-"
    s = int(round(s))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"
