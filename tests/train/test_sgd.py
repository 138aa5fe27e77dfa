"""Tests of redshift.train.sgd: batched SGD equals single-model SGD (spec D6, anchor A6)."""

import pytest
import torch

from redshift.nets.bias_free import MLP, Biased, kaiming_bounds, kaiming_uniform, with_zero_biases
from redshift.train.sgd import SGDConfig, epoch_orders, pad_orders, train_sgd


def _single_model_reference(arch, init, x, y, cfg, orders, bias=False):
    """torch.nn + torch.optim.SGD on one model, the batches taken in the given order; with ``bias`` the
    layers carry biases initialised to zero (the weights and then the biases are returned)."""
    layers = [torch.nn.Linear(s[1], s[0], bias=bias) for s in arch.shapes]
    with torch.no_grad():
        for lin, w in zip(layers, init):
            lin.weight.copy_(w)
            if bias:
                lin.bias.zero_()
    net = torch.nn.Sequential(layers[0], *[m for lin in layers[1:] for m in (torch.nn.ReLU(), lin)])
    opt = torch.optim.SGD(net.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    bsz = cfg.batch_for(x.shape[0])
    for order in orders:
        for lo in range(0, x.shape[0], bsz):
            idx = order[lo:lo + bsz]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x[idx]), y[idx], reduction=cfg.reduction).backward()
            opt.step()
    return [lin.weight.detach() for lin in layers] + ([lin.bias.detach() for lin in layers] if bias else [])


