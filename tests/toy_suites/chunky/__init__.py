"""A tiny suite for the executor tests: two experiments, one split by an axis, one kept whole.

``grid`` has 8 cases (a in 0..3, b in 0..1) split by ``a`` (4 chunks of 2 cases); ``whole`` has 3
cases in one chunk. Each value is torch noise from the replicate's seed. Fault injection, set by
the tests: ``CHUNKY_DIE_ONCE=DIR`` ends the process (os._exit) the first time the chunk a=1 runs
(a marker file in DIR remembers it); ``CHUNKY_FAIL=1`` makes the chunk a=2 raise every time.
``whole`` times one kernel, so runs have timings to compare.
"""
import os
from pathlib import Path

import torch

from redshift import Above, Below, Claim, Experiment, Mean, Metric, Record, Rule, Suite, grid


def _faults(cases):
    if any(c["a"] == 1 for c in cases) and os.environ.get("CHUNKY_DIE_ONCE"):
        marker = Path(os.environ["CHUNKY_DIE_ONCE"]) / "died"
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            os._exit(1)
    if any(c["a"] == 2 for c in cases) and os.environ.get("CHUNKY_FAIL") == "1":
        raise RuntimeError("chunky: the injected failure of chunk a=2")


def measure(cases, ctx):
    if ctx.experiment.name == "grid":
        _faults(cases)
    else:
        ctx.time("randn", torch.randn, 64, repeat=3)
    for case in cases:
        for r in range(ctx.replicates):
            x = torch.randn(256, generator=ctx.generator(case, r), dtype=torch.float64)
            yield Record(case, r, {"y": float(x.mean() + 1.0), "z": float((x * x).mean())})


METRICS = {"y": Metric(unit="u", direction="higher"), "z": Metric(unit="u2")}
SUITE = Suite(
    name="chunky", version="1", title="Executor test suite",
    experiments=(
        Experiment(name="grid", cases={"smoke": grid("grid", a=[0, 1, 2, 3], b=[0, 1])}, measure=measure,
                   metrics=METRICS, replicates={"smoke": 4}, split_by=("a",),
                   claims=(Claim("CH-1", "y is above 0", "test", Mean("y"), Rule(Above(0.0), refute=Below(0.0))),)),
        Experiment(name="whole", cases={"smoke": grid("whole", c=[0, 1, 2])}, measure=measure, metrics=METRICS,
                   replicates={"smoke": 4},
                   claims=(Claim("CH-2", "z is above 0", "test", Mean("z"), Rule(Above(0.0), refute=Below(0.0))),)),
    ),
)
