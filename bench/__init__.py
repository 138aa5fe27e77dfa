"""asv benchmarks of the engine kernels."""
