"""``redshift compare A B``: every claim's verdicts, every metric of every case, every kernel timing.

Claims: both verdicts, and whether the verdict flipped (any change of status; a claim present in
one run only is "not run in A"/"not run in B", not a flip), in natural order of suite and claim id. A
flip is a regression when it moves away from the paper's prediction (A as predicted, B not) or B
contradicts the prediction. When the claim's definition hash differs between the runs (its parts,
regions, cases or replicate counts changed), the row says "definition changed" instead: the two
verdicts answer different questions, so a change of status there is neither a flip nor a regression.
Runs on different seed streams are noted (and never paired by replicate).

Metrics: per (suite, experiment, case, metric) the replicates of A and of B are compared by
``redshift.report.changes.decide_changes`` (Welch, paired t over seed-matched replicates, or
Mann-Whitney for a change; TOST with the metric's declared margin for "unchanged"; each
Holm-corrected across all metric rows).

Timings: per (suite, experiment, kernel, device) the timed calls of A and B (pooled when a kernel
was timed several times) are compared the same way on log seconds (Welch when ``paired`` is asked:
timed calls are not seed-matched), with a relative margin
(default 10%: |log(t_B / t_A)| < log 1.1 counts as unchanged), as a separate Holm family;
slower is a regression. Timings are repeats of one call, not seed replicates: they say whether
this machine ran the kernel faster, not more.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from redshift.report import runs
from redshift.report.changes import Method, decide_changes, moments
from redshift.results import Database
from redshift.views import natural_key

Gate = Literal["regression", "flip", "any-change", "timing"]
GATES: tuple[Gate, ...] = ("regression", "flip", "any-change", "timing")
CHANGED = ("regression", "improvement", "changed")
METRIC_KEY = ["suite", "experiment", "case", "metric"]
TIMING_KEY = ["suite", "experiment", "kernel", "device"]


@dataclass(frozen=True)
class Comparison:
    """Run A against run B: claim, metric and timing rows, plus what exists in one run only."""

    a: dict
    b: dict
    notes: tuple[str, ...]
    claims: pd.DataFrame
    metrics: pd.DataFrame
    timings: pd.DataFrame
    only_in: dict = field(default_factory=dict)

    def tripped(self, gate: Gate) -> bool:
        """True when the CI gate trips. The science gates (regression, flip, any-change) read claims and
        science metrics only: wall-clock numbers vary with the machine's load, so two runs of one
        commit never trip them. ``timing`` trips on a kernel or timing metric that got slower."""
        flips = bool(self.claims["flipped"].any()) if len(self.claims) else False
        science = self.metrics.get("status", pd.Series(dtype=object))
        redefined = bool((self.claims["change"] == "definition changed").any()) if len(self.claims) else False
        if gate == "flip":
            return flips
        if gate == "timing":
            return bool((self.timings.get("status", pd.Series(dtype=object)) == "regression").any())
        if gate == "regression":
            worse = bool(self.claims["regression"].any()) if len(self.claims) else False
            return worse or bool((science == "regression").any())
        return flips or redefined or bool(science.isin(CHANGED).any())

def compare(db: Database, ref_a: str, ref_b: str, *, method: Method = "welch",
            timing_margin: float = 0.10) -> Comparison:
    """Resolve both references and compare the two runs (see the module docstring)."""
    ra, rb = runs.resolve(db, ref_a), runs.resolve(db, ref_b)
    a, b = runs.run_info(db, ra.run_id), runs.run_info(db, rb.run_id)
    notes = [n for n in (ra.note, rb.note) if n]
    if ra.run_id == rb.run_id:
        notes.append(f"{ref_a} and {ref_b} are the same run ({ra.run_id}): every row is unchanged by construction")
    if a["budget"] != b["budget"]:
        notes.append(f"budgets differ ({a['budget']} vs {b['budget']}): cases of the same name may differ in size")
    streams = (a.get("seed_stream") or "default", b.get("seed_stream") or "default")
    if streams[0] != streams[1]:
        notes.append(f"seed streams differ ({streams[0]} vs {streams[1]}): replicates are not seed-matched")
        method = "welch" if method == "paired" else method
    ma, mb = runs.measurements(db, ra.run_id), runs.measurements(db, rb.run_id)
    timed_a, timed_b = ma["kind"] == "timing", mb["kind"] == "timing"
    metrics, only_m = compare_metrics(ma[~timed_a], mb[~timed_b], method)
    ta, tb = runs.timings(db, ra.run_id), runs.timings(db, rb.run_id)
    if len(ta) and len(tb) and "parallel" in ta and "parallel" in tb and \
            bool(ta["parallel"].any()) != bool(tb["parallel"].any()):
        notes.append("timings of one run were measured under a parallel run: not compared with serial timings")
        ta, tb = ta.iloc[:0], tb.iloc[:0]
    timings, only_t = compare_timings(ta, tb, method, timing_margin)
    timed, only_tm = compare_timing_metrics(ma[timed_a], mb[timed_b], b["device"], timing_margin)
    timings = pd.concat([t for t in (timings, timed) if len(t)], ignore_index=True) if len(timed) else timings
    only_m = {k: only_m[k] + only_tm[k] for k in only_m}
    claims = compare_claims(runs.verdicts(db, ra.run_id), runs.verdicts(db, rb.run_id))
    return Comparison(a, b, tuple(notes), claims, metrics, timings, only_in={"metrics": only_m, "timings": only_t})


def compare_claims(va: pd.DataFrame, vb: pd.DataFrame) -> pd.DataFrame:
    """One row per claim in either run: both statuses, effects and CIs, flipped, regression."""
    cols = ["suite", "claim", "statement", "predicted", "status", "effect", "ci_low", "ci_high", "n", "unit",
            "definition_hash"]
    va, vb = (v.reindex(columns=list(dict.fromkeys(list(v.columns) + cols))) for v in (va, vb))
    both = pd.merge(va[cols], vb[cols], on=["suite", "claim"], how="outer", suffixes=("_a", "_b"), sort=False)
    present_a, present_b = both["status_a"].notna(), both["status_b"].notna()
    redefined = (both["definition_hash_a"].notna() & both["definition_hash_b"].notna()
                 & (both["definition_hash_a"] != both["definition_hash_b"]))
    both["change"] = np.select([~present_a, ~present_b, redefined, both["status_a"] != both["status_b"]],
                               ["not run in A", "not run in B", "definition changed", "flip"], "same")
    both["flipped"] = both["change"] == "flip"
    predicted = both["predicted_b"].fillna(both["predicted_a"])
    both["predicted"] = predicted
    away = (both["status_a"] == predicted) & (both["status_b"] != predicted)
    contradicts = (both["status_b"] != "inconclusive") & (both["status_b"] != predicted)
    both["regression"] = both["flipped"] & (away | contradicts)
    both["statement"] = both["statement_b"].fillna(both["statement_a"])
    both = both.drop(columns=["statement_a", "statement_b", "predicted_a", "predicted_b"])
    order = sorted(range(len(both)), key=lambda i: (both["suite"].iat[i], natural_key(both["claim"].iat[i])))
    return both.iloc[order].reset_index(drop=True)


def _wide(frame: pd.DataFrame, key: list[str], column: str) -> pd.DataFrame:
    """(rows = key, columns = replicate index) values, NaN where missing."""
    values = frame.groupby(key + [column], dropna=False, sort=False)["value"].first()
    return values.unstack(column)


def _summaries(a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """Per-row replicate count, mean and sd of A and B (the spread shown beside each value)."""
    ma, mb = moments(a), moments(b)
    return {"n_a": ma.n, "mean_a": ma.mean, "sd_a": ma.sd, "n_b": mb.n, "mean_b": mb.mean, "sd_b": mb.sd}


def _split(wa: pd.DataFrame, wb: pd.DataFrame) -> tuple[pd.Index, dict]:
    common = wa.index.intersection(wb.index, sort=False)
    only = {"a": [" ".join(map(str, k)) for k in wa.index.difference(wb.index)],
            "b": [" ".join(map(str, k)) for k in wb.index.difference(wa.index)]}
    return common, only


def compare_metrics(ma: pd.DataFrame, mb: pd.DataFrame, method: Method = "welch") -> tuple[pd.DataFrame, dict]:
    """Every (suite, experiment, case, metric) of both runs, decided in one batched call."""
    wa, wb = _wide(ma, METRIC_KEY, "replicate"), _wide(mb, METRIC_KEY, "replicate")
    common, only = _split(wa, wb)
    if len(common) == 0:
        return pd.DataFrame(columns=METRIC_KEY + ["status"]), only
    columns = wa.columns.union(wb.columns)  # replicate indices, aligned so that r meets r
    a = wa.loc[common].reindex(columns=columns).to_numpy(float)  # (K, R)
    b = wb.loc[common].reindex(columns=columns).to_numpy(float)  # (K, R)
    meta = mb.drop_duplicates(METRIC_KEY).set_index(METRIC_KEY).loc[common]
    margin, direction = meta["margin"].to_numpy(float), meta["direction"].to_numpy(object)
    res = decide_changes(a, b, margin, direction, method)
    out = pd.DataFrame(index=common).reset_index()
    out = out.assign(unit=meta["unit"].to_numpy(), direction=direction, margin=margin, **_summaries(a, b),
                     diff=res.diff, p_change=res.p_change_holm, p_equiv=res.p_equiv_holm, status=res.status)
    return out, only


def _timing_wide(frame: pd.DataFrame) -> pd.DataFrame:
    """(kernel key, sample index) log-seconds; a kernel timed several times pools its samples."""
    rows = [(*k, i, math.log(s)) for k, group in frame.groupby(TIMING_KEY, sort=False)
            for i, s in enumerate(x for xs in group["samples"] for x in xs if x > 0)]
    long = pd.DataFrame(rows, columns=TIMING_KEY + ["sample", "value"])
    return _wide(long, TIMING_KEY, "sample")


def compare_timings(ta: pd.DataFrame, tb: pd.DataFrame, method: Method = "welch",
                    margin: float = 0.10) -> tuple[pd.DataFrame, dict]:
    """Every kernel timed in both runs: ratio of medians, change and TOST on log seconds, slower = worse."""
    if ta.empty or tb.empty:
        return pd.DataFrame(columns=TIMING_KEY + ["status"]), {"a": [], "b": []}
    wa, wb = _timing_wide(ta), _timing_wide(tb)
    common, only = _split(wa, wb)
    if len(common) == 0:
        return pd.DataFrame(columns=TIMING_KEY + ["status"]), only
    a, b = wa.loc[common].to_numpy(float), wb.loc[common].to_numpy(float)  # (K, Sa), (K, Sb) log s
    timed = "welch" if method == "paired" else method  # timed calls are repeats, not seed-matched replicates
    res = decide_changes(a, b, np.full(len(common), math.log1p(margin)), np.full(len(common), "lower"), timed)
    out = pd.DataFrame(index=common).reset_index()
    med_a, med_b = np.exp(np.nanmedian(a, axis=1)), np.exp(np.nanmedian(b, axis=1))  # (K,) seconds
    return out.assign(median_a=med_a, median_b=med_b, ratio=med_b / med_a, n_a=np.isfinite(a).sum(1),
                      n_b=np.isfinite(b).sum(1), p_change=res.p_change_holm, p_equiv=res.p_equiv_holm,
                      status=res.status), only


def compare_timing_metrics(ma: pd.DataFrame, mb: pd.DataFrame, device: str,
                           margin: float = 0.10) -> tuple[pd.DataFrame, dict]:
    """Timing-kind metrics (seconds, throughput) as timings: Welch on log values per (case, metric),
    relative margin, the metric's direction (slower = regression); rows shaped like kernel timings."""
    empty = pd.DataFrame(columns=TIMING_KEY + ["status"])
    positive = [f[f["value"] > 0].assign(value=np.log(f["value"][f["value"] > 0])) for f in (ma, mb)]
    if positive[0].empty or positive[1].empty:
        return empty, {"a": [], "b": []}
    wa, wb = _wide(positive[0], METRIC_KEY, "replicate"), _wide(positive[1], METRIC_KEY, "replicate")
    common, only = _split(wa, wb)
    if len(common) == 0:
        return empty, only
    columns = wa.columns.union(wb.columns)
    a = wa.loc[common].reindex(columns=columns).to_numpy(float)  # (K, R) log values
    b = wb.loc[common].reindex(columns=columns).to_numpy(float)  # (K, R) log values
    direction = mb.drop_duplicates(METRIC_KEY).set_index(METRIC_KEY).loc[common, "direction"].to_numpy(object)
    res = decide_changes(a, b, np.full(len(common), math.log1p(margin)), direction, "welch")
    keys = pd.DataFrame(index=common).reset_index()
    med_a, med_b = np.exp(np.nanmedian(a, axis=1)), np.exp(np.nanmedian(b, axis=1))  # (K,)
    return pd.DataFrame({"suite": keys["suite"], "experiment": keys["experiment"],
                         "kernel": keys["case"] + " " + keys["metric"], "device": device, "median_a": med_a,
                         "median_b": med_b, "ratio": med_b / med_a, "n_a": np.isfinite(a).sum(1),
                         "n_b": np.isfinite(b).sum(1), "p_change": res.p_change_holm,
                         "p_equiv": res.p_equiv_holm, "status": res.status, "kind": "metric"}), only
