"""Copying against creating, on constructed cases: copies, nudged copies and noisy copies are copies;
real unseen digits are new; a cross-fade is new but unrealistic."""

import numpy as np
import pytest
import torch

import gmtutor as gm
from gmtutor.tools.copying import data_copying, nearest_training, novelty
from gmtutor.tools.realism import frechet_distance


@pytest.fixture(scope="module")
def digits(embedded):
    """Training digits, and two halves of the test digits: one the floor, one playing a model's output."""
    train = gm.as_images(embedded.x_train[:2000])
    test = gm.as_images(embedded.x_test)
    return train, test[:500], test[500:]


def test_nearest_training_finds_a_nudged_copy_at_distance_zero_and_its_index(digits):
    train, _, _ = digits
    chosen = torch.tensor([3, 141, 1999])
    nudged = torch.roll(train[chosen], shifts=(1, -2), dims=(2, 3))  # one pixel down, two left
    distances, nearest = nearest_training(nudged, train, max_shift=2)
    assert np.allclose(distances, 0, atol=0.05) and nearest.tolist() == chosen.tolist()
    unforgiving, _ = nearest_training(nudged, train)
    assert (unforgiving > 2).all()  # in plain pixels the nudged copy is as far as an unseen digit
    stored = (train[chosen] * 255).round().to(torch.uint8)  # the same digits as stored on disk
    distances, nearest = nearest_training(stored, train)
    assert np.allclose(distances, 0, atol=0.1) and nearest.tolist() == chosen.tolist()


def test_copies_nudged_copies_and_lightly_noisy_copies_score_as_copies(digits):
    train, floor, _ = digits
    generator = torch.Generator().manual_seed(0)
    originals = train[torch.randperm(len(train), generator=generator)[:300]]
    cases = {
        "exact": originals,
        "nudged": torch.roll(originals, shifts=(0, 1), dims=(2, 3)),
        "noisy": (originals + 0.05 * torch.randn(originals.shape, generator=generator)).clamp(0, 1),
    }
    for name, copies in cases.items():
        result = novelty(copies, train, floor, max_shift=2)
        assert result.copy_share > 0.95, name
        assert result.distance_ratio < 0.3, name


def test_real_unseen_digits_score_as_new(digits):
    train, floor, unseen = digits
    result = novelty(unseen, train, floor, max_shift=2)
    assert result.copy_share < 0.08  # about copy_quantile (2%) by construction: the floor is the same kind of digit
    assert 0.85 < result.distance_ratio < 1.15
    assert "copies" in result.summary() and set(result.row()) == {"copies", "distance ratio"}


def test_a_cross_fade_is_new_but_unrealistic(digits, short_judge):
    train, floor, unseen = digits
    partner = unseen[torch.randperm(len(unseen), generator=torch.Generator().manual_seed(1))]
    cross_fades = 0.5 * unseen + 0.5 * partner
    result = novelty(cross_fades, train, floor, max_shift=2)
    assert result.copy_share < 0.02 and result.distance_ratio > 1.0  # new: no training digit is near
    real_fd = frechet_distance(short_judge.embed(unseen), short_judge.embed(floor))
    fade_fd = frechet_distance(short_judge.embed(cross_fades), short_judge.embed(floor))
    assert fade_fd > 3 * real_fd  # but unlike any real digit


def test_the_judges_features_flag_exact_and_noisy_copies_but_miss_nudged_ones(digits, short_judge):
    train, floor, unseen = digits

    def features(images: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.normalize(short_judge.embed(images), dim=1)

    train_f, floor_f = features(train), features(floor)
    originals = train[:300]
    noisy = (originals + 0.05 * torch.randn(originals.shape, generator=torch.Generator().manual_seed(0))).clamp(0, 1)
    assert novelty(features(originals), train_f, floor_f).copy_share == 1.0
    assert novelty(features(noisy), train_f, floor_f).copy_share > 0.8
    assert novelty(features(unseen), train_f, floor_f).copy_share < 0.08
    # A convolutional judge sees where the strokes are: a copy moved by one pixel looks new to it, which is
    # why the course measures copying in pixels, forgiving a shift of up to 2 pixels.
    nudged = torch.roll(originals, shifts=1, dims=3)
    assert novelty(features(nudged), train_f, floor_f).copy_share < 0.5
    assert novelty(nudged, train, floor, max_shift=2).copy_share > 0.95


def test_data_copying_is_negative_for_copies_near_zero_for_unseen_digits_positive_for_noise(digits):
    train, floor, unseen = digits
    generator = torch.Generator().manual_seed(0)
    copies = (train[:500] + 0.02 * torch.randn(train[:500].shape, generator=generator)).clamp(0, 1)
    noisy = (unseen + 0.2 * torch.randn(unseen.shape, generator=generator)).clamp(0, 1)  # farther than real digits
    statistic = {
        name: data_copying(train, floor, generated, cells=5)
        for name, generated in {"copies": copies, "unseen": unseen, "noisy": noisy}.items()
    }
    assert statistic["copies"] < -3
    assert abs(statistic["unseen"]) < 2.5
    assert statistic["noisy"] > 3


def test_bad_input_is_refused_with_the_fix(digits):
    train, floor, _ = digits
    with pytest.raises(ValueError, match="max_shift"):
        nearest_training(floor, train, max_shift=-1)
    with pytest.raises(ValueError, match="max_shift=0"):
        nearest_training(torch.randn(5, 16), torch.randn(9, 16), max_shift=1)
    with pytest.raises(ValueError, match="features"):
        nearest_training(torch.randn(5, 16), torch.randn(9, 8))
    with pytest.raises(ValueError, match="copy_quantile"):
        novelty(floor, train, floor, copy_quantile=0.7)
    with pytest.raises(ValueError, match="fewer cells"):
        data_copying(train, floor, floor[:10], cells=3)
