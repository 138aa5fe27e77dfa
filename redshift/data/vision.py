"""MNIST and CIFAR-10 from a local path (never downloaded), as Pools of class pairs (spec D2, paper budget).

Formats read:
- MNIST: the IDX files ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
  ``t10k-labels-idx1-ubyte`` (optionally ``.gz``) in ``root`` or ``root/MNIST/raw`` (torchvision's layout).
  IDX: big-endian magic (0x00000803 images, 0x00000801 labels), then the dimension sizes as uint32, then
  uint8 data.
- CIFAR-10: the python pickled batches ``data_batch_1`` .. ``data_batch_5`` and ``test_batch`` in ``root`` or
  ``root/cifar-10-batches-py``; each a dict with ``b"data"`` (N, 3072) uint8 (channel-major 3x32x32) and
  ``b"labels"``.

Normalisation [C]: per channel with the *training split's* mean and std. The MLP reads the images after the
code's 2x2 max-pool, flattened (MNIST 196, CIFAR-10 768 features); conv nets read (C, H, W).
"""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path
from typing import Literal, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from redshift.data.digits import Pool, pool_pairs

Dataset = Literal["mnist", "cifar10"]
Layout = Literal["flat", "image"]
CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
_MNIST = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _find(root: Path, name: str, subdirs: Sequence[str]) -> Path:
    for folder in (root, *(root / s for s in subdirs)):
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    raise FileNotFoundError(f"{name} not found under {root}: put the dataset files there (no downloads)")


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (optionally gzip) as a uint8 array of its declared shape."""
    raw = (gzip.open if path.suffix == ".gz" else open)(path, "rb").read()
    magic = int.from_bytes(raw[:4], "big")
    if magic >> 8 != 0x08:  # third byte 0x08 = unsigned byte data
        raise ValueError(f"{path} is not an unsigned-byte IDX file (magic {magic:#010x})")
    ndim = magic & 0xFF
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {data.size} bytes of data for declared shape {shape}")
    return data.reshape(shape).copy()  # writable, detached from the file buffer


def load_mnist(root: str | Path, split: Literal["train", "test"]) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, 1, 28, 28) uint8, labels (N,) int64) of one MNIST split read from ``root``."""
    img, lab = (_find(Path(root), f, ("MNIST/raw", "raw")) for f in _MNIST[split])
    x, y = read_idx(img), read_idx(lab)
    return x[:, None], y.astype(np.int64)


def load_cifar10(root: str | Path, split: Literal["train", "test"]) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, 3, 32, 32) uint8, labels (N,) int64) of one CIFAR-10 split read from ``root``."""
    names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
    xs, ys = [], []
    for name in names:
        with open(_find(Path(root), name, ("cifar-10-batches-py",)), "rb") as fh:
            batch = pickle.load(fh, encoding="bytes")
        xs.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
        ys.append(np.asarray(batch[b"labels"], dtype=np.int64))
    return np.concatenate(xs), np.concatenate(ys)


def standardise(train: np.ndarray, *others: np.ndarray) -> list[torch.Tensor]:
    """Per-channel (x - mean) / std with the training split's statistics [C]; inputs (N, C, H, W)."""
    t = torch.as_tensor(train, dtype=torch.float32)
    mean = t.mean(dim=(0, 2, 3), keepdim=True)  # (1, C, 1, 1)
    std = t.std(dim=(0, 2, 3), keepdim=True)
    return [(torch.as_tensor(a, dtype=torch.float32) - mean) / std for a in (train, *others)]


def to_layout(x: torch.Tensor, layout: Layout) -> torch.Tensor:
    """'image': (N, C, H, W) unchanged; 'flat': the code's 2x2 max-pool then flattened (N, C*H*W/4)."""
    return x if layout == "image" else F.max_pool2d(x, 2).flatten(1)


def vision_pool(dataset: Dataset, root: str | Path, pairs: Sequence[tuple[int, int]], layout: Layout,
                device: torch.device | str = "cpu") -> Pool:
    """Class pairs of MNIST or CIFAR-10: training sets from the train split, test sets from the test split."""
    load = load_mnist if dataset == "mnist" else load_cifar10
    (x_tr, y_tr), (x_te, y_te) = load(root, "train"), load(root, "test")
    a, b = standardise(x_tr, x_te)
    x = to_layout(torch.cat([a, b]), layout).to(device)
    y = torch.as_tensor(np.concatenate([y_tr, y_te]), device=device)
    held = torch.cat([torch.zeros(len(y_tr), dtype=torch.bool), torch.ones(len(y_te), dtype=torch.bool)])
    return pool_pairs(x, y, pairs, held.to(device))
