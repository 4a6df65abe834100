"""Diffusion and flow matching without a network: the forward process, exact denoisers, and guidance."""

import pytest
import torch

from gmtutor.models.diffusion import (
    NoiseSchedule,
    ddim_invert,
    ddim_sample,
    ddim_step,
    euler_sample,
    flow_matching_pair,
    guided,
)


def test_the_forward_chain_has_the_closed_form_marginals():
    schedule = NoiseSchedule.linear(100, 1e-3, 0.2)
    generator = torch.Generator().manual_seed(0)
    x0 = torch.tensor([1.5, -0.5]).expand(100_000, 2)
    x = x0.clone()
    for t in range(len(schedule)):
        x = schedule.step_forward(x, t, torch.randn(x.shape, generator=generator))
        if t in (0, 9, 49, 99):
            abar = float(schedule.alpha_bars[t])
            torch.testing.assert_close(x.mean(0), abar**0.5 * x0[0], atol=0.01, rtol=0)
            torch.testing.assert_close(x.var(0), torch.full((2,), 1 - abar), atol=0.01, rtol=0)
            jumped = schedule.noise(x0, torch.full((len(x0),), t), torch.randn(x0.shape, generator=generator))
            torch.testing.assert_close(jumped.mean(0), x.mean(0), atol=0.015, rtol=0)  # one jump, same law
            torch.testing.assert_close(jumped.var(0), x.var(0), atol=0.015, rtol=0)
    assert float(schedule.alpha_bars[-1]) < 1e-3  # by the last step almost nothing of x_0 is left


def test_bad_schedules_and_step_counts_are_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        NoiseSchedule(torch.tensor([0.1, 1.0]))
    with pytest.raises(ValueError, match="steps"):
        ddim_sample(lambda x, t, y: x, NoiseSchedule.linear(10), torch.zeros(1, 2), steps=11)
    with pytest.raises(ValueError, match="steps"):
        euler_sample(lambda x, t, y: x, torch.zeros(1, 2), steps=0)


def two_point_denoiser(schedule, points):
    """The exact noise prediction for data that is one of ``points`` with equal probability."""

    def net(x, t, y):
        abar = schedule.alpha_bars[t.long()].to(x.dtype)[:, None]
        distances = ((x[:, None, :] - abar.sqrt()[:, None] * points[None]) ** 2).sum(-1)
        weights = torch.softmax(-distances / (2 * (1 - abar)), dim=1)  # p(x_0 = point | x_t)
        clean = weights @ points
        return (x - abar.sqrt() * clean) / (1 - abar).sqrt()

    return net


