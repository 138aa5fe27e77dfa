"""Tests of redshift.train.population and the stacked prefactor MLP it trains."""
import math

import pytest
import torch

from redshift.nets.prefactor_mlp import ACTIVATIONS, PrefactorMLP, PrefactorMLPConfig
from redshift.train.population import TrainConfig, member_loss, train_population

CFG = PrefactorMLPConfig(d_in=3, width=8, n_hidden=2)
ACTS, ALPHAS, SEEDS = ("relu", "sine", "sine", "tanh"), (1.0, 0.5, 3.0, 2.0), (1, 2, 3, 4)


def _reference(model: PrefactorMLP, i: int, x: torch.Tensor) -> torch.Tensor:
    """Member i evaluated alone with a plain loop over layers: x (n, d) -> (n,)."""
    h, fn, a = x, ACTIVATIONS[model.activations[i]], model.alpha[i, 0, 0]
    for w, b in zip(model.weights[:-1], model.biases[:-1]):
        h = fn(a * (h @ w[i] + b[i, 0]))
    return h @ model.weights[-1][i, :, 0] + model.biases[-1][i, 0, 0]


def test_forward_matches_per_member_reference():
    """The stacked forward equals each member computed alone (shared and per-member inputs)."""
    model = PrefactorMLP(CFG, ACTS, ALPHAS, SEEDS)
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    out, out_stacked = model(x), model(x.expand(4, -1, -1))
    for i in range(4):
        torch.testing.assert_close(out[i], _reference(model, i, x))
    torch.testing.assert_close(out, out_stacked)


def test_init_bounds_and_biases():
    """Glorot bounds sqrt(6/(fan_in+fan_out)), hidden biases in [-1, 1], output bias exactly 0."""
    model = PrefactorMLP(PrefactorMLPConfig(d_in=2, width=64), ("relu",) * 4, (1.0,) * 4, (5, 6, 7, 8))
    assert model.weights[0].abs().max() <= math.sqrt(6 / 66)
    assert model.weights[0].abs().max() > 0.9 * math.sqrt(6 / 66)
    assert model.biases[0].abs().max() <= 1.0 and model.biases[0].abs().max() > 0.9
    assert torch.all(model.biases[-1] == 0)


def test_member_independent_of_population():
    """A member's initial weights depend only on its seed, not on the other members."""
    a = PrefactorMLP(CFG, ACTS, ALPHAS, SEEDS)
    b = PrefactorMLP(CFG, ("tanh",), (2.0,), (4,))
    for wa, wb in zip(a.weights, b.weights):
        assert torch.equal(wa[3], wb[0])


def test_relu_one_hidden_layer_prefactor_is_a_scale():
    """ReLU is positively homogeneous: with one hidden layer and zero output bias, f_alpha = alpha f_1."""
    cfg = PrefactorMLPConfig(d_in=2, width=16, n_hidden=1)
    model = PrefactorMLP(cfg, ("relu", "relu"), (1.0, 4.0), (9, 9))
    out = model(torch.randn(50, 2, generator=torch.Generator().manual_seed(1)))
    torch.testing.assert_close(out[1], 4.0 * out[0])


def test_batched_training_equals_separate_training():
    """Training the population at once gives each member the weights it gets when trained alone."""
    g = torch.Generator().manual_seed(2)
    x, y = torch.randn(4, 20, 3, generator=g), torch.rand(4, 20, generator=g)
    cfg = TrainConfig(steps=25, lr=1e-2, loss="mse")
    together = PrefactorMLP(CFG, ACTS, ALPHAS, SEEDS)
    train_population(together, x, y, cfg)
    for i in range(4):
        alone = PrefactorMLP(CFG, ACTS[i:i + 1], ALPHAS[i:i + 1], SEEDS[i:i + 1])
        train_population(alone, x[i:i + 1], y[i:i + 1], cfg)
        for wt, wa in zip(together.weights, alone.weights):
            torch.testing.assert_close(wt[i], wa[0], rtol=1e-4, atol=1e-5)


def test_training_fits_a_simple_target():
    """BCE training drives the loss on a linearly separable target below 0.1."""
    x = torch.randn(64, 3, generator=torch.Generator().manual_seed(4))
    y = (x[:, 0] > 0).float()
    model = PrefactorMLP(CFG, ("relu", "tanh"), (1.0, 1.0), (1, 2))
    final = train_population(model, x, y, TrainConfig(steps=300, lr=1e-2, loss="bce"))
    assert torch.all(final < 0.1)


def test_member_loss_closed_form():
    """MSE and BCE per member on hand-computed values."""
    pred, target = torch.tensor([[0.0, 2.0], [1.0, 1.0]]), torch.tensor([1.0, 0.0])
    torch.testing.assert_close(member_loss(pred, target, "mse"), torch.tensor([2.5, 0.5]))
    bce = member_loss(torch.zeros(1, 2), target, "bce")
    torch.testing.assert_close(bce, torch.tensor([math.log(2.0)]))
    with pytest.raises(ValueError, match="loss"):
        member_loss(pred, target, "hinge")
