"""Running suites: compute the cases the selected claims need (once), store them, decide the claims.

``Session`` is shared by the CLI and the pytest plugin. A run is planned as chunks (redshift.chunks)
and stored with its plan; the chunks are computed once per session by an executor (in-process, or
Dask: redshift.executor) and stored by the driver (redshift.driver); verdicts are decided per suite
with Holm correction across the claims evaluated together.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import torch

from redshift.chunks import Chunk, plan
from redshift.claims import Assessment, Claim, Verdict, assess, verdicts
from redshift.definitions import definition_hash
from redshift.driver import Driver, executor_record, suites_by_name
from redshift.executor import ExecutorConfig
from redshift.progress import Tracker
from redshift.errors import BadInput, RunIncomplete
from redshift.registry import UnknownSuite, select
from redshift.results import chunkstore
from redshift.results.db import Database, RunInfo, out_folder
from redshift.results.machine import git_state, machine_info, versions
from redshift.seeding import DEFAULT_STREAM, check_stream, determinism_flags, seed_for
from redshift.suite import BUDGETS, Experiment, Record, Reporter, Suite
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
    executor: ExecutorConfig = field(default_factory=ExecutorConfig)
    seed_stream: str = DEFAULT_STREAM
    family: str = "suite"

    def __post_init__(self) -> None:
        check_budget(self.budget)
        try:
            check_stream(self.seed_stream)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        if self.family not in ("suite", "all"):
            raise BadInput(f"unknown family {self.family!r}: choose suite or all")
        self.torch_device = resolve_device(self.device)
        if self.replicates is not None and self.replicates < 1:
            raise BadInput("--replicates must be a positive integer")
        self.db = Database(self.db_path) if self.write else None
        self.run_id: int | None = None
        self.tables: dict[tuple[str, str], tuple[Table, float]] = {}
        self.timings: list[tuple[str, str, Any]] = []
        self.verdicts: list[Verdict] = []
        self.suites: dict[str, Suite] = {}
        self.driver = Driver(self, (), self.executor)

    def start(self, suites: Sequence[Suite], claims: dict[str, list[Claim]] | None = None) -> None:
        """Write the run row and its chunk plan (the claims to evaluate, default every claim of ``suites``)."""
        for suite in suites:
            for exp in suite.experiments:
                exp.cases_for(self.budget)  # a budget the suite does not declare fails before anything is written
        commit, dirty = git_state()
        if self.db is not None:
            machine = machine_info(self.torch_device, init_cuda=not self.executor.distributed)
            info = RunInfo(commit=commit, dirty=dirty, budget=self.budget, device=str(self.torch_device),
                           machine=machine, versions=versions(),
                           suites={s.name: s.version for s in suites}, determinism=determinism_flags(),
                           argv=self.argv, seed_stream=self.seed_stream)
            self.run_id = self.db.start_run(info)
        self.out_dir = self.out_dir or out_folder(self.db_path) / (f"run-{self.run_id}" if self.run_id else "no-db")
        chosen = claims if claims is not None else {s.name: list(s.claims) for s in suites}
        self.suites = suites_by_name(suites)
        self.driver = Driver(self, plan(suites, chosen, self.budget, self.replicates), self.executor)
        if self.db is not None:
            inputs = {"suites": [s.name for s in suites], "claims": {k: [c.id for c in v] for k, v in chosen.items()},
                      "budget": self.budget, "replicates": self.replicates, "device": self.device,
                      "seed_stream": self.seed_stream}
            chunkstore.store_plan(self.db, self.run_id, self.driver.plan, inputs, executor_record(self.executor))
        self.reporter.planned(self.driver.tracker)

    def attach(self, run_id: int, suites: Sequence[Suite], chosen: dict[str, list[Claim]]) -> None:
        """Continue stored run ``run_id`` (``--resume``): same plan, its done chunks read back."""
        self.run_id, self.suites = run_id, suites_by_name(suites)
        self.out_dir = self.out_dir or out_folder(self.db_path) / f"run-{run_id}"
        self.driver = Driver(self, plan(suites, chosen, self.budget, self.replicates), self.executor)
        stored = [c.key for c in chunkstore.stored_plan(self.db, run_id)]
        if stored != [c.key for c in self.driver.plan]:
            raise BadInput(f"run {run_id} was planned by different suite code (its chunks differ from this "
                           "checkout's); start a new run instead of --resume")
        self.driver.preload(chunkstore.chunk_states(self.db, run_id))
        chunkstore.set_executor(self.db, run_id, executor_record(self.executor, self.db.run(run_id)["executor"]))
        self.reporter.planned(self.driver.tracker)

    def finish(self, status: str = "complete") -> None:
        self.driver.close()
        if self.db is not None and self.run_id is not None:
            self.db.finish_run(self.run_id, status)
            self.db.close()

    def table(self, suite: Suite, exp: Experiment, claims: Sequence[Claim]) -> tuple[Table, float]:
        """The experiment's measurements for the cases the run's claims read (its chunks, computed once)."""
        key = (suite.name, exp.name)
        if key not in self.tables:
            chunks = self._chunks(suite, exp, claims)
            self.driver.ensure([c for c in self.driver.plan if c.suite == suite.name])  # a suite's chunks together
            failure = self.driver.failure_of(chunks)
            if failure is not None:
                raise failure
            self.tables[key] = self._table(suite, exp, chunks)
        return self.tables[key]

    def _chunks(self, suite: Suite, exp: Experiment, claims: Sequence[Claim]) -> list[Chunk]:
        mine = [c for c in self.driver.plan if (c.suite, c.experiment) == (suite.name, exp.name)]
        if not mine:  # claims not named at start (a plugin family): plan them now
            mine = list(plan([suite], {suite.name: claims}, self.budget, self.replicates))
            mine = [c for c in mine if c.experiment == exp.name]
            self.driver.plan += mine
            self.driver.tracker = Tracker(self.driver.plan)
        return mine

    def _table(self, suite: Suite, exp: Experiment, chunks: list[Chunk]) -> tuple[Table, float]:
        names = {n for c in chunks for n in c.cases}
        cases = [c for c in exp.cases_for(self.budget) if c.name in names]
        records = [r for c in chunks for r in self.driver.records[c.key]]
        reps = chunks[0].replicates if chunks else (self.replicates or exp.replicates_for(self.budget))
        table = Table.from_records(cases, records, reps)
        if exp.figures is not None:
            out = Path(self.out_dir) / suite.name
            out.mkdir(parents=True, exist_ok=True)
            exp.figures(frame_of(suite, exp, records), out)
        return table, sum(self.driver.seconds[c.key] for c in chunks)

    def assess(self, suite: Suite, claims: Sequence[Claim]) -> tuple[list[Assessment], dict[str, float]]:
        """Measure what ``claims`` read and evaluate each claim's parts (before the family's correction)."""
        assessments, extra = [], {}
        for claim in claims:
            exp = suite.experiment_of(claim.id)
            table, seconds = self.table(suite, exp, claims)
            rng = np.random.default_rng(seed_for(suite.name, claim.id, "bootstrap"))
            ranges = {m: spec.range for m, spec in exp.metrics.items()}
            assessments.append(assess(claim, table, rng, ranges))
            extra[claim.id] = seconds
        return assessments, extra

    def evaluate(self, suite: Suite, claims: Sequence[Claim], store: bool = True) -> list[Verdict]:
        """Decide ``claims`` of ``suite`` as one Holm family (the suite's claims); store (unless ``store`` is
        false) and return the verdicts."""
        assessments, extra = self.assess(suite, claims)
        return self._decide(suite, assessments, extra, family=suite.name, size=family_size([suite]), store=store)

    def evaluate_all(self, chosen: Sequence[tuple[Suite, Sequence[Claim]]],
                     stored: frozenset[str] = frozenset()) -> list[Verdict]:
        """Decide the claims of several suites as one benchmark-wide Holm family (``--family all``): the family
        is every claim of every installed suite, so selecting suites never weakens the correction."""
        done = [(suite, *self.assess(suite, claims)) for suite, claims in chosen]
        size = family_size(select([]))
        out = []
        for k, (suite, assessments, extra) in enumerate(done):
            others = [(a.p_value, a.p_refute) for j, (_, other, _) in enumerate(done) if j != k for a in other
                      if a.exact_status is None]
            out += self._decide(suite, assessments, extra, family="all", size=size, outside=others,
                                store=suite.name not in stored)
        return out

    def _decide(self, suite: Suite, assessments: list[Assessment], extra: dict[str, float], *, family: str,
                size: int, outside: list[tuple[float, float]] | None = None, store: bool = True) -> list[Verdict]:
        hashes = {c.id: definition_hash(suite, e, c) for e in suite.experiments for c in e.claims}
        out = verdicts(assessments, suite=suite.name, budget=self.budget, family_size=size, extra_seconds=extra,
                       family=family, definitions=hashes, seed_stream=self.seed_stream, outside=outside)
        if self.db is not None and store:
            self.db.write_verdicts(self.run_id, suite.name, suite.version, out)
        self.verdicts.extend(out)
        return out


def family_size(suites: Sequence[Suite]) -> int:
    """The number of claims a Holm family corrects over: every non-exact claim of the suites."""
    return sum(1 for s in suites for c in s.claims if not c.exact)


def frame_of(suite: Suite, exp: Experiment, records: Iterable[Record]):
    """Long-format pandas frame of records: case, params as columns, replicate, metric, value."""
    import pandas as pd

    rows = [{"suite": suite.name, "experiment": exp.name, "case": r.case.name, **r.case.params,
             "replicate": r.replicate, "metric": m, "value": v} for r in records for m, v in r.values.items()]
    return pd.DataFrame(rows)


def run_suites(names: Sequence[str] | None = None, *, claims: Sequence[str] | None = None, budget: str = "smoke",
               device: str = "auto", db: str | None = None, replicates: int | None = None,
               reporter: Reporter | None = None, write: bool = True, out_dir: Path | None = None,
               executor: ExecutorConfig | None = None, seed_stream: str = DEFAULT_STREAM,
               family: str = "suite") -> list[Verdict]:
    """Run suites (all when ``names`` is empty) and return their verdicts; the run is stored in ``db``.
    Raises RunIncomplete when some chunk kept failing (every other chunk is stored)."""
    try:
        suites = select(list(names or []))
    except UnknownSuite as exc:
        raise BadInput(str(exc)) from None
    chosen = select_claims(suites, claims)
    session = Session(budget=check_budget(budget), device=device, db_path=db, replicates=replicates,
                      reporter=reporter or Reporter(), write=write, out_dir=out_dir,
                      executor=executor or ExecutorConfig(), seed_stream=seed_stream, family=family)
    suites = [s for s in suites if s.name in chosen]
    session.start(suites, chosen)
    return complete(session, suites, chosen)


def complete(session: Session, suites: Sequence[Suite], chosen: dict[str, list[Claim]],
             stored: frozenset[str] = frozenset()) -> list[Verdict]:
    """Compute every chunk of the plan, decide each suite whose chunks all arrived (suites in ``stored``
    already have their verdicts in the run), and finish the run: complete, or incomplete and raise."""
    driver = session.driver
    try:
        driver.ensure(driver.plan)
        ok = [s for s in suites if driver.failure_of(c for c in driver.plan if c.suite == s.name) is None]
        if session.family == "all":
            session.evaluate_all([(s, chosen[s.name]) for s in ok], stored=stored)
        for suite in ok if session.family != "all" else ():
            session.evaluate(suite, chosen[suite.name], store=suite.name not in stored)
    except BaseException as exc:  # the CLI says what was kept, and only when a run was stored
        session.finish("incomplete")
        if session.run_id is not None and session.db is not None and hasattr(exc, "add_note"):
            exc.add_note(f"run {session.run_id} in {session.db.path} is kept, marked incomplete")
        raise
    if driver.failures:
        session.finish("incomplete")
        key, exc = next(iter(driver.failures.items()))
        where = f"run {session.run_id} in {session.db.path} is kept, marked incomplete" if session.db is not None \
            else f"run {session.run_id} is incomplete"
        raise RunIncomplete(f"{where}: {len(driver.failures)} of {len(driver.plan)} "
                            f"chunks failed (first {key}: {type(exc).__name__}: {exc}); the other chunks are "
                            f"stored; fix the cause and run `redshift run --resume {session.run_id}`")
    session.finish("complete")
    return session.verdicts
