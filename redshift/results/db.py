"""The results database: SQLite in WAL mode, one transaction per replicate, append-only.

A run is inserted as ``incomplete`` and marked ``complete`` only at its end, so a run that dies
stays ``incomplete`` with every replicate it finished kept whole. A file that is not a redshift
database (corrupted, or another program's SQLite file) is refused before anything is written.
"""
from __future__ import annotations

import json
import os
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from redshift.results.schema import APP, READABLE_FROM, SCHEMA_VERSION, V1, migrate

DEFAULT_DB = Path("results") / "redshift.sqlite"


class DatabaseError(Exception):
    """The database file cannot be used; the message says what to do. Nothing was written."""


def resolve_path(db: str | os.PathLike | None) -> Path:
    """``db`` if given, else $REDSHIFT_DB, else results/redshift.sqlite (relative to the cwd)."""
    return Path(db or os.environ.get("REDSHIFT_DB") or DEFAULT_DB)


def out_folder(db: str | os.PathLike | None) -> Path:
    """Where pictures of ``db``'s runs go: ``<db folder>/out/<db name>/``, beside the database, so
    figures of two databases never overwrite each other (results/out/redshift/ for the default)."""
    path = resolve_path(db)
    return path.parent / "out" / path.stem


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _inspect(path: Path, check: bool = False) -> int | None:
    """The schema version of an existing redshift database, None for a new/empty file; raise if foreign.

    ``check`` (before a write) also runs ``PRAGMA quick_check``, so a file with damaged pages is
    refused before anything is written. Nothing is created beside the file (see ``_ro_uri``).
    """
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        conn = sqlite3.connect(_ro_uri(path), uri=True, timeout=30)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables:
                return None
            if "meta" not in tables:
                raise DatabaseError(f"{path} is an SQLite file but not a redshift results database; "
                                    "pass another path with --db or REDSHIFT_DB")
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            problems = [r[0] for r in conn.execute("PRAGMA quick_check(3)")] if check else ["ok"]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path} is not a readable redshift database ({exc}); it was left untouched: "
                            "pass another path with --db") from None
    if problems != ["ok"]:
        raise DatabaseError(f"{path} is damaged (quick_check: {problems[0]}); it was left untouched: "
                            "restore it from a copy or pass another path with --db")
    if meta.get("app") != APP:
        raise DatabaseError(f"{path} is not a redshift results database; pass another path with --db")
    version = int(meta.get("schema_version", "0"))
    if version > SCHEMA_VERSION:
        raise DatabaseError(f"{path} has schema version {version}, newer than this redshift "
                            f"({SCHEMA_VERSION}); upgrade redshift")
    return version


def _ro_uri(path: Path) -> str:
    """A read-only SQLite URI for ``path`` (quoted, so '#', '?' and '%' in names are safe).

    Without a ``-wal`` file beside it no connection is open (the last one to close removes it), so
    the file is opened ``immutable``: no ``-wal``/``-shm`` is created beside a refused file, and a
    file on a read-only file system can be read.
    """
    wal = path.with_name(path.name + "-wal")
    return path.resolve().as_uri() + ("?mode=ro" if wal.exists() else "?mode=ro&immutable=1")


def _writable(path: Path, exists: bool) -> None:
    """Raise DatabaseError (nothing written) when ``path`` cannot be written or created."""
    folder = path.parent
    try:
        if not exists:
            folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"cannot create a results database at {path}: {exc.strerror or exc}; "
                            "pass a writable path with --db") from None
    if exists and not os.access(path, os.W_OK):
        raise DatabaseError(f"{path} is read-only; pass a writable path with --db")
    if not os.access(folder, os.W_OK | os.X_OK):
        verb = "write to" if exists else "create a results database in"
        raise DatabaseError(f"cannot {verb} {folder} (read-only); pass a writable path with --db")


@dataclass(frozen=True)
class RunInfo:
    commit: str | None
    dirty: bool | None
    budget: str
    device: str
    machine: Mapping[str, Any]
    versions: Mapping[str, Any]
    suites: Mapping[str, str]
    determinism: Mapping[str, Any]
    argv: list[str]
    seed_stream: str = "default"


