"""Tests of redshift.data.vision on small generated MNIST IDX and CIFAR-10 pickle files (no downloads)."""

import gzip
import pickle

import numpy as np
import pytest
import torch

from redshift.data.digits import nested_sets
from redshift.data.vision import load_cifar10, load_mnist, read_idx, standardise, to_layout, vision_pool


def _idx_bytes(arr: np.ndarray) -> bytes:
    head = bytes([0, 0, 0x08, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return head + arr.astype(np.uint8).tobytes()


def _write_mnist(root, n_train=40, n_test=20, gz=False):
    rng = np.random.default_rng(0)
    arrays = {}
    for split, n, (img, lab) in (("train", n_train, ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")),
                                 ("test", n_test, ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"))):
        x, y = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), np.arange(n, dtype=np.uint8) % 10
        for name, arr in ((img, x), (lab, y)):
            data = _idx_bytes(arr)
            path = root / (name + (".gz" if gz else ""))
            path.write_bytes(gzip.compress(data) if gz else data)
        arrays[split] = (x, y)
    return arrays


def _write_cifar(root, per_batch=6):
    rng = np.random.default_rng(1)
    arrays = []
    folder = root / "cifar-10-batches-py"
    folder.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, per_batch)]
        with open(folder / name, "wb") as fh:
            pickle.dump({b"data": data, b"labels": labels}, fh)
        arrays.append((data, labels))
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_roundtrip(tmp_path, gz):
    """IDX files (plain or gzip) read back as the exact arrays written, shape (N, 1, 28, 28)."""
    arrays = _write_mnist(tmp_path, gz=gz)
    for split in ("train", "test"):
        x, y = load_mnist(tmp_path, split)
        assert x.shape == (len(arrays[split][0]), 1, 28, 28)
        assert np.array_equal(x[:, 0], arrays[split][0]) and np.array_equal(y, arrays[split][1])


def test_idx_bad_magic(tmp_path):
    """A file that is not unsigned-byte IDX is rejected with a clear error."""
    path = tmp_path / "bad"
    path.write_bytes(bytes([0, 0, 0x0D, 1]) + (3).to_bytes(4, "big") + b"abc")
    with pytest.raises(ValueError, match="IDX"):
        read_idx(path)


def test_cifar_pickles_roundtrip(tmp_path):
    """Pickled batches read back channel-major (N, 3, 32, 32) with their labels; train = 5 batches."""
    arrays = _write_cifar(tmp_path)
    x, y = load_cifar10(tmp_path, "train")
    assert x.shape == (30, 3, 32, 32)
    assert np.array_equal(x[6:12].reshape(6, -1), arrays[1][0]) and y[6:12].tolist() == arrays[1][1]
    xt, yt = load_cifar10(tmp_path, "test")
    assert np.array_equal(xt.reshape(6, -1), arrays[5][0]) and yt.tolist() == arrays[5][1]


def test_missing_files_say_where(tmp_path):
    """A missing dataset names the folder to put the files in."""
    with pytest.raises(FileNotFoundError, match="no downloads"):
        load_mnist(tmp_path, "train")


def test_standardise_with_training_statistics():
    """Per-channel mean 0 / std 1 on the training split; the other split uses the same statistics."""
    train = np.stack([np.full((2, 2), 2.0), np.full((2, 2), 4.0)])[:, None]  # (2, 1, 2, 2): mean 3, std 1.069
    a, b = standardise(train, np.full((1, 1, 2, 2), 3.0))
    assert abs(float(a.mean())) < 1e-6 and abs(float(a.std()) - 1.0) < 1e-6
    assert torch.equal(b, torch.zeros(1, 1, 2, 2))


def test_flat_layout_is_pooled():
    """The MLP layout is a 2x2 max-pool, flattened: 28x28 -> 196 features."""
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    assert to_layout(x, "flat").tolist() == [[5.0, 7.0, 13.0, 15.0]]
    assert to_layout(torch.zeros(3, 1, 28, 28), "flat").shape == (3, 196)


def test_vision_pool_splits(tmp_path):
    """Training sets come from the train split only and test sets are the pair's test split."""
    _write_mnist(tmp_path, n_train=60, n_test=30)
    pool = vision_pool("mnist", tmp_path, [(0, 7)], "image")
    assert pool.x.shape[1:] == (1, 28, 28)
    sets = nested_sets(pool, [0, 0], [3, 4], n_max=4)
    assert not pool.held_out[sets.order].any()
    mask = sets.test_mask(4)
    assert torch.equal(mask[0], pool.held_out) and int(mask[0].sum()) == 6
