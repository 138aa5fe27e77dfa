"""Tests of redshift.train.grokking: batched = single-cell, gradients, AdamW, dropout, BatchNorm, minibatches."""
import pytest
import torch

from redshift.data.modular import corrupted_split
from redshift.nets import quadratic as qn
from redshift.train import grokking as gk

P, N = 13, 16


def _setup(wds, qs, bns=None, horizon=6, lr=0.01):
    b = len(wds)
    splits = [corrupted_split(P, 0.6, 0.3, seed=100 + i % 2) for i in range(b)]
    pop = gk.population(splits, wds, qs, [lr] * b, bns or [False] * b, [horizon] * b,
                        [7 + i for i in range(b)], [50 + i for i in range(b)])
    return qn.init_population(P, N, [1 + i for i in range(b)]), pop


def _run(state, pop, cfg=gk.TrainConfig(), every=2):
    steps = int(pop.horizon.max())
    checkpoints = torch.zeros(state.size, steps + 1, dtype=torch.bool, device=state.U.device)
    checkpoints[:, ::every] = True
    return gk.train(state, pop, cfg, checkpoints, gk.evaluate)


@pytest.mark.parametrize("bn, batch_size", [(False, None), (True, 32)])
def test_batched_training_equals_single_cell_training(bn, batch_size):
    """Each network of a batch (mixed decay, dropout, horizons) ends where it ends when trained alone."""
    state, pop = _setup([0.0, 5.0, 15.0, 1.0], [0.0, 0.3, 0.0, 0.6], [bn] * 4)
    pop = gk.Population(**{**pop.__dict__, "horizon": torch.tensor([6, 4, 6, 5])})
    cfg = gk.TrainConfig(batch_size=batch_size)
    batched, hist = _run(state, pop, cfg)
    for i in range(4):
        idx = torch.tensor([i])
        alone, alone_hist = _run(state.select(idx), pop.select(idx), cfg)
        for name in ("U", "V", "W", "gamma", "run_var"):
            assert torch.allclose(getattr(batched, name)[i], getattr(alone, name)[0], atol=1e-6, rtol=1e-5), name
        curve = alone_hist.curves["mse_train"][0]  # (T_i + 1,)
        assert torch.allclose(hist.curves["mse_train"][i, :curve.numel()], curve, equal_nan=True)


def test_hand_written_gradient_equals_autograd():
    """The full-batch gradient of DenseWorkspace equals autograd of the D5 loss, with and without dropout."""
    state, pop = _setup([0.0, 0.0], [0.0, 0.5])
    scale = qn.dropout_scale(pop.dropout, pop.dropout_keys, 3, P * P, N)
    dense = gk.DenseWorkspace(2, P, N, torch.float32, torch.device("cpu"))
    manual = dense.grads(state.U, state.V, state.W, pop, scale)
    leaves = [t.clone().requires_grad_(True) for t in (state.U, state.V, state.W, state.gamma, state.beta)]
    gk._loss(leaves, state, pop, None, 3).backward()
    for m, leaf in zip(manual, leaves[:3]):
        assert torch.allclose(m, leaf.grad, atol=1e-7, rtol=1e-4)


def test_adamw_matches_torch_optim_on_one_network():
    """Five steps of the batched AdamW equal torch.optim.AdamW (decoupled decay, betas 0.9/0.98) (spec D6)."""
    state, pop = _setup([5.0], [0.0], horizon=5)
    mine, _ = _run(state, pop)
    leaves = [t.clone().requires_grad_(True) for t in (state.U, state.V, state.W, state.gamma, state.beta)]
    opt = torch.optim.AdamW(leaves, lr=0.01, betas=(0.9, 0.98), eps=1e-8, weight_decay=5.0)
    for step in range(1, 6):
        opt.zero_grad()
        gk._loss(leaves, state, pop, None, step).backward()
        opt.step()
    assert torch.allclose(mine.U, leaves[0], atol=1e-6) and torch.allclose(mine.W, leaves[2], atol=1e-6)


