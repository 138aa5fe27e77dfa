"""The ``redshift`` command: the only module that prints.

Exit codes: 0 when no verdict is decided against its paper's prediction; 1 when a claim is decided
against the prediction (and, with ``--strict``, also when a claim is undecided at or above the budget
where it is declared decisive: always reported, loudly, in the table and summary); 2 on bad input
(one line on stderr, nothing written); 3 on a crash.
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
from redshift.errors import BadInput, RunIncomplete
from redshift.results.db import DatabaseError
from redshift.scale_commands import ChunkProgress, add_merge_parser, progress_table, run_progress
from redshift.suite import Reporter

out = Console(highlight=False, soft_wrap=False)  # as wide as the terminal ($COLUMNS; 80 when piped)
err = Console(stderr=True, highlight=False)


class ProgressReporter(ChunkProgress, Reporter):
    """Rich progress bars on stderr: per experiment and overall by chunks (with the time left), and the
    chunk being computed in-process, advanced by its measure function."""

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


def _failing(rows: Sequence[dict], strict: bool = False) -> list[str]:
    """Claims decided against the paper; with ``strict``, also those undecided where declared decisive."""
    return [r["claim"] for r in rows if (r["status"] != "inconclusive" and r["status"] != r["predicted"])
            or (strict and views.undecided(r))]


def _exit_code(rows: Sequence[dict], strict: bool = False) -> int:
    return 1 if _failing(rows, strict) else 0


def cmd_run(args: argparse.Namespace) -> int:
    from redshift.executor import ExecutorConfig, ExecutorError
    from redshift.resume import resume_run
    from redshift.runner import resolve_device, run_suites

    claims = [c.strip() for c in args.claims.split(",") if c.strip()] if args.claims else None
    if args.resume is not None and (args.suites or claims or args.replicates):
        raise BadInput("--resume takes the run's own suites, claims and replicates; give only the run id")
    try:
        executor = ExecutorConfig(args.workers, args.threads_per_worker, args.scheduler, args.scheduler_file)
    except ExecutorError as exc:
        raise BadInput(str(exc)) from None
    with ProgressReporter(enabled=not args.no_progress) as reporter:
        if args.resume is not None:
            verdicts = resume_run(args.resume, db=args.db, reporter=reporter, executor=executor)
        else:
            verdicts = run_suites(args.suites, claims=claims, budget=args.budget, device=args.device, db=args.db,
                                  replicates=args.replicates, reporter=reporter, executor=executor,
                                  seed_stream=args.seed_stream, family=args.family)
    rows = [v.to_json() for v in verdicts]
    if args.json:
        print(json.dumps({"verdicts": rows}, indent=2))
    else:
        where = f"run {args.resume}" if args.resume is not None else f"{args.budget}, {resolve_device(args.device)}"
        stream = "" if args.seed_stream == "default" else f", seed stream {args.seed_stream}"
        out.print(views.verdict_table(rows, f"redshift verdicts ({where}{stream})", out.width, args.wide))
        if args.parts:
            out.print(views.parts_table(rows, "parts (each paper quantity in its unit)", out.width))
        _summary(rows)
    return _exit_code(rows, args.strict)


def _summary(rows: Sequence[dict]) -> None:
    counts = {s: sum(r["status"] == s for r in rows) for s in ("supported", "refuted", "inconclusive")}
    wrong = [r["claim"] for r in rows if r["status"] != "inconclusive" and r["status"] != r["predicted"]]
    undecided = [r["claim"] for r in rows if views.undecided(r)]
    families = sorted({(r.get("family") or r.get("suite", ""), r.get("family_size") or 0) for r in rows})
    scope = "; Holm families: " + ", ".join(f"{f} ({k} claims)" for f, k in families) if families else ""
    out.print(f"{len(rows)} claim{'s' if len(rows) != 1 else ''}: {counts['supported']} supported, "
              f"{counts['refuted']} refuted, {counts['inconclusive']} inconclusive"
              + (f"; contradicting the paper: {', '.join(wrong)}" if wrong else ""), soft_wrap=True)
    if scope:
        out.print(scope.lstrip("; "), soft_wrap=True)
    if undecided:
        out.print(f"[bold red]UNDECIDED where declared decisive ({len(undecided)}):[/] {', '.join(undecided)} "
                  "(fails only with --strict)", soft_wrap=True)


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
        rows = verdict_rows(db, run_id, run["budget"])
        progress = run_progress(db, run_id) if run["status"] != "complete" else None
        kept = db.query("SELECT suite, experiment, COUNT(*) AS rows, COUNT(DISTINCT case_name) AS cases, "
                        "COUNT(DISTINCT replicate) AS replicates FROM measurements WHERE run_id = ? "
                        "GROUP BY suite, experiment ORDER BY MIN(id)", (run_id,))
    if args.parts and not args.json:
        out.print(views.parts_table(rows, f"run {run_id}: parts (each paper quantity in its unit)", out.width))
    if args.json:
        print(json.dumps({"run": _decoded(run), "verdicts": rows, "progress": progress}, indent=2, default=str))
        return 0
    if progress:
        out.print(progress_table(progress, f"run {run_id} is {run['status']}: done and left"))
    title = f"run {run_id}: commit {(run['commit_sha'] or '?')[:10]}{'+dirty' if run['dirty'] else ''}, " \
            f"{run['budget']}, {run['device']}, {run['status']}" + _stream_note(run)
    if rows:
        out.print(views.verdict_table(rows, title, out.width, args.wide))
    else:
        out.print(title)
    if run["status"] != "complete":
        out.print(_kept_line(run_id, kept))
    _summary(rows)
    return 0


def _stream_note(run: Any) -> str:
    stream = run["seed_stream"] if "seed_stream" in run.keys() else "default"
    return "" if stream == "default" else f", seed stream {stream}"


def verdict_rows(db: Any, run_id: int, budget: str) -> list[dict]:
    """A run's verdicts as dicts (the keys of ``Verdict.to_json``), with their parts."""
    found = db.query("SELECT * FROM verdicts WHERE run_id = ? ORDER BY id", (run_id,))
    keys = ("claim", "statement", "status", "predicted", "effect", "ci_low", "ci_high", "p_value", "n", "seconds",
            "p_adjusted", "suite", "decisive_at", "unit", "binding", "family", "family_size")
    rows = []
    for r in found:
        row = {k: (r[k] if k in r.keys() else None) for k in keys} | {"budget": budget}
        row["definition"] = r["definition_hash"] if "definition_hash" in r.keys() else None
        parts = db.parts_of(r["id"]) if "definition_hash" in r.keys() else []
        row["parts"] = [{k: p[k] for k in p.keys() if k not in ("id", "verdict_id", "position")} for p in parts]
        rows.append(row)
    return rows


