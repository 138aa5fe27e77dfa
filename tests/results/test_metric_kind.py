"""Metric kinds in the database: migration 4 adds the column, runs store it, old rows read as science."""
import shutil
from pathlib import Path

import pytest

from redshift.report import runs
from redshift.results.schema import SCHEMA_VERSION
from redshift.results import Database
from redshift.runner import run_suites
from redshift.suite import Metric

V1_FILE = Path(__file__).parents[1] / "data" / "results_v1.sqlite"


def test_an_old_file_migrates_to_a_kind_column(tmp_path):
    """A v1 file gains measurements.kind; its old rows read back as kind 'science'."""
    path = tmp_path / "old.sqlite"
    shutil.copy(V1_FILE, path)
    with Database(path) as db:
        columns = {r[1] for r in db.query("PRAGMA table_info(measurements)")}
        assert "kind" in columns
        assert db.query("SELECT value FROM meta WHERE key='schema_version'")[0][0] == str(SCHEMA_VERSION)
        assert set(runs.measurements(db, 1)["kind"]) == {"science"}


def test_a_run_stores_each_metrics_kind(toy_env):
    """The toy suite's metric (science by default) is stored with its kind."""
    run_suites(["toy"], device="cpu")
    with Database(toy_env) as db:
        assert {r[0] for r in db.query("SELECT DISTINCT kind FROM measurements")} == {"science"}


def test_an_unknown_kind_is_refused():
    """Metric(kind=...) accepts only science or timing."""
    with pytest.raises(ValueError, match="choose one of science, timing"):
        Metric("s", kind="wallclock")


def test_a_version_2_file_is_read_without_migrating(tmp_path):
    """Read commands open a schema-2 file read-only as it is: its measurements read as science."""
    path = tmp_path / "v2.sqlite"
    shutil.copy(V1_FILE, path)
    with Database(path) as db:  # migrate to the current version, then strip back to 2 by hand
        db.conn.execute("ALTER TABLE measurements DROP COLUMN kind")
        db.conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with Database(path, create=False) as db:
        assert db.version == 2 and set(runs.measurements(db, 1)["kind"]) == {"science"}
