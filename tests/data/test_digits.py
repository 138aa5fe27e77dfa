"""Tests of redshift.data.digits: standardisation, pair pools, nested balanced training sets (spec D1, D2)."""

import numpy as np
import pytest
import torch

from redshift.data.digits import digits_pool, load_digits_standardised, nested_sets


def test_standardised_globally():
    """All 1797 images together have mean 0 and std 1 (spec D2)."""
    x, y = load_digits_standardised()
    assert x.shape == (1797, 64) and y.shape == (1797,)
    assert abs(float(x.mean())) < 1e-5
    assert abs(float(x.std(unbiased=False)) - 1.0) < 1e-5


def test_pool_labels_and_segments():
    """Label 0 is the pair's first class, 1 its second; a shared class appears once per pair."""
    _, y_all = load_digits_standardised()
    pool = digits_pool([(8, 9), (1, 8)])
    n89 = int(((y_all == 8) | (y_all == 9)).sum())
    n18 = int(((y_all == 1) | (y_all == 8)).sum())
    assert pool.x.shape[0] == n89 + n18
    assert int((pool.segment == 0).sum()) == n89
    assert int(pool.y[pool.segment == 0].sum()) == int((y_all == 9).sum())
    assert int(pool.y[pool.segment == 1].sum()) == int((y_all == 8).sum())


def test_nested_prefix_per_class():
    """For a fixed seed the set of size n is a prefix of the set of size n + 2, per class (anchor A3)."""
    pool = digits_pool([(3, 5)])
    small = nested_sets(pool, [0, 0], [11, 12], n_max=8)
    large = nested_sets(pool, [0, 0], [11, 12], n_max=16)
    assert torch.equal(large.order[:, :8], small.order)
    for n in (2, 4, 6, 8, 10, 12, 14):
        xa, ya = large.train(n)
        xb, yb = large.train(n + 2)
        assert torch.equal(xb[:, :n], xa) and torch.equal(yb[:, :n], ya)


def test_balanced_and_seeded():
    """Every training set holds n/2 of each class; different seeds give different sets."""
    pool = digits_pool([(3, 5), (8, 9)])
    sets = nested_sets(pool, [0, 1, 1], [5, 5, 6], n_max=10)
    _, y = sets.train(10)
    assert torch.equal(y.sum(1), torch.full((3,), 5))
    assert not torch.equal(sets.order[1], sets.order[2])


def test_test_mask_is_the_rest_of_the_pair():
    """The test set is every example of the set's own pair outside its training set."""
    pool = digits_pool([(3, 5), (8, 9)])
    sets = nested_sets(pool, [0, 1], [1, 2], n_max=8)
    mask = sets.test_mask(4)
    in_pair = (pool.segment == 0).sum(), (pool.segment == 1).sum()
    assert int(mask[0].sum()) == int(in_pair[0]) - 4 and int(mask[1].sum()) == int(in_pair[1]) - 4
    assert not mask[0, sets.order[0, :4]].any() and mask[0, sets.order[0, 4:]].all()
    assert not mask[0, pool.segment == 1].any()


def test_bad_sizes_raise():
    """Odd or too large training-set sizes are rejected with a clear error."""
    pool = digits_pool([(3, 5)])
    sets = nested_sets(pool, [0], [1], n_max=8)
    with pytest.raises(ValueError):
        sets.train(5)
    with pytest.raises(ValueError):
        nested_sets(pool, [0], [1], n_max=int(np.iinfo(np.int32).max) // 2 * 2)
