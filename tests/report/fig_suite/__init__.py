"""A toy suite with a figures function and a citation, for testing the report and cite layers.

Experiment ``grid``: y ~ N(a, 0.1^2) over a in {1, 2, 3}, b in {0, 1}; FIG-1 (y rises with a) is
supported. ``figures`` draws the heatmap of mean y over (a, b). Experiment ``plain`` has no figures.
"""
from pathlib import Path

import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from redshift import Above, Below, Claim, Experiment, Mean, Metric, Record, Rule, Suite, Trend, grid

CASES = grid("grid", a=[1, 2, 3], b=[0, 1])
PLAIN = grid("plain", k=[0])


def measure(cases, ctx):
    for case in cases:
        for r in range(ctx.replicates):
            noise = torch.randn(1, generator=ctx.generator(case, r), dtype=torch.float64).item()
            yield Record(case, r, {"y": case["a"] + 0.1 * noise})


def measure_plain(cases, ctx):
    for case in cases:
        for r in range(ctx.replicates):
            yield Record(case, r, {"z": 1.0 + 0.01 * r})


def figures(frame, out_dir: Path) -> list[Path]:
    """Heatmap of mean y over (a, b): the frame has one column per case parameter."""
    mean = frame[frame["metric"] == "y"].pivot_table(index="a", columns="b", values="value", aggfunc="mean")
    fig = Figure(figsize=(3, 3))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.imshow(mean.to_numpy(), origin="lower")
    ax.set_xlabel("b")
    ax.set_ylabel("a")
    path = out_dir / "grid_heatmap.png"
    fig.savefig(path)
    return [path]


SUITE = Suite(
    name="figtoy", version="3", title="Toy suite with figures",
    citation="@article{figtoy2024,\n  title={A Toy With Figures},\n  author={Nobody, A.},\n  year={2024}\n}",
    experiments=(
        Experiment(name="grid", cases={b: CASES for b in ("smoke", "standard", "paper")}, measure=measure,
                   metrics={"y": Metric(unit="u", direction="higher", margin=0.2)}, figures=figures,
                   claims=(Claim("FIG-1", "y rises with a", "toy", Trend("y", axis="a"),
                                 Rule(Above(0.0), refute=Below(0.0))),),
                   replicates={"smoke": 6, "standard": 6, "paper": 6}),
        Experiment(name="plain", cases={b: PLAIN for b in ("smoke", "standard", "paper")}, measure=measure_plain,
                   metrics={"z": Metric(unit="", direction="none", margin=0.1)},
                   claims=(Claim("FIG-2", "z is above 0.5", "toy", Mean("z"), Rule(Above(0.5), refute=Below(0.5))),),
                   replicates={"smoke": 6, "standard": 6, "paper": 6}),
    ),
)
