"""WGAN-GP: the gradient penalty on a critic with a known gradient, the step's shape, and learning."""

import pytest
import torch

import gmtutor as gm
from gmtutor.models.wgan import gradient_penalty


def test_the_penalty_measures_how_far_the_gradient_norm_is_from_one():
    weights = torch.tensor([3.0, 0.0, 4.0, 0.0])  # a linear critic with gradient norm 5 everywhere

    def critic(x):
        return x @ weights

    real, fake = torch.randn(8, 4), torch.randn(8, 4)
    assert gradient_penalty(critic, real, fake).item() == pytest.approx((5 - 1) ** 2)
    assert gradient_penalty(lambda x: x @ (weights / 5), real, fake).item() == pytest.approx(0.0, abs=1e-10)


def test_the_penalty_reaches_the_critic_weights():
    critic = torch.nn.Linear(4, 1)
    gradient_penalty(lambda x: critic(x).squeeze(1), torch.randn(8, 4), torch.randn(8, 4)).backward()
    assert critic.weight.grad is not None and critic.weight.grad.abs().sum() > 0


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="critic_steps"):
        gm.WGANGP(critic_steps=0)
    with pytest.raises(ValueError, match="penalty"):
        gm.WGANGP(penalty=-1)
    with pytest.raises(NotImplementedError, match="no encoder"):
        gm.WGANGP().encode(torch.zeros(1, 1, 28, 28))


def test_a_short_run_learns_and_the_estimate_falls_from_its_peak():
    data = gm.load_mnist("embedded").subset(1000)
    gm.seed_everything(0)
    wgan = gm.WGANGP(hidden=(128, 256), critic_hidden=(256, 128))
    real = gm.as_images(data.x_test[:500]).reshape(500, -1)

    def distance_of_mean_images() -> float:
        with torch.no_grad():
            drawn = wgan.sample(500, generator=torch.Generator().manual_seed(0)).reshape(500, -1)
        return (drawn.mean(0) - real.mean(0)).norm().item()

    before = distance_of_mean_images()
    history = gm.fit(wgan, data, steps=120, batch_size=160, lr=1e-4, progress=False, log_every=20, device="cpu", seed=0)
    estimates = history["w_estimate"]
    assert distance_of_mean_images() < 0.5 * before
    assert estimates[-1] < 0.8 * max(estimates), estimates
    assert set(history.keys()) >= {"w_estimate", "penalty", "c_loss", "g_loss"}
    assert wgan.sample(3).shape == (3, 1, 28, 28)
