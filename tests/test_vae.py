"""The VAE: shapes, the closed-form KL against Monte Carlo, and learning on a short seeded run."""

import math

import pytest
import torch

import gmtutor as gm
from gmtutor.models import VAE, ConvVAE, kl_divergence
from gmtutor.models.vae import kl_monte_carlo


@pytest.mark.parametrize(
    "make", [lambda: VAE(latent_dim=3, hidden=(32,)), lambda: ConvVAE(latent_dim=3, channels=4, hidden=16)]
)
def test_shapes_and_ranges(make):
    gm.seed_everything(0)
    vae = make()
    x = torch.rand(5, 1, 28, 28)
    mu, logvar = vae.posterior(x)
    assert mu.shape == logvar.shape == (5, 3)
    assert torch.equal(vae.encode(x), mu)
    images = vae.decode(torch.randn(4, 3))
    assert images.shape == (4, 1, 28, 28) and 0 <= images.min() and images.max() <= 1
    assert vae.sample(6).shape == (6, 1, 28, 28)
    parts = vae.loss(x)
    assert set(parts) == {"loss", "recon", "kl"}
    assert torch.isclose(parts["loss"], parts["recon"] + parts["kl"])


def test_kl_is_zero_only_at_the_prior():
    assert torch.allclose(kl_divergence(torch.zeros(2, 4), torch.zeros(2, 4)), torch.zeros(2))
    assert (kl_divergence(torch.full((1, 4), 0.5), torch.zeros(1, 4)) > 0).all()
    assert (kl_divergence(torch.zeros(1, 4), torch.full((1, 4), -1.0)) > 0).all()


@pytest.mark.parametrize("mu,sigma", [(0.0, 1.0), (1.5, 0.5), (-2.0, 2.0)])
def test_closed_form_kl_matches_monte_carlo(mu, sigma):
    """KL(q||p) = E_q[log q(z) - log p(z)], estimated from samples of q in 1-d."""
    estimate, stderr = kl_monte_carlo(mu, sigma, 400_000, torch.Generator().manual_seed(0))
    assert stderr < 0.01
    exact = kl_divergence(torch.tensor([[mu]]), torch.tensor([[math.log(sigma**2)]])).item()
    assert abs(estimate - exact) < 4 * stderr + 1e-9


def test_beta_weights_the_kl_term():
    gm.seed_everything(0)
    vae = VAE(latent_dim=2, hidden=(16,), beta=4.0)
    x = torch.rand(8, 1, 28, 28)
    gm.seed_everything(1)
    parts = vae.loss(x)
    assert torch.isclose(parts["loss"], parts["recon"] + 4.0 * parts["kl"])


@pytest.mark.parametrize(
    "make", [lambda: VAE(latent_dim=8, hidden=(128,)), lambda: ConvVAE(8, channels=16, hidden=128)]
)
def test_a_short_run_lowers_the_loss_by_a_margin(make):
    data = gm.load_mnist("embedded")
    gm.seed_everything(0)
    vae = make()
    before = gm.average_loss(vae, data.x_test[:500])["loss"]
    history = gm.fit(vae, data.x_train[:1000], epochs=3, batch_size=64, seed=0, progress=False, device="cpu")
    after = gm.average_loss(vae, data.x_test[:500])["loss"]
    assert before > 500  # an untrained Bernoulli decoder pays about 784 * log 2 = 543 nats
    assert after < 0.5 * before
    assert history["loss"][-1] < history["loss"][0]


def test_conv_vae_round_trips_through_a_checkpoint(tmp_path):
    gm.seed_everything(0)
    vae = ConvVAE(latent_dim=5, channels=4, hidden=16, beta=2.0).eval()
    z = torch.randn(3, 5)
    loaded = gm.load(gm.save(vae, tmp_path / "conv.pt")).eval()
    assert isinstance(loaded, ConvVAE) and loaded.config == vae.config
    assert torch.equal(loaded.decode(z), vae.decode(z))


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: VAE(latent_dim=0), "latent_dim"),
        (lambda: VAE(beta=-1.0), "beta"),
        (lambda: ConvVAE(latent_dim=0), "latent_dim"),
        (lambda: ConvVAE(channels=0), "channels"),
    ],
)
def test_bad_settings_are_refused_with_the_value(make, match):
    with pytest.raises(ValueError, match=match):
        make()
