"""The throughput functions behind `redshift bench` return the documented rows (no speed is asserted)."""
import pytest

from redshift.bench import gc_throughput, nr_kernel_throughput, nr_pipeline_throughput


def test_gc_throughput_rows_have_both_modes_and_a_ratio():
    """One width: a batched row with draws/s and the ratio, and the one-at-a-time row it is compared with."""
    rows = gc_throughput(widths=(8,), batch=256)
    batched, single = rows
    assert (batched["mode"], single["mode"]) == ("batched", "one_at_a_time")
    assert batched["draws_per_s"] > 0 and single["draws_per_s"] > 0
    assert batched["ratio"] == batched["draws_per_s"] / single["draws_per_s"]


def test_nr_pipeline_rows_compare_with_the_reference():
    """One grid: batched, reference and N = 1 rows; ratio is networks/s over the reference's (1 for itself)."""
    rows = nr_pipeline_throughput(grid_sizes=(32,), n=8, width=8, rounds=1)
    by_mode = {r["mode"]: r for r in rows}
    assert set(by_mode) == {"batched", "reference", "batched code, N = 1"} and by_mode["reference"]["ratio"] == 1.0
    assert by_mode["batched"]["ratio"] == by_mode["batched"]["networks_per_s"] / by_mode["reference"]["networks_per_s"]


def test_nr_kernel_rows_cover_every_kernel():
    """One grid: a row per kernel; the reference-style ones carry a ratio, the forward ones a GFLOP/s rate."""
    rows = nr_kernel_throughput(grid_sizes=(32,), n=4, width=8)
    assert {r["kernel"].split(" ")[0] for r in rows} == {"forward", "fourier", "chebyshev", "binarize"}
    assert all(r["ratio"] == pytest.approx(r["reference_ms"] / r["batched_ms"]) for r in rows if r["reference_ms"])
    assert all(r["forward_gflops"] > 0 for r in rows if r["kernel"].startswith("forward"))
