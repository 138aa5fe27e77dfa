"""The results database and the analysis API: ``redshift.results.read(db=None, run=None)``."""
from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from redshift.results.db import Database, DatabaseError, RunInfo, resolve_path

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Database", "DatabaseError", "RunInfo", "read", "read_verdicts", "resolve_path"]

_MEASUREMENTS = """
SELECT m.run_id, r.commit_sha AS "commit", r.dirty, r.budget, r.device, r.status AS run_status,
       r.started_at, r.machine, r.versions, m.suite, m.experiment, m.case_name AS "case", m.params,
       m.replicate, m.metric, m.value, m.unit, m.direction, m.margin
FROM measurements m JOIN runs r ON r.id = m.run_id {where} ORDER BY m.run_id, m.id
"""


def read(db: str | os.PathLike | None = None, run: int | None = None) -> pd.DataFrame:
    """One row per measurement (long format) with the run's commit, machine and budget as columns.

    ``run`` restricts to one run id. Machine fields are expanded to ``cpu``, ``gpu`` and
    ``torch`` columns; case parameters stay as a JSON string in ``params``.
    """
    import pandas as pd

    with Database(db, create=False) as database:
        where, args = ("WHERE m.run_id = ?", (run,)) if run is not None else ("", ())
        frame = pd.read_sql_query(_MEASUREMENTS.format(where=where), database.conn, params=args)
    machine = frame.pop("machine").map(lambda s: json.loads(s) if s else {})
    vers = frame.pop("versions").map(lambda s: json.loads(s) if s else {})
    frame["cpu"] = machine.map(lambda m: m.get("cpu"))
    frame["gpu"] = machine.map(lambda m: m.get("gpu"))
    frame["torch"] = vers.map(lambda v: v.get("torch"))
    return frame


def read_verdicts(db: str | os.PathLike | None = None, run: int | None = None) -> pd.DataFrame:
    """One row per verdict, with the run's commit and budget."""
    import pandas as pd

    with Database(db, create=False) as database:
        where, args = ("WHERE v.run_id = ?", (run,)) if run is not None else ("", ())
        sql = ("SELECT v.*, r.commit_sha AS \"commit\", r.budget, r.device FROM verdicts v "
               f"JOIN runs r ON r.id = v.run_id {where} ORDER BY v.run_id, v.id")
        return pd.read_sql_query(sql, database.conn, params=args)
