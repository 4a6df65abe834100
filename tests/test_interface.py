"""One interface for every model: each course model passes the same test of encode, decode, sample and the rest."""

import pytest
import torch

import gmtutor as gm

IMAGES = torch.rand(4, 1, 28, 28)
POINTS = torch.randn(4, 2)

SMALL_MODELS = {
    "VAE": (lambda: gm.VAE(latent_dim=2, hidden=[16]), IMAGES),
    "ConvVAE": (lambda: gm.ConvVAE(latent_dim=2, channels=2, hidden=8), IMAGES),
    "GAN": (lambda: gm.GAN(latent_dim=4, hidden=[8], d_hidden=[8]), IMAGES),
    "BiGAN": (lambda: gm.BiGAN(latent_dim=4, hidden=[8], e_hidden=[8], d_hidden=[8]), IMAGES),
    "RealNVP": (lambda: gm.RealNVP(hidden=4, blocks=0, steps=1), IMAGES),
    "PointFlow": (lambda: gm.PointFlow(dim=2, couplings=2, hidden=8), POINTS),
    "WGANGP": (lambda: gm.WGANGP(latent_dim=4, hidden=[8], critic_hidden=[8]), IMAGES),
    "InfoGAN": (lambda: gm.InfoGAN(noise_dim=2, categories=3, continuous=1, hidden=[8], d_hidden=[8]), IMAGES),
}


@pytest.fixture(params=list(SMALL_MODELS), ids=list(SMALL_MODELS))
def case(request):
    build, inputs = SMALL_MODELS[request.param]
    torch.manual_seed(0)
    return build().eval(), inputs


def test_every_course_model_is_a_registered_trainable():
    course = {
        name for name, cls in vars(gm.models).items() if isinstance(cls, type) and issubclass(cls, gm.LatentModel)
    }
    assert set(SMALL_MODELS) <= course and course - {"LatentModel"} <= set(SMALL_MODELS) | {"VariationalAutoencoder"}
    trainable = {gm.DiffusionModel, gm.VectorDenoiser, gm.CycleGAN, gm.models.DigitCNN} | {
        getattr(gm, name) for name in SMALL_MODELS
    }
    assert all(issubclass(cls, gm.Trainable) for cls in trainable)
    registered = gm.checkpoint.model_classes()
    assert all(registered[gm.checkpoint.class_key(cls)] is cls for cls in trainable)
    assert gm.checkpoint.class_key(gm.VAE) == "gmtutor.models.vae.VAE"


def test_config_comes_from_the_constructor_and_rebuilds_the_model(case):
    model, _ = case
    twin = type(model)(**model.config)
    assert twin.config == model.config
    assert {k: v.shape for k, v in twin.state_dict().items()} == {k: v.shape for k, v in model.state_dict().items()}
    assert isinstance(model.latent_dim, int) and model.latent_dim >= 1


def test_sample_takes_its_options_by_keyword_only(case):
    model, inputs = case
    draws = model.sample(3, generator=torch.Generator().manual_seed(1))
    again = model.sample(3, generator=torch.Generator().manual_seed(1))
    assert draws.shape == (3, *inputs.shape[1:]) and torch.equal(draws, again)
    with pytest.raises(TypeError):
        model.sample(3, torch.Generator().manual_seed(1))  # a generator by position would become something else
    if hasattr(model, "categories"):  # InfoGAN: a categorical code has no mean; temperature 0 zeroes the rest
        noise, _, continuous = model.split(model.prior(3, temperature=0.0))
        assert not noise.any() and not continuous.any()
    else:
        frozen = model.sample(3, temperature=0.0)
        assert torch.allclose(frozen, frozen[:1].expand_as(frozen))  # temperature 0: every code is the prior's mean
    with pytest.raises(ValueError, match="temperature"):
        model.sample(3, temperature=-1.0)


def test_encode_decode_and_reconstruct_agree_or_say_there_is_no_encoder(case):
    model, inputs = case
    with torch.no_grad():
        assert model.decode(model.prior(4)).shape == (4, *inputs.shape[1:])
        if not model.implements("encode"):
            with pytest.raises(NotImplementedError, match="no encoder"):
                model.encode(inputs)
            return
        codes = model.encode(inputs)
        assert codes.shape == (len(inputs), model.latent_dim)
        assert torch.allclose(model.reconstruct(inputs), model.decode(codes))


