"""The chain rule's networks: causal (no output sees its own pixel or a later one), exact likelihoods that are
the summed categorical losses, samplers that draw from the conditionals the network gives, and learning."""

import math

import pytest
import torch
import torch.nn.functional as F

from gmtutor.models.autoregressive import PixelCNN, PixelTransformer, left_columns, levels_of, top_rows


def small(kind):
    torch.manual_seed(0)
    if kind == "binary pixelcnn":
        return PixelCNN(channels=8, layers=3, levels=2)
    if kind == "four-level transformer":
        return PixelTransformer(width=16, layers=2, heads=2, levels=4)
    if kind == "dilated":
        return PixelCNN(channels=8, layers=5, dilations=(1, 1, 2, 4, 8))
    return PixelCNN(channels=8, layers=3) if kind == "pixelcnn" else PixelTransformer(width=16, layers=2, heads=2)


def jacobian_rows(model, kind, outputs, side=28):
    """For each output pixel i in ``outputs`` (raster positions), the |gradient| of its logits' sum with respect
    to every input position j, as a (len(outputs), side * side) matrix (for the transformer, position j is the
    token that holds pixel j - 1). The PixelCNN, being convolutional, runs on a ``side`` x ``side`` image."""
    torch.manual_seed(1)
    if "transformer" not in kind:
        inputs = torch.rand(1, 1, side, side, requires_grad=True)
        out = model.network(inputs).sum(1).reshape(-1)
    else:
        inputs = model._inputs(torch.randint(0, model.levels, (1, 28, 28))).detach().requires_grad_(True)
        out = model.network(inputs).sum(2).reshape(-1)
    rows = []
    for i in outputs:
        (grad,) = torch.autograd.grad(out[i], inputs, retain_graph=True)
        rows.append(grad.abs().reshape(side * side, -1).sum(1))
    return torch.stack(rows)


@pytest.mark.parametrize("kind", ["pixelcnn", "dilated", "transformer", "binary pixelcnn", "four-level transformer"])
def test_no_output_depends_on_its_own_pixel_or_a_later_one(kind):
    model = small(kind)
    every = kind in ("pixelcnn", "binary pixelcnn")
    side = 10 if every else 28  # every output of a small image; the transformer's 784 positions are fixed
    outputs = torch.arange(side * side) if every else torch.cat([torch.arange(0, 784, 7), torch.tensor([783])])
    jacobian = jacobian_rows(model, kind, outputs.tolist(), side)
    shift = 1 if "transformer" in kind else 0  # the token that holds pixel j is j + 1
    position = torch.arange(side * side)
    later = position[None, :] >= outputs[:, None] + shift
    assert jacobian[later].max().item() == 0.0  # exactly zero, not small
    # and the past does reach them: every output's left neighbour and the pixel above it
    rows = torch.arange(len(outputs))
    left, above = outputs % side > 0, outputs >= side
    assert (jacobian[rows[left], outputs[left] - 1 + shift] > 0).all()
    assert (jacobian[rows[above], outputs[above] - side + shift] > 0).all()


def test_the_gated_stacks_have_no_blind_spot():
    """A plain masked convolution cannot see the pixel above and to the right; the two stacks can."""
    places = [(5, 5), (14, 10), (20, 25)]
    jacobian = jacobian_rows(small("pixelcnn"), "pixelcnn", [row * 28 + column for row, column in places])
    for k, (row, column) in enumerate(places):
        i = row * 28 + column
        above_right = (row - 1) * 28 + column + 1
        two_up_two_right = (row - 2) * 28 + column + 2
        assert jacobian[k, above_right] > 0 and jacobian[k, two_up_two_right] > 0
        assert jacobian[k, i - 1] > 0  # the left neighbour


def test_dilated_rows_reach_exactly_as_far_up_as_promised():
    """Dilations 1, 1, 2, 4, 8 reach 16 rows up, every one of them, and not the 17th; gaps are refused."""
    model = small("dilated")
    assert model.receptive_rows() == 16
    row, column = 22, 14
    jacobian = jacobian_rows(model, "dilated", [row * 28 + column])[0].reshape(28, 28)
    seen = jacobian[:row].sum(1) > 0  # rows above the pixel that reach it
    assert seen[row - 16 : row].all() and not seen[: row - 16].any()
    with pytest.raises(ValueError, match=r"rows \[2, 4"):
        PixelCNN(dilations=(1, 2, 4, 8), layers=4)


@pytest.mark.parametrize("kind", ["pixelcnn", "dilated", "transformer"])
def test_the_fast_sampler_gives_the_networks_own_conditionals(kind):
    """The PixelCNN's row cache (the vertical stack once per row, the horizontal stack on the pixels to the left)
    and the transformer's cached keys and values give the full pass's logits, for a pixel and for the next one."""
    model = small(kind).eval()
    levels = torch.randint(0, 256, (3, 28, 28))
    with torch.no_grad():
        full = model.logits(levels)
        for i in [0, 1, 5, 27, 28, 200, 14 * 28 + 14, 20 * 28 + 3, 783]:  # edges, corners and the middle
            row, column = divmod(i, 28)
            model._begin_sampling(levels)  # a fresh cache: the transformer fills it from the pixels before i
            fast = model._next_logits(levels, row, column)
            torch.testing.assert_close(fast, full[:, :, row, column], atol=1e-4, rtol=1e-4)
            if i < 783:  # and the next pixel's come from the cache: one new token, or the row kept (or a new row)
                after = divmod(i + 1, 28)
                torch.testing.assert_close(
                    model._next_logits(levels, *after), full[:, :, after[0], after[1]], atol=1e-4, rtol=1e-4
                )
        model._end_sampling()


