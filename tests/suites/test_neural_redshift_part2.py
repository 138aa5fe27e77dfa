"""Neural Redshift part 2: sequence measures and the uniform baseline (transformers.py); the trained experiments'
splits by activation (trained.py, shortcut.py).

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




def test_modular_addition_split_by_activation_is_bit_identical(tmp_path):
    """modular_addition trains one population per activation, so its declared split by activation gives the
    unsplit numbers bit for bit (smoke cells: relu and sine, 2 replicates)."""
    from redshift.registry import select
    from redshift.work import split_differences

    suite = select(["neural_redshift"])[0]
    exp = suite.experiment_of("NR-14")
    assert exp.split_by == ("act",) and len({c["act"] for c in exp.cases_for("smoke")}) == 2
    assert split_differences(suite, "modular_addition", ("act",), "smoke", 2, out_dir=str(tmp_path)) == []


def test_colored_digits_split_by_activation_is_bit_identical(tmp_path):
    """colored_digits trains one population per activation: a miniature over two activations (width 16, 40 steps)
    gives the same numbers whole and split by activation, the complexity measures included."""
    import dataclasses

    from redshift import grid
    from redshift.registry import select
    from redshift.work import split_differences
    from suites.neural_redshift import shortcut

    suite = select(["neural_redshift"])[0]
    exp = dataclasses.replace(suite.experiment_of("NR-17"),
                              cases={"smoke": grid(shortcut.NAME, act=["sine", "tanh"], alpha=[0.3, 3.0])},
                              config={"smoke": shortcut.DigitsConfig(16, 200, 40, 5e-3, 16)})
    assert exp.split_by == ("act",)
    mini = dataclasses.replace(suite, experiments=(exp,))
    assert split_differences(mini, shortcut.NAME, ("act",), "smoke", 2, out_dir=str(tmp_path)) == []
