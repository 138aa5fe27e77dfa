"""The across-versions subcommands of ``redshift``: compare, history, cite, report.

``register(sub)`` adds them to the CLI's subparsers; each handler returns an exit code (compare:
1 when its ``--fail-on`` gate trips) and raises ``redshift.errors.BadInput`` on bad input.
Output goes through the CLI's consoles (``redshift.cli.out`` / ``err``).
"""
from __future__ import annotations

import argparse
import sys
import json
from pathlib import Path
from typing import Any

from redshift.errors import BadInput

GATES = ("regression", "flip", "any-change", "timing")  # redshift.report.compare.GATES, without importing pandas


def _consoles():
    from redshift.cli import err, out

    return out, err


def _emit_json(payload: Any) -> None:
    out, _ = _consoles()
    out.file.write(json.dumps(payload, indent=2, default=str) + "\n")


def _positive_fraction(text: str) -> float:
    value = float(text)
    if not 0 < value < 10:
        raise argparse.ArgumentTypeError("--timing-margin must be a fraction such as 0.1 (10%)")
    return value


def cmd_compare(args: argparse.Namespace) -> int:
    from redshift.report import terminal
    from redshift.report.compare import compare
    from redshift.results import Database

    with Database(args.db, create=False) as db:
        cmp = compare(db, args.a, args.b, method=args.method, timing_margin=args.timing_margin)
    tripped = bool(args.fail_on and cmp.tripped(args.fail_on))
    if args.json:
        _emit_json(terminal.comparison_json(cmp, args.fail_on))
        return int(tripped)
    out, err = _consoles()
    for note in cmp.notes:
        err.print(f"note: {note}")
    for line in terminal.summary_lines(cmp):
        out.print(line)
    if args.fail_on:
        out.print(f"[red]--fail-on {args.fail_on}: the gate tripped[/]" if tripped
                  else f"--fail-on {args.fail_on}: passed")
    out.print("")
    out.print(terminal.claims_table(cmp, args.only_changes, args.wide))
    if len(cmp.metrics):
        out.print(terminal.metrics_table(cmp, args.only_changes, args.wide))
    if len(cmp.timings):
        out.print(terminal.timings_table(cmp, args.only_changes, args.wide))
    return int(tripped)


def cmd_history(args: argparse.Namespace) -> int:
    from redshift.report import terminal
    from redshift.report.history import history, history_table
    from redshift.report.plots import history_plot
    from redshift.results import Database
    from redshift.results.db import out_folder

    with Database(args.db, create=False) as db:
        hist = history(db, args.claim, metric=args.metric, case=args.case, budget=args.budget)
    png = Path(args.png) if args.png else out_folder(args.db) / f"history-{hist.slug}.png"
    history_plot(hist, png)
    if args.json:
        _emit_json({"claim": hist.claim, "metric": hist.metric, "budget": hist.budget, "png": str(png),
                    "points": terminal.records(hist.points)})
        return 0
    out, err = _consoles()
    out.print(history_table(hist))
    err.print(f"wrote {png}")
    return 0


def cmd_cite(args: argparse.Namespace) -> int:
    from redshift.report.cite import cite
    from redshift.results import Database

    with Database(args.db, create=False) as db:
        citation = cite(db, args.claim, run=args.run)
    if args.json:
        _emit_json(citation.to_json())
        return 0
    out, _ = _consoles()
    out.print(citation.line, markup=False, soft_wrap=True)
    for line in citation.part_lines:
        out.print(line, markup=False, soft_wrap=True)
    out.print("")
    out.print(citation.bibtex, markup=False, soft_wrap=True)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from redshift.report.html import build_report

    if args.format == "markdown":
        return _report_markdown(args)
    if not args.out:
        raise BadInput("redshift report needs --out DIR (a folder for index.html and its pictures)")
    if args.run and len(args.run) > 1:
        raise BadInput("the HTML report shows one run: give --run once (markdown takes several)")
    report = build_report(args.db, args.run[0] if args.run else None, Path(args.out))
    out, err = _consoles()
    for problem in report.problems:
        err.print(f"warning: {problem}")
    out.print(f"wrote {report.index} with {len(report.images)} pictures")
    return 0


def _report_markdown(args: argparse.Namespace) -> int:
    from redshift.report.markdown import verdict_markdown
    from redshift.results import Database

    with Database(args.db, create=False) as db:
        run_ids = args.run or [db.latest_run()]
        if run_ids[0] is None:
            raise BadInput(f"{db.path} holds no runs yet; run `redshift run` first")
        for r in run_ids:
            db.run(r)  # an unknown run id is bad input
        text = verdict_markdown(db, run_ids)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        _consoles()[0].print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _compare_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("compare", help="two runs or commits: verdict flips, metric and timing changes")
    p.add_argument("a", help="run id, commit (sha prefix or git ref) or 'latest': the baseline")
    p.add_argument("b", help="run id, commit or 'latest': the candidate")
    p.add_argument("--fail-on", choices=GATES, help="exit 1 when this gate trips (for CI)")
    p.add_argument("--method", choices=["welch", "paired", "mannwhitney"], default="welch",
                   help="test over replicates: welch (default), paired (replicate r of A with r of B: "
                        "same seed), mannwhitney")
    p.add_argument("--timing-margin", type=_positive_fraction, default=0.10,
                   help="relative timing change counted as unchanged (default 0.10)")
    p.add_argument("--only-changes", action="store_true",
                   help="only flipped or not-run claims and significantly changed metrics and timings")
    p.add_argument("--wide", action="store_true", help="every column (both effects, spreads, p values)")
    p.set_defaults(fn=cmd_compare)
    return p


def _history_parser(sub: Any) -> argparse.ArgumentParser:
    h = sub.add_parser("history", help="a claim's effect (or a metric) over commits, table and PNG")
    h.add_argument("claim", help="claim id, e.g. NR-3")
    h.add_argument("--metric", help="a metric of the claim's experiment instead of the effect")
    h.add_argument("--case", help="with --metric: one case name instead of the cases the claim reads")
    h.add_argument("--budget", help="only runs of this budget (default: the latest run's budget)")
    h.add_argument("--png", help="where to write the plot (default beside the database: results/out/redshift/history-CLAIM.png)")
    h.set_defaults(fn=cmd_history)
    return h


def _cite_and_report_parsers(sub: Any) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    c = sub.add_parser("cite", help="one quotable line and the BibTeX of a claim's verdict")
    c.add_argument("claim", help="claim id")
    c.add_argument("--run", type=int, help="run id (default: the latest complete run with this claim)")
    c.set_defaults(fn=cmd_cite)
    r = sub.add_parser("report", help="a static HTML page with the verdicts and every suite's figures")
    r.add_argument("--run", type=int, action="append",
                   help="run id (default: the latest complete run); markdown: repeat to put runs side by side")
    r.add_argument("--format", choices=["html", "markdown"], default="html",
                   help="html (default): a page with figures; markdown: the verdict table of one or more runs")
    r.add_argument("--out", help="output folder (html) or file (markdown; default stdout)")
    r.set_defaults(fn=cmd_report)
    return c, r


def register(sub: Any) -> None:
    """Add compare, history, cite and report to the ``redshift`` subparsers."""
    cite, report = _cite_and_report_parsers(sub)
    for parser in (_compare_parser(sub), _history_parser(sub), cite, report):
        parser.add_argument("--db", help="results database (default $REDSHIFT_DB or results/redshift.sqlite)")
        if parser is not report:
            parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
