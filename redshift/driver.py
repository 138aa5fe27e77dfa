"""The driver's side of a run: chunks sent to an executor, each result stored once, progress counted.

Only the driver writes the database. A serial run streams each replicate's rows as it is measured
(a killed run keeps them) and marks the chunk done at its end; a distributed run stores a chunk's
rows, timings and done mark in one transaction when its result arrives. A chunk that fails is
remembered with its error; every other chunk goes on.
"""
from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from redshift.chunks import Chunk
from redshift.executor import ExecutorConfig, make_executor
from redshift.progress import Tracker
from redshift.results import chunkstore
from redshift.suite import ContextHooks, Experiment, Record, Suite
from redshift.work import ChunkResult, ChunkTask, find_experiment

if TYPE_CHECKING:
    from redshift.runner import Session


class Driver:
    """Computes a session's chunks (lazily opening the executor) and keeps their records for the verdicts."""

    def __init__(self, session: "Session", chunks: Sequence[Chunk], config: ExecutorConfig) -> None:
        self.session, self.plan, self.config = session, list(chunks), config
        self.records: dict[str, list[Record]] = {}
        self.seconds: dict[str, float] = {}
        self.failures: dict[str, BaseException] = {}
        self.tracker = Tracker(self.plan)
        self._executor: Any = None

    # --- executing ------------------------------------------------------------------------------
    def executor(self) -> Any:
        if self._executor is None:
            self._executor = make_executor(self.config, str(self.session.torch_device)).__enter__()
            self.tracker.workers = self._executor.n_workers
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.__exit__(None, None, None)
            self._executor = None

    def ensure(self, chunks: Iterable[Chunk]) -> None:
        """Compute the chunks not yet done or failed."""
        todo = [c for c in chunks if c.key not in self.records and c.key not in self.failures]
        if not todo:
            return
        ex = self.executor()
        if ex.parallel:
            todo = longest_first(todo, self._past_seconds(todo))
        ex.run([self.task(c) for c in todo], self._on_result, self._on_error, suites=self.session.suites,
               hooks=self._hooks, on_record=self._on_record)

    def _past_seconds(self, chunks: Sequence[Chunk]) -> dict[str, float]:
        db = self.session.db
        if db is None:
            return {}
        return chunkstore.past_seconds(db, [c.key for c in chunks], str(self.session.torch_device))

    def task(self, chunk: Chunk) -> ChunkTask:
        device = str(self.session.torch_device)
        if self.config.distributed and device.startswith("cuda"):
            device = "cuda"  # each worker sees only its pinned GPU
        return ChunkTask(chunk, device, self.session.seed_stream, str(self.session.out_dir),
                         suite_paths(self.session.suites.get(chunk.suite)))

    def failure_of(self, chunks: Iterable[Chunk]) -> BaseException | None:
        return next((self.failures[c.key] for c in chunks if c.key in self.failures), None)

    # --- callbacks ------------------------------------------------------------------------------
    def _hooks(self, task: ChunkTask) -> ContextHooks:
        c = task.chunk
        self.session.reporter.start(c.suite, c.experiment, len(c.cases), c.replicates)
        return self.session.reporter

    def _on_record(self, task: ChunkTask, rec: Record) -> None:
        db, run_id = self.session.db, self.session.run_id
        if db is not None:
            chunkstore.stream_rows(db, run_id, rows_of(self._experiment(task.chunk), task.chunk.suite, [rec]))

    def _on_result(self, task: ChunkTask, result: ChunkResult) -> None:
        chunk, db = task.chunk, self.session.db
        if chunk.key in self.records:
            return  # delivered twice: stored once
        exp = self._experiment(chunk)
        if db is not None:
            chunkstore.store_chunk(db, self.session.run_id, chunk, rows_of(exp, chunk.suite, result.records),
                                   result.timings, result.seconds, result.worker, self._executor.parallel)
        self.records[chunk.key] = list(result.records)
        self.seconds[chunk.key] = result.seconds
        self.session.timings.extend((chunk.suite, chunk.experiment, s) for s in result.timings)
        self.tracker.done(chunk, result.seconds)
        if self._executor.parallel:
            for line in result.logs:
                self.session.reporter.log(line)
        self.session.reporter.finish(chunk.suite, chunk.experiment, result.seconds)
        self.session.reporter.chunk_done(self.tracker, chunk)

    def _on_error(self, task: ChunkTask, exc: BaseException) -> None:
        chunk = task.chunk
        self.failures[chunk.key] = exc
        if self.session.db is not None:
            chunkstore.mark_failed(self.session.db, self.session.run_id, chunk, f"{type(exc).__name__}: {exc}")
        self.tracker.failed(chunk)
        self.session.reporter.chunk_failed(self.tracker, chunk, exc)

    # --- a resumed run --------------------------------------------------------------------------
    def preload(self, states: dict[str, dict[str, Any]]) -> None:
        """Records of the chunks a run already stored, read back from the database."""
        db, run_id = self.session.db, self.session.run_id
        for chunk in self.plan:
            state = states.get(chunk.key)
            if state is None or state["status"] != "done":
                continue
            exp = self._experiment(chunk)
            cases = {c.name: c for c in exp.cases_for(chunk.budget)}
            values = chunkstore.chunk_values(db, run_id, chunk)
            self.records[chunk.key] = [Record(cases[name], rep, vals) for (name, rep), vals in values.items()]
            self.seconds[chunk.key] = float(state["seconds"] or 0.0)
            self.tracker.done(chunk, self.seconds[chunk.key])

    def _experiment(self, chunk: Chunk) -> Experiment:
        return find_experiment(self.session.suites[chunk.suite], chunk.experiment)


