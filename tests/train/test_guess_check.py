"""Tests of redshift.train.guess_check and the rescaling invariance of bias-free nets (spec D4, D5, D8)."""

import math

import pytest
import torch

from redshift.nets.bias_free import (MLP, LeNet, ResNet, UniformSource, draw_uniform, kaiming_bounds,
                                     masked_accuracy, masked_scores, rescale)
from redshift.train.guess_check import GCConfig, GCResult, fit_mask, guess_check, recheck

EYE = [torch.eye(2)[None], torch.eye(2)[None]]  # one MLP 2 -> 2 -> 2 with identity layers: logits = relu(x)


def test_acceptance_rule_hand_built():
    """Accepted iff both argmaxes are right; a tie gives label 0: right on label 0, wrong on 1 (anchor A1)."""
    arch = MLP(2, (2,))
    x = torch.tensor([[1.0, 0.0], [0.0, 2.0]])  # logits [1, 0] and [0, 2]
    fits, ties = fit_mask(arch.forward(EYE, x), torch.tensor([0, 1]))
    assert fits.tolist() == [True] and ties.tolist() == [0]
    fits, _ = fit_mask(arch.forward(EYE, x), torch.tensor([1, 1]))
    assert fits.tolist() == [False]
    x_tie = torch.tensor([[3.0, 3.0], [0.0, 2.0]])  # first logits [3, 3]: a tie, label 0 predicted
    fits, ties = fit_mask(arch.forward(EYE, x_tie), torch.tensor([0, 1]))
    assert fits.tolist() == [True] and ties.tolist() == [1]
    fits, ties = fit_mask(arch.forward(EYE, x_tie), torch.tensor([1, 1]))  # the tie on a label-1 sample
    assert fits.tolist() == [False] and ties.tolist() == [1]


def test_constant_predictor_never_fits():
    """A network predicting one class fits no balanced set (anchor A5, first half)."""
    arch = MLP(2, (2,))
    w = [torch.ones(1, 2, 2), torch.tensor([[[-1.0, -1.0], [1.0, 1.0]]])]
    x = torch.randn(6, 2).abs() + 0.1
    fits, _ = fit_mask(arch.forward(w, x), torch.tensor([0, 1, 0, 1, 0, 1]))
    assert not fits.any()


def test_random_labelling_fits_with_two_to_minus_n():
    """Logits independent of the labels fit n samples with probability 2^-n (anchor A5, second half)."""
    g = torch.Generator().manual_seed(3)
    n, m = 4, 200_000
    fits, _ = fit_mask(torch.randn(m, n, 2, generator=g), torch.tensor([0, 1, 0, 1]))
    p = fits.double().mean().item()
    assert abs(p - 2.0 ** -n) < 4 * math.sqrt(2.0 ** -n / m)


def _reference_accepts(arch, x, y, seed, m):
    """Loop-over-networks reference of one G&C batch with the same underlying draws."""
    w = UniformSource(torch.Generator().manual_seed(seed)).draw(arch.shapes, (1, m))
    out = []
    for i in range(m):
        h = torch.relu(x @ w[0][0, i].T) @ w[1][0, i].T  # (n, 2)
        out.append(bool(((h[:, 1] > h[:, 0]) == y.bool()).all()))  # argmax, a tie is label 0
    return torch.tensor(out), w


def test_batched_matches_loop_reference():
    """One batched G&C batch accepts exactly the networks a per-network loop accepts."""
    arch = MLP(3, (4,))
    x, y = torch.randn(1, 4, 3, generator=torch.Generator().manual_seed(0)), torch.tensor([[0, 1, 1, 0]])
    m = 64
    cfg = GCConfig(accept=10**6, draw_cap=m, batch_floats=m * 20)
    res = guess_check(arch, x, y, cfg, torch.Generator().manual_seed(7))
    ref, w = _reference_accepts(arch, x[0], y[0], 7, m)
    assert int(res.draws) == m and int(res.accepted) == int(ref.sum())
    assert torch.equal(res.weights[0], w[0][0, ref])


