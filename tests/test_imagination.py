"""Measures of imagination on constructed cases: morphometry, realism, style kept, the CNN judge."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import gmtutor as gm
from gmtutor.models.base import Capabilities
from gmtutor.models.classifier import jitter
from gmtutor.tools.imagination import attribute_axis, imagination, move_to_every_class, style_kept
from gmtutor.tools.latent import PixelSpace
from gmtutor.tools.morphometry import measure
from gmtutor.tools.realism import density_coverage, frechet_distance, precision_recall


@pytest.fixture(scope="module")
def data(embedded):
    return embedded


@pytest.fixture(scope="module")
def judge(short_judge):
    return short_judge


def test_a_thickened_digit_measures_thicker_a_sheared_one_more_slanted_a_stretched_one_wider(data):
    digits = gm.as_images(data.x_test[:40])
    before = measure(digits)
    assert np.isfinite(before["thickness"]).all() and (1 < np.median(before["thickness"]) < 4)
    thick = measure(F.max_pool2d(digits, 3, stride=1, padding=1))  # every stroke one pixel wider each side
    assert (thick["thickness"] > before["thickness"] + 0.5).mean() > 0.9
    # Shear the rows: output pixel (x, y) reads input (x + 0.4 y, y), with y = -1 at the top, so the top
    # of the digit moves right and the bottom left (leaning like italics).
    shear = torch.tensor([[1.0, 0.4, 0.0], [0.0, 1.0, 0.0]]).expand(len(digits), 2, 3)
    leaning = F.grid_sample(digits, F.affine_grid(shear, list(digits.shape), align_corners=False), align_corners=False)
    assert (measure(leaning)["slant"] > before["slant"] + 0.2).mean() > 0.9
    stretch = torch.tensor([[0.7, 0.0, 0.0], [0.0, 1.0, 0.0]]).expand(len(digits), 2, 3)
    wide = F.grid_sample(digits, F.affine_grid(stretch, list(digits.shape), align_corners=False), align_corners=False)
    assert (measure(wide)["width"] > before["width"] * 1.2).mean() > 0.9


def test_a_blank_image_measures_nan_and_uint8_matches_float(data):
    values = measure(torch.zeros(1, 28, 28, dtype=torch.uint8))
    assert all(math.isnan(v[0]) for v in values.values())
    as_uint8, as_float = measure(data.x_test[:5]), measure(gm.as_images(data.x_test[:5]))
    assert all(np.allclose(as_uint8[k], as_float[k]) for k in as_uint8)


def test_frechet_distance_is_near_zero_for_one_set_and_grows_with_a_shifted_mean():
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(4000, 8, generator=generator)
    b = torch.randn(4000, 8, generator=generator)
    assert frechet_distance(a, a) < 1e-6
    assert frechet_distance(a, b) < 0.05  # two samples of one Gaussian
    shifted = b + torch.tensor([3.0] + [0.0] * 7)
    assert frechet_distance(a, shifted) == pytest.approx(9.0, rel=0.05)  # |mean difference|^2
    assert frechet_distance(a, b * 2) == pytest.approx(8.0, rel=0.1)  # per dimension (2 - 1)^2
    with pytest.raises(ValueError, match="one size"):
        frechet_distance(a, a[:, :4])


def test_precision_and_recall_see_a_collapsed_set_and_a_distant_one():
    generator = torch.Generator().manual_seed(0)
    real = torch.randn(1000, 4, generator=generator)
    same = torch.randn(1000, 4, generator=generator)
    precision, recall = precision_recall(real, same)
    assert precision > 0.9 and recall > 0.9
    collapsed = real[:1].repeat(1000, 1) + 0.01 * torch.randn(1000, 4, generator=generator)
    precision, recall = precision_recall(real, collapsed)
    assert precision > 0.9 and recall < 0.1  # real-looking, but one kind only
    precision, recall = precision_recall(real, same + 10)
    assert precision < 0.05 and recall < 0.05


def test_precision_recall_density_coverage_match_prdc():
    prdc = pytest.importorskip("prdc", reason="prdc, the reference implementation, is in the reference extra")
    generator = torch.Generator().manual_seed(0)
    real, fake = torch.randn(600, 6, generator=generator), 1.3 * torch.randn(500, 6, generator=generator) + 0.3
    reference = prdc.compute_prdc(real.numpy(), fake.numpy(), nearest_k=5)
    precision, recall = precision_recall(real, fake, k=5)
    density, coverage = density_coverage(real, fake, k=5)
    assert (precision, recall) == pytest.approx((reference["precision"], reference["recall"]), abs=1e-6)
    assert (density, coverage) == pytest.approx((reference["density"], reference["coverage"]), abs=1e-6)


def test_outlying_fakes_raise_recall_but_not_coverage():
    generator = torch.Generator().manual_seed(0)
    real = torch.randn(1000, 2, generator=generator)
    one_mode = 0.1 * torch.randn(300, 2, generator=generator) + torch.tensor([1.0, 0.0])  # a corner of the real data
    angles = torch.linspace(0, 2 * math.pi, 9)[:-1]
    outliers = 6 * torch.stack([angles.cos(), angles.sin()], dim=1)  # eight fakes far outside it
    _, recall_before = precision_recall(real, one_mode)
    _, recall_after = precision_recall(real, torch.cat([one_mode, outliers]))
    density_before, coverage_before = density_coverage(real, one_mode)
    density_after, coverage_after = density_coverage(real, torch.cat([one_mode, outliers]))
    assert recall_after > recall_before + 0.5  # the outliers' huge balls swallow the real data
    assert coverage_after == pytest.approx(coverage_before, abs=0.01) and coverage_after < 0.2
    assert density_after < density_before  # outliers sit in no real ball: density only falls
    same = torch.randn(1000, 2, generator=generator)
    density, coverage = density_coverage(real, same)
    # A second sample of the real data: density about 1; coverage about 1 - 1/2^k when both sets are the
    # same size (Naeem et al. 2020: a real ball misses all fakes when its k neighbours outrank them).
    assert 0.8 < density < 1.2 and coverage == pytest.approx(1 - 0.5**3, abs=0.04)


def test_the_cnn_judge_learns_and_its_features_see_cross_fades_as_unreal(judge, data):
    assert judge.accuracy(data.x_test, data.y_test) > 0.9  # 10% is chance
    real_test, real_train = gm.as_images(data.x_test), gm.as_images(data.x_train[2000:3000])
    partner = real_train[torch.randperm(1000, generator=torch.Generator().manual_seed(0))]
    cross_fades = 0.5 * real_train + 0.5 * partner
    floor = frechet_distance(judge.embed(real_train), judge.embed(real_test))
    ghosts = frechet_distance(judge.embed(cross_fades), judge.embed(real_test))
    assert ghosts > 3 * floor
    # On unit-length features precision sees the ghosts too (on raw features their weak activations hide them).
    real_precision, _ = precision_recall(judge.embed(real_test), judge.embed(real_train), normalize=True)
    ghost_precision, _ = precision_recall(judge.embed(real_test), judge.embed(cross_fades), normalize=True)
    # The gap is about 0.2; multi-threaded CPU training is not bit-reproducible, so the margin leaves room for that.
    assert ghost_precision < real_precision - 0.1


def test_jitter_moves_pixels_but_keeps_the_ink():
    torch.manual_seed(0)
    x = torch.zeros(8, 1, 28, 28)
    x[:, :, 10:18, 12:16] = 1
    moved = jitter(x)
    assert not torch.allclose(moved, x)
    assert torch.allclose(moved.sum((1, 2, 3)), x.sum((1, 2, 3)), rtol=0.15)


def test_style_kept_is_one_when_the_hand_survives_and_near_zero_when_forgotten():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(5), 200)
    source = rng.normal(size=1000) + groups  # group means differ: only the within-group order counts
    assert style_kept(source, 2 * source + 10 * groups, groups) == pytest.approx(1.0)
    assert abs(style_kept(source, rng.normal(size=1000), groups)) < 0.1


def test_pixel_cross_fades_reach_the_target_class_but_score_worse_realism_than_real_digits(judge, data):
    evaluation = data.per_class(train=100, test=10)
    moved = move_to_every_class(PixelSpace(), evaluation, alpha=1.0)
    assert len(moved.images) == 9 * len(evaluation.x_test)
    assert torch.equal(moved.source_class, evaluation.y_test[moved.source_index])
    scores = imagination(PixelSpace(), evaluation, {"CNN": judge}, judge, alpha=1.0, style_digits_per_class=2)
    assert 0.2 < scores.target_rate["CNN target rate"] <= 1.0
    real = {"FD": frechet_distance(judge.embed(evaluation.x_train), judge.embed(evaluation.x_test))}
    assert scores.realism["FD"] > 2 * real["FD"]
    assert scores.style["thickness"] > 0.3  # a cross-fade keeps the source's strokes
    assert set(scores.row()) >= {"alpha", "CNN target rate", "FD", "precision", "recall", "thickness kept"}


def test_a_thickness_axis_in_pixel_space_adds_ink(data):
    digits = gm.as_images(data.x_test[:200])
    thickness = measure(digits)["thickness"]
    axis = attribute_axis(PixelSpace(), digits, thickness)
    assert axis.sum() > 0  # the thick quarter carries more ink than the thin quarter
    with pytest.raises(ValueError, match="fraction"):
        attribute_axis(PixelSpace(), digits, thickness, fraction=0.7)


def test_axis_transfer_rates_count_each_ordered_pair_from_the_moved_digits(data):
    from gmtutor.tools.evaluate import axis_transfer_rates, digit_classifier
    from gmtutor.tools.latent import class_centroids

    evaluation = data.per_class(train=100, test=10)
    judge = digit_classifier(evaluation)
    rates = axis_transfer_rates(PixelSpace(), evaluation, judge, alpha=1.0)
    assert rates.shape == (10, 10) and rates.diagonal().isnan().all()
    means = class_centroids(PixelSpace(), evaluation.x_train, evaluation.y_train)
    sixes = gm.as_images(evaluation.x_test[evaluation.y_test == 6]).reshape(-1, 784)
    moved = (sixes + means[0] - means[6]).clamp(0, 1)  # pixel space: the 6s plus the 0s' minus the 6s' mean
    assert rates[6, 0].item() == pytest.approx((judge.predict(moved) == 0).float().mean().item())


class MarkingRelabeller(Capabilities, torch.nn.Module):
    """A stand-in for a class-conditional denoiser: "inverting" keeps the image, "regenerating" writes the
    target label into the first pixel, so the test can see which label each move was made with."""

    def __init__(self):
        super().__init__()
        self.inverted = 0

    def invert(self, x, y, **settings):
        self.inverted += len(x)
        return x.clone()

    def regenerate(self, noisy, y, **settings):
        out = noisy.clone()
        out[:, 0, 0, 0] = torch.as_tensor(y, dtype=out.dtype) / 10
        return out

    def relabel(self, x, source, target, **settings):
        return self.regenerate(self.invert(x, source), target)


def test_a_denoiser_moves_each_digit_by_regenerating_it_under_every_other_label(data):
    small = data.per_class(train=5, test=3)
    model = MarkingRelabeller()
    moved = move_to_every_class(model, small, alpha=1.0)
    assert len(moved.images) == 9 * len(small.x_test)  # every digit to each of the nine other classes
    assert model.inverted == len(small.x_test)  # each digit inverted once, not once per target
    assert (moved.source_class != moved.target_class).all()
    assert torch.equal(moved.source_class, torch.as_tensor(small.y_test)[moved.source_index])
    written = (moved.images[:, 0, 0, 0] * 10).round().long()
    assert torch.equal(written, moved.target_class)  # regenerated under the target label
    originals = gm.as_images(small.x_test)[moved.source_index]
    torch.testing.assert_close(moved.images[:, :, 1:], originals[:, :, 1:])  # from its own digit's noise
