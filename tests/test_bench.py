"""The throughput functions behind `redshift bench` return the documented rows (no speed is asserted)."""
from redshift.bench import gc_throughput


def test_gc_throughput_rows_have_both_modes_and_a_ratio():
    """One width: a batched row with draws/s and the ratio, and the one-at-a-time row it is compared with."""
    rows = gc_throughput(widths=(8,), batch=256)
    batched, single = rows
    assert (batched["mode"], single["mode"]) == ("batched", "one_at_a_time")
    assert batched["draws_per_s"] > 0 and single["draws_per_s"] > 0
    assert batched["ratio"] == batched["draws_per_s"] / single["draws_per_s"]