def test_stops_at_k_or_cap():
    """Sampling ends once every set has K fits, or at exactly the draw cap."""
    arch = MLP(3, (4,))
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(2, 4, 3, generator=gen), torch.tensor([[0, 1, 1, 0], [1, 0, 0, 1]])
    res = guess_check(arch, x, y, GCConfig(accept=5, draw_cap=10**6, batch_floats=2 * 32 * 20), gen)
    assert (res.accepted >= 5).all() and res.owner.shape[0] == int(res.accepted.sum())
    fits, _ = fit_mask(arch.forward(res.weights, x[res.owner]), y[res.owner])
    assert fits.all()
    capped = guess_check(arch, x, y, GCConfig(accept=10**6, draw_cap=100, batch_floats=2 * 32 * 20), gen)
    assert capped.draws.tolist() == [100, 100]


def test_reuse_equals_fresh_draws():
    """Re-checking the fits of n - 2 on n, then drawing on, equals drawing afresh (anchor A4)."""
    arch = MLP(3, (4,))
    x = torch.randn(1, 6, 3, generator=torch.Generator().manual_seed(2))
    y = torch.tensor([[0, 1, 0, 1, 0, 1]])
    cfg = GCConfig(accept=20, draw_cap=10**6, batch_floats=32 * 20)
    gen = UniformSource(torch.Generator().manual_seed(9))  # one stream up the chain, as the suite does
    small = guess_check(arch, x[:, :4], y[:, :4], cfg, gen)
    reused = guess_check(arch, x, y, cfg, gen, start=recheck(arch, small, x, y))
    fresh = guess_check(arch, x, y, cfg, UniformSource(torch.Generator().manual_seed(9)))
    assert int(recheck(arch, small, x, y).accepted) < cfg.accept  # the reuse path is exercised
    assert torch.equal(reused.draws, fresh.draws) and torch.equal(reused.accepted, fresh.accepted)
    for a, b in zip(reused.weights, fresh.weights):
        assert torch.equal(a, b)


