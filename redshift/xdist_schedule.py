"""pytest-xdist scheduling that keeps each suite on one worker (imported only when xdist is active).

Every claim item of a suite lives in the suite's ``__init__.py``; its scope is that file, so all
of a suite's claims go to one worker, which computes the suite's experiments once and decides its
Holm family whole. Any other test is its own scope and is load-balanced as under ``--dist load``.
(xdist's own ``loadgroup`` marks groups by rewriting node ids, which pytest >= 9 no longer allows.)

Order: the suites go first, longest first (longest-processing-time scheduling), by the compute
seconds the last session recorded for each suite at this budget in pytest's cache
(``redshift/seconds/<budget>/<suite>``; a suite never timed counts as longest, and ties keep the
collection order), then every other test. A worker takes a new scope only when it is almost out of
items, and a suite's items stay pending while its first item computes the suite, so each worker
starts on one of the longest suites and the rest fill in behind. Other tests come last because they
are many and short: they even out the ends.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

from xdist.scheduler import LoadScopeScheduling

CACHE_KEY = "redshift/seconds/{budget}/{suite}"


def suite_scope(nodeid: str) -> str:
    """The suite file of a claim item (``suites/x/__init__.py::X-1`` -> ``suites/x/__init__.py``), else the id."""
    path = nodeid.split("::", 1)[0]
    return path if path.rsplit("/", 1)[-1] == "__init__.py" and "::" in nodeid else nodeid


def is_suite_scope(scope: str) -> bool:
    return scope.rsplit("/", 1)[-1] == "__init__.py"


def suite_name(scope: str) -> str:
    """``suites/neural_redshift/__init__.py`` -> ``neural_redshift`` (the folder of the suite's file)."""
    parts = scope.split("/")
    return parts[-2] if len(parts) > 1 else scope


def longest_first(scopes: list[str], seconds: dict[str, float | None]) -> list[str]:
    """Suite scopes by recorded seconds, longest first (unknown: first), then the other scopes in their order."""
    suites = [s for s in scopes if is_suite_scope(s)]
    known = lambda s: seconds.get(suite_name(s))  # noqa: E731
    ordered = sorted(suites, key=lambda s: (known(s) is not None, -(known(s) or 0.0)))
    return ordered + [s for s in scopes if not is_suite_scope(s)]


class SuiteScheduling(LoadScopeScheduling):
    """LoadScope scheduling whose scope is the suite for claim items and the test itself otherwise; suites first,
    longest first (see the module docstring)."""

    _ordered = False

    def _split_scope(self, nodeid: str) -> str:
        return suite_scope(nodeid)

    def _seconds(self) -> dict[str, float | None]:
        cache = getattr(self.config, "cache", None)
        budget = self.config.getoption("redshift_budget", "smoke")
        out: dict[str, float | None] = {}
        for scope in self.workqueue:
            if is_suite_scope(scope):
                name = suite_name(scope)
                value = cache.get(CACHE_KEY.format(budget=budget, suite=name), None) if cache is not None else None
                out[name] = float(value) if isinstance(value, (int, float)) else None
        return out

    def _assign_work_unit(self, node: Any) -> None:
        if not self._ordered:  # the first assignment: the work queue is complete, reorder it once
            self._ordered = True
            order = longest_first(list(self.workqueue), self._seconds())
            self.workqueue = OrderedDict((scope, self.workqueue[scope]) for scope in order)
        super()._assign_work_unit(node)
