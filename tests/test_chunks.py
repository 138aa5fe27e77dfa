"""The chunk planner: deterministic, independent of the executor, splitting only where an experiment allows."""
from redshift import Above, Claim, Experiment, Mean, Metric, Rule, Suite, grid
from redshift.chunks import Chunk, plan
from redshift.executor import ExecutorConfig
from redshift.runner import Session


def _suite(split_by=None):
    cases = grid("e", arch=["a", "b"], n=[1, 2, 3])
    exp = Experiment("e", cases={"smoke": cases}, measure=lambda cases, ctx: iter(()), metrics={"m": Metric()},
                     claims=(Claim("P-1", "x", "src", Mean("m"), Rule(Above(0))),), replicates={"smoke": 3},
                     split_by=split_by)
    return Suite("p", "1", "t", experiments=(exp,))


def _plan(suite, replicates=None):
    return plan([suite], {suite.name: list(suite.claims)}, "smoke", replicates)


def test_an_experiment_is_one_chunk_by_default():
    """Without split_by the experiment's six cases are one chunk with all replicates."""
    chunks = _plan(_suite())
    assert [(c.experiment, len(c.cases), c.replicates) for c in chunks] == [("e", 6, 3)]


def test_split_by_keeps_cases_that_share_the_axis_together():
    """split_by=("arch",): one chunk per architecture, its training-set sizes together, in grid order."""
    chunks = _plan(_suite(("arch",)))
    assert [c.cases for c in chunks] == [("e[arch=a,n=1]", "e[arch=a,n=2]", "e[arch=a,n=3]"),
                                         ("e[arch=b,n=1]", "e[arch=b,n=2]", "e[arch=b,n=3]")]


def test_split_by_case_makes_every_case_a_chunk():
    """split_by="case": six chunks of one case each."""
    assert [len(c.cases) for c in _plan(_suite("case"))] == [1] * 6


def test_the_plan_is_deterministic_and_its_keys_name_what_is_computed():
    """Two plans of the same inputs are equal; a different replicate count changes every key."""
    suite = _suite(("arch",))
    assert _plan(suite) == _plan(suite)
    assert not {c.key for c in _plan(suite)} & {c.key for c in _plan(suite, replicates=5)}


def test_the_plan_does_not_depend_on_the_executor():
    """A session with --workers 4 stores the same chunk plan as an in-process one."""
    suite = _suite(("arch",))
    keys = []
    for config in (ExecutorConfig(), ExecutorConfig(workers=4, threads_per_worker=2)):
        session = Session(device="cpu", write=False, executor=config)
        session.start([suite])
        keys.append([c.key for c in session.driver.plan])
    assert keys[0] == keys[1] and len(keys[0]) == 2


def test_a_chunk_round_trips_through_json():
    """A chunk stored with a run reads back equal (same key)."""
    chunk = Chunk("s", "e", "smoke", 2, ("e[x=1]", "e[x=2]"), 7)
    assert Chunk.from_json(chunk.to_json()) == chunk and Chunk.from_json(chunk.to_json()).key == chunk.key


def _toy_suite(measure):
    from redshift import Above, Claim, Experiment, Mean, Metric, Rule, Suite, grid

    return Suite(name="splitty", version="1", title="split test", experiments=(
        Experiment(name="e", cases={"smoke": grid("e", a=[0, 1, 2])}, measure=measure, replicates={"smoke": 2},
                   metrics={"y": Metric(unit="u")},
                   claims=(Claim("SP-1", "y > 0", "test", Mean("y"), Rule(Above(0.0))),)),))


def test_split_differences_finds_a_measure_that_depends_on_its_chunk(tmp_path):
    """A value that depends on which cases share the chunk is reported; one seeded from the case alone is not."""
    from redshift import Record
    from redshift.work import split_differences

    def by_company(cases, ctx):
        for case in cases:
            for r in range(ctx.replicates):
                yield Record(case, r, {"y": float(len(cases))})

    def by_case(cases, ctx):
        for case in cases:
            for r in range(ctx.replicates):
                yield Record(case, r, {"y": float(case["a"] * 10 + r)})

    found = split_differences(_toy_suite(by_company), "e", "case", "smoke", 2, out_dir=str(tmp_path))
    assert len(found) == 6 and {(w, s) for *_, w, s in found} == {(3.0, 1.0)}
    assert split_differences(_toy_suite(by_case), "e", "case", "smoke", 2, out_dir=str(tmp_path)) == []


def test_sgd_vs_architecture_mlp_split_is_bit_identical(tmp_path):
    """The declared (arch, size) split of SA's mlp sweeps gives the unsplit numbers bit for bit (wall-clock metrics
    aside), so chunking a run cannot change its science (2 replicates at smoke)."""
    from redshift.registry import select
    from redshift.work import split_differences

    suite = select(["sgd_vs_architecture"])[0]
    assert split_differences(suite, "mlp", ("arch", "size"), "smoke", 2, out_dir=str(tmp_path)) == []


def test_sgd_vs_architecture_optimisers_split_is_bit_identical(tmp_path):
    """The declared (opt, size) split of SA's optimiser grid (standard and paper only) gives the unsplit numbers
    bit for bit, on a miniature at smoke: one pair, n = 4 and 8, widths 2 and 8, both optimisers, 3 runs per
    set, 2 training sets."""
    import dataclasses

    from redshift import grid
    from redshift.registry import select
    from redshift.train.guess_check import GCConfig
    from redshift.train.sgd import SGDConfig
    from redshift.work import find_experiment, split_differences
    from suites.sgd_vs_architecture.config import Config

    suite = select(["sgd_vs_architecture"])[0]
    exp = find_experiment(suite, "optimisers")
    mini = dataclasses.replace(
        exp, cases={"smoke": grid("optimisers", pair="3v5", n=(4, 8), arch="mlp1", size=(2, 8), opt=("gd", "sgd_b8"))},
        config={"smoke": Config((4, 8), GCConfig(), SGDConfig(), sgd_models=3)})
    suite = dataclasses.replace(suite, experiments=tuple(mini if e is exp else e for e in suite.experiments))
    assert exp.split_by == ("opt", "size")
    assert split_differences(suite, "optimisers", exp.split_by, "smoke", 2, out_dir=str(tmp_path)) == []


def test_sgd_vs_architecture_splits_its_sweeps_by_architecture_and_size():
    """The mlp experiment is planned as one chunk per (arch, size), each with every n and pair of that group
    (bit identity: test_sgd_vs_architecture_mlp_split_is_bit_identical)."""
    from redshift.registry import select

    suite = select(["sgd_vs_architecture"])[0]
    chunks = [c for c in plan([suite], {suite.name: list(suite.claims)}, "smoke") if c.experiment == "mlp"]
    cases = {c.name: c for c in suite.experiments[0].cases_for("smoke")}
    groups = {(cases[n]["arch"], cases[n]["size"]) for n in cases}
    assert len(chunks) == len(groups) > 1
    for chunk in chunks:
        assert len({(cases[n]["arch"], cases[n]["size"]) for n in chunk.cases}) == 1
