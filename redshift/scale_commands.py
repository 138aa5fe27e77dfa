"""The scale-out views of the ``redshift`` command: chunk progress bars, the progress of a stored run
(``show`` of an incomplete run) and ``merge``. Output goes through the CLI's consoles.
"""
from __future__ import annotations

import argparse
import json
from typing import Any, Sequence

from rich.table import Table as RichTable


def _out() -> Any:
    from redshift.cli import out

    return out


class ChunkProgress:
    """Progress-bar methods of the CLI reporter: one bar per experiment and one overall, by chunks done."""

    progress: Any

    def planned(self, tracker: Any) -> None:
        self.parts = {key: self.progress.add_task(f"{p.suite}/{p.experiment}: 0/{p.chunks} chunks", total=p.cases,
                                                  count=f"0/{p.cases} cases") for key, p in tracker.parts.items()}
        self.overall = self.progress.add_task("all: ETA -", total=tracker.overall().cases, count="")
        self.chunk_done(tracker, None)

    def chunk_done(self, tracker: Any, chunk: Any) -> None:
        from redshift.progress import fmt_seconds

        for key, task in getattr(self, "parts", {}).items():
            p = tracker.parts[key]
            failed = f", {p.chunks_failed} failed" if p.chunks_failed else ""
            self.progress.update(task, completed=p.cases_done, count=f"{p.cases_done}/{p.cases} cases",
                                 description=f"{p.suite}/{p.experiment}: {p.chunks_done}/{p.chunks} chunks{failed}")
        if hasattr(self, "overall"):
            total = tracker.overall()
            self.progress.update(self.overall, completed=total.cases_done, count=f"{total.cases_done}/{total.cases} cases",
                                 description=f"all: {total.chunks_done}/"
                                 f"{total.chunks} chunks, ETA {fmt_seconds(tracker.eta())}")

    def chunk_failed(self, tracker: Any, chunk: Any, error: BaseException) -> None:
        self.log(f"chunk {chunk.key} failed: {type(error).__name__}: {error}")
        self.chunk_done(tracker, chunk)


def run_progress(db: Any, run_id: int) -> list[dict] | None:
    """Per-experiment chunks and cases done of total, and the time left, of a stored run (None without a plan)."""
    from redshift.progress import from_states
    from redshift.results import chunkstore

    chunks = chunkstore.stored_plan(db, run_id)
    if not chunks:
        return None
    run = db.run(run_id)
    tracker = from_states(chunks, chunkstore.chunk_states(db, run_id), run["executor"], run["started_at"])
    return tracker.rows()


def progress_table(rows: Sequence[dict], title: str) -> RichTable:
    from redshift.progress import fmt_seconds

    table = RichTable(title=title)
    for col in ("suite", "experiment", "chunks done", "cases done", "failed", "compute", "elapsed", "time left"):
        table.add_column(col, justify="left" if col in ("suite", "experiment") else "right")
    for r in rows:
        last = [fmt_seconds(r["elapsed_s"]), fmt_seconds(r["eta_s"])] if r["suite"] == "all" else ["", ""]
        table.add_row(r["suite"], r["experiment"], f"{r['chunks_done']}/{r['chunks']}",
                      f"{r['cases_done']}/{r['cases']}", str(r["failed"]), fmt_seconds(r["seconds"]), *last)
    return table


def cmd_merge(args: argparse.Namespace) -> int:
    from redshift.results.merge import merge

    report = merge(args.sources, args.into)
    if args.json:
        _out().file.write(json.dumps({"copied": report.copied, "skipped": report.skipped}, indent=2) + "\n")
        return 0
    for src in args.sources:
        copied, skipped = report.copied.get(src, 0), report.skipped.get(src, 0)
        _out().print(f"{src}: {copied} runs merged, {skipped} already in {args.into}")
    return 0


def add_merge_parser(sub: Any) -> None:
    merge = sub.add_parser("merge", help="copy the runs of several databases into one (by run uuid, idempotent)")
    merge.add_argument("sources", nargs="+", help="results databases to merge")
    merge.add_argument("--into", required=True, help="the database to merge into (created when missing)")
    merge.add_argument("--json", action="store_true")
    merge.set_defaults(fn=cmd_merge)
