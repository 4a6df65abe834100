"""Save and load: exact round trips, and clear errors for files that are not checkpoints."""

import pickle

import pytest
import torch

import gmtutor as gm
from gmtutor.core.checkpoint import CheckpointError


def trained_vae():
    gm.seed_everything(0)
    return gm.VAE(latent_dim=3, hidden=(16,), beta=2.0)


def test_round_trip_is_exact(tmp_path):
    vae = trained_vae()
    path = gm.save(vae, tmp_path / "vae.pt", metadata={"epochs": 3, "note": "test"})
    loaded = gm.load(path)
    assert isinstance(loaded, gm.VAE) and loaded.config == vae.config
    assert loaded.metadata == {"epochs": 3, "note": "test"}
    for (name, a), (_, b) in zip(vae.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
    x = torch.rand(4, 1, 28, 28)
    assert torch.equal(vae.eval().encode(x), loaded.encode(x))
    assert [p.name for p in tmp_path.iterdir()] == ["vae.pt"]  # no temporary file left behind


def test_truncated_file_is_rejected(tmp_path):
    path = gm.save(trained_vae(), tmp_path / "vae.pt")
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(CheckpointError, match="vae.pt.*not a readable checkpoint.*train the model again"):
        gm.load(path)


def test_garbage_is_rejected(tmp_path):
    path = tmp_path / "noise.pt"
    path.write_bytes(b"definitely not a checkpoint")
    with pytest.raises(CheckpointError, match="noise.pt"):
        gm.load(path)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_pickled_code_is_never_run(tmp_path):
    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('code from a checkpoint ran')",))

    path = tmp_path / "evil.pt"
    with open(path, "wb") as f:
        pickle.dump({"format": "x", "payload": Boom()}, f)
    with pytest.raises(CheckpointError, match="evil.pt") as caught:
        gm.load(path)
    assert "weights_only" not in str(caught.value)  # PyTorch's hint to load it unsafely is not passed on


def test_objects_saved_by_torch_are_refused_without_the_unsafe_hint(tmp_path):
    path = tmp_path / "objects.pt"
    torch.save({"format": "gmtutor-checkpoint-1", "model": torch.nn.Linear(2, 2)}, path)
    with pytest.raises(CheckpointError, match="objects.pt.*Python objects") as caught:
        gm.load(path)
    assert "weights_only" not in str(caught.value) and "False" not in str(caught.value)


def test_a_plain_state_dict_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save(trained_vae().state_dict(), path)
    with pytest.raises(CheckpointError, match="not a gmtutor checkpoint"):
        gm.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint"):
        gm.load(tmp_path / "absent.pt")


def test_only_registered_models_with_a_config_can_be_saved(tmp_path):
    with pytest.raises(TypeError, match="register it with gm.register_model"):
        gm.save(torch.nn.Linear(2, 2), tmp_path / "x.pt")

    @gm.register_model
    class Unconfigured(torch.nn.Module):
        pass

    with pytest.raises(TypeError, match="no `config` dict"):
        gm.save(Unconfigured(), tmp_path / "y.pt")
    assert not (tmp_path / "x.pt").exists() and not (tmp_path / "y.pt").exists()


def test_metadata_that_could_not_be_loaded_is_refused(tmp_path):
    with pytest.raises(TypeError, match="plain numbers"):
        gm.save(trained_vae(), tmp_path / "x.pt", metadata={"version": torch.__version__})
    assert list(tmp_path.iterdir()) == []
