"""The results database schema and its numbered migrations.

Version 1 was the first layout (runs, measurements, verdicts). Version 2 adds run provenance
(dirty flag, machine, library versions, suite versions, determinism flags), units/directions and
parameters on measurements, Holm p and rule on verdicts, and the kernel timings table. Version 4
adds the metric kind on measurements ("science" or "timing"; NULL in older rows reads as science).
Migrations only add; results are never rewritten.
"""
from __future__ import annotations

import sqlite3

APP = "redshift"

V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commit_sha TEXT, budget TEXT NOT NULL, device TEXT NOT NULL,
    status TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT
);
CREATE TABLE measurements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id), suite TEXT NOT NULL, case_name TEXT NOT NULL,
    replicate INTEGER NOT NULL, metric TEXT NOT NULL, value REAL,
    UNIQUE (run_id, suite, case_name, replicate, metric)
);
CREATE TABLE verdicts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id), suite TEXT NOT NULL, claim TEXT NOT NULL,
    status TEXT NOT NULL, effect REAL, ci_low REAL, ci_high REAL, p_value REAL, n INTEGER
);
"""

MIGRATIONS: dict[int, str] = {
    2: """
ALTER TABLE runs ADD COLUMN dirty INTEGER;
ALTER TABLE runs ADD COLUMN machine TEXT;
ALTER TABLE runs ADD COLUMN versions TEXT;
ALTER TABLE runs ADD COLUMN suites TEXT;
ALTER TABLE runs ADD COLUMN determinism TEXT;
ALTER TABLE runs ADD COLUMN argv TEXT;
ALTER TABLE measurements ADD COLUMN experiment TEXT;
ALTER TABLE measurements ADD COLUMN params TEXT;
ALTER TABLE measurements ADD COLUMN unit TEXT;
ALTER TABLE measurements ADD COLUMN direction TEXT;
ALTER TABLE measurements ADD COLUMN margin REAL;
ALTER TABLE verdicts ADD COLUMN statement TEXT;
ALTER TABLE verdicts ADD COLUMN predicted TEXT;
ALTER TABLE verdicts ADD COLUMN p_adjusted REAL;
ALTER TABLE verdicts ADD COLUMN seconds REAL;
ALTER TABLE verdicts ADD COLUMN suite_version TEXT;
ALTER TABLE verdicts ADD COLUMN decisive_at TEXT;
ALTER TABLE verdicts ADD COLUMN rule TEXT;
CREATE TABLE timings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id), suite TEXT NOT NULL, experiment TEXT,
    kernel TEXT NOT NULL, device TEXT NOT NULL, median_s REAL NOT NULL, iqr_s REAL NOT NULL,
    repeat INTEGER NOT NULL, samples TEXT NOT NULL
);
CREATE INDEX measurements_run ON measurements(run_id);
CREATE INDEX verdicts_run ON verdicts(run_id);
""",
    4: """
ALTER TABLE measurements ADD COLUMN kind TEXT;
""",
}
SCHEMA_VERSION = max(MIGRATIONS)
# Read commands open files from this version on without migrating them (they never write); readers
# treat the columns of later migrations as absent (measurements.kind: science).
READABLE_FROM = 2


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every migration above the file's version, each in one transaction.

    The version is re-read inside each write transaction, so two processes opening an old file at
    once apply each migration exactly once.
    """
    current = 0
    for version in sorted(MIGRATIONS):
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = int(conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
            if current < version:
                for stmt in (s.strip() for s in MIGRATIONS[version].split(";")):
                    if stmt:
                        conn.execute(stmt)
                conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
                current = version
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return current
