"""Tests of the sgd_vs_architecture suite's own pieces: claim declarations on synthetic tables, priors,
margins, helpers."""

import math

import numpy as np
import torch

from redshift import Case, Table
from redshift.data.digits import digits_pool, nested_sets
from redshift.nets.bias_free import MLP, rescale
from redshift.claims import assess, verdicts
from suites.sgd_vs_architecture import METRICS, PRIOR_METRICS
from suites.sgd_vs_architecture.claims import MAIN_CLAIMS, PRIOR_CLAIMS
from suites.sgd_vs_architecture.config import build_arch, hidden_widths, parse_pair
from suites.sgd_vs_architecture.margins import input_lipschitz, weight_normalised_loss
from suites.sgd_vs_architecture.priors import PriorsConfig, shared_draws
from suites.sgd_vs_architecture.protocol import first_per_set, per_set_mean

R = 4


RANGES = {k: m.range for k, m in (METRICS | PRIOR_METRICS).items()}
CLAIMS = {c.id: c for c in MAIN_CLAIMS + PRIOR_CLAIMS}


def _main_table(reps, sgd, gc, accepted=50.0, seed=0):
    """Smoke-shaped cases (2 pairs, n = 4, 8, widths 2/8/64, depths 1/2/4); acc = fn(case) + N(0, 1)."""
    rng = np.random.default_rng(seed)
    cases = [Case("mlp", {"arch": a, "n": n, "pair": p, "size": s}) for p in ("3v5", "8v9") for n in (4, 8)
             for a, sizes in (("mlp1", (2, 8, 64)), ("depth16", (1, 2, 4))) for s in sizes]
    acc = {m: np.array([fn(c) + rng.normal(0, 1, reps) for c in cases]).clip(0, 100)
           for m, fn in (("acc_sgd", sgd), ("acc_gc", gc))}
    bits = np.array([np.full(reps, 4.0 + c["n"] / 2) for c in cases])
    return Table(cases, acc | {"gap_sgd_gc": acc["acc_sgd"] - acc["acc_gc"], "gc_neglog2p": bits,
                               "gc_accepted": np.full((len(cases), reps), accepted)})


def _status(claim_id, table):
    claim = CLAIMS[claim_id]
    return verdicts([assess(claim, table, np.random.default_rng(0), RANGES)], family_size=1)[0].status


def _widest(c):
    return 50.0 + 40.0 * (c["arch"] == "mlp1" and c["size"] == 64)


def test_width_claims_read_the_full_sweep():
    """Revision 2: SA-1, SA-2, SA-3 and SA-12 read h = 2 (no width gate); SA-4 reads only h >= 8 at n = 4."""
    narrow = Case("mlp", {"arch": "mlp1", "n": 4, "pair": "3v5", "size": 2})
    assert all(CLAIMS[c].reads(narrow) for c in ("SA-1", "SA-2", "SA-3", "SA-12"))
    assert not CLAIMS["SA-4"].reads(narrow)
    assert CLAIMS["SA-4"].reads(Case("mlp", {"arch": "mlp1", "n": 4, "pair": "3v5", "size": 8}))
    assert not CLAIMS["SA-4"].reads(Case("mlp", {"arch": "mlp1", "n": 8, "pair": "3v5", "size": 8}))


def test_sa1_sa3_directional_supported_and_refuted():
    """A large SGD width gain supports SA-1 and SA-3 (any size above 0); the reverse refutes both."""
    up = _main_table(30, _widest, lambda c: 50.0)
    assert _status("SA-1", up) == "supported" and _status("SA-3", up) == "supported"
    down = _main_table(30, lambda c: 100.0 - _widest(c), lambda c: 50.0)
    assert _status("SA-1", down) == "refuted" and _status("SA-3", down) == "refuted"


def test_sa2_refuted_by_a_large_gc_width_effect_and_undecided_at_few_sets():
    """SA-2 is refuted when G&C gains 40 points with width; 10 sets on the +-100 range decide nothing."""
    assert _status("SA-2", _main_table(30, lambda c: 50.0, _widest)) == "refuted"
    assert _status("SA-1", _main_table(10, _widest, lambda c: 50.0)) == "inconclusive"


def test_gc_guard_gate_blocks_every_decision():
    """Fewer than 10 accepted G&C networks everywhere: the D10 gate fails and SA-2 / SA-3 stay undecided."""
    t = _main_table(30, _widest, _widest, accepted=5.0)
    assert _status("SA-2", t) == "inconclusive" and _status("SA-3", t) == "inconclusive"


def test_sa8_smallest_cell_gap():
    """SGD 40 points above G&C in every cell supports SA-8; one cell 40 points below refutes it."""
    assert _status("SA-8", _main_table(30, lambda c: 90.0, lambda c: 50.0)) == "supported"
    one_below = _main_table(30, lambda c: 10.0 if c["size"] == 8 and c["n"] == 4 else 90.0, lambda c: 50.0)
    assert _status("SA-8", one_below) == "refuted"


def test_sa10_exact_one_violation_refutes():
    """SA-10 is exact: all training sets identical supports; a single differing set refutes."""
    case = [Case("priors", {"pair": "3v5", "n": 4, "arch": "depth16", "size": 2})]
    assert _status("SA-10", Table(case, {"rescale_identical": np.ones((1, 10))})) == "supported"
    one = np.ones((1, 10))
    one[0, 3] = 0.0
    assert _status("SA-10", Table(case, {"rescale_identical": one})) == "refuted"


def test_every_metric_a_part_reads_declares_a_range():
    """Each claim's metrics declare Metric(range=...)."""
    for claim in CLAIMS.values():
        assert all(RANGES.get(m) is not None for m in claim.metrics), claim.id


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


def test_weight_normalised_loss_reads_the_weights_of_biased_networks():
    """With zero biases a Biased network's D9 loss equals the bias-free one (norms of weights only)."""
    from redshift.nets.bias_free import Biased, with_zero_biases

    arch = MLP(3, (4,))
    g = torch.Generator().manual_seed(1)
    w = [torch.randn(5, 4, 3, generator=g), torch.randn(5, 2, 4, generator=g)]
    x, y = torch.randn(5, 6, 3, generator=g), torch.randint(0, 2, (5, 6), generator=g)
    torch.testing.assert_close(weight_normalised_loss(Biased(arch), with_zero_biases(arch, w), x, y),
                               weight_normalised_loss(arch, w, x, y))


def test_sgd_cell_records_tie_rates_and_variants():
    """An SGD cell reports accuracy (argmax), the ties-as-errors variant, tie rates and the fit fraction."""
    from redshift.train.guess_check import GCConfig
    from redshift.train.sgd import SGDConfig
    from suites.sgd_vs_architecture.config import Config
    from suites.sgd_vs_architecture.protocol import run_sgd

    sets = nested_sets(digits_pool([(3, 5)]), [0, 0], [1, 2], 4)
    cfg = Config((4,), GCConfig(), SGDConfig(epochs=3), sgd_models=4, margin_nets=0)
    out = run_sgd(MLP(64, (8,)), sets, 4, cfg, torch.Generator().manual_seed(0))
    assert {"acc_sgd", "acc_sgd_tie_error", "sgd_tie_train", "sgd_tie_test", "sgd_fit_fraction"} <= set(out)
    fitted = ~torch.isnan(out["acc_sgd"])
    assert (out["acc_sgd_tie_error"][fitted] <= out["acc_sgd"][fitted]).all()
    assert ((out["sgd_fit_fraction"] >= 0) & (out["sgd_fit_fraction"] <= 1)).all()
