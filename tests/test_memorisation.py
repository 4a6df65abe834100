"""The memorisation sweep: the same VAE copies its training digits when it has ten, and creates when it has many."""

import pytest
import torch

from gmtutor.tools.memorisation import memorisation_sweep, training_digits


def test_training_digits_takes_the_same_number_of_each_class_and_keeps_every_test_digit(embedded):
    chosen = training_digits(embedded, 30)
    assert torch.equal(torch.bincount(chosen.y_train, minlength=10), torch.full((10,), 3))
    assert torch.equal(chosen.x_test, embedded.x_test)
    for wrong in (5, 15):
        with pytest.raises(ValueError, match="multiple of 10|10, 20"):
            training_digits(embedded, wrong)
    with pytest.raises(ValueError, match="fewer than"):
        training_digits(embedded.per_class(train=5), 100)


def test_a_short_seeded_sweep_copies_ten_digits_and_creates_from_a_thousand(
    embedded, short_judge, tmp_path, monkeypatch
):
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(tmp_path))
    steps = {"steps": 400, "quick_steps": 400, "log_every": 100}
    few, many = memorisation_sweep(embedded, short_judge, (10, 1000), samples=200, progress=False, **steps)
    assert few.n == 10 and few.training.shape[0] == 10 and many.training.shape[0] == 1000
    assert few.novelty.copy_share > 0.3 and few.novelty.distance_ratio < 0.75  # its samples are its training digits
    assert many.novelty.copy_share < 0.05 and many.novelty.distance_ratio > 0.8  # as new as unseen digits, nearly
    assert many.realism["recall"] > few.realism["recall"] + 0.4  # ten digits' copies cannot cover MNIST
    assert set(few.row()) >= {"training digits", "copies", "distance ratio", "FD", "coverage", "training s"}
