"""Claim definitions, hashed and locked.

A claim's definition is everything that decides its verdict before any data exist: its parts
(quantities, units, regions, gates) or legacy statistic and rule, the cases it reads and the
replicate count at every budget, ``decisive_at``, ``min_replicates``, exactness, its prediction, and
the suite version. ``definition_hash`` is a SHA-256 of a canonical JSON of it (sorted keys, floats by
repr, callables by qualified name and source), so it is the same in every process and under any
Python hash seed. Verdicts store it; ``compare`` reports "definition changed" rather than a verdict
flip when two runs' hashes differ.

The lock file (``suites/claims.lock.json``) holds every claim's current hash and the number of
changelog lines its suite had when it was locked. ``redshift lock --update`` refuses to record a
changed hash unless the suite's ``changelog`` gained a line naming the claim, so every change to a
definition is a visible, reviewed act; a test fails while the lock and the code disagree.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Sequence

from redshift.quantities import fingerprint
from redshift.suite import BUDGETS, Experiment, Suite

LOCK_FILE = Path(__file__).resolve().parent.parent / "suites" / "claims.lock.json"


def definition(suite: Suite, exp: Experiment, claim: Any) -> dict[str, Any]:
    """The canonical declaration of ``claim`` (of experiment ``exp`` in ``suite``)."""
    reads = {b: [c.name for c in exp.cases[b] if claim.reads(c)] for b in BUDGETS if b in exp.cases}
    reps = {b: int(exp.replicates[b]) for b in BUDGETS if b in exp.replicates}
    decl = {k: getattr(claim, k) for k in ("id", "predicted", "decisive_at", "min_replicates", "exact")}
    body = {"parts": fingerprint(claim.parts)} if claim.parts else {
        "statistic": fingerprint(claim.statistic), "rule": str(claim.rule), "n_resamples": claim.n_resamples}
    ranges = {m: fingerprint(exp.metrics[m].range) for m in claim.metrics if m in exp.metrics}
    return decl | body | {"cases": reads, "replicates": reps, "ranges": ranges, "suite": suite.name,
                          "suite_version": suite.version}


def definition_hash(suite: Suite, exp: Experiment, claim: Any) -> str:
    """12 hex digits of the SHA-256 of the canonical definition."""
    text = json.dumps(definition(suite, exp, claim), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def suite_hashes(suite: Suite) -> dict[str, str]:
    """claim id -> definition hash for every claim of ``suite``."""
    return {c.id: definition_hash(suite, e, c) for e in suite.experiments for c in e.claims}


def read_lock(path: Path = LOCK_FILE) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


def lock_differences(suites: Sequence[Suite], lock: dict[str, Any]) -> list[str]:
    """One line per claim whose hash differs from the lock (or is missing from it)."""
    out = []
    for s in suites:
        locked = lock.get(s.name, {}).get("claims", {})
        for cid, h in suite_hashes(s).items():
            if locked.get(cid) != h:
                out.append(f"{s.name} {cid}: definition {h} is not the locked {locked.get(cid, '(none)')}")
        for cid in sorted(set(locked) - {c.id for c in s.claims}):
            out.append(f"{s.name} {cid}: locked but no longer declared")
    return out


def updated_lock(suites: Sequence[Suite], lock: dict[str, Any]) -> dict[str, Any]:
    """The lock with every suite's current hashes; ValueError naming a changed claim whose suite changelog
    has no new line mentioning it since the last lock."""
    new = dict(lock)
    for s in suites:
        old = lock.get(s.name, {"claims": {}, "changelog_lines": 0})
        fresh = s.changelog[old.get("changelog_lines", 0):]
        for cid, h in suite_hashes(s).items():
            if cid in old["claims"] and old["claims"][cid] != h and not any(_names(line, cid) for line in fresh):
                raise ValueError(f"{s.name} {cid}: its definition changed; add a line to the suite's changelog "
                                 f"naming {cid} and the reason, then lock again")
        new[s.name] = {"claims": suite_hashes(s), "changelog_lines": len(s.changelog), "version": s.version}
    return new


def _names(line: str, cid: str) -> bool:
    import re

    return re.search(rf"(?<![\w-]){re.escape(cid)}(?![\w])", line) is not None


def write_lock(lock: dict[str, Any], path: Path = LOCK_FILE) -> None:
    path.write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
