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
