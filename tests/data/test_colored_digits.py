"""Tests of redshift.data.colored_digits: the band, the targets, accuracy and the M12 slice."""
from math import sqrt

import pytest
import torch

from redshift.data.colored_digits import (BAND_AMPLITUDE, N_TEST, colored_digits, data_slice,
                                          level_accuracy, with_band)


def test_band_values_hand_computed():
    """The band is 8 pixels of 0.1/sqrt(8) * c appended after the 64 pixels (band norm 0.1 c)."""
    x = with_band(torch.zeros(2, 64), torch.tensor([1.0, 4 / 9]))
    assert x.shape == (2, 72) and torch.all(x[:, :64] == 0)
    assert x[0, 64:].tolist() == pytest.approx([0.1 / sqrt(8)] * 8)
    assert torch.linalg.norm(x[1, 64:]).item() == pytest.approx(0.1 * 4 / 9)


def test_training_colour_and_target_equal_digit_over_9():
    """In training both the colour band and the target encode digit/9; pixels lie in [0, 1]."""
    d = colored_digits(100, seed=1)
    assert d.train_x.shape == (100, 72) and d.colour_x.shape == (N_TEST, 72)
    torch.testing.assert_close(d.train_x[:, 64], BAND_AMPLITUDE * d.train_y)
    assert torch.allclose(d.train_y * 9, torch.round(d.train_y * 9))
    assert d.train_x[:, :64].min() >= 0 and d.train_x[:, :64].max() <= 1


def test_test_sets_share_inputs_and_differ_in_target():
    """Colour test targets are the band's colour; digit test targets the digit; colours are not digit/9."""
    d = colored_digits(100, seed=1)
    assert torch.equal(d.colour_x, d.digit_x)
    torch.testing.assert_close(d.colour_x[:, 64], BAND_AMPLITUDE * d.colour_y)
    assert (d.colour_y != d.digit_y).float().mean() > 0.8  # random colours: ~90% disagree


def test_deterministic_under_seed():
    """The same seed gives identical tensors; another seed changes only the test colours."""
    a, b, c = colored_digits(50, seed=3), colored_digits(50, seed=3), colored_digits(50, seed=4)
    assert all(torch.equal(x, y) for x, y in zip(vars(a).values(), vars(b).values()))
    assert torch.equal(a.train_x, c.train_x) and not torch.equal(a.colour_y, c.colour_y)


def test_level_accuracy_closed_form():
    """Rounding to the nearest of the 10 levels after clipping: hand-computed hits."""
    target = torch.tensor([0.0, 1.0, 5 / 9, 2 / 9])
    pred = torch.tensor([-0.3, 1.7, 5 / 9 + 0.05, 2 / 9 + 0.06])  # hit, hit, hit, miss (0.54 level off)
    assert level_accuracy(pred, target).item() == pytest.approx(0.75)


def test_data_slice_geometry():
    """The slice is centred on the mean and spans +-2 standard deviations along the top two PCs."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(500, 5, generator=g) * torch.tensor([5.0, 3.0, 1.0, 0.5, 0.1]) + 2.0
    s = data_slice(x, grid_size=5)  # (25, 5), row-major in (u, v)
    centred = x.double() - x.double().mean(0)
    _, sv, vh = torch.linalg.svd(centred, full_matrices=False)
    sd = sv[:2] / sqrt(500)
    torch.testing.assert_close(s[12], x.double().mean(0))  # (u, v) = (0, 0)
    proj = (s - x.double().mean(0)) @ vh[:2].T  # (25, 2)
    torch.testing.assert_close(proj[0], -2 * sd)  # (u, v) = (-1, -1)
    torch.testing.assert_close(proj[4], torch.stack([-2 * sd[0], 2 * sd[1]]))  # (u, v) = (-1, 1)
    assert s.dtype == torch.float64


def test_bad_training_size_is_a_clear_error():
    """More training images than the pool holds raises ValueError."""
    with pytest.raises(ValueError, match="n_train"):
        colored_digits(1500, seed=0)
