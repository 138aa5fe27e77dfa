"""A run's chunk plan in the database: stored at the start, each chunk marked done with its rows.

Only the driver writes. A chunk's measurement rows, its timings and its ``done`` mark go in one
transaction; a chunk already done is not stored again (Dask may deliver a task twice), and rows a
serial run streamed earlier for the same chunk are kept once (``INSERT OR IGNORE`` on the unique
measurement key).
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Mapping, Sequence

from redshift.chunks import Chunk
from redshift.results.db import Database, now

MEASUREMENT_SQL = ("INSERT OR IGNORE INTO measurements (run_id, suite, experiment, case_name, params, replicate,"
                   " metric, value, unit, direction, margin, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
TIMING_SQL = ("INSERT INTO timings (run_id, suite, experiment, kernel, device, median_s, iqr_s, repeat, samples,"
              " parallel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def store_plan(db: Database, run_id: int, chunks: Sequence[Chunk], inputs: Mapping[str, Any],
               executor: Mapping[str, Any]) -> None:
    """The run's inputs, executor and every chunk as ``pending``, in one transaction."""
    rows = [(run_id, c.key, c.suite, c.experiment, json.dumps(c.to_json()), len(c.cases), c.replicates)
            for c in chunks]
    with _tx(db):
        db.conn.execute("UPDATE runs SET inputs = ?, executor = ? WHERE id = ?",
                        (json.dumps(inputs), json.dumps(executor), run_id))
        db.conn.executemany("INSERT OR IGNORE INTO run_chunks (run_id, chunk_key, suite, experiment, spec, n_cases,"
                            " replicates) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def set_executor(db: Database, run_id: int, executor: Mapping[str, Any]) -> None:
    db.conn.execute("UPDATE runs SET executor = ? WHERE id = ?", (json.dumps(executor), run_id))


def stored_plan(db: Database, run_id: int) -> list[Chunk]:
    rows = db.query("SELECT spec FROM run_chunks WHERE run_id = ? ORDER BY rowid", (run_id,))
    return [Chunk.from_json(json.loads(r[0])) for r in rows]


def chunk_states(db: Database, run_id: int) -> dict[str, dict[str, Any]]:
    """chunk key -> its row (status, seconds, worker, error, ...)."""
    rows = db.query("SELECT * FROM run_chunks WHERE run_id = ? ORDER BY rowid", (run_id,))
    return {r["chunk_key"]: dict(r) for r in rows}


def store_chunk(db: Database, run_id: int, chunk: Chunk, rows: Iterable[tuple], timings: Iterable[Any],
                seconds: float, worker: str, parallel: bool) -> bool:
    """Rows, timings and the done mark in one transaction; False (nothing written) when already done."""
    with _tx(db):
        state = db.conn.execute("SELECT status FROM run_chunks WHERE run_id = ? AND chunk_key = ?",
                                (run_id, chunk.key)).fetchone()
        if state is not None and state[0] == "done":
            return False
        db.conn.executemany(MEASUREMENT_SQL, [(run_id, *r, *(None,) * (11 - len(r))) for r in rows])  # kind: None if not given
        db.conn.executemany(TIMING_SQL, [(run_id, chunk.suite, chunk.experiment, s.name, s.device, s.median, s.iqr,
                                          s.repeat, json.dumps(list(s.samples)), int(parallel)) for s in timings])
        db.conn.execute("INSERT OR IGNORE INTO run_chunks (run_id, chunk_key, suite, experiment, spec, n_cases,"
                        " replicates) VALUES (?, ?, ?, ?, ?, ?, ?)", (run_id, chunk.key, chunk.suite,
                                                                   chunk.experiment, json.dumps(chunk.to_json()),
                                                                   len(chunk.cases), chunk.replicates))
        db.conn.execute("UPDATE run_chunks SET status = 'done', seconds = ?, worker = ?, done_at = ?, error = NULL"
                        " WHERE run_id = ? AND chunk_key = ?", (seconds, worker, now(), run_id, chunk.key))
    return True


def past_seconds(db: Database, keys: Iterable[str], device: str) -> dict[str, float]:
    """chunk key -> the seconds its latest done run on this device took (the key names the suite, experiment,
    budget, cases, replicates and the chunk's place in the plan; the latest time reflects the latest code)."""
    keys = list(keys)
    out: dict[str, float] = {}
    for lo in range(0, len(keys), 500):  # SQLite's bound-parameter limit
        part = keys[lo:lo + 500]
        rows = db.query("SELECT c.chunk_key, c.seconds FROM run_chunks c JOIN runs r ON r.id = c.run_id"
                        " WHERE c.status = 'done' AND c.seconds IS NOT NULL AND r.device = ?"
                        f" AND c.chunk_key IN ({', '.join('?' * len(part))}) ORDER BY c.done_at",
                        (device, *part))
        out.update({r[0]: float(r[1]) for r in rows})  # ordered by time: the latest wins
    return out


def stream_rows(db: Database, run_id: int, rows: Iterable[tuple]) -> None:
    """One replicate's rows as soon as it is measured (serial runs: a killed run keeps its replicates)."""
    with _tx(db):
        db.conn.executemany(MEASUREMENT_SQL, [(run_id, *r, *(None,) * (11 - len(r))) for r in rows])  # kind: None if not given


def mark_failed(db: Database, run_id: int, chunk: Chunk, error: str) -> None:
    db.conn.execute("UPDATE run_chunks SET status = 'failed', error = ? WHERE run_id = ? AND chunk_key = ?"
                    " AND status != 'done'", (error[:2000], run_id, chunk.key))


def chunk_values(db: Database, run_id: int, chunk: Chunk) -> dict[tuple[str, int], dict[str, float | None]]:
    """(case name, replicate) -> {metric: value} of a stored chunk (for verdicts of a resumed run)."""
    names = set(chunk.cases)
    rows = db.query("SELECT case_name, replicate, metric, value FROM measurements WHERE run_id = ? AND suite = ?"
                    " AND experiment = ? ORDER BY id", (run_id, chunk.suite, chunk.experiment))
    out: dict[tuple[str, int], dict[str, float | None]] = {}
    for r in rows:
        if r[0] in names and r[1] < chunk.replicates:
            out.setdefault((r[0], int(r[1])), {})[r[2]] = r[3]
    return out


class _tx:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""

    def __init__(self, db: Database) -> None:
        self.conn = db.conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.conn.execute("ROLLBACK" if kind is not None else "COMMIT")
