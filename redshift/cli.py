"""The ``redshift`` command: the only module that prints.

Exit codes: 0 when every verdict is as its paper predicts or honestly undecided below its
decisive budget; 1 when a claim is decided against the prediction, or is inconclusive at a budget
where it is declared decisive; 2 on bad input (one line on stderr, nothing written); 3 on a crash.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from typing import Any, Sequence

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from redshift import views
from redshift.errors import BadInput
from redshift.results.db import DatabaseError
from redshift.suite import Reporter

out = Console(highlight=False, soft_wrap=False)  # as wide as the terminal ($COLUMNS; 80 when piped)
err = Console(stderr=True, highlight=False)


class ProgressReporter(Reporter):
    """A rich progress bar on stderr: one task per experiment, advanced by the measure function."""

    def __init__(self, enabled: bool = True) -> None:
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[count]}"),
                                 TimeElapsedColumn(), console=err, disable=not enabled, transient=False)
        self.task = None

    def __enter__(self) -> "ProgressReporter":
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start(self, suite: str, experiment: str, n_cases: int, replicates: int) -> None:
        desc = f"{suite}/{experiment} ({n_cases} cases x {replicates} replicates)"
        self.task = self.progress.add_task(desc, total=None, count="")

    def _count(self) -> str:
        task = self.progress.tasks[-1]
        if task.total is not None:
            return f"{task.completed:g}/{task.total:g}"
        return f"{task.completed:g}" if task.completed else ""

    def set_total(self, total: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, total=total)
            self.progress.update(self.task, count=self._count())

    def advance(self, n: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)
            self.progress.update(self.task, count=self._count())

    def log(self, message: str) -> None:
        self.progress.console.log(message)

    def finish(self, suite: str, experiment: str, seconds: float) -> None:
        """A full bar; the count shows only what the experiment reported (never a made-up 1/1)."""
        if self.task is not None:
            task = self.progress.tasks[-1]
            done = f"{self._count()} " if task.total is not None or task.completed else ""
            self.progress.update(self.task, total=task.total or 1, completed=task.total or 1,
                                 count=f"{done}done in {views.seconds(seconds)}")
            self.task = None


def _failing(rows: Sequence[dict]) -> list[str]:
    """Claims decided against the paper, or undecided at a budget where they are declared decisive."""
    from redshift.suite import budget_rank

    def fails(r: dict) -> bool:
        if r["status"] == "inconclusive":
            return r["predicted"] != "inconclusive" and budget_rank(r["budget"]) >= budget_rank(r["decisive_at"])
        return r["status"] != r["predicted"]

    return [r["claim"] for r in rows if fails(r)]


def _exit_code(rows: Sequence[dict]) -> int:
    return 1 if _failing(rows) else 0


def cmd_run(args: argparse.Namespace) -> int:
    from redshift.runner import resolve_device, run_suites

    claims = [c.strip() for c in args.claims.split(",") if c.strip()] if args.claims else None
    with ProgressReporter(enabled=not args.no_progress) as reporter:
        verdicts = run_suites(args.suites, claims=claims, budget=args.budget, device=args.device, db=args.db,
                              replicates=args.replicates, reporter=reporter)
    rows = [v.to_json() for v in verdicts]
    if args.json:
        print(json.dumps({"verdicts": rows}, indent=2))
    else:
        title = f"redshift verdicts ({args.budget}, {resolve_device(args.device)})"
        out.print(views.verdict_table(rows, title, out.width, args.wide))
        _summary(rows)
    return _exit_code(rows)


def _summary(rows: Sequence[dict]) -> None:
    counts = {s: sum(r["status"] == s for r in rows) for s in ("supported", "refuted", "inconclusive")}
    wrong = [r["claim"] for r in rows if r["status"] != "inconclusive" and r["status"] != r["predicted"]]
    undecided = [c for c in _failing(rows) if c not in wrong]
    out.print(f"{len(rows)} claim{'s' if len(rows) != 1 else ''}: {counts['supported']} supported, {counts['refuted']} refuted, "
              f"{counts['inconclusive']} inconclusive" + (f"; contradicting the paper: {', '.join(wrong)}" if wrong else "")
              + (f"; undecided where declared decisive: {', '.join(undecided)}" if undecided else ""))


def cmd_list(args: argparse.Namespace) -> int:
    from redshift import catalogue

    cat = catalogue.load()  # cached by a fingerprint of the sources: no torch import when unchanged
    if args.json:
        print(json.dumps(cat, indent=2))
        return 0
    for s in cat["suites"]:
        mine = sorted((r for r in cat["claims"] if r["suite"] == s["name"]), key=lambda r: views.natural_key(r["id"]))
        out.print(views.claims_list_table(mine, f"{s['name']} v{s['version']}: {s['title']}", out.width, args.wide))
    if not cat["suites"]:
        out.print("no suites installed")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from redshift.results import Database

    with Database(args.db, create=False) as db:
        run_id = db.latest_run() if args.run_id is None else args.run_id
        if run_id is None:
            raise BadInput(f"{db.path} holds no runs yet; run `redshift run` first")
        run = db.run(run_id)
        rows = [dict(r) for r in db.query("SELECT claim, statement, status, predicted, effect, ci_low, ci_high, "
                                          "p_value, n, seconds, p_adjusted, suite, ? AS budget, decisive_at "
                                          "FROM verdicts WHERE run_id = ? ORDER BY id", (run["budget"], run_id))]
        kept = db.query("SELECT suite, experiment, COUNT(*) AS rows, COUNT(DISTINCT case_name) AS cases, "
                        "COUNT(DISTINCT replicate) AS replicates FROM measurements WHERE run_id = ? "
                        "GROUP BY suite, experiment ORDER BY MIN(id)", (run_id,))
    if args.json:
        print(json.dumps({"run": _decoded(run), "verdicts": rows}, indent=2, default=str))
        return 0
    title = f"run {run_id}: commit {(run['commit_sha'] or '?')[:10]}{'+dirty' if run['dirty'] else ''}, " \
            f"{run['budget']}, {run['device']}, {run['status']}"
    if rows:
        out.print(views.verdict_table(rows, title, out.width, args.wide))
    else:
        out.print(title)
    if run["status"] != "complete":
        out.print(_kept_line(run_id, kept))
    _summary(rows)
    return 0


def _decoded(run: Any) -> dict:
    """The run's row with its JSON columns (machine, versions, suites, determinism, argv) as objects."""
    row = {k: run[k] for k in run.keys()}
    for key in ("machine", "versions", "suites", "determinism", "argv"):
        if isinstance(row.get(key), str):
            try:
                row[key] = json.loads(row[key])
            except ValueError:
                pass
    if row.get("dirty") is not None:
        row["dirty"] = bool(row["dirty"])
    return row


