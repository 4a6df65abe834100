"""Reading and validating IDX files, on small files the tests write and on the real MNIST test set."""

import gzip
import hashlib

import numpy as np
import pytest
import torch

from gmtutor.core.data import MNIST_FILES, MNISTFileError, as_images, parse_idx, read_idx_file

from conftest import SHARED_MNIST, idx_bytes


def write(tmp_path, name, raw):
    path = tmp_path / name
    path.write_bytes(raw)
    return path


@pytest.mark.parametrize("compress", [False, True])
def test_images_and_labels_round_trip(tmp_path, compress):
    images = np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    labels = np.array([0, 1, 2, 3, 9, 8, 7], dtype=np.uint8)
    pack = gzip.compress if compress else (lambda b: b)
    x = read_idx_file(write(tmp_path, "img", pack(idx_bytes(images))), "images", 7)
    y = read_idx_file(write(tmp_path, "lab", pack(idx_bytes(labels))), "labels", 7)
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)


def test_bad_magic_names_the_file(tmp_path):
    raw = bytearray(idx_bytes(np.zeros((2, 28, 28), np.uint8)))
    raw[2] = 0x0D  # float32 type code: not MNIST's unsigned bytes
    path = write(tmp_path, "odd-images", bytes(raw))
    with pytest.raises(MNISTFileError, match="odd-images.*magic") as err:
        read_idx_file(path, "images")
    assert "gmtutor data download" in str(err.value)


def test_wrong_count(tmp_path):
    path = write(tmp_path, "labels", idx_bytes(np.zeros(5, np.uint8)))
    with pytest.raises(MNISTFileError, match="5 labels, expected 10"):
        read_idx_file(path, "labels", 10)


@pytest.mark.parametrize("compress", [False, True])
def test_truncated_file(tmp_path, compress):
    raw = idx_bytes(np.ones((3, 28, 28), np.uint8))
    raw = gzip.compress(raw)[:-20] if compress else raw[:-100]
    path = write(tmp_path, "cut.gz" if compress else "cut", raw)
    with pytest.raises(MNISTFileError, match="truncated"):
        read_idx_file(path, "images", 3)


def test_longer_than_header(tmp_path):
    path = write(tmp_path, "long", idx_bytes(np.ones(4, np.uint8)) + b"\x00")
    with pytest.raises(MNISTFileError, match="longer than its header"):
        read_idx_file(path, "labels")


def test_label_out_of_range(tmp_path):
    path = write(tmp_path, "labels", idx_bytes(np.array([1, 2, 12], np.uint8)))
    with pytest.raises(MNISTFileError, match="label 12"):
        read_idx_file(path, "labels")


def test_images_of_wrong_size(tmp_path):
    path = write(tmp_path, "images", idx_bytes(np.zeros((2, 32, 32), np.uint8)))
    with pytest.raises(MNISTFileError, match="not 28x28"):
        read_idx_file(path, "images")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(MNISTFileError, match="cannot read"):
        read_idx_file(tmp_path / "nope", "images")


def test_parse_idx_rejects_short_input():
    with pytest.raises(MNISTFileError, match="too short"):
        parse_idx(b"\x00\x00")


def test_as_images_shapes_and_range():
    x = torch.tensor([[0, 255] * 392], dtype=torch.uint8)
    images = as_images(x)
    assert images.shape == (1, 1, 28, 28) and images.dtype == torch.float32
    assert images.min() == 0.0 and images.max() == 1.0
    assert as_images(torch.zeros(3, 28, 28, dtype=torch.uint8)).shape == (3, 1, 28, 28)
    with pytest.raises(ValueError, match="28x28"):
        as_images(torch.zeros(2, 10, dtype=torch.uint8))
    with pytest.raises(TypeError):
        as_images(torch.zeros(2, 784, dtype=torch.int32))


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="the real MNIST test files in ../shared/mnist are absent")
def test_real_mnist_test_set():
    specs = {spec.name: spec for spec in MNIST_FILES}
    images = read_idx_file(SHARED_MNIST / "t10k-images-idx3-ubyte.gz", "images", 10_000)
    labels = read_idx_file(SHARED_MNIST / "t10k-labels-idx1-ubyte.gz", "labels", 10_000)
    assert images.shape == (10_000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        content = gzip.decompress((SHARED_MNIST / f"{name}.gz").read_bytes())
        assert hashlib.md5(content).hexdigest() == specs[name].md5
