"""Lempel-Ziv complexity (spec M5-M7): hand-parsed anchors A8-A9, lockstep-vs-reference agreement, binarize."""
import numpy as np
import pytest
import torch

from redshift.metrics import binarize, lz_complexity


def _lz78(s):
    """The reference code's lempel_ziv_complexity, one sequence at a time (spec M5)."""
    seen, ind, inc = set(), 0, 1
    while ind + inc <= len(s):
        phrase = tuple(s[ind:ind + inc])
        if phrase in seen:
            inc += 1
        else:
            seen.add(phrase)
            ind, inc = ind + inc, 1
    return len(seen)


def _lzw(s):
    """The reference code's lzw_complexity without its prints (spec M6)."""
    words, w = {(c,) for c in s}, (s[0],)
    for c in s[1:]:
        w = w + (c,)
        if w not in words:
            words.add(w)
            w = (c,)
    return len(words)


def _count(seq, variant):
    """Unnormalised count of one sequence through the batched kernel."""
    return round(lz_complexity(torch.tensor(seq), variant).item() * len(seq))


@pytest.mark.parametrize(("text", "phrases"), [("1001111011000010", 8), ("1010101010101010", 7),
                                               ("1001111011000010000010", 9), ("100111101100001000001010", 10)])
def test_lz78_reference_docstrings(text, phrases):
    """A8: the reference docstrings' bit strings parse into the stated phrase counts."""
    assert _count([int(c) for c in text], "lz78") == phrases


def test_lz78_and_lzw_on_integers():
    """A8, A9: [1,2,3,1,2,4,5,1,2,3,4,5] gives 8 LZ78 phrases and an LZW dictionary of 13."""
    seq = [1, 2, 3, 1, 2, 4, 5, 1, 2, 3, 4, 5]
    assert (_count(seq, "lz78"), _count(seq, "lzw")) == (8, 13)


def test_lzw_on_text():
    """A9: 'abcabcasdabcd' gives an LZW dictionary of 13."""
    assert _count([ord(c) for c in "abcabcasdabcd"], "lzw") == 13


@pytest.mark.parametrize(("n", "lz78", "lzw"), [(51, 9, 10), (101, 13, 14), (1024, 44, 45)])
def test_constant_sequences(n, lz78, lzw):
    """A8, A9: a constant sequence gives the largest m with m(m+1)/2 <= n (LZ78) and 1 + m, 1 + m(m+1)/2 <= n (LZW)."""
    assert (_count([7] * n, "lz78"), _count([7] * n, "lzw")) == (lz78, lzw)
    assert lz_complexity(torch.zeros(51, dtype=torch.int64)).item() == pytest.approx(0.176, abs=0.001)


def test_distinct_and_alternating():
    """A8: all-distinct tokens give C = 1; alternating two tokens over n = 51 gives 13 phrases."""
    assert lz_complexity(torch.randperm(200)).item() == 1.0
    assert _count([0, 1] * 25 + [0], "lz78") == 13


@pytest.mark.parametrize(("n", "lzw", "lz78"), [(1024, 0.198, 0.172), (4096, 0.152, 0.135)])
def test_random_fair_bits(n, lzw, lz78):
    """A9: the mean over 64 fair-bit sequences matches the spec's LZW/N and LZ78/N to 0.004."""
    bits = torch.randint(0, 2, (64, n), generator=torch.Generator().manual_seed(0))
    assert lz_complexity(bits, "lzw").mean().item() == pytest.approx(lzw, abs=0.004)
    assert lz_complexity(bits, "lz78").mean().item() == pytest.approx(lz78, abs=0.004)


@pytest.mark.parametrize("variant", ["lz78", "lzw"])
@pytest.mark.parametrize("alphabet", [2, 5, 300])
def test_lockstep_matches_reference(variant, alphabet):
    """The lockstep parse of a (3, 40, L) population equals the one-at-a-time reference, for any alphabet."""
    seqs = torch.randint(-3, alphabet - 3, (3, 40, 257), generator=torch.Generator().manual_seed(alphabet))
    seqs[0, :5] = 4  # constant rows next to random ones
    ref = _lz78 if variant == "lz78" else _lzw
    want = np.array([[ref(row) for row in block] for block in seqs.tolist()]) / 257
    np.testing.assert_allclose(lz_complexity(seqs, variant).numpy(), want, atol=1e-12, rtol=0)


@pytest.mark.parametrize("variant", ["lz78", "lzw"])
def test_small_symbols_match_reference_when_some_are_absent(variant):
    """Symbols 0..3 index the table directly; rows lacking a symbol, or holding only one, still match the reference."""
    seqs = torch.randint(0, 4, (40, 257), generator=torch.Generator().manual_seed(3))
    seqs[:10] = seqs[:10] % 2 * 3  # only 0 and 3
    seqs[10:12] = 2  # constant
    ref = _lz78 if variant == "lz78" else _lzw
    want = np.array([ref(row) for row in seqs.tolist()]) / 257
    np.testing.assert_allclose(lz_complexity(seqs, variant).numpy(), want, atol=1e-12, rtol=0)


def test_memory_chunks_do_not_change_results():
    """Parsing in many small memory chunks gives the same values as one lockstep parse."""
    seqs = torch.randint(0, 3, (50, 300), generator=torch.Generator().manual_seed(1))
    np.testing.assert_array_equal(lz_complexity(seqs, max_table_bytes=1).numpy(), lz_complexity(seqs).numpy())


def test_binarize_median_threshold():
    """M7: 1[v > median] with numpy's even-length median; ties go to 0."""
    values = torch.tensor([[3.0, 1.0, 2.0, 4.0], [5.0, 5.0, 5.0, 1.0]], dtype=torch.float64)
    assert binarize(values).tolist() == [[1, 0, 0, 1], [0, 0, 0, 0]]


def test_binarize_grid_invariance():
    """A4: C_LZ of a binarised grid is unchanged by y -> a y + b with a > 0."""
    y = torch.randn(4, 32 * 32, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    np.testing.assert_array_equal(lz_complexity(binarize(3.0 * y - 1.0), "lzw").numpy(),
                                  lz_complexity(binarize(y), "lzw").numpy())


def test_rejects_real_values():
    """Real-valued input is a clear error that points to binarize()."""
    with pytest.raises(ValueError, match="binarize"):
        lz_complexity(torch.rand(10))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("variant", ["lz78", "lzw"])
def test_cuda_matches_cpu(variant):
    """The same lockstep parse on CUDA gives the CPU counts exactly."""
    seqs = torch.randint(0, 2, (64, 1024), generator=torch.Generator().manual_seed(3))
    np.testing.assert_array_equal(lz_complexity(seqs.cuda(), variant).cpu().numpy(),
                                  lz_complexity(seqs, variant).numpy())
