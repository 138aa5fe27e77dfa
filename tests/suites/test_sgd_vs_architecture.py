"""Tests of the sgd_vs_architecture suite's own pieces: effect statistics, priors, margins, helpers."""

import math

import numpy as np
import pytest
import torch

from redshift import Case, Table
from redshift.data.digits import digits_pool, nested_sets
from redshift.nets.bias_free import MLP, rescale
from suites.sgd_vs_architecture.claims import _sa9, _sa12
from suites.sgd_vs_architecture.config import build_arch, hidden_widths, parse_pair
from suites.sgd_vs_architecture.effects import View, all_identical, trainable_width_effect
from suites.sgd_vs_architecture.margins import input_lipschitz, weight_normalised_loss
from suites.sgd_vs_architecture.priors import PriorsConfig, shared_draws
from suites.sgd_vs_architecture.protocol import first_per_set, per_set_mean

R = 4


def _table(arch, sizes, values, metric="acc_sgd", ns=(4,), extra=None):
    """A table of one pair: values[size] is a constant per (case, replicate) or an (R,) array."""
    cases = [Case("mlp", {"arch": arch, "size": s, "n": n, "pair": "3v5"}) for n in ns for s in sizes]
    data = {metric: np.array([np.broadcast_to(values[c["size"]] + c["n"], R) for c in cases], dtype=float)}
    for name, fn in (extra or {}).items():
        data[name] = np.array([np.broadcast_to(fn(c), R) for c in cases], dtype=float)
    return Table(cases, data)


def test_width_effect_is_gated():
    """Delta_w compares the widest width with the narrowest gated one (h >= 8), not h = 2."""
    t = _table("mlp1", (2, 8, 64), {2: 90.0, 8: 80.0, 64: 83.0})
    assert View(t).sweep("acc_sgd", "width") == pytest.approx(3.0)
    assert View(t).sweep("acc_sgd", "width", gated=False) == pytest.approx(-7.0)


def test_depth_effect_and_data_effect():
    """Delta_d is deepest minus shallowest; the data effect is largest minus smallest n."""
    t = _table("depth16", (1, 2, 4), {1: 70.0, 2: 69.0, 4: 66.0}, ns=(4, 8))
    assert View(t).sweep("acc_sgd", "depth") == pytest.approx(-4.0)
    assert View(t).data("acc_sgd") == pytest.approx(4.0)  # values + n: 8 - 4


def test_guard_few_sets_and_few_accepted():
    """Fewer than 3 finite training sets, or fewer than 10 accepted G&C networks, give NaN (spec D10)."""
    vals = {8: np.array([1.0, np.nan, np.nan, np.nan]), 64: 2.0}
    assert math.isnan(View(_table("mlp1", (8, 64), vals)).sweep("acc_sgd", "width"))
    few = _table("mlp1", (8, 64), {8: 60.0, 64: 61.0}, metric="acc_gc",
                 extra={"gc_accepted": lambda c: 9 if c["size"] == 64 else 50})
    assert math.isnan(View(few).sweep("acc_gc", "width"))


def test_min_gap_over_cells():
    """SA-8's statistic is the smallest per-cell mean difference."""
    t = _table("mlp1", (8, 64), {8: 80.0, 64: 90.0}, extra={"acc_gc": lambda c: 70.0 + c["n"] + c["size"] / 8})
    assert View(t).min_gap("acc_sgd", "acc_gc") == pytest.approx(9.0)  # size 8: (80 + 4) - (70 + 4 + 1)


def test_sa9_and_sa12_encodings():
    """The combined statistics map the spec's thresholds onto single bounds exactly."""
    cases = [Case("mlp", {"arch": a, "size": s, "n": n, "pair": "3v5"})
             for a, sizes in (("mlp1", (8, 64)), ("depth16", (1, 4))) for n in (4, 8) for s in sizes]
    bits = {("mlp1", 8): 5.0, ("mlp1", 64): 5.5, ("depth16", 1): 5.0, ("depth16", 4): 6.0}

    def col(fn):
        return np.array([np.full(R, fn(c)) for c in cases])

    t = Table(cases, {"gc_neglog2p": col(lambda c: bits[(c["arch"], c["size"])] + c["n"] / 2),
                      "acc_gc": col(lambda c: 60.0 + c["n"]), "acc_sgd": col(lambda c: 80.0 + c["n"] / 2),
                      "gc_accepted": col(lambda c: 50)})
    assert _sa12(t) == pytest.approx(min(1 - 0.5, 2 * 1.0 - 1))
    assert _sa9(t) == pytest.approx(min(4 / 2, 2 / 2, 2.0))