def test_loss_gives_the_training_losses(case):
    model, inputs = case
    model.train()
    losses = model.loss(inputs)
    assert "loss" in losses and losses["loss"].dim() == 0 and torch.isfinite(losses["loss"])
    losses["loss"].backward()  # a loss to learn from: gradients reach the weights
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def test_save_and_load_give_back_the_same_model(case, tmp_path):
    model, inputs = case
    loaded = gm.load(gm.save(model, tmp_path / "model.pt"))
    assert type(loaded) is type(model) and loaded.config == model.config
    generator = torch.Generator().manual_seed(2)
    expected = model.sample(2, generator=torch.Generator().manual_seed(2))
    assert torch.equal(loaded.sample(2, generator=generator), expected)


def test_a_researchers_own_model_registers_saves_and_loads(tmp_path):
    class TinyAutoencoder(gm.LatentModel):
        def __init__(self, latent_dim: int = 3):
            super().__init__()
            self.latent_dim = latent_dim
            self.down = torch.nn.Linear(784, latent_dim)
            self.up = torch.nn.Linear(latent_dim, 784)

        def encode(self, x):
            return self.down(x.reshape(len(x), -1))

        def decode(self, z):
            return torch.sigmoid(self.up(z)).reshape(len(z), 1, 28, 28)

        def loss(self, x):
            return {"loss": (self.reconstruct(x) - x).pow(2).mean()}

    model = TinyAutoencoder(latent_dim=5)
    assert model.config == {"latent_dim": 5}
    history = gm.fit(
        model, torch.rand(64, 1, 28, 28), steps=20, batch_size=16, lr=1e-2, log_every=1, progress=False, seed=0
    )
    assert history["loss"][-1] < history["loss"][0]
    loaded = gm.load(gm.save(model, tmp_path / "mine.pt"))
    assert type(loaded) is TinyAutoencoder and torch.equal(loaded.encode(IMAGES), model.encode(IMAGES))

    class Plain(torch.nn.Module):
        pass

    with pytest.raises(TypeError, match="register"):
        gm.save(Plain(), tmp_path / "plain.pt")


def test_a_learners_vae_sits_beside_the_course_vae_instead_of_replacing_it(tmp_path):
    class VAE(gm.LatentModel):  # a learner's own VAE, defined in a notebook
        def __init__(self, latent_dim: int = 2):
            super().__init__()
            self.latent_dim = latent_dim
            self.net = torch.nn.Linear(784, latent_dim)

    mine = VAE()
    course = gm.recipe("vae-2d").build()
    assert type(course) is gm.VAE and type(course) is not VAE
    registered = gm.checkpoint.model_classes()
    assert registered["gmtutor.models.vae.VAE"] is gm.VAE
    assert registered[gm.checkpoint.class_key(VAE)] is VAE
    assert type(gm.load(gm.save(mine, tmp_path / "mine.pt"))) is VAE
    assert type(gm.load(gm.save(course, tmp_path / "course.pt"))) is gm.VAE


def test_every_sampling_model_takes_one_keyword_only_signature():
    import inspect

    from gmtutor.models.hmm import HiddenMarkovTagger

    samplers = [getattr(gm, name) for name in SMALL_MODELS] + [gm.DiffusionModel, gm.VectorDenoiser, gm.GaussianNB]
    samplers.append(HiddenMarkovTagger)
    for cls in samplers:
        parameters = inspect.signature(cls.sample).parameters
        assert list(parameters)[:2] == ["self", "n"], cls
        assert [parameters[k].kind for k in ("generator", "temperature")] == [inspect.Parameter.KEYWORD_ONLY] * 2, cls
        assert all(p.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD for p in list(parameters.values())[2:]), cls


def test_models_say_what_they_implement():
    assert gm.VAE(latent_dim=2, hidden=[8]).implements("encode")
    assert not gm.GAN(latent_dim=2, hidden=[8], d_hidden=[8]).implements("encode")
    denoiser = gm.DiffusionModel(channels=8)
    assert denoiser.implements("relabel") and not denoiser.implements("encode")
    assert not gm.models.DigitCNN().implements("sample")
    with pytest.raises(ValueError, match="optional methods"):
        gm.VAE(latent_dim=2, hidden=[8]).implements("fly")
