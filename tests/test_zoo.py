"""The trained-model cache: load what was trained, retrain what changed or broke."""

import pytest
import torch

import gmtutor as gm
from gmtutor import zoo


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GMTUTOR_QUICK", "1")
    monkeypatch.setitem(gm.RECIPES, "tiny", gm.recipes.Recipe("tiny", "VAE", {"latent_dim": 2, "hidden": [16]}, 1))
    return tmp_path / "checkpoints"


@pytest.fixture(scope="module")
def data():
    return gm.load_mnist("embedded").subset(300, 100)


def weights(model):
    return [p.detach().cpu().clone() for p in model.parameters()]


def count_fits(monkeypatch):
    calls = []
    real = gm.recipes.fit

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(gm.recipes, "fit", counting)
    return calls


def test_second_get_trains_nothing_and_returns_identical_weights(cache, data, monkeypatch):
    calls = count_fits(monkeypatch)
    first = zoo.get("tiny", data, progress=False)
    second = zoo.get("tiny", data, progress=False)
    assert len(calls) == 1
    assert all(torch.equal(a, b) for a, b in zip(weights(first), weights(second), strict=True))
    assert len(list(cache.glob("*.pt"))) == 1
    assert second.history["loss"] == first.history["loss"]
    assert second.metadata["fingerprint"]["data"] == {"source": "embedded", "train_images": 300}


def test_a_changed_configuration_or_mode_retrains(cache, data, monkeypatch):
    calls = count_fits(monkeypatch)
    zoo.get("tiny", data, progress=False)
    zoo.get("tiny", data, progress=False, lr=5e-4)
    monkeypatch.setenv("GMTUTOR_QUICK", "0")
    zoo.get("tiny", data, progress=False)
    assert len(calls) == 3 and len(list(cache.glob("*.pt"))) == 3


def test_a_truncated_checkpoint_is_retrained_with_a_warning(cache, data, monkeypatch):
    zoo.get("tiny", data, progress=False)
    (path,) = cache.glob("*.pt")
    path.write_bytes(path.read_bytes()[:500])
    calls = count_fits(monkeypatch)
    with pytest.warns(zoo.StaleCheckpointWarning, match="not a readable checkpoint"):
        model = zoo.get("tiny", data, progress=False)
    assert len(calls) == 1 and isinstance(model, gm.VAE)
    assert gm.load(path).config == model.config  # the bad file was replaced by a good one


def test_retrain_forces_training(cache, data, monkeypatch):
    calls = count_fits(monkeypatch)
    zoo.get("tiny", data, progress=False)
    zoo.get("tiny", data, progress=False, retrain=True)
    assert len(calls) == 2


def test_list_and_clear(cache, data):
    zoo.get("tiny", data, progress=False)
    (entry,) = zoo.cached()
    assert entry["recipe"] == "tiny" and entry["mode"] == "quick" and "loss" in entry["final"]
    assert zoo.clear() == 1 and zoo.cached() == []


def test_unknown_name_lists_the_known_ones(cache, data):
    with pytest.raises(KeyError, match="vae-20d"):
        zoo.get("nonsense", data)


def test_snapshots_are_kept_with_the_model_and_restored_without_training(cache, data, monkeypatch):
    from gmtutor.models.gan import SampleSnapshots

    calls = count_fits(monkeypatch)
    codes = torch.randn(3, 2, generator=torch.Generator().manual_seed(0))
    first = SampleSnapshots(codes, [1, 2])
    zoo.get("tiny", data, progress=False, quick_steps=2, snapshots=first)  # quick mode: a record every step
    assert sorted(first.snapshots) == [1, 2] and len(calls) == 1
    again = SampleSnapshots(codes, [1, 2])
    zoo.get("tiny", data, progress=False, quick_steps=2, snapshots=again)
    assert len(calls) == 1  # loaded, not trained
    assert all(torch.equal(again.snapshots[e], first.snapshots[e]) for e in (1, 2))
    assert not torch.equal(again.snapshots[1], again.snapshots[2])  # the model changed between steps
    other_codes = SampleSnapshots(codes + 1.0, [2])
    zoo.get("tiny", data, progress=False, quick_steps=2, snapshots=other_codes)
    assert len(calls) == 2 and sorted(other_codes.snapshots) == [2]  # other codes: trained again to get them
