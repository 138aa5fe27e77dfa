"""redshift report: one HTML file plus PNGs, every reference resolvable, figures rebuilt from the database."""
import dataclasses
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from redshift.cli import main
from redshift.report.html import build_report
from redshift.report.runs import experiment_frame, measurements
from redshift.results import Database

from synth import synth_run, verdict

BROWSERS = ("chromium", "chromium-browser", "chromium-headless-shell", "google-chrome", "google-chrome-stable", "chrome")


class _Refs(HTMLParser):
    """Every src/href of a page, and whether any script element exists."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]


def _refs(index: Path) -> _Refs:
    parser = _Refs()
    parser.feed(index.read_text())
    return parser


def test_report_writes_html_and_every_png(fig_run, fig_env, tmp_path):
    """The page embeds the verdict picture and the grid heatmap; every PNG exists and is a PNG."""
    report = build_report(fig_env, None, tmp_path / "site")
    names = sorted(p.name for p in report.images)
    assert names == ["grid_heatmap.png", "redshift-verdicts.png"] and report.problems == ()
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in report.images)
    text = report.index.read_text()
    assert "FIG-1" in text and "FIG-2" in text and "supported" in text and "Toy suite with figures" in text


def test_html_references_only_files_that_exist_and_no_script(fig_run, fig_env, tmp_path):
    """Every src/href is a relative path to a file inside the output folder; the page needs no JavaScript."""
    out = tmp_path / "site"
    report = build_report(fig_env, None, out)
    refs = _refs(report.index)
    assert refs.scripts == 0 and len(refs.refs) == len(report.images)
    for ref in refs.refs:
        path = (out / ref).resolve()
        assert path.is_file() and out.resolve() in path.parents


def test_rebuilt_frame_matches_the_runners_frame(fig_run, fig_env):
    """The frame given to figures has one column per case parameter, as redshift.runner.frame_of builds it."""
    with Database(fig_env) as db:
        frame = experiment_frame(measurements(db, fig_run), "figtoy", "grid")
    assert list(frame.columns) == ["suite", "experiment", "case", "a", "b", "replicate", "metric", "value"]
    assert len(frame) == 6 * 6 and frame["a"].tolist()[:2] == [1, 1]
    assert np.allclose(frame.groupby("a")["value"].mean().to_numpy(), [1, 2, 3], atol=0.2)


def test_a_failing_figures_function_is_reported_not_fatal(fig_run, fig_env, tmp_path, monkeypatch):
    """A figures bug and a figures function naming a missing file: page written, both problems reported."""
    from redshift.report import runs

    def broken(frame, out_dir):
        raise RuntimeError("plotting bug")

    suite = runs.installed_suite("figtoy")
    grid, plain = suite.experiments
    patched = dataclasses.replace(suite, experiments=(dataclasses.replace(grid, figures=broken),
                                                      dataclasses.replace(plain, figures=lambda f, d: [d / "no.png"])))
    monkeypatch.setattr(runs, "installed_suite", lambda name: patched)
    report = build_report(fig_env, None, tmp_path / "site")
    assert [p.name for p in report.images] == ["redshift-verdicts.png"]
    assert "RuntimeError: plotting bug" in report.problems[0] and "no.png" in report.problems[1]
    assert "plotting bug" in report.index.read_text()


def test_cli_report_for_a_suite_that_is_not_installed(db_path, tmp_path, capsys):
    """Synthetic runs of an uninstalled suite: the verdict table and verdict picture, no figures, exit 0."""
    synth_run(db_path, "a" * 40, {(0, "x"): [1.0, 2.0, 3.0]}, verdicts=[verdict("TOY-1", "supported")],
              timings={"kern": [0.1, 0.11, 0.12]})
    out = tmp_path / "site"
    assert main(["report", "--out", str(out)]) == 0
    text = (out / "index.html").read_text()
    assert "TOY-1" in text and "not installed here" in text and "kern" in text
    assert (out / "toy" / "redshift-verdicts.png").is_file()


def test_claim_ids_never_wrap_on_the_page(db_path, tmp_path):
    """Claim cells carry the 'id' class, which the page's CSS keeps on one line; one table per suite."""
    synth_run(db_path, "a" * 40, {(0, "x"): [1.0, 2.0, 3.0]}, verdicts=[verdict("TOY-12", "supported")])
    assert main(["report", "--out", str(tmp_path / "site")]) == 0
    text = (tmp_path / "site" / "index.html").read_text()
    assert '<td class="id">TOY-12</td>' in text and "td.id," in text and "white-space:nowrap" in text
    assert "<h3>toy</h3><table>" in text


def test_report_without_out_is_bad_input(db_path, capsys):
    """redshift report with no --out: exit 2."""
    synth_run(db_path, None, {(0, "x"): [1.0, 2.0]})
    assert main(["report"]) == 2


@pytest.mark.skipif(not any(shutil.which(b) for b in BROWSERS), reason="no headless chromium/chrome installed")
def test_page_renders_in_a_headless_browser(fig_run, fig_env, tmp_path):
    """Chromium renders the page to a screenshot that is not blank."""
    from matplotlib.image import imread

    report = build_report(fig_env, None, tmp_path / "site")
    browser = next(shutil.which(b) for b in BROWSERS if shutil.which(b))
    shot = tmp_path / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                    "--window-size=1200,1600", report.index.resolve().as_uri()], check=True, timeout=120,
                   capture_output=True)
    pixels = imread(shot)
    assert pixels.shape[0] > 100 and pixels[..., :3].std() > 0.01


def test_the_page_lists_every_part_with_its_unit_and_the_definition_hash(fig_run, fig_env, tmp_path):
    """The verdict table names the binding part, its unit and the definition hash; a parts table follows."""
    from redshift.results import Database

    report = build_report(fig_env, fig_run, tmp_path / "site")
    page = report.index.read_text()
    with Database(fig_env, create=False) as db:
        row = db.query("SELECT binding, definition_hash FROM verdicts WHERE run_id = ?", (fig_run,))[0]
    assert "<h2>parts</h2>" in page and row["definition_hash"] in page and row["binding"] in page
