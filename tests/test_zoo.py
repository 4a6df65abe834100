"""The trained-model cache: load what was trained, retrain what changed or broke."""

import contextlib

import pytest
import torch

import gmtutor as gm
from gmtutor import zoo


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GMTUTOR_QUICK", "1")
    monkeypatch.setitem(gm.RECIPES, "tiny", gm.recipes.Recipe("tiny", gm.VAE, {"latent_dim": 2, "hidden": [16]}, 1))
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
    assert second.metadata["trained"]["data"] == {"source": "embedded", "train_images": 300}


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
    from gmtutor.core.train import SampleSnapshots

    calls = count_fits(monkeypatch)
    codes = torch.randn(3, 2, generator=torch.Generator().manual_seed(0))
    first = SampleSnapshots(codes, [1, 2])
    zoo.get("tiny", data, progress=False, quick_steps=2, on_log=first)  # quick mode: a record every step
    assert sorted(first.snapshots) == [1, 2] and len(calls) == 1
    again = SampleSnapshots(codes, [1, 2])
    zoo.get("tiny", data, progress=False, quick_steps=2, on_log=again)
    assert len(calls) == 1  # loaded, not trained
    # kept in 8 bits: back within half a grey level of what training saw
    assert all((again.snapshots[e] - first.snapshots[e]).abs().max() <= 0.5 / 255 + 1e-6 for e in (1, 2))
    assert not torch.equal(again.snapshots[1], again.snapshots[2])  # the model changed between steps
    other_codes = SampleSnapshots(codes + 1.0, [2])
    zoo.get("tiny", data, progress=False, quick_steps=2, on_log=other_codes)
    assert len(calls) == 2 and sorted(other_codes.snapshots) == [2]  # other codes: trained again to get them
    # both callbacks' states are kept now: two notebooks watching one recipe differently no longer retrain in turn
    for codes_seen, steps in ((codes, [1, 2]), (codes + 1.0, [2])):
        watcher = SampleSnapshots(codes_seen, steps)
        zoo.get("tiny", data, progress=False, quick_steps=2, on_log=watcher)
        assert sorted(watcher.snapshots) == steps
    assert len(calls) == 2


# --- forged checkpoints: a well-formed file with wrong contents is retrained, never served or crashed on ---


def forge(path, **changes):
    """Rewrite the checkpoint at ``path`` with some of its entries changed (a valid file, wrong contents)."""
    payload = torch.load(path, weights_only=True)
    payload.update(changes)
    torch.save(payload, path)


def forged_cases():
    def unknown_argument(payload):
        return {"config": {**payload["config"], "depth": 3}}

    def missing_key(payload):
        state = dict(payload["state_dict"])
        state.pop(next(iter(state)))
        return {"state_dict": state}

    def absurd_size(payload):
        return {"config": {**payload["config"], "hidden": [10**12]}}

    def non_finite(payload):
        state = {k: v.clone() for k, v in payload["state_dict"].items()}
        first = next(k for k, v in state.items() if v.is_floating_point())
        state[first].view(-1)[0] = float("nan")
        return {"state_dict": state}

    def wrong_class(payload):  # a ConvVAE stored under the tiny VAE's name and fingerprint
        conv = gm.ConvVAE(latent_dim=2)
        return {"class": "ConvVAE", "config": conv.config, "state_dict": conv.state_dict()}

    def not_a_dict(payload):
        return {"config": [1, 2]}

    def replaced_weights(payload):  # other numbers of the same shapes, under the genuine metadata and hash
        return {
            "state_dict": {
                k: torch.randn_like(v) if v.is_floating_point() else v for k, v in payload["state_dict"].items()
            }
        }

    return [unknown_argument, missing_key, absurd_size, non_finite, wrong_class, not_a_dict, replaced_weights]


@pytest.mark.parametrize("change", forged_cases(), ids=lambda f: f.__name__)
def test_a_forged_checkpoint_is_warned_about_retrained_and_replaced(cache, data, monkeypatch, change):
    zoo.get("tiny", data, progress=False)
    (path,) = cache.glob("*.pt")
    forge(path, **change(torch.load(path, weights_only=True)))
    calls = count_fits(monkeypatch)
    with pytest.warns(zoo.StaleCheckpointWarning):
        model = zoo.get("tiny", data, progress=False)
    assert len(calls) == 1 and type(model) is gm.VAE and model.config["hidden"] == [16]
    assert gm.load(path).config == model.config  # replaced: the next run loads it without a warning


