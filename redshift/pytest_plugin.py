"""pytest plugin: ``pytest suites/`` collects every suite's claims as test items named by claim id.

An item passes when its verdict matches the paper's prediction, fails when it contradicts it
(the failure message is the verdict line), and is reported as xfail with the numbers when it is
inconclusive; an inconclusive claim at or above the budget where it declares itself decisive
(``decisive_at``) is xfailed as UNDECIDED, and fails under ``--redshift-strict``. The claims of a suite selected in one session (after ``-k``/markers) are decided
together as one Holm family; each experiment is computed once per session. Under pytest-xdist (``-n 2``,
``--dist load`` or ``loadgroup``) all claims of a suite go to one worker (``redshift.xdist_schedule``), so each
suite is computed exactly once, longest suite first (from the seconds the last session recorded in pytest's
cache); each worker uses its share of the cores for torch; each worker writes its own run, and the controller
prints the verdict summary once, from the items' reports.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from redshift.suite import BUDGETS

_SESSION = pytest.StashKey[Any]()
_FAMILIES = pytest.StashKey[dict]()
_VERDICTS = pytest.StashKey[dict]()
_FAILED = pytest.StashKey[dict]()
_SUITES = pytest.StashKey[list]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("redshift", "redshift claims")
    group.addoption("--redshift-budget", default="smoke", choices=BUDGETS, help="budget of the suites (smoke)")
    group.addoption("--redshift-device", default="auto", choices=["auto", "cpu", "cuda"], help="device (auto)")
    group.addoption("--redshift-db", default=None, help="results database (default $REDSHIFT_DB or results/redshift.sqlite)")
    group.addoption("--redshift-replicates", type=int, default=None, help="override every experiment's replicates")
    group.addoption("--redshift-seed-stream", default="default", help="derive every seed from this stream (default)")
    group.addoption("--redshift-strict", action="store_true",
                    help="fail claims undecided at or above their decisive budget (default: xfail, reported)")
    group.addoption("--redshift-family", default="suite", choices=["suite", "all"],
                    help="Holm family: each suite's claims (default) or every claim of every suite")
    group.addoption("--redshift-workers", type=int, default=None, help="chunks on a local Dask cluster of N workers")
    group.addoption("--redshift-threads-per-worker", type=int, default=1, help="threads per local Dask worker (1)")
    group.addoption("--redshift-scheduler", default=None, help="address of a running Dask scheduler")
    group.addoption("--redshift-scheduler-file", default=None, help="a Dask scheduler file")


def pytest_configure(config: pytest.Config) -> None:
    _check_options(config)
    _worker_threads(config)
    config.addinivalue_line("markers", "redshift_claim: a claim of a redshift suite")
    for budget in BUDGETS:
        config.addinivalue_line("markers", f"decisive_{budget}: a claim expected to be decisive at {budget}")
    config.stash[_VERDICTS] = {}
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(VerdictLines(), "redshift-verdict-lines")


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``--dist load`` (the default of ``-n``) or ``loadgroup``: one worker per suite."""
    if config.getvalue("dist") not in ("load", "loadgroup"):
        return None
    from redshift.xdist_schedule import SuiteScheduling

    return SuiteScheduling(config, log)


