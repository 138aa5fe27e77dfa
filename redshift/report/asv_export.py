"""``redshift export --format asv --out DIR``: key numbers as asv results, drawn by ``asv publish``.

For each exported run one asv result file ``DIR/<machine>/<commit[:8]>-redshift-<budget>-<device>.json``
(asv results format, api_version 2) holds
- ``redshift.claims.<suite>.<claim>``: each claim's effect (a ``track`` benchmark, unit "effect");
- ``redshift.timings.<suite>.<experiment>.<kernel>``: each kernel's median seconds per call with its
  quartiles and samples (a ``time`` benchmark; repeated timings of one kernel are pooled).
Their descriptions are merged into ``DIR/benchmarks.json`` next to those of the asv benchmarks of
``bench/``; ``asv run`` rewrites that file with its own benchmarks only, so export after ``asv run``
and before ``asv publish``. The machine is the run's hostname (asv's default machine name), so the
numbers appear beside the asv benchmarks of the same machine; budget and device are graph params.

Without ``--run`` every commit's latest complete clean run is exported (one file per commit,
budget, device and machine: the whole history at once); with ``--run`` that run only. Runs
without a commit cannot be placed on asv's commit axis and are refused or skipped. Existing
result files of other runs are kept; a re-export of a commit replaces its file.
"""
from __future__ import annotations

import json
import math
import os
import re
import statistics
from datetime import datetime
from pathlib import Path

from redshift.report import gitgraph, runs
from redshift.results import Database
from redshift.errors import BadInput

RESULT_COLUMNS = ["result", "params", "version", "started_at", "duration", "stats_ci_99_a", "stats_ci_99_b",
                  "stats_q_25", "stats_q_75", "stats_number", "stats_repeat", "samples", "profile"]
VERSION = "redshift-export-1"


def _name(*parts: str) -> str:
    return ".".join(re.sub(r"[^A-Za-z0-9_-]+", "_", str(p)) for p in parts)


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def _finite(x) -> float | None:
    return float(x) if x is not None and math.isfinite(float(x)) else None


def runs_to_export(db: Database, run: int | None) -> list[int]:
    """``[run]``, or the latest complete clean run of every (commit, budget, device, host)."""
    if run is not None:
        if not db.run(run)["commit_sha"]:
            raise BadInput(f"run {run} has no commit; asv results are keyed by commit")
        return [run]
    rows = db.query("SELECT id, commit_sha, budget, device, machine FROM runs WHERE status = 'complete' "
                    "AND commit_sha IS NOT NULL AND COALESCE(dirty, 0) = 0 ORDER BY id")
    latest = {(r["commit_sha"], r["budget"], r["device"], _host(json.loads(r["machine"] or "{}"))): r["id"]
              for r in rows}
    return sorted(latest.values())


def _host(machine: dict) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(machine.get("hostname") or "unknown-machine"))


def _machine_json(info: dict, out: Path) -> str:
    """Write ``out/<host>/machine.json`` unless asv already wrote one; return the machine name."""
    machine = info["machine"]
    name = _host(machine)
    path = out / name / "machine.json"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"machine": name, "arch": "", "cpu": str(machine.get("cpu", "")), "num_cpu": str(machine.get("cpu_count", "")),
                "os": str(machine.get("platform", "")), "ram": "", "version": 1}
        path.write_text(json.dumps(data, indent=4, sort_keys=True))
    return name


def _claim_rows(db: Database, run_id: int, started: int) -> dict[str, tuple[list, dict]]:
    rows = {}
    for v in runs.verdicts(db, run_id).to_dict("records"):
        name = _name("redshift", "claims", v["suite"], v["claim"])
        rows[name] = ([[_finite(v["effect"])], [], None, started, _finite(v["seconds"])],
                      {"type": "track", "unit": "effect", "code": f"{v['statement']}\nrule: {v['rule']}",
                       "pretty_name": f"{v['claim']} effect ({v['suite']})"})
    return rows


def _timing_rows(db: Database, run_id: int, started: int) -> dict[str, tuple[list, dict]]:
    rows = {}
    frame = runs.timings(db, run_id)
    for (suite, exp, kernel), group in frame.groupby(["suite", "experiment", "kernel"], sort=False, dropna=False):
        samples = [float(s) for xs in group["samples"] for s in xs]
        if not samples:
            continue
        q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive") if len(samples) > 1 else samples * 3
        name = _name("redshift", "timings", suite, exp, kernel)
        rows[name] = ([[statistics.median(samples)], [], None, started, sum(samples), [None], [None], [q1], [q3],
                       [1], [len(samples)], [samples]],
                      {"type": "time", "unit": "seconds", "code": f"redshift kernel timing {suite}/{exp}/{kernel}",
                       "pretty_name": f"{kernel} ({suite}/{exp})"})
    return rows


def _write_run(db: Database, run_id: int, out: Path) -> dict[str, dict]:
    """One asv result file for ``run_id``; returns the benchmark descriptions it uses."""
    info = runs.run_info(db, run_id)
    machine = _machine_json(info, out)
    started = _ms(info["started_at"])
    commit_s = gitgraph.commit_time(info["commit_sha"])
    rows = _claim_rows(db, run_id, started) | _timing_rows(db, run_id, started)
    env = _name(f"redshift-{info['budget']}-{info['device']}")
    python = str(info["versions"].get("python", ""))
    params = {"machine": machine, "python": python, "budget": info["budget"], "device": info["device"],
              "cpu": str(info["machine"].get("cpu", ""))}
    data = {"commit_hash": info["commit_sha"], "env_name": env, "date": commit_s * 1000 if commit_s else started,
            "params": params, "python": python, "requirements": {}, "env_vars": {},
            "result_columns": RESULT_COLUMNS, "results": {k: _trim(v[0]) for k, v in rows.items()},
            "durations": {}, "version": 2}
    path = out / machine / f"{info['commit_sha'][:8]}-{env}.json"
    path.write_text(json.dumps(data, allow_nan=False))
    return {k: v[1] for k, v in rows.items()}


def _trim(row: list) -> list:
    while row and row[-1] is None:
        row = row[:-1]
    return row


def _merge_benchmarks(out: Path, described: dict[str, dict]) -> None:
    """Add (or update) our benchmark descriptions in ``out/benchmarks.json``, keeping asv's own."""
    path = out / "benchmarks.json"
    current = json.loads(path.read_text()) if path.exists() else {}
    current.setdefault("version", 2)
    for name, desc in described.items():
        current[name] = {"name": name, "params": [], "param_names": [], "version": VERSION, **desc}
    path.write_text(json.dumps(current, indent=4, sort_keys=True))


def export_asv(db: str | os.PathLike | None, run: int | None, out_dir: str | os.PathLike | None) -> Path:
    """Write asv results for ``run`` (default: every commit's latest complete run) under ``out_dir``."""
    out = Path(out_dir or Path("results") / "asv")
    with Database(db, create=False) as database:
        ids = runs_to_export(database, run)
        if not ids:
            raise BadInput(f"{database.path} has no complete clean run with a commit to export to asv")
        out.mkdir(parents=True, exist_ok=True)
        described: dict[str, dict] = {}
        for run_id in ids:  # one file per run: a loop over files, not over a population
            described |= _write_run(database, run_id, out)
    _merge_benchmarks(out, described)
    return out
