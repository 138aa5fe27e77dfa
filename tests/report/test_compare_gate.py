"""The CI gate on two real runs of one commit: wall-clock numbers never trip the science gates."""
import json
import sys
from pathlib import Path

import pytest

from redshift.cli import main

GATE_SUITE = Path(__file__).parent / "gate_suite"


def _two_runs(monkeypatch, tmp_path, kind: str) -> Path:
    """Run the gate suite twice into one database, the second time 'on a loaded machine' (4x slower)."""
    from redshift.runner import run_suites

    db = tmp_path / "gate.sqlite"
    monkeypatch.setenv("REDSHIFT_SUITE_PATHS", str(GATE_SUITE))
    monkeypatch.setenv("REDSHIFT_DB", str(db))
    monkeypatch.setenv("GATE_KIND", kind)
    for slow in ("1", "4"):
        monkeypatch.setenv("GATE_SLOW", slow)
        [sys.modules.pop(m) for m in [m for m in sys.modules if m.startswith("_redshift_suite_")]]
        run_suites(["gate"], device="cpu", out_dir=tmp_path / "out")
    return db


def test_two_runs_of_one_commit_never_trip_the_science_gates(monkeypatch, tmp_path, capsys):
    """Throughput 4x lower in run 2: regression and any-change pass; the timing gate sees the slowdown."""
    _two_runs(monkeypatch, tmp_path, "timing")
    assert main(["compare", "1", "2", "--fail-on", "regression"]) == 0
    assert main(["compare", "1", "2", "--fail-on", "any-change"]) == 0
    capsys.readouterr()
    assert main(["compare", "1", "2", "--fail-on", "timing", "--json"]) == 1
    timings = {r["kernel"]: r["status"] for r in json.loads(capsys.readouterr().out)["timings"]}
    assert timings["work[size=3] items_per_s"] == "regression" and timings["kernel"] == "regression"


def test_the_same_numbers_declared_science_would_trip(monkeypatch, tmp_path):
    """Control: with the throughput declared a science metric, the same two runs trip --fail-on regression."""
    _two_runs(monkeypatch, tmp_path, "science")
    assert main(["compare", "1", "2", "--fail-on", "regression"]) == 1


@pytest.mark.parametrize("metric", ["gc_draws_per_s", "gc_accepted_per_s"])
def test_sgd_vs_architecture_throughput_is_timing_kind(metric):
    """The wall-clock throughput metrics of sgd_vs_architecture are declared timing."""
    from suites.sgd_vs_architecture import METRICS

    assert METRICS[metric].kind == "timing"
