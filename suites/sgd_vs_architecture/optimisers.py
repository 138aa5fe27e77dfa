"""SA-11: optimiser variants on the MLP-1 width sweep (spec section 3, `standard` and `paper` only).

Full-batch GD for 480 epochs and SGD with batch 8 for 240 epochs, otherwise the D6 protocol (lr 0.01,
summed loss, Kaiming-uniform init, only fitting runs kept). All S x R runs of an (optimiser, width, n) cell
train as one batched model, on the same nested training sets as the main experiment.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Iterator, Sequence

from redshift import Case, Context, Record
from redshift.train.sgd import SGDConfig
from suites.sgd_vs_architecture.config import Config, build_arch, parse_pair
from suites.sgd_vs_architecture.protocol import NestedSets, load_pool, run_sgd, threads, training_sets

VARIANTS: dict[str, SGDConfig] = {
    "gd": SGDConfig(batch_size="full", epochs=480),  # full-batch GD, 480 epochs
    "sgd_b8": SGDConfig(batch_size=8, epochs=240),  # SGD, batch 8, 240 epochs
}


def measure(cases: Sequence[Case], ctx: Context) -> Iterator[Record]:
    """One record per (case, training set). A cell (optimiser, width, n) trains the S x R runs of every
    pair as one batched model; loops run over cells of different shape or step count only."""
    cfg: Config = ctx.config
    if not cases:
        return
    pairs = list(dict.fromkeys(c["pair"] for c in cases))
    dataset = parse_pair(pairs[0])[0]
    cells: dict[tuple, list[Case]] = defaultdict(list)
    for case in cases:
        cells[(case["opt"], case["arch"], case["size"], case["n"])].append(case)
    with threads(cfg.threads):
        sets: NestedSets = training_sets(load_pool(dataset, pairs, "flat", cfg, ctx.device), pairs, ctx,
                                         max(cfg.n_values))
        for (opt, arch, size, n), group in cells.items():
            run_cfg = replace(cfg, sgd=replace(VARIANTS[opt], lr=cfg.sgd.lr), margin_nets=0)
            gen = ctx.generator(Case("sgd", {"opt": opt, "arch": arch, "size": size, "n": n}), 0)
            out = run_sgd(build_arch(arch, size, dataset), sets, n, run_cfg, gen)
            for case in group:
                row = pairs.index(case["pair"]) * ctx.replicates
                for r in range(ctx.replicates):
                    yield Record(case, r, {k: float(v[row + r]) for k, v in out.items()})
