"""The main protocol (spec section 3): every (pair, n, architecture, training set) cell runs G&C and SGD.

Batching: the training sets of every pair of one dataset are rows of one population (S = pairs x
replicates). For one architecture, G&C samples all S sets in one tensor program per batch and walks up the
nested sizes n, re-checking the networks accepted at the previous size first (spec D4); SGD trains all
S x R models of every n of an architecture as one batched model (spec section 3, D6). Loops run over
architectures, sizes, batches and steps only.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Iterator, Sequence

import torch

from redshift import Case, Context, Record
from redshift.data.digits import NestedSets, Pool, digits_pool, nested_sets
from redshift.data.vision import vision_pool
from redshift.nets.bias_free import (Architecture, Biased, UniformSource, kaiming_uniform, masked_scores,
                                     with_zero_biases)
from redshift.train.guess_check import GCResult, fit_mask, guess_check, recheck
from redshift.train.sgd import epoch_orders, pad_orders, train_sgd
from redshift.threads import torch_threads as threads
from suites.sgd_vs_architecture.config import Config, build_arch, layout, parse_pair
from suites.sgd_vs_architecture.margins import lipschitz_normalised_loss, weight_normalised_loss


def per_set_mean(values: torch.Tensor, owner: torch.Tensor, s: int) -> torch.Tensor:
    """(S,) mean of values (A,) over the networks of each set (owner (A,)); NaN for a set with none."""
    total = torch.zeros(s, dtype=torch.float64, device=values.device).index_add_(0, owner, values.double())
    count = torch.bincount(owner, minlength=s).double()
    return torch.where(count > 0, total / count.clamp(min=1), torch.full_like(total, float("nan")))


def training_sets(pool: Pool, pairs: Sequence[str], ctx: Context, n_max: int) -> NestedSets:
    """Nested sets, pair-major rows (S = pairs x R); the seed of set r of a pair depends on (pair, r) only,
    so every architecture, size and method sees the same training sets (the paired design of D10)."""
    reps = range(ctx.replicates)
    seeds = [ctx.seed(Case("trainsets", {"pair": p}), r) for p in pairs for r in reps]
    return nested_sets(pool, [k for k in range(len(pairs)) for _ in reps], seeds, n_max)


def load_pool(dataset: str, pairs: Sequence[str], lay: str, cfg: Config, device: torch.device) -> Pool:
    """The Pool of a dataset's pairs in one input layout (digits need none)."""
    classes = [parse_pair(p)[1] for p in pairs]
    if dataset == "digits":
        return digits_pool(classes, device)
    return vision_pool(dataset, cfg.root(), classes, lay, device)  # type: ignore[arg-type]


def method_scores(prefix: str, arch: Architecture, w: list, owner: torch.Tensor, sets: NestedSets,
                 n: int) -> dict[str, torch.Tensor]:
    """Per-set means over the networks w (owned by sets) of the test accuracy (argmax, a tie is label 0),
    the variant with ties as errors, and the test tie rate (Revision 2), in points / fractions."""
    s = sets.order.shape[0]
    acc, strict, ties = masked_scores(arch, w, sets.pool.x, sets.pool.y, sets.test_mask(n)[owner])  # (A,)
    return {f"acc_{prefix}": 100 * per_set_mean(acc, owner, s),
            f"acc_{prefix}_tie_error": 100 * per_set_mean(strict, owner, s),
            f"{prefix}_tie_test": per_set_mean(ties, owner, s)}


def _gc_metrics(arch: Architecture, res: GCResult, start: GCResult | None, seconds: float,
                sets: NestedSets, n: int) -> dict[str, torch.Tensor]:
    s = res.draws.shape[0]
    new_draws = res.draws.sum() - (start.draws.sum() if start is not None else 0)
    new_acc = res.accepted.sum() - (start.accepted.sum() if start is not None else 0)
    rate = torch.full((s,), 1.0 / max(seconds, 1e-9), dtype=torch.float64)
    return method_scores("gc", arch, res.weights, res.owner, sets, n) | {
        "gc_accepted": res.accepted.double(), "gc_draws": res.draws.double(), "gc_neglog2p": res.neg_log2_p(),
        "gc_neglog2p_tie_error": res.neg_log2_p_tie_error(),
        "gc_tie_train": per_set_mean(res.net_ties.double() / n, res.owner, s),
        "gc_tie_draws": res.ties.double() / res.checked.double().clamp(min=1),
        "gc_draws_per_s": rate * float(new_draws), "gc_accepted_per_s": rate * float(new_acc)}


