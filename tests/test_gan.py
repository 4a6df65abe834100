"""GAN and BiGAN: shapes and ranges, the two generator losses, and learning on short seeded runs."""

import math

import pytest
import torch

import gmtutor as gm
from gmtutor.core.train import SampleSnapshots
from gmtutor.models.gan import (
    GAN,
    BiGAN,
    discriminator_accuracy,
    discriminator_loss,
    generator_loss,
)


@pytest.fixture(autouse=True)
def one_thread():
    """Models this small train faster on one thread, and a seeded run then repeats on any machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


SMALL = {"latent_dim": 8, "hidden": (32,), "d_hidden": (32, 16)}
SMALL_BIGAN = {**SMALL, "e_hidden": (32,)}


def test_gan_shapes_and_ranges():
    gm.seed_everything(0)
    gan = GAN(**SMALL).eval()
    images = gan.decode(3 * torch.randn(5, 8))
    assert images.shape == (5, 1, 28, 28) and 0 <= images.min() and images.max() <= 1
    assert gan.sample(7).shape == (7, 1, 28, 28)
    assert gan.prior(4).shape == (4, 8)
    assert gan.discriminate(torch.rand(6, 1, 28, 28)).shape == (6,)
    assert any(isinstance(layer, torch.nn.BatchNorm1d) for layer in gan.generator)
    plain = GAN(**SMALL, batch_norm=False, spectral_norm=False)
    assert not any(isinstance(layer, torch.nn.BatchNorm1d) for layer in plain.generator)
    assert len(gan.state_dict()) > len(plain.state_dict())  # spectral norm and batch norm keep extra state


def test_bigan_shapes_and_ranges():
    gm.seed_everything(0)
    bigan = BiGAN(**SMALL_BIGAN).eval()
    x = torch.rand(5, 1, 28, 28)
    z = bigan.encode(x)
    assert z.shape == (5, 8) and z.dtype == torch.float32
    again = bigan.reconstruct(x)
    assert again.shape == (5, 1, 28, 28) and 0 <= again.min() and again.max() <= 1
    assert torch.equal(again, bigan.decode(z))
    assert bigan.discriminate_pair(x, z).shape == (5,)
    samples = bigan.sample(6, generator=torch.Generator().manual_seed(1))
    assert samples.shape == (6, 1, 28, 28) and 0 <= samples.min() and samples.max() <= 1


def test_the_non_saturating_loss_keeps_its_gradient_when_d_wins():
    """With D sure a fake is fake (logit -6), log(1 - D) is flat but -log D is steep."""
    logits = torch.full((4,), -6.0, requires_grad=True)
    (minimax,) = torch.autograd.grad(generator_loss(logits, "minimax"), logits)
    (non_saturating,) = torch.autograd.grad(generator_loss(logits, "non-saturating"), logits)
    assert non_saturating.abs().mean() > 100 * minimax.abs().mean()
    with pytest.raises(ValueError, match="generator_loss"):
        generator_loss(logits, "wasserstein")


def test_discriminator_loss_and_accuracy_at_chance():
    zeros = torch.zeros(10)
    assert discriminator_loss(zeros, zeros, smoothing=0.0).item() == pytest.approx(2 * math.log(2))
    real, fake = torch.tensor([2.0, 1.0, -1.0, 3.0]), torch.tensor([-2.0, -1.0, -3.0, 0.5])
    assert discriminator_accuracy(real, fake).item() == pytest.approx(6 / 8)


def ink_gap(images: torch.Tensor, data_ink: float) -> float:
    """How far the mean pixel of ``images`` is from the data's (grey noise: ~0.37; MNIST itself: 0)."""
    return abs(images.mean().item() - data_ink)


def test_a_short_gan_run_moves_the_losses_and_the_samples():
    x = gm.load_mnist("embedded").x_train[:1000]
    ink = gm.as_images(x).mean().item()
    gm.seed_everything(0)
    gan = GAN(latent_dim=16, hidden=(128,), d_hidden=(128,))
    gap_before = ink_gap(gan.eval().sample(500), ink)
    history = gm.fit(gan, x, epochs=10, batch_size=64, lr=1e-3, progress=False, device="cpu", seed=0)
    assert set(history.keys()) >= {"d_loss", "g_loss", "d_acc", "d_real", "d_fake"}
    # D learns to tell real from fake: accuracy well above chance, loss below the 2 log 2 of a coin flip.
    assert max(history["d_acc"]) > 0.8 and history["d_acc"][-1] > 0.65
    assert max(history["d_loss"]) < 2 * math.log(2) - 0.1
    # So G pays more than the log 2 it pays against an undecided D...
    assert history["g_loss"][-1] > math.log(2) + 0.1
    # ...and moves from grey noise towards MNIST's ink level.
    assert gap_before > 0.3 and ink_gap(gan.sample(500), ink) < 0.5 * gap_before


def test_a_short_bigan_run_moves_the_losses_and_learns_codes():
    x = gm.load_mnist("embedded").x_train[:1000]
    ink = gm.as_images(x).mean().item()
    gm.seed_everything(0)
    bigan = BiGAN(latent_dim=16, hidden=(128,), e_hidden=(128,), d_hidden=(128, 64), reconstruction=0.0)
    gap_before = ink_gap(bigan.eval().sample(500), ink)
    history = gm.fit(bigan, x, epochs=10, batch_size=64, lr=1e-3, progress=False, device="cpu", seed=0)
    assert set(history.keys()) >= {"d_loss", "ge_loss", "d_acc"}
    # At first D wins easily and G and E pay well above the 2 log 2 of an undecided D...
    assert history["d_acc"][0] > 0.8 and history["d_loss"][0] < 2 * math.log(2) - 0.3
    assert history["ge_loss"][0] > 2 * math.log(2) + 0.5
    # ...then G and E catch up: their loss falls and D's accuracy drops back towards chance.
    assert history["ge_loss"][-1] < history["ge_loss"][0] - 0.5
    assert history["d_acc"][-1] < history["d_acc"][0] - 0.1
    assert gap_before > 0.3 and ink_gap(bigan.sample(500), ink) < 0.5 * gap_before
    codes = bigan.encode(gm.as_images(x[:500])).detach()
    assert codes.shape == (500, 16) and torch.isfinite(codes).all() and codes.std() > 0.1


