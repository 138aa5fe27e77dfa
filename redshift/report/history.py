"""``redshift history CLAIM_ID [--metric NAME]``: a claim's effect (or a metric) over commits.

One point per (commit, dirty flag): the latest complete run of it (the latest run when none is
complete), restricted to one budget (default: the budget of the latest run with the claim), as
effects of different budgets are not comparable. Points are ordered by the git graph of the
current checkout (``git rev-list --topo-order``: ancestors first), never by timestamps; runs of
commits git does not know, and runs without a commit, come last in run-id order.

With ``--metric``, a point is the metric's mean over replicates, where a replicate's value is the
mean over the cases the claim reads (as the claim's own statistics do; all cases of the
experiment when the suite is not installed here, or the one ``--case``), with a 95% Student-t CI
over replicates: mean +- t_{0.975, n-1} sd / sqrt(n).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from rich.markup import escape
from rich.table import Table as RichTable
from scipy import stats as sps

from redshift.errors import BadInput
from redshift.report import gitgraph, runs
from redshift.report.terminal import num
from redshift.results import Database
from redshift.suite import Case

_VERDICTS = ("SELECT v.run_id, v.suite, v.status AS verdict, v.effect AS value, v.ci_low, v.ci_high, v.n, "
             "r.commit_sha AS \"commit\", r.dirty, r.budget, r.device, r.status AS run_status "
             "FROM verdicts v JOIN runs r ON r.id = v.run_id WHERE v.claim = ? ORDER BY v.run_id")


@dataclass(frozen=True)
class History:
    """The points of a claim's (or metric's) history, in git-graph order."""

    claim: str
    suite: str
    metric: str | None
    case: str | None
    budget: str
    points: pd.DataFrame  # run_id, commit, dirty, device, value, ci_low, ci_high, n, verdict, in_graph

    @property
    def slug(self) -> str:
        text = self.claim + (f"-{self.metric}" if self.metric else "") + (f"-{self.case}" if self.case else "")
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


def _declared(claim: str) -> bool:
    """Whether an installed suite declares ``claim`` (so that `redshift run --claims` would accept it)."""
    from redshift.registry import UnknownSuite, discover

    try:
        return any(c.id == claim for s in discover().values() for c in s.claims)
    except (ImportError, UnknownSuite):
        return False


def history(db: Database, claim: str, *, metric: str | None = None, case: str | None = None,
            budget: str | None = None, cwd: Path | None = None) -> History:
    """The history of ``claim`` (see the module docstring); BadInput when it was never measured."""
    rows = pd.read_sql_query(_VERDICTS, db.conn, params=(claim,))
    if rows.empty:
        if not _declared(claim):
            raise BadInput(f"claim {claim!r} has no verdict in {db.path} and no installed suite declares it; "
                           "`redshift list` shows the claims")
        raise BadInput(f"claim {claim!r} has no verdict in {db.path}; run `redshift run --claims {claim}` first")
    budget = budget or str(rows["budget"].iloc[-1])
    rows = rows[rows["budget"] == budget]
    if rows.empty:
        raise BadInput(f"claim {claim!r} has no verdict at budget {budget!r} in {db.path}")
    suite = str(rows["suite"].iloc[-1])
    points = latest_per_commit(rows)
    if metric is not None:
        points = _with_metric(db, points, suite, claim, metric, case)
    return History(claim, suite, metric, case, budget, in_graph_order(points, cwd))


def latest_per_commit(rows: pd.DataFrame) -> pd.DataFrame:
    """One run per (commit, dirty): the latest complete one, else the latest; commit-less runs all kept."""
    rows = rows.assign(complete=rows["run_status"] == "complete", dirty=rows["dirty"].fillna(0).astype(bool))
    rows = rows.sort_values(["complete", "run_id"])
    with_commit = rows[rows["commit"].notna()].groupby(["commit", "dirty"], sort=False).tail(1)
    return pd.concat([with_commit, rows[rows["commit"].isna()]]).drop(columns="complete")


def in_graph_order(points: pd.DataFrame, cwd: Path | None = None) -> pd.DataFrame:
    """Sort by topological position of the commit (clean before dirty); unknown commits last by run id."""
    pos = gitgraph.topo_order([c for c in points["commit"].dropna().unique()], cwd)
    position = points["commit"].map(lambda c: pos.get(c, -1) if isinstance(c, str) else -1)
    points = points.assign(in_graph=position >= 0, position=position)
    points = points.sort_values(["in_graph", "position", "dirty", "run_id"], ascending=[False, True, True, True])
    return points.drop(columns="position").reset_index(drop=True)


def _claim_cases(suite: str, claim: str, frame: pd.DataFrame) -> pd.Series:
    """Mask of the rows whose case the claim reads (every row when the suite is not installed here)."""
    exp, obj = runs.claim_of(runs.installed_suite(suite), claim)
    if obj is None:
        return pd.Series(True, index=frame.index)
    reads = {name: obj.reads(Case(exp.name, json.loads(params or "{}"))) and experiment == exp.name
             for name, params, experiment in frame[["case", "params", "experiment"]].drop_duplicates("case").values}
    return frame["case"].map(reads)


def _with_metric(db: Database, points: pd.DataFrame, suite: str, claim: str, metric: str,
                 case: str | None) -> pd.DataFrame:
    """Replace each point's value and CI by the metric's replicate mean and 95% t-CI."""
    ids = [int(i) for i in points["run_id"]]
    sql = (f"SELECT run_id, experiment, case_name AS \"case\", params, replicate, value FROM measurements "
           f"WHERE suite = ? AND metric = ? AND run_id IN ({','.join('?' * len(ids))})")
    frame = pd.read_sql_query(sql, db.conn, params=(suite, metric, *ids))
    if frame.empty:
        raise BadInput(f"metric {metric!r} was not measured by suite {suite!r} in these runs")
    frame = frame[frame["case"] == case] if case else frame[_claim_cases(suite, claim, frame)]
    if frame.empty:
        raise BadInput(f"no measurements of {metric!r} in case {case!r}; `redshift export` lists the cases")
    per_rep = frame.groupby(["run_id", "replicate"])["value"].mean()  # mean over cases, per replicate
    summary = per_rep.groupby(level="run_id").agg(["mean", "std", "count"])
    half = sps.t.ppf(0.975, np.maximum(summary["count"] - 1, 1)) * summary["std"] / np.sqrt(summary["count"])
    stats = pd.DataFrame({"value": summary["mean"], "ci_low": summary["mean"] - half,
                          "ci_high": summary["mean"] + half, "n": summary["count"]})
    base = points.drop(columns=["value", "ci_low", "ci_high", "n"])
    return base.merge(stats, left_on="run_id", right_index=True, how="inner")


def point_label(row: dict) -> str:
    """``abc1234`` (+dirty), or ``run N`` for a run without a commit."""
    if not isinstance(row.get("commit"), str):
        return f"run {row['run_id']}"
    return row["commit"][:7] + ("+dirty" if row.get("dirty") else "")


def history_table(hist: History) -> RichTable:
    what = f"metric {hist.metric}" + (f" of {hist.case}" if hist.case else "") if hist.metric else "effect"
    table = RichTable(title=escape(f"{hist.claim} ({hist.suite}): {what} over commits, budget {hist.budget}"))
    for col in ("#", "commit", "run", "device", "value", "95% CI", "n", "verdict"):
        table.add_column(col, justify="right" if col in ("#", "run", "value", "n") else "left")
    for i, row in enumerate(hist.points.to_dict("records")):
        table.add_row(str(i + 1), point_label(row) + ("" if row["in_graph"] else " (not in this git graph)"),
                      str(row["run_id"]), str(row["device"]), num(row["value"]),
                      f"[{num(row['ci_low'])}, {num(row['ci_high'])}]", num(row["n"]), str(row["verdict"]))
    return table
