"""A chunk's rows and done mark in one transaction; a chunk delivered twice is stored once."""
from redshift.chunks import Chunk
from redshift.results import Database
from redshift.results.chunkstore import chunk_states, store_chunk, store_plan, stored_plan
from redshift.results.db import RunInfo
from redshift.timing import TimingSample

CHUNK = Chunk("s", "e", "smoke", 0, ("e[x=1]",), 2)
ROWS = [("s", "e", "e[x=1]", "{}", r, "m", float(r), "u", "none", 0.0) for r in range(2)]


def _run(db):
    info = RunInfo(None, None, "smoke", "cpu", {}, {}, {"s": "1"}, {}, [])
    run = db.start_run(info)
    store_plan(db, run, [CHUNK], {"suites": ["s"]}, {"kind": "serial", "parallel": False})
    return run


def test_a_stored_plan_reads_back_pending(tmp_path):
    """The plan stored at the start reads back chunk for chunk, every chunk pending."""
    with Database(tmp_path / "c.sqlite") as db:
        run = _run(db)
        assert stored_plan(db, run) == [CHUNK] and chunk_states(db, run)[CHUNK.key]["status"] == "pending"


def test_a_chunk_delivered_twice_is_stored_once(tmp_path):
    """The second store of a done chunk writes nothing: 2 rows, 1 timing, first worker kept."""
    sample = TimingSample("k", "cpu", (0.1, 0.2))
    with Database(tmp_path / "c.sqlite") as db:
        run = _run(db)
        first = store_chunk(db, run, CHUNK, ROWS, [sample], 1.5, "w1", parallel=True)
        second = store_chunk(db, run, CHUNK, ROWS, [sample], 2.5, "w2", parallel=True)
        counts = [db.query(f"SELECT COUNT(*) FROM {t}")[0][0] for t in ("measurements", "timings")]
        state = chunk_states(db, run)[CHUNK.key]
        parallel = db.query("SELECT parallel FROM timings")[0][0]
    assert (first, second, counts) == (True, False, [2, 1])
    assert (state["status"], state["worker"], state["seconds"], parallel) == ("done", "w1", 1.5, 1)
