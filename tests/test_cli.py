"""The redshift command: exit codes, --json output, bad input leaves nothing written."""
import json
import os
import subprocess
import sys

import pytest

from redshift.cli import main

VERDICT_KEYS = {"claim", "statement", "status", "predicted", "effect", "ci_low", "ci_high", "p_value", "n", "seconds"}


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_run_json_gives_the_public_verdict_keys(toy_env, capsys):
    """run --json prints every verdict with the documented keys; exit 0 when all are as predicted."""
    code, out, _ = _run(capsys, "run", "toy", "--device", "cpu", "--json", "--no-progress")
    verdicts = json.loads(out)["verdicts"]
    assert code == 0 and [v["claim"] for v in verdicts] == ["TOY-1", "TOY-2", "TOY-3"]
    assert all(VERDICT_KEYS <= set(v) for v in verdicts)
    assert all(v["status"] == "supported" and v["n"] == 8 for v in verdicts)


def test_run_exits_1_when_a_claim_is_refuted(toy_env, capsys):
    """toy_bad's BAD-1 is refuted against its prediction: exit code 1, table names it."""
    code, out, _ = _run(capsys, "run", "toy_bad", "--device", "cpu", "--no-progress")
    assert code == 1 and "BAD-1" in out and "contradicting the paper: BAD-1" in out


def test_run_claims_selects_a_subset(toy_env, capsys):
    """--claims TOY-3 evaluates only that claim."""
    code, out, _ = _run(capsys, "run", "--claims", "TOY-3", "--device", "cpu", "--json", "--no-progress")
    assert code == 0 and [v["claim"] for v in json.loads(out)["verdicts"]] == ["TOY-3"]


def test_replicates_override(toy_env, capsys):
    """--replicates 4 gives verdicts over 4 replicates."""
    _, out, _ = _run(capsys, "run", "toy", "--replicates", "4", "--device", "cpu", "--json", "--no-progress")
    assert {v["n"] for v in json.loads(out)["verdicts"]} == {4}


@pytest.mark.parametrize("argv, message", [
    (["run", "nosuch"], "unknown suite 'nosuch'"),
    (["run", "toy", "--claims", "XX-9"], "unknown claim 'XX-9'"),
    (["run", "toy", "--budget", "huge"], "unknown budget 'huge'"),
    (["run", "toy", "--device", "tpu"], "unknown device 'tpu'"),
    (["show"], "no results database"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(toy_env, capsys, argv, message):
    """Unknown suite/claim/budget/device or a missing database: exit 2, one line, no file created."""
    code, _, err = _run(capsys, *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not toy_env.exists()


def test_cuda_on_a_machine_without_gpu_is_bad_input(toy_env, capsys):
    """--device cuda without CUDA: exit 2 and nothing written (skipped where a GPU exists)."""
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    code, _, err = _run(capsys, "run", "toy", "--device", "cuda")
    assert code == 2 and "no CUDA" in err and not toy_env.exists()


def test_corrupted_database_exits_2_and_is_untouched(toy_env, capsys):
    """A garbage --db file: exit 2 with a message naming the file; its bytes are unchanged."""
    toy_env.write_bytes(b"garbage" * 50)
    code, _, err = _run(capsys, "run", "toy", "--device", "cpu", "--no-progress")
    assert code == 2 and str(toy_env) in err.replace("\n", "")
    assert toy_env.read_bytes() == b"garbage" * 50


def test_list_json_gives_claim_keys(toy_env, capsys):
    """list --json gives id, suite, statement, source, predicted and decisive_at for each claim."""
    code, out, _ = _run(capsys, "list", "--json")
    claims = {c["id"]: c for c in json.loads(out)["claims"]}
    got = {k: v for k, v in claims["TOY-1"].items() if k not in ("rule", "definition", "exact")}
    assert code == 0 and got == {"id": "TOY-1", "suite": "toy", "statement": "shift 3 raises x",
                                 "source": "toy", "predicted": "supported", "decisive_at": "smoke"}
    assert len(claims["TOY-1"]["definition"]) == 12 and claims["TOY-1"]["exact"] is False


def test_show_and_export_read_the_latest_run(toy_env, capsys):
    """show --json repeats the run's verdicts; export --format json gives the documented row keys."""
    _run(capsys, "run", "toy", "--device", "cpu", "--no-progress")
    code, out, _ = _run(capsys, "show", "--json")
    assert code == 0 and [v["claim"] for v in json.loads(out)["verdicts"]] == ["TOY-1", "TOY-2", "TOY-3"]
    code, out, _ = _run(capsys, "export", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 32
    assert {"run_id", "commit", "suite", "case", "replicate", "metric", "value", "unit"} <= set(rows[0])


def test_export_csv_has_a_header_and_a_row_per_measurement(toy_env, capsys):
    """export --format csv: header plus 32 rows."""
    _run(capsys, "run", "toy", "--device", "cpu", "--no-progress")
    code, out, _ = _run(capsys, "export", "--format", "csv")
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].startswith("run_id,commit,suite,case,replicate,metric,value,unit") and len(lines) == 33


def test_console_script_runs(toy_env):
    """The installed `redshift` entry point answers `list`."""
    proc = subprocess.run([sys.executable, "-m", "redshift.cli", "list"], capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)
    assert proc.returncode == 0 and "TOY-1" in proc.stdout


def test_a_crash_exits_3_and_leaves_the_run_incomplete(toy_env, capsys, monkeypatch):
    """An error inside a suite is exit 3 (not 1, which means refuted); the run stays incomplete."""
    from redshift.results import Database

    monkeypatch.setenv("TOY_RAISE_AFTER", "3")
    code, _, err = _run(capsys, "run", "toy", "--device", "cpu", "--no-progress")
    assert code == 3 and "toy failure for the crash test" in err
    with Database(toy_env) as db:
        assert db.run(db.latest_run())["status"] == "incomplete"


def test_export_of_an_unknown_run_is_bad_input(toy_env, capsys):
    """export --run 999 on a database without that run: exit 2."""
    _run(capsys, "run", "toy", "--device", "cpu", "--no-progress")
    code, _, err = _run(capsys, "export", "--run", "999")
    assert code == 2 and "no run 999" in err


def test_run_with_the_progress_bars_on(toy_env, capsys):
    """The default run (progress bars on stderr, per experiment and overall) completes and prints its table."""
    code, out, err = _run(capsys, "run", "toy", "--device", "cpu")
    assert code == 0 and "TOY-1" in out and "chunks" in err
