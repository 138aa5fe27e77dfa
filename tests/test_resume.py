"""`redshift run --resume` and `redshift show` of an incomplete run, in-process."""
import json

from redshift.cli import main
from redshift.results import Database


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _failed_run(capsys, monkeypatch):
    monkeypatch.setenv("CHUNKY_FAIL", "1")
    code, _, err = _run(capsys, "run", "chunky", "--device", "cpu", "--no-progress")
    monkeypatch.delenv("CHUNKY_FAIL")
    return code, err


def test_a_failing_chunk_is_exit_3_and_the_others_are_stored(chunky_env, capsys, monkeypatch):
    """In-process, chunk a=2 raising: exit 3 naming the error; 4 of 5 chunks done, 1 failed with its error."""
    code, err = _failed_run(capsys, monkeypatch)
    assert code == 3 and "injected failure of chunk a=2" in err
    with Database(chunky_env) as db:
        states = dict(db.query("SELECT status, COUNT(*) FROM run_chunks WHERE run_id = 1 GROUP BY status"))
        error = db.query("SELECT error FROM run_chunks WHERE status = 'failed'")[0][0]
    assert states == {"done": 4, "failed": 1} and "RuntimeError" in error


def test_show_of_an_incomplete_run_says_what_is_done_and_left(chunky_env, capsys, monkeypatch):
    """show --json of the failed run: grid 3/4 chunks (6/8 cases, 1 failed), whole 1/1, overall 4/5."""
    _failed_run(capsys, monkeypatch)
    code, out, _ = _run(capsys, "show", "1", "--json")
    rows = {r["experiment"] or "all": r for r in json.loads(out)["progress"]}
    got = {k: (r["chunks_done"], r["chunks"], r["cases_done"], r["cases"], r["failed"]) for k, r in rows.items()}
    assert code == 0 and got == {"grid": (3, 4, 6, 8, 1), "whole": (1, 1, 3, 3, 0), "all": (4, 5, 9, 11, 1)}
    assert rows["all"]["eta_s"] is not None


def test_resume_computes_only_the_missing_chunk(chunky_env, capsys, monkeypatch):
    """--resume 1 after the fix: run 1 complete, the 4 done chunks untouched, 88 rows once, 2 verdicts."""
    _failed_run(capsys, monkeypatch)
    with Database(chunky_env) as db:
        before = {r[0]: r[1] for r in db.query("SELECT chunk_key, done_at FROM run_chunks WHERE status = 'done'")}
    code, out, err = _run(capsys, "run", "--resume", "1", "--no-progress", "--json")
    assert code == 0, err
    with Database(chunky_env) as db:
        after = {r[0]: r[1] for r in db.query("SELECT chunk_key, done_at FROM run_chunks")}
        counts = db.query("SELECT COUNT(*), COUNT(DISTINCT case_name || '/' || replicate || '/' || metric) "
                          "FROM measurements WHERE run_id = 1")[0]
        verdicts = db.query("SELECT COUNT(*) FROM verdicts WHERE run_id = 1")[0][0]
        runs = db.query("SELECT COUNT(*) FROM runs")[0][0]
        assert db.run(1)["status"] == "complete"
    assert all(after[k] == v for k, v in before.items()) and len(after) == 5
    assert tuple(counts) == (88, 88) and verdicts == 2 and runs == 1
    assert {v["claim"] for v in json.loads(out)["verdicts"]} == {"CH-1", "CH-2"}


def test_resume_of_a_complete_run_is_bad_input(chunky_env, capsys):
    """--resume of a complete run: exit 2, one line, nothing written."""
    assert _run(capsys, "run", "chunky", "--device", "cpu", "--no-progress")[0] == 0
    code, _, err = _run(capsys, "run", "--resume", "1")
    assert code == 2 and "nothing to resume" in err and len(err.strip().splitlines()) == 1


def test_resume_of_a_run_planned_by_other_code_is_bad_input(chunky_env, capsys, monkeypatch):
    """A stored plan that differs from this checkout's (here: one chunk's replicates): exit 2, nothing computed."""
    _failed_run(capsys, monkeypatch)
    with Database(chunky_env) as db:
        spec = json.loads(db.query("SELECT spec FROM run_chunks WHERE status = 'failed'")[0][0])
        db.conn.execute("UPDATE run_chunks SET chunk_key = 'chunky/grid/2:other', spec = ? WHERE status = 'failed'",
                        (json.dumps(spec | {"replicates": 9}),))
    code, _, err = _run(capsys, "run", "--resume", "1")
    assert code == 2 and "planned by different suite code" in err
    with Database(chunky_env) as db:
        assert db.run(1)["status"] == "incomplete" and db.query("SELECT COUNT(*) FROM measurements")[0][0] == 72
