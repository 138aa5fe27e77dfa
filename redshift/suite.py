"""Suites, experiments, cases, metrics and records: the data a suite declares.

A suite (one paper) holds experiments; an experiment owns a case grid per budget, a config per
budget, the metrics its records carry, the function that measures its cases, and the claims that
read them. See docs/suite_api.md for a worked example.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal, Mapping, Sequence

if TYPE_CHECKING:  # torch and numpy load on first use, so that `redshift list --help` starts fast
    import numpy as np
    import torch

Budget = Literal["smoke", "standard", "paper"]
BUDGETS: tuple[Budget, ...] = ("smoke", "standard", "paper")
Direction = Literal["higher", "lower", "none"]
Scalar = str | int | float | bool


def budget_rank(budget: str) -> int:
    """0 for smoke, 1 for standard, 2 for paper."""
    if budget not in BUDGETS:
        raise ValueError(f"unknown budget {budget!r}: choose one of {', '.join(BUDGETS)}")
    return BUDGETS.index(budget)


def _fmt(value: Scalar) -> str:
    return repr(value) if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Case:
    """One parameter combination of an experiment; ``name`` is ``experiment[k=v,...]``, keys sorted."""

    experiment: str
    params: Mapping[str, Scalar] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", dict(self.params))

    @property
    def name(self) -> str:
        inner = ",".join(f"{k}={_fmt(self.params[k])}" for k in sorted(self.params))
        return f"{self.experiment}[{inner}]"

    def __getitem__(self, key: str) -> Scalar:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    def __hash__(self) -> int:
        return hash(self.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Case) and other.name == self.name

    def matches(self, where: Mapping[str, Any] | None) -> bool:
        """True when every key of ``where`` matches: equality, membership (tuple/list) or a predicate."""
        for key, want in (where or {}).items():
            if key not in self.params:
                return False
            have = self.params[key]
            if callable(want):
                if not want(have):
                    return False
            elif isinstance(want, (tuple, list, set, frozenset)):
                if have not in want:
                    return False
            elif have != want:
                return False
        return True


def grid(experiment: str, **axes: Sequence[Scalar] | Scalar) -> tuple[Case, ...]:
    """The cartesian product of the axes, in the order given (a scalar is a one-value axis)."""
    names = list(axes)
    values = [list(v) if isinstance(v, (list, tuple, range)) else [v] for v in axes.values()]
    return tuple(Case(experiment, dict(zip(names, combo))) for combo in itertools.product(*values))


Kind = Literal["science", "timing"]
KINDS: tuple[Kind, ...] = ("science", "timing")


@dataclass(frozen=True)
class Metric:
    """What one measured number means: unit, which way is better, the 'unchanged' margin, the range
    its values can take, and its kind.

    ``range=(lo, hi)`` (``redshift.UNBOUNDED`` when there is none): a claim's part reads it to choose its
    inference (betting for a finite range); None means undeclared, and a part that reads an undeclared
    metric stays undecided until the range is declared.

    ``kind="timing"`` marks wall-clock quantities (seconds, throughput per second): they depend on the
    machine and its load, not on the science, so ``redshift compare`` tests them as timings (log scale,
    relative noise margin) and its science gates (regression, any-change) never trip on them.
    """

    unit: str = ""
    direction: Direction = "none"
    margin: float = 0.0
    doc: str = ""
    range: tuple[float, float] | None = None
    kind: Kind = "science"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"metric kind {self.kind!r}: choose one of {', '.join(KINDS)}")


@dataclass(frozen=True)
class Record:
    """The metric values one replicate of one case produced."""

    case: Case
    replicate: int
    values: Mapping[str, float]


MeasureFn = Callable[[Sequence[Case], "Context"], Iterable[Record]]
FiguresFn = Callable[[Any, Path], list]


@dataclass(frozen=True)
class Experiment:
    """A part of a suite's protocol: its case grids, configs, metrics, measure function and claims."""

    name: str
    cases: Mapping[str, Sequence[Case]]
    measure: MeasureFn
    metrics: Mapping[str, Metric]
    claims: tuple = ()
    config: Mapping[str, Any] = field(default_factory=dict)
    replicates: Mapping[str, int] = field(default_factory=lambda: {"smoke": 5, "standard": 20, "paper": 50})
    figures: FiguresFn | None = None
    doc: str = ""
    split_by: tuple[str, ...] | Literal["case"] | None = None  # how a run may chunk the cases (redshift.chunks)

    def cases_for(self, budget: str) -> tuple[Case, ...]:
        budget_rank(budget)
        if budget not in self.cases:
            raise ValueError(f"experiment {self.name!r} declares no cases for budget {budget!r}")
        return tuple(self.cases[budget])

    def config_for(self, budget: str) -> Any:
        return self.config.get(budget)

    def replicates_for(self, budget: str) -> int:
        return int(self.replicates[budget])


