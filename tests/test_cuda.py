"""The CUDA paths: training, sampling, inversion and checkpoints on a GPU. Skipped on a machine without one
(CI has none); run them where a GPU is lent: ``python -m pytest tests/test_cuda.py``."""

import pytest
import torch

import gmtutor as gm

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.fixture(scope="module")
def data():
    return gm.load_mnist("embedded").subset(1000)


@pytest.mark.parametrize("objective", ["noise", "velocity"])
def test_a_denoiser_trains_samples_and_inverts_on_the_gpu(objective, data, tmp_path):
    torch.manual_seed(0)
    model = gm.DiffusionModel(objective, channels=8, condition=32)
    history = gm.fit(model, data, steps=60, batch_size=64, lr=2e-3, log_every=10, progress=False, device="cuda", seed=0)
    assert next(model.parameters()).is_cuda
    assert history["loss"][-1] < 0.6 * history["loss"][0]
    labels = torch.arange(4)
    drawn = model.sample(4, y=labels, steps=5, weight=2.0, generator=torch.Generator().manual_seed(0))
    assert drawn.is_cuda and drawn.shape == (4, 1, 28, 28)
    moved = model.relabel(gm.as_images(data.x_test[:4]), data.y_test[:4], labels, steps=4)
    assert moved.device.type == "cpu" and 0 <= moved.min() and moved.max() <= 1
    gm.save(model, tmp_path / "gpu.pt")
    on_cpu = gm.load(tmp_path / "gpu.pt").to("cpu").eval()  # a GPU checkpoint loads on a CPU
    again = on_cpu.sample(4, y=labels, steps=5, weight=2.0, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(again, drawn.cpu(), atol=2e-3, rtol=0)  # same model, same noise, other device


def test_mixed_precision_training_runs_on_the_gpu(data):
    model = gm.VAE(latent_dim=2, hidden=[64])
    settings = {"steps": 40, "batch_size": 100, "log_every": 20, "progress": False}
    history = gm.fit(model, data, device="cuda", precision="bf16", **settings, seed=0)
    assert history["loss"][-1] < history["loss"][0]


def test_a_gan_and_a_flow_train_on_the_gpu(data):
    for model in (gm.GAN(latent_dim=16), gm.RealNVP(hidden=8, blocks=1, steps=1, full_resolution=1)):
        history = gm.fit(model, data, steps=10, batch_size=64, log_every=5, progress=False, device="cuda", seed=0)
        first_part = next(key for key in history.records[0] if key not in ("step", "epoch"))
        assert all(torch.isfinite(torch.tensor(history[first_part])))
        assert next(model.parameters()).is_cuda
        samples = model.sample(3)
        assert samples.shape == (3, 1, 28, 28)