def _problem(p=5, n=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    arch = MLP(4, (8, 3))
    x, y = torch.randn(p, n, 4, generator=g), torch.randint(0, 2, (p, n), generator=g)
    return arch, kaiming_uniform(arch.shapes, (p,), g), x, y, g


def test_batched_equals_single_model():
    """Every model of a batched population matches its own torch.optim.SGD run (float tolerance)."""
    arch, init, x, y, g = _problem()
    for cfg in (SGDConfig(epochs=5), SGDConfig(epochs=4, momentum=0.9, batch_size=4, reduction="mean")):
        orders = epoch_orders(5, 6, cfg.epochs, g)
        out = train_sgd(arch, init, x, y, cfg, orders)
        for p in range(5):
            ref = _single_model_reference(arch, [w[p] for w in init], x[p], y[p], cfg, orders[:, p])
            for a, b in zip(out, ref):
                torch.testing.assert_close(a[p], b, rtol=1e-5, atol=1e-6)


def test_biased_batched_equals_torch_sgd_with_biases():
    """Biased networks (zero-initialised biases, trained): each model of the batch matches torch.optim.SGD
    on nn.Linear layers with bias=True, weights and biases alike; the biases move away from zero."""
    arch, init, x, y, g = _problem()
    for cfg in (SGDConfig(epochs=5), SGDConfig(epochs=4, momentum=0.9, batch_size=4, reduction="mean")):
        orders = epoch_orders(5, 6, cfg.epochs, g)
        out = train_sgd(Biased(arch), with_zero_biases(arch, init), x, y, cfg, orders)
        assert [tuple(t.shape) for t in out[3:]] == [(5, 8), (5, 3), (5, 2)] and float(out[-1].abs().max()) > 0
        for p in range(5):
            ref = _single_model_reference(arch, [w[p] for w in init], x[p], y[p], cfg, orders[:, p], bias=True)
            for a, b in zip(out, ref):
                torch.testing.assert_close(a[p], b, rtol=1e-5, atol=1e-6)


def test_mixed_sizes_equal_each_size_alone():
    """Models of sizes n = 2, 3, 4, 7, 8 (batch sizes 1, 1, 2, 2, 2: different step counts, a short last
    batch) trained in one call, orders padded, equal each size trained alone, also with momentum and mean
    reduction; the padded steps leave a model's weights (and momentum) untouched."""
    g = torch.Generator().manual_seed(3)
    arch, ns, per, n_max = MLP(4, (8, 3)), (2, 3, 4, 7, 8), 3, 8
    x, y = torch.randn(per, n_max, 4, generator=g), torch.randint(0, 2, (per, n_max), generator=g)
    for cfg in (SGDConfig(epochs=4), SGDConfig(epochs=3, momentum=0.9, reduction="mean", lr=0.05),
                SGDConfig(epochs=3, batch_size=3)):
        inits = [kaiming_uniform(arch.shapes, (per,), g) for _ in ns]
        orders = [epoch_orders(per, n, cfg.epochs, g) for n in ns]
        sizes = torch.tensor(ns).repeat_interleave(per)
        mixed = train_sgd(arch, [torch.cat(layer) for layer in zip(*inits)], x.repeat(len(ns), 1, 1),
                          y.repeat(len(ns), 1), cfg, pad_orders(orders), sizes=sizes)
        for i, n in enumerate(ns):
            alone = train_sgd(arch, inits[i], x[:, :n], y[:, :n], cfg, orders[i])
            for a, b in zip(mixed, alone):
                torch.testing.assert_close(a[i * per:(i + 1) * per], b, rtol=1e-5, atol=1e-6)
            if cfg.batch_size is None and cfg.momentum == 0 and cfg.reduction == "sum":
                ref = _single_model_reference(arch, [w[0] for w in inits[i]], x[0, :n], y[0, :n], cfg,
                                              orders[i][:, 0])
                for a, b in zip(mixed, ref):
                    torch.testing.assert_close(a[i * per], b, rtol=1e-5, atol=1e-6)


def test_models_ordered_by_size_train_a_suffix_per_step_bit_for_bit():
    """Models stacked by ascending size (as run_sgd_sizes stacks them) compute, at each step, only those that
    have a batch there (a suffix); the same models in another order take the masked path over all of them.
    Both give every model bit-identical weights, with and without momentum, biases included."""
    g = torch.Generator().manual_seed(5)
    arch, ns, per, n_max = Biased(MLP(4, (8, 3))), (2, 4, 7, 8), 3, 8
    x, y = torch.randn(per, n_max, 4, generator=g), torch.randint(0, 2, (per, n_max), generator=g)
    for cfg in (SGDConfig(epochs=4), SGDConfig(epochs=3, momentum=0.9, reduction="mean", lr=0.05)):
        inits = [with_zero_biases(arch.base, kaiming_uniform(arch.base.shapes, (per,), g)) for _ in ns]
        orders = pad_orders([epoch_orders(per, n, cfg.epochs, g) for n in ns])  # (epochs, P, n_max)
        init = [torch.cat(layer) for layer in zip(*inits)]
        sizes = torch.tensor(ns).repeat_interleave(per)
        xs, ys = x.repeat(len(ns), 1, 1), y.repeat(len(ns), 1)
        ascending = train_sgd(arch, init, xs, ys, cfg, orders, sizes=sizes)
        perm = torch.randperm(sizes.numel(), generator=g)
        assert not bool((sizes[perm][1:] >= sizes[perm][:-1]).all())  # not sorted: the masked path
        shuffled = train_sgd(arch, [w[perm] for w in init], xs[perm], ys[perm], cfg, orders[:, perm],
                             sizes=sizes[perm])
        for a, b in zip(ascending, shuffled):
            assert torch.equal(a[perm], b)


def test_summed_loss_equals_mean_at_double_lr():
    """Summed cross-entropy at batch 2 and lr eta equals mean cross-entropy at lr 2 eta (anchor A6)."""
    arch, init, x, y, g = _problem(p=3, n=8, seed=1)
    orders = epoch_orders(3, 8, 3, g)
    summed = train_sgd(arch, init, x, y, SGDConfig(lr=0.01, epochs=3, reduction="sum"), orders)
    mean = train_sgd(arch, init, x, y, SGDConfig(lr=0.02, epochs=3, reduction="mean"), orders)
    for a, b in zip(summed, mean):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_batch_rule_and_orders():
    """Batch size min(n/2, 2); every epoch order is a permutation of the n samples."""
    assert [SGDConfig().batch_for(n) for n in (2, 4, 16)] == [1, 2, 2]
    assert SGDConfig(batch_size=8).batch_for(16) == 8 and SGDConfig(batch_size="full").batch_for(12) == 12
    orders = epoch_orders(4, 6, 3, torch.Generator().manual_seed(0))
    assert torch.equal(orders.sort(-1).values, torch.arange(6).expand(3, 4, 6))


def test_kaiming_uniform_bounds():
    """Kaiming-uniform weights lie in U[-sqrt(6/fan_in), sqrt(6/fan_in)] and nearly fill it."""
    arch = MLP(64, (16,))
    w = kaiming_uniform(arch.shapes, (200,), torch.Generator().manual_seed(0))
    for wl, b in zip(w, kaiming_bounds(arch.shapes)):
        assert float(wl.abs().max()) <= b and float(wl.abs().max()) > 0.99 * b
    assert abs(kaiming_bounds(arch.shapes)[0] - (6 / 64) ** 0.5) < 1e-12


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_batched_sgd_cuda_matches_cpu():
    """Batched SGD on CUDA matches the CPU run to float tolerance (one device-agnostic code path)."""
    arch, init, x, y, g = _problem()
    orders = epoch_orders(5, 6, 3, g)
    cfg = SGDConfig(epochs=3)
    cpu = train_sgd(arch, init, x, y, cfg, orders)
    gpu = train_sgd(arch, [w.cuda() for w in init], x.cuda(), y.cuda(), cfg, orders.cuda())
    for a, b in zip(cpu, gpu):
        torch.testing.assert_close(a, b.cpu(), rtol=1e-4, atol=1e-5)