@dataclass(frozen=True)
class Suite:
    """One paper's protocol: its experiments (cases and claims), version and citation."""

    name: str
    version: str
    title: str
    experiments: tuple[Experiment, ...]
    citation: str = ""
    spec: str = ""
    changelog: tuple[str, ...] = ()  # one line per change of a claim's definition: "CLAIM-ID: what and why"

    def __post_init__(self) -> None:
        ids = [c.id for c in self.claims]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"suite {self.name}: claim id {dupes[0]} is declared twice")
        for exp in self.experiments:
            for claim in exp.claims:
                missing = [m for m in claim.metrics if m not in exp.metrics]
                if missing:
                    raise ValueError(f"suite {self.name}: claim {claim.id} reads undeclared metric {missing[0]!r}")

    @property
    def claims(self) -> tuple:
        return tuple(c for e in self.experiments for c in e.claims)

    def experiment_of(self, claim_id: str) -> Experiment:
        for exp in self.experiments:
            if any(c.id == claim_id for c in exp.claims):
                return exp
        raise KeyError(claim_id)


class Context:
    """What a measure function may use: budget, device, replicates, config, seeds, progress, timer."""

    def __init__(self, suite: str, experiment: Experiment, budget: str, device: torch.device,
                 replicates: int, out_dir: Path, hooks: "ContextHooks | None" = None) -> None:
        self.suite, self.experiment, self.budget = suite, experiment, budget
        self.device, self.replicates, self.out_dir = device, replicates, out_dir
        self.config = experiment.config_for(budget)
        self._hooks = hooks or ContextHooks()

    def seed(self, case: Case, replicate: int) -> int:
        """The seed of (suite, case, replicate), by hashing."""
        from redshift.seeding import seed_for

        return seed_for(self.suite, case.name, replicate)

    def generator(self, case: Case, replicate: int) -> torch.Generator:
        from redshift.seeding import torch_generator

        return torch_generator(self.seed(case, replicate), self.device)

    def rng(self, case: Case, replicate: int) -> np.random.Generator:
        import numpy as np

        return np.random.default_rng(self.seed(case, replicate))

    def set_total(self, total: int) -> None:
        self._hooks.set_total(total)

    def progress(self, n: int = 1) -> None:
        self._hooks.advance(n)

    def log(self, message: str) -> None:
        self._hooks.log(message)

    def time(self, name: str, fn: Callable[..., Any], *args: Any, repeat: int = 5, warmup: int = 1, **kwargs: Any) -> Any:
        from redshift.timing import time_call

        result, sample = time_call(fn, *args, name=name, device=self.device, repeat=repeat, warmup=warmup, **kwargs)
        self._hooks.timing(self.experiment.name, sample)
        return result


class ContextHooks:
    """Where a context's progress, log lines and timings go (the runner replaces these)."""

    def set_total(self, total: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def log(self, message: str) -> None:
        pass

    def timing(self, experiment: str, sample: Any) -> None:
        pass


class Reporter(ContextHooks):
    """Progress and log output of a session (the CLI shows a progress bar; the default is silent)."""

    def start(self, suite: str, experiment: str, n_cases: int, replicates: int) -> None:
        pass

    def finish(self, suite: str, experiment: str, seconds: float) -> None:
        pass

    def planned(self, tracker: Any) -> None:
        """The run's chunk plan is known (``tracker``: redshift.progress.Tracker)."""

    def chunk_done(self, tracker: Any, chunk: Any) -> None:
        """A chunk arrived (and was stored)."""

    def chunk_failed(self, tracker: Any, chunk: Any, error: BaseException) -> None:
        """A chunk failed for good (the run will end incomplete)."""
