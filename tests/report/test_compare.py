"""redshift compare: the batched two-sample tests, change detection, calibration, gates and --json."""
import json
import math

import numpy as np
import pytest
from scipy import stats as sps

from redshift.cli import main
from redshift.report.changes import decide_changes, mannwhitney_p, tost_p, welch_p
from redshift.report.compare import compare
from redshift.results import Database

from synth import normal, synth_run, verdict


def _t2_sf(x: float) -> float:
    """Closed-form survival function of Student's t with 2 degrees of freedom."""
    return 0.5 - x / (2 * math.sqrt(2 + x * x))


def test_welch_matches_the_closed_form_with_two_degrees_of_freedom():
    """a = (-1, 1), b = (0, 2): t = 1/sqrt(2), df = 2, p = 2 sf_2(t)."""
    p = welch_p(np.array([[-1.0, 1.0]]), np.array([[0.0, 2.0]]))
    assert p[0] == pytest.approx(2 * _t2_sf(1 / math.sqrt(2)), rel=1e-12)


def test_tost_matches_the_closed_form():
    """Equal samples (-1, 1) twice, margin sqrt(2): both one-sided t = 1, df = 2, p = sf_2(1)."""
    a = np.array([[-1.0, 1.0]])
    assert tost_p(a, a, np.array([math.sqrt(2)]))[0] == pytest.approx(_t2_sf(1.0), rel=1e-12)


def test_batched_tests_agree_with_scipy_row_by_row():
    """Welch and Mann-Whitney over (K, R) rows with NaN gaps equal scipy on each row's finite values."""
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(6, 8)), rng.normal(0.7, 2.0, size=(6, 5))
    a[0, 3], b[2, 1] = np.nan, np.nan
    ref_w = [sps.ttest_ind(x[np.isfinite(x)], y[np.isfinite(y)], equal_var=False).pvalue for x, y in zip(a, b)]
    ref_u = [sps.mannwhitneyu(x[np.isfinite(x)], y[np.isfinite(y)]).pvalue for x, y in zip(a, b)]
    assert welch_p(a, b) == pytest.approx(ref_w, rel=1e-10)
    assert mannwhitney_p(a, b) == pytest.approx(ref_u, rel=1e-10)


def test_paired_test_agrees_with_scipy_ttest_rel():
    """paired=True is scipy's ttest_rel on replicates matched by index."""
    rng = np.random.default_rng(6)
    a = rng.normal(size=(4, 7))
    b = a + rng.normal(0.3, 0.5, size=(4, 7))
    assert welch_p(a, b, paired=True) == pytest.approx(sps.ttest_rel(a, b, axis=1).pvalue, rel=1e-10)


def test_pairing_by_seed_sees_a_small_shift_welch_cannot():
    """Shared seeds: b_r = a_r + 0.05 (+ tiny noise) is unchanged at margin 0.1 only when paired."""
    rng = np.random.default_rng(7)
    a = rng.normal(size=(1, 8))
    b = a + 0.05 + rng.normal(0, 1e-3, size=(1, 8))
    args = (np.array([0.1]), np.array(["higher"]))
    assert decide_changes(a, b, *args, method="paired").status[0] == "unchanged"
    assert decide_changes(a, b, *args, method="welch").status[0] == "inconclusive"


def test_constant_rows_are_decided_exactly():
    """Bit-identical replicates are unchanged even at margin 0; two different constants are a change."""
    same = np.array([[2.0, 2.0, 2.0]])
    res = decide_changes(np.vstack([same, same]), np.vstack([same, same + 1]), np.zeros(2),
                         np.array(["none", "lower"]))
    assert list(res.status) == ["unchanged", "regression"]


def test_too_few_replicates_is_inconclusive():
    """One replicate per side gives NaN p-values and no decision."""
    res = decide_changes(np.array([[1.0, np.nan]]), np.array([[5.0, np.nan]]), np.ones(1), np.array(["higher"]))
    assert np.isnan(res.p_change[0]) and res.status[0] == "inconclusive"


def test_a_known_change_is_found_and_nothing_else(db_path):
    """Case k=1 shifts by 3 sd (direction higher): improvement; k=0 unchanged within its margin of 2."""
    rng = np.random.default_rng(2)
    base = {(0, "x"): normal(rng, 0.0, 20), (1, "x"): normal(rng, 0.0, 20)}
    cand = {(0, "x"): normal(rng, 0.0, 20), (1, "x"): normal(rng, 3.0, 20)}
    a, b = synth_run(db_path, "a" * 40, base, margin=2.0), synth_run(db_path, "b" * 40, cand, margin=2.0)
    with Database(db_path) as db:
        cmp = compare(db, str(a), str(b))
    status = dict(zip(cmp.metrics["case"], cmp.metrics["status"]))
    assert status == {"coin[k=0]": "unchanged", "coin[k=1]": "improvement"}


@pytest.mark.parametrize("method, shared", [("welch", 0.0), ("mannwhitney", 0.0), ("paired", 1.0)])
def test_false_alarms_are_at_most_five_percent(method, shared):
    """1000 simulated pairs of versions without a change, 4 metrics each: a family flags a change <= 5%.

    For the paired test, replicate r of both versions shares a seed effect, as hashed seeds make it."""
    rng = np.random.default_rng(3)
    alarms = 0
    for _ in range(1000):
        s = shared * rng.normal(size=(4, 8))
        a, b = s + rng.normal(size=(4, 8)), s + rng.normal(size=(4, 8))
        res = decide_changes(a, b, np.full(4, 0.5), np.array(["higher", "lower", "none", "higher"]), method)
        alarms += bool(np.isin(res.status, ["regression", "improvement", "changed"]).any())
    assert alarms / 1000 <= 0.05