@pytest.mark.parametrize("kind", ["pixelcnn", "transformer", "binary pixelcnn", "four-level transformer"])
def test_sampling_draws_from_the_conditional_the_network_gives(kind):
    model = small(kind).eval()
    levels = model.levels
    prefix = torch.randint(0, levels, (1, 28, 28)).expand(4000, -1, -1).clone()
    with torch.no_grad():
        expected = F.softmax(model.logits(prefix[:1])[0, :, 27, 27] / 0.7, dim=0)
    keep = torch.ones(28, 28, dtype=torch.bool)
    keep[27, 27] = False  # only the last pixel is drawn
    drawn = model.sample(
        4000,
        start=prefix.float() / (levels - 1),
        keep=keep,
        temperature=0.7,
        generator=torch.Generator().manual_seed(0),
    )
    assert torch.equal(levels_of(drawn, levels)[:, :27], prefix[:, :27])  # the known pixels are kept
    assert torch.equal(drawn * (levels - 1), (drawn * (levels - 1)).round())  # only the model's greys
    counts = torch.bincount(levels_of(drawn, levels)[:, 27, 27], minlength=levels).float() / 4000
    total_variation = 0.5 * (counts - expected).abs().sum().item()
    assert total_variation < (0.12 if levels == 256 else 0.04), total_variation  # 4,000 draws


@pytest.mark.parametrize("kind", ["pixelcnn", "transformer", "binary pixelcnn", "four-level transformer"])
def test_bits_per_dim_is_the_summed_categorical_loss_over_784_ln_2(kind, embedded):
    model = small(kind).eval()
    digits = embedded.x_test[:5]
    levels = levels_of(digits, model.levels)
    assert levels.max() == model.levels - 1 and levels.min() == 0  # ink and paper, on the model's scale
    with torch.no_grad():
        log_p = F.log_softmax(model.logits(levels), dim=1).gather(1, levels.unsqueeze(1)).squeeze(1)
        nats = model.nll(digits)
        loss = model.loss(digits)
    torch.testing.assert_close(nats, -log_p.sum((1, 2)))
    assert loss["bits/dim"].item() == pytest.approx(nats.mean().item() / (784 * math.log(2)), rel=1e-5)
    assert model.likelihood == "exact" and model.implements("nll")


@pytest.mark.parametrize("kind", ["pixelcnn", "transformer", "binary pixelcnn"])
def test_a_short_run_lowers_the_loss(kind, embedded):
    import gmtutor as gm

    model = small(kind)
    history = gm.fit(
        model,
        embedded.subset(320, 50),
        steps=30,
        batch_size=16,
        lr=3e-3,
        log_every=10,
        progress=False,
        device="cpu",
        seed=0,
    )
    losses = history["loss"]
    if kind == "binary pixelcnn":  # from at most ln 2 = 0.69 nats a pixel; the first 10 steps' mean is near 0.5
        assert losses[-1] < losses[0] - 0.15, losses
    else:
        assert losses[-1] < losses[0] - 1.0, losses  # a nat a pixel below the start, about ln 256 = 5.5


def test_bad_settings_and_requests_are_refused():
    with pytest.raises(ValueError, match="odd"):
        PixelCNN(kernel=4)
    with pytest.raises(ValueError, match="multiple of heads"):
        PixelTransformer(width=10, heads=4)
    for levels in (1, 257):
        with pytest.raises(ValueError, match=f"from 2 .* got {levels}"):
            PixelCNN(levels=levels)
    model = small("pixelcnn")
    with pytest.raises(ValueError, match="temperature"):
        model.sample(2, temperature=0.0)
    with pytest.raises(ValueError, match="start"):
        model.sample(2, keep=top_rows(14))
    with pytest.raises(ValueError, match="mask"):
        model.sample(2, start=torch.zeros(2, 28, 28), keep=torch.ones(14, 28))


@pytest.mark.parametrize("kind", ["pixelcnn", "transformer"])
def test_a_completion_keeps_the_kept_pixels_and_the_cache_changes_nothing(kind):
    model = small(kind)
    start = torch.rand(3, 1, 28, 28)
    for keep in (top_rows(25), left_columns(20) | top_rows(24)):
        fast = model.sample(3, start=start, keep=keep, generator=torch.Generator().manual_seed(0))
        slow = model.sample(3, start=start, keep=keep, generator=torch.Generator().manual_seed(0), cached=False)
        assert torch.equal(levels_of(fast)[:, keep], levels_of(start)[:, keep])
        assert torch.equal(fast, slow)  # the same draws from the same conditionals


def test_two_levels_are_black_and_white_split_at_one_half():
    greys = torch.tensor([0, 100, 127, 128, 200, 255], dtype=torch.uint8).reshape(1, 1, 1, 6).expand(1, 1, 28, 6)
    greys = torch.nn.functional.pad(greys, (0, 22))
    assert levels_of(greys, 2)[0, 0, :6].tolist() == [0, 0, 0, 1, 1, 1]
    assert levels_of(greys, 4)[0, 0, :6].tolist() == [0, 1, 1, 2, 2, 3]
    assert levels_of(greys)[0, 0, :6].tolist() == [0, 100, 127, 128, 200, 255]
