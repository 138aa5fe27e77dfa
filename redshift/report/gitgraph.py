"""The git graph, read with plain ``git`` commands: ref resolution, topological order, commit times.

Commits are ordered by the graph (``git rev-list --topo-order``: every commit after all of its
ancestors), never by timestamps, which rebases, cherry-picks and wrong clocks make unreliable.
Outside a git checkout every function degrades gracefully (no order, no resolution).
"""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Sequence


def _git(args: Sequence[str], cwd: Path | None, stdin: str | None = None) -> str | None:
    """stdout of ``git args`` in ``cwd``, or None when git fails or is missing."""
    try:
        res = subprocess.run(["git", *args], cwd=cwd or Path.cwd(), input=stdin, capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout if res.returncode == 0 else None


def rev_parse(ref: str, cwd: Path | None = None) -> str | None:
    """The full sha of ``ref`` (a branch, tag, HEAD~1, or a sha prefix), None if git cannot resolve it."""
    text = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd)
    return text.strip() if text else None


def known_commits(shas: Sequence[str], cwd: Path | None = None) -> list[str]:
    """Those of ``shas`` that are commit objects of the repository at ``cwd`` (one ``git cat-file`` call)."""
    if not shas:
        return []
    text = _git(["cat-file", "--batch-check"], cwd, stdin="\n".join(shas) + "\n")
    if text is None:
        return []
    return [line.split()[0] for line in text.splitlines() if line.split()[1:2] == ["commit"]]


def topo_order(shas: Sequence[str], cwd: Path | None = None) -> dict[str, int]:
    """Position of each known commit of ``shas`` in ancestors-first topological order.

    One ``git rev-list --topo-order --reverse`` over the commits given (so commits of several
    branches are ordered together); commits git does not know are absent from the result.
    """
    wanted = set(known_commits(list(dict.fromkeys(shas)), cwd))
    if not wanted:
        return {}
    text = _git(["rev-list", "--topo-order", "--reverse", *sorted(wanted)], cwd) or ""
    order = [sha for sha in text.split() if sha in wanted]
    return {sha: i for i, sha in enumerate(order)}


def first_parent_ancestors(ref: str, cwd: Path | None = None, limit: int = 200) -> list[str]:
    """``ref``'s commit and its first-parent ancestors, newest first (at most ``limit``)."""
    text = _git(["rev-list", "--first-parent", f"--max-count={limit}", ref], cwd)
    return text.split() if text else []


def commit_time(sha: str, cwd: Path | None = None) -> int | None:
    """The committer timestamp (seconds since the epoch) of ``sha``, None if unknown."""
    text = _git(["show", "-s", "--format=%ct", sha], cwd)
    return int(text.strip()) if text and text.strip().isdigit() else None
