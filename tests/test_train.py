"""The shared training loop: one contract, `train_step`, for one-loss models and models with several optimisers."""

import pytest
import torch
from torch import nn

import gmtutor as gm
from gmtutor.core.train import History, batches


class MeanModel(gm.Trainable):
    """Learns the mean image: loss = squared distance to a learnable image."""

    def __init__(self):
        super().__init__()
        self.image = nn.Parameter(torch.zeros(1, 1, 28, 28))

    def loss(self, x):
        mse = (x - self.image).pow(2).sum((1, 2, 3)).mean()
        return {"loss": mse, "ink": self.image.detach().mean()}


class TwoOptimizerModel(gm.Trainable):
    """Two parameters, each with its own optimiser, stepped by the model itself."""

    def __init__(self):
        super().__init__()
        self.a = nn.Parameter(torch.zeros(()))
        self.b = nn.Parameter(torch.zeros(()))
        self.calls = 0

    def configure_optimizers(self, lr):
        return [torch.optim.SGD([self.a], lr=lr), torch.optim.SGD([self.b], lr=lr)]

    def train_step(self, batch, optimizers, step):
        self.calls += 1
        opt_a, opt_b = optimizers
        target = batch.x.mean()
        with step.autocast():
            loss_a = (self.a - target) ** 2
        step(loss_a, opt_a)
        with step.autocast():
            loss_b = (self.b + target) ** 2
        step(loss_b, opt_b)
        return {"loss_a": loss_a.detach(), "loss_b": loss_b.detach()}


def test_fit_trains_a_loss_model_and_reports_test_numbers():
    data = gm.load_mnist("embedded")
    model = MeanModel()
    history = gm.fit(model, data, epochs=3, batch_size=256, lr=0.05, progress=False, device="cpu", seed=0)
    assert len(history) == 3
    images = gm.as_images(data.x_train)
    floor = (images - images.mean(0)).pow(2).sum((1, 2, 3)).mean().item()  # the best any single image can do
    assert history["loss"][0] > floor + 5 and history["loss"][-1] < 1.02 * floor
    assert set(history.keys()) >= {"epoch", "loss", "ink", "seconds", "test_loss", "test_ink"}
    assert (model.image.detach() - images.mean(0)).abs().mean() < 0.05


def test_fit_serves_a_train_step_model():
    x = torch.full((100, 28, 28), 51, dtype=torch.uint8)  # every pixel 0.2
    model = TwoOptimizerModel()
    history = gm.fit(model, x, epochs=20, batch_size=10, lr=0.1, progress=False, device="cpu", seed=0)
    assert model.calls == 200
    assert model.a.item() == pytest.approx(0.2, abs=1e-3) and model.b.item() == pytest.approx(-0.2, abs=1e-3)
    assert history["loss_a"][-1] < history["loss_a"][0] / 100
    with pytest.raises(KeyError, match="loss_a"):
        history["test_loss"]


def test_fit_repeats_exactly_with_the_same_seed():
    x = gm.load_mnist("embedded").x_train[:300]
    runs = []
    for _ in range(2):
        gm.seed_everything(0)
        model = gm.VAE(latent_dim=2, hidden=(32,))
        runs.append(gm.fit(model, x, epochs=2, batch_size=50, seed=7, progress=False, device="cpu")["loss"])
    assert runs[0] == runs[1]


def test_batches_cover_every_item_once_and_skip_tiny_tails():
    seen = torch.cat(list(batches(6, 4, torch.device("cpu"))))
    assert sorted(seen.tolist()) == list(range(6))  # fewer than two full batches: keep the tail
    sizes = [len(b) for b in batches(130, 64, torch.device("cpu"))]
    assert sizes == [64, 64]


def test_divergence_is_reported():
    class Exploding(MeanModel):
        def loss(self, x):
            return {"loss": (self.image * float("inf")).sum()}

    with pytest.raises(FloatingPointError, match="smaller learning rate"):
        gm.fit(Exploding(), torch.zeros(8, 28, 28, dtype=torch.uint8), epochs=1, progress=False, device="cpu", seed=0)


def test_bad_arguments_are_named():
    blank = torch.zeros(8, 28, 28, dtype=torch.uint8)
    with pytest.raises(ValueError, match="epochs=0"):
        gm.fit(MeanModel(), blank, epochs=0, progress=False)
    with pytest.raises(ValueError, match="steps=-3"):
        gm.fit(MeanModel(), blank, steps=-3, progress=False)
    with pytest.raises(ValueError, match="not both"):
        gm.fit(MeanModel(), blank, steps=5, epochs=1, progress=False)
    with pytest.raises(ValueError, match="no training images"):
        gm.fit(MeanModel(), blank[:0], steps=5, progress=False)


