"""The runner's checks on what a suite's measure function yields."""
import pytest

from redshift import Above, Claim, Experiment, Mean, Metric, Record, Rule, Suite, grid
from redshift.runner import Session

CASES = grid("e", x=[1, 2])


def _suite(measure):
    exp = Experiment("e", cases={"smoke": CASES}, measure=measure, metrics={"m": Metric()},
                     claims=(Claim("R-1", "x", "src", Mean("m"), Rule(Above(0))),), replicates={"smoke": 2})
    return Suite("r", "1", "t", experiments=(exp,))


@pytest.mark.parametrize("records, message", [
    (lambda cases: [Record(c, r, {"m": 1.0}) for c in cases for r in range(1)], "expected 4"),
    (lambda cases: [Record(cases[0], 0, {"m": 1.0})] * 2, "yielded twice"),
    (lambda cases: [Record(cases[0], 5, {"m": 1.0})], "not a requested case"),
    (lambda cases: [Record(cases[0], 0, {"q": 1.0})], "undeclared metric 'q'"),
])
def test_bad_records_are_errors(records, message):
    """Missing, duplicated, out-of-range records and undeclared metrics raise before verdicts."""
    suite = _suite(lambda cases, ctx: iter(records(cases)))
    session = Session(device="cpu", write=False)
    session.start([suite])
    with pytest.raises(ValueError, match=message):
        session.evaluate(suite, suite.claims)


def test_an_undeclared_budget_fails_at_start():
    """A suite without cases for the budget fails before the run is written."""
    suite = _suite(lambda cases, ctx: iter(()))
    with pytest.raises(ValueError, match="no cases for budget 'paper'"):
        Session(budget="paper", device="cpu", write=False).start([suite])


def _noisy_suite(claims=None):
    """A suite whose measurement is a draw from the replicate's seed (so streams change it)."""
    import numpy as np

    from redshift.parts import Part
    from redshift.quantities import CellMean

    def measure(cases, ctx):
        for c in cases:
            for r in range(ctx.replicates):
                yield Record(c, r, {"m": float(ctx.rng(c, r).normal(1.0, 0.1))})

    part = Part("m", "units", CellMean("m"), support=Above(0.0))
    claims = claims or (Claim("S-1", "m is positive", "src", parts=(part,)),)
    exp = Experiment("e", cases={"smoke": CASES}, measure=measure, metrics={"m": Metric(range=(-10.0, 10.0))},
                     claims=claims, replicates={"smoke": 8})
    return Suite("s", "1", "t", experiments=(exp,)), np


def test_a_seed_stream_changes_the_replicates_and_is_recorded(tmp_path):
    """The default stream and confirm-1 give different measurements; the run row stores the stream."""
    import sqlite3

    suite, _ = _noisy_suite()
    effects = {}
    for stream in ("default", "confirm-1", "default"):
        session = Session(device="cpu", db_path=str(tmp_path / "s.sqlite"), seed_stream=stream)
        session.start([suite])
        effects.setdefault(stream, []).append(session.evaluate(suite, suite.claims)[0].effect)
        session.finish()
    assert effects["default"][0] == effects["default"][1] != effects["confirm-1"][0]
    rows = sqlite3.connect(tmp_path / "s.sqlite").execute("SELECT seed_stream FROM runs ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["default", "confirm-1", "default"]


def test_verdicts_carry_definition_hash_family_and_parts(tmp_path):
    """A stored verdict has its definition hash, its Holm family and size, and one stored row per part."""
    from redshift.results.db import Database

    suite, _ = _noisy_suite()
    session = Session(device="cpu", db_path=str(tmp_path / "p.sqlite"))
    session.start([suite])
    v = session.evaluate(suite, suite.claims)[0]
    session.finish()
    assert len(v.definition) == 12 and (v.family, v.family_size) == ("s", 1) and v.unit == "units"
    with Database(tmp_path / "p.sqlite", create=False) as db:
        row = db.query("SELECT id, definition_hash, family FROM verdicts")[0]
        parts = db.parts_of(row["id"])
    assert row["definition_hash"] == v.definition and [p["name"] for p in parts] == ["m"]
    assert parts[0]["estimate"] == pytest.approx(v.effect)


def test_a_bad_seed_stream_is_bad_input():
    """A stream name with a space is refused before anything is written."""
    from redshift.runner import BadInput

    with pytest.raises(BadInput, match="seed stream"):
        Session(device="cpu", write=False, seed_stream="not ok")


def test_family_all_corrects_over_every_claim_of_every_installed_suite(monkeypatch, tmp_path):
    """--family all: the Holm family is every non-exact claim of every installed suite, and each verdict says so."""
    from pathlib import Path

    from redshift.registry import select
    from redshift.runner import family_size, run_suites

    toy = Path(__file__).parent / "toy_suites"
    monkeypatch.setenv("REDSHIFT_SUITE_PATHS", f"{toy / 'toy'}:{toy / 'toy_bad'}")
    size = family_size(select([]))
    alone = run_suites(["toy"], device="cpu", write=False)
    joint = run_suites(["toy"], device="cpu", write=False, family="all")
    assert size > len(alone) and {v.family_size for v in joint} == {size} and {v.family for v in joint} == {"all"}
    assert all(j.p_adjusted >= a.p_adjusted for a, j in zip(alone, joint))
