"""Runs on Dask distributed: the same rows as a serial run, a killed worker's chunk rerun, failures resumable."""
import json
import logging
from pathlib import Path

import pytest

from redshift.cli import main
from redshift.results import Database

pytest.importorskip("distributed")

ROWS = 88  # 11 cases x 4 replicates x 2 metrics
A2_ROWS = 16  # the chunk a=2: 2 cases x 4 replicates x 2 metrics


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _rows(db, run_id):
    return [tuple(r) for r in db.query("SELECT suite, experiment, case_name, params, replicate, metric, value, unit "
                                       "FROM measurements WHERE run_id = ? ORDER BY experiment, case_name, replicate,"
                                       " metric", (run_id,))]


def _verdicts(db, run_id):
    return [tuple(r) for r in db.query("SELECT claim, status, effect, ci_low, ci_high, p_value, p_adjusted, n "
                                       "FROM verdicts WHERE run_id = ? ORDER BY claim", (run_id,))]


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory):
    """Runs 1 (in-process), 2 (--workers 2) and 3 (in-process) of the chunky suite, in one database."""
    db = tmp_path_factory.mktemp("three") / "runs.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REDSHIFT_SUITE_PATHS", str(Path(__file__).parent / "toy_suites" / "chunky"))
        mp.delenv("CHUNKY_DIE_ONCE", raising=False)
        mp.delenv("CHUNKY_FAIL", raising=False)
        base = ["run", "chunky", "--device", "cpu", "--no-progress", "--json", "--db", str(db)]
        codes = [main(base), main(base + ["--workers", "2"]), main(base)]
    assert codes == [0, 0, 0]
    return db


def test_serial_and_two_workers_store_identical_rows_and_verdicts(three_runs):
    """`run chunky` in-process and with --workers 2: bit-identical measurements and verdicts; the second is
    recorded as parallel, and so are its timings."""
    with Database(three_runs) as db:
        assert _rows(db, 1) == _rows(db, 2) and len(_rows(db, 1)) == ROWS
        assert _verdicts(db, 1) == _verdicts(db, 2) and len(_verdicts(db, 1)) == 2
        executors = [json.loads(db.run(i)["executor"]) for i in (1, 2)]
        flags = [r[0] for r in db.query("SELECT parallel FROM timings WHERE run_id < 3 ORDER BY run_id")]
    assert [e["parallel"] for e in executors] == [False, True] and flags == [0, 1]


def test_compare_does_not_compare_parallel_with_serial_timings(three_runs):
    """compare of a serial and a --workers 2 run: no timing rows, and a note that says why; two serial runs
    compare their timing."""
    from redshift.report.compare import compare

    with Database(three_runs, create=False) as db:
        mixed, serial = compare(db, "1", "2"), compare(db, "1", "3")
    assert len(mixed.timings) == 0 and any("parallel run" in n for n in mixed.notes)
    assert len(serial.timings) == 1 and not any("parallel run" in n for n in serial.notes)


def test_a_worker_killed_mid_chunk_has_its_chunk_rerun(chunky_env, capsys, monkeypatch, tmp_path):
    """A worker process that dies on its first attempt of chunk a=1 (--scheduler on a LocalCluster): the run
    completes and every row is stored exactly once."""
    from distributed import LocalCluster

    monkeypatch.setenv("CHUNKY_DIE_ONCE", str(tmp_path))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.CRITICAL) as cluster:
        code, _, err = _run(capsys, "run", "chunky", "--device", "cpu", "--no-progress", "--scheduler",
                            cluster.scheduler_address)
    assert code == 0, err
    assert (tmp_path / "died").exists()
    with Database(chunky_env) as db:
        rows = _rows(db, 1)
        states = [r[0] for r in db.query("SELECT status FROM run_chunks WHERE run_id = 1")]
        assert db.run(1)["status"] == "complete"
    assert len(rows) == len(set(r[:6] for r in rows)) == ROWS and states == ["done"] * 5


