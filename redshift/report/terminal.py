"""Rich tables and JSON payloads of the across-versions commands (the CLI prints them)."""
from __future__ import annotations

import math
from typing import Any

import pandas as pd
from rich.markup import escape
from rich.table import Table as RichTable

from redshift import views
from redshift.report.compare import Comparison
from redshift.report.runs import run_label

STYLE = {"supported": "green", "refuted": "red", "inconclusive": "yellow", "regression": "red",
         "improvement": "green", "changed": "magenta", "unchanged": "dim", "flip": "bold red",
         "not run in A": "cyan", "not run in B": "cyan", "same": "dim"}
CHANGES = ("regression", "improvement", "changed")
SHOWN_IN_SUMMARY = 8


def num(x: Any, digits: int = 3) -> str:
    """A short number, '-' for missing/NaN."""
    return views.num(x, digits)


def _styled(word: Any) -> str:
    word = "-" if word is None or (isinstance(word, float) and math.isnan(word)) else str(word)
    return f"[{STYLE[word]}]{escape(word)}[/]" if word in STYLE else escape(word)


def _table(title: str, columns: list[str], wrap: tuple[str, ...] = ()) -> RichTable:
    """A table whose columns never wrap, except those in ``wrap`` (folded to the width left)."""
    table = RichTable(title=title, title_justify="left")
    for col in columns:
        right = col in ("diff", "margin", "p change", "p same", "B/A", "A median", "B median")
        table.add_column(col, justify="right" if right else "left", no_wrap=col not in wrap,
                         overflow="fold" if col in wrap else "ellipsis")
    return table


def _effect(r: dict, side: str) -> str:
    return views.effect_text({k: r.get(f"{k}_{side}") for k in ("effect", "ci_low", "ci_high", "unit")})


def claims_table(cmp: Comparison, only_changes: bool = False, wide: bool = False) -> RichTable | str:
    """claim, verdict A -> B, change, effect B [CI] (wide: effect A [CI] too)."""
    rows = cmp.claims if not only_changes else cmp.claims[cmp.claims["change"] != "same"]
    if rows.empty:
        return f"claims: all {len(cmp.claims)} verdicts the same"
    cols = ["claim", "verdict A -> B", "change"] + (["effect A [95% CI]"] if wide else []) + ["effect B [95% CI]"]
    table = _table("claims", cols)
    for r in rows.to_dict("records"):
        cells = [escape(r["claim"]), f"{_styled(r['status_a'])} -> {_styled(r['status_b'])}", _styled(r["change"])]
        table.add_row(*cells, *([escape(_effect(r, "a"))] if wide else []), escape(_effect(r, "b")))
    return table


def metrics_table(cmp: Comparison, only_changes: bool = False, wide: bool = False) -> RichTable | str:
    """One row per compared metric of a case: means (wide: sd and n, margin, p values) and status."""
    rows = cmp.metrics if not only_changes else cmp.metrics[cmp.metrics["status"].isin(CHANGES)]
    if rows.empty:
        return f"metrics: none of {len(cmp.metrics)} rows changed significantly"
    if wide:
        cols = ["case", "metric", "A mean ± sd (n)", "B mean ± sd (n)", "diff", "margin", "p change", "p same",
                "status"]
    else:
        cols = ["case / metric", "A mean", "B mean", "diff", "status"]
    table = _table("metrics (Holm-adjusted p; unchanged = TOST within the metric's margin)", cols,
                   wrap=("case", "case / metric"))
    for r in rows.to_dict("records"):
        status = _styled(r["status"])
        if wide:
            table.add_row(escape(f"{r['suite']}/{r['case']}"), escape(r["metric"]),
                          f"{num(r['mean_a'])} ± {num(r['sd_a'], 2)} ({r['n_a']})",
                          f"{num(r['mean_b'])} ± {num(r['sd_b'], 2)} ({r['n_b']})", num(r["diff"]),
                          num(r["margin"]), num(r["p_change"], 2), num(r["p_equiv"], 2), status)
        else:
            table.add_row(escape(f"{r['case']} {r['metric']}"), num(r["mean_a"]), num(r["mean_b"]),
                          num(r["diff"]), status)
    return table