def test_the_reconstruction_term_pulls_g_of_e_towards_x():
    data = gm.load_mnist("embedded")
    test_images = gm.as_images(data.x_test[:500])
    errors, histories = {}, {}
    for weight in (0.0, 10.0):
        gm.seed_everything(0)
        bigan = BiGAN(latent_dim=16, hidden=(128,), e_hidden=(128,), d_hidden=(128, 64), reconstruction=weight)
        histories[weight] = gm.fit(
            bigan, data.x_train[:1000], epochs=5, batch_size=64, lr=1e-3, progress=False, device="cpu", seed=0
        )
        with torch.no_grad():
            errors[weight] = (bigan.reconstruct(test_images) - test_images).pow(2).mean().item()
    assert "recon_mse" not in histories[0.0].keys()
    assert histories[10.0]["recon_mse"][-1] < 0.5 * histories[10.0]["recon_mse"][0]
    assert errors[10.0] < 0.8 * errors[0.0]


def test_sample_snapshots_keep_the_chosen_steps():
    x = gm.load_mnist("embedded").x_train[:256]
    gm.seed_everything(0)
    gan = GAN(**SMALL)
    snapshots = SampleSnapshots(torch.randn(4, 8), steps=[4, 12])
    gm.fit(gan, x, steps=12, log_every=4, batch_size=64, progress=False, device="cpu", on_log=snapshots, seed=0)
    assert sorted(snapshots.snapshots) == [4, 12]
    assert snapshots.snapshots[12].shape == (4, 1, 28, 28)
    assert not torch.equal(snapshots.snapshots[4], snapshots.snapshots[12])
    assert gan.training is False  # fit leaves the model in eval mode


def test_bigan_save_load_round_trip(tmp_path):
    gm.seed_everything(0)
    bigan = BiGAN(**SMALL_BIGAN, reconstruction=0.5, dropout=0.1)
    gm.fit(
        bigan, gm.load_mnist("embedded").x_train[:128], epochs=1, batch_size=64, progress=False, device="cpu", seed=0
    )
    loaded = gm.load(gm.save(bigan, tmp_path / "bigan.pt"))
    assert isinstance(loaded, BiGAN) and loaded.config == bigan.config
    x = torch.rand(4, 1, 28, 28)
    z = torch.randn(4, 8)
    assert torch.equal(bigan.eval().encode(x), loaded.encode(x))
    assert torch.equal(bigan.decode(z), loaded.decode(z))


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"latent_dim": 0}, "latent_dim"),
        ({"generator_loss": "hinge"}, "generator_loss"),
        ({"reconstruction": -1.0}, "reconstruction"),
        ({"d_hidden": ()}, "d_hidden"),
    ],
)
def test_bad_settings_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BiGAN(**kwargs)


@pytest.mark.parametrize("name", ["GAN", "BiGAN", "WGANGP", "InfoGAN"])
def test_the_convolutional_networks_take_and_make_digits(name):
    gm.seed_everything(0)
    model = getattr(gm, name)(architecture="conv", width=8).eval()
    assert any(isinstance(layer, torch.nn.ConvTranspose2d) for layer in model.generator)
    samples = model.sample(5)
    assert samples.shape == (5, 1, 28, 28) and 0 <= samples.min() and samples.max() <= 1
    losses = model.train().loss(torch.rand(6, 1, 28, 28))
    assert all(torch.isfinite(v).all() for v in losses.values())
    if name == "BiGAN":
        assert model.encode(torch.rand(3, 1, 28, 28)).shape == (3, model.latent_dim)
    with pytest.raises(ValueError, match="architecture"):
        getattr(gm, name)(architecture="transformer")


def test_a_short_convolutional_gan_run_learns_the_ink():
    x = gm.load_mnist("embedded").x_train[:1000]
    ink = gm.as_images(x).mean().item()
    gm.seed_everything(0)
    gan = GAN(latent_dim=16, architecture="conv", width=16)
    gap_before = ink_gap(gan.eval().sample(500), ink)
    history = gm.fit(gan, x, steps=150, batch_size=64, lr=1e-3, progress=False, device="cpu", seed=0)
    assert max(history["d_acc"]) > 0.8  # D tells real from fake
    assert gap_before > 0.1 and ink_gap(gan.eval().sample(500), ink) < 0.5 * gap_before


@pytest.mark.parametrize("model_class", [GAN, BiGAN])
def test_the_generator_gets_its_own_learning_rate(model_class):
    model = model_class(latent_dim=8, g_lr_scale=5.0)
    opt_d, opt_g = model.configure_optimizers(2e-4)
    assert opt_d.param_groups[0]["lr"] == pytest.approx(2e-4)
    assert opt_g.param_groups[0]["lr"] == pytest.approx(1e-3)
    trained_by_g = {id(p) for p in opt_g.param_groups[0]["params"]}
    assert {id(p) for p in model.generator.parameters()} <= trained_by_g
    if model_class is BiGAN:  # E learns beside G, at G's rate
        assert {id(p) for p in model.encoder.parameters()} <= trained_by_g
    with pytest.raises(ValueError, match="g_lr_scale"):
        model_class(g_lr_scale=0.0)
