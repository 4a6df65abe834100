"""The 2-D toy problem and the line a linear classifier draws through it."""

import numpy as np
import pytest

from gmtutor import classifiers, toy


def test_two_classes_follow_their_declared_gaussians():
    x, y = toy.two_classes(n_per_class=3000, seed=0)
    assert x.shape == (6000, 2) and y.dtype == np.int64 and np.bincount(y).tolist() == [3000, 3000]
    for k in range(2):
        np.testing.assert_allclose(x[y == k].mean(axis=0), toy.MEANS[k], atol=0.05)
        np.testing.assert_allclose(np.cov(x[y == k], rowvar=False), toy.COVARIANCES[k], atol=0.05)
    np.testing.assert_array_equal(toy.two_classes(seed=4)[0], toy.two_classes(seed=4)[0])
    np.testing.assert_allclose(toy.newcomers(n=3000).mean(axis=0), toy.NEWCOMER_MEAN, atol=0.05)


def test_decision_line_separates_what_the_model_predicts():
    x, y = toy.two_classes(seed=0)
    lr = classifiers.fit_logistic_regression(x, y)
    slope, intercept = toy.decision_line(lr)
    above = x[:, 1] > slope * x[:, 0] + intercept
    predicted = lr.predict(x)
    assert np.all(predicted[above] == predicted[above][0]) and np.all(predicted[~above] != predicted[above][0])
    assert 0.9 < np.mean(predicted == y)


def test_decision_line_refuses_a_vertical_boundary():
    class Vertical:
        coef_ = np.array([[1.0, 0.0]])
        intercept_ = np.array([0.5])

    with pytest.raises(ValueError, match="vertical"):
        toy.decision_line(Vertical())
