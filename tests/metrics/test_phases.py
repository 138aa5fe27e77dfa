"""Tests of redshift.metrics.phases: accuracies, phase classifier, pruning (grokking_corrupted spec D7, D11, D12)."""
import math

import pytest
import torch

from redshift.data.modular import corrupted_split
from redshift.metrics.phases import (Phase, argmax_lowest, classify, classify_by_inversion, keep_masks, ladder_index,
                                     prune_count, prune_order, pruned, subset_accuracies)
from redshift.nets.quadratic import fourier_solution, predict_all, seed_keys

P = 59


def _phase(a_train, a_test, peak=0.0, xi=0.35):
    t = lambda v: torch.tensor([v], dtype=torch.float64)  # noqa: E731
    return Phase(int(classify(t(a_train), t(a_test), t(peak), xi)[0]))


@pytest.mark.parametrize("a_train, a_test, peak, phase", [
    (0.98, 0.98, 0.0, Phase.COEXISTENCE), (0.80, 1.0, 0.0, Phase.PARTIAL_INVERSION),
    (0.66, 1.0, 0.0, Phase.FULL_INVERSION), (1.0, 0.03, 0.0, Phase.MEMORIZATION),
    (0.01, 0.01, 0.999, Phase.FORGETTING), (0.01, 0.01, 0.05, Phase.CONFUSION),
    (0.70, 1.0, 0.0, Phase.PARTIAL_INVERSION), (0.90, 0.95, 0.0, Phase.COEXISTENCE)])
def test_classifier_table_at_xi_035(a_train, a_test, peak, phase):
    """The spec section 5 table at xi = 0.35, including kappa = 0.7 and tau = 0.9 exactly."""
    assert _phase(a_train, a_test, peak) == phase


def test_partial_band_is_empty_at_small_xi():
    """At xi = 0.10, kappa = 0.95 > tau: A_train 0.901 is Coexistence and 0.89 Full Inversion."""
    assert _phase(0.901, 1.0, xi=0.10) == Phase.COEXISTENCE
    assert _phase(0.89, 1.0, xi=0.10) == Phase.FULL_INVERSION


@pytest.mark.parametrize("eps, above", [(1e-6, True), (-1e-6, False)])
def test_thresholds_flip_just_around_tau_and_kappa(eps, above):
    """Moving 1e-6 across tau (test and train) and kappa changes the phase as the rules say."""
    assert (_phase(0.98, 0.9 + eps) == Phase.COEXISTENCE) == above
    assert (_phase(0.9 + eps, 1.0) == Phase.COEXISTENCE) == above
    assert (_phase(0.7 + eps, 1.0) == Phase.PARTIAL_INVERSION) == above
    assert (_phase(0.01, 0.01, peak=0.9 + eps) == Phase.FORGETTING) == above


def test_ladder_index_and_inversion_variant():
    """rho is the phase code with Confusion as NaN; phase_inv reclassifies generalising networks by A_inv."""
    codes = torch.tensor([0, 1, 2, 3, 4, 5])
    assert ladder_index(codes)[:5].tolist() == [0, 1, 2, 3, 4] and math.isnan(ladder_index(codes)[5].item())
    a_test = torch.tensor([1.0, 1.0, 1.0, 0.5])
    out = classify_by_inversion(a_test, torch.tensor([0.05, 0.5, 0.95, 0.95]), torch.tensor([1, 1, 1, 0]))
    assert out.tolist() == [1, 2, 3, 0]


def test_argmax_ties_go_to_the_lowest_index():
    """A tie (an all-zero output) predicts class 0; a later strict maximum wins (spec D7)."""
    f = torch.tensor([[0.0, 0.0, 0.0], [0.0, 2.0, 2.0], [1.0, 0.0, 3.0]])
    assert argmax_lowest(f).tolist() == [0, 1, 2]


def _batch(split):
    return (split.labels.unsqueeze(0), split.clean, split.train.unsqueeze(0), split.corrupted.unsqueeze(0))


def test_analytic_network_outputs_and_accuracies():
    """D16: output (L^2/2) M on the true class and -L^2/4 elsewhere; A_inv = 1, A_train = A_FI (spec section 5)."""
    net = fourier_solution(P, 3)
    f = predict_all(net)  # (1, p^2, p)
    split = corrupted_split(P, 0.7, 0.35, seed=4)
    right = torch.nn.functional.one_hot(split.clean, P).bool().unsqueeze(0)
    assert torch.allclose(f[right], torch.full_like(f[right], 9 / 2 * 29), atol=1e-8)
    assert torch.allclose(f[~right], torch.full_like(f[~right], -9 / 4), atol=1e-8)
    acc = subset_accuracies(f, *_batch(split))
    assert acc["test"].item() == 1.0 and acc["clean"].item() == 1.0 and acc["inv"].item() == 1.0
    assert acc["mem"].item() == pytest.approx(split.n_silent / split.n_noise)
    assert acc["train"].item() == pytest.approx(split.full_inversion_ceiling)


def test_accuracy_identity_holds_exactly():
    """n_train A_train = |K| A_clean + n_noise A_mem on arbitrary outputs (spec D7)."""
    split = corrupted_split(P, 0.7, 0.35, seed=5)
    f = torch.randn(1, P * P, P, generator=torch.Generator().manual_seed(0))
    f[0, split.train] += 3 * torch.nn.functional.one_hot(split.labels[split.train], P) * (torch.rand(2436, 1) > 0.3)
    a = subset_accuracies(f, *_batch(split))
    lhs = 2436 * a["train"].item()
    assert lhs == pytest.approx((2436 - 852) * a["clean"].item() + 852 * a["mem"].item(), abs=1e-9)