def test_dirty_cases_are_matched_by_name_and_extras_listed(db_path):
    """A case measured in one run only is listed under only_in, not compared."""
    rng = np.random.default_rng(4)
    a = synth_run(db_path, "a" * 40, {(0, "x"): normal(rng, 0)})
    b = synth_run(db_path, "b" * 40, {(0, "x"): normal(rng, 0), (5, "x"): normal(rng, 0)})
    with Database(db_path) as db:
        cmp = compare(db, str(a), str(b))
    assert list(cmp.metrics["case"]) == ["coin[k=0]"] and cmp.only_in["metrics"]["b"] == ["toy coin coin[k=5] x"]


def _two_runs(db_path, status_b: str, slow: float = 1.0):
    rng = np.random.default_rng(5)
    vals = {(0, "x"): normal(rng, 0)}
    a = synth_run(db_path, "a" * 40, vals, verdicts=[verdict("TOY-1", "supported")],
                  timings={"kern": [1.0, 1.01, 0.99, 1.02, 0.98]})
    b = synth_run(db_path, "b" * 40, vals, verdicts=[verdict("TOY-1", status_b)],
                  timings={"kern": [slow * t for t in (1.0, 1.01, 0.99, 1.02, 0.98)]})
    return a, b


def test_a_flipped_verdict_trips_fail_on_flip(db_path, capsys):
    """supported -> inconclusive is a flip: exit 1 with --fail-on flip, 0 without a gate."""
    a, b = _two_runs(db_path, "inconclusive")
    assert main(["compare", str(a), str(b), "--fail-on", "flip"]) == 1
    assert main(["compare", str(a), str(b)]) == 0
    assert "flip" in capsys.readouterr().out


def test_no_flip_no_trip_and_commits_resolve(db_path, capsys):
    """Same verdicts compared by commit prefix: --fail-on flip exits 0."""
    _two_runs(db_path, "supported")
    assert main(["compare", "aaaaaaa", "bbbbbbb", "--fail-on", "flip"]) == 0


def test_a_slower_kernel_trips_the_timing_gate(db_path, capsys):
    """Timings twice as slow: the kernel row is a regression and --fail-on timing trips."""
    a, b = _two_runs(db_path, "supported", slow=2.0)
    code = main(["compare", str(a), str(b), "--json", "--fail-on", "timing"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 1 and payload["tripped"] and payload["timings"][0]["status"] == "regression"
    assert payload["timings"][0]["ratio"] == pytest.approx(2.0)


def test_a_slower_kernel_is_no_science_regression(db_path, capsys):
    """Timings twice as slow, science unchanged: --fail-on regression and any-change do not trip."""
    a, b = _two_runs(db_path, "supported", slow=2.0)
    assert main(["compare", str(a), str(b), "--fail-on", "regression"]) == 0
    assert main(["compare", str(a), str(b), "--fail-on", "any-change"]) == 0


def test_json_lists_both_verdicts_and_metric_spreads(db_path, capsys):
    """--json: claim rows carry both statuses and flipped; metric rows both means, sds and counts."""
    a, b = _two_runs(db_path, "refuted")
    assert main(["compare", str(a), str(b), "--json", "--fail-on", "any-change"]) == 1
    payload = json.loads(capsys.readouterr().out)
    claim = payload["claims"][0]
    assert (claim["status_a"], claim["status_b"], claim["flipped"], claim["regression"]) == \
        ("supported", "refuted", True, True)
    assert {"mean_a", "sd_a", "n_a", "mean_b", "sd_b", "n_b", "p_change", "p_equiv"} <= set(payload["metrics"][0])


def test_unknown_reference_is_bad_input(db_path, capsys):
    """A reference that is no run, commit or git ref: exit 2 with one line."""
    _two_runs(db_path, "supported")
    assert main(["compare", "1", "no-such-ref-xyz"]) == 2
    assert "no-such-ref-xyz" in capsys.readouterr().err


def test_a_changed_definition_is_reported_instead_of_a_flip(db_path):
    """The same claim with another definition hash and another status: 'definition changed', not a flip,
    so --fail-on flip does not trip while --fail-on any-change does."""
    import dataclasses

    values = {(0, "x"): [1.0, 2.0, 3.0]}
    old = dataclasses.replace(verdict("T-1", "supported"), definition="aaaaaaaaaaaa")
    new = dataclasses.replace(verdict("T-1", "inconclusive"), definition="bbbbbbbbbbbb")
    a = synth_run(db_path, "a" * 40, values, verdicts=[old])
    b = synth_run(db_path, "b" * 40, values, verdicts=[new])
    with Database(db_path) as db:
        cmp = compare(db, str(a), str(b))
    row = cmp.claims.iloc[0]
    assert row["change"] == "definition changed" and not row["flipped"] and not row["regression"]
    assert not cmp.tripped("flip") and cmp.tripped("any-change")
