"""From a trained population to metric values: accuracies and phases at a horizon, dynamics events, collapse,
and the pruning curves (spec D7, D8, D11-D14).
"""
from __future__ import annotations

import math

import torch

from redshift import seed_for
from redshift.data.modular import CorruptedSplit
from redshift.metrics.ipr import neuron_ipr
from redshift.metrics.phases import (classify, classify_by_inversion, keep_masks, ladder_index, prune_order, pruned,
                                     subset_accuracies)
from redshift.nets import quadratic as qn
from redshift.nets.quadratic import QuadraticState
from redshift.train.grokking import History

ACCURACIES = ("train", "test", "clean", "mem", "inv")
PRUNE_KEYS = ACCURACIES + ("mse_train",)
NAN = float("nan")


def prune_metric(order: str, key: str, fraction: float) -> str:
    """Metric name of a pruning-curve point, e.g. prune_low_mem_060 (f = 0.60)."""
    return f"prune_{order}_{key}_{int(round(fraction * 100)):03d}"


def first_step(hit: torch.Tensor) -> float:
    """Index of the first True of a (T+1,) bool history, NaN when censored (spec D13)."""
    idx = hit.nonzero()
    return float(idx[0, 0]) if idx.numel() else NAN


def dynamics(test: torch.Tensor, mem: torch.Tensor, train: torch.Tensor) -> dict[str, float]:
    """D13 events on checkpoint histories (T+1,) with NaN off-checkpoint: t_g50, A_mem^pk, t_pk, Delta_unl, t_unl,
    Lambda = t_unl - t_g50; and GC-1's delay from A_train >= 0.99 to A_test >= 0.99."""
    seen = torch.isfinite(mem)
    t_g50, delay = first_step(test >= 0.5), first_step(test >= 0.99) - first_step(train >= 0.99)
    if not bool(seen.any()):  # no corrupted examples (clean case)
        return {"t_g50": t_g50, "delay": delay}
    peak = float(mem[seen].max())
    t_pk = first_step(mem == peak)
    final = float(mem[-1])
    after = torch.arange(mem.numel(), device=mem.device) > t_pk
    t_unl = first_step(after & seen & (mem <= (peak + final) / 2))
    return {"t_g50": t_g50, "mem_peak": peak, "t_peak": t_pk, "unlearn": peak - final, "t_unlearn": t_unl,
            "lag": t_unl - t_g50, "delay": delay}


def case_values(history: History, i: int, t: int, net, split: CorruptedSplit) -> dict[str, float]:
    """All values of network i at horizon t: D7 accuracies, MSE, IPR summaries, A_FI, phases, dynamics, collapse."""
    curves = {k: c[i, :t + 1] for k, c in history.curves.items()}  # (t+1,) each
    v = {("a_" + k if k in ACCURACIES else k): float(c[t]) for k, c in curves.items()}
    peak = torch.tensor(float(curves["test"][torch.isfinite(curves["test"])].max()), dtype=torch.float64)
    f64 = lambda x: torch.tensor(x, dtype=torch.float64)  # noqa: E731  (the D11 tolerance is 1e-9)
    a_train, a_test = f64(v["a_train"]), f64(v["a_test"])
    code = classify(a_train, a_test, peak, net.model[3])
    v.update({"a_fi": split.full_inversion_ceiling, "fi_gap": v["a_train"] - split.full_inversion_ceiling,
              "peak_test": float(peak), "phase": float(code), "rho": float(ladder_index(code)),
              "phase_inv": float(classify_by_inversion(a_test, f64(v["a_inv"]), code)),
              "n_train": float(split.n_train), "n_noise": float(split.n_noise),
              "inv_region": float(int(code) in (2, 3)), "forgetting": float(int(code) == 4)})
    norm = curves["norm_sq"].sqrt()
    v["norm"], v["collapse"] = float(norm[t]), float(norm[t] / norm[torch.isfinite(norm)].max())
    v.update(dynamics(curves["test"], curves["mem"], curves["train"]))
    return {k: (x if math.isfinite(x) else NAN) for k, x in v.items()}


