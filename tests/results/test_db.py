"""The results database: round trip, migration, concurrency, crashes, foreign files."""
import hashlib
import multiprocessing as mp
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from redshift.results import Database, DatabaseError, read, read_verdicts
from redshift.results.schema import SCHEMA_VERSION
from redshift.runner import run_suites

V1_FILE = Path(__file__).parents[1] / "data" / "results_v1.sqlite"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_round_trip_of_a_run(toy_env):
    """A toy run's measurements and verdicts read back with the run's budget and commit columns."""
    verdicts = run_suites(["toy"], budget="smoke", device="cpu")
    frame = read()
    assert len(frame) == 4 * 8  # 4 cases x 8 replicates x 1 metric
    assert set(frame.columns) >= {"run_id", "commit", "budget", "device", "suite", "case", "replicate", "metric",
                                  "value", "unit", "cpu", "torch"}
    assert (frame["budget"] == "smoke").all() and (frame["unit"] == "u").all()
    stored = read_verdicts()
    assert list(stored["claim"]) == [v.claim for v in verdicts]
    assert stored["effect"].tolist() == pytest.approx([v.effect for v in verdicts])
    with Database(toy_env) as db:
        run = db.run(db.latest_run())
        assert run["status"] == "complete" and '"toy": "1"' in run["suites"] and "torch" in run["versions"]


def test_same_run_twice_gives_bit_identical_measurements(toy_env):
    """Seeds come from hashing: two runs on the same machine store identical values."""
    run_suites(["toy"], device="cpu")
    run_suites(["toy"], device="cpu")
    frame = read()
    first, second = (frame[frame.run_id == i].value.tolist() for i in (1, 2))
    assert first == second


def test_migration_from_v1_keeps_every_row(tmp_path):
    """A v1 file migrates to the current schema with its runs, measurements and verdicts intact."""
    path = tmp_path / "old.sqlite"
    shutil.copy(V1_FILE, path)
    with Database(path) as db:
        version = db.query("SELECT value FROM meta WHERE key='schema_version'")[0][0]
        tables = {r[0] for r in db.query("SELECT name FROM sqlite_master WHERE type='table'")}
    assert int(version) == SCHEMA_VERSION and "timings" in tables
    frame = read(path)
    assert frame["value"].tolist() == [0.0, 0.5, 1.0]
    assert frame["commit"].iloc[0].startswith("0123456789")
    assert read_verdicts(path)["claim"].tolist() == ["TOY-1"]


def _writer(db_path: str, worker: int, count: int) -> None:
    with Database(db_path) as db:
        run = db.start_run(_info())
        for i in range(count):
            db.write_replicate(run, [("s", "e", f"case{worker}", "{}", i, "m", float(i), "u", "none", 0.0)])
        db.finish_run(run)


def _info():
    from redshift.results import RunInfo

    return RunInfo(commit=None, dirty=None, budget="smoke", device="cpu", machine={}, versions={}, suites={},
                   determinism={}, argv=[])


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    """Two real processes append 200 replicates each to one database: all 400 rows arrive."""
    path = str(tmp_path / "shared.sqlite")  # not created beforehand: both race to create it
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, w, 200)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    with Database(path) as db:
        counts = db.query("SELECT case_name, COUNT(*) FROM measurements GROUP BY case_name ORDER BY case_name")
        statuses = db.query("SELECT status FROM runs")
    assert [tuple(r) for r in counts] == [("case0", 200), ("case1", 200)]
    assert [r[0] for r in statuses] == ["complete", "complete"]


