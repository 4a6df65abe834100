"""Device choice, seeding and quick mode."""

import sys

import pytest
import torch

import gmtutor as gm


def short_run(seed: int) -> torch.Tensor:
    gm.seed_everything(seed)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(5):
        x = torch.randn(32, 8)
        loss = (model(x) - x.sum(1, keepdim=True)).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_seed_everything_repeats_a_run_exactly():
    assert torch.equal(short_run(3), short_run(3))
    assert not torch.equal(short_run(3), short_run(4))


def test_quick_reads_the_environment(monkeypatch):
    monkeypatch.setenv("GMTUTOR_QUICK", "1")
    assert gm.quick()
    monkeypatch.setenv("GMTUTOR_QUICK", "0")
    assert not gm.quick()
    monkeypatch.delenv("GMTUTOR_QUICK")
    assert not gm.quick()


def test_device_override(monkeypatch):
    monkeypatch.setenv("GMTUTOR_DEVICE", "cpu")
    assert gm.device() == torch.device("cpu")
    monkeypatch.setenv("GMTUTOR_DEVICE", "warp-drive")
    with pytest.raises(gm.core.errors.DeviceUnavailable, match="warp-drive"):
        gm.device()
    for name in ("meta", "xpu"):  # devices torch knows, on which the course cannot train
        monkeypatch.setenv("GMTUTOR_DEVICE", name)
        with pytest.raises(gm.core.errors.DeviceUnavailable, match=f"does not train on '{name}'"):
            gm.device()


def test_absurd_counts_are_refused_with_their_bounds():
    with pytest.raises(ValueError, match="steps must be a whole number from 1 to 10,000,000, got 1000000000000000"):
        gm.fit(gm.VAE(latent_dim=2, hidden=[8]), torch.rand(8, 784), steps=10**15, progress=False)
    with pytest.raises(ValueError, match="n must be a whole number"):
        gm.VAE(latent_dim=2, hidden=[8]).sample(10**9)
    with pytest.raises(ValueError, match="recipe 'x': steps must be"):
        gm.recipes.Recipe("x", gm.VAE, {}, steps=10**12)
    with pytest.raises(gm.core.errors.DeviceUnavailable, match="meta"):
        gm.fit(gm.VAE(latent_dim=2, hidden=[8]), torch.rand(8, 784), steps=1, device="meta", progress=False)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_asking_for_absent_cuda_is_explained(monkeypatch):
    monkeypatch.setenv("GMTUTOR_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match="no CUDA GPU"):
        gm.device()


def test_default_device_is_available(monkeypatch):
    monkeypatch.delenv("GMTUTOR_DEVICE", raising=False)
    torch.zeros(1, device=gm.device())


def test_cache_dir_override(monkeypatch, tmp_path):
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(tmp_path))
    assert gm.cache_dir() == tmp_path


def test_freed_memory_is_kept_when_asked(monkeypatch):
    import platform

    from gmtutor.core.allocator import keep_freed_memory, keep_freed_memory_if_asked

    monkeypatch.setenv("GMTUTOR_KEEP_FREED_MEMORY", "0")
    assert keep_freed_memory_if_asked() is False
    expected = sys.platform == "linux" and platform.libc_ver()[0] == "glibc"
    monkeypatch.setenv("GMTUTOR_KEEP_FREED_MEMORY", "1")
    assert keep_freed_memory_if_asked() is expected
    assert keep_freed_memory() is expected