def test_uniform_source_is_the_documented_map_of_sfc64_bits():
    """On CPU, weights are k 2^-31 rounded to float32 for the signed 32-bit words k of SFC64 seeded from the
    generator (k 2^-63 for float64), then mapped to [low, high]; layer 0 of every network comes first, and
    a draw longer than one conversion block (odd length) equals the single-stream map."""
    import numpy as np

    def words(seed_gen, count, ints):
        seed = int(torch.randint(0, 2**62, (1,), generator=seed_gen))
        return np.random.SFC64(seed).random_raw(-(-count * np.dtype(ints).itemsize // 8)).view(ints)[:count]

    shapes, pop = [(3, 5), (2, 3)], (2, 4)
    w = UniformSource(torch.Generator().manual_seed(11)).draw(shapes, pop)
    k = words(torch.Generator().manual_seed(11), 8 * 21, np.int32)
    assert [tuple(x.shape) for x in w] == [(2, 4, 3, 5), (2, 4, 2, 3)]
    flat = torch.cat([x.flatten() for x in w])
    assert torch.equal(flat, torch.from_numpy(k.astype(np.float32) * np.float32(2.0**-31)))
    n = 2 * UniformSource.BLOCK + 3
    (long,) = UniformSource(torch.Generator().manual_seed(3)).draw([(n,)], ())
    k = words(torch.Generator().manual_seed(3), n, np.int32)
    assert torch.equal(long, torch.from_numpy(k.astype(np.float32) * np.float32(2.0**-31)))
    (w64,) = UniformSource(torch.Generator().manual_seed(11)).draw([(n,)], (), -0.2, 0.6, torch.float64)
    k64 = words(torch.Generator().manual_seed(11), n, np.int64)
    low, high = -0.2, 0.6
    ref = k64.astype(np.float64) * np.float64((high - low) / 2 * 2.0**-63) + np.float64((high + low) / 2)
    assert torch.equal(w64, torch.from_numpy(ref))


@pytest.mark.parametrize("low,high,dtype", [(-1.0, 1.0, torch.float32), (-0.2, 0.2, torch.float32),
                                            (0.0, 3.0, torch.float64)])
def test_uniform_source_is_uniform(low, high, dtype):
    """Across blocks (more floats than one conversion block): inside [low, high] as the dtype rounds them, and
    a Kolmogorov-Smirnov test against U[low, high] does not reject (fixed seed: p = a known, non-small
    number); the same seed draws the same floats."""
    from scipy import stats

    size = (UniformSource.BLOCK + 12_345,)
    (w,) = UniformSource(torch.Generator().manual_seed(5)).draw([(1,)], size, low, high, dtype)
    bounds = torch.tensor([low, high], dtype=dtype)
    assert w.dtype == dtype and bool(w.min() >= bounds[0]) and bool(w.max() <= bounds[1])
    assert stats.kstest(w.double().flatten().numpy(), stats.uniform(low, high - low).cdf).pvalue > 0.01
    assert torch.equal(w, UniformSource(torch.Generator().manual_seed(5)).draw([(1,)], size, low, high, dtype)[0])


def test_reused_buffer_draws_the_same_numbers_in_one_allocation():
    """draw(reuse=True) gives the values a plain draw gives from the same stream, in one kept buffer that the
    next reuse draw overwrites (and grows when a larger draw needs it)."""
    shapes = [(3, 5), (2, 3)]
    plain, kept = (UniformSource(torch.Generator().manual_seed(4)) for _ in range(2))
    a, b = plain.draw(shapes, (2, 4)), kept.draw(shapes, (2, 4), reuse=True)
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    ptr = b[0].data_ptr()
    a, b = plain.draw(shapes, (2, 3)), kept.draw(shapes, (2, 3), reuse=True)  # smaller: the same memory
    assert all(torch.equal(u, v) for u, v in zip(a, b)) and b[0].data_ptr() == ptr
    a, b = plain.draw(shapes, (5, 4)), kept.draw(shapes, (5, 4), reuse=True)  # larger: grown once
    assert all(torch.equal(u, v) for u, v in zip(a, b))


def test_a_chain_needs_its_uniform_source():
    """guess_check continuing a chain (start=) with a torch.Generator would start a new stream: refused."""
    arch = MLP(3, (4,))
    x, y = torch.randn(1, 4, 3, generator=torch.Generator().manual_seed(2)), torch.tensor([[0, 1, 0, 1]])
    cfg = GCConfig(accept=2, batch_floats=32 * 20)
    small = guess_check(arch, x[:, :2], y[:, :2], cfg, torch.Generator().manual_seed(1))
    with pytest.raises(TypeError, match="UniformSource"):
        guess_check(arch, x, y, cfg, torch.Generator().manual_seed(1), start=recheck(arch, small, x, y))


def test_neg_log2_p():
    """-log2 P = log2(T / K), and log2 T as the lower bound when K = 0 (spec D5)."""
    z = torch.zeros(2, dtype=torch.long)
    res = GCResult([], torch.tensor([0, 0, 0, 0]), torch.tensor([1024, 256]), torch.tensor([4, 0]), z, z,
                   torch.tensor([0, 2, 0, 1]))
    assert res.neg_log2_p().tolist() == [8.0, 8.0]
    assert res.neg_log2_p_tie_error().tolist() == [9.0, 8.0]  # 2 of the 4 fits have no tie


def test_rescaling_powers_of_two_exact():
    """Scaling layers by powers of two scales float32 logits exactly by their product (anchor A2)."""
    arch = MLP(5, (7, 6))
    w = draw_uniform(arch.shapes, (10,), torch.Generator().manual_seed(4))
    x = torch.randn(9, 5, generator=torch.Generator().manual_seed(5))
    base = arch.forward(w, x)
    scaled = arch.forward(rescale(w, [0.25, 8.0, 4.0]), x)
    assert torch.equal(scaled, base * 8.0)


def test_rescaling_keeps_predictions():
    """Any positive per-layer scales (U[-0.2, 0.2], Kaiming) leave predictions identical (spec D8)."""
    arch = MLP(64, (16, 16))
    w = draw_uniform(arch.shapes, (500,), torch.Generator().manual_seed(6), dtype=torch.float64)
    x = torch.randn(50, 64, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    y, mask = (x[:, 0] > 0).long(), torch.ones(500, 50, dtype=torch.bool)
    pred = arch.forward(w, x).argmax(-1)
    for scales in ([0.2] * 3, kaiming_bounds(arch.shapes)):
        assert torch.equal(arch.forward(rescale(w, scales), x).argmax(-1), pred)
        assert torch.equal(masked_accuracy(arch, rescale(w, scales), x, y, mask),
                           masked_accuracy(arch, w, x, y, mask))


def test_masked_scores_known_values():
    """Accuracy counts only masked examples, a tie as label 0; the variant counts it as an error."""
    arch = MLP(2, (2,))
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0], [0.0, 3.0]])
    y = torch.tensor([0, 1, 0, 0])
    w = [EYE[0].expand(2, 2, 2), EYE[1].expand(2, 2, 2)]
    mask = torch.tensor([[True, True, True, True], [True, True, False, False]])
    acc, strict, ties = masked_scores(arch, w, x, y, mask)
    assert acc.tolist() == [0.75, 1.0] and strict.tolist() == [0.5, 1.0] and ties.tolist() == [0.25, 0.0]
    assert masked_accuracy(arch, w, x, y, mask).tolist() == [0.75, 1.0]


