"""pytest-xdist scheduling that keeps each suite on one worker (imported only when xdist is active).

Every claim item of a suite lives in the suite's ``__init__.py``; its scope is that file, so all
of a suite's claims go to one worker, which computes the suite's experiments once and decides its
Holm family whole. Any other test is its own scope and is load-balanced as under ``--dist load``.
(xdist's own ``loadgroup`` marks groups by rewriting node ids, which pytest >= 9 no longer allows.)
"""
from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling


def suite_scope(nodeid: str) -> str:
    """The suite file of a claim item (``suites/x/__init__.py::X-1`` -> ``suites/x/__init__.py``), else the id."""
    path = nodeid.split("::", 1)[0]
    return path if path.rsplit("/", 1)[-1] == "__init__.py" and "::" in nodeid else nodeid


class SuiteScheduling(LoadScopeScheduling):
    """LoadScope scheduling whose scope is the suite for claim items and the test itself otherwise."""

    def _split_scope(self, nodeid: str) -> str:
        return suite_scope(nodeid)
