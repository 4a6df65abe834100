"""Unseen inputs: the ROC AUC, and Naive Bayes's log p(x) against logistic regression's confidence."""

import numpy as np
import pytest

import gmtutor as gm
from gmtutor import classifiers, novelty, toy


def test_auroc_is_the_chance_that_an_unseen_input_scores_higher():
    rng = np.random.default_rng(0)
    unseen, seen = rng.integers(0, 5, 40).astype(float), rng.integers(1, 6, 60).astype(float)
    pairs = unseen[:, None] - seen[None, :]  # every (unseen, seen) pair, counted by hand
    assert novelty.auroc(unseen, seen) == pytest.approx(np.mean(pairs > 0) + 0.5 * np.mean(pairs == 0))
    assert novelty.auroc([5, 6], [1, 2]) == 1.0 and novelty.auroc([1, 2], [5, 6]) == 0.0
    assert novelty.auroc([1, 1], [1, 1]) == 0.5


def test_newcomers_in_2d_are_unlikely_for_nb_but_not_doubtful_for_lr():
    x, y = toy.two_classes(seed=0)
    x_seen, _ = toy.two_classes(n_per_class=100, seed=5)
    nb = gm.GaussianNB().fit(x, y)
    lr = classifiers.fit_logistic_regression(x, y)
    result = novelty.unseen_class(nb, lr, x_seen, toy.newcomers())
    assert result.nb_auc > 0.95
    assert result.lr_auc < 0.6  # the dogs sit far from the boundary: LR is sure they are cats
    assert np.median(result.lr_confidence_unseen) > 0.9
    assert "ROC AUC" in result.summary()


@pytest.fixture(scope="module")
def digits():
    mnist = gm.load_mnist("embedded")
    keep = np.isin(mnist.y_train.numpy(), [1, 4, 7])
    return (
        classifiers.pixels(mnist.x_train[keep]),
        mnist.y_train.numpy()[keep],
        classifiers.pixels(mnist.x_test),
        mnist.y_test.numpy(),
    )


def test_unseen_digit_nb_separates_fours_from_ones_and_sevens(digits):
    result = novelty.unseen_digit(*digits, seen=(1, 7), unseen=4, max_iter=100)
    assert len(result.nb_log_prob_seen) == 200 and len(result.nb_log_prob_unseen) == 100
    assert result.nb_auc > 0.85 and result.nb_auc > result.lr_auc + 0.15
    with pytest.raises(ValueError, match="one of the seen"):
        novelty.unseen_digit(*digits, seen=(1, 7), unseen=7)


def test_unseen_digit_table_covers_every_pair_and_newcomer(digits):
    table = novelty.unseen_digit_table(*digits, max_iter=50)
    assert table.seen.tolist() == [[1, 4], [1, 7], [4, 7]]
    assert table.unseen.tolist() == [7, 4, 1]
    assert np.all((table.nb_auc >= 0) & (table.nb_auc <= 1))
    digits_, nb, lr = table.by_unseen_digit()
    assert digits_.tolist() == [1, 4, 7] and nb.shape == lr.shape == (3,)
    assert nb[1] == table.nb_auc[1]
    assert "3 experiments" in table.summary()
