"""Completions as imagination: sources and reference are disjoint, the kept pixels stay, and the scores tell a
completion that restores the digit from one that does not."""

import torch

from gmtutor.core.data import as_images
from gmtutor.models.autoregressive import PixelCNN, left_columns
from gmtutor.tools.completion import complete, completion_scores, kept_alone, lookup_completion, split_per_class


def test_sources_and_reference_are_disjoint_and_balanced(embedded):
    sources, labels, reference = split_per_class(embedded.x_test, embedded.y_test, 7)
    assert torch.bincount(labels, minlength=10).tolist() == [7] * 10
    assert len(sources) + len(reference) == len(embedded.x_test)
    flat_sources, flat_reference = sources.flatten(1).float(), reference.flatten(1).float()
    assert torch.cdist(flat_sources, flat_reference).min() > 0  # no source is in the reference


def test_a_completion_keeps_its_part_and_repeats_with_its_seed(embedded):
    torch.manual_seed(0)
    model = PixelCNN(channels=8, layers=2)
    digits = embedded.x_test[:3]
    first = complete(model, digits, seed=4, batch_size=2)
    assert first.shape == (3, 1, 28, 28)
    assert torch.equal(first[:, 0, :14], as_images(digits)[:, 0, :14])  # the top half, exactly
    assert not torch.equal(first[:, 0, 14:], as_images(digits)[:, 0, 14:])  # an untrained net redraws the rest
    assert torch.equal(first, complete(model, digits, seed=4, batch_size=2))
    left = complete(model, digits, keep=left_columns(10), seed=4)
    assert torch.equal(left[:, 0, :, :10], as_images(digits)[:, 0, :, :10])


def test_scores_tell_a_restored_digit_from_a_scrambled_one(embedded, short_judge):
    sources, labels, reference = split_per_class(embedded.x_test, embedded.y_test, 20)
    restored = as_images(sources)
    scrambled = restored.clone()
    scrambled[:, :, 14:] = torch.rand_like(scrambled[:, :, 14:], generator=None)
    copied = as_images(embedded.x_train[: len(sources)])  # training digits handed back as "completions"
    good = completion_scores(restored, sources, labels, reference, short_judge, embedded.x_train)
    bad = completion_scores(scrambled, sources, labels, reference, short_judge, embedded.x_train)
    copies = completion_scores(copied, sources, labels, reference, short_judge, embedded.x_train)
    assert good["completion read right"] > bad["completion read right"] + 0.3
    assert good["completion FD"] < bad["completion FD"] / 2
    assert 0 <= good["completion read right ±"] < 0.1
    assert copies["completion copies"] == 1.0 and good["completion copies"] < 0.1
    assert abs(good["completion distance ratio"] - 1.0) < 1e-6  # the sources are their own floor


def test_the_two_baselines_blank_or_copy_the_hidden_half(embedded):
    digits = embedded.x_test[:6]
    alone = kept_alone(digits, kept_rows=10, levels=2)
    assert alone[:, :, 10:].abs().sum() == 0 and set(alone.unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(alone[:, :, :10], (as_images(digits)[:, :, :10] > 0.5).float())
    training = as_images(embedded.x_train[:50])
    looked_up = lookup_completion(training[[7, 3]], training, kept_rows=14)
    assert torch.equal(looked_up, training[[7, 3]])  # a training digit's own top half finds its own bottom
    other = lookup_completion(digits, training)
    assert torch.equal(other[:, :, :14], as_images(digits)[:, :, :14])
    bottoms = other[:, :, 14:].flatten(1)
    assert all((bottoms[i] == training[:, :, 14:].flatten(1)).all(1).any() for i in range(len(digits)))
