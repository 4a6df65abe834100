"""CycleGAN: the two domains of a batch, shapes and ranges, a checkpoint round trip, and learning."""

import pytest
import torch

import gmtutor as gm


@pytest.fixture(scope="module")
def sixes_and_zeros():
    return gm.load_mnist("embedded").digits(6, 0)


def test_digits_keeps_only_the_chosen_classes(sixes_and_zeros):
    data = gm.load_mnist("embedded")
    assert set(sixes_and_zeros.y_train.tolist()) == {0, 6} and set(sixes_and_zeros.y_test.tolist()) == {0, 6}
    assert len(sixes_and_zeros.x_train) == int(((data.y_train == 6) | (data.y_train == 0)).sum())
    with pytest.raises(ValueError, match="0-9"):
        data.digits(6, 10)
    with pytest.raises(ValueError, match="0-9"):
        data.digits()


def test_translations_are_images_and_bad_settings_are_refused(sixes_and_zeros):
    model = gm.CycleGAN(channels=4, blocks=1, critic_channels=(4, 8))
    x = gm.as_images(sixes_and_zeros.x_test[:5])
    for backward in (False, True):
        out = model.translate_all(x, backward=backward)
        assert out.shape == (5, 1, 28, 28) and 0 <= out.min() and out.max() <= 1
    with pytest.raises(ValueError, match="different digits"):
        gm.CycleGAN(source=3, target=3)
    with pytest.raises(ValueError, match="negative"):
        gm.CycleGAN(cycle_weight=-1)
    only_sixes = sixes_and_zeros.y_test == 6
    with pytest.raises(ValueError, match=r"data.digits\(6, 0\)"):
        model.loss(x[:3], torch.full((3,), 6))
    assert only_sixes.any()


def test_a_checkpoint_round_trip_translates_the_same(tmp_path, sixes_and_zeros):
    torch.manual_seed(0)
    model = gm.CycleGAN(channels=4, blocks=1, critic_channels=(4, 8), source=3, target=8).eval()
    gm.save(model, tmp_path / "cycle.pt")
    again = gm.load(tmp_path / "cycle.pt")
    x = gm.as_images(sixes_and_zeros.x_test[:4])
    assert again.config == model.config and torch.equal(again.translate_all(x), model.translate_all(x))


def test_a_short_run_learns_to_translate_and_to_come_back(sixes_and_zeros):
    gm.seed_everything(0)
    model = gm.CycleGAN(channels=8, blocks=1, critic_channels=(16, 32))
    test = sixes_and_zeros
    sixes = gm.as_images(test.x_test[test.y_test == 6][:100])
    zero_mean = gm.as_images(test.x_test[test.y_test == 0]).mean(0)

    def distance_to_zeros() -> float:
        return (model.translate_all(sixes).mean(0) - zero_mean).norm().item()

    before = distance_to_zeros()
    history = gm.fit(model, sixes_and_zeros, steps=60, batch_size=32, lr=1e-3, progress=False, log_every=10, seed=0)
    cycle = history["cycle"]
    assert cycle[-1] < 0.5 * cycle[0], cycle  # F(G(a)) comes back to a
    assert distance_to_zeros() < 0.75 * before  # and G(a) looks more like the 0s on average
    assert set(history.keys()) >= {"g_loss", "g_adversarial", "cycle", "d_loss"}


def test_a_translation_row_scores_the_pair_and_leaves_samples_blank():
    from gmtutor.tools.scoreboard import format_scoreboard, translation_row

    data = gm.load_mnist("embedded").per_class(test=20)
    torch.manual_seed(0)
    model = gm.CycleGAN(channels=4, blocks=1, critic_channels=(4, 8))
    judge = gm.models.DigitCNN(features=16)
    row = translation_row("CycleGAN (6 ↔ 0)", model, data, judge)
    assert row["likelihood"] == "none" and "sample FD" not in row
    assert 0 <= row["imagination target rate"] <= 1 and row["imagination FD"] > 0
    assert row["parameters"] == sum(p.numel() for p in model.parameters())
    table = format_scoreboard([row], part="likelihood and samples")
    assert "| CycleGAN (6 ↔ 0) | none | – |" in table
