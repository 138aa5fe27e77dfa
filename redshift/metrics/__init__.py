"""Complexity and generalization measures: batched over leading dimensions, device-agnostic."""
from redshift.metrics.fourier import degenerate, fourier_mean_frequency, k_max
from redshift.metrics.lz import binarize, lz_complexity
from redshift.metrics.polynomial import chebyshev_order, legendre_order