class Database:
    """A connection to a results database (created and migrated on first write use)."""

    def __init__(self, path: str | os.PathLike | None = None, *, create: bool = True) -> None:
        """Open ``path``; ``create=False`` opens read-only and never creates, migrates or converts."""
        self.path = resolve_path(path)
        version = _inspect(self.path, check=create)
        if version is None and not create:
            raise DatabaseError(f"no results database at {self.path}; run `redshift run` first or pass --db")
        if not create:
            self.conn = sqlite3.connect(_ro_uri(self.path), uri=True, timeout=60, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            if version < READABLE_FROM:
                self.conn.close()
                raise DatabaseError(f"{self.path} has schema version {version}; any `redshift run` with "
                                    f"--db {self.path} migrates it to {SCHEMA_VERSION}")
            self.version = version
            return
        _writable(self.path, exists=self.path.exists())
        try:
            self.conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open {self.path} for writing ({exc}); pass a writable path with --db") from None
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA busy_timeout = 60000")
        self._wal()
        if version is None:
            self._create()
        self.version = migrate(self.conn)

    def _wal(self) -> None:
        """Switch to WAL once; another process switching at the same moment is waited for."""
        import time

        for attempt in range(50):
            try:
                if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self.conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.1)

    def _create(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables:  # another process may have created it meanwhile
                create_v1_in_tx(self.conn)
            elif "meta" not in tables:
                raise DatabaseError(f"{self.path} is an SQLite file but not a redshift results database; "
                                    "pass another path with --db or REDSHIFT_DB")
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writes ---------------------------------------------------------------------------------
    def start_run(self, info: RunInfo) -> int:
        cur = self.conn.execute(
            "INSERT INTO runs (uuid, commit_sha, dirty, budget, device, status, started_at, machine, versions, suites,"
            " determinism, argv, seed_stream) VALUES (?, ?, ?, ?, ?, 'incomplete', ?, ?, ?, ?, ?, ?, ?)",
            (uuid.uuid4().hex, info.commit, None if info.dirty is None else int(info.dirty), info.budget, info.device,
             now(), json.dumps(info.machine), json.dumps(info.versions), json.dumps(info.suites),
             json.dumps(info.determinism), json.dumps(info.argv), info.seed_stream))
        return int(cur.lastrowid)

    def finish_run(self, run_id: int, status: str = "complete") -> None:
        self.conn.execute("UPDATE runs SET status = ?, ended_at = ? WHERE id = ?", (status, now(), run_id))

    def write_replicate(self, run_id: int, rows: Iterable[tuple]) -> None:
        """One replicate's measurements in one transaction: (suite, experiment, case, params, rep, metric,
        value, unit, direction, margin, kind) tuples."""
        self._tx("INSERT INTO measurements (run_id, suite, experiment, case_name, params, replicate, metric, value,"
                 " unit, direction, margin, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 [(run_id, *r, *(None,) * (11 - len(r))) for r in rows])  # kind: None when not given

    def write_verdicts(self, run_id: int, suite: str, suite_version: str, verdicts: Iterable[Any]) -> None:
        """A suite's verdicts and their parts, in one transaction."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for v in verdicts:
                cur = self.conn.execute(
                    "INSERT INTO verdicts (run_id, suite, suite_version, claim, statement, status, predicted, effect,"
                    " ci_low, ci_high, p_value, p_adjusted, n, seconds, decisive_at, rule, unit, binding,"
                    " definition_hash, family, family_size, p_refute, p_refute_adjusted)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (run_id, suite, suite_version, v.claim, v.statement, v.status, v.predicted, _real(v.effect),
                     _real(v.ci_low), _real(v.ci_high), _real(v.p_value), _real(v.p_adjusted), v.n, v.seconds,
                     v.decisive_at, v.rule, v.unit, v.binding, v.definition, v.family, v.family_size,
                     _real(v.p_refute), _real(v.p_refute_adjusted)))
                self.conn.executemany(
                    "INSERT INTO verdict_parts (verdict_id, position, name, unit, gate, estimate, ci_low, ci_high,"
                    " p_support, p_refute, n, method, state, support, refute, violations, note)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(cur.lastrowid, i, p.name, p.unit, int(p.gate), _real(p.estimate), _real(p.ci_low),
                      _real(p.ci_high), _real(p.p_support), _real(p.p_refute), p.n, p.method, p.state, p.support,
                      p.refute, p.violations, p.note) for i, p in enumerate(v.parts)])
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def parts_of(self, verdict_id: int) -> list[sqlite3.Row]:
        """The parts of one verdict, in declaration order (none for verdicts stored before schema 3)."""
        return self.conn.execute("SELECT * FROM verdict_parts WHERE verdict_id = ? ORDER BY position",
                                 (verdict_id,)).fetchall()

    def write_timing(self, run_id: int, suite: str, experiment: str, sample: Any) -> None:
        self._tx("INSERT INTO timings (run_id, suite, experiment, kernel, device, median_s, iqr_s, repeat, samples)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 [(run_id, suite, experiment, sample.name, sample.device, sample.median, sample.iqr,
                   sample.repeat, json.dumps(list(sample.samples)))])

    def _tx(self, sql: str, rows: list[tuple]) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.executemany(sql, rows)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    # --- reads ----------------------------------------------------------------------------------
    def query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def latest_run(self, commit: str | None = None, complete_only: bool = False) -> int | None:
        clauses, params = [], []
        if commit:
            clauses.append("commit_sha LIKE ?")
            params.append(commit + "%")
        if complete_only:
            clauses.append("status = 'complete'")
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        row = self.conn.execute(f"SELECT id FROM runs {where} ORDER BY id DESC LIMIT 1", tuple(params)).fetchone()
        return None if row is None else int(row[0])

    def run(self, run_id: int) -> sqlite3.Row:
        row = self.conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise DatabaseError(f"no run {run_id} in {self.path}; `redshift show` lists the latest")
        return row


def _real(x: Any) -> float | None:
    """A float for SQLite: None (NULL) for NaN; an infinite interval end is kept (SQLite stores +-Inf)."""
    import math

    return None if x is None or math.isnan(float(x)) else float(x)


def create_v1_in_tx(conn: sqlite3.Connection) -> None:
    """The v1 layout, inside the caller's transaction (executescript would commit)."""
    for stmt in (s.strip() for s in V1.split(";")):
        if stmt:
            conn.execute(stmt)
    conn.execute("INSERT INTO meta VALUES ('app', ?), ('schema_version', '1')", (APP,))