def test_a_chunk_that_keeps_failing_is_resumed_after_the_fix(chunky_env, capsys, monkeypatch):
    """With chunk a=2 failing every try: exit 3, run incomplete with the other chunks stored; after the cause is
    removed, `--resume` (on workers) completes the same run with no duplicate rows or verdicts."""
    monkeypatch.setenv("CHUNKY_FAIL", "1")
    code, _, err = _run(capsys, "run", "chunky", "--device", "cpu", "--no-progress", "--workers", "2")
    assert code == 3 and "--resume 1" in err
    with Database(chunky_env) as db:
        assert db.run(1)["status"] == "incomplete" and len(_rows(db, 1)) == ROWS - A2_ROWS
    monkeypatch.delenv("CHUNKY_FAIL")
    code, _, err = _run(capsys, "run", "--resume", "1", "--no-progress", "--workers", "2")
    assert code == 0, err
    with Database(chunky_env) as db:
        rows = _rows(db, 1)
        assert db.run(1)["status"] == "complete" and len(_verdicts(db, 1)) == 2
    assert len(rows) == len(set(r[:6] for r in rows)) == ROWS


def _timed_copy(three_runs, tmp_path, seconds):
    """A copy of the three runs' database whose latest run (3) took ``seconds`` per chunk (plan order), the
    earlier runs other times; returns the path and run 1's chunk keys in plan order."""
    import shutil

    db_path = tmp_path / "runs.sqlite"
    shutil.copy(three_runs, db_path)
    with Database(db_path) as db:
        keys = [r[0] for r in db.query("SELECT chunk_key FROM run_chunks WHERE run_id = 1 ORDER BY rowid")]
        db.conn.execute("UPDATE run_chunks SET seconds = 99.0 WHERE run_id < 3")
        for key, sec in zip(keys, seconds):
            db.conn.execute("UPDATE run_chunks SET seconds = ? WHERE run_id = 3 AND chunk_key = ?", (sec, key))
    return db_path, keys


def test_past_seconds_are_the_latest_done_times_on_the_device(three_runs, tmp_path):
    """Each chunk key's seconds come from its latest done run on the same device; other devices and keys never
    run give nothing."""
    from redshift.results import chunkstore

    times = [3.0, 50.0, 1.0, 20.0, 7.0]
    db_path, keys = _timed_copy(three_runs, tmp_path, times)
    with Database(db_path) as db:
        assert chunkstore.past_seconds(db, keys + ["never/run/0:x"], "cpu") == dict(zip(keys, times))
        assert chunkstore.past_seconds(db, keys, "cuda") == {}


def test_a_parallel_run_starts_chunks_longest_first(three_runs, tmp_path, capsys, monkeypatch):
    """A --workers run submits the chunks longest first by their latest seconds, with decreasing Dask
    priorities (higher starts first), so no long chunk starts last while the other workers idle."""
    from distributed import Client

    times = [3.0, 50.0, 1.0, 20.0, 7.0]
    db_path, keys = _timed_copy(three_runs, tmp_path, times)
    submitted: list[tuple[str, int]] = []
    original = Client.submit

    def recording(self, func, task, *args, **kwargs):
        submitted.append((task.chunk.key, kwargs["priority"]))
        return original(self, func, task, *args, **kwargs)

    monkeypatch.setattr(Client, "submit", recording)
    monkeypatch.setenv("REDSHIFT_SUITE_PATHS", str(Path(__file__).parent / "toy_suites" / "chunky"))
    code, _, err = _run(capsys, "run", "chunky", "--device", "cpu", "--no-progress", "--workers", "1", "--db",
                        str(db_path))
    assert code == 0, err
    past = dict(zip(keys, times))
    assert [k for k, _ in submitted] == sorted(keys, key=lambda k: -past[k])
    priorities = [p for _, p in submitted]
    assert priorities == sorted(priorities, reverse=True) and len(set(priorities)) == len(keys)


def test_longest_first_puts_never_timed_chunks_first():
    """Chunks never timed keep plan order ahead of the timed ones, which go longest first."""
    from redshift.chunks import Chunk
    from redshift.driver import longest_first

    chunks = [Chunk("s", "e", "smoke", i, (f"c{i}",), 1) for i in range(4)]
    ordered = longest_first(chunks, {chunks[0].key: 1.0, chunks[2].key: 9.0})
    assert [c.index for c in ordered] == [1, 3, 2, 0]
