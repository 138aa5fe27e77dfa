"""Claim definitions: hashed canonically, stable across processes, changed by any threshold, case or count."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest

from redshift import Above, Claim, Experiment, Metric, Suite, grid
from redshift.definitions import definition_hash, lock_differences, read_lock, suite_hashes, updated_lock
from redshift.parts import Part
from redshift.quantities import CellMean


def _suite(bound: float = 0.5, cases=("a", "b"), smoke_reps: int = 5, changelog: tuple = ()) -> Suite:
    claim = Claim("D-1", "m is large", "src", parts=(Part("m", "fraction", CellMean("m", {"g": "a"}),
                                                          support=Above(bound)),))
    exp = Experiment("e", cases={"smoke": grid("e", g=list(cases))}, measure=lambda c, ctx: iter(()),
                     metrics={"m": Metric(range=(0.0, 1.0))}, claims=(claim,), replicates={"smoke": smoke_reps})
    return Suite("d", "1", "t", experiments=(exp,), changelog=changelog)


def _hash(suite: Suite) -> str:
    return suite_hashes(suite)["D-1"]


def test_the_hash_is_the_same_in_every_process_and_hash_seed():
    """Two fresh interpreters with different PYTHONHASHSEED give the same hashes for every installed claim."""
    code = ("from redshift.registry import select; from redshift.definitions import suite_hashes; "
            "print(sorted((k, v) for s in select([]) for k, v in suite_hashes(s).items()))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env=os.environ | {"PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(outs) == 1 and "NR-1" in outs.pop()


@pytest.mark.parametrize("change", [dict(bound=0.6), dict(cases=("b", "c")), dict(smoke_reps=6)])
def test_changing_a_threshold_a_case_or_a_replicate_count_changes_the_hash(change):
    """A threshold, the cases the claim reads, and the replicate count are all part of the definition."""
    assert _hash(_suite(**change)) != _hash(_suite())


def test_a_case_the_claim_does_not_read_leaves_the_hash_alone():
    """Adding case g=z, which the claim does not read (its part reads g=a only), leaves the hash alone."""
    assert _hash(_suite(cases=("a", "b", "z"))) == _hash(_suite())


def test_the_lock_refuses_a_changed_definition_without_a_changelog_line():
    """Re-locking a changed claim needs a new changelog line naming it; with one, the lock takes the new hash."""
    lock = updated_lock([_suite()], {})
    changed = _suite(bound=0.7)
    assert lock_differences([changed], lock)
    with pytest.raises(ValueError, match="changelog"):
        updated_lock([changed], lock)
    logged = dataclasses.replace(changed, changelog=("D-1: bound 0.5 -> 0.7 (spec revision 3)",))
    assert not lock_differences([logged], updated_lock([logged], lock))


def test_every_installed_claim_matches_the_committed_lock():
    """suites/claims.lock.json holds every claim's current definition: change one only through the suite's
    changelog and `redshift lock --update` (see README, "Claim definitions")."""
    from redshift.registry import select

    diffs = lock_differences(select([]), read_lock())
    assert not diffs, "\n".join(diffs[:10]) + "\nrun `redshift lock --update` after adding changelog lines"


def test_claim_hash_is_stored_hex():
    """12 lowercase hex digits."""
    h = definition_hash(_suite(), _suite().experiments[0], _suite().claims[0])
    assert len(h) == 12 and int(h, 16) >= 0


def test_adding_a_defaulted_field_to_an_engine_class_changes_no_hash():
    """Fields left at their defaults are not part of the fingerprint: a new engine option cannot silently
    change every claim's definition."""
    from redshift.quantities import fingerprint

    plain = Part("m", "fraction", CellMean("m"), support=Above(0.5))
    assert "exact" not in fingerprint(plain) and "gate" not in fingerprint(plain)
    assert fingerprint(dataclasses.replace(plain, gate=True))["gate"] is True