def test_guess_check_counts_ties_and_checks():
    """A dead hidden unit gives logits (0, 0): a tie on both samples, a fit on labels (0, 0); checked = T x n."""
    arch = MLP(2, (1,))
    x, m = -torch.ones(1, 2, 2), 64  # the unit is dead iff w_1 + w_2 >= 0
    res = guess_check(arch, x, torch.tensor([[0, 0]]), GCConfig(accept=10**6, draw_cap=m, batch_floats=m * 4),
                      torch.Generator().manual_seed(0))
    w = UniformSource(torch.Generator().manual_seed(0)).draw(arch.shapes, (1, m))  # the same underlying draws
    dead = w[0][0].sum((-1, -2)) >= 0
    fits = dead | (w[1][0, :, 1, 0] <= w[1][0, :, 0, 0])  # live: label 1 loses or ties
    assert res.checked.tolist() == [2 * m] and int(res.accepted) == int(fits.sum())
    assert int(res.ties) == 2 * int(dead.sum()) and int((res.net_ties == 2).sum()) == int(dead.sum())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_guess_check_on_cuda():
    """The same code path runs on CUDA: every accepted network fits and draws stay on the device."""
    dev = torch.device("cuda")
    arch = MLP(3, (4,))
    gen = torch.Generator(device=dev).manual_seed(0)
    x = torch.randn(2, 4, 3, device=dev, generator=gen)
    y = torch.tensor([[0, 1, 1, 0], [1, 0, 0, 1]], device=dev)
    res = guess_check(arch, x, y, GCConfig(accept=5, batch_floats=1 << 12), gen)
    fits, _ = fit_mask(arch.forward(res.weights, x[res.owner]), y[res.owner])
    assert fits.all() and res.weights[0].device.type == "cuda" and (res.accepted >= 5).all()


