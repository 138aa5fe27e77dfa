"""`redshift merge`: runs by uuid, idempotent, provenance kept per run."""
import json

from redshift.cli import main
from redshift.results import Database


def _make(capsys, monkeypatch, path, runs):
    monkeypatch.setenv("REDSHIFT_DB", str(path))
    for _ in range(runs):
        assert main(["run", "chunky", "--device", "cpu", "--no-progress", "--json"]) == 0
    capsys.readouterr()


def _summary(path):
    with Database(path) as db:
        runs = [(r["uuid"], json.loads(r["origin"]) if r["origin"] else None) for r in
                db.query("SELECT uuid, origin FROM runs ORDER BY id")]
        counts = [db.query(f"SELECT COUNT(*) FROM {t}")[0][0] for t in ("measurements", "verdicts", "run_chunks")]
        orphans = db.query("SELECT COUNT(*) FROM verdict_parts p LEFT JOIN verdicts v ON v.id = p.verdict_id "
                           "WHERE v.id IS NULL")[0][0]
        parts = db.query("SELECT COUNT(*) FROM verdict_parts")[0][0]
    assert orphans == 0 and parts >= counts[1]
    return runs, counts


def test_merge_copies_every_run_with_its_origin(chunky_env, capsys, monkeypatch, tmp_path):
    """A (2 runs) + B (1 run) into C: 3 runs, their uuids, rows and chunk plans, each with file and id of origin."""
    a, b, c = tmp_path / "a.sqlite", tmp_path / "b.sqlite", tmp_path / "c.sqlite"
    _make(capsys, monkeypatch, a, 2)
    _make(capsys, monkeypatch, b, 1)
    assert main(["merge", str(a), str(b), "--into", str(c)]) == 0
    runs, counts = _summary(c)
    uuids = _summary(a)[0] + _summary(b)[0]
    assert [u for u, _ in runs] == [u for u, _ in uuids] and counts == [3 * 88, 3 * 2, 3 * 5]
    assert [(o["file"], o["run_id"]) for _, o in runs] == [(str(a), 1), (str(a), 2), (str(b), 1)]


def test_merging_the_same_file_twice_changes_nothing(chunky_env, capsys, monkeypatch, tmp_path):
    """A second merge of A into C (and A merged into itself) leaves C and A as they were."""
    a, c = tmp_path / "a.sqlite", tmp_path / "c.sqlite"
    _make(capsys, monkeypatch, a, 1)
    assert main(["merge", str(a), "--into", str(c)]) == 0
    before, before_a = _summary(c), _summary(a)
    assert main(["merge", str(a), "--into", str(c)]) == 0 and main(["merge", str(a), "--into", str(a)]) == 0
    assert _summary(c) == before and _summary(a) == before_a and len(before[0]) == 1