def cmd_lock(args: argparse.Namespace) -> int:
    from redshift.definitions import LOCK_FILE, lock_differences, read_lock, updated_lock, write_lock
    from redshift.registry import discover

    suites = list(discover().values())
    lock = read_lock()
    diffs = lock_differences(suites, lock)
    if not args.update:
        for line in diffs:
            out.print(line)
        out.print(f"{len(diffs)} claim definition(s) differ from {LOCK_FILE.name}" if diffs else
                  f"every claim definition matches {LOCK_FILE.name}")
        return 1 if diffs else 0
    try:
        new = updated_lock(suites, lock)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    write_lock(new)
    out.print(f"locked {sum(len(v['claims']) for v in new.values())} claim definitions in {LOCK_FILE}"
              + (f" ({len(diffs)} changed)" if diffs else ""))
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
                kwargs |= {"n": 128, "grid_sizes": (64,)} | ({"rounds": 1} if "rounds" in params else {})
            if args.threads is not None and "threads" in params:
                kwargs["threads"] = args.threads
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


def cmd_doctor(args: argparse.Namespace) -> int:
    from redshift import doctor

    cfg = doctor.DoctorConfig.quick() if args.quick else doctor.DoctorConfig()
    report = doctor.run(cfg, db=args.db)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(report, fh, indent=2)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        table = RichTable(title=f"redshift doctor ({report['device']}, {report['seconds']:.0f} s)")
        for col in ("section", "check", "value", "expected", "status", "note"):
            table.add_column(col)
        style = {"pass": "green", "fail": "red", "skip": "yellow", "info": "default"}
        for c in report["checks"]:
            table.add_row(c["section"], c["name"], c["value"], c["expected"], f"[{style[c['status']]}]{c['status']}[/]",
                          c["note"])
        out.print(table)
    bad = doctor.failed(report)
    if not report["cuda"]:
        err.print("redshift doctor: no GPU found; ran the CPU half only (CUDA checks skipped)")
    if bad:
        err.print(f"redshift doctor: {len(bad)} check(s) failed: {', '.join(bad)}")
    return 1 if bad else 0


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
    run.add_argument("--seed-stream", default="default",
                     help="derive every seed from this stream (default: the stream all stored history used)")
    run.add_argument("--family", choices=["suite", "all"], default="suite",
                     help="Holm family: each suite's claims (default) or every claim of every suite")
    run.add_argument("--strict", action="store_true",
                     help="exit 1 also when a claim is undecided at or above its decisive budget")
    run.add_argument("--parts", action="store_true", help="also print every part of every claim")
    run.add_argument("--workers", type=int, help="spread chunks over a local Dask cluster of N worker processes")
    run.add_argument("--threads-per-worker", type=int, default=1, help="threads per local Dask worker (1)")
    run.add_argument("--scheduler", help="address of a running Dask scheduler to attach to")
    run.add_argument("--scheduler-file", help="a Dask scheduler file to attach to")
    run.add_argument("--resume", type=int, metavar="RUN_ID",
                     help="compute only the missing chunks of an incomplete run")
    _common(run)
    run.set_defaults(fn=cmd_run)
    ls = sub.add_parser("list", help="suites and claims with statements and sources")
    ls.add_argument("--json", action="store_true")
    ls.add_argument("--wide", action="store_true", help="every column, statements in full")
    ls.set_defaults(fn=cmd_list)
    show = sub.add_parser("show", help="verdicts of a run (default the latest)")
    show.add_argument("run_id", nargs="?", type=int)
    show.add_argument("--parts", action="store_true", help="also print every part of every claim")
    _common(show, device=False)
    show.set_defaults(fn=cmd_show)
    exp = sub.add_parser("export", help="measurements as CSV/JSON, or key numbers as asv results")
    exp.add_argument("--format", choices=["csv", "json", "asv"], default="csv")
    exp.add_argument("--run", type=int, help="run id (default: all runs; asv: every commit's latest complete clean run)")
    exp.add_argument("--out", help="output file (csv/json; default stdout) or folder (asv)")
    exp.add_argument("--db")
    exp.set_defaults(fn=cmd_export)
    add_merge_parser(sub)
    bench = sub.add_parser("bench", help="throughput of the kernels: batched vs the per-network reference style")
    bench.add_argument("--quick", action="store_true", help="smaller sizes")
    bench.add_argument("--threads", type=int, help="torch CPU threads for every measurement (default: each one's own)")
    _common(bench)
    bench.set_defaults(fn=cmd_bench)
    lock = sub.add_parser("lock", help="check claim definitions against suites/claims.lock.json (or --update it)")
    lock.add_argument("--update", action="store_true",
                      help="record the current definitions (a changed one needs a changelog line naming it)")
    lock.set_defaults(fn=cmd_lock)
    doc = sub.add_parser("doctor", help="GPU acceptance: kernels CPU vs CUDA, suite verdicts, speed, memory")
    doc.add_argument("--quick", action="store_true", help="short CPU-sized mode (CI); no suite runs")
    doc.add_argument("--out", help="write the report as JSON to this file")
    doc.add_argument("--db", help="results database for the suites' CPU and CUDA smoke runs")
    doc.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    doc.set_defaults(fn=cmd_doctor)
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
    except RunIncomplete as exc:
        sys.stderr.write(f"redshift: {exc}\n")
        return 3
    except KeyboardInterrupt:
        err.print("redshift: interrupted; the run is kept, marked incomplete")
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