@pytest.mark.parametrize("change", forged_cases()[:4] + forged_cases()[5:], ids=lambda f: f.__name__)
def test_load_raises_checkpoint_error_for_every_forgery(tmp_path, change):
    path = gm.save(gm.VAE(latent_dim=2, hidden=[16]), tmp_path / "model.pt")
    forge(path, **change(torch.load(path, weights_only=True)))
    with pytest.raises(gm.CheckpointError, match="model.pt"):
        gm.load(path)


def test_the_fingerprint_holds_the_version_and_the_full_configuration_and_names_the_file(cache, data):
    recipe = gm.recipe("tiny")
    fingerprint = zoo.fingerprint(recipe, data, quick=True)
    assert fingerprint["version"] == zoo.MODELS_VERSION and fingerprint["class"] == "gmtutor.models.vae.VAE"
    assert fingerprint["config"] == gm.VAE(latent_dim=2, hidden=[16]).config  # beta's default included
    entry = zoo.Entry.of(recipe, data, quick=True)
    assert entry.fingerprint == fingerprint and entry.path.name.startswith("tiny-embedded-quick-")
    assert zoo.Entry.of(recipe, data, quick=False).path != entry.path
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gm.cache, "MODELS_VERSION", zoo.MODELS_VERSION + 1)
        assert zoo.Entry.of(recipe, data, quick=True).path != entry.path


def test_what_a_checkpoint_is_checked_against_is_stored_once(cache, data):
    model = zoo.get("tiny", data, progress=False)
    stored = gm.checkpoint.read(next(cache.glob("*.pt")))
    assert "class" not in stored["metadata"]["trained"] and "config" not in stored["metadata"]["trained"]
    assert zoo.cache.trained_fingerprint(model) == zoo.fingerprint(gm.recipe("tiny"), data, quick=True)


def test_kept_callback_states_are_bounded(cache, data, monkeypatch):
    from gmtutor.core.train import SampleSnapshots

    calls = count_fits(monkeypatch)
    for shift in range(zoo.cache.KEPT_CALLBACK_STATES + 2):  # each asks for images no run has kept: trains again
        codes = torch.full((1, 2), float(shift))
        zoo.get("tiny", data, progress=False, quick_steps=2, on_log=SampleSnapshots(codes, [2]))
    assert len(calls) == zoo.cache.KEPT_CALLBACK_STATES + 2
    (path,) = cache.glob("*.pt")
    kept = gm.checkpoint.read(path)["metadata"]["callbacks"]
    assert len(kept) == zoo.cache.KEPT_CALLBACK_STATES
    assert kept[-1]["codes"].flatten().tolist() == [float(zoo.cache.KEPT_CALLBACK_STATES + 1)] * 2  # the newest


# --- sharing the cache: locks, clear, permissions ---


def test_clear_leaves_foreign_files_alone(cache, data):
    zoo.get("tiny", data, progress=False)
    mine = cache / "my-own-model.pt"
    torch.save({"weights": torch.zeros(3)}, mine)
    lookalike = cache / "tiny-embedded-full-0123456789ab.pt"  # our name pattern, not our content
    torch.save({"weights": torch.zeros(3)}, lookalike)
    notes = cache / "notes.txt"
    notes.write_text("keep me")
    assert zoo.clear() == 1
    assert mine.exists() and lookalike.exists() and notes.exists()
    assert sorted(p.name for p in cache.glob("*.pt")) == sorted([mine.name, lookalike.name])


def test_clear_during_a_save_skips_it_and_the_save_completes(cache, data, monkeypatch):
    import threading

    training, release = threading.Event(), threading.Event()
    real_train = gm.recipes.Recipe.train

    def slow_train(self, *args, **kwargs):
        training.set()
        release.wait(timeout=30)
        return real_train(self, *args, **kwargs)

    monkeypatch.setattr(gm.recipes.Recipe, "train", slow_train)
    results = {}
    worker = threading.Thread(target=lambda: results.update(model=zoo.get("tiny", data, progress=False)))
    worker.start()
    assert training.wait(timeout=30)
    stale_part = cache / ".tiny-embedded-quick-0123456789ab.pt.abc123.part"  # a save that died long ago
    stale_part.write_bytes(b"half")
    removed = zoo.clear()  # the save in progress holds its lock: skipped
    release.set()
    worker.join(timeout=60)
    assert removed == 1 and not stale_part.exists()
    (path,) = cache.glob("*.pt")
    assert gm.load(path).config == results["model"].config


