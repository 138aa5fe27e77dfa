"""Fixtures of the across-versions tests: fresh databases, a git repository, a real run of figtoy."""
from __future__ import annotations

from pathlib import Path

import pytest

from redshift.results import Database
from synth import git

FIG_SUITE = Path(__file__).parent / "fig_suite"
collect_ignore = ["fig_suite", "gate_suite"]  # a suite package used as test data, not a suite of this project


@pytest.fixture
def db_path(tmp_path, monkeypatch) -> Path:
    """A fresh database path, also set as $REDSHIFT_DB for CLI calls."""
    path = tmp_path / "r.sqlite"
    monkeypatch.setenv("REDSHIFT_DB", str(path))
    return path


@pytest.fixture
def git_repo(tmp_path) -> Path:
    """An empty git repository on branch main."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    return repo


@pytest.fixture
def fig_env(monkeypatch, tmp_path) -> Path:
    """The figtoy suite discoverable and a fresh database; returns the database path."""
    monkeypatch.setenv("REDSHIFT_SUITE_PATHS", str(FIG_SUITE))
    path = tmp_path / "fig.sqlite"
    monkeypatch.setenv("REDSHIFT_DB", str(path))
    return path


@pytest.fixture
def fig_run(fig_env, tmp_path) -> int:
    """A real smoke run of the figtoy suite on CPU; returns its run id."""
    from redshift.runner import run_suites

    run_suites(["figtoy"], device="cpu", out_dir=tmp_path / "run-out")
    with Database(fig_env) as database:
        return database.latest_run()

