"""Tests of redshift.data.modular_targets: encoding, labels on hand-computed pairs, splits."""
import pytest
import torch

from redshift.data.modular_targets import majority_rate, modular_inputs, modular_labels, random_splits


def _label(labels: torch.Tensor, x1: int, x2: int, n: int = 16) -> float:
    return labels[x1 * n + x2].item()


def test_inputs_encoding_and_order():
    """Point (x1, x2) sits at row x1*16 + x2 with value 2x/15 - 1 (ends -1 and 1 included)."""
    x = modular_inputs()
    assert x.shape == (256, 2)
    assert x[0].tolist() == [-1.0, -1.0] and x[255].tolist() == [1.0, 1.0]
    assert x[3 * 16 + 5].tolist() == pytest.approx([2 * 3 / 15 - 1, 2 * 5 / 15 - 1])


def test_labels_hand_computed_m4():
    """M = 4, rule <: residues 0, 1 are positive, 2, 3 negative; rule <= also makes 2 positive."""
    lt, le = modular_labels(4), modular_labels(4, rule="le")
    assert [_label(lt, 0, 0), _label(lt, 0, 1), _label(lt, 1, 1), _label(lt, 1, 2)] == [1, 1, 0, 0]
    assert [_label(le, 1, 1), _label(le, 1, 2), _label(le, 3, 3)] == [1, 0, 1]  # 6 mod 4 = 2


def test_labels_hand_computed_m7_m10():
    """M = 7: residue 3 < 3.5 is positive, 4 is not; M = 10: 15 + 14 = 29 -> 9 negative, 5 + 5 -> 0 positive."""
    m7, m10 = modular_labels(7), modular_labels(10)
    assert [_label(m7, 2, 1), _label(m7, 2, 2), _label(m7, 3, 3), _label(m7, 7, 7)] == [1, 0, 0, 1]
    assert [_label(m10, 15, 14), _label(m10, 5, 5), _label(m10, 9, 3)] == [0, 1, 1]


def test_majority_rate_of_rules():
    """M = 4 is balanced under <, 75% positive under <= (spec Pitfalls)."""
    assert majority_rate(modular_labels(4)) == pytest.approx(0.5)
    assert majority_rate(modular_labels(4, rule="le")) == pytest.approx(0.75, abs=0.01)


def test_splits_deterministic_and_disjoint():
    """The same seed gives the same split; train/val/test partition the 256 points."""
    a, b = random_splits([3, 4]), random_splits([3, 4])
    assert torch.equal(a.train, b.train) and torch.equal(a.test, b.test)
    assert a.train.shape == (2, 128) and a.val.shape == (2, 64) and a.test.shape == (2, 64)
    allidx = torch.cat([a.train, a.val, a.test], dim=1).sort(dim=1).values
    assert torch.equal(allidx, torch.arange(256).expand(2, -1))
    assert not torch.equal(a.train[0], a.train[1])


def test_bad_modulus_is_a_clear_error():
    """A modulus below 2 raises ValueError."""
    with pytest.raises(ValueError, match="modulus"):
        modular_labels(1)
