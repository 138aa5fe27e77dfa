"""Cases, grids and suite declarations."""
import pytest

from redshift import Above, Case, Claim, Experiment, Mean, Metric, Rule, Suite, grid


def test_case_name_is_canonical_with_sorted_keys():
    """The case name (part of every seed's identity) sorts keys and prints floats with repr."""
    assert Case("e", {"b": 1, "a": 0.5}).name == "e[a=0.5,b=1]"
    assert Case("e", {"b": 1, "a": 0.5}) == Case("e", {"a": 0.5, "b": 1})


def test_grid_is_the_cartesian_product_in_axis_order():
    """grid(x=[1,2], y='a') gives two cases, x varying, y a one-value axis."""
    assert [c.name for c in grid("g", x=[1, 2], y="a")] == ["g[x=1,y=a]", "g[x=2,y=a]"]


def test_case_matching_by_equality_membership_and_predicate():
    """where-selectors match on equality, membership in a tuple, or a predicate."""
    case = Case("e", {"w": 8, "act": "relu"})
    assert case.matches({"w": 8}) and case.matches({"w": (2, 8)}) and case.matches({"w": lambda v: v > 4})
    assert not case.matches({"w": 2}) and not case.matches({"depth": 1})


def _suite(claims, metrics=("m",)):
    exp = Experiment("e", cases={"smoke": grid("e", x=[1])}, measure=lambda cases, ctx: iter(()),
                     metrics={m: Metric() for m in metrics}, claims=tuple(claims))
    return Suite("s", "1", "t", experiments=(exp,))


def test_duplicate_claim_ids_are_rejected():
    """Two claims with one id in a suite is a declaration error."""
    c = Claim("S-1", "x", "src", Mean("m"), Rule(Above(0)))
    with pytest.raises(ValueError, match="declared twice"):
        _suite([c, c])


def test_a_claim_reading_an_undeclared_metric_is_rejected():
    """A claim may only read metrics its experiment declares."""
    with pytest.raises(ValueError, match="undeclared metric 'z'"):
        _suite([Claim("S-1", "x", "src", Mean("z"), Rule(Above(0)))])


def test_decisive_at_and_predicted_are_checked():
    """decisive_at must be a budget and predicted a status."""
    with pytest.raises(ValueError, match="decisive_at"):
        Claim("S-1", "x", "src", Mean("m"), Rule(Above(0)), decisive_at="huge")
    with pytest.raises(ValueError, match="predicted"):
        Claim("S-1", "x", "src", Mean("m"), Rule(Above(0)), predicted="maybe")
