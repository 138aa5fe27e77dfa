"""Tests of redshift.metrics.ipr against the closed forms of grokking_corrupted spec section 5 (D9, D10, D15)."""
import math

import pytest
import torch

from redshift.metrics.ipr import gamma_signature, ipr, ipr_summary, neuron_ipr
from redshift.nets.quadratic import fourier_solution

P = 59
GRID = torch.arange(P, dtype=torch.float64)


def test_one_hot_has_the_minimum_ipr():
    """A one-hot vector has a flat spectrum: IPR = 1/(M+1) (rfft), 1/p (full DFT)."""
    x = torch.zeros(97, dtype=torch.float64)
    x[4] = 1.0
    assert ipr(x).item() == pytest.approx(1 / 49, abs=1e-12)
    assert ipr(x, "full").item() == pytest.approx(1 / 97, abs=1e-12)


@pytest.mark.parametrize("freq, amp, phase", [(1, 1.0, 0.0), (7, 3.5, 1.1), (29, 0.01, -2.0)])
def test_pure_single_frequency_has_ipr_one(freq, amp, phase):
    """A pure cosine at any frequency, amplitude and phase: IPR = 1 (rfft), 1/2 (full DFT)."""
    x = amp * torch.cos(2 * math.pi * freq * GRID / P + phase)
    assert ipr(x).item() == pytest.approx(1.0, abs=1e-10)
    assert ipr(x, "full").item() == pytest.approx(0.5, abs=1e-10)


def test_constant_vector_has_ipr_one_in_both_conventions():
    """A constant puts all power in DC: IPR = 1 under rfft and full DFT."""
    x = torch.full((P,), 2.0, dtype=torch.float64)
    assert ipr(x).item() == pytest.approx(1.0) and ipr(x, "full").item() == pytest.approx(1.0)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_k_equal_cosines_have_ipr_one_over_k(k):
    """K equal-amplitude cosines at distinct non-zero frequencies: IPR = 1/K."""
    x = sum(torch.cos(2 * math.pi * f * GRID / P + f) for f in range(1, k + 1))
    assert ipr(x).item() == pytest.approx(1 / k, abs=1e-10)


def test_uniform_spectrum_vector_matches_its_closed_form():
    """Equal magnitudes on all M+1 rfft bins (an impulse spectrum) give 1/(M+1) whatever the phases."""
    phases = torch.rand(P // 2 + 1, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 6.28
    spectrum = torch.polar(torch.ones(P // 2 + 1, dtype=torch.float64), phases)
    spectrum[0] = 1.0  # a real DC bin
    x = torch.fft.irfft(spectrum, n=P)
    assert ipr(x).item() == pytest.approx(1 / (P // 2 + 1), abs=1e-10)


def test_zero_mean_full_dft_is_half_the_rfft_value():
    """For zero-mean x and odd p, IPR_full = IPR_rfft / 2."""
    x = torch.randn(5, P, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    x = x - x.mean(-1, keepdim=True)
    assert torch.allclose(ipr(x, "full"), ipr(x) / 2, atol=1e-12)


def test_invariances_scale_shift_reversal():
    """IPR(c x) = IPR(x); invariant under cyclic shift and reversal i -> -i mod p."""
    x = torch.randn(P, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    ref = ipr(x)
    rev = x[(-torch.arange(P)) % P]
    for y in (-3.0 * x, torch.roll(x, 13), rev):
        assert ipr(y).item() == pytest.approx(ref.item(), abs=1e-12)


def test_gaussian_rows_match_the_ratio_of_expectations():
    """E[IPR] of Gaussian rows is within 4% below (2M+3)/(M+1)^2 = 0.0678 at p = 59 (Monte Carlo, 1e5 rows)."""
    x = torch.randn(100_000, P, generator=torch.Generator().manual_seed(3))
    m = P // 2
    approx = (2 * m + 3) / (m + 1) ** 2
    mean = ipr(x).mean().item()
    assert approx * 0.96 < mean < approx * 1.001


def test_zero_vector_is_nan_without_error():
    """A zero vector (0/0) and a vector under the floor give NaN."""
    assert math.isnan(ipr(torch.zeros(P)).item())
    assert math.isnan(ipr(torch.full((P,), 1e-9), floor=1e-6).item())


def test_analytic_network_neurons_all_have_ipr_one():
    """Every neuron of the D16 solution is a pure frequency: IPR_k = 1 (spec section 5)."""
    s = fourier_solution(59, 3)
    assert torch.allclose(neuron_ipr(s.U, s.V, s.W), torch.ones(1, 261, dtype=torch.float64), atol=1e-10)


def test_neuron_ipr_skips_nan_parts_and_marks_dead_neurons():
    """A zeroed U row is skipped in the mean; a neuron with all three parts zero is dead (NaN) (spec D10)."""
    s = fourier_solution(59, 3)
    U, V, W = s.U.clone(), s.V.clone(), s.W.clone()
    U[0, 0] = 0.0
    U[0, 1], V[0, 1], W[0, :, 1] = 0.0, 0.0, 0.0
    out = neuron_ipr(U, V, W)
    assert out[0, 0].item() == pytest.approx(1.0) and math.isnan(out[0, 1].item())


def test_summary_shares_on_hand_made_values():
    """Shares and histogram count live neurons only: values 0.1, 0.15, 0.4, 0.6, 0.9, dead (spec D10)."""
    v = torch.tensor([[0.1, 0.15, 0.4, 0.6, 0.9, float("nan")]], dtype=torch.float64)
    s = ipr_summary(v)
    assert s["share_low"].item() == pytest.approx(0.4) and s["share_high"].item() == pytest.approx(0.4)
    assert s["share_mid"].item() == pytest.approx(0.4) and s["dead"].item() == pytest.approx(1 / 6)
    assert s["mean"].item() == pytest.approx(0.43)
    assert s["hist"][0].tolist() == pytest.approx([0, 0.4, 0, 0, 0.2, 0, 0.2, 0, 0, 0.2])


def test_gamma_signature_on_a_linear_relation():
    """|gamma| = 2 IPR gives r = 1 and R = mean over IPR > 0.5 / mean over IPR < 0.2 (spec D15)."""
    x = torch.tensor([[0.1, 0.15, 0.6, 0.9]], dtype=torch.float64)
    r, ratio = gamma_signature(-2 * x, x)
    assert r.item() == pytest.approx(1.0) and ratio.item() == pytest.approx(0.75 / 0.125)
