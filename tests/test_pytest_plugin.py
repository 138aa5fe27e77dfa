"""The pytest plugin on the toy suites: items per claim, pass/fail/xfail, -k, xdist."""
import sqlite3
from pathlib import Path

import pytest

TOY = Path(__file__).parent / "toy_suites"

pytest_plugins = ["pytester"]


def _run(pytester, *args, suites=("toy", "toy_bad")):
    return pytester.runpytest_subprocess(*(str(TOY / s) for s in suites), "-p", "no:cacheprovider",
                                         "--redshift-device", "cpu", *args)


def test_claims_are_items_with_outcomes_by_verdict(pytester, tmp_path):
    """TOY-* pass, BAD-1 (refuted) fails with the verdict line, BAD-2 (inconclusive) xfails."""
    db = tmp_path / "p.sqlite"
    result = _run(pytester, "--redshift-db", str(db), "-rxX")
    result.assert_outcomes(passed=3, failed=1, xfailed=1)
    result.stdout.fnmatch_lines(["*BAD-1 contradicts the paper: BAD-1 refuted (predicted supported)*"])
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0] == 5
    assert conn.execute("SELECT status FROM runs").fetchone()[0] == "complete"


def test_keyword_selection_runs_only_chosen_claims(pytester, tmp_path):
    """-k TOY-1 runs one item and stores one verdict."""
    db = tmp_path / "k.sqlite"
    result = _run(pytester, "--redshift-db", str(db), "-k", "TOY-1")
    result.assert_outcomes(passed=1)
    conn = sqlite3.connect(db)
    assert [r[0] for r in conn.execute("SELECT claim FROM verdicts")] == ["TOY-1"]


def test_budget_and_replicates_options_reach_the_run(pytester, tmp_path):
    """--redshift-budget standard --redshift-replicates 6: the run records both."""
    db = tmp_path / "b.sqlite"
    _run(pytester, "--redshift-db", str(db), "--redshift-budget", "standard", "--redshift-replicates", "6",
         "-k", "TOY-1 or TOY-3", suites=("toy",)).assert_outcomes(passed=2)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT budget FROM runs").fetchone()[0] == "standard"
    assert {r[0] for r in conn.execute("SELECT n FROM verdicts")} == {6}


def test_xdist_two_workers_lose_no_rows(pytester, tmp_path):
    """-n 2: every worker's run is complete and holds every measurement of each suite it decided."""
    pytest.importorskip("xdist")
    db = tmp_path / "x.sqlite"
    _run(pytester, "--redshift-db", str(db), "-n", "2").assert_outcomes(passed=3, failed=1, xfailed=1)
    conn = sqlite3.connect(db)
    counts = conn.execute("SELECT run_id, suite, COUNT(*) FROM measurements GROUP BY run_id, suite").fetchall()
    assert counts and all(n == {"toy": 32, "toy_bad": 20}[suite] for _, suite, n in counts)
    assert {r[0] for r in conn.execute("SELECT status FROM runs")} == {"complete"}
    claims = {r[0] for r in conn.execute("SELECT claim FROM verdicts")}
    assert claims == {"BAD-1", "BAD-2", "TOY-1", "TOY-2", "TOY-3"}



@pytest.mark.parametrize("dist", ["load", "loadgroup"])
def test_xdist_computes_each_suite_on_exactly_one_worker(pytester, tmp_path, dist):
    """-n 2 (--dist load or loadgroup): each suite's verdicts and measurements are in exactly one run."""
    pytest.importorskip("xdist")
    db = tmp_path / "one.sqlite"
    _run(pytester, "--redshift-db", str(db), "-n", "2", "--dist", dist).assert_outcomes(passed=3, failed=1, xfailed=1)
    conn = sqlite3.connect(db)
    deciders = conn.execute("SELECT suite, COUNT(DISTINCT run_id) FROM verdicts GROUP BY suite").fetchall()
    measurers = conn.execute("SELECT suite, COUNT(DISTINCT run_id) FROM measurements GROUP BY suite").fetchall()
    assert sorted(deciders) == sorted(measurers) == [("toy", 1), ("toy_bad", 1)]


def test_xdist_prints_the_verdict_summary_once(pytester, tmp_path):
    """-n 2: the controller prints the 'redshift verdicts' section once, with all five claims."""
    pytest.importorskip("xdist")
    result = _run(pytester, "--redshift-db", str(tmp_path / "s.sqlite"), "-n", "2")
    text = result.stdout.str()
    assert text.count("redshift verdicts") == 1
    assert all(f"{c} " in text.split("redshift verdicts")[1] for c in ("BAD-1", "BAD-2", "TOY-1", "TOY-2", "TOY-3"))


def test_the_summary_prints_a_dash_for_a_missing_number():
    """A missing p-value or effect prints '-', as in the CLI, never 'nan' (words containing nan stay)."""
    from redshift.pytest_plugin import _dashes

    assert _dashes("X-1 inconclusive, effect nan [nan, 1], p=nan; nanometres") == \
        "X-1 inconclusive, effect - [-, 1], p=-; nanometres"