def _kept_line(run_id: int, kept: Sequence[Any]) -> str:
    """What an incomplete run stored: measurements per experiment (cases x replicates)."""
    if not kept:
        return f"run {run_id} is incomplete and kept no measurements"
    parts = [f"{k['suite']}/{k['experiment']}: {k['rows']} values of {k['cases']} case{'s' if k['cases'] != 1 else ''}"
             f", {k['replicates']} replicate{'s' if k['replicates'] != 1 else ''}" for k in kept]
    return f"run {run_id} is incomplete; it kept " + "; ".join(parts)


def cmd_export(args: argparse.Namespace) -> int:
    from redshift.results import read

    if args.format == "asv":
        from redshift.report.asv_export import export_asv

        path = export_asv(args.db, args.run, args.out)
        err.print(f"wrote asv results to {path}")
        return 0
    if args.run is not None:
        from redshift.results import Database

        with Database(args.db, create=False) as db:
            db.run(args.run)  # an unknown run id is bad input
    frame = read(args.db, run=args.run)
    cols = ["run_id", "commit", "suite", "case", "replicate", "metric", "value", "unit"]
    frame = frame[cols + [c for c in ("experiment", "budget", "device", "direction") if c in frame]]
    text = frame.to_csv(index=False) if args.format == "csv" else frame.to_json(orient="records", indent=1)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text + ("" if text.endswith("\n") else "\n"))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    import inspect

    from redshift import bench
    from redshift.runner import resolve_device

    device = str(resolve_device(args.device))
    rows: list[dict] = []
    for name, fn in sorted(inspect.getmembers(bench, inspect.isfunction)):
        if name.endswith("_throughput") and fn.__module__ == bench.__name__:
            kwargs = {"device": device}
            params = inspect.signature(fn).parameters
            if args.quick and "n" in params and "grid_sizes" in params:
                kwargs |= {"n": 128, "grid_sizes": (64,)}
            if args.quick and "batch" in params:
                kwargs["batch"] = 1024
            err.print(f"measuring {name} on {device} ...")
            rows += [{"benchmark": name, **r} for r in fn(**kwargs)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for name in dict.fromkeys(r["benchmark"] for r in rows):
        group = [r for r in rows if r["benchmark"] == name]
        table = RichTable(title=f"{name} ({device})")
        keys = [k for k in dict.fromkeys(k for r in group for k in r) if k not in ("benchmark", "device")]
        for k in keys:
            table.add_column(k)
        for r in group:
            table.add_row(*[views.num(r.get(k), 4) if isinstance(r.get(k), float) else str(r.get(k, "")) for k in keys])
        out.print(table)
    return 0


def _common(p: argparse.ArgumentParser, device: bool = True) -> None:
    p.add_argument("--db", help="results database (default $REDSHIFT_DB or results/redshift.sqlite)")
    p.add_argument("--wide", action="store_true", help="every column, statements in full")
    if device:
        p.add_argument("--device", default="auto", help="auto (default), cpu or cuda")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="redshift", description="Claims about generalization, measured.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run suites and print their verdicts")
    run.add_argument("suites", nargs="*", help="suite names (default: all)")
    run.add_argument("--claims", help="comma-separated claim ids to evaluate")
    run.add_argument("--budget", default="smoke", help="smoke (default), standard or paper")
    run.add_argument("--replicates", type=int, help="override the replicate count of every experiment")
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _common(run)
    run.set_defaults(fn=cmd_run)
    ls = sub.add_parser("list", help="suites and claims with statements and sources")
    ls.add_argument("--json", action="store_true")
    ls.add_argument("--wide", action="store_true", help="every column, statements in full")
    ls.set_defaults(fn=cmd_list)
    show = sub.add_parser("show", help="verdicts of a run (default the latest)")
    show.add_argument("run_id", nargs="?", type=int)
    _common(show, device=False)
    show.set_defaults(fn=cmd_show)
    exp = sub.add_parser("export", help="measurements as CSV/JSON, or key numbers as asv results")
    exp.add_argument("--format", choices=["csv", "json", "asv"], default="csv")
    exp.add_argument("--run", type=int, help="run id (default: all runs; asv: every commit's latest complete clean run)")
    exp.add_argument("--out", help="output file (csv/json; default stdout) or folder (asv)")
    exp.add_argument("--db")
    exp.set_defaults(fn=cmd_export)
    bench = sub.add_parser("bench", help="throughput of the kernels: batched vs one network at a time")
    bench.add_argument("--quick", action="store_true", help="smaller sizes")
    _common(bench)
    bench.set_defaults(fn=cmd_bench)
    _add_report_commands(sub)
    return parser


