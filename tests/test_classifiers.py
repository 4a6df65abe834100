"""Pixels as features, logistic regression, and the learning curve of Naive Bayes against logistic regression."""

import numpy as np
import pytest
import torch

import gmtutor as gm
from gmtutor import classifiers


@pytest.fixture(scope="module")
def digits():
    mnist = gm.load_mnist("embedded")
    return (
        classifiers.pixels(mnist.x_train),
        mnist.y_train.numpy(),
        classifiers.pixels(mnist.x_test),
        mnist.y_test.numpy(),
    )


def test_pixels_are_flat_floats_in_the_unit_interval():
    images = torch.tensor([[[0, 255], [128, 0]]], dtype=torch.uint8).repeat(3, 14, 14)
    x = classifiers.pixels(images)
    assert x.shape == (3, 784) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    np.testing.assert_allclose(x[0, :2], [0.0, 1.0])
    np.testing.assert_array_equal(classifiers.pixels(gm.as_images(images)), x)


def test_logistic_regression_learns_digits(digits):
    x, y, x_test, y_test = digits
    idx = classifiers.stratified_subset(y, 500, seed=0)
    model = classifiers.fit_logistic_regression(x[idx], y[idx], max_iter=100)
    assert classifiers.accuracy(model, x_test, y_test) > 0.8  # chance is 0.1


def test_stratified_subset_is_balanced_distinct_and_seeded():
    y = np.repeat(np.arange(4), 25)
    idx = classifiers.stratified_subset(y, 20, seed=1)
    assert np.bincount(y[idx]).tolist() == [5, 5, 5, 5]
    assert len(np.unique(idx)) == 20
    np.testing.assert_array_equal(idx, classifiers.stratified_subset(y, 20, seed=1))
    assert not np.array_equal(idx, classifiers.stratified_subset(y, 20, seed=2))
    with pytest.raises(ValueError, match="multiple"):
        classifiers.stratified_subset(y, 22, seed=0)
    with pytest.raises(ValueError, match="fewer"):
        classifiers.stratified_subset(y, 200, seed=0)


def test_learning_curve_rises_and_repeats_the_full_set(digits):
    x, y, x_test, y_test = digits
    small = np.concatenate([np.flatnonzero(y == d)[:30] for d in range(10)])  # 300 balanced images
    curve = classifiers.learning_curve(x[small], y[small], x_test, y_test, sizes=[10, 100, 300], seeds=2, max_iter=50)
    assert curve.sizes.tolist() == [10, 100, 300]
    for name, acc in curve.accuracy.items():
        assert acc.shape == (2, 3), name
        assert acc[:, 2].mean() > acc[:, 0].mean() + 0.15, name  # more data, better accuracy
        assert acc[0, 2] == acc[1, 2]  # the full set is the same for every seed
    assert not np.array_equal(curve.accuracy["Naive Bayes"][0, :2], curve.accuracy["Naive Bayes"][1, :2])
    assert "logistic regression" in curve.table() and "300" in curve.table()
