"""Executor options: what is bad input, how a CUDA run's workers are pinned, and what the run records."""
import os
import subprocess
import sys

import pytest

from redshift.executor import ExecutorConfig, ExecutorError, gpu_worker_options
from redshift.work import ChunkTask


@pytest.mark.parametrize("kwargs, message", [
    ({"workers": 0}, "--workers must be a positive integer"),
    ({"threads_per_worker": 0}, "--threads-per-worker"),
    ({"workers": 2, "scheduler": "tcp://x:1"}, "give one of"),
])
def test_bad_executor_options_are_refused(kwargs, message):
    """Zero workers or threads, or two ways to find a cluster at once: ExecutorError naming the option."""
    with pytest.raises(ExecutorError, match=message):
        ExecutorConfig(**kwargs)


def test_gpu_workers_are_pinned_one_per_visible_gpu(monkeypatch):
    """CUDA_VISIBLE_DEVICES=2,5 and --workers 2: workers gpu-2 and gpu-5, each seeing only its GPU, GPU=1."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,5")
    opts = gpu_worker_options(ExecutorConfig(workers=2))
    assert {k: (v["env"], v["resources"]) for k, v in opts.items()} == {
        "gpu-2": ({"CUDA_VISIBLE_DEVICES": "2"}, {"GPU": 1}), "gpu-5": ({"CUDA_VISIBLE_DEVICES": "5"}, {"GPU": 1})}


def test_more_gpu_workers_than_gpus_is_refused(monkeypatch):
    """--workers 3 with two visible GPUs: ExecutorError that says how many are visible."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    with pytest.raises(ExecutorError, match="2 visible"):
        gpu_worker_options(ExecutorConfig(workers=3))


def test_only_cuda_chunks_ask_for_a_gpu():
    """A task on cuda declares the GPU resource; one on cpu does not."""
    from redshift.chunks import Chunk

    chunk = Chunk("s", "e", "smoke", 0, ("e[]",), 1)
    assert (ChunkTask(chunk, "cuda").needs_gpu, ChunkTask(chunk, "cpu").needs_gpu) == (True, False)


def test_the_cli_refuses_bad_executor_options_before_writing(chunky_env, capsys):
    """run --workers 0: exit 2, one line, no database created."""
    from redshift.cli import main

    code = main(["run", "chunky", "--workers", "0"])
    err = capsys.readouterr().err
    assert code == 2 and "--workers must be a positive integer" in err and not chunky_env.exists()


@pytest.mark.cuda
def test_the_driver_of_a_gpu_run_never_initialises_cuda(chunky_env):
    """--device cuda --workers 1: the chunks run on the pinned worker; the driver process has no CUDA context."""
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    code = ("import torch; from redshift.cli import main; "
            "rc = main(['run', 'chunky', '--device', 'cuda', '--workers', '1', '--no-progress', '--json']); "
            "print('RC', rc, torch.cuda.is_initialized())")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ),
                          timeout=300)
    assert "RC 0 False" in proc.stdout, proc.stderr[-2000:]
