"""Rich tables and JSON payloads of the across-versions commands (the CLI prints them)."""
from __future__ import annotations

import math
from typing import Any

import pandas as pd
from rich.markup import escape
from rich.table import Table as RichTable

from redshift.report.compare import Comparison
from redshift.report.runs import run_label

STYLE = {"supported": "green", "refuted": "red", "inconclusive": "yellow", "regression": "red",
         "improvement": "green", "changed": "magenta", "unchanged": "dim", "flip": "bold red",
         "added": "cyan", "removed": "cyan", "same": "dim"}


def num(x: Any, digits: int = 3) -> str:
    """A short number, '-' for missing/NaN."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:.{digits}g}" if isinstance(x, (int, float)) else str(x)


def _styled(word: Any) -> str:
    word = "-" if word is None or (isinstance(word, float) and math.isnan(word)) else str(word)
    return f"[{STYLE[word]}]{word}[/]" if word in STYLE else word


def _table(title: str, columns: list[str]) -> RichTable:
    table = RichTable(title=title)
    for col in columns:
        table.add_column(col, justify="left" if col in ("claim", "case", "metric", "kernel", "status",
                                                       "change", "A", "B", "commit") else "right")
    return table


def _unit(row: dict, side: str) -> str:
    unit = row.get(f"unit_{side}")
    return f" {unit}" if isinstance(unit, str) and unit else ""


def claims_table(cmp: Comparison) -> RichTable:
    table = _table("claims", ["claim", "A", "B", "change", "effect A [95% CI]", "effect B [95% CI]"])
    for r in cmp.claims.to_dict("records"):
        table.add_row(escape(r["claim"]), _styled(r["status_a"]), _styled(r["status_b"]), _styled(r["change"]),
                      f"{num(r['effect_a'])} [{num(r['ci_low_a'])}, {num(r['ci_high_a'])}]{_unit(r, 'a')}",
                      f"{num(r['effect_b'])} [{num(r['ci_low_b'])}, {num(r['ci_high_b'])}]{_unit(r, 'b')}")
    return table


def metrics_table(cmp: Comparison, only_changes: bool = False) -> RichTable | str:
    rows = cmp.metrics if not only_changes else cmp.metrics[cmp.metrics["status"] != "unchanged"]
    if rows.empty:
        return f"metrics: all {len(cmp.metrics)} rows unchanged (within their margins)"
    table = _table("metrics (Holm-adjusted p; unchanged = TOST within the metric's margin)",
                   ["case", "metric", "A mean ± sd (n)", "B mean ± sd (n)", "diff", "margin", "p change",
                    "p same", "status"])
    for r in rows.to_dict("records"):
        table.add_row(escape(f"{r['suite']}/{r['case']}"), escape(r["metric"]), f"{num(r['mean_a'])} ± {num(r['sd_a'], 2)} ({r['n_a']})",
                      f"{num(r['mean_b'])} ± {num(r['sd_b'], 2)} ({r['n_b']})", num(r["diff"]), num(r["margin"]),
                      num(r["p_change"], 2), num(r["p_equiv"], 2), _styled(r["status"]))
    return table


def timings_table(cmp: Comparison) -> RichTable:
    table = _table("kernel timings (log seconds; unchanged = within the timing margin)",
                   ["kernel", "A median", "B median", "B/A", "p change", "p same", "status"])
    for r in cmp.timings.to_dict("records"):
        table.add_row(escape(f"{r['suite']}/{r['experiment']}/{r['kernel']} ({r['device']})"), f"{num(r['median_a'])}s",
                      f"{num(r['median_b'])}s", num(r["ratio"]), num(r["p_change"], 2), num(r["p_equiv"], 2),
                      _styled(r["status"]))
    return table


def comparison_summary(cmp: Comparison) -> str:
    """One line of counts: flips, and metric/timing statuses."""
    flips = int(cmp.claims["flipped"].sum()) if len(cmp.claims) else 0
    counts = pd.concat([cmp.metrics.get("status", pd.Series(dtype=object)),
                        cmp.timings.get("status", pd.Series(dtype=object))]).value_counts()
    parts = [f"{counts.get(s, 0)} {s}" for s in ("regression", "improvement", "changed", "unchanged",
                                                  "inconclusive")]
    return f"{run_label(cmp.a)} -> {run_label(cmp.b)}: {flips} verdict flips; " + ", ".join(parts)


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
