"""Reading runs back for the across-versions layer: resolve a run reference, load its rows as frames.

A run reference is a run id (digits, shorter than 7), ``latest`` (the latest complete run), or a
git commit: a sha prefix stored in the database, or any git ref (branch, tag, ``HEAD~1``) resolved
in the current checkout. A commit means the latest complete run of that commit; when it has none,
its nearest first-parent ancestor that has one is used and the resolution says so.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from redshift.report import gitgraph
from redshift.results import Database
from redshift.errors import BadInput


@dataclass(frozen=True)
class Resolved:
    """A run chosen for a reference, and how (``note`` is empty when the reference named it directly)."""

    run_id: int
    ref: str
    note: str = ""


def resolve(db: Database, ref: str, cwd: Path | None = None) -> Resolved:
    """The run a reference names (see the module docstring); BadInput when none matches."""
    ref = str(ref).strip()
    if ref.isdigit() and len(ref) < 7:
        db.run(int(ref))  # DatabaseError "no run N" when absent
        return Resolved(int(ref), ref)
    if ref == "latest":
        run = db.latest_run(complete_only=True)
        if run is None:
            raise BadInput(f"{db.path} holds no complete run; run `redshift run` first")
        return Resolved(run, ref, f"latest complete run {run}")
    run = db.latest_run(commit=ref, complete_only=True)
    if run is not None:
        return Resolved(run, ref)
    sha = gitgraph.rev_parse(ref, cwd)
    if sha is None:
        raise BadInput(f"{ref!r} is neither a run id nor a commit with a complete run in {db.path}, "
                       "nor a git ref here; `redshift show` lists runs")
    for i, ancestor in enumerate(gitgraph.first_parent_ancestors(sha, cwd)):
        run = db.latest_run(commit=ancestor, complete_only=True)
        if run is not None:
            note = "" if i == 0 else f"{ref} ({sha[:10]}) has no complete run; using ancestor {ancestor[:10]}"
            return Resolved(run, ref, note)
    raise BadInput(f"no complete run of {ref} ({sha[:10]}) or of its ancestors in {db.path}; "
                   f"run `redshift run` on it first")


def run_info(db: Database, run_id: int) -> dict:
    """The run's row with its JSON fields decoded (machine, versions, suites)."""
    row = dict(db.run(run_id))
    for key in ("machine", "versions", "suites", "determinism", "argv"):
        row[key] = json.loads(row[key]) if row.get(key) else {}
    return row


def run_label(info: dict) -> str:
    """``run 12 (abc1234567+dirty, smoke, cpu)``."""
    commit = (info.get("commit_sha") or "no commit")[:10] + ("+dirty" if info.get("dirty") else "")
    return f"run {info['id']} ({commit}, {info['budget']}, {info['device']})"


_MEASUREMENTS = ("SELECT suite, experiment, case_name AS \"case\", params, replicate, metric, value, unit, "
                 "direction, margin, kind FROM measurements WHERE run_id = ? ORDER BY id")


def measurements(db: Database, run_id: int) -> pd.DataFrame:
    """Long frame of a run's measurements with unit, direction, margin and kind (NULL value -> NaN)."""
    sql = _MEASUREMENTS if getattr(db, "version", 4) >= 4 else _MEASUREMENTS.replace(", kind FROM", ", NULL AS kind FROM")
    frame = pd.read_sql_query(sql, db.conn, params=(run_id,))
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    frame["margin"] = pd.to_numeric(frame["margin"], errors="coerce").fillna(0.0)
    frame["direction"] = frame["direction"].fillna("none")
    frame["kind"] = frame["kind"].fillna("science")  # rows stored before schema 4 carry no kind
    return frame


def verdicts(db: Database, run_id: int) -> pd.DataFrame:
    """A run's verdict rows, in the order they were decided."""
    return pd.read_sql_query("SELECT * FROM verdicts WHERE run_id = ? ORDER BY id", db.conn, params=(run_id,))


def parts(db: Database, run_id: int) -> pd.DataFrame:
    """A run's verdict parts (schema 3+; empty for older runs): suite, claim and every part column."""
    tables = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "verdict_parts" not in tables:
        return pd.DataFrame(columns=["suite", "claim", "name", "unit", "estimate", "ci_low", "ci_high"])
    return pd.read_sql_query("SELECT v.suite, v.claim, p.* FROM verdict_parts p JOIN verdicts v ON v.id = p.verdict_id "
                             "WHERE v.run_id = ? ORDER BY v.id, p.position", db.conn, params=(run_id,))


def timings(db: Database, run_id: int) -> pd.DataFrame:
    """A run's kernel timings with the samples decoded to lists of seconds."""
    frame = pd.read_sql_query("SELECT suite, experiment, kernel, device, median_s, iqr_s, repeat, samples, parallel "
                              "FROM timings WHERE run_id = ? ORDER BY id", db.conn, params=(run_id,))
    frame["samples"] = frame["samples"].map(json.loads)
    return frame


def experiment_frame(long: pd.DataFrame, suite: str, experiment: str) -> pd.DataFrame:
    """The frame an experiment's ``figures`` function receives (as ``redshift.runner.frame_of``):
    suite, experiment, case, one column per case parameter, replicate, metric, value."""
    rows = long[(long["suite"] == suite) & (long["experiment"] == experiment)]
    params = pd.DataFrame([json.loads(p) if p else {} for p in rows["params"]], index=rows.index)
    base = rows[["suite", "experiment", "case"]]
    rest = rows[["replicate", "metric", "value"]]
    return pd.concat([base, params, rest], axis=1).reset_index(drop=True)


def installed_suite(name: str):
    """The installed Suite called ``name``, or None when it is not installed here (or fails to load)."""
    from redshift.registry import UnknownSuite, discover

    try:
        return discover().get(name)
    except (ImportError, UnknownSuite):
        return None


def claim_of(suite, claim_id: str):
    """(experiment, claim) of ``claim_id`` in an installed ``suite``; (None, None) when unknown."""
    if suite is None:
        return None, None
    for exp in suite.experiments:
        for claim in exp.claims:
            if claim.id == claim_id:
                return exp, claim
    return None, None
