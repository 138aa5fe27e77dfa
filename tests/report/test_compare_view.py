"""compare's terminal view: summary first, 'not run', natural order, --only-changes, same-run note, widths."""
import io

import pytest
from rich.console import Console

import redshift.cli as cli
from redshift.cli import main

from synth import synth_run, verdict


@pytest.fixture
def two_runs(db_path):
    """Run 1 decides GC-10, GC-2, GC-1 and OLD-1; run 2 decides the GC claims only, GC-2 flipped, one metric moved."""
    claims = ("GC-10", "GC-2", "GC-1")
    a = synth_run(db_path, "aaaaaaa", {(0, "x"): [1.0, 1.1, 0.9, 1.0], (1, "y"): [5.0, 5.0, 5.0, 5.0]},
                  verdicts=[verdict(c, "supported") for c in claims] + [verdict("OLD-1", "supported")])
    b = synth_run(db_path, "bbbbbbb", {(0, "x"): [9.0, 9.1, 8.9, 9.0], (1, "y"): [5.0, 5.0, 5.0, 5.0]},
                  verdicts=[verdict(c, "refuted" if c == "GC-2" else "supported") for c in claims])
    return a, b


def _output(monkeypatch, width: int, *argv: str) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None, highlight=False)
    monkeypatch.setattr(cli, "out", console)
    main(["compare", *argv])
    return console.file.getvalue().splitlines()


def test_a_claim_missing_from_one_run_is_not_run(two_runs, monkeypatch):
    """OLD-1 was decided in A only: 'not run in B', never 'removed'."""
    lines = _output(monkeypatch, 120, "1", "2")
    assert any("OLD-1" in line and "not run in B" in line for line in lines)
    assert not any("removed" in line for line in lines)


def test_claims_are_in_natural_order(two_runs, monkeypatch):
    """GC-1, GC-2, GC-10 (not GC-1, GC-10, GC-2)."""
    lines = _output(monkeypatch, 120, "1", "2")
    rows = [line.split("│")[1].strip() for line in lines if line.startswith("│ GC-")]
    assert rows == ["GC-1", "GC-2", "GC-10"]


def test_the_summary_comes_first_and_names_the_flip(two_runs, monkeypatch):
    """The first lines count flips (naming GC-2), the claims not run, and the changed metric."""
    lines = _output(monkeypatch, 120, "1", "2")
    assert lines[0].startswith("run 1") and "1 flipped (GC-2)" in lines[1]
    assert "not run in B: 1 claim (OLD-1)" in lines[2] and "coin[k=0] x (improvement)" in "\n".join(lines[:6])


def test_only_changes_hides_the_unchanged(two_runs, monkeypatch):
    """--only-changes: GC-2 and OLD-1 rows, the x metric row; no 'same' claims, no unchanged y row."""
    lines = _output(monkeypatch, 120, "1", "2", "--only-changes")
    table = "\n".join(lines[[line.strip() for line in lines].index("claims"):])
    assert "GC-2" in table and "OLD-1" in table and "GC-10" not in table and " same " not in table
    assert "coin[k=0] x" in table and "coin[k=1] y" not in table


def test_comparing_a_run_with_itself_says_so(two_runs, capsys):
    """A and B resolving to one run: a note says they are the same run."""
    assert main(["compare", "2", "bbbbbbb"]) == 0
    assert "are the same run (2)" in capsys.readouterr().err


@pytest.mark.parametrize("width", [80, 100, 200])
@pytest.mark.parametrize("wide", [False, True])
def test_compare_fits_the_terminal(two_runs, monkeypatch, width, wide):
    """At 80, 100 and 200 columns, compact or --wide, no table line is wider than the terminal."""
    lines = _output(monkeypatch, width, "1", "2", *(["--wide"] if wide else []))
    assert max(len(line) for line in lines if line[:1] in "┏┃┡│└") <= width