def test_a_step_budget_logs_records_and_counts_passes():
    x = gm.load_mnist("embedded").x_train[:1000]  # 7 batches of 128 per pass (the tail of 104 is dropped)
    history = gm.fit(MeanModel(), x, steps=20, log_every=7, lr=0.05, progress=False, device="cpu", seed=0)
    assert history["step"] == [7, 14, 20]  # every 7 steps, and the last, shorter record at the end
    assert history["epoch"] == pytest.approx([1.0, 2.0, 20 / 7])
    assert history["loss"][-1] < history["loss"][0]
    assert len(history) == 3 and "3 records over 20 steps" in repr(history)


def test_a_step_budget_costs_the_same_steps_on_more_data():
    counts = []

    class Counting(MeanModel):
        def loss(self, x):
            counts.append(len(x))
            return super().loss(x)

    data = gm.load_mnist("embedded")
    for n in (1000, 4000):
        counts.clear()
        gm.fit(Counting(), data.x_train[:n], steps=30, batch_size=64, progress=False, device="cpu", seed=0)
        assert counts == [64] * 30


def test_training_is_watched_on_at_most_1000_test_images():
    seen = []

    class Watching(MeanModel):
        def loss(self, x):
            if not self.training:
                seen.append(len(x))
            return super().loss(x)

    data = gm.load_mnist("embedded")
    many_tests = gm.MNIST(data.x_train[:500], data.y_train[:500], data.x_train, data.y_train, "embedded")
    gm.fit(Watching(), many_tests, steps=4, log_every=2, progress=False, device="cpu", seed=0)
    assert sum(seen) == 2 * 1000  # two records, each on 1,000 of the 4,000 test images
    seen.clear()
    gm.fit(Watching(), many_tests, steps=2, progress=False, device="cpu", test_images=None)
    assert sum(seen) == 4000


def test_history_lookup():
    history = History([{"step": 10, "epoch": 1, "loss": 2.0}, {"step": 20, "epoch": 2, "loss": 1.0}])
    assert history["loss"] == [2.0, 1.0] and history.last["loss"] == 1.0
    with pytest.raises(KeyError, match="it has \\['epoch', 'loss', 'step'\\]"):
        history["kl"]


def test_max_grad_norm_clips_every_step(monkeypatch):
    norms = []
    original_step = torch.optim.Adam.step

    def spy(self, *args, **kwargs):
        grads = [p.grad for group in self.param_groups for p in group["params"] if p.grad is not None]
        norms.append(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])).item())
        return original_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", spy)
    x = gm.load_mnist("embedded").x_train[:200]
    gm.fit(gm.VAE(latent_dim=2, hidden=[16]), x, epochs=1, batch_size=50, progress=False, device="cpu", seed=0)
    assert max(norms) > 5.0  # unclipped, the VAE's gradients are large
    norms.clear()
    gm.fit(
        gm.VAE(latent_dim=2, hidden=[16]),
        x,
        epochs=1,
        batch_size=50,
        max_grad_norm=1.0,
        progress=False,
        device="cpu",
        seed=0,
    )
    assert max(norms) <= 1.0 + 1e-4
    with pytest.raises(ValueError, match="linear"):
        gm.fit(gm.VAE(latent_dim=2), x, epochs=1, lr_schedule="linear", progress=False, device="cpu")


def test_cosine_schedule_lowers_the_learning_rate_to_zero(monkeypatch):
    rates = []
    original_step = torch.optim.Adam.step

    def spy(self, *args, **kwargs):
        rates.append(self.param_groups[0]["lr"])
        return original_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", spy)
    x = gm.load_mnist("embedded").x_train[:200]
    gm.fit(
        gm.VAE(latent_dim=2, hidden=[16]),
        x,
        epochs=2,
        batch_size=50,
        lr=0.01,
        lr_schedule="cosine",
        progress=False,
        device="cpu",
        seed=0,
    )
    assert rates[0] == pytest.approx(0.01)
    assert rates[-1] < 0.001 and all(a >= b for a, b in zip(rates, rates[1:], strict=False))


def test_how_often_training_is_watched_never_changes_the_model():
    data = gm.load_mnist("embedded").subset(600, 200)
    trained = []
    for log_every in (2, 5):
        gm.seed_everything(0)  # the same starting weights
        model = gm.VAE(latent_dim=2, hidden=(16,))
        gm.fit(model, data, steps=10, log_every=log_every, batch_size=64, progress=False, device="cpu")
        trained.append([p.detach().clone() for p in model.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*trained, strict=True))


# --- the loop owns the mechanics: clipping for train_step models, labels, forward, precision ---


def test_max_grad_norm_clips_train_step_models_too():
    model = TwoOptimizerModel()
    seen = []
    real_clip = torch.nn.utils.clip_grad_norm_

    def spy(parameters, max_norm, *args, **kwargs):
        parameters = list(parameters)
        seen.append((len(parameters), max_norm))
        return real_clip(parameters, max_norm, *args, **kwargs)

    torch.nn.utils.clip_grad_norm_ = spy
    try:
        gm.fit(
            model, torch.ones(8, 1, 28, 28), steps=3, batch_size=4, lr=0.1, max_grad_norm=0.5, progress=False, seed=0
        )
    finally:
        torch.nn.utils.clip_grad_norm_ = real_clip
    assert seen == [(1, 0.5)] * 6  # each optimiser's own parameter, at every step
    assert abs(model.a.item()) <= 3 * 0.1 * 0.5 + 1e-6  # no step moved it further than lr * max_norm