def test_zero_network_has_mse_one_over_p_and_predicts_class_zero():
    """The fully pruned network outputs zeros: MSE = 1/p, accuracy = share of labels equal to 0 (spec section 5)."""
    net = fourier_solution(P, 3)
    keep = keep_masks(prune_order(torch.ones(1, 261), "low"), [1.0])[:, 0]  # (1, 1, N)
    f = predict_all(pruned(net, keep))
    split = corrupted_split(P, 0.7, 0.35, seed=6)
    a = subset_accuracies(f, *_batch(split))
    assert a["mse_train"].item() == pytest.approx(1 / P) and a["mse_test"].item() == pytest.approx(1 / P)
    test = ~split.train
    assert a["test"].item() == pytest.approx((split.clean[test] == 0).double().mean().item())


def test_pruning_one_frequency_keeps_accuracy():
    """Removing all L^2 neurons of frequency 1 keeps accuracy 1 (M >= 2) (spec section 5)."""
    net = fourier_solution(P, 3)
    keep = torch.ones(1, 1, 261, dtype=torch.bool)
    keep[0, 0, :9] = False  # neurons (f=1, i, j) come first
    split = corrupted_split(P, 0.7, 0.0, seed=7)
    assert subset_accuracies(predict_all(pruned(net, keep)), *_batch(split))["test"].item() == 1.0


def test_prune_count_and_orders():
    """n = floor(f N + 0.5); low-first puts dead neurons first, high-first last, ties by index (spec D12)."""
    assert prune_count(0.3, 256) == 77 and prune_count(0.05, 10) == 1 and prune_count(0.0, 256) == 0
    v = torch.tensor([[0.5, float("nan"), 0.1, 0.5, 0.9]])
    assert prune_order(v, "low")[0, 0].tolist() == [1, 2, 0, 3, 4]
    assert prune_order(v, "high")[0, 0].tolist() == [4, 0, 3, 2, 1]
    keep = keep_masks(prune_order(v, "low"), [0.0, 0.4, 1.0])[0, 0]  # (F, N)
    assert keep.tolist() == [[True] * 5, [True, False, False, True, True], [False] * 5]


def test_pruning_at_zero_changes_nothing_and_zeroes_all_three_vectors():
    """f = 0 is the identity; a pruned neuron has zero U row, V row and W column."""
    net = fourier_solution(P, 3)
    keep = keep_masks(prune_order(torch.rand(1, 261), "high"), [0.0, 0.5])[:, 0]  # (1, 2, N)
    out = pruned(net, keep)
    assert torch.equal(out.U[0], net.U[0]) and torch.equal(out.W[0], net.W[0])
    gone = ~keep[0, 1]
    assert out.U[1][gone].abs().sum() == 0 and out.V[1][gone].abs().sum() == 0 and out.W[1][:, gone].abs().sum() == 0


def test_random_orders_are_permutations_independent_of_the_batch():
    """Random orders are permutations, and a network's draws do not depend on its batch neighbours."""
    keys = seed_keys([11, 22, 33])
    both = prune_order(torch.zeros(3, 50), "random", keys, draws=4)  # (3, 4, 50)
    alone = prune_order(torch.zeros(1, 50), "random", keys[1:2], draws=4)
    assert torch.equal(both[1], alone[0])
    assert torch.equal(both.sort(-1).values, torch.arange(50).expand(3, 4, 50))
    assert not torch.equal(both[0, 0], both[0, 1])


def test_accuracies_and_ipr_are_invariant_to_positive_rescaling():
    """f(cU, cV, c'W) = c^2 c' f, so predictions and IPR_k do not change for c, c' > 0 (spec section 5)."""
    from redshift.metrics.ipr import neuron_ipr
    from redshift.nets.quadratic import QuadraticState, init_population

    net = init_population(P, 32, [3])
    scaled = QuadraticState(net.U * 2.0, net.V * 2.0, net.W * 0.3, net.gamma, net.beta, net.run_mean, net.run_var)
    assert torch.allclose(predict_all(scaled), predict_all(net) * 1.2, rtol=1e-4, atol=1e-6)
    assert torch.equal(argmax_lowest(predict_all(scaled)), argmax_lowest(predict_all(net)))
    assert torch.allclose(neuron_ipr(scaled.U, scaled.V, scaled.W), neuron_ipr(net.U, net.V, net.W), atol=1e-6)


def test_permuting_hidden_neurons_keeps_f_and_permutes_ipr():
    """A permutation of the N hidden neurons leaves f unchanged and permutes IPR_k alike (spec section 5)."""
    from redshift.metrics.ipr import neuron_ipr
    from redshift.nets.quadratic import QuadraticState, init_population

    net = init_population(P, 32, [4])
    perm = torch.randperm(32, generator=torch.Generator().manual_seed(0))
    moved = QuadraticState(net.U[:, perm], net.V[:, perm], net.W[:, :, perm], net.gamma, net.beta, net.run_mean,
                           net.run_var)
    assert torch.allclose(predict_all(moved), predict_all(net), atol=1e-5)
    assert torch.allclose(neuron_ipr(moved.U, moved.V, moved.W), neuron_ipr(net.U, net.V, net.W)[:, perm])
