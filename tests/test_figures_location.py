"""Figures go beside the database of their run, keyed by database name and run id."""
from pathlib import Path

from redshift.results.db import out_folder
from redshift.runner import run_suites

FIG_SUITE = Path(__file__).parent / "report" / "fig_suite"


def test_out_folder_is_beside_the_database(tmp_path):
    """results/redshift.sqlite -> results/out/redshift; /x/y/a.sqlite -> /x/y/out/a."""
    assert out_folder("results/redshift.sqlite") == Path("results/out/redshift")
    assert out_folder(tmp_path / "a.sqlite") == tmp_path / "out" / "a"


def test_two_databases_never_share_a_figure_folder(tmp_path, monkeypatch):
    """Run 1 of two databases writes its pictures under each database's own folder, none in the cwd."""
    monkeypatch.setenv("REDSHIFT_SUITE_PATHS", str(FIG_SUITE))
    monkeypatch.chdir(tmp_path)
    for name in ("one", "two"):
        run_suites(["figtoy"], device="cpu", db=str(tmp_path / name / f"{name}.sqlite"))
    pictures = {p.relative_to(tmp_path).parts[:4] for p in tmp_path.rglob("*.png")}
    assert pictures == {("one", "out", "one", "run-1"), ("two", "out", "two", "run-1")}
    assert not (tmp_path / "results").exists()
