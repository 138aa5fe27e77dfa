"""Neural Redshift part 2 (transformers.py): sequence measures and the uniform baseline.

The claims of part 2 are tested as engine parts in test_neural_redshift_claims.py."""
import pytest
import torch

from suites.neural_redshift import transformers as tf


def test_sequence_measures_closed_forms():
    """A constant sequence of 51 tokens has 9 LZ78 phrases (C_seq = 9/51) and is constant (spec A8)."""
    ids = torch.stack([torch.full((51,), 7), torch.arange(51)])
    out = tf.sequence_measures(ids)
    assert out["c_seq"].tolist() == pytest.approx([9 / 51, 1.0])
    assert out["const_frac"].tolist() == [1.0, 0.0]


def test_uniform_baseline_matches_anchor():
    """R(1024, 50) = 0.977 +- 0.005 (spec A10)."""
    assert tf.uniform_baseline(1024, 50) == pytest.approx(0.977, abs=0.005)


