"""The models shipped with the package: packed in 16 bits, verified before loading, refused when damaged."""

import io
import json
import lzma
import re
from pathlib import Path

import pytest
import torch

import gmtutor as gm
from gmtutor import weights, zoo
from gmtutor.core import checkpoint
from gmtutor.tools.scoreboard import COURSE_MODELS
from gmtutor.weights import build

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.fixture
def shipping(tmp_path, monkeypatch):
    """A tiny recipe, a cache that trains it, and an empty folder standing in for the package's weights."""
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(tmp_path / "trained"))
    monkeypatch.setenv("GMTUTOR_QUICK", "1")
    monkeypatch.delenv("GMTUTOR_TRAIN", raising=False)
    recipe = gm.recipes.Recipe("tiny", gm.VAE, {"latent_dim": 2, "hidden": [64]}, 1, quick_steps=5)
    monkeypatch.setitem(gm.RECIPES, "tiny", recipe)
    monkeypatch.setattr(weights, "FOLDER", tmp_path / "shipped")
    (tmp_path / "shipped").mkdir()
    return tmp_path


@pytest.fixture(scope="module")
def data():
    return gm.load_mnist("embedded").subset(300, 100)


def ship_tiny(root, data, monkeypatch):
    """Train the tiny recipe into a cache, pack it as shipped, and point the cache at an empty folder."""
    trained = zoo.get("tiny", data, progress=False)
    build.build(root / "trained" / "checkpoints", root / "shipped", quick=True)
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(root / "elsewhere"))
    return trained


def no_training(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("trained a model that ships")

    monkeypatch.setattr(gm.recipes, "fit", refuse)


def test_half_precision_halves_the_large_weights_and_loads_into_float32():
    torch.manual_seed(0)
    model = gm.VAE(latent_dim=2, hidden=[256])
    full, half = checkpoint.encode(model), checkpoint.encode(model, half=True)
    assert len(half) < 0.6 * len(full)
    stored = torch.load(io.BytesIO(half), weights_only=True)["state_dict"]
    big = [k for k, v in stored.items() if v.numel() >= checkpoint.HALF_FROM]
    small = [k for k, v in stored.items() if v.is_floating_point() and v.numel() < checkpoint.HALF_FROM]
    assert big and all(stored[k].dtype == torch.float16 for k in big)
    assert small and all(stored[k].dtype == torch.float32 for k in small)
    loaded = checkpoint.load("half.pt", contents=half)
    assert all(p.dtype == torch.float32 for p in loaded.parameters())
    z = torch.randn(16, 2)
    with torch.no_grad():
        gap = (loaded.decode(z) - model.eval().decode(z)).abs().max().item()
    assert 0 < gap < 1e-2  # rounded, but not visibly


def test_a_slim_checkpoint_leaves_the_discriminator_out_and_generates_as_trained():
    torch.manual_seed(1)
    model = gm.GAN(latent_dim=8, hidden=[32], d_hidden=[32]).eval()
    slim = checkpoint.encode(model, slim=True)
    stored = torch.load(io.BytesIO(slim), weights_only=True)
    assert stored["left_out"] == ["discriminator"]
    assert not any(key.startswith("discriminator") for key in stored["state_dict"])
    assert len(slim) < len(checkpoint.encode(model))
    first, second = (checkpoint.load("gan.pt", contents=slim) for _ in range(2))
    z = torch.randn(4, 8)
    with torch.no_grad():
        assert torch.equal(first.decode(z), model.decode(z))
        x = model.decode(z)
        assert torch.equal(first.discriminate(x), second.discriminate(x))  # fresh, but the same on every load
    stored["left_out"] = ["generator"]  # a file may leave out only what the class says training alone uses
    forged = io.BytesIO()
    torch.save(stored, forged)
    with pytest.raises(checkpoint.CheckpointError, match="leaves out"):
        checkpoint.load("forged.pt", contents=forged.getvalue())


def test_a_shipped_model_loads_without_training_and_matches_the_trained_one(shipping, data, monkeypatch):
    trained = ship_tiny(shipping, data, monkeypatch)
    manifest = json.loads((shipping / "shipped" / "manifest.json").read_text())
    (name, entry), *others = manifest["models"].items()
    assert not others and name.startswith("tiny-embedded-quick-") and name.endswith(".pt.xz")
    assert entry["sha256"] == weights.sha256((shipping / "shipped" / name).read_bytes())
    assert entry["final"] == trained.metadata["final"] and entry["history"] == trained.metadata["history"]
    no_training(monkeypatch)
    shipped = zoo.get("tiny", data, progress=False)
    assert shipped.metadata["shipped"] == name
    assert shipped.history["loss"] == trained.history["loss"]
    z = torch.randn(8, 2)
    with torch.no_grad():
        assert (shipped.decode(z) - trained.decode(z)).abs().max() < 1e-2


def test_a_damaged_shipped_file_warns_and_trains(shipping, data, monkeypatch):
    ship_tiny(shipping, data, monkeypatch)
    path = next((shipping / "shipped").glob("*.pt.xz"))
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.warns(weights.ShippedWeightsWarning, match="damaged"):
        model = zoo.get("tiny", data, progress=False)
    assert "shipped" not in model.metadata
    assert len(list((shipping / "elsewhere" / "checkpoints").glob("tiny-*.pt"))) == 1


def test_a_shipped_file_holding_another_model_warns_and_trains(shipping, data, monkeypatch):
    ship_tiny(shipping, data, monkeypatch)
    manifest_path = shipping / "shipped" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    (name, entry), *_ = manifest["models"].items()
    other = gm.VAE(latent_dim=3, hidden=[64])  # a file that hashes right but holds another configuration
    forged = lzma.compress(checkpoint.encode(other, {"trained": {}}))
    (shipping / "shipped" / name).write_bytes(forged)
    entry["sha256"] = weights.sha256(forged)
    manifest_path.write_text(json.dumps(manifest))
    with pytest.warns(weights.ShippedWeightsWarning, match="trained otherwise"):
        model = zoo.get("tiny", data, progress=False)
    assert model.config["latent_dim"] == 2


def test_a_damaged_manifest_warns_and_trains(shipping, data, monkeypatch):
    ship_tiny(shipping, data, monkeypatch)
    (shipping / "shipped" / "manifest.json").write_text('{"models": [')
    with pytest.warns(weights.ShippedWeightsWarning, match="manifest.json cannot be read"):
        model = zoo.get("tiny", data, progress=False)
    assert "shipped" not in model.metadata


def test_gmtutor_train_trains_instead_of_loading_a_shipped_model(shipping, data, monkeypatch):
    ship_tiny(shipping, data, monkeypatch)
    monkeypatch.setenv("GMTUTOR_TRAIN", "1")
    assert "shipped" not in zoo.get("tiny", data, progress=False).metadata
    monkeypatch.setenv("GMTUTOR_TRAIN", "0")
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(shipping / "third"))
    assert "shipped" in zoo.get("tiny", data, progress=False).metadata