def test_a_killed_run_is_marked_incomplete_and_keeps_its_replicates(toy_env):
    """SIGKILL after 5 replicates: the run stays incomplete with exactly those 5 rows, none half-written."""
    env = dict(os.environ, TOY_KILL_AFTER="5")
    proc = subprocess.run([sys.executable, "-m", "redshift.cli", "run", "toy", "--device", "cpu", "--no-progress"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9
    with Database(toy_env) as db:
        run = db.run(db.latest_run())
        rows = db.query("SELECT COUNT(*) FROM measurements WHERE run_id = ?", (run["id"],))[0][0]
        verdict_rows = db.query("SELECT COUNT(*) FROM verdicts")[0][0]
    assert run["status"] == "incomplete" and rows == 5 and verdict_rows == 0


def test_a_corrupted_file_is_refused_and_left_untouched(tmp_path):
    """Garbage bytes: DatabaseError that says what to do; the file is byte-identical afterwards."""
    path = tmp_path / "bad.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    before = _digest(path)
    with pytest.raises(DatabaseError, match="not a readable redshift database"):
        Database(path)
    assert _digest(path) == before and not Path(str(path) + "-wal").exists()


@pytest.mark.parametrize("name", ["other.sqlite", "f#x?.sqlite"])
def test_a_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path, name):
    """Another program's SQLite database is not taken over, even with '#' or '?' in its name."""
    path = tmp_path / name
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE people (name TEXT)")
    conn.commit()
    conn.close()
    before = _digest(path)
    with pytest.raises(DatabaseError, match="not a redshift results database"):
        Database(path)
    assert _digest(path) == before


def test_reading_a_missing_database_creates_nothing(tmp_path):
    """read() on a path with no database raises and does not create the file."""
    path = tmp_path / "none.sqlite"
    with pytest.raises(DatabaseError, match="no results database"):
        read(path)
    assert not path.exists()


def test_db_uses_wal_mode(tmp_path):
    """The database runs in write-ahead-log mode."""
    with Database(tmp_path / "w.sqlite") as db:
        assert db.query("PRAGMA journal_mode")[0][0] == "wal"


def _open(path: str) -> None:
    Database(path).close()


def test_two_processes_migrating_a_v1_file_at_once_apply_each_migration_once(tmp_path):
    """Two processes open the same v1 file at the same moment: both succeed, rows intact."""
    path = tmp_path / "old.sqlite"
    shutil.copy(V1_FILE, path)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_open, args=(str(path),)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    assert read(path)["value"].tolist() == [0.0, 0.5, 1.0]


def test_reading_an_old_file_does_not_migrate_it(tmp_path):
    """read-only access to a v1 file says how to migrate and leaves the file byte-identical."""
    path = tmp_path / "old.sqlite"
    shutil.copy(V1_FILE, path)
    before = _digest(path)
    with pytest.raises(DatabaseError, match="schema version 1"):
        read(path)
    assert _digest(path) == before


V2_FILE = Path(__file__).parents[1] / "data" / "results_v2.sqlite"


def test_migration_from_v2_adds_parts_and_keeps_every_row(tmp_path):
    """A v2 file (written by commit 829e38a) migrates to the current schema: rows intact, stream 'default'."""
    import shutil

    path = tmp_path / "v2.sqlite"
    shutil.copy(V2_FILE, path)
    with Database(path) as db:
        run = db.run(1)
        verdict = db.query("SELECT * FROM verdicts")[0]
        assert run["seed_stream"] == "default" and verdict["claim"] == "TOY-1" and verdict["effect"] == 0.5
        assert db.parts_of(verdict["id"]) == [] and len(db.query("SELECT * FROM measurements")) == 1


def test_parts_round_trip_through_the_database(tmp_path):
    """A verdict's parts are stored in order with their units and read back equal."""
    from redshift.claims import Verdict
    from redshift.parts import PartResult

    parts = (PartResult("gap", "points", False, 2.5, 1.0, 4.0, 0.01, 0.9, 10, "betting", "support", "> 0", "< 0"),
             PartResult("fit", "share", True, 1.0, 0.7, 1.0, 0.002, float("nan"), 10, "binomial", "support", "> 0.5"))
    v = Verdict(claim="X-1", statement="s", status="supported", predicted="supported", effect=2.5, ci_low=1.0,
                ci_high=4.0, p_value=0.01, n=10, unit="points", binding="gap", parts=parts, definition="abc123abc123")
    with Database(tmp_path / "p.sqlite") as db:
        db.write_verdicts(db.start_run(_info()), "x", "1", [v])
        got = db.parts_of(db.query("SELECT id FROM verdicts")[0]["id"])
    assert [(p["name"], p["unit"], p["gate"], p["estimate"], p["method"]) for p in got] == \
        [("gap", "points", 0, 2.5, "betting"), ("fit", "share", 1, 1.0, "binomial")]
    assert got[1]["p_refute"] is None
