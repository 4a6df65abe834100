"""The copier: it passes target rate, realism and style kept, and the novelty measure catches it."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import gmtutor as gm
from gmtutor.tools.imagination import format_table, imagination_table
from gmtutor.tools.latent import PixelSpace
from gmtutor.tools.retrieval import StyleRetrieval


@pytest.fixture(scope="module")
def small(embedded):
    return embedded.per_class(train=100, test=10)


@pytest.fixture(scope="module")
def copier(small):
    return StyleRetrieval(small)


def test_it_returns_training_digits_of_the_asked_class_in_the_source_hand(small, copier):
    sources = gm.as_images(small.x_test[:40])
    target = torch.arange(40) % 10
    moved = copier.relabel(sources, small.y_test[:40], target)
    picked = copier.retrieve(sources, target)
    assert torch.equal(small.y_train[picked], target)  # the right class
    assert torch.equal(moved, gm.as_images(small.x_train)[picked])  # a training digit, untouched
    thick = F.max_pool2d(sources, 3, stride=1, padding=1)  # the same digits written with a thicker pen
    thick_picks, thin_picks = copier.retrieve(thick, target), picked
    thickness = copier.style[:, 0]
    assert (thickness[thick_picks.numpy()] > thickness[thin_picks.numpy()]).mean() > 0.8


def test_samples_are_training_digits(copier):
    drawn = copier.sample(25, generator=torch.Generator().manual_seed(0))
    assert drawn.shape == (25, 1, 28, 28)
    from gmtutor.tools.copying import nearest_training

    distances, _ = nearest_training(drawn, copier.images)
    assert np.allclose(distances, 0, atol=0.05)  # zero, up to cdist's rounding


def test_the_table_ranks_the_copier_high_on_imagination_and_last_on_novelty(small, copier, short_judge):
    rows = imagination_table(
        {"pixels": PixelSpace(), "retrieval": copier}, small, {"CNN": short_judge}, short_judge, (1.0, 1.5), False
    )
    by_model = {}
    for row in rows:
        by_model.setdefault(row["model"], []).append(row)
    assert len(by_model["retrieval"]) == 1  # it ignores alpha: scored once
    (retrieval,) = by_model["retrieval"]
    fade = by_model["pixels"][0]
    floor = by_model["real digits (floor)"][0]
    assert retrieval["CNN target rate"] > 0.8 and retrieval["CNN target rate"] > fade["CNN target rate"]
    assert retrieval["FD"] < fade["FD"] and retrieval["coverage"] > fade["coverage"]
    assert retrieval["copies"] == 1.0 and retrieval["distance ratio"] < 0.01  # every digit is a training digit
    assert fade["copies"] < 0.05 and fade["distance ratio"] > 0.9  # the cross-fade is new, if unrealistic
    assert floor["copies"] == pytest.approx(0.02, abs=0.015) and floor["distance ratio"] == pytest.approx(1.0)
    assert retrieval["thickness kept"] > 0.5
    assert 0 < fade["FD ±"] < 0.2 * fade["FD"] and 0 < fade["CNN target rate ±"] < 0.1  # a spread, not noise
    assert retrieval["copies ±"] == 0.0  # every resample is all copies
    text = format_table(rows)
    assert "copies" in text and "100.0%" in text


def test_format_table_shows_the_chosen_columns_and_names_a_missing_one():
    rows = [{"model": "a", "FD": 1.0, "copies": 0.5}, {"model": "b", "FD": 2.0}]
    text = format_table(rows, ["copies"])
    assert "FD" not in text and "50.0%" in text and text.splitlines()[0].startswith("model")
    with pytest.raises(ValueError, match="no column"):
        format_table(rows, ["coverage"])