def first_steps(hit: torch.Tensor) -> torch.Tensor:
    """Batched first_step: index of the first True of each row of a (B, L) bool history, NaN when censored."""
    steps = torch.arange(hit.shape[-1], device=hit.device, dtype=torch.float64).expand_as(hit)
    first = torch.where(hit, steps, math.inf).amin(dim=-1)
    return torch.where(hit.any(dim=-1), first, NAN)


def _nanmax(x: torch.Tensor) -> torch.Tensor:
    """Row maxima of (B, L) over finite entries (-inf where a row has none)."""
    return torch.where(torch.isfinite(x), x, -math.inf).amax(dim=-1)


def horizon_values(history: History, rows: list[int], t: int, nets: list, splits: list[CorruptedSplit]
                   ) -> list[dict[str, float]]:
    """case_values of networks ``rows`` (with their nets and splits) at one horizon t, as one set of batched tensor
    ops over the networks: D7 accuracies, MSE, IPR summaries, A_FI, phases, dynamics, collapse."""
    ids = torch.tensor(rows, dtype=torch.long, device=history.curves["test"].device)
    curves = {k: c[ids, :t + 1] for k, c in history.curves.items()}  # (B', t+1) each
    cols = {("a_" + k if k in ACCURACIES else k): c[:, t] for k, c in curves.items()}  # (B',) float64 each
    dev = ids.device
    f64 = lambda xs: torch.tensor(xs, dtype=torch.float64, device=dev)  # noqa: E731
    a_fi = f64([s.full_inversion_ceiling for s in splits])
    peak = _nanmax(curves["test"])
    code = classify(cols["a_train"], cols["a_test"], peak, f64([n.model[3] for n in nets]))
    cols.update({"a_fi": a_fi, "fi_gap": cols["a_train"] - a_fi, "peak_test": peak, "phase": code.double(),
                 "rho": ladder_index(code), "phase_inv": classify_by_inversion(cols["a_test"], cols["a_inv"],
                                                                               code).double(),
                 "n_train": f64([s.n_train for s in splits]), "n_noise": f64([s.n_noise for s in splits]),
                 "inv_region": ((code == 2) | (code == 3)).double(), "forgetting": (code == 4).double()})
    norm = curves["norm_sq"].sqrt()
    cols["norm"], cols["collapse"] = norm[:, t], norm[:, t] / _nanmax(norm)
    test, mem, train = curves["test"], curves["mem"], curves["train"]
    seen = torch.isfinite(mem)
    t_g50 = first_steps(test >= 0.5)
    cols.update({"t_g50": t_g50, "delay": first_steps(test >= 0.99) - first_steps(train >= 0.99)})
    mem_peak = _nanmax(mem)  # D13 events, kept only where corrupted examples were seen
    t_pk = first_steps(mem == mem_peak[:, None])
    final = mem[:, -1]
    after = torch.arange(mem.shape[1], device=dev) > t_pk[:, None]
    t_unl = first_steps(after & seen & (mem <= ((mem_peak + final) / 2)[:, None]))
    events = {"mem_peak": mem_peak, "t_peak": t_pk, "unlearn": mem_peak - final, "t_unlearn": t_unl,
              "lag": t_unl - t_g50}
    names = [k for k in cols if k not in ("t_g50", "delay")] + ["t_g50", "mem_peak", "t_peak", "unlearn",
                                                                  "t_unlearn", "lag", "delay"]
    cols |= events
    table = torch.stack([cols[k] for k in names], dim=1)  # (B', K)
    table = torch.where(torch.isfinite(table), table, NAN).tolist()
    has_events = seen.any(dim=-1).tolist()
    drop = set(events)
    return [{k: x for k, x in zip(names, row) if ok or k not in drop} for row, ok in zip(table, has_events)]


