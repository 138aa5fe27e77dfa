"""redshift doctor: the CPU half runs in CI (--quick), CUDA parts skip cleanly, disagreements fail."""
import json

import pytest
import torch

from redshift import doctor
from redshift.cli import main


def test_quick_doctor_runs_the_cpu_half_and_writes_json(tmp_path, capsys):
    """--quick on CPU: exit 0, JSON written, CPU agreement checks pass; without CUDA it says no GPU was found."""
    out = tmp_path / "doctor.json"
    code = main(["doctor", "--quick", "--out", str(out)])
    report, err = json.loads(out.read_text()), capsys.readouterr().err
    status = {c["name"]: c["status"] for c in report["checks"]}
    assert code == 0 and status["cpu: guarded float32 vs float64 measures"] == "pass"
    assert status["cpu: batched vs reference-style measures"] == "pass"
    assert any(c["section"] == "speed" and "ratio" in c["note"] for c in report["checks"])
    if not torch.cuda.is_available():
        assert not report["cuda"] and "no GPU found" in err and status["lz_complexity lz78 (M5)"] == "skip"


def test_a_difference_over_tolerance_or_a_nan_mismatch_fails():
    """_diff: within tolerance passes; over it, or NaN on one side only, fails; failed() names the failures."""
    a = torch.tensor([0.5, float("nan")])
    checks = [doctor._diff("same", a, a.clone(), 0.0), doctor._diff("over", a, a + 1e-6, 1e-9),
              doctor._diff("nan", a, torch.tensor([0.5, 0.5]), 1.0)]
    assert [c.status for c in checks] == ["pass", "fail", "fail"]
    assert doctor.failed({"checks": [c.__dict__ for c in checks]}) == ["over", "nan"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_kernels_agree_on_cpu_and_cuda():
    """On a GPU every kernel check passes: CUDA equals CPU to the stated tolerances."""
    checks = doctor.kernel_checks(doctor.DoctorConfig.quick(), cuda=True)
    assert [c.name for c in checks if c.status != "pass"] == []


@pytest.fixture
def toy_only(toy_env, monkeypatch):
    """Only the toy suites exist, 'cuda' runs on the CPU, and the checkout is clean at commit abc."""
    from redshift import registry, runner

    monkeypatch.setattr(registry, "discover", lambda: dict(sorted(registry._from_paths().items())))
    real_run = runner.run_suites
    monkeypatch.setattr(runner, "run_suites",  # the 'cuda' run is not stored (it would be a CPU run)
                        lambda names, device, db: real_run(names, device="cpu", db=db, write=device == "cpu"))
    monkeypatch.setattr(runner, "git_state", lambda: ("abc", False))
    monkeypatch.setattr("redshift.results.machine.git_state", lambda: ("abc", False))
    return toy_env


def test_suite_verdicts_are_compared_with_cpu_verdicts_computed_then_stored(toy_only):
    """Each claim's 'cuda' verdict sits beside its CPU verdict: computed on the first call, read from the database
    (the same commit's clean CPU smoke run) on the second; equal verdicts pass, toy_bad's included."""
    first, second = doctor.suite_checks(str(toy_only)), doctor.suite_checks(str(toy_only))
    assert {c.name for c in first} >= {"toy TOY-1 smoke", "toy_bad BAD-1 smoke"}
    assert all(c.status == "pass" for c in first + second)
    assert {c.note for c in first} == {"cpu verdict computed"} and {c.note for c in second} == {"cpu verdict database"}