def test_trainable_width_effect_uses_fully_fitting_widths():
    """SA-4 starts at the narrowest width whose SGD runs all fit, at the smallest n."""
    t = _table("mlp1", (2, 8, 64), {2: 95.0, 8: 80.0, 64: 82.0}, ns=(4, 8),
               extra={"sgd_fit_fraction": lambda c: 0.5 if c["size"] == 2 else 1.0})
    assert trainable_width_effect(t) == pytest.approx(2.0)


def test_all_identical():
    """SA-10's statistic is 1 only when every replicate was identical."""
    case = [Case("priors", {"pair": "3v5"})]
    assert all_identical(Table(case, {"rescale_identical": np.ones((1, R))})) == 1.0
    assert all_identical(Table(case, {"rescale_identical": np.array([[1, 1, 0, 1.0]])})) == 0.0


def test_shared_draws_priors_identical():
    """The three D8 priors accept the same draws: identical flag 1 and equal acceptance rates."""
    pool = digits_pool([(3, 5)])
    sets = nested_sets(pool, [0, 0], [1, 2], 4)
    out = shared_draws(MLP(64, (8, 8)), sets, 4, PriorsConfig(draws=512), torch.Generator().manual_seed(0))
    assert out["rescale_identical"].tolist() == [1.0, 1.0]
    assert torch.equal(out["neglog2p_u1"], out["neglog2p_u02"])
    assert torch.equal(out["neglog2p_u1"], out["neglog2p_kaiming"]) and (out["accepted_u1"] > 0).all()


def test_weight_normalised_loss_invariant_and_known():
    """logits / prod(||W||_F / 3): invariant to positive rescaling; a 1-unit net has a closed form."""
    arch = MLP(3, (4,))
    w = [torch.randn(5, 4, 3, generator=torch.Generator().manual_seed(0)), torch.randn(5, 2, 4)]
    x, y = torch.randn(5, 6, 3), torch.randint(0, 2, (5, 6))
    base = weight_normalised_loss(arch, w, x, y)
    torch.testing.assert_close(weight_normalised_loss(arch, rescale(w, [0.5, 7.0]), x, y), base)
    tiny = MLP(1, (1,))  # logits (0, b relu(a x)); normalised: (0, 9 x) for a, b > 0
    w1 = [torch.tensor([[[2.0]]]), torch.tensor([[[0.0], [5.0]]])]
    got = weight_normalised_loss(tiny, w1, torch.tensor([[[1.0 / 9.0]]]), torch.tensor([[1]]))
    torch.testing.assert_close(got, torch.tensor([math.log1p(math.exp(-1.0))]))


def test_input_lipschitz_closed_form():
    """f_1 - f_0 = relu(x_2): the gradient norm is 1 where x_2 > 0 and 0 elsewhere."""
    arch = MLP(2, (2,))
    w = [torch.eye(2)[None], torch.tensor([[[0.0, 0.0], [0.0, 1.0]]])]
    x = torch.tensor([[1.0, 2.0], [3.0, -1.0]])
    assert input_lipschitz(arch, w, x, torch.tensor([[True, True]])).tolist() == [1.0]
    assert input_lipschitz(arch, w, x, torch.tensor([[False, True]])).tolist() == [0.0]


def test_first_per_set_and_per_set_mean():
    """The first k networks of each set are kept in order; set means are NaN for empty sets."""
    owner = torch.tensor([1, 0, 1, 1, 0, 1])
    assert first_per_set(owner, 2).tolist() == [True, True, True, False, True, False]
    means = per_set_mean(torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), owner, 3)
    assert means[:2].tolist() == [3.5, 3.5] and math.isnan(means[2])


def test_names_and_shapes():
    """Pair names and architecture families follow spec D2/D3."""
    assert parse_pair("3v5") == ("digits", (3, 5)) and parse_pair("cifar10-2v8") == ("cifar10", (2, 8))
    assert hidden_widths("mlppaper", 2) == (16, 8, 4, 2) and hidden_widths("depthpaper", 3) == (16, 8, 4)
    assert build_arch("mlp1", 8, "mnist").shapes[0] == (8, 196)


