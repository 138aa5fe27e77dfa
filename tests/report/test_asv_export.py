"""redshift export --format asv: result files asv reads back, and `asv publish` draws over commits."""
import json
import subprocess
import sys

import pytest

from redshift.cli import main
from redshift.report.asv_export import export_asv

from synth import commit, synth_run, verdict

asv_results = pytest.importorskip("asv.results")


@pytest.fixture
def two_commits(db_path, git_repo):
    """Runs of two commits of git_repo, each with two claims and a kernel timing."""
    shas = [commit(git_repo, "one", "2024-01-01T00:00:00+00:00"), commit(git_repo, "two", "2024-01-02T00:00:00+00:00")]
    for sha, effect in zip(shas, (0.4, 0.5)):
        synth_run(db_path, sha, {(0, "x"): [1.0, 2.0, 3.0]},
                  verdicts=[verdict("TOY-1", "supported", effect=effect), verdict("TOY-2", "inconclusive")],
                  timings={"kern": [0.010, 0.012, 0.011]})
    return shas


def test_export_is_read_back_by_asv(db_path, two_commits, tmp_path):
    """asv's own Results.load reads each file: the claim effect and the kernel median are the stored ones."""
    out = export_asv(db_path, None, tmp_path / "asv")
    files = sorted((out / "testhost").glob("*-redshift-smoke-cpu.json"))
    assert [f.name[:8] for f in files] == sorted(s[:8] for s in two_commits)
    loaded = {r.commit_hash: r for r in (asv_results.Results.load(str(f), machine_name="testhost") for f in files)}
    first = loaded[two_commits[0]]
    assert first.get_result_value("redshift.claims.toy.TOY-1", []) == [0.4]
    assert first.get_result_value("redshift.timings.toy.coin.kern", []) == [pytest.approx(0.011)]
    benchmarks = json.loads((out / "benchmarks.json").read_text())
    assert benchmarks["redshift.claims.toy.TOY-1"]["type"] == "track" and benchmarks["version"] == 2


def test_export_keeps_asv_benchmarks_in_benchmarks_json(db_path, two_commits, tmp_path):
    """Entries asv wrote for bench/ stay in benchmarks.json; ours are added beside them."""
    out = tmp_path / "asv"
    out.mkdir()
    (out / "benchmarks.json").write_text(json.dumps({"bench.X.time_y": {"name": "bench.X.time_y"}, "version": 2}))
    export_asv(db_path, 1, out)
    names = set(json.loads((out / "benchmarks.json").read_text()))
    assert {"bench.X.time_y", "redshift.claims.toy.TOY-1", "redshift.timings.toy.coin.kern"} <= names


def test_asv_publish_draws_the_history(db_path, two_commits, git_repo, tmp_path):
    """`asv publish` in a temporary folder runs on the export and graphs TOY-1 over both commits."""
    out = export_asv(db_path, None, tmp_path / "asv")
    conf = {"version": 1, "project": "t", "repo": str(git_repo), "branches": ["main"],
            "environment_type": "existing", "benchmark_dir": "bench", "results_dir": str(out),
            "html_dir": str(tmp_path / "html"), "build_command": [], "install_command": [], "uninstall_command": []}
    (tmp_path / "asv.conf.json").write_text(json.dumps(conf))
    res = subprocess.run([sys.executable, "-m", "asv", "publish", "--no-pull", "--config",
                          str(tmp_path / "asv.conf.json")], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    graphs = [p for p in (tmp_path / "html" / "graphs").rglob("redshift.claims.toy.TOY-1.json")
              if "summary" not in p.parts]
    points = json.loads(graphs[0].read_text())
    assert [p[1] for p in points] == [0.4, 0.5]


def test_cli_export_asv_and_runs_without_commit(db_path, tmp_path, capsys):
    """A run without a commit is refused with --run (exit 2); the CLI writes the folder otherwise."""
    synth_run(db_path, None, {(0, "x"): [1.0, 2.0]}, verdicts=[verdict("TOY-1", "supported")])
    assert main(["export", "--format", "asv", "--run", "1", "--out", str(tmp_path / "a")]) == 2
    synth_run(db_path, "c" * 40, {(0, "x"): [1.0, 2.0]}, verdicts=[verdict("TOY-1", "supported")])
    assert main(["export", "--format", "asv", "--out", str(tmp_path / "a")]) == 0
    assert (tmp_path / "a" / "testhost" / "cccccccc-redshift-smoke-cpu.json").is_file()
