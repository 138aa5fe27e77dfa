"""The results database schema and its numbered migrations.

Version 1 was the first layout (runs, measurements, verdicts). Version 2 adds run provenance
(dirty flag, machine, library versions, suite versions, determinism flags), units/directions and
parameters on measurements, Holm p and rule on verdicts, and the kernel timings table. Version 3
adds the seed stream of a run; the unit, binding part, definition hash, Holm family and refute p of
a verdict; and the ``verdict_parts`` table (each part of a composite claim in its own unit). Version 5
adds a globally unique id per run (``uuid``; the local integer id stays), the run's inputs and
executor, the provenance of a merged run (``origin``), a ``parallel`` flag on timings, and the
stored chunk plan (``run_chunks``: one row per chunk, pending / done / failed). Migrations apply in
sorted order; gaps are fine.
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
    3: """
ALTER TABLE runs ADD COLUMN seed_stream TEXT NOT NULL DEFAULT 'default';
ALTER TABLE verdicts ADD COLUMN unit TEXT;
ALTER TABLE verdicts ADD COLUMN binding TEXT;
ALTER TABLE verdicts ADD COLUMN definition_hash TEXT;
ALTER TABLE verdicts ADD COLUMN family TEXT;
ALTER TABLE verdicts ADD COLUMN family_size INTEGER;
ALTER TABLE verdicts ADD COLUMN p_refute REAL;
ALTER TABLE verdicts ADD COLUMN p_refute_adjusted REAL;
CREATE TABLE verdict_parts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    verdict_id INTEGER NOT NULL REFERENCES verdicts(id), position INTEGER NOT NULL,
    name TEXT NOT NULL, unit TEXT NOT NULL, gate INTEGER NOT NULL, estimate REAL, ci_low REAL, ci_high REAL,
    p_support REAL, p_refute REAL, n INTEGER, method TEXT, state TEXT, support TEXT, refute TEXT,
    violations INTEGER, note TEXT
);
CREATE INDEX verdict_parts_verdict ON verdict_parts(verdict_id);
""",
    4: """
ALTER TABLE measurements ADD COLUMN kind TEXT;
""",
    5: """
ALTER TABLE runs ADD COLUMN uuid TEXT;
ALTER TABLE runs ADD COLUMN inputs TEXT;
ALTER TABLE runs ADD COLUMN executor TEXT;
ALTER TABLE runs ADD COLUMN origin TEXT;
UPDATE runs SET uuid = lower(hex(randomblob(16))) WHERE uuid IS NULL;
CREATE UNIQUE INDEX runs_uuid ON runs(uuid);
ALTER TABLE timings ADD COLUMN parallel INTEGER NOT NULL DEFAULT 0;
CREATE TABLE run_chunks (
    run_id INTEGER NOT NULL REFERENCES runs(id), chunk_key TEXT NOT NULL, suite TEXT NOT NULL,
    experiment TEXT NOT NULL, spec TEXT NOT NULL, n_cases INTEGER NOT NULL, replicates INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending', seconds REAL, worker TEXT, done_at TEXT, error TEXT,
    PRIMARY KEY (run_id, chunk_key)
);
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