def _conv_reference(arch, w, x, b=None):
    """Loop-over-networks reference of the conv populations with plain torch.nn.functional calls; b: the
    per-layer biases (P, out_l) or None."""
    import torch.nn.functional as F

    outs = []
    for i in range(w[0].shape[0]):
        wi = [wl[i] for wl in w]
        bi = [bl[i] for bl in b] if b is not None else [None] * len(w)
        lin = lambda h, k: h @ wi[k].T + (0 if bi[k] is None else bi[k])  # noqa: E731
        if isinstance(arch, LeNet):
            h = F.max_pool2d(torch.relu(F.conv2d(x, wi[0], bi[0])), 2)
            h = F.max_pool2d(torch.relu(F.conv2d(h, wi[1], bi[1])), 2).flatten(1)
            h = torch.relu(lin(h, 2))
            outs.append(lin(torch.relu(lin(h, 3)), 4))
            continue
        conv = lambda h, k: torch.relu(F.conv2d(h, wi[k], bi[k], padding=1))  # noqa: E731
        h = F.max_pool2d(conv(conv(x, 0), 1), 2)
        h = h + conv(conv(h, 2), 3)
        h = F.max_pool2d(conv(F.max_pool2d(conv(h, 4), 2), 5), 2)
        h = h + conv(conv(h, 6), 7)
        outs.append(arch.head_scale * lin(F.adaptive_max_pool2d(h, 1).flatten(1), 8))
    return torch.stack(outs)  # (P, B, 2)


@pytest.mark.parametrize("arch", [MLP(6, (5, 4)), LeNet(1, 28, 0.334), ResNet(3, 32, 0.334)])
def test_biased_populations_match_loop_reference(arch):
    """Biased(arch) (trained SGD networks, Revision 2) equals a per-network loop with biases; with zero
    biases it equals the bias-free network."""
    from redshift.nets.bias_free import Biased, with_zero_biases

    g = torch.Generator().manual_seed(1)
    w = draw_uniform(arch.shapes, (3,), g)
    b = [torch.randn(3, s[0], generator=g) for s in arch.shapes]
    if isinstance(arch, MLP):
        x = torch.randn(5, 6, generator=g)
        ref = torch.stack([torch.relu(torch.relu(x @ w[0][i].T + b[0][i]) @ w[1][i].T + b[1][i]) @ w[2][i].T
                           + b[2][i] for i in range(3)])
    else:
        x = torch.randn(5, arch.in_channels, arch.side, arch.side, generator=g)
        ref = _conv_reference(arch, w, x, b)
    torch.testing.assert_close(Biased(arch).forward(w + b, x), ref, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(Biased(arch).forward(with_zero_biases(arch, w), x), arch.forward(w, x))


@pytest.mark.parametrize("arch", [LeNet(1, 28, 0.334), ResNet(3, 32, 0.334)])
def test_conv_populations_match_loop_reference(arch):
    """Grouped-convolution populations equal a per-network loop; positive rescaling keeps predictions."""
    g = torch.Generator().manual_seed(0)
    w = draw_uniform(arch.shapes, (3,), g)
    x = torch.randn(5, arch.in_channels, arch.side, arch.side, generator=g)
    out = arch.forward(w, x)
    torch.testing.assert_close(out, _conv_reference(arch, w, x), rtol=1e-4, atol=1e-4)
    if isinstance(arch, LeNet):  # homogeneous per layer (conv, ReLU, max-pool): spec D8
        scaled = arch.forward(rescale(w, [0.5, 4.0, 0.25, 2.0, 8.0]), x)
        torch.testing.assert_close(scaled, out * 8.0)


def test_lenet_widths_follow_the_code():
    """LeNet(w) has floor(6w), floor(16w), floor(120w), floor(84w) units; 28x28 input leaves 4x4 maps."""
    shapes = LeNet(1, 28, 0.334).shapes
    assert [s[0] for s in shapes] == [2, 5, 40, 28, 2] and shapes[2][1] == 5 * 4 * 4
