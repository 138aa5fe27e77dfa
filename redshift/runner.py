"""Running suites: compute the cases the selected claims need (once), store them, decide the claims.

``Session`` is shared by the CLI and the pytest plugin: an experiment's measurements are computed
once per session and every replicate is written to the database in its own transaction as it
arrives; verdicts are decided per suite with Holm correction across the claims evaluated together.
"""
from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import torch

from redshift.claims import Claim, Verdict, assess, verdicts
from redshift.errors import BadInput
from redshift.registry import UnknownSuite, select
from redshift.results.db import Database, RunInfo, out_folder
from redshift.results.machine import git_state, machine_info, versions
from redshift.seeding import determinism_flags, seed_for
from redshift.suite import BUDGETS, Context, ContextHooks, Experiment, Record, Reporter, Suite
from redshift.table import Table


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise BadInput(f"unknown device {device!r}: choose auto, cpu or cuda")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise BadInput("device cuda requested but torch sees no CUDA GPU; use --device cpu or auto")
    return torch.device(device)


def check_budget(budget: str) -> str:
    if budget not in BUDGETS:
        raise BadInput(f"unknown budget {budget!r}: choose one of {', '.join(BUDGETS)}")
    return budget


def select_claims(suites: Sequence[Suite], claim_ids: Sequence[str] | None) -> dict[str, list[Claim]]:
    """Claims to evaluate per suite; unknown ids are bad input."""
    chosen = {s.name: list(s.claims) for s in suites}
    if not claim_ids:
        return chosen
    wanted = set(claim_ids)
    known = {c.id for s in suites for c in s.claims}
    unknown = sorted(wanted - known)
    if unknown:
        raise BadInput(f"unknown claim {unknown[0]!r}; `redshift list` shows the claims")
    return {name: [c for c in cl if c.id in wanted] for name, cl in chosen.items() if any(c.id in wanted for c in cl)}


class _Hooks(ContextHooks):
    def __init__(self, session: "Session", suite: str, reporter: Reporter) -> None:
        self.session, self.suite, self.reporter = session, suite, reporter

    def set_total(self, total: int) -> None:
        self.reporter.set_total(total)

    def advance(self, n: int) -> None:
        self.reporter.advance(n)

    def log(self, message: str) -> None:
        self.reporter.log(message)

    def timing(self, experiment: str, sample: Any) -> None:
        self.session.timings.append((self.suite, experiment, sample))
        if self.session.db is not None:
            self.session.db.write_timing(self.session.run_id, self.suite, experiment, sample)