def _add_report_commands(sub: Any) -> None:
    """compare / history / cite / report, when the report layer is installed."""
    try:
        from redshift.report import commands
    except ImportError:
        return
    commands.register(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.fn(args) or 0)
    except (BadInput, DatabaseError) as exc:
        sys.stderr.write(f"redshift: error: {' '.join(str(exc).split())}\n")
        return 2
    except sqlite3.DatabaseError as exc:  # e.g. a damaged page found while reading
        said = "; ".join(getattr(exc, "__notes__", [])) or "nothing was written"
        sys.stderr.write(f"redshift: error: the results database failed ({exc}); {said}\n")
        return 2
    except KeyboardInterrupt as exc:
        err.print("redshift: interrupted" + "".join(f"; {n}" for n in getattr(exc, "__notes__", [])))
        return 130
    except Exception as exc:  # a crash is not a refutation: exit 3, with the traceback's last frames
        import traceback

        notes = getattr(exc, "__notes__", [])
        tail = "".join(traceback.format_tb(exc.__traceback__)[-3:])
        sys.stderr.write(f"{tail}redshift: crashed: {type(exc).__name__}: {exc}"
                         + "".join(f" ({n})" for n in notes) + "\n")
        return 3

if __name__ == "__main__":
    sys.exit(main())
