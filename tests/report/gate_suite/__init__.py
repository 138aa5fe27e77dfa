"""A small suite for the compare-gate test: one science metric, one wall-clock throughput metric, a timed kernel.

``GATE_SLOW`` (default 1) multiplies the sleeping in the timed parts, as a loaded machine would;
``GATE_KIND`` (default timing) is the declared kind of the throughput metric.
"""
import os
import time

import torch

from redshift import Above, Below, Claim, Contrast, Experiment, Metric, Record, Rule, Suite, grid

CASES = grid("work", size=[1, 3])


def _busy(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def measure(cases, ctx):
    slow = float(os.environ.get("GATE_SLOW", "1"))
    for case in cases:
        for r in range(ctx.replicates):
            y = torch.randn(32, generator=ctx.generator(case, r), dtype=torch.float64).mean().item() + case["size"]
            t0 = time.perf_counter()
            ctx.time("kernel", _busy, 0.002 * slow, repeat=3, warmup=0)
            yield Record(case, r, {"y": y, "items_per_s": 100.0 / (time.perf_counter() - t0)})


KIND = os.environ.get("GATE_KIND", "timing")
SUITE = Suite(
    name="gate", version="1", title="Compare-gate test suite",
    experiments=(Experiment(
        name="work", cases={"smoke": CASES, "standard": CASES, "paper": CASES}, measure=measure,
        metrics={"y": Metric("u", "higher", 0.5), "items_per_s": Metric("1/s", "higher", kind=KIND)},
        replicates={"smoke": 4, "standard": 4, "paper": 4},
        claims=(Claim("GATE-1", "size 3 has larger y", "test", Contrast("y", a={"size": 1}, b={"size": 3}),
                      Rule(Above(1.0), refute=Below(0.0))),)),),
)
