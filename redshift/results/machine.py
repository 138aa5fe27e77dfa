"""What a run records about where it ran: commit, machine, device, library versions."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch


def git_state(cwd: Path | None = None) -> tuple[str | None, bool | None]:
    """(commit sha, dirty flag) of the checkout holding redshift (else the cwd); (None, None) outside git.

    Dirty counts untracked files too (a new suite not yet committed); results/ is git-ignored.
    """
    import redshift

    for place in ([cwd] if cwd else [Path(redshift.__file__).resolve().parent, Path.cwd()]):
        try:
            sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=place, capture_output=True, text=True, timeout=10)
            if sha.returncode != 0:
                continue
            status = subprocess.run(["git", "status", "--porcelain"], cwd=place, capture_output=True, text=True,
                                    timeout=10)
            return sha.stdout.strip(), bool(status.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            continue
    return None, None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(device: torch.device, init_cuda: bool = True) -> dict[str, object]:
    """CPU, and GPU when one is present; ``init_cuda=False`` (a distributed run's driver) reads the GPU
    from nvidia-smi instead of creating a CUDA context."""
    info: dict[str, object] = {
        "hostname": platform.node(), "platform": platform.platform(), "cpu": cpu_model(),
        "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
    }
    if not init_cuda:
        return info | _gpu_from_smi()
    if torch.cuda.is_available():
        device = device if device.type == "cuda" else torch.device("cuda")
        props = torch.cuda.get_device_properties(device)
        info |= {"gpu": props.name, "gpu_memory_gb": round(props.total_memory / 2**30, 1),
                 "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version(),
                 "driver": _nvidia_driver()}
    return info


def _gpu_from_smi() -> dict[str, object]:
    """The first GPU's name, memory and driver from nvidia-smi (no CUDA context); empty without one."""
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version",
                              "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return {}
    if out.returncode != 0 or not out.stdout.strip():
        return {}
    name, memory, driver = [x.strip() for x in out.stdout.strip().splitlines()[0].split(",")[:3]]
    return {"gpu": name, "gpu_memory_gb": round(float(memory) / 1024, 1), "cuda": torch.version.cuda,
            "driver": driver}


def _nvidia_driver() -> str | None:
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else None
    except (OSError, subprocess.SubprocessError, IndexError):
        return None


def versions() -> dict[str, str | None]:
    from redshift import __version__

    return {"redshift": __version__, "python": sys.version.split()[0], "torch": torch.__version__,
            "numpy": np.__version__, "cuda": torch.version.cuda}
