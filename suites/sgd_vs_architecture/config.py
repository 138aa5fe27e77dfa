"""Configuration, task names and architectures of the SGD-vs-architecture suite (spec sections 2-3)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from redshift.nets.bias_free import MLP, Architecture, LeNet, ResNet
from redshift.train.guess_check import GCConfig
from redshift.train.sgd import SGDConfig

ArchName = Literal["mlp1", "mlppaper", "depth16", "depthpaper", "lenet", "resnet"]
SWEEP: dict[str, str] = {"mlp1": "width", "mlppaper": "width", "lenet": "width", "resnet": "width",
                         "depth16": "depth", "depthpaper": "depth"}
PAPER_DEPTH = (32, 16, 8, 4)  # spec D3: the paper's depth shape, layers added on the input side
IMAGE = {"mnist": (1, 28), "cifar10": (3, 32)}  # channels, side
DIGITS_FEATURES = 64


@dataclass(frozen=True)
class Config:
    """One budget of the main experiment.

    n_values: training-set sizes (even, nested); gc: Guess & Check (K and draw cap, spec D4); sgd: the
    spec D6 protocol; sgd_models: R SGD runs per training set; margin_nets: the D9 normalised losses are the
    mean over the first margin_nets fitted networks of each training set (0: not computed);
    threads: torch CPU threads inside measure (None leaves the setting alone); data_root: folder with
    MNIST/CIFAR-10 files (paper budget; default: the REDSHIFT_DATA environment variable).
    """

    n_values: tuple[int, ...]
    gc: GCConfig
    sgd: SGDConfig
    sgd_models: int
    margin_nets: int = 16
    threads: int | None = 1
    data_root: str | None = None

    def root(self) -> str:
        """The folder to read MNIST/CIFAR-10 from; a clear error when none is given."""
        root = self.data_root or os.environ.get("REDSHIFT_DATA")
        if not root:
            raise ValueError("MNIST/CIFAR-10 cases need local files: set REDSHIFT_DATA to their folder "
                             "(no downloads)")
        return root


def parse_pair(pair: str) -> tuple[str, tuple[int, int]]:
    """'3v5' -> ('digits', (3, 5)); 'mnist-0v7' -> ('mnist', (0, 7)); 'cifar10-2v8' (bird vs ship)."""
    dataset, _, classes = pair.rpartition("-")
    a, b = classes.split("v")
    return dataset or "digits", (int(a), int(b))


def layout(arch: str) -> Literal["flat", "image"]:
    """Conv nets read (C, H, W) images; MLPs read flat (pooled, for MNIST/CIFAR) features."""
    return "image" if arch in ("lenet", "resnet") else "flat"


def hidden_widths(arch: str, size: float) -> tuple[int, ...]:
    """Hidden layers of the MLP families (spec D3)."""
    s = int(size)
    if arch == "mlp1":
        return (s,)  # MLP-1(h)
    if arch == "mlppaper":
        return (8 * s, 4 * s, 2 * s, s)  # MLP-paper(k), mirroring [120, 60, 30, 12] w
    if arch == "depth16":
        return (16,) * s  # MLP-depth(L), width 16
    if arch == "depthpaper":
        return PAPER_DEPTH[len(PAPER_DEPTH) - s:]  # [4], [8, 4], [16, 8, 4], [32, 16, 8, 4]
    raise ValueError(f"unknown MLP family {arch!r}")


def build_arch(arch: str, size: float, dataset: str) -> Architecture:
    """The network population type of a case (spec D3)."""
    if arch in ("lenet", "resnet"):
        channels, side = IMAGE[dataset]
        return (LeNet if arch == "lenet" else ResNet)(channels, side, float(size))
    d_in = DIGITS_FEATURES if dataset == "digits" else IMAGE[dataset][0] * (IMAGE[dataset][1] // 2) ** 2
    return MLP(d_in, hidden_widths(arch, size))
