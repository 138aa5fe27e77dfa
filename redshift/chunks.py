"""The chunk plan of a run: which cases of which experiment are computed together.

A chunk is (suite, experiment, budget, a set of cases, all their replicates): the unit of work a
worker computes and the driver stores in one transaction. The plan depends only on the run's inputs
(suites, claims, budget, replicates), never on the number of workers, so a chunk's records are the
same wherever it runs. An experiment's ``split_by`` says how its cases may be split:

- ``None`` (the default): the experiment is one chunk (its cases may share work, e.g. batched cells);
- a tuple of parameter names: cases with equal values of those parameters stay in one chunk
  (e.g. ``("arch",)`` keeps the nested training-set sizes of an architecture together);
- ``"case"``: every case is its own chunk.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any, Mapping, Sequence

from redshift.suite import Case, Experiment, Suite


@dataclass(frozen=True)
class Chunk:
    """One unit of work: some cases of one experiment at one budget, with all their replicates."""

    suite: str
    experiment: str
    budget: str
    index: int
    cases: tuple[str, ...]
    replicates: int

    @property
    def digest(self) -> str:
        """12 hex digits of SHA-256 over what the chunk computes (not its index)."""
        text = json.dumps([self.suite, self.experiment, self.budget, list(self.cases), self.replicates])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    @property
    def key(self) -> str:
        """Unique within a run: ``suite/experiment/index:digest``."""
        return f"{self.suite}/{self.experiment}/{self.index}:{self.digest}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"cases": list(self.cases)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Chunk":
        return cls(data["suite"], data["experiment"], data["budget"], int(data["index"]), tuple(data["cases"]),
                   int(data["replicates"]))


def groups(exp: Experiment, cases: Sequence[Case]) -> list[list[Case]]:
    """The cases split as ``exp.split_by`` allows, in grid order of each group's first case."""
    if not cases:
        return []
    split = exp.split_by
    if split is None:
        return [list(cases)]
    if split == "case":
        return [[c] for c in cases]
    if isinstance(split, str) or not all(isinstance(k, str) for k in split):
        raise ValueError(f"experiment {exp.name}: split_by must be None, 'case' or a tuple of parameter names")
    found: dict[tuple, list[Case]] = {}
    for case in cases:
        found.setdefault(tuple(repr(case.get(k)) for k in split), []).append(case)
    return list(found.values())


def experiment_cases(exp: Experiment, claims: Sequence[Any], budget: str) -> list[Case]:
    """The cases of ``exp`` that the selected ``claims`` read (all claims of other experiments ignored)."""
    ids = {c.id for c in exp.claims}
    mine = [c for c in claims if c.id in ids]
    return [case for case in exp.cases_for(budget) if any(c.reads(case) for c in mine)]


def plan(suites: Sequence[Suite], chosen: Mapping[str, Sequence[Any]], budget: str,
         replicates: int | None = None) -> tuple[Chunk, ...]:
    """Every chunk the selected claims need, in suite, experiment and grid order."""
    out: list[Chunk] = []
    for suite in suites:
        claims = chosen.get(suite.name, ())
        for exp in suite.experiments:
            cases = experiment_cases(exp, claims, budget)
            reps = replicates or exp.replicates_for(budget)
            for i, group in enumerate(groups(exp, cases)):
                out.append(Chunk(suite.name, exp.name, budget, i, tuple(c.name for c in group), reps))
    return tuple(out)
