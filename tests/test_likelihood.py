"""One likelihood scale for every family: dequantisation, the continuous Bernoulli, the VAE's bounds, Naive Bayes."""

import math

import numpy as np
import pytest
import torch

import gmtutor as gm
from gmtutor.models.likelihood import (
    continuous_bernoulli_log_norm,
    continuous_bernoulli_log_prob,
    dequantize,
    naive_bayes_nll,
    nats_to_bits_per_dim,
    vae_nll,
)


def test_dequantised_points_stay_in_their_pixel_level_cell():
    images = torch.tensor([[0, 1, 128, 255]], dtype=torch.uint8).repeat(1, 196).reshape(1, 28, 28)
    u = dequantize(images.repeat(50, 1, 1), torch.Generator().manual_seed(0))
    levels = images.reshape(1, -1).float()
    assert ((u >= levels / 256) & (u < (levels + 1) / 256)).all()
    assert torch.allclose(dequantize(gm.as_images(images), torch.Generator().manual_seed(1)) * 256 // 1, levels)


@pytest.mark.parametrize("logit", [-8.0, -1.0, 0.0, 1e-4, 0.5, 6.0])
def test_the_continuous_bernoulli_is_a_density_on_the_unit_interval(logit):
    u = torch.linspace(0, 1, 20001, dtype=torch.float64).reshape(-1, 1)
    density = continuous_bernoulli_log_prob(u, torch.full_like(u, logit)).exp()
    assert torch.trapezoid(density, u.flatten()).item() == pytest.approx(1.0, abs=1e-4)


def test_the_normaliser_is_smooth_through_zero():
    logits = torch.tensor([-2e-3, -5e-4, 0.0, 5e-4, 2e-3], dtype=torch.float64)
    values = continuous_bernoulli_log_norm(logits)
    assert torch.allclose(values, torch.full_like(values, math.log(2.0)), atol=1e-6)


def blank_vae():
    """A VAE whose encoder says q(z|x) = N(0, I), the prior, and whose decoder says logit 0: a uniform density."""
    vae = gm.VAE(latent_dim=2, hidden=(8,))
    for layer in (vae.encoder[-1], vae.decoder[-1]):
        torch.nn.init.zeros_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
    return vae


def test_a_uniform_model_costs_exactly_eight_bits_per_pixel():
    images = gm.load_mnist("embedded").x_test[:20]
    for k in (1, 100):
        bits = nats_to_bits_per_dim(vae_nll(blank_vae(), images, k=k))
        assert torch.allclose(bits, torch.full_like(bits, 8.0), atol=1e-4)


def test_more_importance_samples_give_a_tighter_bound_for_a_trained_vae():
    data = gm.load_mnist("embedded").subset(1000, 100)
    vae = gm.VAE(latent_dim=4, hidden=(64,))
    gm.fit(vae, data, steps=150, device="cpu", progress=False, seed=0)
    elbo, iwae = vae_nll(vae, data.x_test, k=1).mean(), vae_nll(vae, data.x_test, k=100).mean()
    assert iwae < elbo - 1.0  # nats: the importance-weighted bound is tighter
    assert nats_to_bits_per_dim(iwae) < 8.0  # and better than the uniform density
    with pytest.raises(ValueError, match="k counts"):
        vae_nll(vae, data.x_test, k=0)


def test_naive_bayes_gets_a_finite_likelihood_better_for_its_own_digits_than_for_noise():
    data = gm.load_mnist("embedded")
    nb = gm.GaussianNB().fit(gm.classifiers.pixels(data.x_train), data.y_train)
    digits = naive_bayes_nll(nb, data.x_test[:100])
    noise = naive_bayes_nll(nb, torch.randint(0, 256, (100, 28, 28), dtype=torch.uint8))
    assert np.isfinite(digits).all() and digits.mean() < noise.mean()


def test_each_model_gives_its_likelihood_as_nll_and_says_which_kind():
    data = gm.load_mnist("embedded").subset(200, 20)
    nb = gm.GaussianNB().fit(gm.classifiers.pixels(data.x_train), data.y_train)
    vae, flow = blank_vae(), gm.RealNVP(hidden=4, blocks=0, steps=1)
    assert (nb.likelihood, vae.likelihood, flow.likelihood, gm.GAN.likelihood) == ("exact", "bound", "exact", None)
    assert torch.equal(nb.nll(data.x_test), naive_bayes_nll(nb, data.x_test))
    assert torch.equal(vae.nll(data.x_test, k=3), vae_nll(vae, data.x_test, k=3))
    torch.manual_seed(0)
    before = torch.get_rng_state()
    nats = flow.nll(data.x_test)
    assert torch.equal(torch.get_rng_state(), before)  # its dequantisation noise has a seed of its own
    assert torch.equal(nats, flow.nll(data.x_test)) and nats.shape == (20,)
    assert not gm.GAN(latent_dim=2, hidden=[8], d_hidden=[8]).implements("nll")
    with pytest.raises(NotImplementedError, match="no likelihood"):
        gm.GAN(latent_dim=2, hidden=[8], d_hidden=[8]).nll(data.x_test)