def test_zero_gradient_decays_geometrically():
    """With U = V = 0 the loss gradient vanishes and W_t = W_0 (1 - lr lambda)^t = W_0 0.8^t at lambda = 20."""
    state, pop = _setup([20.0], [0.0], horizon=10)
    zero = qn.QuadraticState(state.U * 0, state.V * 0, state.W, state.gamma, state.beta, state.run_mean, state.run_var)
    out, _ = _run(zero, pop)
    assert torch.allclose(out.W, state.W * 0.8**10, rtol=1e-5) and out.U.abs().max() == 0


def test_dropout_mean_square_is_one_over_keep():
    """E[s^2] = 1/(1-q) for inverted-dropout multipliers, so training outputs average to inference/(1-q)."""
    q = torch.tensor([0.3, 0.6])
    s = torch.stack([qn.dropout_scale(q, qn.seed_keys([1, 2]), t, 100, 50) for t in range(20)])  # (20, 2, 100, 50)
    ms = (s**2).mean(dim=(0, 2, 3))
    se = (s**2).std(dim=(0, 2, 3)) / (s[:, 0].numel() ** 0.5)
    assert torch.all((ms - 1 / (1 - q)).abs() < 4 * se)


def test_hash_uniforms_depend_only_on_key_step_and_element():
    """Draws are uniform on [0, 1) and identical for a key whatever else is in the batch."""
    u = qn.hash_uniform(qn.seed_keys([5, 6]), 4, 300, 40)
    alone = qn.hash_uniform(qn.seed_keys([6]), 4, 300, 40)
    assert torch.equal(u[1], alone[0]) and 0 <= u.min() and u.max() < 1
    assert abs(u.mean().item() - 0.5) < 0.005 and not torch.equal(u[0], u[1])


def test_batch_norm_matches_torch_batchnorm():
    """Training-mode BN and its running-statistics update equal torch.nn.BatchNorm1d (spec D4, Eq. 5)."""
    h = torch.randn(2, 32, 8, generator=torch.Generator().manual_seed(0)) ** 2
    state = qn.init_population(3, 8, [0, 1])
    out, mean, var = qn.batch_norm_train(h, state)
    ref = torch.nn.BatchNorm1d(8)
    expected = ref(h[1])
    assert torch.allclose(out[1], expected, atol=1e-5)
    assert torch.allclose(state.run_var[1].lerp(var[1], 0.1), ref.running_var, atol=1e-6)


def test_minibatches_cover_each_training_pair_once_per_epoch():
    """An epoch visits n_train // b batches of distinct training pairs, dropping the last incomplete one (D6)."""
    _, pop = _setup([0.0, 0.0], [0.0, 0.0])
    mb = gk.Minibatches(pop, 16)
    rows = torch.cat([mb.rows(pop, t) for t in range(1, mb.per_epoch + 1)], dim=1)  # (B, per_epoch * 16)
    assert mb.per_epoch == int(pop.train[0].sum()) // 16
    assert rows.shape[1] == len(set(rows[0].tolist())) and bool(pop.train.gather(1, rows).all())
    assert not torch.equal(mb.rows(pop, mb.per_epoch + 1), rows[:, :16])  # a new permutation next epoch


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_training_matches_cpu():
    """The same population trained on CUDA (TF32 off) ends where it ends on CPU, to float tolerance."""
    state, pop = _setup([0.0, 15.0], [0.0, 0.3])
    cpu, _ = _run(state, pop)
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda")
    moved = qn.QuadraticState(*(t.to(dev) for t in state.__dict__.values()))
    pop_dev = gk.Population(**{k: v.to(dev) for k, v in pop.__dict__.items()})
    gpu, _ = _run(moved, pop_dev)
    assert torch.allclose(gpu.U.cpu(), cpu.U, atol=1e-5, rtol=1e-4)


def test_initial_weights_have_the_spec_scale():
    """sigma = (16 N)^(-1/3): 0.0625 at N = 256, 0.05 at N = 500; drawn weights match it (spec D4)."""
    assert qn.init_std(256) == pytest.approx(0.0625) and qn.init_std(500) == pytest.approx(0.05)
    state = qn.init_population(59, 256, [0, 1])
    for t in (state.U, state.V, state.W):
        assert t.std().item() == pytest.approx(0.0625, rel=0.02)
    assert not torch.equal(state.U[0], state.U[1])
