"""Where chunks are computed: in-process (the default, no Dask needed) or on Dask distributed.

``--workers N`` starts a LocalCluster of N spawned worker processes (one thread each unless
``--threads-per-worker``); on CUDA it starts one worker per GPU, each pinned with
CUDA_VISIBLE_DEVICES and offering the resource ``GPU=1`` that GPU chunks ask for. ``--scheduler``
or ``--scheduler-file`` attaches to a running cluster (its workers need redshift and the suites
installed, and ``--resources GPU=1`` for GPU runs). The driver never initialises CUDA. A worker
that dies mid-chunk has its chunk rerun by Dask elsewhere; a chunk that raises is retried
``retries`` times and then reported as failed, while every other chunk goes on.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from redshift.suite import ContextHooks, Record, Suite
from redshift.work import ChunkResult, ChunkTask, compute

OnResult = Callable[[ChunkTask, ChunkResult], None]
OnError = Callable[[ChunkTask, BaseException], None]


class ExecutorError(ValueError):
    """Executor options that cannot work; the message says what to do."""


@dataclass(frozen=True)
class ExecutorConfig:
    """How a run spreads its chunks: None everywhere is in-process."""

    workers: int | None = None
    threads_per_worker: int = 1
    scheduler: str | None = None
    scheduler_file: str | None = None
    retries: int = 1

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise ExecutorError("--workers must be a positive integer")
        if self.threads_per_worker < 1:
            raise ExecutorError("--threads-per-worker must be a positive integer")
        if sum(x is not None for x in (self.workers, self.scheduler, self.scheduler_file)) > 1:
            raise ExecutorError("give one of --workers, --scheduler and --scheduler-file")

    @property
    def distributed(self) -> bool:
        return any(x is not None for x in (self.workers, self.scheduler, self.scheduler_file))

    def describe(self) -> dict[str, Any]:
        """The run record's ``executor`` field."""
        if not self.distributed:
            return {"kind": "serial", "parallel": False}
        return {"kind": "dask", "parallel": True, "workers": self.workers, "scheduler": self.scheduler,
                "scheduler_file": self.scheduler_file, "threads_per_worker": self.threads_per_worker}


class SerialExecutor:
    """Chunks one after another in this process; progress and records stream to the driver."""

    parallel = False

    def __init__(self, config: ExecutorConfig | None = None, device: str = "cpu") -> None:
        self.n_workers = 1

    def __enter__(self) -> "SerialExecutor":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def run(self, tasks: Sequence[ChunkTask], on_result: OnResult, on_error: OnError, *,
            suites: dict[str, Suite] | None = None, hooks: Callable[[ChunkTask], ContextHooks] | None = None,
            on_record: Callable[[ChunkTask, Record], None] | None = None) -> None:
        for task in tasks:
            try:
                result = compute(task, hooks(task) if hooks else None,
                                 (lambda rec, t=task: on_record(t, rec)) if on_record else None,
                                 suite=(suites or {}).get(task.chunk.suite))
            except Exception as exc:  # noqa: BLE001 - the chunk failed; the others go on
                on_error(task, exc)
                continue
            on_result(task, result)


class DaskExecutor:
    """Chunks as Dask futures on a LocalCluster or an existing scheduler; results arrive as they finish."""

    parallel = True

    def __init__(self, config: ExecutorConfig, device: str = "cpu") -> None:
        self.config, self.device = config, device
        self.cluster: Any = None
        self.client: Any = None

    def __enter__(self) -> "DaskExecutor":
        try:
            from distributed import Client
        except ImportError:
            raise ExecutorError('Dask is not installed: pip install -e ".[dask]" (or run without --workers)') from None
        cfg = self.config
        if cfg.scheduler:
            self.client = Client(cfg.scheduler, timeout="30s")
        elif cfg.scheduler_file:
            self.client = Client(scheduler_file=cfg.scheduler_file, timeout="30s")
        else:
            self.cluster = local_cluster(cfg, self.device)
            self.client = Client(self.cluster)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    @property
    def n_workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {}))) if self.client else 1

    def run(self, tasks: Sequence[ChunkTask], on_result: OnResult, on_error: OnError, **_: Any) -> None:
        from distributed import as_completed

        futures = {}
        for i, task in enumerate(tasks):  # started in the order given (priority), as workers free up
            resources = {"GPU": 1} if task.needs_gpu else None
            fut = self.client.submit(compute, task, pure=False, retries=self.config.retries, resources=resources,
                                     priority=len(tasks) - i,
                                     key=f"redshift-chunk-{task.chunk.key}-{os.urandom(4).hex()}")
            futures[fut] = task
        for fut in as_completed(list(futures)):
            task = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - retried by Dask already; the run goes on
                on_error(task, exc)
                continue
            on_result(task, result)


def local_cluster(config: ExecutorConfig, device: str) -> Any:
    """A LocalCluster of spawned worker processes; on CUDA one worker per GPU, pinned."""
    import dask
    from distributed import LocalCluster, Nanny, Scheduler, SpecCluster

    dask.config.set({"distributed.worker.multiprocessing-method": "spawn"})
    quiet = {"silence_logs": logging.CRITICAL}
    if not device.startswith("cuda"):
        return LocalCluster(n_workers=config.workers, threads_per_worker=config.threads_per_worker, processes=True,
                            dashboard_address=None, **quiet)
    workers = {name: {"cls": Nanny, "options": opts} for name, opts in gpu_worker_options(config).items()}
    return SpecCluster(workers=workers, scheduler={"cls": Scheduler, "options": {"dashboard_address": None}}, **quiet)


def gpu_worker_options(config: ExecutorConfig) -> dict[str, dict[str, Any]]:
    """One worker per GPU: its name and Nanny options (pinned with CUDA_VISIBLE_DEVICES, resource GPU=1)."""
    return {f"gpu-{g}": {"nthreads": config.threads_per_worker, "resources": {"GPU": 1},
                         "env": {"CUDA_VISIBLE_DEVICES": g}} for g in gpu_ids(config.workers)}


def gpu_ids(workers: int | None) -> list[str]:
    """The GPUs to pin workers to: $CUDA_VISIBLE_DEVICES or all torch sees (counted without a CUDA context)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        ids = [g.strip() for g in visible.split(",") if g.strip()]
    else:
        import torch

        ids = [str(i) for i in range(torch.cuda.device_count())]
    if workers is not None and workers > len(ids):
        raise ExecutorError(f"--workers {workers} on CUDA needs {workers} GPUs; {len(ids)} visible")
    return ids[:workers] if workers is not None else ids


def make_executor(config: ExecutorConfig, device: str) -> SerialExecutor | DaskExecutor:
    return DaskExecutor(config, device) if config.distributed else SerialExecutor(config, device)