def test_get_prints_where_each_model_came_from_and_the_data_it_trained_on(shipping, data, monkeypatch, capsys):
    zoo.get("tiny", data)
    capsys.readouterr()
    zoo.get("tiny", data)
    from_cache = capsys.readouterr().out.strip().splitlines()[-1]
    assert from_cache.startswith("tiny: from the cache; trained on the embedded subset's 300 training images (5 steps")
    assert from_cache.endswith("quick mode)")
    build.build(shipping / "trained" / "checkpoints", shipping / "shipped", quick=True)
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(shipping / "elsewhere"))
    capsys.readouterr()
    zoo.get("tiny", data)
    assert capsys.readouterr().out.startswith("tiny: shipped with gmtutor; trained on the embedded subset's 300")
    monkeypatch.setenv("GMTUTOR_TRAIN", "1")
    zoo.get("tiny", data.subset(200))
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    assert printed.startswith("tiny: trained just now and saved in the cache; trained on the embedded subset's 200")
    zoo.get("tiny", data, progress=False)
    assert capsys.readouterr().out == ""


def test_describe_test_names_the_scored_images_and_their_spread():
    embedded = gm.load_mnist("embedded")
    assert embedded.describe_test() == "1,000 test images of the embedded subset, 100 per digit"
    assert embedded.per_class(test=7).describe_test() == "70 test images of the embedded subset, 7 per digit"
    assert embedded.digits(6, 0).describe_test() == "200 test images of the embedded subset"


def test_build_skips_a_changed_recipe_and_refuses_too_many_bytes(shipping, embedded, monkeypatch):
    zoo.get("tiny", embedded, progress=False)  # the recipe's own model: on all the digits it trains on
    cache = shipping / "trained" / "checkpoints"
    monkeypatch.setattr(build, "MOST_BYTES", 10)
    with pytest.raises(ValueError, match="over"):
        build.build(cache, shipping / "shipped", quick=True)
    assert not list((shipping / "shipped").iterdir())  # nothing half-written
    monkeypatch.setattr(build, "MOST_BYTES", 25_000_000)
    changed = gm.recipes.Recipe("tiny", gm.VAE, {"latent_dim": 2, "hidden": [64]}, 1, quick_steps=6)
    monkeypatch.setitem(gm.RECIPES, "tiny", changed)
    assert build.build(cache, shipping / "shipped", quick=True) == {"models": {}}