def timings_table(cmp: Comparison, only_changes: bool = False, wide: bool = False) -> RichTable | str:
    """Kernel timings and timing-kind metrics: medians, ratio B/A, status (wide: p values)."""
    rows = cmp.timings if not only_changes else cmp.timings[cmp.timings["status"].isin(CHANGES)]
    if rows.empty:
        return f"timings: none of {len(cmp.timings)} rows changed beyond the timing margin"
    cols = ["kernel", "A median", "B median", "B/A"] + (["p change", "p same"] if wide else []) + ["status"]
    table = _table("timings (log scale; unchanged = within the timing margin; never a science regression)",
                   cols, wrap=("kernel",))
    for r in rows.to_dict("records"):
        timed = r.get("kind") != "metric"
        a, b = (views.seconds(r[k]) if timed else num(r[k]) for k in ("median_a", "median_b"))
        name = f"{r['suite']}/{r['experiment']}/{r['kernel']}" + (f" ({r['device']})" if wide else "")
        table.add_row(escape(name), a, b, num(r["ratio"]),
                      *([num(r["p_change"], 2), num(r["p_equiv"], 2)] if wide else []), _styled(r["status"]))
    return table


def _counts(frame: pd.DataFrame) -> str:
    counts = frame.get("status", pd.Series(dtype=object)).value_counts()
    parts = [f"{counts.get(s, 0)} {s}" for s in ("regression", "improvement", "changed", "unchanged", "inconclusive")
             if counts.get(s, 0)]
    return ", ".join(parts) or "none compared"


def _named(words: list[str]) -> str:
    shown = ", ".join(words[:SHOWN_IN_SUMMARY])
    return shown + (f" and {len(words) - SHOWN_IN_SUMMARY} more" if len(words) > SHOWN_IN_SUMMARY else "")


def summary_lines(cmp: Comparison) -> list[str]:
    """The one-screen summary printed before the tables: what changed, by kind, with names."""
    claims = cmp.claims
    lines = [f"{run_label(cmp.a)} -> {run_label(cmp.b)}"]
    if len(claims):
        flips = claims[claims["flipped"]]
        lines.append(f"claims: {len(claims)} compared, {len(flips)} flipped"
                     + (f" ({_named([escape(c) for c in flips['claim']])})" if len(flips) else "")
                     + (f", {int(flips['regression'].sum())} of them regressions" if len(flips) else ""))
        for side in ("A", "B"):
            missing = claims[claims["change"] == f"not run in {side}"]
            if len(missing):
                lines.append(f"  not run in {side}: {len(missing)} claim{'s' if len(missing) != 1 else ''} "
                             f"({_named([escape(c) for c in missing['claim']])})")
    lines.append(f"metrics: {len(cmp.metrics)} compared: {_counts(cmp.metrics)}")
    changed = cmp.metrics[cmp.metrics["status"].isin(CHANGES)] if len(cmp.metrics) else cmp.metrics
    if len(changed):
        lines.append("  changed: " + _named([escape(f"{r['case']} {r['metric']} ({r['status']})")
                                             for r in changed.to_dict("records")]))
    if len(cmp.timings):
        lines.append(f"timings: {len(cmp.timings)} compared: {_counts(cmp.timings)}")
    return lines


def records(frame: pd.DataFrame) -> list[dict]:
    """JSON-safe rows: NaN -> None, numpy scalars -> Python."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for row in clean.to_dict("records")]


def comparison_json(cmp: Comparison, gate: str | None) -> dict:
    keep = ("id", "commit_sha", "dirty", "budget", "device", "status", "started_at")
    return {"a": {k: cmp.a.get(k) for k in keep}, "b": {k: cmp.b.get(k) for k in keep}, "notes": list(cmp.notes),
            "claims": records(cmp.claims), "metrics": records(cmp.metrics), "timings": records(cmp.timings),
            "only_in": cmp.only_in, "gate": gate, "tripped": bool(gate and cmp.tripped(gate))}