def test_suite_scope_groups_claims_by_suite_file():
    """Claim ids of one suite file share a scope; ordinary tests keep their own id."""
    pytest.importorskip("xdist")
    from redshift.xdist_schedule import suite_scope

    assert suite_scope("suites/nr/__init__.py::NR-3") == suite_scope("suites/nr/__init__.py::NR-10")
    assert suite_scope("tests/test_x.py::test_a") == "tests/test_x.py::test_a"


def test_an_undecided_claim_is_reported_and_fails_only_under_strict(pytester, tmp_path):
    """BAD-2 is inconclusive at its decisive budget (paper): xfailed as UNDECIDED, a failure with --redshift-strict."""
    db = tmp_path / "u.sqlite"
    result = _run(pytester, "--redshift-db", str(db), "--redshift-budget", "paper", "-k", "BAD-2", suites=("toy_bad",))
    result.assert_outcomes(xfailed=1)
    result.stdout.fnmatch_lines(["*UNDECIDED at paper*"])
    result = _run(pytester, "--redshift-db", str(db), "--redshift-budget", "paper", "-k", "BAD-2",
                  "--redshift-strict", suites=("toy_bad",))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*BAD-2 is undecided at a budget where it is declared decisive*"])


def test_bad_options_stop_the_session_before_anything_is_written(pytester, tmp_path):
    """--redshift-replicates 0 and a garbage database: a usage error, no item run, the file untouched."""
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"garbage" * 20)
    result = _run(pytester, "--redshift-db", str(bad))
    assert result.ret == pytest.ExitCode.USAGE_ERROR and bad.read_bytes() == b"garbage" * 20
    result = _run(pytester, "--redshift-db", str(tmp_path / "new.sqlite"), "--redshift-replicates", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR and not (tmp_path / "new.sqlite").exists()


def test_a_session_stopped_by_x_leaves_the_run_incomplete(pytester, tmp_path):
    """-x stops after BAD-1 fails, before toy's claims: the run is marked incomplete."""
    db = tmp_path / "s.sqlite"
    _run(pytester, "--redshift-db", str(db), "-x", suites=("toy_bad", "toy"))
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT status FROM runs").fetchone()[0] == "incomplete"


def test_redshift_workers_runs_the_chunks_on_dask(pytester, tmp_path):
    """--redshift-workers 2 on a suite collected by path: its claims pass and every row is stored once."""
    pytest.importorskip("distributed")
    db = tmp_path / "w.sqlite"
    _run(pytester, "--redshift-db", str(db), "--redshift-workers", "2", suites=("chunky",)).assert_outcomes(passed=2)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT case_name || replicate || metric) FROM measurements"
                        ).fetchone() == (88, 88)
    assert conn.execute("SELECT executor FROM runs").fetchone()[0].startswith('{"kind": "dask"')


def test_suites_are_scheduled_longest_first_from_recorded_seconds():
    """LPT order: suites by the last session's seconds, longest first, a suite never timed first of all, ties in
    collection order; every other test after the suites, in its order."""
    pytest.importorskip("xdist")
    from redshift.xdist_schedule import longest_first

    scopes = ["tests/test_a.py::t1", "suites/ib/__init__.py", "suites/gc/__init__.py", "tests/test_b.py::t2",
              "suites/nr/__init__.py", "suites/sa/__init__.py", "suites/new/__init__.py"]
    seconds = {"ib": 31.0, "gc": 107.0, "nr": 56.0, "sa": 21.0, "new": None}
    assert longest_first(scopes, seconds) == ["suites/new/__init__.py", "suites/gc/__init__.py",
                                              "suites/nr/__init__.py", "suites/ib/__init__.py",
                                              "suites/sa/__init__.py", "tests/test_a.py::t1", "tests/test_b.py::t2"]


def test_a_session_records_each_suite_seconds_in_the_cache(pytester, tmp_path):
    """The seconds a suite took are kept in pytest's cache per budget, where the xdist scheduler reads them."""
    import json

    cache = tmp_path / "cache"
    result = pytester.runpytest_subprocess(str(TOY / "toy"), "--redshift-device", "cpu", "-o", f"cache_dir={cache}",
                                           "--redshift-db", str(tmp_path / "c.sqlite"))
    result.assert_outcomes(passed=3)
    value = json.loads((cache / "v" / "redshift" / "seconds" / "smoke" / "toy").read_text())
    assert isinstance(value, float) and value >= 0.0


def test_an_xdist_worker_takes_its_share_of_the_cores(monkeypatch):
    """-n 2: each worker runs torch on cores // 2 threads (at least 1); OMP_NUM_THREADS set by the user wins."""
    import os

    import torch

    from redshift.pytest_plugin import _worker_threads

    class Worker:
        workerinput = {"workerid": "gw0"}

    before = torch.get_num_threads()
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    try:
        _worker_threads(Worker())
        assert torch.get_num_threads() == max(1, (os.cpu_count() or 1) // 2)
        torch.set_num_threads(before)
        monkeypatch.setenv("OMP_NUM_THREADS", "7")
        _worker_threads(Worker())
        assert torch.get_num_threads() == before
        monkeypatch.delenv("OMP_NUM_THREADS")
        _worker_threads(object())  # the controller (no workerinput) is left alone
        assert torch.get_num_threads() == before
    finally:
        torch.set_num_threads(before)
