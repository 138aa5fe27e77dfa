"""Start-up: the command imports torch, pandas, scipy and matplotlib only where a verb needs them."""
import subprocess
import sys

HEAVY = ("torch", "pandas", "scipy", "matplotlib")


def _imported_after(code: str) -> list[str]:
    probe = f"{code}; import sys; print('\\nloaded:', *(m for m in {HEAVY!r} if m in sys.modules))"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.splitlines()[-1].split()[1:]


def test_import_cli_does_not_import_torch_or_pandas():
    """`import redshift.cli` loads none of torch, pandas, scipy, matplotlib."""
    assert _imported_after("import redshift.cli") == []


def test_building_the_parser_imports_no_heavy_library():
    """`redshift --help` builds every subcommand's parser without a heavy import."""
    assert _imported_after("import redshift.cli as c; c.build_parser()") == []


def test_public_names_still_import_on_use():
    """`from redshift import Suite, Claim` still works (the package exports lazily)."""
    assert "torch" not in _imported_after("from redshift import Suite, Metric, grid")
    assert "scipy" in _imported_after("from redshift import Claim")


def test_compare_gates_match_the_engine():
    """The CLI's --fail-on choices are the compare module's gates."""
    from redshift.report.commands import GATES
    from redshift.report.compare import GATES as ENGINE

    assert GATES == ENGINE


def test_show_reads_a_database_without_torch(toy_env):
    """`redshift show` of a stored run prints its verdicts without importing torch, scipy or matplotlib."""
    from redshift.cli import main

    assert main(["run", "toy", "--device", "cpu", "--no-progress", "--json"]) == 0
    loaded = _imported_after(f"import redshift.cli as c; assert c.main(['show', '--db', {str(toy_env)!r}]) == 0")
    assert [m for m in loaded if m != "pandas"] == []