def test_saved_files_follow_the_umask(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        path = gm.save(gm.VAE(latent_dim=2, hidden=[16]), tmp_path / "model.pt")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


RACE = """
import sys, time, gmtutor as gm
from gmtutor import zoo
gm.RECIPES["tiny"] = gm.recipes.Recipe("tiny", gm.VAE, {"latent_dim": 2, "hidden": [16]}, 1, quick_steps=60)
real = gm.recipes.Recipe.train
def counted(self, *args, **kwargs):
    time.sleep(2)  # long enough that, without the lock, the other process would start training too
    with open(sys.argv[1], "a") as log:
        log.write("trained\\n")
    return real(self, *args, **kwargs)
gm.recipes.Recipe.train = counted
model = zoo.get("tiny", gm.load_mnist("embedded").subset(300, 100), progress=False)
print(float(sum(p.sum() for p in model.parameters())))
"""


def test_two_processes_racing_on_one_recipe_train_it_once(cache, tmp_path):
    import os
    import subprocess
    import sys

    log = tmp_path / "trainings.log"
    env = {**os.environ, "GMTUTOR_CACHE_DIR": str(cache.parent), "GMTUTOR_QUICK": "1"}
    racers = [
        subprocess.Popen([sys.executable, "-c", RACE, str(log)], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [racer.communicate(timeout=300)[0].strip() for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0]
    assert log.read_text().count("trained") == 1  # one trained; the other waited and loaded it
    assert outputs[0] == outputs[1]  # both got the same, valid model


def test_remember_computes_once_and_reads_back_while_the_key_matches(tmp_path, monkeypatch):
    import numpy as np

    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(tmp_path))
    calls = []

    def measure():
        calls.append(1)
        return {"FD": np.float64(12.5), "rows": [1, 2]}

    first = gm.zoo.remember("board", measure, model={"recipe": "vae-2d"}, samples=1000)
    again = gm.zoo.remember("board", measure, model={"recipe": "vae-2d"}, samples=1000)
    assert first == again == {"FD": 12.5, "rows": [1, 2]} and len(calls) == 1
    gm.zoo.remember("board", measure, model={"recipe": "vae-2d"}, samples=2000)  # another key: computed again
    assert len(calls) == 2
    for path in gm.zoo.results_dir().glob("board-*.json"):
        path.write_text("not json")  # a broken file is recomputed and replaced
    assert gm.zoo.remember("board", measure, model={"recipe": "vae-2d"}, samples=1000) == first and len(calls) == 3


def test_identity_names_the_class_the_configuration_and_the_weights():
    torch.manual_seed(0)
    model, twin = gm.VAE(latent_dim=2), gm.VAE(latent_dim=2)  # two models fitted in a notebook: other weights
    assert gm.zoo.identity(model)["class"] == "gmtutor.models.vae.VAE"
    assert gm.zoo.identity(model)["config"] == model.config
    assert gm.zoo.identity(model) != gm.zoo.identity(twin)
    twin.load_state_dict(model.state_dict())
    assert gm.zoo.identity(model) == gm.zoo.identity(twin)
    x, y = torch.rand(40, 784), torch.arange(40) % 2
    nb = gm.GaussianNB().fit(x, y)
    assert gm.zoo.identity(nb)["config"] == {"var_smoothing": nb.var_smoothing}
    assert gm.zoo.identity(nb) != gm.zoo.identity(gm.GaussianNB().fit(x + 0.1, y))


def test_identity_leaves_out_a_gans_discriminator_whose_last_bits_differ_between_machines():
    torch.manual_seed(0)
    gan = gm.GAN(latent_dim=4, hidden=(8,), d_hidden=(8,))
    before = gm.zoo.identity(gan)
    with torch.no_grad():  # a shipped GAN rebuilds its discriminator at load: its last bits vary by processor
        next(gan.discriminator.parameters()).add_(1e-6)
    assert gm.zoo.identity(gan) == before
    with torch.no_grad():  # the generator decides the samples: another generator is another model
        next(gan.generator.parameters()).add_(1e-6)
    assert gm.zoo.identity(gan) != before


def test_results_have_their_own_version_and_retrain_no_model(cache, data, monkeypatch):
    calls, computed = count_fits(monkeypatch), []
    model = zoo.get("tiny", data, progress=False)

    def measure():
        computed.append(1)
        return 1.0

    gm.zoo.remember("row", measure, model=gm.zoo.identity(model))
    monkeypatch.setattr(gm.results, "RESULTS_VERSION", gm.zoo.RESULTS_VERSION + 1)
    gm.zoo.remember("row", measure, model=gm.zoo.identity(zoo.get("tiny", data, progress=False)))
    assert len(computed) == 2 and len(calls) == 1  # the table is computed again; the model is not retrained


def test_a_result_never_outlives_its_weights_or_a_cleared_cache(cache, data):
    model = zoo.get("tiny", data, progress=False)
    forged = gm.zoo.remember("row", lambda: {"sample FD": 0.4}, model=gm.zoo.identity(model))
    assert forged == {"sample FD": 0.4}
    assert zoo.clear() == 2  # the checkpoint and the result
    retrained = zoo.get("tiny", data, progress=False)
    assert gm.zoo.remember("row", lambda: {"sample FD": 250.0}, model=gm.zoo.identity(retrained)) == {
        "sample FD": 250.0
    }
    other = gm.VAE(latent_dim=2, hidden=[16])  # other weights: another identity, another result
    assert gm.zoo.remember("row", lambda: {"sample FD": 300.0}, model=gm.zoo.identity(other)) == {"sample FD": 300.0}


@pytest.mark.parametrize("content", ["[1, 2, 3]", "[" * 100_000 + "]" * 100_000, '{"key": {}, "value": 1}', "folder"])
def test_an_odd_result_file_is_recomputed(tmp_path, monkeypatch, content):
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(tmp_path))
    gm.zoo.remember("board", lambda: 1.0, samples=10)
    (path,) = gm.zoo.results_dir().glob("board-*.json")
    path.unlink()
    if content == "folder":
        path.mkdir()
    else:
        path.write_text(content)
    with pytest.warns(gm.zoo.UnsavedResultWarning) if content == "folder" else contextlib.nullcontext():
        assert gm.zoo.remember("board", lambda: 2.0, samples=10) == 2.0


def test_a_read_only_cache_keeps_the_result_in_memory_and_says_how_to_keep_it(tmp_path, monkeypatch):
    import os
    import stat

    if os.geteuid() == 0:
        monkeypatch.setattr("gmtutor.zoo.results.write_atomically", _refuse_to_write)
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(tmp_path))
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    calls = []
    try:
        with pytest.warns(gm.zoo.UnsavedResultWarning, match="GMTUTOR_CACHE_DIR"):
            first = gm.zoo.remember("board", lambda: calls.append(1) or 3.0, samples=7)
        again = gm.zoo.remember("board", lambda: calls.append(1) or 3.0, samples=7)
    finally:
        tmp_path.chmod(stat.S_IRWXU)
    assert first == again == 3.0 and len(calls) == 1  # computed once, kept for the session


def _refuse_to_write(path, payload):
    raise PermissionError(13, "Permission denied", str(path))


def test_the_linear_judge_is_named_by_its_data_and_settings():
    data = gm.load_mnist("embedded").per_class(50, 10)
    gm.evaluate.digit_classifier(data.per_class(50, 5))  # the same training digits, described otherwise
    judge = gm.evaluate.digit_classifier(data)  # refitted in each process: its weights' last bits vary by machine
    other = gm.evaluate.digit_classifier(data.per_class(20, 10))
    assert gm.zoo.identity(judge)["config"] == {"source": data.describe(), "C": gm.evaluate.DIGIT_CLASSIFIER_C}
    assert gm.zoo.identity(judge)["weights"] is None
    assert gm.zoo.identity(judge) != gm.zoo.identity(other) and gm.zoo.identity(judge) == gm.zoo.identity(judge)