def test_a_model_asked_for_with_changes_ships_with_them(shipping, data, monkeypatch):
    changes = {"lr": 5e-4, "model_class": gm.ConvVAE, "config": {"latent_dim": 2}}  # a class, as notebook 02 asks
    zoo.get("tiny", data, progress=False, **changes)
    manifest = build.build(shipping / "trained" / "checkpoints", shipping / "shipped", quick=True)
    (entry,) = manifest["models"].values()
    assert entry["changes"] == {**changes, "model_class": "gmtutor.models.vae.ConvVAE"}
    assert build.current(entry["fingerprint"], entry["changes"], quick=True)
    assert not build.current(entry["fingerprint"], {}, quick=True)
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(shipping / "elsewhere"))
    no_training(monkeypatch)
    assert "shipped" in zoo.get("tiny", data, progress=False, **changes).metadata


def test_the_budget_ships_every_recipe_first_then_the_variants_that_save_most_seconds_per_byte(monkeypatch):
    def item(own, seconds, size):
        return bytes(size), {"recipe's own": own, "history": [{"seconds": seconds}]}

    candidates = {
        "plain": item(True, 10.0, 50),
        "slow variant": item(False, 30.0, 30),
        "quick variant": item(False, 1.0, 30),
        "another slow one": item(False, 20.0, 30),
    }
    monkeypatch.setattr(build, "MOST_BYTES", 110)
    assert set(build.choose(candidates)) == {"plain", "slow variant", "another slow one"}
    monkeypatch.setattr(build, "MOST_BYTES", 40)
    with pytest.raises(ValueError, match="own models take"):
        build.choose(candidates)


def test_a_shipped_result_is_read_while_its_key_matches_and_quick_ones_stay_home(tmp_path, monkeypatch):
    monkeypatch.setattr(weights, "FOLDER", tmp_path / "shipped")
    (tmp_path / "shipped").mkdir()
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(tmp_path / "first"))
    calls = []

    def compute():
        calls.append(1)
        return {"score": 0.5}

    for quick in ("0", "1"):
        monkeypatch.setenv("GMTUTOR_QUICK", quick)
        zoo.remember("row", compute, model="a")
    assert len(build.pack_results(tmp_path / "first" / "results", tmp_path / "shipped")) == 1
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(tmp_path / "second"))  # a learner's empty cache
    monkeypatch.setenv("GMTUTOR_QUICK", "0")
    assert zoo.remember("row", compute, model="a") == {"score": 0.5} and len(calls) == 2  # read, not computed
    zoo.remember("row", compute, model="b")  # another model: computed
    monkeypatch.setenv("GMTUTOR_QUICK", "1")
    zoo.remember("row", compute, model="a")  # quick mode was not shipped: computed
    assert len(calls) == 4


# --- the package's own shipped models (CI: a changed recipe without new weights fails here) ---------------
def shipped_models():
    return weights.manifest()["models"]


def test_the_shipped_models_are_current_verified_and_small():
    models = shipped_models()
    assert models, "no shipped models: run gmtutor course --retrain, then python -m gmtutor.weights.build"
    stale = [name for name, entry in models.items() if not build.current(entry["fingerprint"], entry["changes"])]
    assert not stale, f"recipes changed since these were shipped: {stale}; rebuild them (gmtutor.weights.build)"
    for name, entry in models.items():
        assert weights.sha256((weights.folder() / name).read_bytes()) == entry["sha256"], name
    assert sum(entry["bytes"] for entry in models.values()) <= build.MOST_BYTES
    assert {p.name for p in weights.folder().glob("*.pt.xz")} == set(models)


def test_every_model_a_notebook_loads_is_shipped():
    loaded = set()
    for path in NOTEBOOKS.glob("*.ipynb"):
        loaded |= set(re.findall(r'get\(\\"([a-z0-9-]+)\\"', path.read_text()))
    loaded = (loaded & set(gm.RECIPES)) | set(COURSE_MODELS.values())
    assert len(loaded) > len(COURSE_MODELS), "found no zoo.get calls in the notebooks"
    shipped = {entry["recipe"] for entry in shipped_models().values()}
    assert loaded <= shipped, f"not shipped: {sorted(loaded - shipped)}"


def test_every_shipped_result_names_shipped_models_as_they_load_here():
    """A result is read back only while its key names each model as ``gm.zoo.identity`` names it on this machine:
    a key holding a hash that differs between processors would be recomputed on a learner's laptop."""
    known, classes = [], set()
    for name in shipped_models():
        packed = (weights.folder() / name).read_bytes()
        model = checkpoint.load(weights.folder() / name, contents=lzma.decompress(packed))
        known.append(zoo.identity(model))
        classes.add(known[-1]["class"])

    def named_models(key):
        if isinstance(key, dict):
            if set(key) == {"class", "config", "weights"}:
                yield key
            else:
                for value in key.values():
                    yield from named_models(value)
        elif isinstance(key, list):
            for value in key:
                yield from named_models(value)

    results = sorted((weights.folder() / "results").glob("*.json"))
    assert results, "no shipped results: see python -m gmtutor.weights.build --results"
    for path in results:
        for named in named_models(json.loads(path.read_text())["key"]):
            if named["class"] in classes:
                assert named in known, f"{path.name} names a {named['class']} that no shipped model is here"