def first_per_set(owner: torch.Tensor, k: int) -> torch.Tensor:
    """(A,) bool: the first k networks (in order) of each set; owner (A,) the set of each network."""
    order = torch.argsort(owner, stable=True)
    sorted_owner = owner[order]
    rank = torch.arange(owner.numel(), device=owner.device) - torch.searchsorted(sorted_owner, sorted_owner)
    keep = torch.zeros_like(owner, dtype=torch.bool)
    keep[order] = rank < k
    return keep


def _margins(prefix: str, arch: Architecture, w: list, owner: torch.Tensor, sets: NestedSets, n: int,
             k: int) -> dict[str, torch.Tensor]:
    """Per-set mean D9 losses of the first k networks of each set (w (A, ...) owned by sets)."""
    keep = first_per_set(owner, k)
    w, owner = [wl[keep] for wl in w], owner[keep]
    s = sets.order.shape[0]
    if owner.numel() == 0:
        none = torch.full((s,), float("nan"), dtype=torch.float64)
        return {f"{prefix}_wn_loss": none, f"{prefix}_lip_loss": none}
    x, y = sets.train(n)
    mask = sets.test_mask(n)[owner]
    wn = weight_normalised_loss(arch, w, x[owner], y[owner])
    lip = lipschitz_normalised_loss(arch, w, x[owner], y[owner], sets.pool.x, mask)
    return {f"{prefix}_wn_loss": per_set_mean(wn, owner, s), f"{prefix}_lip_loss": per_set_mean(lip, owner, s)}


def run_sgd(arch: Architecture, sets: NestedSets, n: int, cfg: Config,
            gen: torch.Generator) -> dict[str, torch.Tensor]:
    """All S x R SGD runs of one (architecture, n) cell as one batched model (spec D6, D7)."""
    return run_sgd_sizes(arch, sets, [n], cfg, [gen])[n]


def run_sgd_sizes(arch: Architecture, sets: NestedSets, ns: Sequence[int], cfg: Config,
                  gens: Sequence[torch.Generator]) -> dict[int, dict[str, torch.Tensor]]:
    """The S x R SGD runs of every (architecture, n) cell, all n in one batched model (spec section 3,
    D6, D7): the cells of one architecture share a network shape, so the models of size n train on the
    first n samples of the largest set, their orders padded and their steps beyond their own batches
    masked (see :func:`train_sgd`). Cell n draws its init and then its epoch orders from gens[i] exactly
    as when trained alone, so the numbers do not depend on which sizes train together."""
    x, y = sets.train(max(ns))  # (S, n_max, ...), (S, n_max); the set of size n is its prefix
    s, r = x.shape[0], cfg.sgd_models
    owner = torch.arange(s, device=x.device).repeat_interleave(r)  # (S*R,)
    net = Biased(arch)  # Revision 2: biases initialised to zero and trained with the weights
    inits, orders = [], []
    for n, gen in zip(ns, gens):
        inits.append(with_zero_biases(arch, kaiming_uniform(arch.shapes, (s * r,), gen)))
        orders.append(epoch_orders(s * r, n, cfg.sgd.epochs, gen))
    init = [torch.cat(layer) for layer in zip(*inits)]
    sizes = torch.tensor(ns, device=x.device).repeat_interleave(s * r)  # (len(ns)*S*R,)
    xs, ys = x[owner].repeat(len(ns), *[1] * (x.dim() - 1)), y[owner].repeat(len(ns), 1)
    w_all = train_sgd(net, init, xs, ys, cfg.sgd, pad_orders(orders), sizes=sizes)
    out = {}
    for i, n in enumerate(ns):
        w = [wl[i * s * r:(i + 1) * s * r] for wl in w_all]
        xn, yn = x[owner, :n], y[owner, :n]
        fits, ties = fit_mask(net.forward(w, xn), yn)  # (S*R,) exact fit, the paper's selection
        kept = [wl[fits] for wl in w]
        every = method_scores("sgd", net, w, owner, sets, n)
        out[n] = method_scores("sgd", net, kept, owner[fits], sets, n) | {
            "acc_sgd_all": every["acc_sgd"], "sgd_fit_fraction": per_set_mean(fits.double(), owner, s),
            "sgd_tie_train": per_set_mean(ties[fits].double() / n, owner[fits], s)}
        if cfg.margin_nets:
            out[n] |= _margins("sgd", net, kept, owner[fits], sets, n, cfg.margin_nets)
    return out


