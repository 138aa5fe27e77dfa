"""``redshift report [--run RUN_ID] --out DIR``: one static HTML file plus its PNGs (no server, no script).

The page holds the run's provenance, the verdict table of every suite, and per suite: a picture
of every claim's effect and 95% CI against its rule's bounds, then the figures of each experiment
that declares a ``figures(frame, out_dir)`` function (the frame is rebuilt from the database as
``redshift.runner.frame_of`` builds it; experiments without figures are skipped), then the kernel
timings. A figures function that fails, or returns files that do not exist, is reported on the
page and as a warning; the rest of the page is still written. Every file the page references is
inside DIR, by relative path.
"""
from __future__ import annotations

import html
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from redshift.report import runs
from redshift.report.plots import verdict_plot
from redshift.report.terminal import num
from redshift.results import Database
from redshift.errors import BadInput

IMAGE = (".png", ".svg", ".jpg", ".jpeg", ".gif")
CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#212121}
table{border-collapse:collapse;margin:1em 0;font-size:90%}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#eceff1}.supported{color:#2e7d32;font-weight:600}.refuted{color:#c62828;font-weight:600}
.inconclusive{color:#ef6c00}.muted{color:#757575}figure{display:inline-block;margin:0.5em;vertical-align:top}
figure img{max-width:100%;border:1px solid #eee}figcaption{font-size:85%;color:#555}
td.id,td.supported,td.refuted,td.inconclusive{white-space:nowrap}"""
NOWRAP = ("claim", "suite", "95% CI", "effect", "Holm p", "decisive at", "predicted")


@dataclass(frozen=True)
class Report:
    """What was written: the page, every picture it embeds, and the problems met on the way."""

    index: Path
    images: tuple[Path, ...]
    problems: tuple[str, ...]


@dataclass
class _Section:
    html: list[str] = field(default_factory=list)
    images: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _e(x: object) -> str:
    return html.escape(str(x))


def _rel(path: Path, root: Path) -> str:
    return quote(Path(os.path.relpath(path, root)).as_posix())


def _cell(column: str, value: object, status_col: str | None) -> str:
    if column == status_col:
        return f"<td class=\"{_e(value)}\">{_e(value)}</td>"
    return f"<td class=\"id\">{_e(value)}</td>" if column in NOWRAP else f"<td>{_e(value)}</td>"


def _table(frame: pd.DataFrame, status_col: str | None = None) -> str:
    """An HTML table of ``frame`` (escaped), the status column classed for colour, ids never wrapped."""
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.to_dict("records"):
        cells = "".join(_cell(c, v, status_col) for c, v in row.items())
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def verdict_frame(verdicts: pd.DataFrame) -> pd.DataFrame:
    """A suite's verdict table as shown: numbers rounded, the CI as one column (one table per suite)."""
    col = lambda name: verdicts[name] if name in verdicts else pd.Series([None] * len(verdicts), index=verdicts.index)  # noqa: E731,E501
    return pd.DataFrame({
        "claim": verdicts["claim"], "statement": verdicts["statement"].fillna(""),
        "verdict": verdicts["status"], "predicted": verdicts["predicted"].fillna(""),
        "binding part": col("binding").fillna(""),
        "effect": [f"{num(e)} {u or ''}".strip() for e, u in zip(verdicts["effect"], col("unit"))],
        "95% CI": [f"[{num(lo)}, {num(hi)}]" for lo, hi in zip(verdicts["ci_low"], verdicts["ci_high"])],
        "Holm p": verdicts["p_adjusted"].map(num), "n": verdicts["n"], "decisive at": verdicts["decisive_at"],
        "family": [f"{f} ({k})" if f else "" for f, k in zip(col("family").fillna(""), col("family_size").fillna(0))],
        "definition": col("definition_hash").fillna("")})


def parts_frame(parts: pd.DataFrame) -> pd.DataFrame:
    """Every part of every claim in its unit (the binding part is the one a verdict reports)."""
    return pd.DataFrame({
        "claim": parts["claim"], "part": [("gate: " if g else "") + n for g, n in zip(parts["gate"], parts["name"])],
        "unit": parts["unit"], "estimate": parts["estimate"].map(num),
        "95% CI": [f"[{num(lo)}, {num(hi)}]" for lo, hi in zip(parts["ci_low"], parts["ci_high"])],
        "support": parts["support"], "refute": parts["refute"], "p support": parts["p_support"].map(num),
        "p refute": parts["p_refute"].map(num), "n": parts["n"], "method": parts["method"], "state": parts["state"]})


def _provenance(info: dict) -> str:
    machine, versions = info["machine"], info["versions"]
    rows = [("run", info["id"]), ("status", info["status"]), ("commit", (info["commit_sha"] or "none")
            + (" (dirty)" if info["dirty"] else "")), ("budget", info["budget"]), ("seed stream", info.get("seed_stream") or "default"), ("device", info["device"]),
            ("hardware", machine.get("gpu") or machine.get("cpu", "")), ("torch", versions.get("torch", "")),
            ("redshift", versions.get("redshift", "")), ("started", info["started_at"]),
            ("ended", info.get("ended_at") or ""), ("suites", ", ".join(f"{k} v{v}" for k, v in info["suites"].items()))]
    return _table(pd.DataFrame(rows, columns=["field", "value"]))


def _figure(path: Path, root: Path) -> str:
    return f"<figure><img src=\"{_rel(path, root)}\" alt=\"{_e(path.stem)}\"><figcaption>{_e(path.stem)}</figcaption></figure>"


def _collect(paths: object, suite_dir: Path, label: str, sec: _Section) -> None:
    """Keep the existing image files a figures function returned, copied into ``suite_dir`` if outside it."""
    for item in list(paths or []):
        path = Path(item)
        if not path.is_file():
            sec.problems.append(f"figures of {label} returned {path}, which does not exist")
            continue
        if path.suffix.lower() not in IMAGE:
            continue
        if suite_dir.resolve() not in path.resolve().parents:
            path = Path(shutil.copy2(path, suite_dir / path.name))
        if path not in sec.images:
            sec.images.append(path)


def _experiment_figures(suite, exp_name: str, long: pd.DataFrame, suite_dir: Path, sec: _Section) -> None:
    exp = next((e for e in suite.experiments if e.name == exp_name), None) if suite is not None else None
    if exp is None or exp.figures is None:
        return
    label = f"{suite.name}/{exp_name}"
    try:
        paths = exp.figures(runs.experiment_frame(long, suite.name, exp_name), suite_dir)
    except Exception as exc:  # a suite's plotting bug must not lose the rest of the report
        sec.problems.append(f"figures of {label} failed: {type(exc).__name__}: {exc}")
        return
    _collect(paths, suite_dir, label, sec)


def _timings(kernels: pd.DataFrame) -> str:
    if kernels.empty:
        return ""
    shown = kernels[["experiment", "kernel", "device", "median_s", "iqr_s", "repeat"]].copy()
    shown[["median_s", "iqr_s"]] = shown[["median_s", "iqr_s"]].map(lambda x: num(x, 4))
    return "<h3>kernel timings (seconds per call)</h3>" + _table(shown)


def _title(suite, name: str, run_version: str | None) -> str:
    if suite is None:
        return f"{name} (not installed here: no figures)"
    stale = f"; this run used v{run_version}" if run_version and run_version != suite.version else ""
    return f"{suite.title} (installed v{suite.version}{stale})"


def _suite_section(name: str, info: dict, verdicts: pd.DataFrame, long: pd.DataFrame, timings: pd.DataFrame,
                   out: Path) -> _Section:
    suite, sec = runs.installed_suite(name), _Section()
    suite_dir = out / name
    suite_dir.mkdir(parents=True, exist_ok=True)
    title = _title(suite, name, info["suites"].get(name))
    sec.html.append(f"<h2 id=\"{_e(name)}\">{_e(name)}: {_e(title)}</h2>")
    mine = verdicts[verdicts["suite"] == name]
    if len(mine):
        rules = {c.id: c.rule for c in suite.claims} if suite is not None else {}
        sec.images.append(verdict_plot(name, mine.to_dict("records"), rules, suite_dir / "redshift-verdicts.png"))
        sec.html.append(_figure(sec.images[-1], out))
    for exp_name in dict.fromkeys(long.loc[long["suite"] == name, "experiment"]):
        before = len(sec.images)
        _experiment_figures(suite, exp_name, long, suite_dir, sec)
        if len(sec.images) > before:
            sec.html.append(f"<h3>{_e(exp_name)}</h3>" + "".join(_figure(p, out) for p in sec.images[before:]))
    sec.html.append(_timings(timings[timings["suite"] == name]))
    sec.html.extend(f"<p class=\"refuted\">problem: {_e(p)}</p>" for p in sec.problems)
    return sec


def _page(info: dict, verdicts: pd.DataFrame, sections: list[_Section], parts: pd.DataFrame | None = None) -> str:
    counts = verdicts["status"].value_counts()
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in ("supported", "refuted", "inconclusive"))
    body = [f"<h1>redshift report: run {info['id']}</h1>", _provenance(info),
            f"<h2>verdicts</h2><p>{len(verdicts)} claims: {_e(summary)}. A claim is supported when its whole 95% CI "
            "lies in its support region and its Holm-adjusted p is at most 0.05. <span class=\"muted\">Inconclusive "
            "is not evidence against a claim: the run could not tell.</span></p>",
            *(f"<h3>{_e(name)}</h3>" + _table(verdict_frame(group), status_col="verdict")
              for name, group in verdicts.groupby("suite", sort=True))]
    if parts is not None and len(parts):
        body += ["<h2>parts</h2><p>Each claim is a conjunction of parts, each a quantity of the paper in its own "
                 "unit; a gate is a precondition. The verdict table reports the binding part.</p>",
                 _table(parts_frame(parts), status_col="state")]
    for sec in sections:
        body.extend(sec.html)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>redshift run {info['id']}"
            f"</title><style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def build_report(db_path: str | os.PathLike | None, run: int | None, out_dir: Path) -> Report:
    """Write ``out_dir/index.html`` and its pictures for ``run`` (default: the latest complete run)."""
    import matplotlib

    matplotlib.use("Agg")  # suites' figures functions may use pyplot; never open a window
    with Database(db_path, create=False) as db:
        run_id = run if run is not None else (db.latest_run(complete_only=True) or db.latest_run())
        if run_id is None:
            raise BadInput(f"{db.path} holds no runs yet; run `redshift run` first")
        info, verdicts = runs.run_info(db, run_id), runs.verdicts(db, run_id)
        long, timings = runs.measurements(db, run_id), runs.timings(db, run_id)
        parts = runs.parts(db, run_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = list(dict.fromkeys([*verdicts["suite"], *long["suite"]]))
    sections = [_suite_section(n, info, verdicts, long, timings, out_dir) for n in names]
    index = out_dir / "index.html"
    index.write_text(_page(info, verdicts, sections, parts), encoding="utf-8")
    return Report(index, tuple(p for s in sections for p in s.images), tuple(p for s in sections for p in s.problems))
