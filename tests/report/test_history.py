"""redshift history: git-graph order (not time), one point per commit, metric values with t-CIs, PNG."""
import json
import math

import pytest

from redshift.cli import main
from redshift.report.history import history
from redshift.results import Database

from synth import commit, git, synth_run, verdict

# Timestamps deliberately run backwards along the graph: c1 (2030) -> c2 (2020) -> c3 (2010).
DATES = ("2030-01-01T00:00:00+00:00", "2020-01-01T00:00:00+00:00", "2010-01-01T00:00:00+00:00")


@pytest.fixture
def chain(git_repo):
    """Three commits in a line whose dates decrease from parent to child."""
    return [commit(git_repo, f"c{i}", d) for i, d in enumerate(DATES, 1)]


def _run(db, sha, effect, values=(1.0, 2.0, 3.0), budget="smoke"):
    return synth_run(db, sha, {(0, "x"): values}, verdicts=[verdict("TOY-1", "supported", effect=effect)],
                     budget=budget)


def test_history_follows_the_git_graph_not_time_or_run_order(db_path, git_repo, chain):
    """Runs stored c3, c1, c2, unknown, no-commit come out c1, c2, c3, then unknown and no-commit by id."""
    c1, c2, c3 = chain
    for sha, effect in [(c3, 3.0), (c1, 1.0), (c2, 2.0), ("f" * 40, 9.0), (None, 10.0)]:
        _run(db_path, sha, effect)
    with Database(db_path) as db:
        hist = history(db, "TOY-1", cwd=git_repo)
    assert list(hist.points["value"]) == [1.0, 2.0, 3.0, 9.0, 10.0]
    assert list(hist.points["in_graph"]) == [True, True, True, False, False]


def test_a_merge_comes_after_both_of_its_parents(db_path, git_repo):
    """c1 -> c2 on main, c1 -> b1 on a branch, merged as m: m is last, c1 first, whatever the dates."""
    c1 = commit(git_repo, "c1", "2030-01-01T00:00:00+00:00")
    git(git_repo, "checkout", "-q", "-b", "side")
    b1 = commit(git_repo, "b1", "2010-01-01T00:00:00+00:00")
    git(git_repo, "checkout", "-q", "main")
    c2 = commit(git_repo, "c2", "2020-01-01T00:00:00+00:00")
    git(git_repo, "merge", "-q", "--no-ff", "-m", "m", "side", date="2000-01-01T00:00:00+00:00")
    m = git(git_repo, "rev-parse", "HEAD").strip()
    for sha in (m, b1, c2, c1):
        _run(db_path, sha, 0.0)
    with Database(db_path) as db:
        order = list(history(db, "TOY-1", cwd=git_repo).points["commit"])
    assert order[0] == c1 and order[-1] == m and set(order[1:3]) == {b1, c2}


def test_one_point_per_commit_from_its_latest_run(db_path, git_repo, chain):
    """Two runs of c1: the later one is the point."""
    _run(db_path, chain[0], 1.0)
    _run(db_path, chain[0], 1.5)
    with Database(db_path) as db:
        hist = history(db, "TOY-1", cwd=git_repo)
    assert list(hist.points["value"]) == [1.5] and list(hist.points["run_id"]) == [2]


def test_history_keeps_one_budget(db_path, git_repo, chain):
    """The default budget is the latest run's; --budget picks another."""
    _run(db_path, chain[0], 1.0, budget="standard")
    _run(db_path, chain[1], 2.0, budget="smoke")
    with Database(db_path) as db:
        assert list(history(db, "TOY-1", cwd=git_repo).points["value"]) == [2.0]
        assert list(history(db, "TOY-1", budget="standard", cwd=git_repo).points["value"]) == [1.0]


def test_metric_history_is_a_replicate_mean_with_a_t_interval(db_path, git_repo, chain):
    """Replicates (1, 2, 3): mean 2, 95% CI 2 +- t(0.975, 2) / sqrt(3) = 2 +- 2.4841."""
    _run(db_path, chain[0], 1.0)
    with Database(db_path) as db:
        point = history(db, "TOY-1", metric="x", cwd=git_repo).points.iloc[0]
    half = 4.302652729911275 / math.sqrt(3)
    assert (point["value"], point["ci_low"], point["ci_high"], point["n"]) == \
        pytest.approx((2.0, 2.0 - half, 2.0 + half, 3))


def test_cli_history_prints_json_and_writes_the_png(db_path, git_repo, chain, capsys, monkeypatch, tmp_path):
    """history --json lists points in graph order and writes a non-empty PNG."""
    monkeypatch.chdir(git_repo)
    _run(db_path, chain[1], 2.0)
    _run(db_path, chain[0], 1.0)
    png = tmp_path / "h.png"
    assert main(["history", "TOY-1", "--json", "--png", str(png)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [p["commit"] for p in payload["points"]] == chain[:2]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000


def test_cli_history_table(db_path, git_repo, chain, capsys, monkeypatch, tmp_path):
    """The table names each commit by its short sha, in graph order."""
    monkeypatch.chdir(git_repo)
    _run(db_path, chain[1], 2.0)
    _run(db_path, chain[0], 1.0)
    assert main(["history", "TOY-1", "--metric", "x", "--png", str(tmp_path / "m.png")]) == 0
    out = capsys.readouterr().out
    assert out.index(chain[0][:7]) < out.index(chain[1][:7])


def test_unknown_claim_is_bad_input(db_path, capsys):
    """A claim without verdicts: exit 2, one line."""
    _run(db_path, None, 1.0)
    assert main(["history", "NOPE-1"]) == 2
    assert "NOPE-1" in capsys.readouterr().err
