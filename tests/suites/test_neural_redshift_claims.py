"""Neural Redshift claims as engine parts, decided on synthetic tables where the truth is known."""
from __future__ import annotations

import numpy as np
import pytest

from redshift import Table
from redshift.claims import assess, verdicts

from suites.neural_redshift import guess_check as gc
from suites.neural_redshift import precision as pr
from suites.neural_redshift import random_claims as rc
from suites.neural_redshift import random_nets as rn
from suites.neural_redshift import shortcut as sc
from suites.neural_redshift import trained as tr
from suites.neural_redshift import transformers as tf

REPS = 120  # enough seeds for the betting inference to decide clear synthetic effects


def _table(cases, fill, metrics, reps=REPS, noise=0.01, seed=0):
    """fill(case, metric) plus N(0, noise) per replicate, clipped into [0, 1] for accuracies."""
    rng = np.random.default_rng(seed)
    data = {}
    for m in metrics:
        base = np.array([[fill(c, m)] for c in cases], dtype=float)
        vals = base + rng.normal(0.0, noise, (len(cases), reps))
        data[m] = np.clip(vals, 0.0, 1.0) if m.endswith("acc") or m.startswith("digit") else vals
    return Table(cases, data)


def _status(claim, table, metrics) -> str:
    ranges = {m: s.range for m, s in metrics.items()}
    a = assess(claim, table, np.random.default_rng(0), ranges)
    return verdicts([a], suite="t", budget="smoke", family_size=1)[0].status


def _claim(claims, cid):
    return next(c for c in claims if c.id == cid)


MLP = rn._random_mlp_cases("smoke")


def _mlp(fill, metrics=("c_fourier",), noise=0.02):
    return _table(MLP, fill, metrics, noise=noise)


def test_nr8_gating_gain_supported_and_its_absence_refuted():
    """Gated relu gaining 0.5 with alpha at L_hi while plain relu stays flat supports NR-8; gating losing 0.3 refutes."""
    for gain, want in ((0.5, "supported"), (-0.3, "refuted")):
        fill = lambda c, m: 0.3 + gain * (c.get("variant") == "gating" and c.get("alpha") == 8.0)  # noqa: E731
        assert _status(_claim(rc.RANDOM_MLP_CLAIMS, "NR-8"), _mlp(fill), rn.METRICS) == want


def test_nr9_unbiased_near_noise_supported_and_far_below_refuted():
    """The unbiased model at C_hat 1 (relu at 0) supports NR-9; at 0.3 it is refuted."""
    for level, want in ((1.0, "supported"), (0.3, "refuted")):
        fill = lambda c, m: level if c.get("variant") == "unbiased" else 0.0  # noqa: E731
        assert _status(_claim(rc.RANDOM_MLP_CLAIMS, "NR-9"), _mlp(fill), rn.METRICS) == want


def test_nr6_layer_norm_ratio_supported_when_small_and_refuted_when_equal():
    """Q6 = 0.1 (layer norm gains a tenth of plain's gain) supports NR-6; Q6 = 1 refutes it."""
    for share, want in ((0.1, "supported"), (1.0, "refuted")):
        def fill(c, m, share=share):
            gain = 0.8 * (c.get("alpha") == 8.0)
            return 0.1 + gain * (share if c.get("variant") == "layernorm" else 1.0)
        assert _status(_claim(rc.RANDOM_MLP_CLAIMS, "NR-6"), _mlp(fill), rn.METRICS) == want


def test_nr10_agreeing_measures_supported_and_unrelated_ones_not():
    """Four measures that are the same function of the cell agree (supported); independent noise does not."""
    metrics = ("c_fourier", "c_cheb", "c_leg", "c_lz")
    level = {c.name: i / len(MLP) for i, c in enumerate(MLP)}
    agree = _mlp(lambda c, m: level[c.name], metrics, noise=0.001)
    assert _status(_claim(rc.RANDOM_MLP_CLAIMS, "NR-10"), agree, rn.METRICS) == "supported"
    apart = _mlp(lambda c, m: 0.5, metrics, noise=0.2)
    assert _status(_claim(rc.RANDOM_MLP_CLAIMS, "NR-10"), apart, rn.METRICS) == "refuted"


def test_nr13_gap_supported_and_no_gap_refuted():
    """relu 0.85 vs unbiased 0.5 supports NR-13; both at 0.5 refute it (gap below 0.05)."""
    for relu, want in ((0.85, "supported"), (0.5, "refuted")):
        t = _table(gc.CASES["smoke"], lambda c, m: relu if c["family"] == "relu" else 0.5, ["test_acc"], noise=0.03)
        assert _status(gc.CLAIMS[0], t, gc.METRICS) == want


def _modadd(relu_train: float, drop: float):
    """relu: test 0.9 at M = 10 and 0.9 - drop at M = 4, training accuracy relu_train at M = 4."""
    def fill(c, m):
        if m == "majority":
            return 0.5 if c["modulus"] == 10 else 0.5
        if m == "log_alpha":
            return float(np.log(c["alpha"]))
        if c["act"] != "relu":
            return 0.9
        if m == "train_acc":
            return relu_train if c["modulus"] == 4 else 1.0
        return 0.9 - drop * (c["modulus"] == 4)
    return _table(tr.CASES["smoke"], fill, list(tr.METRICS), noise=0.02)


def test_nr14_supported_when_relu_fits_but_fails_m4():
    """relu fits M = 4 (training 1.0) but drops 0.4 in test accuracy (to the majority rate): supported."""
    assert _status(tr.CLAIMS[0], _modadd(1.0, 0.4), tr.METRICS) == "supported"