@pytest.mark.parametrize("name", ["linear", "cosine"])
def test_the_schedules_are_diffusers_schedules(name):
    diffusers = pytest.importorskip("diffusers")  # an independent implementation, a test dependency only
    theirs = diffusers.DDPMScheduler(1000, beta_schedule="linear" if name == "linear" else "squaredcos_cap_v2")
    ours = NoiseSchedule.named(name)
    torch.testing.assert_close(ours.betas.float(), theirs.betas, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(ours.alpha_bars.float(), theirs.alphas_cumprod, atol=1e-6, rtol=1e-4)


def test_the_signal_to_noise_ratio_and_min_snr_weights_are_diffusers_and_the_papers():
    training_utils = pytest.importorskip("diffusers.training_utils")
    scheduler = pytest.importorskip("diffusers").DDPMScheduler(1000, beta_schedule="linear")
    t = torch.tensor([0, 10, 100, 300, 600, 999])
    ours = NoiseSchedule.linear(1000).signal_to_noise(t)
    torch.testing.assert_close(ours.float(), training_utils.compute_snr(scheduler, t), rtol=1e-3, atol=1e-7)
    weights = NoiseSchedule.linear(1000).min_snr_weights(t, gamma=5.0)
    clean_end, noisy_end = ours > 5, ours <= 5
    assert clean_end.any() and noisy_end.any()
    torch.testing.assert_close(weights[clean_end], (5 / ours[clean_end]).float())  # nearly clean images: capped
    assert (weights[noisy_end] == 1).all()  # noisy ones keep DDPM's weight


@pytest.mark.parametrize(("eta", "clip"), [(0.0, None), (0.0, 1.0), (1.0, None), (0.5, 1.0)])
def test_a_ddim_step_equals_the_diffusers_ddim_schedulers_step(eta, clip):
    diffusers = pytest.importorskip("diffusers")
    scheduler = diffusers.DDIMScheduler(1000, beta_schedule="linear", clip_sample=clip is not None)
    scheduler.set_timesteps(20)  # steps of 50: 950, 900, ..., 0
    schedule = NoiseSchedule.linear(1000)
    generator = torch.Generator().manual_seed(0)
    for t in scheduler.timesteps[:-1].tolist():
        x, e_hat, z = (torch.randn(4, 1, 8, 8, generator=generator) for _ in range(3))
        step = scheduler.step(
            e_hat, t, x, eta=eta, variance_noise=z, use_clipped_model_output=True
        )  # e from the clamped x0
        theirs = step.prev_sample
        ours = ddim_step(schedule, x, t, t - 50, e_hat, eta=eta, clip=clip, noise=z)
        torch.testing.assert_close(ours, theirs, atol=2e-5, rtol=1e-4)


def test_ddim_with_the_exact_denoiser_lands_on_the_data():
    schedule = NoiseSchedule.linear()
    points = torch.tensor([[2.0, 0.0], [-1.0, 1.0]], dtype=torch.float64)
    start = torch.randn(2000, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    out = ddim_sample(two_point_denoiser(schedule, points), schedule, start, steps=100)
    nearest = torch.cdist(out, points).min(1)
    assert nearest.values.max() < 0.05  # every sample ends on a data point
    share = (nearest.indices == 0).double().mean().item()
    assert 0.4 < share < 0.6  # and the two points are drawn about equally often


def test_ddpm_ancestral_sampling_with_the_exact_denoiser_lands_on_the_data():
    schedule = NoiseSchedule.linear()
    points = torch.tensor([[2.0, 0.0], [-1.0, 1.0]], dtype=torch.float64)
    start = torch.randn(1000, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    noise = torch.Generator().manual_seed(1)
    out = ddim_sample(two_point_denoiser(schedule, points), schedule, start, 1000, eta=1.0, generator=noise)
    nearest = torch.cdist(out, points).min(1)
    assert nearest.values.max() < 0.05
    assert 0.4 < (nearest.indices == 0).double().mean().item() < 0.6
    again = ddim_sample(two_point_denoiser(schedule, points), schedule, start, 1000, eta=1.0, generator=noise)
    assert (again - out).abs().max() > 0.1  # fresh noise at every step: a different path to the data
    with pytest.raises(ValueError, match="eta"):
        ddim_sample(two_point_denoiser(schedule, points), schedule, start, 10, eta=1.5)


def test_one_data_point_is_recovered_exactly_by_both_samplers():
    schedule = NoiseSchedule.linear()
    target = torch.randn(5, 1, 28, 28, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    start = torch.randn(5, 1, 28, 28, generator=torch.Generator().manual_seed(2), dtype=torch.float64)

    def noise_of(x, t, y):
        abar = schedule._column(schedule.alpha_bars, t, x)
        return (x - abar.sqrt() * target) / (1 - abar).sqrt()

    def velocity(x, t, y):
        return (target - x) / (1 - t.reshape(-1, 1, 1, 1))

    for steps in (1, 10):
        torch.testing.assert_close(ddim_sample(noise_of, schedule, start, steps), target)
        torch.testing.assert_close(euler_sample(velocity, start, steps), target)
    clipped = ddim_sample(noise_of, schedule, start, 10, clip=1.0)  # the data's range clamps every estimate
    torch.testing.assert_close(clipped, target.clamp(-1, 1))


def test_the_straight_path_goes_from_noise_to_data_at_constant_speed():
    x1, z = torch.randn(4, 3), torch.randn(4, 3)
    at_start, velocity = flow_matching_pair(x1, z, torch.zeros(4))
    at_end, _ = flow_matching_pair(x1, z, torch.ones(4))
    halfway, _ = flow_matching_pair(x1, z, torch.full((4,), 0.5))
    torch.testing.assert_close(at_start, z)
    torch.testing.assert_close(at_end, x1)
    torch.testing.assert_close(halfway, z + 0.5 * velocity)


def test_guidance_weight_zero_is_the_unconditional_model():
    def net(x, t, y):  # a "denoiser" that pulls towards its label, or towards 0 without one
        return x * 0 + (0.0 if y is None else y[:, None].to(x.dtype))

    x, t, y = torch.randn(3, 2), torch.zeros(3), torch.tensor([1, 2, 3])
    torch.testing.assert_close(guided(net, x, t, y, 0.0), net(x, t, None))
    torch.testing.assert_close(guided(net, x, t, y, 1.0), net(x, t, y))
    torch.testing.assert_close(guided(net, x, t, y, 3.0), 3.0 * net(x, t, y))  # u + 3 (c - u), u = 0
    start = torch.randn(3, 2, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(euler_sample(net, start, 4, y, weight=0.0), euler_sample(net, start, 4))
    assert not torch.allclose(euler_sample(net, start, 4, y, weight=2.0), euler_sample(net, start, 4))


# Gaussian data N(mean, spread^2 I) has exact denoisers in closed form, smooth at every time: the
# tests of inversion run each sampler backwards and forwards with them.
MEAN, SPREAD = 0.5, 0.3


def gaussian_noise_of(schedule):
    def net(x, t, y):  # E[e | x_t]: x_t = sqrt(abar) x_0 + sqrt(1 - abar) e has variance abar s^2 + 1 - abar
        abar = schedule._column(schedule.alpha_bars, t, x)
        variance = abar * SPREAD**2 + 1 - abar
        return (1 - abar).sqrt() / variance * (x - abar.sqrt() * MEAN)

    return net


def gaussian_velocity(x, t, y):  # E[x_1 - z | x_t] with x_t = (1 - t) z + t x_1
    t = t.reshape(-1, *([1] * (x.dim() - 1)))
    variance = (1 - t) ** 2 + t**2 * SPREAD**2
    return MEAN + (t * SPREAD**2 - (1 - t)) / variance * (x - t * MEAN)


def test_inversion_then_sampling_gives_the_image_back():
    schedule = NoiseSchedule.linear()
    images = MEAN + SPREAD * torch.randn(50, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    errors = {}
    for steps in (10, 100, 500):
        noise = ddim_invert(gaussian_noise_of(schedule), schedule, images, steps)
        back = ddim_sample(gaussian_noise_of(schedule), schedule, noise, steps + 1)
        latent = euler_sample(gaussian_velocity, images, steps, start_time=1.0, end_time=0.0)
        again = euler_sample(gaussian_velocity, latent, steps)
        errors[steps] = ((back - images).abs().max().item(), (again - images).abs().max().item())
        assert latent.std() > 0.8  # the ODE's far end is noise-like (std 1), not the data (std 0.3)
    assert max(errors[500]) < 0.03, errors  # the round trip returns each image
    for sampler in (0, 1):  # and the error of taking each step's estimate at its start shrinks with the step
        assert errors[100][sampler] < errors[10][sampler] / 3, errors
    halfway = ddim_invert(gaussian_noise_of(schedule), schedule, images, 250, end_step=500)
    back = ddim_sample(gaussian_noise_of(schedule), schedule, halfway, 251, start_step=500)
    assert (back - images).abs().max() < 0.03  # part of the way there and back
    with pytest.raises(ValueError, match="flow times"):
        euler_sample(gaussian_velocity, images, 5, start_time=1.5)
    with pytest.raises(ValueError, match="start_step"):
        ddim_sample(gaussian_noise_of(schedule), schedule, images, 5, start_step=1000)


# --- the network (gmtutor.models.denoiser) ---


def small(objective):
    from gmtutor.models.denoiser import DiffusionModel

    torch.manual_seed(0)
    return DiffusionModel(objective, channels=8, condition=32)


def test_bad_denoiser_settings_are_refused():
    from gmtutor.models.denoiser import DiffusionModel

    with pytest.raises(ValueError, match="objective"):
        DiffusionModel("score")
    with pytest.raises(ValueError, match="probability"):
        DiffusionModel(label_dropout=1.5)
    with pytest.raises(ValueError, match="multiple of 8"):
        DiffusionModel(channels=12)
    with pytest.raises(ValueError, match="weighting"):
        DiffusionModel(weighting="snr")
    with pytest.raises(ValueError, match="noise loss"):
        DiffusionModel("velocity", weighting="min-snr")


def test_min_snr_weighting_shrinks_only_the_nearly_clean_images_share_of_the_noise_loss():
    from gmtutor.models.denoiser import DiffusionModel

    x, y = torch.rand(64, 1, 28, 28), torch.arange(64) % 10
    losses = {}
    for weighting in ("uniform", "min-snr"):
        torch.manual_seed(0)
        model = DiffusionModel(channels=8, condition=32, label_dropout=0.0, weighting=weighting)
        torch.manual_seed(1)  # the same noise and times for both
        losses[weighting] = model.loss(x, y)["loss"].item()
    # 64 random steps of 1000 include some with SNR above 5 (the first ~15% of the linear schedule)
    assert losses["min-snr"] < 0.97 * losses["uniform"], losses


@pytest.mark.parametrize("objective", ["noise", "velocity"])
def test_a_short_run_lowers_the_loss_and_samples_are_images(objective, tmp_path):
    import gmtutor as gm

    data = gm.load_mnist("embedded").subset(1000)
    model = small(objective)
    gm.seed_everything(0)
    history = gm.fit(model, data, steps=60, batch_size=64, lr=2e-3, log_every=10, progress=False, device="cpu", seed=0)
    losses = history["loss"]
    assert losses[-1] < 0.6 * losses[0], losses
    model.eval()
    labels = torch.arange(4)
    drawn = model.sample(4, y=labels, steps=5, generator=torch.Generator().manual_seed(0))
    assert drawn.shape == (4, 1, 28, 28) and 0 <= drawn.min() and drawn.max() <= 1
    unguided = model.sample(4, y=labels, steps=5, weight=0.0, generator=torch.Generator().manual_seed(0))
    unconditional = model.sample(4, steps=5, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(unguided, unconditional)  # weight 0 is the unconditional model
    gm.save(model, tmp_path / "denoiser.pt")
    again = gm.load(tmp_path / "denoiser.pt").eval()
    torch.testing.assert_close(again.sample(4, y=labels, steps=5, generator=torch.Generator().manual_seed(0)), drawn)
    digits = gm.as_images(data.x_test[:6])
    moved = model.relabel(digits, data.y_test[:6], torch.full((6,), 3), steps=4, batch_size=4)
    assert moved.shape == (6, 1, 28, 28) and 0 <= moved.min() and moved.max() <= 1
    shallow = model.relabel(digits, data.y_test[:6], data.y_test[:6], depth=0.1, steps=10)
    deep = model.relabel(digits, data.y_test[:6], data.y_test[:6], depth=1.0, steps=10)
    # a tenth of the way to noise and back keeps most of each digit; all the way keeps less
    assert (shallow - digits).abs().mean() < (deep - digits).abs().mean()
    # uint8 pixels are read as such, not as grey levels of 0 to 255 (the seed experiment passes them)
    torch.testing.assert_close(
        model.invert(data.x_test[:6], data.y_test[:6], steps=4), model.invert(digits, data.y_test[:6], steps=4)
    )
    with pytest.raises(ValueError, match="depth"):
        model.invert(digits, data.y_test[:6], depth=0.0)
    with pytest.raises(ValueError, match="one entry per image"):
        model.relabel(digits, data.y_test[:5], data.y_test[:6])


def test_the_noise_space_is_a_code_space_that_decodes_back_to_the_digits():
    import gmtutor as gm
    from gmtutor.tools.noise_space import NoiseSpace

    data = gm.load_mnist("embedded").subset(300)
    model = small("velocity")
    gm.fit(model, data, steps=60, batch_size=64, lr=2e-3, progress=False, device="cpu", seed=0)
    space = NoiseSpace(model.eval(), steps=20)
    assert space.implements("encode")
    digits = gm.as_images(data.x_test[:8])
    codes = space.encode(data.x_test[:8])
    assert codes.shape == (8, 784)
    back = space.decode(codes)
    # the ODE run backwards and forwards returns each digit far closer than another digit lies
    assert (back - digits).abs().mean() < 0.5 * (digits - digits.roll(1, 0)).abs().mean()
    with pytest.raises(TypeError, match="DiffusionModel"):
        NoiseSpace(gm.GAN(latent_dim=8))


# --- vectors (VectorDenoiser): points to draw, or codes for latent diffusion ---


def two_clusters(n=1000, seed=0):
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 2, (n,), generator=generator)
    centres = torch.tensor([[-2.0, 0.0], [2.0, 0.0]])
    return centres[labels] + 0.3 * torch.randn(n, 2, generator=generator), labels


@pytest.mark.parametrize("objective", ["noise", "velocity"])
def test_a_vector_denoiser_learns_labelled_clusters_and_guidance_picks_one(objective):
    import gmtutor as gm

    points, labels = two_clusters()
    gm.seed_everything(0)
    model = gm.VectorDenoiser(dim=2, objective=objective, hidden=64, classes=2)
    untrained = model.sample(400, steps=20, generator=torch.Generator().manual_seed(1))
    history = gm.fit(
        model, (points, labels), steps=2000, batch_size=200, lr=3e-3, log_every=200, progress=False, seed=0
    )
    assert history["loss"][-1] < 0.8 * history["loss"][0], history["loss"]

    def near_a_cluster(x):
        return float((torch.cdist(x, torch.tensor([[-2.0, 0.0], [2.0, 0.0]])).min(1).values < 0.9).float().mean())

    drawn = model.sample(400, steps=20, generator=torch.Generator().manual_seed(1))
    assert near_a_cluster(drawn) > 0.8 > near_a_cluster(untrained) + 0.2
    asked = torch.arange(2).repeat(200)
    guided_points = model.sample(400, y=asked, steps=20, weight=2.0, generator=torch.Generator().manual_seed(2))
    landed = (guided_points[:, 0] > 0).long()
    assert (landed == asked).float().mean() > 0.9  # each label's points land in its own cluster
    unlabelled_share = (drawn[:, 0] > 0).float().mean()
    assert 0.3 < unlabelled_share < 0.7  # without a label, both clusters
    path = model.sample(5, steps=7, path=True, generator=torch.Generator().manual_seed(3))
    assert path.shape == (8, 5, 2)
    torch.testing.assert_close(path[-1], model.sample(5, steps=7, generator=torch.Generator().manual_seed(3)))
