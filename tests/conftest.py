"""Shared test setup: the toy suites are run by the plugin and CLI tests, never collected directly."""
from pathlib import Path

import pytest

collect_ignore = ["toy_suites"]

TOY = Path(__file__).parent / "toy_suites"


@pytest.fixture
def toy_env(monkeypatch, tmp_path):
    """Environment under which the toy suites are discoverable and the database is in tmp_path."""
    monkeypatch.setenv("REDSHIFT_SUITE_PATHS", f"{TOY / 'toy'}:{TOY / 'toy_bad'}")
    db = tmp_path / "r.sqlite"
    monkeypatch.setenv("REDSHIFT_DB", str(db))
    return db


@pytest.fixture
def chunky_env(monkeypatch, tmp_path):
    """The executor test suite (tests/toy_suites/chunky) discoverable, its faults off, the database in tmp_path."""
    monkeypatch.setenv("REDSHIFT_SUITE_PATHS", str(TOY / "chunky"))
    monkeypatch.delenv("CHUNKY_DIE_ONCE", raising=False)
    monkeypatch.delenv("CHUNKY_FAIL", raising=False)
    db = tmp_path / "chunky.sqlite"
    monkeypatch.setenv("REDSHIFT_DB", str(db))
    return db
@pytest.fixture(autouse=True)
def _private_cache(monkeypatch, tmp_path_factory):
    """`redshift list` caches its catalogue under $XDG_CACHE_HOME: tests never touch the user's cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))