def run_chain(arch: Architecture, sets: NestedSets, ns: Sequence[int], cfg: Config, ctx: Context,
              key: dict) -> dict[int, dict[str, torch.Tensor]]:
    """G&C up the nested sizes with re-checks, and SGD of all sizes in one batched model, for one
    architecture: n -> metric -> (S,)."""
    gen = UniformSource(ctx.generator(Case("guess_check", key), 0))  # one stream up the chain (anchor A4)
    prev, out = None, {}
    for n in ns:
        x, y = sets.train(n)
        start = recheck(arch, prev, x, y) if prev is not None else None
        t0 = time.perf_counter()  # ctx.time synchronizes CUDA before it returns; it keeps no seconds for us
        prev = ctx.time(f"guess_check[{key['arch']}={key['size']},n={n}]", guess_check, arch, x, y, cfg.gc, gen,
                        start=start, repeat=1, warmup=0)
        out[n] = _gc_metrics(arch, prev, start, time.perf_counter() - t0, sets, n)
        if cfg.margin_nets:
            out[n] |= _margins("gc", arch, prev.weights, prev.owner, sets, n, cfg.margin_nets)
    sgd = run_sgd_sizes(arch, sets, ns, cfg, [ctx.generator(Case("sgd", {**key, "n": n}), 0) for n in ns])
    for n in ns:
        out[n] |= sgd[n]
        out[n]["gap_sgd_gc"] = out[n]["acc_sgd"] - out[n]["acc_gc"]  # SA-8, per training set
        ctx.progress(1)
    return out


def _records(cases: Sequence[Case], pairs: Sequence[str], results: dict, reps: int) -> Iterator[Record]:
    for case in cases:
        row = pairs.index(case["pair"]) * reps  # rows are pair-major: (pair, replicate)
        metrics = results[case["n"]]
        for r in range(reps):
            yield Record(case, r, {m: float(v[row + r]) for m, v in metrics.items()})


def _sizes_needed(cfg: Config, group: Sequence[Case]) -> list[int]:
    """The nested sizes a chain walks: every configured n up to the largest the group asks for."""
    return [n for n in cfg.n_values if n <= max(c["n"] for c in group)]


def _dataset(dataset: str, groups: dict[tuple, list[Case]], ctx: Context) -> Iterator[Record]:
    """All architectures of one dataset on one shared set of nested training sets."""
    cfg: Config = ctx.config
    pairs = list(dict.fromkeys(c["pair"] for g in groups.values() for c in g))
    pools: dict[str, Pool] = {}
    base: NestedSets | None = None
    for (arch_name, size), group in groups.items():
        lay = layout(arch_name)
        if lay not in pools:
            pools[lay] = load_pool(dataset, pairs, lay, cfg, ctx.device)
        base = base or training_sets(pools[lay], pairs, ctx, max(cfg.n_values))
        sets = NestedSets(pools[lay], base.order, base.member)  # the same sets in every layout
        key = {"data": dataset, "arch": arch_name, "size": size}
        results = run_chain(build_arch(arch_name, size, dataset), sets, _sizes_needed(cfg, group), cfg, ctx, key)
        yield from _records(group, pairs, results, ctx.replicates)


def measure(cases: Sequence[Case], ctx: Context) -> Iterator[Record]:
    """Yield one record per (case, training set); see the module docstring for the batching."""
    groups: dict[str, dict[tuple, list[Case]]] = defaultdict(lambda: defaultdict(list))
    for case in cases:
        groups[parse_pair(case["pair"])[0]][(case["arch"], case["size"])].append(case)
    ctx.set_total(sum(len(_sizes_needed(ctx.config, g)) for d in groups.values() for g in d.values()))
    with threads(ctx.config.threads):
        for dataset, by_arch in groups.items():
            yield from _dataset(dataset, by_arch, ctx)