class LabelledModel(gm.LatentModel):
    """A conditional model in miniature: one learnable mean image per digit, fitted to that digit's images."""

    takes_labels = "yes"

    def __init__(self):
        super().__init__()
        self.latent_dim = 1
        self.means = nn.Parameter(torch.zeros(10, 784))

    def loss(self, x, y):
        error = (x.reshape(len(x), -1) - self.means[y]).pow(2).sum(1).mean()
        return {"loss": error}


def test_labels_reach_a_model_that_wants_them():
    data = gm.load_mnist("embedded").subset(400, 100)
    model = LabelledModel()
    history = gm.fit(model, data, steps=60, batch_size=50, lr=0.05, log_every=1, progress=False, seed=0)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    learned = model.means.detach().reshape(10, 28, 28)
    ones, zeros = learned[1], learned[0]
    assert ones[:, 13:15].mean() > ones[:, :5].mean() + 0.1  # the 1s' mean is a vertical stroke
    assert zeros[10:18, 10:18].mean() < zeros[5:23, 5:23].mean()  # the 0s' mean has a hole
    with pytest.raises(ValueError, match="labels"):
        gm.fit(LabelledModel(), data.x_train, steps=2, progress=False)


def test_fit_attaches_the_history_and_refuses_a_module_that_is_not_trainable():
    model = gm.VAE(latent_dim=2, hidden=[16])
    history = gm.fit(model, gm.load_mnist("embedded").subset(200, 50), steps=5, progress=False, test_images=None)
    assert model.history is history and history["step"][-1] == 5
    with pytest.raises(TypeError, match="gm.Trainable"):
        gm.fit(nn.Linear(784, 1), torch.rand(8, 784), steps=1, progress=False)


def test_fit_seeds_only_when_asked():
    x = gm.load_mnist("embedded").x_train[:200]

    def trained_after(caller_seed, **seed):
        torch.manual_seed(caller_seed)  # the caller's own random numbers before fit
        model = MeanModel()
        gm.fit(model, x, steps=3, batch_size=50, lr=0.1, progress=False, **seed)
        return model.image.detach().clone()

    assert not torch.equal(trained_after(1), trained_after(2))  # unseeded: fit draws from the caller's stream
    assert torch.equal(trained_after(1, seed=5), trained_after(2, seed=5))  # seeded: the same run whatever came before


def test_images_and_vectors_are_told_apart_by_shape():
    seen = []

    class Recording(MeanModel):
        def loss(self, x):
            seen.append(tuple(x.shape))
            return {"loss": x.float().pow(2).mean() * self.image.sum() * 0}

    gm.fit(Recording(), torch.zeros(8, 28, 28, dtype=torch.uint8), steps=1, batch_size=4, progress=False, seed=0)
    gm.fit(Recording(), torch.zeros(8, 784), steps=1, batch_size=4, progress=False, seed=0)
    assert seen == [(4, 1, 28, 28), (4, 784)]


def test_a_784_dimensional_vector_denoiser_trains():
    digits = gm.as_images(gm.load_mnist("embedded").x_train[:2048]).reshape(2048, 784) * 2 - 1  # vectors, not images
    model = gm.VectorDenoiser(dim=784, objective="velocity", hidden=128)
    history = gm.fit(model, digits, steps=150, batch_size=64, lr=2e-3, log_every=30, progress=False, seed=0)
    assert history["loss"][-1] < 0.92 * history["loss"][0]


def test_mixed_precision_is_refused_without_a_cuda_gpu():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ValueError, match="needs a CUDA GPU"):
        gm.fit(gm.VAE(latent_dim=2, hidden=[16]), torch.rand(8, 1, 28, 28), steps=1, precision="bf16", progress=False)
    with pytest.raises(ValueError, match="unknown precision"):
        gm.fit(gm.VAE(latent_dim=2, hidden=[16]), torch.rand(8, 1, 28, 28), steps=1, precision="fp8", progress=False)


def test_frozen_parameters_get_no_gradient_and_are_restored_even_after_an_error():
    from gmtutor.core.train import frozen

    judge, maker = torch.nn.Linear(2, 1), torch.nn.Linear(2, 2)
    with frozen(list(judge.parameters())):
        judge(maker(torch.ones(3, 2))).sum().backward()
    assert judge.weight.grad is None and maker.weight.grad is not None  # through the judge, not for it
    assert all(p.requires_grad for p in judge.parameters())
    with pytest.raises(RuntimeError), frozen(list(judge.parameters())):
        raise RuntimeError("a failed step")
    assert all(p.requires_grad for p in judge.parameters())
    judge.bias.requires_grad_(False)  # frozen before: stays frozen after
    with frozen(list(judge.parameters())):
        pass
    assert judge.weight.requires_grad and not judge.bias.requires_grad