def _sa8_table(gaps, sd=1.0, reps=10, seed=0):
    """One cell per entry of gaps: acc_sgd - acc_gc = gap + N(0, sd) per training set, 50 accepted."""
    rng = np.random.default_rng(seed)
    cases = [Case("mlp", {"arch": "mlp1", "size": 8 * (i + 1), "n": 4, "pair": "3v5"}) for i in range(len(gaps))]
    gc = 60.0 + rng.normal(0, 2.0, (len(cases), reps))
    sgd = gc + np.asarray(gaps, dtype=float)[:, None] + rng.normal(0, sd, (len(cases), reps))
    return Table(cases, {"acc_sgd": sgd, "acc_gc": gc, "gc_accepted": np.full((len(cases), reps), 50.0)})


def _sa8_verdict(table, statistic=None):
    import dataclasses

    from redshift.claims import assess, verdicts
    from suites.sgd_vs_architecture.claims import MAIN_CLAIMS

    claim = dataclasses.replace(next(c for c in MAIN_CLAIMS if c.id == "SA-8"), n_resamples=500)
    if statistic is not None:
        claim = dataclasses.replace(claim, statistic=statistic)
    return verdicts([assess(claim, table, np.random.default_rng(1))], family_size=1)[0]


def test_sa8_all_cells_clearly_positive_is_supported_as_min_gap():
    """Support side: the statistic is the plain minimum gap, and SA-8 is supported."""
    t = _sa8_table([5.0] * 12)
    v = View(t)
    assert v.beats_everywhere("acc_sgd", "acc_gc") == v.min_gap("acc_sgd", "acc_gc") > 3.0
    assert _sa8_verdict(t).status == "supported"


def test_sa8_one_cell_clearly_negative_is_refuted():
    """One cell 5 points below (its Bonferroni CI below 0): refuted, effect = that cell's upper bound < 0."""
    t = _sa8_table([5.0] * 11 + [-5.0])
    from suites.sgd_vs_architecture.effects import cell_upper_bounds

    bounds = cell_upper_bounds(t.values("acc_sgd") - t.values("acc_gc"))
    assert bounds[-1] < 0 < bounds[:-1].min()
    assert View(t).beats_everywhere("acc_sgd", "acc_gc") == pytest.approx(bounds[-1])
    verdict = _sa8_verdict(t)
    assert verdict.status == "refuted" and verdict.ci_high < 0


def test_sa8_noisy_negative_minimum_is_not_refuted():
    """No true gap in 24 cells: the minimum cell mean is below 0 by noise alone (and the plain minimum's
    CI lies below 0, the old refute), but every cell's Bonferroni CI straddles 0, so SA-8 is not refuted."""
    from redshift import Custom
    from suites.sgd_vs_architecture.effects import cell_upper_bounds

    t = _sa8_table([0.0] * 24)
    diff = t.values("acc_sgd") - t.values("acc_gc")
    assert View(t).min_gap("acc_sgd", "acc_gc") < 0 < cell_upper_bounds(diff).min()
    assert cell_upper_bounds(-diff).min() > 0  # every cell's corrected CI also reaches above 0
    assert View(t).beats_everywhere("acc_sgd", "acc_gc") == 0.0
    assert _sa8_verdict(t).status == "inconclusive"
    old = _sa8_verdict(t, Custom(lambda x: View(x).min_gap("acc_sgd", "acc_gc"), ("acc_sgd", "acc_gc"), "min"))
    assert old.ci_high < 0  # what the plain minimum would have refuted


def test_cell_upper_bounds_bonferroni_t():
    """U_c = mean + t_{R-1, 1 - 0.025 / C} sd / sqrt(R); a cell with under 2 finite sets gets +inf."""
    from scipy import stats as sps

    from suites.sgd_vs_architecture.effects import cell_upper_bounds

    diff = np.array([[1.0, 2.0, 3.0, 4.0], [np.nan, np.nan, np.nan, 1.0]])
    q = sps.t.ppf(1 - 0.025 / 2, 3)
    assert cell_upper_bounds(diff)[0] == pytest.approx(2.5 + q * np.std(diff[0], ddof=1) / 2)
    assert cell_upper_bounds(diff)[1] == np.inf
