"""The trained-model cache: load a course model if it was trained before with the same settings, else train and save it.

A checkpoint's file name carries a fingerprint of everything that shapes the model: the recipe
(class, the model's full configuration, steps, batch size, learning rate, seed), quick or full mode,
the data (source and size) and ``CACHE_VERSION``. A changed setting therefore never loads a stale
model. Each checkpoint also records the library versions, the training history and its final metrics.

The cache is safe to share: a file lock around train-and-save makes a second process asking for the
same model wait and load it, and ``clear`` deletes only gmtutor checkpoints that no one is writing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from filelock import FileLock, Timeout
from torch import nn

from gmtutor.core import checkpoint
from gmtutor.core.data import MNIST, load_mnist
from gmtutor.core.files import write_atomically
from gmtutor.core.recipes import Recipe, recipe
from gmtutor.core.runtime import cache_dir, quick
from gmtutor.core.train import History

if TYPE_CHECKING:
    from gmtutor.core.train import LogCallback


# Bump when a change to model or training code changes what a recipe produces: old checkpoints then retrain.
CACHE_VERSION = 2
_NAME_PATTERN = re.compile(r"^(?P<recipe>[a-z0-9-]+)-(?P<data>[a-z]+)-(?P<mode>quick|full)-[0-9a-f]{12}\.pt$")


class StaleCheckpointWarning(UserWarning):
    """A cached checkpoint was unreadable or did not match, so the model is trained again."""


def checkpoint_dir() -> Path:
    """Where trained models are cached: ``<cache>/checkpoints`` (see ``gmtutor.cache_dir``)."""
    return cache_dir() / "checkpoints"


def fingerprint(chosen: Recipe, data: MNIST) -> dict[str, Any]:
    """Everything that decides what a training run produces."""
    return {
        "cache_version": CACHE_VERSION,
        "recipe": chosen.name,
        "model_class": chosen.model_class,
        "config": checkpoint.build(chosen.model_class, chosen.config, device="meta").config,
        "training": chosen.settings(),
        "quick": quick(),
        "data": {"source": data.source, "train_images": len(chosen.training_data(data).x_train)},
    }


def checkpoint_path(chosen: Recipe, data: MNIST) -> Path:
    """The cache file for ``chosen`` trained on ``data`` in the current mode."""
    key = hashlib.sha256(json.dumps(fingerprint(chosen, data), sort_keys=True).encode()).hexdigest()[:12]
    mode = "quick" if quick() else "full"
    return checkpoint_dir() / f"{chosen.name}-{data.source}-{mode}-{key}.pt"


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("gmtutor")
    except PackageNotFoundError:  # run from a checkout on the path, not installed
        from gmtutor import __version__ as ours
    return {"python": platform.python_version(), "torch": str(torch.__version__), "gmtutor": ours}


def lock_path(path: Path) -> Path:
    """The lock file that guards training and saving the checkpoint at ``path``."""
    return path.with_name(f".{path.name}.lock")


def _load_if_valid(path: Path, expected: dict[str, Any]) -> nn.Module | None:
    if not path.exists():
        return None
    try:
        model = checkpoint.load(path)
    except checkpoint.CheckpointError as err:
        warnings.warn(f"{err} Training it again.", StaleCheckpointWarning, stacklevel=3)
        return None
    if model.metadata.get("fingerprint") != expected:
        message = f"{path} was trained with other settings; training it again."
        warnings.warn(message, StaleCheckpointWarning, stacklevel=3)
        return None
    if type(model).__name__ != expected["model_class"] or model.config != expected["config"]:
        message = f"{path} holds a {type(model).__name__}({model.config}), not this recipe's model; training it again."
        warnings.warn(message, StaleCheckpointWarning, stacklevel=3)
        return None
    return model


def _callback_states(metadata: dict[str, Any]) -> list[Any]:
    """The states of every callback the cached model was trained with (older checkpoints kept one)."""
    if "callbacks" in metadata:
        return list(metadata["callbacks"])
    return [metadata["callback"]] if metadata.get("callback") else []


def _restore_callback(metadata: dict[str, Any], callback: LogCallback) -> bool:
    """Give ``callback`` the state it had when the cached model trained; False when no kept state fits."""
    return any(bool(callback.load_state_dict(state)) for state in _callback_states(metadata))


def _train_unless_saved_meanwhile(
    chosen: Recipe,
    data: MNIST,
    path: Path,
    expected: dict[str, Any],
    retrain: bool,
    progress: bool,
    on_log: LogCallback | None,
) -> nn.Module:
    """Load the model if another process saved it while this one waited for the lock; else train and save it."""
    earlier: list[Any] = []  # callback states of the cached run, kept beside the new one
    if not retrain and path.exists():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StaleCheckpointWarning)  # already warned before waiting
            model = _load_if_valid(path, expected)
        if model is not None and (on_log is None or _restore_callback(model.metadata, on_log)):
            return model
        earlier = _callback_states(model.metadata) if model is not None else []
    model, history = chosen.train(data, progress=progress, on_log=on_log)
    metadata = {
        "fingerprint": expected,
        "versions": _versions(),
        "history": history.records,
        "final": {k: v for k, v in history.last.items() if k not in ("step", "epoch")},
    }
    if on_log is not None or earlier:
        # a seeded run trains the same model again, so what earlier callbacks saw still holds: two notebooks
        # that watch one recipe with different callbacks then both load it, instead of retraining in turn
        metadata["callbacks"] = earlier + ([on_log.state_dict()] if on_log is not None else [])
    checkpoint.save(model, path, metadata)
    model.metadata = metadata
    return model


def get(
    name: str,
    data: MNIST | None = None,
    retrain: bool = False,
    progress: bool = True,
    on_log: LogCallback | None = None,
    **changes: Any,
) -> nn.Module:
    """The course model ``name`` (see ``gmtutor.RECIPES``), loaded from the cache or trained and saved.

    ``changes`` replace recipe fields (for example ``steps=500``) and make a cache entry of their own.
    The model comes back in eval mode on ``gmtutor.device()``, with ``model.history`` (a ``History``)
    and ``model.metadata`` (configuration, data, versions, final metrics). Given ``on_log``, a callback
    for ``fit`` with ``state_dict`` and ``load_state_dict`` (a ``SampleSnapshots``, say), its state is
    kept in the cache with the model and given back on a later load, so a notebook can show a
    generator learning without training it again.
    """
    from gmtutor.core.runtime import device

    chosen = dataclasses.replace(recipe(name), **changes) if changes else recipe(name)
    data = data if data is not None else load_mnist()
    path = checkpoint_path(chosen, data)
    expected = fingerprint(chosen, data)
    model = None if retrain else _load_if_valid(path, expected)
    if model is not None and on_log is not None and not _restore_callback(model.metadata, on_log):
        model = None  # cached without this callback's state: train again (same seed, same model) and keep it
    if model is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(lock_path(path)):  # a second process asking for this model waits here, then loads it
            model = _train_unless_saved_meanwhile(chosen, data, path, expected, retrain, progress, on_log)
    model.history = History([dict(record) for record in model.metadata["history"]])
    return model.to(device()).eval()


def _checkpoint_files() -> list[Path]:
    """The files in the cache folder named as gmtutor checkpoints (a user's own ``*.pt`` files are not)."""
    return sorted(path for path in checkpoint_dir().glob("*.pt") if _NAME_PATTERN.match(path.name))


def cached() -> list[dict[str, Any]]:
    """One entry per checkpoint in the cache: file, size, recipe, data, mode and final metrics."""
    entries = []
    for path in _checkpoint_files():
        entry: dict[str, Any] = {"file": path, "bytes": path.stat().st_size}
        try:
            meta = checkpoint.read(path)["metadata"]
            trained = meta.get("fingerprint", {})
            entry.update(
                recipe=trained.get("recipe", "?"),
                data=trained.get("data", {}).get("source", "?"),
                mode="quick" if trained.get("quick") else "full",
                final=meta.get("final", {}),
            )
        except checkpoint.CheckpointError as err:
            entry.update(recipe="unreadable", error=str(err))
        entries.append(entry)
    return entries


def clear() -> int:
    """Delete the cache's gmtutor checkpoints and the temporary files of saves that died; return how many went.

    A file counts as a checkpoint when its name follows the cache's pattern and it reads as a gmtutor
    checkpoint; anything else in the folder is left alone. A checkpoint whose lock is held (a process
    is training or saving it) is skipped, with its temporary file: clearing never breaks a save.
    """
    removed = 0
    folder = checkpoint_dir()
    for path in _checkpoint_files():
        try:
            checkpoint.read(path)
        except checkpoint.CheckpointError:
            continue  # not ours by content, or half-written by an old version: leave it
        removed += _remove_unless_locked(path, [path])
    for part in folder.glob(".*.pt.*.part"):
        target = folder / part.name[1:].split(".pt.")[0]
        removed += _remove_unless_locked(target.with_name(target.name + ".pt"), [part])
    return removed


def _remove_unless_locked(path: Path, files: list[Path]) -> int:
    """Delete ``files`` while holding ``path``'s lock; 0 when someone else holds it."""
    try:
        with FileLock(lock_path(path), timeout=0):
            for file in files:
                file.unlink(missing_ok=True)
    except Timeout:
        return 0
    return len(files)


def results_dir() -> Path:
    """Where measurements computed from cached models are kept: ``<cache>/results``."""
    return cache_dir() / "results"


def _plain(value: Any) -> Any:
    """NumPy and torch scalars as Python numbers, for JSON."""
    return value.item() if hasattr(value, "item") else str(value)


def identity(model: object) -> Any:
    """What makes ``model`` the model it is, for a ``remember`` key: a cached model's fingerprint, else its
    class name (a model fitted in the notebook: then put the data it was fitted on in the key as well)."""
    metadata = getattr(model, "metadata", None)
    if isinstance(metadata, dict) and "fingerprint" in metadata:
        return metadata["fingerprint"]
    return type(model).__qualname__


def remember(label: str, compute: Callable[[], Any], **key: Any) -> Any:
    """``compute()``'s result, kept as JSON in ``results_dir()`` and given back while ``label`` and ``key`` match.

    For measurements of cached models that take a while and never change (a scoreboard row, say): pass
    what decides the result as ``key`` (each model's ``metadata["fingerprint"]``, the settings), and a
    warm run reads the number instead of recomputing it. The result must be JSON: numbers, strings,
    lists and dicts. Nothing is unpickled; an unreadable file is recomputed and replaced.
    """
    described = json.dumps(
        {"cache_version": CACHE_VERSION, "label": label, "quick": quick(), **key}, sort_keys=True, default=_plain
    )
    digest = hashlib.sha256(described.encode()).hexdigest()[:12]
    path = results_dir() / f"{label}-{digest}.json"
    if path.exists():
        try:
            return json.loads(path.read_text(encoding="utf-8"))["value"]
        except (ValueError, KeyError):
            pass  # a broken or foreign file: compute again and replace it
    value = compute()
    payload = json.dumps({"key": json.loads(described), "value": value}, default=_plain, indent=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, payload.encode("utf-8"))
    return json.loads(payload)["value"]
