"""Cache blocking: a measure applied block by block gives every sample the value of one whole-population call."""
import torch

from redshift.metrics import chebyshev_order, fourier_mean_frequency
from redshift.metrics.blocks import by_blocks


def test_blocks_equal_one_call():
    """Blocks of 3 samples (a ragged last block) reproduce the whole (2, 5, 32, 32) population's values exactly."""
    values = torch.randn(2, 5, 32, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(0)).cumsum(-1)
    for fn in (lambda v: fourier_mean_frequency(v, "hann"), lambda v: fourier_mean_frequency(v, "none"),
               chebyshev_order):
        torch.testing.assert_close(by_blocks(fn, values, elements=3 * 32 * 32), fn(values.reshape(10, 32, 32))
                                   .reshape(2, 5), rtol=0, atol=1e-15)
