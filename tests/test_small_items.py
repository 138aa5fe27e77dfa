"""Small things a new user meets: progress counts, empty experiments, show --json, BibTeX, history hints."""
import io
import json
import re

from rich.console import Console

from redshift.cli import ProgressReporter, main
from redshift.report.cite import bibtex_lines


def test_a_bar_without_reported_progress_never_shows_1_of_1():
    """An experiment that reported no counts finishes as 'done in ...', not as a made-up 1/1."""
    reporter = ProgressReporter(enabled=False)
    reporter.start("s", "e", 3, 2)
    reporter.finish("s", "e", 0.25)
    count = reporter.progress.tasks[0].fields["count"]
    assert count == "done in 250 ms" and "1/1" not in count


def test_a_bar_with_a_total_shows_the_real_count():
    """set_total(12) and advance(5): the count reads 5/12 while running."""
    reporter = ProgressReporter(enabled=False)
    reporter.start("s", "e", 3, 4)
    reporter.set_total(12)
    reporter.advance(5)
    assert reporter.progress.tasks[0].fields["count"] == "5/12"


def test_an_experiment_without_cases_gets_no_bar(toy_env, monkeypatch):
    """Measuring no cases (none at this budget for the chosen claims) starts no progress bar."""
    from redshift.registry import select
    from redshift.runner import Session
    from redshift.suite import Reporter

    started = []

    class Recorder(Reporter):
        def start(self, suite, experiment, n_cases, replicates):
            started.append(experiment)

    suite = select(["toy"])[0]
    session = Session(device="cpu", write=False, reporter=Recorder())
    session.start([suite], {suite.name: []})  # no claim chosen: no case of the experiment is needed
    session.driver.ensure(session.driver.plan)
    assert session.driver.plan == [] and started == []


def test_show_json_has_objects_not_json_strings(toy_env, capsys):
    """show --json: the run's machine, versions and suites are JSON objects, dirty a boolean or null."""
    main(["run", "toy", "--device", "cpu", "--no-progress", "--json"])
    capsys.readouterr()
    assert main(["show", "--json"]) == 0
    run = json.loads(capsys.readouterr().out)["run"]
    assert isinstance(run["machine"], dict) and isinstance(run["versions"], dict) and run["suites"] == {"toy": "1"}
    assert isinstance(run["argv"], list) and run["dirty"] in (True, False, None)


def test_bibtex_is_one_field_per_line():
    """A one-line entry becomes '@type{key,', one indented field per line, and '}'; nested braces stay whole."""
    entry = "@article{k1, title={A, {B} and C}, year={2024}}"
    assert bibtex_lines(entry) == "@article{k1,\n  title={A, {B} and C},\n  year={2024},\n}"


def test_history_of_an_undeclared_claim_points_to_list(toy_env, capsys):
    """history ZZ-1 (no suite declares it) suggests `redshift list`, not a run that would fail."""
    main(["run", "toy", "--device", "cpu", "--no-progress", "--json"])
    capsys.readouterr()
    assert main(["history", "ZZ-1"]) == 2
    err = capsys.readouterr().err
    assert "redshift list" in err and "--claims ZZ-1" not in err


def test_times_in_the_verdict_table_are_readable(toy_env, monkeypatch):
    """run --wide prints durations as ms or s, never as 7.9e-05s."""
    import redshift.cli as cli

    console = Console(width=120, file=io.StringIO(), color_system=None)
    monkeypatch.setattr(cli, "out", console)
    main(["run", "toy", "--device", "cpu", "--no-progress", "--wide"])
    times = re.findall(r"time (\S+) (ms|s|min)\b", console.file.getvalue())
    assert len(times) == 3 and all("e" not in value for value, _ in times)