def _check_options(config: pytest.Config) -> None:
    """Bad options stop the session with one message before any item runs or anything is written."""
    from redshift.results.db import DatabaseError, _inspect, resolve_path
    from redshift.runner import BadInput, resolve_device

    from redshift.seeding import check_stream

    replicates = config.getoption("redshift_replicates")
    if replicates is not None and replicates < 1:
        raise pytest.UsageError("--redshift-replicates must be a positive integer")
    try:
        check_stream(config.getoption("redshift_seed_stream"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    try:
        _executor(config)
        resolve_device(config.getoption("redshift_device"))
        _inspect(resolve_path(config.getoption("redshift_db")), check=True)
    except (BadInput, DatabaseError, ValueError) as exc:
        raise pytest.UsageError(str(exc)) from None


def _executor(config: pytest.Config) -> Any:
    from redshift.executor import ExecutorConfig

    return ExecutorConfig(config.getoption("redshift_workers"), config.getoption("redshift_threads_per_worker"),
                          config.getoption("redshift_scheduler"), config.getoption("redshift_scheduler_file"))


def _is_suite_file(path: Path) -> bool:
    if path.name != "__init__.py":
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return False
    return "SUITE = Suite(" in text


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if _is_suite_file(file_path):
        return SuiteFile.from_parent(parent, path=file_path)
    return None


class SuiteFile(pytest.File):
    """A suite package's ``__init__.py``: one item per claim."""

    def collect(self):
        from redshift.registry import load_file

        suite = load_file(self.path)
        if suite is None:
            return
        for claim in suite.claims:
            item = ClaimItem.from_parent(self, name=claim.id, suite=suite, claim=claim)
            item.add_marker(pytest.mark.redshift_claim)
            item.add_marker(pytest.mark.xdist_group(suite.name))
            item.add_marker(getattr(pytest.mark, f"decisive_{claim.decisive_at}"))
            yield item


class ClaimContradicted(Exception):
    """The verdict contradicts the paper's prediction."""


class ClaimUndecided(Exception):
    """Inconclusive at or above the claim's decisive budget."""


class ClaimItem(pytest.Item):
    def __init__(self, *, suite: Any, claim: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite, self.claim = suite, claim
        self.keywords[suite.name] = True

    def runtest(self) -> None:
        verdict = _verdict(self.config, self.suite, self.claim)
        self.user_properties.append(("redshift_verdict", _line(verdict)))
        if verdict.status == verdict.predicted:
            return
        if verdict.undecided and self.config.getoption("redshift_strict"):
            raise ClaimUndecided(verdict.line())
        if verdict.undecided:
            pytest.xfail(f"UNDECIDED at {verdict.budget} (declared decisive at {verdict.decisive_at}): {verdict.line()}")
        if verdict.status == "inconclusive":
            pytest.xfail(f"inconclusive: {_line(verdict)}")
        raise ClaimContradicted(verdict.line())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ClaimContradicted):
            return f"{self.claim.id} contradicts the paper: {_dashes(str(excinfo.value))}"
        if isinstance(excinfo.value, ClaimUndecided):
            return (f"{self.claim.id} is undecided at a budget where it is declared decisive "
                    f"(decisive_at={self.claim.decisive_at}): {_dashes(str(excinfo.value))}")
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.suite.name}::{self.claim.id}: {self.claim.statement}"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    families: dict[str, list] = {}
    suites: dict[str, Any] = {}
    for item in items:
        if isinstance(item, ClaimItem):
            families.setdefault(item.suite.name, []).append(item.claim)
            suites[item.suite.name] = item.suite
    config.stash[_FAMILIES] = families
    config.stash[_SUITES] = list(suites.values())


def _session(config: pytest.Config) -> Any:
    from redshift.runner import Session

    if _SESSION not in config.stash:
        suites = {item_suite.name: item_suite for item_suite in config.stash.get(_SUITES, [])}
        session = Session(budget=config.getoption("redshift_budget"), device=config.getoption("redshift_device"),
                          db_path=config.getoption("redshift_db"), replicates=config.getoption("redshift_replicates"),
                          argv=["pytest", *config.invocation_params.args], executor=_executor(config),
                          seed_stream=config.getoption("redshift_seed_stream"),
                          family=config.getoption("redshift_family"))
        session.start(list(suites.values()), config.stash.get(_FAMILIES, None))
        config.stash[_SESSION] = session
    return config.stash[_SESSION]


def _record_seconds(config: pytest.Config, suite: str, seconds: float) -> None:
    """Remember how long the suite took at this budget (pytest's cache), so that the next xdist session schedules
    the longest suites first (redshift.xdist_schedule)."""
    from redshift.xdist_schedule import CACHE_KEY

    cache = getattr(config, "cache", None)
    if cache is not None:
        cache.set(CACHE_KEY.format(budget=config.getoption("redshift_budget"), suite=suite), round(seconds, 3))


def _worker_threads(config: pytest.Config) -> None:
    """An xdist worker uses its share of the cores for torch (cores // workers, at least 1) unless the user set
    OMP_NUM_THREADS: -n 2 on 2 cores runs two single-threaded workers rather than four threads on two cores."""
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    if not hasattr(config, "workerinput") or count < 2 or "OMP_NUM_THREADS" in os.environ:
        return
    share = max(1, (os.cpu_count() or 1) // count)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(share)
    else:
        os.environ["OMP_NUM_THREADS"] = str(share)  # read by torch when it is imported


def _verdict(config: pytest.Config, suite: Any, claim: Any) -> Any:
    """The claim's verdict; its suite's family is decided once (a failure is remembered, not retried)."""
    cache = config.stash[_VERDICTS]
    failed = config.stash.setdefault(_FAILED, {})
    if suite.name in failed:
        raise failed[suite.name]
    if claim.id not in cache:
        families = config.stash.get(_FAMILIES, {})
        family = families.get(suite.name) or [claim]
        try:
            if config.getoption("redshift_family") == "all":
                suites = {s.name: s for s in config.stash.get(_SUITES, [])} | {suite.name: suite}
                decided = _session(config).evaluate_all([(s, families.get(n) or [claim]) for n, s in suites.items()])
            else:
                start = time.perf_counter()
                decided = _session(config).evaluate(suite, family)
                _record_seconds(config, suite.name, time.perf_counter() - start)
            for verdict in decided:
                cache[verdict.claim] = verdict
        except Exception as exc:
            failed[suite.name] = exc
            raise
    return cache[claim.id]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The run is complete when pytest ended normally, was not stopped early (-x, --maxfail, Ctrl-C) and
    no suite failed to evaluate; each suite a process touched is decided whole, so under xdist a worker's
    run holds complete families of the suites its items belonged to."""
    config = session.config
    run = config.stash.get(_SESSION, None)
    if run is None:
        return
    stopped = bool(session.shouldfail or session.shouldstop)
    normal = int(exitstatus) in (0, 1) and not stopped and not config.stash.get(_FAILED, {})
    run.finish("complete" if normal else "incomplete")


def _dashes(text: str) -> str:
    """A missing number reads '-' here as in the CLI, not 'nan'."""
    import re

    return re.sub(r"\bnan\b", "-", text)


def _line(verdict: Any) -> str:
    return _dashes(verdict.line())


class VerdictLines:
    """Verdict lines taken from the items' reports: under xdist they reach the controller from the
    workers, so the summary is printed once, by the process that prints the terminal report."""

    def __init__(self) -> None:
        self.lines: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        found = [v for k, v in getattr(report, "user_properties", []) if k == "redshift_verdict"]
        if found and report.when == "call":
            self.lines[report.nodeid] = found[0]

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.lines:
            return
        from redshift.views import natural_key

        terminalreporter.section("redshift verdicts")
        for nodeid in sorted(self.lines, key=natural_key):
            terminalreporter.write_line(self.lines[nodeid])


@pytest.fixture
def redshift_benchmark(request: pytest.FixtureRequest) -> Any:
    """pytest-benchmark's ``benchmark`` with a timer that synchronizes CUDA before reading the clock."""
    from redshift.runner import resolve_device
    from redshift.timing import synchronized_timer

    device = resolve_device(request.config.getoption("redshift_device"))
    request.node.add_marker(pytest.mark.benchmark(timer=synchronized_timer(device)))
    return request.getfixturevalue("benchmark")
