"""Tests of redshift.nets.transformer: reference agreement, parameter count, init, decoding."""
import math

import pytest
import torch
import torch.nn.functional as F

from redshift.nets.transformer import (ACTIVATIONS, GPTConfig, Variant, decode_logits, generate,
                                       init_gpt2, parameter_count)

SMALL = GPTConfig(vocab_size=97, n_positions=16, d_model=32, n_head=4, n_layer=3)


def reference_forward(w, s: int, variant: Variant, ids: torch.Tensor) -> torch.Tensor:
    """Plain full-sequence GPT-2 forward of model s (no cache, explicit causal mask): (B, T) -> (B, T, V)."""
    cfg, (b, t) = w.config, ids.shape
    act, g = ACTIVATIONS[variant.activation], variant.gamma
    x = w.wte[s][ids] + w.wpe[s][:t]
    mask = torch.ones(t, t, dtype=torch.bool).tril()
    for l in range(variant.depth):
        h = F.layer_norm(x, (cfg.d_model,), weight=torch.full((cfg.d_model,), g), eps=cfg.ln_eps)
        q, k, v = (h @ w.attn_w[s, l] + w.attn_b[s, l]).split(cfg.d_model, dim=-1)
        q, k, v = (z.view(b, t, cfg.n_head, cfg.d_head).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-1, -2) / math.sqrt(cfg.d_head)).masked_fill(~mask, float("-inf"))
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, cfg.d_model)
        x = x + y @ w.attn_proj_w[s, l] + w.attn_proj_b[s, l]
        h = F.layer_norm(x, (cfg.d_model,), weight=torch.full((cfg.d_model,), g), eps=cfg.ln_eps)
        x = x + act(h @ w.fc_w[s, l] + w.fc_b[s, l]) @ w.mlp_proj_w[s, l] + w.mlp_proj_b[s, l]
    x = F.layer_norm(x, (cfg.d_model,), w.lnf_w[s], w.lnf_b[s], eps=cfg.ln_eps)
    return x @ w.wte[s].T


def _randomise_biases(w):
    """Give biases and LN parameters non-zero values so the test exercises every term."""
    g = torch.Generator().manual_seed(3)
    for name, t in w.tensors().items():
        if name.endswith("_b") or name == "lnf_w":
            t.add_(torch.randn(t.shape, generator=g) * 0.1)
    return w


VARIANTS = [Variant("gelu", 1.0, 3), Variant("sine", 3.0, 1), Variant("relu", 0.3, 2),
            Variant("gaussian", 2.0, 3), Variant("selu", 1.0, 1)]


def test_cached_decoding_matches_reference_forward():
    """Teacher-forced cached logits equal a plain full-sequence forward, for every model and variant."""
    w = _randomise_biases(init_gpt2(SMALL, seeds=[11, 12]))
    ids = torch.randint(0, SMALL.vocab_size, (2, len(VARIANTS), 3, 9), generator=torch.Generator().manual_seed(0))
    got = decode_logits(w, VARIANTS, ids)  # (S, C, P, T, V)
    for s in range(2):
        for c, var in enumerate(VARIANTS):
            ref = reference_forward(w, s, var, ids[s, c])
            torch.testing.assert_close(got[s, c], ref, rtol=1e-4, atol=1e-5)


def test_generation_is_greedy_under_reference():
    """Each generated token is the argmax of the reference logits of the sequence so far."""
    w = init_gpt2(SMALL, seeds=[5])
    prompts = torch.tensor([[1, 7, 40, 90]])
    out = generate(w, VARIANTS, prompts, n_new=8, max_sequences=6)  # forces several chunks
    for c, var in enumerate(VARIANTS):
        ref = reference_forward(w, 0, var, out[0, c, :, :-1]).argmax(-1)
        assert torch.equal(ref, out[0, c, :, 1:])
    assert torch.equal(out[0, :, :, 0], prompts.expand(len(VARIANTS), -1))


def test_generation_deterministic_under_seed():
    """The same seeds give the same generated ids (spec A10)."""
    prompts = torch.tensor([[2, 3], [4, 5]])
    a = generate(init_gpt2(SMALL, [1, 2]), VARIANTS, prompts, n_new=6)
    b = generate(init_gpt2(SMALL, [1, 2]), VARIANTS, prompts, n_new=6)
    assert torch.equal(a, b)


def test_gpt2_small_parameter_count():
    """GPT-2 small with the tied head has exactly 124 439 808 parameters (spec A10)."""
    assert parameter_count(GPTConfig()) == 124_439_808


def test_parameter_count_matches_tensors():
    """parameter_count equals the number of entries of one model's initialised tensors."""
    w = init_gpt2(SMALL, seeds=[0, 1])
    assert sum(t.numel() for t in w.tensors().values()) == 2 * parameter_count(SMALL)


def test_gpt2_init_statistics():
    """Weights have std 0.02, residual projections 0.02/sqrt(24) whatever the layer, biases 0 (spec A10)."""
    w = init_gpt2(GPTConfig(vocab_size=256, n_positions=64, d_model=128, n_head=4), seeds=[7])
    assert w.fc_w.std().item() == pytest.approx(0.02, rel=0.02)
    assert w.wte.std().item() == pytest.approx(0.02, rel=0.02)
    for l in range(12):
        assert w.mlp_proj_w[0, l].std().item() == pytest.approx(0.02 / math.sqrt(24), rel=0.05)
    assert w.attn_proj_w.std().item() == pytest.approx(0.00408, rel=0.02)
    assert torch.count_nonzero(w.attn_b) == 0 and torch.all(w.ln1_w == 1)


def test_bad_variant_is_a_clear_error():
    """A depth beyond n_layer or an unknown activation raises ValueError naming the valid range."""
    w = init_gpt2(SMALL, seeds=[0])
    with pytest.raises(ValueError, match="depth must be in 1..3"):
        generate(w, [Variant("gelu", 1.0, 4)], torch.tensor([[0]]), n_new=2)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    """The same seeds give the same cached logits on CUDA and CPU (float tolerance)."""
    ids = torch.randint(0, SMALL.vocab_size, (1, len(VARIANTS), 3, 6), generator=torch.Generator().manual_seed(1))
    cpu = decode_logits(init_gpt2(SMALL, [4]), VARIANTS, ids)
    gpu = decode_logits(init_gpt2(SMALL, [4], device="cuda"), VARIANTS, ids.cuda())
    torch.testing.assert_close(gpu.cpu(), cpu, rtol=1e-3, atol=1e-4)
