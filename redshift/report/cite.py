"""``redshift cite CLAIM_ID [--run RUN_ID]``: one line a paper can quote, plus the source's BibTeX.

The line holds every field needed to reproduce the number: claim, verdict, the binding part's effect
in its unit with the 95% CI, replicates, the Holm family and its size, the claim's definition hash,
suite and its version, commit (with +dirty when the tree had local changes), budget, seed stream,
device, torch version, and the run id and date; then one line per part of the claim, in its unit. The BibTeX is the suite's ``citation`` field (the
paper the claim comes from); when the suite is not installed here or declares none, a BibTeX
comment says so instead of an invented entry.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from redshift.errors import BadInput
from redshift.report import runs
from redshift.results import Database


@dataclass(frozen=True)
class Citation:
    """The fields of a claim's verdict in one run, the quotable line, and the BibTeX."""

    claim: str
    statement: str
    verdict: str
    predicted: str
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    replicates: int
    suite: str
    suite_version: str
    commit: str | None
    dirty: bool
    budget: str
    device: str
    hardware: str
    torch: str
    run_id: int
    date: str
    run_status: str
    bibtex: str
    unit: str = ""
    binding: str = ""
    definition: str = ""
    family: str = ""
    family_size: int = 0
    seed_stream: str = "default"
    parts: tuple = ()

    @property
    def line(self) -> str:
        commit = (self.commit[:7] if self.commit else "none") + ("+dirty" if self.dirty else "")
        tail = "" if self.run_status == "complete" else f", {self.run_status} run"
        what = f"{self.binding} " if self.binding else "effect "
        unit = f" {self.unit}" if self.unit else ""
        family = f", Holm family {self.family} of {self.family_size}" if self.family else ""
        definition = f", definition {self.definition}" if self.definition else ""
        stream = "" if self.seed_stream == "default" else f", seed stream {self.seed_stream}"
        return (f"{self.claim} {self.verdict}, {what}{_num(self.effect)}{unit} [95% CI {_num(self.ci_low)}, "
                f"{_num(self.ci_high)}], {self.replicates} replicates{family}, suite {self.suite} "
                f"v{self.suite_version}{definition}, commit {commit}, budget {self.budget}{stream}, device "
                f"{self.device} ({self.hardware}), torch {self.torch} (redshift run {self.run_id}, {self.date[:10]}{tail})")

    @property
    def part_lines(self) -> list[str]:
        """One line per part of the claim: name, estimate in its unit, 95% CI, p, state."""
        return [f"  {'gate ' if p.get('gate') else ''}{p['name']}: {_num(p['estimate'])} {p['unit']} "
                f"[95% CI {_num(p['ci_low'])}, {_num(p['ci_high'])}], p {_num(p['p_support'])}, {p['method']}, "
                f"{p['state']}" for p in self.parts]

    def to_json(self) -> dict:
        return asdict(self) | {"line": self.line, "parts": [dict(p) for p in self.parts]}


def _num(x: float | None) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.3g}"


def _finite(x: object) -> float | None:
    return float(x) if x is not None and math.isfinite(float(x)) else None


def _verdict_row(db: Database, claim: str, run: int | None) -> dict:
    """The claim's verdict in ``run``, or in the latest complete run having it (else the latest run)."""
    sql = ("SELECT v.*, r.status AS run_status FROM verdicts v JOIN runs r ON r.id = v.run_id WHERE v.claim = ?"
           + (" AND v.run_id = ?" if run is not None else "") + " ORDER BY (r.status = 'complete'), v.run_id")
    rows = db.query(sql, (claim, run) if run is not None else (claim,))
    if not rows:
        where = f"run {run}" if run is not None else str(db.path)
        raise BadInput(f"claim {claim!r} has no verdict in {where}; `redshift show` lists a run's claims")
    return dict(rows[-1])


def bibtex(suite_name: str) -> str:
    """The suite's citation, or a BibTeX comment saying why there is none."""
    suite = runs.installed_suite(suite_name)
    if suite is None:
        return f"% no BibTeX: suite {suite_name!r} is not installed here, so its citation is unknown"
    if not suite.citation.strip():
        return f"% no BibTeX: suite {suite_name!r} declares no citation (its Suite.citation is empty)"
    return bibtex_lines(suite.citation.strip())


def bibtex_lines(entry: str) -> str:
    """A one-line BibTeX entry as one field per line: '@type{key,' / '  field={...},' / '}'."""
    head, brace, body = entry.partition("{")
    if not brace or not body.endswith("}"):
        return entry
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(body[:-1]):  # split at the commas outside any braces
        depth += (ch == "{") - (ch == "}")
        if ch == "," and depth == 0:
            parts.append(body[start:i].strip())
            start = i + 1
    parts.append(body[start:-1].strip())
    key, fields = parts[0], [f for f in parts[1:] if f]
    return "\n".join([f"{head}{{{key},", *(f"  {f}," for f in fields), "}"])


def cite(db: Database, claim: str, run: int | None = None) -> Citation:
    """The citation of ``claim``'s verdict (see the module docstring)."""
    row = _verdict_row(db, claim, run)
    info = runs.run_info(db, int(row["run_id"]))
    machine, versions = info["machine"], info["versions"]
    version = row.get("suite_version") or info["suites"].get(row["suite"], "?")
    return Citation(
        claim=claim, statement=row.get("statement") or "", verdict=row["status"], predicted=row.get("predicted") or "",
        effect=_finite(row["effect"]), ci_low=_finite(row["ci_low"]), ci_high=_finite(row["ci_high"]),
        replicates=int(row["n"] or 0), suite=row["suite"], suite_version=str(version), commit=info["commit_sha"],
        dirty=bool(info["dirty"]), budget=info["budget"], device=info["device"],
        hardware=str(machine.get("gpu") or machine.get("cpu") or "unknown hardware"),
        torch=str(versions.get("torch", "unknown")), run_id=int(info["id"]), date=str(info["started_at"]),
        run_status=str(info["status"]), bibtex=bibtex(row["suite"]), unit=row.get("unit") or "",
        binding=row.get("binding") or "", definition=row.get("definition_hash") or "", family=row.get("family") or "",
        family_size=int(row.get("family_size") or 0), seed_stream=str(info.get("seed_stream") or "default"),
        parts=tuple(_part(p) for p in (db.parts_of(int(row["id"])) if "definition_hash" in row else [])))


def _part(p) -> dict:
    return {k: p[k] for k in ("name", "unit", "gate", "estimate", "ci_low", "ci_high", "p_support", "method", "state")}
