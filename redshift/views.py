"""The CLI's rich tables, sized to the terminal: one function per table, so a column is added in one place.

Compact by default: fixed columns never wrap (claim ids stay whole), and the one free-text column
(the statement) is truncated with an ellipsis to the width the console reports, or dropped when
fewer than ``MIN_TEXT`` columns are left. ``wide=True`` shows every column with statements wrapped.
"""
from __future__ import annotations

import math
import re
from typing import Any, Sequence

from rich.markup import escape
from rich.table import Table as RichTable

STATUS_STYLE = {"UNDECIDED": "bold red", "supported": "green", "refuted": "red", "inconclusive": "yellow"}
MIN_TEXT = 16


def num(x: Any, digits: int = 3) -> str:
    """A short number: 3 significant digits, '-' for missing/NaN, 'inf' for an open interval end, no exponent
    for everyday sizes."""
    if isinstance(x, float) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if not isinstance(x, (int, float)):
        return str(x)
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e6):
        return f"{x:.{max(digits - 1, 1)}e}"
    return f"{x:.{digits}g}"


def seconds(x: Any) -> str:
    """A duration: '0.4 ms', '12 s', '3.1 min'."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if x < 1:
        return f"{x * 1000:.2g} ms" if x * 1000 < 10 else f"{x * 1000:.0f} ms"
    return f"{x:.3g} s" if x < 120 else f"{x / 60:.3g} min"


def natural_key(text: str) -> tuple:
    """Sort key that orders GC-2 before GC-10 (digit runs compare as numbers)."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(text)))


def _width_left(width: int, columns: Sequence[Sequence[str]]) -> int:
    """Columns left for one more column beside ``columns`` (their cells), with rich's default borders."""
    used = sum(max(len(c) for c in col) for col in columns) + 3 * (len(columns) + 1) + 1
    return width - used


def effect_text(r: dict) -> str:
    """'0.41 [0.33, 0.48]' plus the unit when the row carries one."""
    unit = f" {r['unit']}" if r.get("unit") else ""
    if num(r.get("effect")) == "-":
        return "-"
    return f"{num(r.get('effect'))} [{num(r.get('ci_low'))}, {num(r.get('ci_high'))}]{unit}"


def verdict_table(rows: Sequence[dict], title: str, width: int, wide: bool = False) -> RichTable:
    """claim, verdict, predicted, effect [95% CI], n (+ statement to fit; wide: + p, Holm p, time)."""
    cells = {"claim": [r["claim"] for r in rows],
             "verdict": ["UNDECIDED" if undecided(r) else r["status"] for r in rows],
             "predicted": [r["predicted"] for r in rows], "effect [95% CI]": [effect_text(r) for r in rows],
             "n": [str(r["n"]) for r in rows]}
    if wide:
        cells |= {"p (Holm)": [f"{num(r.get('p_value'), 2)} ({num(r.get('p_adjusted'), 2)})" for r in rows],
                  "time": [seconds(r.get("seconds")) for r in rows]}
    return _with_text(title, cells, "statement", [r.get("statement") or "" for r in rows], width, wide)


def claims_list_table(rows: Sequence[dict], title: str, width: int, wide: bool = False) -> RichTable:
    """id, predicted, decisive at (+ statement to fit; wide: + source)."""
    cells = {"id": [r["id"] for r in rows], "predicted": [r["predicted"] for r in rows],
             "decisive at": [r["decisive_at"] for r in rows]}
    if wide:
        cells["source"] = [r["source"] for r in rows]
    return _with_text(title, cells, "statement", [r["statement"] for r in rows], width, wide)


def _with_text(title: str, cells: dict[str, list[str]], text_name: str, text: list[str], width: int,
               wide: bool) -> RichTable:
    """A table of never-wrapping ``cells`` columns plus ``text`` second, truncated to fit (or dropped);
    ``wide``: one block per row instead, every value and the full text, wrapped to any width."""
    if wide:
        return _blocks(title, cells, text)
    names = list(cells)
    table = RichTable(title=title, title_justify="left")
    table.add_column(names[0], no_wrap=True, min_width=max(len(v) for v in [names[0], *cells[names[0]]]))
    room = _width_left(width, [[n, *c] for n, c in cells.items()])
    show_text = room >= MIN_TEXT
    if show_text:
        table.add_column(text_name, overflow="ellipsis", no_wrap=True, max_width=room, min_width=MIN_TEXT)
    for name in names[1:]:  # an effect with its unit may fold onto a second line; ids and verdicts never do
        longest = max(len(v) for v in [name, *cells[name]])
        folds = name.startswith("effect")
        table.add_column(name, no_wrap=not folds, overflow="fold" if folds else "ellipsis",
                         min_width=None if folds else longest, justify="right" if name in ("n", "time") else "left")
    for i in range(len(text)):
        row = [_styled(n, cells[n][i]) for n in names]
        table.add_row(row[0], *([escape(text[i])] if show_text else []), *row[1:])
    return table


def _styled(name: str, value: str) -> str:
    style = STATUS_STYLE.get(value) if name == "verdict" else None
    return f"[{style}]{value}[/]" if style else escape(value)


def _blocks(title: str, cells: dict[str, list[str]], text: list[str]) -> RichTable:
    """Two columns: the id, and 'name value · name value ...' with the full text below, wrapped."""
    names = list(cells)
    table = RichTable(title=title, title_justify="left", show_lines=True)
    table.add_column(names[0], no_wrap=True)
    table.add_column(" · ".join(names[1:]), overflow="fold")
    for i in range(len(text)):
        values = " · ".join(f"{n} {_styled(n, cells[n][i])}" if n != "verdict" else _styled(n, cells[n][i])
                            for n in names[1:])
        table.add_row(escape(cells[names[0]][i]), f"{values}\n{escape(text[i])}")
    return table


def parts_table(rows: Sequence[dict], title: str, width: int = 200) -> RichTable:
    """Every part of every verdict: the paper quantity in its unit, its interval, p-values and state."""
    table = RichTable(title=title, title_justify="left", width=None if width >= 120 else width)
    for col in ("claim", "part", "unit", "estimate", "95% CI", "p support", "p refute", "n", "method", "state"):
        table.add_column(col, justify="right" if col in ("estimate", "95% CI", "n") else "left")
    for r in rows:
        for p in r.get("parts") or []:
            name = ("gate: " if p.get("gate") else "") + str(p["name"])
            state = p["state"] + (f" ({p['violations']} violating)" if (p.get("violations") or -1) >= 0 else "")
            table.add_row(r["claim"], name, p["unit"], num(p["estimate"]),
                          f"[{num(p['ci_low'])}, {num(p['ci_high'])}]", num(p["p_support"]),
                          num(p["p_refute"]), str(p["n"]), p["method"], state)
    return table


def undecided(r: dict) -> bool:
    """Inconclusive at or above the budget where the claim is declared decisive."""
    from redshift.suite import budget_rank

    return (r["status"] == "inconclusive" and r["predicted"] != "inconclusive" and bool(r.get("budget"))
            and budget_rank(r["budget"]) >= budget_rank(r.get("decisive_at") or "smoke"))
