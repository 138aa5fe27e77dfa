"""``redshift report --format markdown --run A [--run B ...]``: a verdict table to commit beside the code.

One row per claim: statement, the paper's prediction, the verdict of each run (a column per run,
headed by its seed stream), the binding part's effect in its unit with its 95% CI and n (per run),
and the claim's definition hash. A claim whose verdicts differ between the runs is marked with
"(differs)", so a verdict that depends on the seeds is visible; a claim inconclusive at or above
the budget where it is declared decisive reads "inconclusive UNDECIDED". The header gives each run's commit,
budget, device, machine, torch version, seed stream and wall time, so the table can be regenerated
and cited.
"""
from __future__ import annotations

import math
import re
from datetime import datetime

from redshift.report import runs
from redshift.results import Database


def _num(x: object) -> str:
    if isinstance(x, float) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{float(x):.3g}"


def _wall(info: dict) -> str:
    try:
        start, end = (datetime.fromisoformat(info[k]) for k in ("started_at", "ended_at"))
    except (TypeError, ValueError, KeyError):
        return "?"
    return f"{(end - start).total_seconds():.0f} s"


def _cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def _natural(claim: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", claim))


def _undecided(row: dict, info: dict) -> bool:
    from redshift.suite import BUDGETS

    return (row["status"] == "inconclusive" and row.get("predicted") != "inconclusive"
            and BUDGETS.index(info["budget"]) >= BUDGETS.index(row.get("decisive_at") or "smoke"))


def verdict_markdown(db: Database, run_ids: list[int]) -> str:
    """The markdown page for ``run_ids`` (see the module docstring)."""
    infos = [runs.run_info(db, r) for r in run_ids]
    frames = [runs.verdicts(db, r) for r in run_ids]
    streams = [i.get("seed_stream") or "default" for i in infos]
    lines = ["| run | stream | commit | budget | device | machine | torch | status | wall |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for i, s in zip(infos, streams):
        commit = (i["commit_sha"] or "none")[:10] + ("+dirty" if i["dirty"] else "")
        machine = i["machine"].get("gpu") or i["machine"].get("cpu") or "?"
        lines.append(f"| {i['id']} | {s} | {commit} | {i['budget']} | {i['device']} | {_cell(machine)} "
                     f"({i['machine'].get('cpu_count', '?')} cores) | {i['versions'].get('torch', '?')} | "
                     f"{i['status']} | {_wall(i)} |")
    head = ["claim", "statement", "predicted"] + [f"verdict ({s}, run {r})" for s, r in zip(streams, run_ids)]
    head += [f"effect [95% CI] (run {r})" for r in run_ids] + ["n", "definition"]
    table = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    by_run = [{row["claim"]: row for row in f.to_dict("records")} for f in frames]
    claims = sorted({c for rows in by_run for c in rows}, key=_natural)
    for c in claims:
        rows = [rows.get(c) for rows in by_run]
        first = next(r for r in rows if r is not None)
        statuses = [(r["status"] + (" UNDECIDED" if _undecided(r, i) else "")) if r else "not run"
                    for r, i in zip(rows, infos)]
        differs = len({r["status"] if r else None for r in rows}) > 1
        verdicts = [f"**{s}** (differs)" if differs else s for s in statuses]
        effects = [(f"{r.get('binding') or ''}: {_num(r['effect'])} [{_num(r['ci_low'])}, {_num(r['ci_high'])}] "
                    f"{r.get('unit') or ''}".strip() if r else "-") for r in rows]
        ns = "/".join(str(r["n"]) if r else "-" for r in rows)
        table.append("| " + " | ".join(_cell(x) for x in [c, first["statement"], first["predicted"], *verdicts,
                                                          *effects, ns, first.get("definition_hash") or ""]) + " |")
    counts = [{s: sum(r["status"] == s for r in rows.values()) for s in ("supported", "refuted", "inconclusive")}
              for rows in by_run]
    summary = [f"- run {r} ({s}): " + ", ".join(f"{n} {status}" for status, n in k.items())
               for r, s, k in zip(run_ids, streams, counts)]
    differ = sum(1 for c in claims if len({(rows.get(c) or {}).get("status") for rows in by_run}) > 1)
    return "\n".join(lines + [""] + summary + [f"- claims whose verdict differs between the runs: {differ}", ""]
                     + table) + "\n"
