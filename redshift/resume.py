"""``redshift run --resume RUN_ID``: compute only the missing chunks of an incomplete run, into the same run.

The run's stored inputs (suites, claims, budget, replicates, device, seed stream) give the plan
again; it must match the stored plan chunk for chunk. Done chunks are read back for the verdicts,
the others are computed (on any executor), and suites without verdicts get theirs. Rows already
stored are never written twice.
"""
from __future__ import annotations

import json
from typing import Any

from redshift.claims import Verdict
from redshift.executor import ExecutorConfig
from redshift.registry import UnknownSuite, select
from redshift.results.db import Database
from redshift.runner import BadInput, Reporter, Session, complete


def _inputs(db: str | None, run_id: int) -> tuple[dict[str, Any], list[str], frozenset[str]]:
    with Database(db) as database:
        run = database.run(run_id)
        if run["status"] == "complete":
            raise BadInput(f"run {run_id} is complete; there is nothing to resume")
        if not run["inputs"]:
            raise BadInput(f"run {run_id} was made before resumable runs (it has no stored plan); start a new run")
        stored = frozenset(r[0] for r in database.query("SELECT DISTINCT suite FROM verdicts WHERE run_id = ?",
                                                        (run_id,)))
        return json.loads(run["inputs"]), json.loads(run["argv"] or "[]"), stored


def resume_run(run_id: int, *, db: str | None = None, reporter: Reporter | None = None,
               executor: ExecutorConfig | None = None) -> list[Verdict]:
    """Finish run ``run_id`` and return the verdicts of all its suites (RunIncomplete if chunks still fail)."""
    inputs, argv, stored = _inputs(db, run_id)
    try:
        suites = select(list(inputs["suites"]))
    except UnknownSuite as exc:
        raise BadInput(f"run {run_id} cannot be resumed here: {exc}") from None
    chosen = {s.name: [c for c in s.claims if c.id in set(inputs["claims"].get(s.name, []))] for s in suites}
    session = Session(budget=inputs["budget"], device=inputs["device"], db_path=db, replicates=inputs["replicates"],
                      reporter=reporter or Reporter(), argv=argv, executor=executor or ExecutorConfig(),
                      seed_stream=inputs.get("seed_stream", "default"))
    session.attach(run_id, suites, chosen)
    return complete(session, suites, chosen, stored)