@dataclass
class Session:
    """One run: a database row, cached experiment tables, and the verdicts decided so far."""

    budget: str = "smoke"
    device: str = "auto"
    db_path: str | None = None
    replicates: int | None = None
    out_dir: Path | None = None
    reporter: Reporter = field(default_factory=Reporter)
    write: bool = True
    argv: list[str] = field(default_factory=lambda: list(sys.argv))

    def __post_init__(self) -> None:
        check_budget(self.budget)
        self.torch_device = resolve_device(self.device)
        if self.replicates is not None and self.replicates < 1:
            raise BadInput("--replicates must be a positive integer")
        self.db = Database(self.db_path) if self.write else None
        self.run_id: int | None = None
        self.tables: dict[tuple[str, str], tuple[Table, float]] = {}
        self.timings: list[tuple[str, str, Any]] = []
        self.verdicts: list[Verdict] = []

    def start(self, suites: Sequence[Suite]) -> None:
        for suite in suites:
            for exp in suite.experiments:
                exp.cases_for(self.budget)  # a budget the suite does not declare fails before anything is written
        commit, dirty = git_state()
        if self.db is not None:
            info = RunInfo(commit=commit, dirty=dirty, budget=self.budget, device=str(self.torch_device),
                           machine=machine_info(self.torch_device), versions=versions(),
                           suites={s.name: s.version for s in suites}, determinism=determinism_flags(),
                           argv=self.argv)
            self.run_id = self.db.start_run(info)
        self.out_dir = self.out_dir or out_folder(self.db_path) / (f"run-{self.run_id}" if self.run_id else "no-db")

    def finish(self, status: str = "complete") -> None:
        if self.db is not None and self.run_id is not None:
            self.db.finish_run(self.run_id, status)
            self.db.close()

    def table(self, suite: Suite, exp: Experiment, claims: Sequence[Claim]) -> tuple[Table, float]:
        """The experiment's measurements for the cases ``claims`` read (computed once, all cases)."""
        key = (suite.name, exp.name)
        if key not in self.tables:
            ids = {c.id for c in exp.claims}
            mine = [c for c in claims if c.id in ids]
            cases = [case for case in exp.cases_for(self.budget) if any(c.reads(case) for c in mine)]
            self.tables[key] = self._measure(suite, exp, cases)
        return self.tables[key]

    def _measure(self, suite: Suite, exp: Experiment, cases: list) -> tuple[Table, float]:
        reps = self.replicates or exp.replicates_for(self.budget)
        out = Path(self.out_dir) / suite.name
        ctx = Context(suite.name, exp, self.budget, self.torch_device, reps, out, _Hooks(self, suite.name, self.reporter))
        if cases:  # no progress bar for an experiment without cases at this budget
            self.reporter.start(suite.name, exp.name, len(cases), reps)
        t0 = time.perf_counter()
        seen: set[tuple[str, int]] = set()
        names = {c.name for c in cases}
        records = [self._store(suite, exp, self._check(exp, rec, names, reps, seen)) for rec in exp.measure(cases, ctx)]
        seconds = time.perf_counter() - t0
        if len(seen) != len(cases) * reps:
            raise ValueError(f"suite {suite.name}: experiment {exp.name} yielded {len(seen)} records, expected "
                             f"{len(cases) * reps} (one per case and replicate)")
        if cases:
            self.reporter.finish(suite.name, exp.name, seconds)
        table = Table.from_records(cases, records, reps)
        if exp.figures is not None:
            out.mkdir(parents=True, exist_ok=True)
            exp.figures(frame_of(suite, exp, records), out)
        return table, seconds

    @staticmethod
    def _check(exp: Experiment, rec: Record, names: set[str], reps: int, seen: set) -> Record:
        """A record must name a requested case and replicate, once, with declared metrics only."""
        where = f"experiment {exp.name}, record {rec.case.name} replicate {rec.replicate}"
        if rec.case.name not in names or not 0 <= rec.replicate < reps:
            raise ValueError(f"{where}: not a requested case and replicate (0..{reps - 1})")
        if (rec.case.name, rec.replicate) in seen:
            raise ValueError(f"{where}: yielded twice")
        unknown = [m for m in rec.values if m not in exp.metrics]
        if unknown:
            raise ValueError(f"{where}: undeclared metric {unknown[0]!r}")
        seen.add((rec.case.name, rec.replicate))
        return rec

    def _store(self, suite: Suite, exp: Experiment, rec: Record) -> Record:
        if self.db is not None:
            params = json.dumps(rec.case.params, sort_keys=True)
            rows = [(suite.name, exp.name, rec.case.name, params, rec.replicate, m, _sql_num(v),
                     exp.metrics[m].unit, exp.metrics[m].direction, exp.metrics[m].margin, exp.metrics[m].kind)
                    for m, v in rec.values.items()]
            self.db.write_replicate(self.run_id, rows)
        return rec

    def evaluate(self, suite: Suite, claims: Sequence[Claim]) -> list[Verdict]:
        """Decide ``claims`` of ``suite`` as one Holm family; store and return the verdicts."""
        assessments, extra = [], {}
        for claim in claims:
            exp = suite.experiment_of(claim.id)
            table, seconds = self.table(suite, exp, claims)
            rng = np.random.default_rng(seed_for(suite.name, claim.id, "bootstrap"))
            assessments.append(assess(claim, table, rng))
            extra[claim.id] = seconds
        out = verdicts(assessments, suite=suite.name, budget=self.budget, family_size=len(suite.claims),
                       extra_seconds=extra)
        if self.db is not None:
            self.db.write_verdicts(self.run_id, suite.name, suite.version, out)
        self.verdicts.extend(out)
        return out


def _sql_num(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def frame_of(suite: Suite, exp: Experiment, records: Iterable[Record]):
    """Long-format pandas frame of records: case, params as columns, replicate, metric, value."""
    import pandas as pd

    rows = [{"suite": suite.name, "experiment": exp.name, "case": r.case.name, **r.case.params,
             "replicate": r.replicate, "metric": m, "value": v} for r in records for m, v in r.values.items()]
    return pd.DataFrame(rows)


def run_suites(names: Sequence[str] | None = None, *, claims: Sequence[str] | None = None, budget: str = "smoke",
               device: str = "auto", db: str | None = None, replicates: int | None = None,
               reporter: Reporter | None = None, write: bool = True, out_dir: Path | None = None) -> list[Verdict]:
    """Run suites (all when ``names`` is empty) and return their verdicts; the run is stored in ``db``."""
    try:
        suites = select(list(names or []))
    except UnknownSuite as exc:
        raise BadInput(str(exc)) from None
    chosen = select_claims(suites, claims)
    session = Session(budget=check_budget(budget), device=device, db_path=db, replicates=replicates,
                      reporter=reporter or Reporter(), write=write, out_dir=out_dir)
    session.start(suites)
    try:
        for suite in suites:
            if suite.name in chosen:
                session.evaluate(suite, chosen[suite.name])
    except BaseException as exc:  # the CLI says what was kept, and only when a run was stored
        if session.run_id is not None and hasattr(exc, "add_note"):
            exc.add_note(f"run {session.run_id} in {session.db.path} is kept, marked incomplete")
        raise
    session.finish("complete")
    return session.verdicts
