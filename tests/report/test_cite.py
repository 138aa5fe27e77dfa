"""redshift cite: one quotable line with every field, and the suite's BibTeX (or why there is none)."""
import json

import torch

from redshift.cli import main
from redshift.report.cite import cite
from redshift.results import Database

from synth import synth_run, verdict


def test_cite_prints_every_field(fig_run, fig_env, capsys):
    """The line names claim, verdict, effect, CI, replicates, suite version, commit, budget, device, torch."""
    assert main(["cite", "FIG-1"]) == 0
    out = capsys.readouterr().out
    with Database(fig_env) as db:
        c = cite(db, "FIG-1")
        commit = (db.run(fig_run)["commit_sha"] or "no commit")[:7]
    line = out.splitlines()[0]
    assert len(c.definition) == 12 and f"definition {c.definition}" in out and c.family == "figtoy"
    for field in ("FIG-1 supported", f"{c.binding} {c.effect:.3g}", f"[95% CI {c.ci_low:.3g}, {c.ci_high:.3g}]",
                  "6 replicates", "suite figtoy v3", f"commit {commit}", "budget smoke", "device cpu",
                  f"torch {torch.__version__}", f"redshift run {fig_run}"):
        assert field in line, field
    assert "@article{figtoy2024," in out and "title={A Toy With Figures}" in out


def test_cite_json_has_every_field(fig_run, capsys):
    """--json carries the fields, the line and the BibTeX."""
    assert main(["cite", "FIG-2", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {"claim", "verdict", "effect", "ci_low", "ci_high", "replicates", "suite", "suite_version", "commit",
            "budget", "device", "hardware", "torch", "run_id", "line", "bibtex"} <= set(payload)
    assert payload["claim"] == "FIG-2" and payload["replicates"] == 6 and payload["bibtex"].startswith("@article")


def test_cite_run_picks_that_run_and_says_when_no_bibtex(db_path, capsys):
    """--run 1 cites run 1; a suite not installed here gets a BibTeX comment, not an invented entry."""
    synth_run(db_path, "a" * 40, {(0, "x"): [1.0, 2.0]}, verdicts=[verdict("TOY-9", "supported", effect=1.0)])
    synth_run(db_path, "b" * 40, {(0, "x"): [1.0, 2.0]}, verdicts=[verdict("TOY-9", "refuted", effect=-1.0)])
    assert main(["cite", "TOY-9", "--run", "1"]) == 0
    out = capsys.readouterr().out
    assert "TOY-9 supported, effect 1 " in out and "commit aaaaaaa" in out
    assert "% no BibTeX: suite 'toy' is not installed here" in out
    assert main(["cite", "TOY-9"]) == 0 and "TOY-9 refuted" in capsys.readouterr().out


def test_cite_unknown_claim_is_bad_input(db_path, capsys):
    """A claim with no verdict: exit 2 with one line."""
    synth_run(db_path, None, {(0, "x"): [1.0, 2.0]})
    assert main(["cite", "NOPE-3"]) == 2
    assert "NOPE-3" in capsys.readouterr().err


def test_markdown_report_puts_runs_side_by_side_and_marks_differences(tmp_path):
    """Two runs of one claim on two streams: one row, a verdict column per run, '(differs)' on the flip."""
    import dataclasses
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from synth import synth_run, verdict

    from redshift.report.markdown import verdict_markdown

    db_path = tmp_path / "m.sqlite"
    v = dataclasses.replace(verdict("T-1", "supported"), definition="abcdefabcdef", unit="points", binding="gap")
    a = synth_run(db_path, "a" * 40, {(0, "x"): [1.0, 2.0]}, verdicts=[v])
    b = synth_run(db_path, "a" * 40, {(0, "x"): [1.0, 2.0]}, verdicts=[dataclasses.replace(v, status="inconclusive")])
    with Database(db_path) as db:
        text = verdict_markdown(db, [a, b])
    row = next(line for line in text.splitlines() if line.startswith("| T-1 "))
    assert "**supported** (differs)" in row and "**inconclusive UNDECIDED** (differs)" in row
    assert "gap: 1 [0.5, 1.5] points" in row and "abcdefabcdef" in row
    assert "claims whose verdict differs between the runs: 1" in text


def test_markdown_report_puts_disjoint_runs_together(tmp_path):
    """One run per suite (disjoint claims): one verdict column, the run of each claim, each run's suite and wall."""
    import dataclasses
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from synth import synth_run, verdict

    from redshift.report.markdown import verdict_markdown

    db_path = tmp_path / "m.sqlite"
    v1 = dataclasses.replace(verdict("A-2", "supported"), unit="points", binding="gap")
    v2 = dataclasses.replace(verdict("B-10", "inconclusive"), unit="share", binding="seeds")
    a = synth_run(db_path, "a" * 40, {(0, "x"): [1.0, 2.0]}, verdicts=[v1], suite="alpha")
    b = synth_run(db_path, "a" * 40, {(0, "x"): [1.0, 2.0]}, verdicts=[v2], suite="beta", budget="smoke")
    with Database(db_path) as db:
        for key, secs, status in (("k1", 2.0, "done"), ("k2", 3.5, "done"), ("k3", None, "pending")):
            db.conn.execute("INSERT INTO run_chunks (run_id, chunk_key, suite, experiment, spec, n_cases, replicates,"
                            " status, seconds) VALUES (?, ?, 'alpha', 'coin', '{}', 2, 8, ?, ?)", (a, key, status, secs))
        db.conn.commit()
        text = verdict_markdown(db, [a, b])
    lines = text.splitlines()
    assert f"| {a} | alpha | coin | 3 (2 done) | 6 x 8 | 6 s |" in lines  # where the time goes, from the chunk plan
    assert any(line.startswith(f"| {a} | alpha |") for line in lines)
    assert any(line.startswith(f"| {b} | beta |") for line in lines)
    assert "| claim | statement | predicted | verdict | effect [95% CI] | n | run | definition |" in lines
    row_a = next(line for line in lines if line.startswith("| A-2 "))
    row_b = next(line for line in lines if line.startswith("| B-10 "))
    assert f"| supported | gap: 1 [0.5, 1.5] points | 8 | {a} |" in row_a
    assert f"| inconclusive UNDECIDED | seeds: 1 [0.5, 1.5] share | 8 | {b} |" in row_b
    assert f"- run {b} (default): 0 supported, 0 refuted, 1 inconclusive; 1 undecided" in text
    assert "not run" not in text