def test_nr14_underfitting_gate_leaves_it_undecided_both_ways():
    """relu underfitting M = 4 (training 0.6): inconclusive with a large drop and with no drop (never refuted)."""
    for drop in (0.4, 0.0):
        assert _status(tr.CLAIMS[0], _modadd(0.6, drop), tr.METRICS) == "inconclusive"
    assert _status(tr.CLAIMS[0], _modadd(1.0, 0.0), tr.METRICS) == "refuted"


def test_nr15_reads_test_accuracy_at_the_validation_best_alpha():
    """Sine is best on validation at alpha = 4 (test 0.8) and worse at 1 (test 0.95 but val 0.5): gain 0.8 - 0.5."""
    val = {("relu", 1.0): 0.5, ("sine", 1.0): 0.5, ("sine", 4.0): 0.8}
    test = {("relu", 1.0): 0.5, ("sine", 1.0): 0.95, ("sine", 4.0): 0.8}

    def fill(c, m):
        table = val if m == "val_acc" else test
        return table.get((c["act"], c["alpha"]), 0.5)
    t = _table(tr.CASES["smoke"], fill, ["val_acc", "test_acc"], noise=0.001)
    a = assess(tr.CLAIMS[1], t, np.random.default_rng(0), {m: s.range for m, s in tr.METRICS.items()})
    assert a.parts[0].estimate == pytest.approx(0.3, abs=0.01)


def _digits(train: float, interior: float):
    """Sine cells: colour 1.0 and digit 0.1 at alpha_min; digit accuracy `interior` at 3, 0.2 at the ends."""
    def fill(c, m):
        if m == "train_acc":
            return train
        if m == "colour_acc":
            return 1.0 if c["alpha"] == 0.3 else 0.3
        if m.startswith("digit_acc"):
            return {0.3: 0.1, 3.0: interior, 10.0: 0.2}[c["alpha"]]
        if m == "log_alpha":
            return float(np.log(c["alpha"]))
        return {0.3: 0.0, 3.0: 0.1, 10.0: 0.8}[c["alpha"]]  # C_hat at initialisation
    return _table(sc.CASES["smoke"], fill, list(sc.METRICS), noise=0.01)


def test_nr18_and_nr19a_decided_on_a_clear_shortcut_and_sweet_spot():
    """Colour 1.0 vs digit 0.1 at alpha_min supports NR-18; digit 0.6 at the interior alpha supports NR-19a."""
    t = _digits(1.0, 0.6)
    assert _status(_claim(sc.CLAIMS, "NR-18"), t, sc.METRICS) == "supported"
    assert _status(_claim(sc.CLAIMS, "NR-19a"), t, sc.METRICS) == "supported"
    assert _status(_claim(sc.CLAIMS, "NR-17"), t, sc.METRICS) == "supported"


def test_nr19a_gate_and_refutation():
    """No sweet spot (interior 0.05 below the ends) refutes NR-19a; an unfit training set leaves it undecided."""
    assert _status(_claim(sc.CLAIMS, "NR-19a"), _digits(1.0, 0.05), sc.METRICS) == "refuted"
    assert _status(_claim(sc.CLAIMS, "NR-19a"), _digits(0.5, 0.6), sc.METRICS) == "inconclusive"
    assert _status(_claim(sc.CLAIMS, "NR-18"), _digits(0.5, 0.6), sc.METRICS) == "inconclusive"


def test_nr19b_refute_rule():
    """Sine above tanh at alpha_max refutes NR-19b (its added refute rule); below supports its first part."""
    cases = sc.CASES["standard"]
    for sine, want in ((0.1, "refute"), (0.5, "support")):
        def fill(c, m, sine=sine):
            if m == "log_alpha":
                return float(np.log(c["alpha"]))
            if m == "digit_acc" and c["alpha"] == 30.0:
                return sine if c["act"] == "sine" else 0.3
            return 0.3
        t = _table(cases, fill, ["digit_acc", "digit_acc_a", "digit_acc_b", "log_alpha"], noise=0.01)
        a = assess(_claim(sc.CLAIMS, "NR-19b"), t, np.random.default_rng(0), {m: s.range for m, s in sc.METRICS.items()})
        assert a.parts[0].state == ("support" if want == "refute" else "refute")


def test_nr20_compressible_supported_and_uniform_refuted():
    """C_seq at 0.2 of R supports NR-20; at 0.95 of R it is refuted."""
    for rel, want in ((0.2, "supported"), (0.95, "refuted")):
        t = _table(tf.CASES["smoke"], lambda c, m: rel, ["c_seq_rel", "c_seq"], noise=0.02)
        assert _status(_claim(tf.CLAIMS, "NR-20"), t, tf.METRICS) == want


def test_nr25_float32_inflation_supported_and_its_absence_not():
    """A float32 excess of 0.6 C_hat at the deep sigmoid cell supports NR-25; no excess refutes it."""
    metrics = list(pr.METRICS)
    for excess, want in ((0.6, "supported"), (-0.2, "refuted")):
        fill = lambda c, m: excess if (m == "d_fourier_raw" and c["act"] == "sigmoid" and c["alpha"] == 0.1  # noqa
                                       and c["depth"] == 7) else 0.0
        t = _table(pr.CASES["smoke"], fill, metrics, noise=0.05)
        assert _status(pr.CLAIMS[0], t, pr.METRICS) == want
