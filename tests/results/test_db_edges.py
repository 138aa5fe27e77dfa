"""Database edge cases: damaged, truncated, read-only and uncreatable files get exit 2 and stay untouched."""
import hashlib
import os
from pathlib import Path

import pytest

from redshift.cli import main


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name and p.name.startswith(path.name))


@pytest.fixture
def stored(toy_env, capsys):
    """A database holding one complete toy run (closed, so no -wal/-shm beside it)."""
    assert main(["run", "toy", "--device", "cpu", "--no-progress", "--json"]) == 0
    capsys.readouterr()
    assert _siblings(toy_env) == []
    return toy_env


def _damage(path: Path) -> None:
    """Overwrite the data pages after the first two with garbage, keeping a valid header."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[2 * page:] = bytes((i * 7 + 3) % 256 for i in range(len(data) - 2 * page))
    path.write_bytes(bytes(data))


def test_a_damaged_file_is_refused_before_a_write(stored, capsys):
    """quick_check finds damaged pages: `run` exits 2, one line, and the file is byte-for-byte untouched."""
    _damage(stored)
    before = _digest(stored)
    code = main(["run", "toy", "--device", "cpu", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "is damaged" in err and len(err.strip().splitlines()) == 1
    assert _digest(stored) == before and _siblings(stored) == []


def test_a_truncated_file_is_refused_by_show_without_wal_files(stored, capsys):
    """`show` of a truncated file: exit 2 and no -wal/-shm created beside it."""
    stored.write_bytes(stored.read_bytes()[:3 * 4096])
    code = main(["show", "--db", str(stored)])
    assert code == 2 and "redshift: error:" in capsys.readouterr().err
    assert _siblings(stored) == []


def test_show_creates_nothing_beside_a_good_file(stored, capsys):
    """A read command opens the closed file immutable: no -wal/-shm appear, so a read-only folder works."""
    assert main(["show", "--db", str(stored)]) == 0
    assert "TOY-1" in capsys.readouterr().out and _siblings(stored) == []


def test_an_uncreatable_database_is_exit_2_with_one_line(tmp_path, toy_env, capsys):
    """A database path under a regular file: exit 2, one line naming the path, no traceback."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["run", "toy", "--device", "cpu", "--no-progress", "--db", str(blocker / "sub" / "r.sqlite")])
    err = capsys.readouterr().err
    assert code == 2 and "cannot create a results database" in err and len(err.strip().splitlines()) == 1
    assert "kept" not in err


def test_a_read_only_file_is_refused_for_writing(stored, capsys, monkeypatch):
    """A file the process may not write: exit 2 saying it is read-only, file untouched."""
    before = _digest(stored)
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == stored else real(p, mode))
    code = main(["run", "toy", "--device", "cpu", "--no-progress"])
    assert code == 2 and "is read-only" in capsys.readouterr().err and _digest(stored) == before


def test_a_crash_says_which_run_was_kept(toy_env, capsys, monkeypatch):
    """A crash inside a suite names the stored run it left incomplete."""
    monkeypatch.setenv("TOY_RAISE_AFTER", "5")
    code = main(["run", "toy", "--device", "cpu", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 3 and "run 1 in" in err and "kept, marked incomplete" in err


def test_show_of_an_incomplete_run_lists_what_it_kept(toy_env, capsys, monkeypatch):
    """`show` of a crashed run says it is incomplete and how many values of which experiment it kept."""
    monkeypatch.setenv("TOY_RAISE_AFTER", "5")
    main(["run", "toy", "--device", "cpu", "--no-progress"])
    monkeypatch.delenv("TOY_RAISE_AFTER")
    capsys.readouterr()
    assert main(["show"]) == 0
    out = capsys.readouterr().out
    assert "run 1 is incomplete; it kept toy/coin: 5 values of 1 case, 5 replicates" in out
