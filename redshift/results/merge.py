"""``redshift merge A.sqlite B.sqlite --into C.sqlite``: runs made on machines that shared no driver, in one file.

A run is identified by its ``uuid`` (the local integer id is renumbered in the target). A run whose
uuid the target already holds is skipped, so merging the same file twice changes nothing. Each
merged run keeps its provenance in ``origin`` (source file, its id there, when merged); a run that
was itself merged keeps its first origin. Every run is copied in one transaction with its
measurements, verdicts, timings and chunk plan. Source files are opened (and migrated) as any
redshift command would; they are not otherwise changed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from redshift.results.db import Database, DatabaseError, now

CHILDREN = ("measurements", "verdicts", "timings", "run_chunks")


@dataclass(frozen=True)
class MergeReport:
    """What a merge did: runs copied and runs already present, per source file."""

    copied: dict[str, int]
    skipped: dict[str, int]


def merge(sources: Sequence[str | Path], into: str | Path) -> MergeReport:
    """Copy every run of ``sources`` not yet in ``into`` (created when missing)."""
    missing = [str(s) for s in sources if not Path(s).exists()]
    if missing:
        raise DatabaseError(f"no results database at {missing[0]}; check the path")
    copied, skipped = {}, {}
    with Database(into) as target:
        for src in sources:
            if Path(src).resolve() == target.path.resolve():
                skipped[str(src)] = len(target.query("SELECT id FROM runs"))
                continue
            with Database(src) as source:
                copied[str(src)], skipped[str(src)] = _merge_file(source, target)
    return MergeReport(copied, skipped)


def _merge_file(source: Database, target: Database) -> tuple[int, int]:
    have = {r[0] for r in target.query("SELECT uuid FROM runs")}
    copied = skipped = 0
    for run in source.query("SELECT * FROM runs ORDER BY id"):
        if run["uuid"] in have:
            skipped += 1
            continue
        _copy_run(source, target, dict(run))
        have.add(run["uuid"])
        copied += 1
    return copied, skipped


def _columns(db: Database, table: str) -> list[str]:
    return [r[1] for r in db.query(f"PRAGMA table_info({table})")]


def _copy_run(source: Database, target: Database, run: dict) -> None:
    """One run and its rows, renumbered, in one transaction."""
    origin = run.get("origin") or json.dumps({"file": str(source.path.resolve()), "run_id": run["id"],
                                              "merged_at": now()})
    cols = [c for c in _columns(source, "runs") if c != "id" and c in _columns(target, "runs")]
    values = [origin if c == "origin" else run[c] for c in cols]
    conn = target.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        cur = conn.execute(f"INSERT INTO runs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", values)
        new_id = cur.lastrowid
        for table in CHILDREN:
            if table == "verdicts":
                _copy_verdicts(source, target, run["id"], new_id)
            else:
                _copy_rows(source, target, table, run["id"], new_id)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _copy_rows(source: Database, target: Database, table: str, old_id: int, new_id: int) -> None:
    cols = [c for c in _columns(source, table) if c != "id" and c in _columns(target, table)]
    rows = source.query(f"SELECT {', '.join(cols)} FROM {table} WHERE run_id = ? ORDER BY rowid", (old_id,))
    at = cols.index("run_id")
    target.conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                            [tuple(new_id if i == at else v for i, v in enumerate(r)) for r in rows])


def _copy_verdicts(source: Database, target: Database, old_id: int, new_id: int) -> None:
    """Verdicts one by one, then their parts (schema 3+) with verdict ids renumbered."""
    cols = [c for c in _columns(source, "verdicts") if c != "id" and c in _columns(target, "verdicts")]
    rows = source.query(f"SELECT id, {', '.join(cols)} FROM verdicts WHERE run_id = ? ORDER BY id", (old_id,))
    has_parts = "verdict_parts" in {r[0] for r in source.query("SELECT name FROM sqlite_master WHERE type='table'")}
    part_cols = [c for c in _columns(source, "verdict_parts") if c not in ("id", "verdict_id")] if has_parts else []
    for r in rows:
        values = [new_id if c == "run_id" else r[c] for c in cols]
        cur = target.conn.execute(f"INSERT INTO verdicts ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                  values)
        if not part_cols:
            continue
        parts = source.query(f"SELECT {', '.join(part_cols)} FROM verdict_parts WHERE verdict_id = ? ORDER BY position",
                             (r["id"],))
        target.conn.executemany(
            f"INSERT INTO verdict_parts (verdict_id, {', '.join(part_cols)}) VALUES (?{', ?' * len(part_cols)})",
            [(cur.lastrowid, *tuple(p)) for p in parts])
