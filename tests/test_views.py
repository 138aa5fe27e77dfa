"""Terminal tables sized to the console: compact by default, every value with --wide, ids never wrapped."""
import io

import pytest
from rich.console import Console

from redshift import views

STATEMENT = "Without corruption, a regularised network generalises perfectly with Fourier-localised neurons"
ROWS = [{"claim": f"GC-{i}", "statement": f"{STATEMENT} ({i})", "status": "inconclusive", "predicted": "supported",
         "effect": 0.41, "ci_low": 0.33, "ci_high": 0.48, "n": 10, "p_value": 0.01, "p_adjusted": 0.04,
         "seconds": 7.9e-05} for i in (2, 10, 1)]


def _render(table, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(table)
    return console.file.getvalue().splitlines()


@pytest.mark.parametrize("width", [80, 100, 200])
def test_verdict_table_fits_the_width_with_whole_claim_ids(width):
    """At 80, 100 and 200 columns every line fits and each claim id and effect [CI] is on one line."""
    lines = _render(views.verdict_table(ROWS, "run 1", width), width)
    assert max(len(line) for line in lines) <= width
    for claim in ("GC-2", "GC-10", "GC-1 "):
        assert any(claim in line and "0.41 [0.33, 0.48]" in line for line in lines)


def test_the_statement_is_truncated_at_100_and_whole_at_200():
    """The statement column is cut with an ellipsis where the width is short, and shown whole at 200."""
    assert any("…" in line for line in _render(views.verdict_table(ROWS, "t", 100), 100))
    assert any(f"{STATEMENT} (10)" in line for line in _render(views.verdict_table(ROWS, "t", 200), 200))


@pytest.mark.parametrize("width", [80, 100, 200])
def test_wide_shows_every_value_and_the_whole_statement(width):
    """--wide at any width: p, Holm p, time and every word of the statement appear, lines fit."""
    lines = _render(views.verdict_table(ROWS, "t", width, wide=True), width)
    text = " ".join(line.strip("│ ") for line in lines)
    assert max(len(line) for line in lines) <= width
    assert "0.01 (0.04)" in text and "0.079 ms" in text and all(w in text for w in STATEMENT.split())


@pytest.mark.parametrize("width", [80, 100, 200])
def test_claims_list_fits_the_width(width):
    """`list`'s per-suite table fits 80, 100 and 200 columns with whole ids."""
    rows = [{"id": r["claim"], "statement": r["statement"], "source": "Fig. 3", "predicted": "supported",
             "decisive_at": "standard"} for r in ROWS]
    lines = _render(views.claims_list_table(rows, "suite v1", width), width)
    assert max(len(line) for line in lines) <= width and any("GC-10 " in line for line in lines)


def test_natural_key_orders_numbers_as_numbers():
    """GC-2 sorts before GC-10, and NR-3b after NR-3."""
    assert sorted(["GC-10", "GC-2", "GC-1", "NR-3b", "NR-3"], key=views.natural_key) == \
        ["GC-1", "GC-2", "GC-10", "NR-3", "NR-3b"]


@pytest.mark.parametrize("value, text", [(7.9e-05, "0.079 ms"), (0.25, "250 ms"), (12.345, "12.3 s"),
                                         (300.0, "5 min"), (None, "-"), (float("nan"), "-")])
def test_seconds_are_readable(value, text):
    """Durations print in ms, s or min, never as 7.9e-05s."""
    assert views.seconds(value) == text
