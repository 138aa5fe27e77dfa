"""Claim statistics of Neural Redshift part 2 (trained.py, shortcut.py, transformers.py) on synthetic tables."""
import numpy as np
import pytest
import torch

from redshift import Table

from suites.neural_redshift import shortcut as sc
from suites.neural_redshift import trained as tr
from suites.neural_redshift import transformers as tf
from suites.neural_redshift.parts import Cells


def _table(cases, fill, metrics, reps=4):
    """A table whose metric values are fill(case, metric, replicate)."""
    data = {m: np.array([[fill(c, m, r) for r in range(reps)] for c in cases]) for m in metrics}
    return Table(cases, data)


def test_peak_of_a_quadratic_is_its_vertex():
    """Validation accuracy 0.9 - (log a - log 2)^2 peaks at log alpha = log 2 (spec §3.3 peak fit)."""
    cases = tr.CASES["standard"]
    t = _table(cases, lambda c, m, r: 0.9 - (np.log(c["alpha"]) - np.log(2.0)) ** 2, ["val_acc"])
    assert tr.peak_log_alpha(Cells(t), "gaussian", 4) == pytest.approx(np.log(2.0), abs=1e-9)


def test_peak_falls_back_to_argmax_when_convex():
    """A convex fit has no vertex: the grid argmax is used (here the largest alpha)."""
    cases = tr.CASES["standard"]
    t = _table(cases, lambda c, m, r: np.log(c["alpha"]) ** 2 + 0.1 * np.log(c["alpha"]), ["val_acc"])
    assert tr.peak_log_alpha(Cells(t), "sine", 10) == pytest.approx(np.log(10.0))


def test_peak_shift_is_nan_with_one_alpha():
    """Smoke has one alpha per activation, so NR-16 is undefined there (inconclusive)."""
    cases = tr.CASES["smoke"]
    t = _table(cases, lambda c, m, r: 0.5, list(tr.METRICS))
    assert np.isnan(tr._peak_shift(t))


def test_prefactor_gain_picks_best_by_validation():
    """NR-15 takes alpha* and the best activation on validation accuracy, then reads test accuracy."""
    cases = tr.CASES["smoke"]
    val = {("relu", 1.0): 0.5, ("sine", 1.0): 0.6, ("sine", 4.0): 0.8}
    test = {("relu", 1.0): 0.45, ("sine", 1.0): 0.9, ("sine", 4.0): 0.7}
    fill = lambda c, m, r: (val if m == "val_acc" else test)[(c["act"], c["alpha"])]
    t = _table(cases, fill, ["val_acc", "test_acc"])
    assert tr._prefactor_gain(t) == pytest.approx(0.7 - 0.45)


def test_sweet_spot_cross_fitted():
    """Digit accuracy peaking at alpha = 3: P = acc(3) - max(acc(ends)), chosen on one half, scored on the other."""
    cases = sc.CASES["standard"]
    acc = {0.1: 0.1, 0.3: 0.2, 1.0: 0.3, 3.0: 0.5, 10.0: 0.25, 30.0: 0.1}
    t = _table(cases, lambda c, m, r: acc[c["alpha"]] if m == "digit_acc" else 1.0, ["digit_acc", "train_acc"])
    p, fit, hat = sc._sweet_spot(t, "tanh")
    assert (p, fit, hat) == (pytest.approx(0.5 - 0.1), 1.0, 3.0)


def test_gamma_trend_closed_forms():
    """C_seq a function of gamma alone gives rho = 1; one activation decreasing gives the minimum -1 (NR-22)."""
    cases = tf.CASES["standard"]
    t = _table(cases, lambda c, m, r: c["gamma"], ["c_seq"], reps=3)
    assert tf._gamma_trend(t) == pytest.approx(1.0)
    t = _table(cases, lambda c, m, r: -c["gamma"] if c["act"] == "tanh" else c["gamma"], ["c_seq"], reps=3)
    assert tf._gamma_trend(t) == pytest.approx(-1.0)


def test_gaussian_crossover_needs_gamma_ten():
    """Without gamma = 10 in the grid (smoke) NR-24 is undefined; with it the excess over the median is read."""
    fill = lambda c, m, r: 0.2 + (0.3 if c["act"] == "gaussian" and c["gamma"] == 10.0 else 0.0)
    assert np.isnan(tf._gaussian_crossover(_table(tf.CASES["smoke"], fill, ["c_seq"], reps=3)))
    assert tf._gaussian_crossover(_table(tf.CASES["standard"], fill, ["c_seq"], reps=3)) == pytest.approx(0.3)


def test_sequence_measures_closed_forms():
    """A constant sequence of 51 tokens has 9 LZ78 phrases (C_seq = 9/51) and is constant (spec A8)."""
    ids = torch.stack([torch.full((51,), 7), torch.arange(51)])
    out = tf.sequence_measures(ids)
    assert out["c_seq"].tolist() == pytest.approx([9 / 51, 1.0])
    assert out["const_frac"].tolist() == [1.0, 0.0]


def test_uniform_baseline_matches_anchor():
    """R(1024, 50) = 0.977 +- 0.005 (spec A10)."""
    assert tf.uniform_baseline(1024, 50) == pytest.approx(0.977, abs=0.005)


def test_nr24_small_gamma_gate_blocks_support_but_not_refutation():
    """NR-24: with gaussian far above the others at small gamma, a gamma = 10 deficit stays refutable (< 0) and a
    gamma = 10 excess is capped at 0 (never supported)."""
    import numpy as np

    from redshift import Case, Table
    from suites.neural_redshift import transformers as tr

    def table(gauss_small, gauss_10):
        cases, rows = [], []
        for act in ("gaussian", "gelu", "relu"):
            for gamma in (0.5, 10.0):
                cases.append(Case(tr.NAME, {"act": act, "gamma": gamma, "depth": 12}))
                base = {0.5: 0.2, 10.0: 0.5}[gamma]
                value = {0.5: gauss_small, 10.0: gauss_10}[gamma] if act == "gaussian" else base
                rows.append(np.full(3, value))
        return Table(cases, {"c_seq": np.stack(rows)})

    assert tr._gaussian_crossover(table(0.2, 0.7)) == pytest.approx(0.2)  # gate holds: the excess itself
    assert tr._gaussian_crossover(table(0.6, 0.7)) == 0.0  # gate fails: capped, cannot support
    assert tr._gaussian_crossover(table(0.6, 0.3)) == pytest.approx(-0.2)  # gate fails: still refutable
