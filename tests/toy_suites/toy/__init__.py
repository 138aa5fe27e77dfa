"""A toy suite with a known truth, for testing the engine (runner, database, plugin, CLI).

Experiment ``coin``: a metric drawn N(shift, 1) with torch from the replicate's seed, for shift
in {0, 3}. TOY-1 (a 3-SD contrast) must be supported; TOY-2 (no difference between two cases of
shift 0, TOST margin 2) must be supported; TOY-3 (a trend along shift) must be supported.
``TOY_KILL_AFTER=k`` kills the process (SIGKILL) after k records were yielded, and
``TOY_RAISE_AFTER=k`` raises an error there: crash tests.
"""
import os
import signal

import torch

from redshift import (Above, Below, Case, Claim, Contrast, Equivalence, Experiment, Metric, Record, Rule,
                      Suite, Trend, grid)

CASES = grid("coin", shift=[0.0, 3.0], copy=[0, 1])


def measure(cases: list[Case], ctx):
    kill_after = int(os.environ.get("TOY_KILL_AFTER", "-1"))
    raise_after = int(os.environ.get("TOY_RAISE_AFTER", "-1"))
    ctx.set_total(len(cases) * ctx.replicates)
    done = 0
    for case in cases:
        for r in range(ctx.replicates):
            x = torch.randn(64, generator=ctx.generator(case, r), dtype=torch.float64).mean() * 8
            yield Record(case, r, {"x": float(x) + case["shift"]})
            ctx.progress()
            done += 1
            if done == kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
            if done == raise_after:
                raise RuntimeError("toy failure for the crash test")


CLAIMS = (
    Claim("TOY-1", "shift 3 raises x", "toy", Contrast("x", a={"shift": 0.0}, b={"shift": 3.0}),
          Rule(Above(1.0), refute=Below(0.0))),
    Claim("TOY-2", "the two copies at shift 0 agree", "toy",
          Equivalence("x", a={"copy": 0}, b={"copy": 1}, where={"shift": 0.0}, margin=2.0)),
    Claim("TOY-3", "x rises with shift", "toy", Trend("x", axis="shift"), Rule(Above(0.0), refute=Below(0.0))),
)

SUITE = Suite(
    name="toy", version="1", title="Toy suite with a known truth",
    experiments=(Experiment(name="coin", cases={"smoke": CASES, "standard": CASES, "paper": CASES},
                            measure=measure, metrics={"x": Metric(unit="u", direction="higher", margin=0.5)},
                            claims=CLAIMS, replicates={"smoke": 8, "standard": 20, "paper": 50}),),
)