def _accuracies(state: QuadraticState, keep: torch.Tensor, splits: list[CorruptedSplit],
                chunk: int) -> dict[str, torch.Tensor]:
    """D7 accuracies of pruned copies: keep (B, K, N) -> dict of (B, K); forwards in chunks of networks."""
    b, k, _ = keep.shape
    labels = torch.stack([s.labels for s in splits]).repeat_interleave(k, 0)  # (B*K, p^2)
    train = torch.stack([s.train for s in splits]).repeat_interleave(k, 0)
    corrupted = torch.stack([s.corrupted for s in splits]).repeat_interleave(k, 0)
    nets = pruned(state, keep)  # B*K networks, network-major
    parts = []
    for lo in range(0, b * k, chunk):  # memory chunks of one population
        sel = torch.arange(lo, min(lo + chunk, b * k), device=keep.device)
        f = qn.predict_all(nets.select(sel))
        parts.append(subset_accuracies(f, labels[sel], splits[0].clean, train[sel], corrupted[sel]))
    return {key: torch.cat([p[key] for p in parts]).view(b, k) for key in PRUNE_KEYS}


def pruning_values(chunk: list, splits: list[CorruptedSplit], final: QuadraticState, cfg,
                   device) -> dict[int, dict[str, float]]:
    """Pruning curves of the chunk's networks marked ``prune`` (spec D12): low- and high-first at every fraction,
    random (``random_draws`` subsets, averaged) at ``random_fractions``. -> {network index: values}."""
    idx = [i for i, n in enumerate(chunk) if n.prune]
    if not idx:
        return {}
    state = final.select(torch.tensor(idx, device=device))
    mine = [splits[i] for i in idx]
    p, width = state.U.shape[2], state.U.shape[1]
    ipr_k = neuron_ipr(state.U, state.V, state.W, 1e-6 * qn.init_std(width) * p**0.5)  # (B', N), D9 guard
    out: dict[int, dict[str, float]] = {i: {} for i in idx}
    for order in ("low", "high"):
        keep = keep_masks(prune_order(ipr_k, order), list(cfg.prune_fractions))[:, 0]  # (B', F, N)
        acc = _accuracies(state, keep, mine, cfg.max_batch)
        for j, i in enumerate(idx):
            out[i].update({prune_metric(order, key, f): float(acc[key][j, c]) for key in PRUNE_KEYS
                           for c, f in enumerate(cfg.prune_fractions)})
    keys = qn.seed_keys([seed_for("grokking_corrupted", "prune", *chunk[i].model, chunk[i].replicate) for i in idx],
                        device)
    ranked = prune_order(ipr_k, "random", keys, draws=cfg.random_draws)  # (B', D, N)
    keep = keep_masks(ranked, list(cfg.random_fractions)).flatten(1, 2)  # (B', D*F, N), draw-major
    acc = _accuracies(state, keep, mine, cfg.max_batch)
    for j, i in enumerate(idx):
        for key in PRUNE_KEYS:
            mean = acc[key][j].view(cfg.random_draws, -1).mean(0)  # (F,) averaged over draws
            out[i].update({prune_metric("random", key, f): float(mean[c]) for c, f in enumerate(cfg.random_fractions)})
    return out


CURVES = ("train", "test", "mem", "inv", "ipr_mean", "norm_sq")


def dynamics_frame(chunk: list, history: History):
    """Checkpoint histories of a chunk as a long pandas frame: network identity, replicate, step, D7 accuracies,
    mean IPR and ||theta||^2 (the curves behind GC-12 and the horizon-dependence pitfall)."""
    import pandas as pd

    b, s = torch.isfinite(history.curves["test"]).nonzero(as_tuple=True)  # (K,) network, step of each checkpoint
    ident = torch.tensor([[*n.model, n.replicate] for n in chunk], dtype=torch.float64)[b.cpu()]  # (K, 7)
    cols = dict(zip(("p", "N", "alpha", "xi", "wd", "q", "replicate"), ident.T.numpy()))
    cols["step"] = s.cpu().numpy()
    cols.update({("a_" + k if k in ACCURACIES else k): history.curves[k][b, s].cpu().numpy() for k in CURVES})
    return pd.DataFrame(cols)
