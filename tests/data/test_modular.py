"""Tests of redshift.data.modular: counts, split, corruption (grokking_corrupted spec D1-D3, section 5)."""
import pytest
import torch

from redshift.data.modular import corrupted_split, one_hot_inputs, pair_operands, split_counts


@pytest.mark.parametrize("p, alpha, xi, n_train, n_noise", [
    (97, 0.5, 0.35, 4704, 1646), (59, 0.7, 0.35, 2436, 852), (97, 0.65, 0.2, 6115, 1223)])
def test_counts_match_the_spec_table(p, alpha, xi, n_train, n_noise):
    """n_train = floor(alpha p^2) and n_noise = floor(xi n_train) by float truncation (spec section 5)."""
    assert split_counts(p, alpha, xi) == (n_train, n_noise)


def test_bad_fractions_raise():
    """A data fraction outside (0, 1) is a clear error."""
    with pytest.raises(ValueError, match="alpha"):
        split_counts(59, 1.2, 0.1)


def test_labels_are_sums_mod_p_in_pair_order():
    """Pair index i = m p + n carries y = (m + n) mod p (spec D1)."""
    m, n, y = pair_operands(7)
    assert (m[7 * 3 + 5], n[7 * 3 + 5], y[7 * 3 + 5]) == (3, 5, 1)


def test_one_hot_inputs_concatenate_two_basis_vectors():
    """x = e_m (+) e_n: ones at m and p + n only (spec D1)."""
    x = one_hot_inputs(5)
    assert x.sum().item() == 2 * 25 and x[5 * 2 + 4, 2] == 1 and x[5 * 2 + 4, 5 + 4] == 1


def test_corruption_changes_exactly_the_first_n_noise_training_examples():
    """C is the first n_noise training pairs in pi order; labels differ from y only there (spec D3)."""
    s = corrupted_split(59, 0.7, 0.35, seed=11)
    assert int(s.train.sum()) == 2436 and int(s.corrupted.sum()) == 852
    assert bool(s.corrupted[s.order[:852]].all()) and not bool(s.corrupted[s.order[852:]].any())
    assert bool((s.labels[~s.corrupted] == s.clean[~s.corrupted]).all())
    assert not bool((s.corrupted & ~s.train).any())  # test labels never corrupted


def test_silent_corruptions_are_about_one_in_p():
    """About n_noise / p corrupted labels equal the true label (spec D3), within 4 standard errors."""
    s = corrupted_split(59, 0.7, 0.35, seed=3)
    changed = int((s.labels[s.corrupted] != s.clean[s.corrupted]).sum())
    assert changed + s.n_silent == 852
    assert abs(s.n_silent - 852 / 59) < 4 * (852 / 59) ** 0.5
    assert s.full_inversion_ceiling == pytest.approx((2436 - 852 + s.n_silent) / 2436)


def test_corruption_is_reproducible_under_a_seed():
    """The same seed gives the same split and labels; another seed a different split."""
    a, b, c = (corrupted_split(31, 0.5, 0.3, seed=s) for s in (5, 5, 6))
    assert torch.equal(a.order, b.order) and torch.equal(a.labels, b.labels)
    assert not torch.equal(a.order, c.order)


def test_corruption_is_nested_across_xi():
    """With one stream, C(0.2) is inside C(0.5) with the same labels and the same split (spec D3 [X])."""
    lo, hi = corrupted_split(59, 0.7, 0.2, seed=9), corrupted_split(59, 0.7, 0.5, seed=9)
    assert torch.equal(lo.train, hi.train)
    assert bool(hi.corrupted[lo.corrupted].all())
    assert torch.equal(lo.labels[lo.corrupted], hi.labels[lo.corrupted])
