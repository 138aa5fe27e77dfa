"""``redshift report --format markdown --run A [--run B ...]``: a verdict table to commit beside the code.

One row per claim: statement, the paper's prediction, the verdict of each run (a column per run,
headed by its seed stream), the binding part's effect in its unit with its 95% CI and n (per run),
and the claim's definition hash. A claim whose verdicts differ between the runs is marked with
"(differs)", so a verdict that depends on the seeds is visible; a claim inconclusive at or above
the budget where it is declared decisive reads "inconclusive UNDECIDED". The header gives each run's suites,
commit, budget, device, machine, torch version, seed stream and wall time, so the table can be regenerated
and cited.

Below the verdicts, "where the time goes": each experiment's chunks, cases x replicates and compute seconds
(summed over its chunks, as the workers measured them; with several workers the wall time is less), from the
run's stored chunk plan.

Runs that hold disjoint claims (e.g. one run per suite, so that each suite's wall time is its own) are
put together rather than side by side: one verdict and one effect column, and a column naming the
run each claim comes from.
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


def _time_table(db: Database, run_ids: list[int]) -> list[str]:
    """Per run and experiment: chunks, cases x replicates and summed compute seconds (empty without a chunk plan)."""
    tables = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "run_chunks" not in tables:
        return []
    marks = ",".join("?" * len(run_ids))
    rows = db.query(f"SELECT run_id, suite, experiment, COUNT(*) AS chunks, SUM(n_cases) AS cases, MAX(replicates) AS reps,"
                    f" SUM(seconds) AS seconds, SUM(status = 'done') AS done FROM run_chunks WHERE run_id IN ({marks})"
                    f" GROUP BY run_id, suite, experiment ORDER BY run_id, MIN(rowid)", tuple(run_ids))
    if not rows:
        return []
    out = ["", "Where the time goes (compute seconds per experiment, summed over its chunks):", "",
           "| run | suite | experiment | chunks | cases x replicates | compute |", "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        done = "" if r["done"] == r["chunks"] else f" ({r['done']} done)"
        secs = "-" if r["seconds"] is None else f"{r['seconds']:.0f} s"
        out.append(f"| {r['run_id']} | {r['suite']} | {r['experiment']} | {r['chunks']}{done} | "
                   f"{r['cases']} x {r['reps']} | {secs} |")
    return out


def _effect(row: dict | None) -> str:
    """The binding part's effect with its 95% CI in its unit ('-' when the claim was not run)."""
    if not row:
        return "-"
    return (f"{row.get('binding') or ''}: {_num(row['effect'])} [{_num(row['ci_low'])}, {_num(row['ci_high'])}] "
            f"{row.get('unit') or ''}").strip()


def _counts(rows: dict) -> str:
    """'N supported, N refuted, N inconclusive' over a run's verdict rows."""
    return ", ".join(f"{sum(x['status'] == st for x in rows.values())} {st}"
                     for st in ("supported", "refuted", "inconclusive"))


def _status(row: dict, info: dict) -> str:
    return row["status"] + (" UNDECIDED" if _undecided(row, info) else "")


def _together(run_ids: list[int], infos: list[dict], streams: list[str], by_run: list[dict]) -> list[str]:
    """Runs with disjoint claims as one table: claim, statement, predicted, verdict, effect, n, run."""
    summary = [f"- run {r} ({s}): {_counts(rows)}; {sum(_undecided(x, info) for x in rows.values())} undecided at or "
               f"above their decisive budget" for r, s, rows, info in zip(run_ids, streams, by_run, infos)]
    head = ["claim", "statement", "predicted", "verdict", "effect [95% CI]", "n", "run", "definition"]
    table = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    where = {c: (rows[c], info, r) for r, info, rows in zip(run_ids, infos, by_run) for c in rows}
    for c in sorted(where, key=_natural):
        row, info, r = where[c]
        table.append("| " + " | ".join(_cell(x) for x in [c, row["statement"], row["predicted"], _status(row, info),
                                                          _effect(row), row["n"], r,
                                                          row.get("definition_hash") or ""]) + " |")
    return summary + [""] + table


def verdict_markdown(db: Database, run_ids: list[int]) -> str:
    """The markdown page for ``run_ids`` (see the module docstring)."""
    infos = [runs.run_info(db, r) for r in run_ids]
    frames = [runs.verdicts(db, r) for r in run_ids]
    streams = [i.get("seed_stream") or "default" for i in infos]
    lines = ["| run | suites | stream | commit | budget | device | machine | torch | status | wall |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for i, s, f in zip(infos, streams, frames):
        commit = (i["commit_sha"] or "none")[:10] + ("+dirty" if i["dirty"] else "")
        machine = i["machine"].get("gpu") or i["machine"].get("cpu") or "?"
        suites = ", ".join(sorted(set(f["suite"]) if "suite" in f and len(f) else i.get("suites") or [])) or "-"
        lines.append(f"| {i['id']} | {suites} | {s} | {commit} | {i['budget']} | {i['device']} | {_cell(machine)} "
                     f"({i['machine'].get('cpu_count', '?')} cores) | {i['versions'].get('torch', '?')} | "
                     f"{i['status']} | {_wall(i)} |")
    by_run = [{row["claim"]: row for row in f.to_dict("records")} for f in frames]
    if len(run_ids) > 1 and sum(len(rows) for rows in by_run) == len({c for rows in by_run for c in rows}):
        return "\n".join(lines + [""] + _together(run_ids, infos, streams, by_run) + _time_table(db, run_ids)) + "\n"
    head = ["claim", "statement", "predicted"] + [f"verdict ({s}, run {r})" for s, r in zip(streams, run_ids)]
    head += [f"effect [95% CI] (run {r})" for r in run_ids] + ["n", "definition"]
    table = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    claims = sorted({c for rows in by_run for c in rows}, key=_natural)
    for c in claims:
        rows = [rows.get(c) for rows in by_run]
        first = next(r for r in rows if r is not None)
        statuses = [_status(r, i) if r else "not run" for r, i in zip(rows, infos)]
        differs = len({r["status"] if r else None for r in rows}) > 1
        verdicts = [f"**{s}** (differs)" if differs else s for s in statuses]
        effects = [_effect(r) for r in rows]
        ns = "/".join(str(r["n"]) if r else "-" for r in rows)
        table.append("| " + " | ".join(_cell(x) for x in [c, first["statement"], first["predicted"], *verdicts,
                                                          *effects, ns, first.get("definition_hash") or ""]) + " |")
    summary = [f"- run {r} ({s}): {_counts(rows)}" for r, s, rows in zip(run_ids, streams, by_run)]
    differ = sum(1 for c in claims if len({(rows.get(c) or {}).get("status") for rows in by_run}) > 1)
    return "\n".join(lines + [""] + summary + [f"- claims whose verdict differs between the runs: {differ}", ""]
                     + table + _time_table(db, run_ids)) + "\n"