def longest_first(chunks: Sequence[Chunk], seconds: dict[str, float]) -> list[Chunk]:
    """Chunks in the order a parallel run starts them: those never timed first (plan order; they may be
    long), then the timed ones longest first by their latest seconds, so that no long chunk starts last and
    leaves the other workers idle (an order only: every chunk's numbers are the same in any order)."""
    unknown = [c for c in chunks if c.key not in seconds]
    known = sorted((c for c in chunks if c.key in seconds), key=lambda c: -seconds[c.key])
    return unknown + known


def suite_paths(suite: Suite | None) -> str:
    """$REDSHIFT_SUITE_PATHS for a worker: the driver's, plus the folder of a suite loaded from a file
    (the pytest plugin collects suites by path), so a worker finds it by name."""
    paths = [p for p in os.environ.get("REDSHIFT_SUITE_PATHS", "").split(os.pathsep) if p]
    module = sys.modules.get(getattr(suite.experiments[0].measure, "__module__", "") or "") if suite else None
    top = sys.modules.get(module.__name__.split(".")[0]) if module else None
    if top is not None and top.__name__.startswith("_redshift_suite_") and getattr(top, "__file__", None):
        folder = str(Path(top.__file__).parent)
        paths += [folder] if folder not in paths else []
    return os.pathsep.join(paths)


def rows_of(exp: Experiment, suite: str, records: Iterable[Record]) -> list[tuple]:
    """Measurement rows: (suite, experiment, case, params, replicate, metric, value, unit, direction, margin,
    kind)."""
    out = []
    for rec in records:
        params = json.dumps(rec.case.params, sort_keys=True)
        out += [(suite, exp.name, rec.case.name, params, rec.replicate, m, _sql_num(v), exp.metrics[m].unit,
                 exp.metrics[m].direction, exp.metrics[m].margin, exp.metrics[m].kind) for m, v in rec.values.items()]
    return out


def _sql_num(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def executor_record(config: ExecutorConfig, previous: str | None = None) -> dict[str, Any]:
    """The run's ``executor`` field; a resumed run keeps the first one and lists the resumes."""
    now = config.describe()
    if not previous:
        return now
    first = json.loads(previous)
    return first | {"parallel": bool(first.get("parallel")) or now["parallel"],
                    "resumes": [*first.get("resumes", []), now]}


def suites_by_name(suites: Sequence[Suite]) -> dict[str, Suite]:
    return {s.name: s for s in suites}
