"""Computing one chunk, wherever it runs: in the driver's process or on a Dask worker.

A worker finds the suite by name (the driver's $REDSHIFT_SUITE_PATHS travels in the task), sets the
run's seed stream, runs the experiment's measure function on the chunk's cases, checks every record
(a requested case and replicate, once, declared metrics only) and returns the records, timings and
log lines. It never opens the database: only the driver writes.
"""
from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import torch

from redshift.chunks import Chunk
from redshift.suite import Context, ContextHooks, Experiment, Record, Suite

from redshift.seeding import use_stream


@dataclass(frozen=True)
class ChunkTask:
    """What a worker needs to compute a chunk (picklable; no suite objects, no database)."""

    chunk: Chunk
    device: str
    seed_stream: str = "default"
    out_dir: str = "results/out"
    suite_paths: str = ""

    @property
    def needs_gpu(self) -> bool:
        return self.device.startswith("cuda")


@dataclass(frozen=True)
class ChunkResult:
    """A computed chunk: its records, kernel timings, log lines, compute seconds and where it ran."""

    key: str
    records: tuple[Record, ...]
    timings: tuple[Any, ...] = ()
    logs: tuple[str, ...] = ()
    seconds: float = 0.0
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")


class _Collect(ContextHooks):
    """Collects timings and log lines; forwards progress to the driver's hooks when in-process."""

    def __init__(self, forward: ContextHooks | None) -> None:
        self.forward = forward or ContextHooks()
        self.timings: list[Any] = []
        self.logs: list[str] = []

    def set_total(self, total: int) -> None:
        self.forward.set_total(total)

    def advance(self, n: int) -> None:
        self.forward.advance(n)

    def log(self, message: str) -> None:
        self.logs.append(message)
        self.forward.log(message)

    def timing(self, experiment: str, sample: Any) -> None:
        self.timings.append(sample)


_SUITES: dict[tuple[str, str], Suite] = {}


def find_suite(name: str, suite_paths: str = "") -> Suite:
    """The installed suite ``name`` (suite paths as the driver had them), cached per process."""
    from redshift.registry import select

    key = (name, suite_paths)
    if key not in _SUITES:
        if suite_paths and os.environ.get("REDSHIFT_SUITE_PATHS") != suite_paths:
            os.environ["REDSHIFT_SUITE_PATHS"] = suite_paths
        _SUITES[key] = select([name])[0]
    return _SUITES[key]


def find_experiment(suite: Suite, name: str) -> Experiment:
    for exp in suite.experiments:
        if exp.name == name:
            return exp
    raise LookupError(f"suite {suite.name} has no experiment {name!r}; is the same suite version installed?")


def compute(task: ChunkTask, hooks: ContextHooks | None = None, on_record: Callable[[Record], None] | None = None,
            suite: Suite | None = None) -> ChunkResult:
    """Run the chunk's cases through its experiment; every record is checked (and passed to ``on_record``).
    ``suite``: the suite object when in-process (a worker looks it up by name)."""
    chunk = task.chunk
    suite = suite or find_suite(chunk.suite, task.suite_paths)
    exp = find_experiment(suite, chunk.experiment)
    by_name = {c.name: c for c in exp.cases_for(chunk.budget)}
    missing = [n for n in chunk.cases if n not in by_name]
    if missing:
        raise LookupError(f"suite {suite.name}: no case {missing[0]} in experiment {exp.name}; suite changed?")
    cases = [by_name[n] for n in chunk.cases]
    collect = _Collect(hooks)
    device = torch.device(task.device)
    ctx = Context(suite.name, exp, chunk.budget, device, chunk.replicates, Path(task.out_dir) / suite.name, collect)
    t0 = time.perf_counter()
    with use_stream(task.seed_stream):
        records = []
        for rec in checked(exp, chunk, exp.measure(cases, ctx)):
            records.append(rec)
            if on_record is not None:
                on_record(rec)
    return ChunkResult(chunk.key, tuple(records), tuple(collect.timings), tuple(collect.logs),
                       time.perf_counter() - t0)


def checked(exp: Experiment, chunk: Chunk, records: Iterable[Record]) -> Iterator[Record]:
    """The records, each a requested case and replicate, once, with declared metrics; then all present."""
    names, reps, seen = set(chunk.cases), chunk.replicates, set()
    for rec in records:
        where = f"experiment {exp.name}, record {rec.case.name} replicate {rec.replicate}"
        if rec.case.name not in names or not 0 <= rec.replicate < reps:
            raise ValueError(f"{where}: not a requested case and replicate (0..{reps - 1})")
        if (rec.case.name, rec.replicate) in seen:
            raise ValueError(f"{where}: yielded twice")
        unknown = [m for m in rec.values if m not in exp.metrics]
        if unknown:
            raise ValueError(f"{where}: undeclared metric {unknown[0]!r}")
        seen.add((rec.case.name, rec.replicate))
        yield rec
    if len(seen) != len(names) * reps:
        raise ValueError(f"suite {chunk.suite}: experiment {exp.name} yielded {len(seen)} records, expected "
                         f"{len(names) * reps} (one per case and replicate)")


def split_differences(suite: Suite, experiment: str, split_by: Any, budget: str, replicates: int,
                      device: str = "cpu", out_dir: str = "results/out") -> list[tuple[str, int, str, float, float]]:
    """Is a split safe? Compute the experiment's cases whole (one chunk) and split as ``split_by`` would chunk
    them, and return every science value that differs bit for bit: (case, replicate, metric, whole, split).
    Timing-kind metrics (wall clock) are skipped; NaN equals NaN. An empty list is what a declared split needs."""
    import dataclasses
    import math

    from redshift.chunks import experiment_cases, groups

    exp = find_experiment(suite, experiment)
    cases = experiment_cases(exp, suite.claims, budget)
    science = {m for m, spec in exp.metrics.items() if spec.kind != "timing"}

    def values(cs: list, index: int) -> dict[tuple[str, int], dict[str, float]]:
        chunk = Chunk(suite.name, experiment, budget, index, tuple(c.name for c in cs), replicates)
        result = compute(ChunkTask(chunk, device, out_dir=out_dir), suite=suite)
        return {(r.case.name, r.replicate): r.values for r in result.records}

    whole = values(cases, 0)
    split: dict[tuple[str, int], dict[str, float]] = {}
    for i, group in enumerate(groups(dataclasses.replace(exp, split_by=split_by), cases)):
        split.update(values(group, i))
    out = []
    for key, row in whole.items():
        for metric, a in row.items():
            b = split[key][metric]
            if metric in science and a != b and not (math.isnan(a) and math.isnan(b)):
                out.append((key[0], key[1], metric, a, b))
    return out
