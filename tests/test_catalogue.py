"""The cached claims catalogue: `list` without importing torch, refreshed when a source file changes."""
import shutil
import subprocess
import sys
from pathlib import Path

from redshift import catalogue

TOY = Path(__file__).parent / "toy_suites" / "toy"


def _toy_copy(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "toy"
    shutil.copytree(TOY, folder)
    monkeypatch.setenv("REDSHIFT_SUITE_PATHS", str(folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return folder


def test_list_reads_the_cache_without_importing_torch(tmp_path, monkeypatch):
    """The second `list` in a fresh process prints TOY-1 without importing torch or scipy."""
    _toy_copy(tmp_path, monkeypatch)
    catalogue.load()  # builds and caches
    probe = ("import sys, redshift.cli as c; c.main(['list', '--wide']); "
             "print('loaded:', *(m for m in ('torch', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "TOY-1" in out and out.strip().splitlines()[-1] == "loaded:"


def test_an_edited_suite_is_read_again(tmp_path, monkeypatch):
    """Changing a suite file changes the fingerprint, and the catalogue shows the new statement."""
    folder = _toy_copy(tmp_path, monkeypatch)
    before = catalogue.fingerprint()
    assert any(c["statement"] == "shift 3 raises x" for c in catalogue.load()["claims"])
    init = folder / "__init__.py"
    init.write_text(init.read_text().replace("shift 3 raises x", "shift 3 raises x a lot"))
    for name in [m for m in sys.modules if m.startswith("_redshift_suite_")]:
        del sys.modules[name]
    assert catalogue.fingerprint() != before
    assert any(c["statement"] == "shift 3 raises x a lot" for c in catalogue.load()["claims"])


def test_an_unwritable_cache_is_skipped(tmp_path, monkeypatch):
    """A cache folder that cannot be created: the catalogue is still returned."""
    _toy_copy(tmp_path, monkeypatch)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert [s["name"] for s in catalogue.load()["suites"]][-1] == "toy"
