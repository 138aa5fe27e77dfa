"""Synthetic runs written straight into a temporary database (fast; no suite is run), and git helpers."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from redshift.claims import Verdict
from redshift.results import Database, RunInfo
from redshift.timing import TimingSample


def verdict(claim: str, status: str, effect: float = 1.0, ci: tuple[float, float] = (0.5, 1.5),
            predicted: str = "supported", n: int = 8) -> Verdict:
    """A stored-verdict stand-in with the given status and numbers."""
    return Verdict(claim=claim, statement=f"statement of {claim}", status=status, predicted=predicted,
                   effect=effect, ci_low=ci[0], ci_high=ci[1], p_value=0.01, n=n, p_adjusted=0.02,
                   seconds=0.1, decisive_at="smoke", rule="supported if CI > 0")


def synth_run(db: Path, commit: str | None, values: Mapping[tuple[str, str], Sequence[float]], *,
              verdicts: Sequence[Verdict] = (), timings: Mapping[str, Sequence[float]] | None = None,
              suite: str = "toy", experiment: str = "coin", budget: str = "smoke", device: str = "cpu",
              margin: float = 0.5, direction: str = "higher", dirty: bool = False) -> int:
    """One complete run: ``values[(case_param, metric)]`` are the replicate values of case
    ``coin[k=case_param]``; verdicts and kernel timings (name -> seconds per call) as given."""
    with Database(db) as database:
        info = RunInfo(commit=commit, dirty=dirty, budget=budget, device=device,
                       machine={"hostname": "testhost", "cpu": "Test CPU", "cpu_count": 2},
                       versions={"torch": "2.13.0", "redshift": "0.1.0", "python": "3.11"},
                       suites={suite: "1"}, determinism={}, argv=["test"])
        run = database.start_run(info)
        n = max(len(v) for v in values.values())
        for r in range(n):
            rows = [(suite, experiment, f"{experiment}[k={k}]", json.dumps({"k": k}), r, metric, float(vals[r]),
                     "u", direction, margin) for (k, metric), vals in values.items() if r < len(vals)]
            database.write_replicate(run, rows)
        for name, samples in (timings or {}).items():
            database.write_timing(run, suite, experiment, TimingSample(name, device, tuple(samples)))
        database.write_verdicts(run, suite, "1", verdicts)
        database.finish_run(run)
    return run


def git(repo: Path, *args: str, date: str | None = None) -> str:
    """Run git in ``repo`` (with fixed identity and, if given, both commit dates); return stdout."""
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "HOME": str(repo)}
    if date:
        env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def commit(repo: Path, message: str, date: str) -> str:
    """A new commit (adding the file ``<message>.txt``) with the given author/committer date; returns its sha."""
    (repo / f"{message}.txt").write_text(message)
    git(repo, "add", f"{message}.txt")
    git(repo, "commit", "-q", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD").strip()


def normal(rng: np.random.Generator, mean: float, n: int = 8) -> np.ndarray:
    return rng.normal(mean, 1.0, n)
