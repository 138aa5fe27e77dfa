"""A toy suite whose data contradict one claim and leave another undecided (exit-code tests)."""
import torch

from redshift import Above, Below, Claim, Contrast, Experiment, Metric, Record, Rule, Suite, grid

CASES = grid("flat", group=["a", "b"])


def measure(cases, ctx):
    for case in cases:
        for r in range(ctx.replicates):
            x = torch.randn(1, generator=ctx.generator(case, r), dtype=torch.float64).item()
            yield Record(case, r, {"x": x + (5.0 if case["group"] == "a" else 0.0)})


SUITE = Suite(
    name="toy_bad", version="1", title="Toy suite that contradicts its predictions",
    experiments=(Experiment(
        name="flat", cases={"smoke": CASES, "standard": CASES, "paper": CASES}, measure=measure,
        metrics={"x": Metric(unit="u")}, replicates={"smoke": 10, "standard": 10, "paper": 10},
        claims=(
            Claim("BAD-1", "b is above a (it is 5 below)", "toy", Contrast("x", a={"group": "a"}, b={"group": "b"}),
                  Rule(Above(0.0), refute=Below(0.0))),
            Claim("BAD-2", "b is above a by 100 (undecidable: refute region unreachable)", "toy",
                  Contrast("x", a={"group": "b"}, b={"group": "b"}), Rule(Above(100.0), refute=Below(-100.0)),
                  decisive_at="paper"),
        )),),
)
