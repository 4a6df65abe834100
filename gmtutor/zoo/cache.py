"""The model cache: ``get(name, data)`` loads a course model trained before with the same settings, or trains it.

1. A *recipe* (``gmtutor.zoo.recipes``) says how to build and train a model.
2. Its *fingerprint* is all that decides what training makes: the model's class and full configuration,
   the recipe's training settings, quick or full mode, the data, and ``MODELS_VERSION`` (raised when a
   code change alters what a recipe makes). It is computed once per ``get``.
3. The file is ``<recipe>-<data>-<mode>-<hash>.pt``, the hash of the fingerprint. The checkpoint's header
   holds the class and configuration, its metadata the rest of the fingerprint: a file loads only when
   the two together equal the fingerprint asked for; anything else warns and trains again.
4. A file lock around load-or-train makes a second process asking for the same model wait, then load it.
5. What a training callback saw (a ``SampleSnapshots``) is kept with the model, the last
   ``KEPT_CALLBACK_STATES`` of them, so a notebook can show a model learning without training it again.
6. A model not in the cache is looked for among those shipped with the package (``gmtutor.weights``),
   by the same fingerprint, before it is trained.

Measurements of cached models are kept apart, with their own version (``gmtutor.zoo.results``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import re
import warnings
from pathlib import Path
from typing import Any

import torch
from filelock import FileLock, Timeout

from gmtutor import weights
from gmtutor.core import checkpoint
from gmtutor.core.data import MNIST, load_mnist, source_name
from gmtutor.core.runtime import cache_dir, quick
from gmtutor.core.train import History, LogCallback
from gmtutor.models.base import Trainable
from gmtutor.zoo.recipes import Recipe, recipe
from gmtutor.zoo.results import clear_results

# Raise when a change to model or training code changes what a recipe produces: old checkpoints then retrain.
MODELS_VERSION = 3
KEPT_CALLBACK_STATES = 4
_NAME_PATTERN = re.compile(r"^(?P<recipe>[a-z0-9-]+)-(?P<data>[a-z]+)-(?P<mode>quick|full)-[0-9a-f]{12}\.pt$")


class StaleCheckpointWarning(UserWarning):
    """A cached checkpoint was unreadable or did not match, so the model is trained again."""


def checkpoint_dir() -> Path:
    """Where trained models are cached: ``<cache>/checkpoints`` (see ``gmtutor.cache_dir``)."""
    return cache_dir() / "checkpoints"


def fingerprint(chosen: Recipe, data: MNIST, quick: bool) -> dict[str, Any]:
    """Everything that decides what training ``chosen`` on ``data`` produces, in quick or full mode."""
    with torch.device("meta"):  # the full configuration, defaults included, without allocating weights
        config = chosen.model_class(**chosen.config).config
    return {
        "version": MODELS_VERSION,
        "recipe": chosen.name,
        "class": checkpoint.class_key(chosen.model_class),
        "config": config,
        "training": chosen.settings(quick),
        "quick": quick,
        "data": {"source": data.source, "train_images": len(chosen.training_data(data, quick).x_train)},
    }


def trained_fingerprint(model: Trainable) -> dict[str, Any]:
    """The fingerprint a loaded checkpoint was trained under: class and configuration from its header, the rest
    from its metadata (each stored once)."""
    return {**model.metadata.get("trained", {}), "class": checkpoint.class_key(type(model)), "config": model.config}


@dataclasses.dataclass(frozen=True)
class Entry:
    """One recipe trained on one data set in one mode: its fingerprint and its file."""

    recipe: Recipe
    data: MNIST
    quick: bool
    fingerprint: dict[str, Any]
    path: Path
    changes: dict[str, Any] = dataclasses.field(default_factory=dict)  # a class among them is named by its key

    @classmethod
    def of(cls, chosen: Recipe, data: MNIST, quick: bool, changes: dict[str, Any] | None = None) -> Entry:
        """The entry of ``chosen`` (the recipe with ``changes``, the fields ``get`` was asked to replace, applied)."""
        printed = fingerprint(chosen, data, quick)
        digest = hashlib.sha256(json.dumps(printed, sort_keys=True).encode()).hexdigest()[:12]
        name = f"{chosen.name}-{data.source}-{'quick' if quick else 'full'}-{digest}.pt"
        plain = {k: checkpoint.class_key(v) if isinstance(v, type) else v for k, v in (changes or {}).items()}
        return cls(chosen, data, quick, printed, checkpoint_dir() / name, plain)

    def read(self) -> Trainable | None:
        """The cached model, or None: no file, or (with a warning) one that is unreadable or holds another model."""
        if not self.path.exists():
            return None
        try:
            model = checkpoint.load(self.path)
        except checkpoint.CheckpointError as err:
            warnings.warn(f"{err} Training it again.", StaleCheckpointWarning, stacklevel=4)
            return None
        if trained_fingerprint(model) != self.fingerprint:
            message = f"{self.path} holds a model trained otherwise; training it again."
            warnings.warn(message, StaleCheckpointWarning, stacklevel=4)
            return None
        return model

    def shipped(self) -> Trainable | None:
        """The model shipped with the package for this fingerprint (``gmtutor.weights``), or None; one whose file
        holds a model trained otherwise is refused with a warning."""
        model = weights.load(self.fingerprint)
        if model is not None and trained_fingerprint(model) != self.fingerprint:
            return weights.refuse(f"{weights.folder() / model.metadata['shipped']} holds a model trained otherwise")
        return model

    def train(self, progress: bool, on_log: LogCallback | None, earlier: list[Any]) -> Trainable:
        """Train the recipe, save it with its history, and keep ``on_log``'s state after ``earlier`` ones."""
        model, history = self.recipe.train(self.data, self.quick, progress=progress, on_log=on_log)
        states = earlier + ([on_log.state_dict()] if on_log is not None else [])
        metadata = {
            "trained": {k: v for k, v in self.fingerprint.items() if k not in ("class", "config")},
            "changes": self.changes,  # what replaced the recipe's fields: a shipped model is current when the
            # recipe with these changes still makes its fingerprint (gmtutor.weights.build)
            "versions": _versions(),
            "history": history.records,
            "final": {k: v for k, v in history.last.items() if k not in ("step", "epoch")},
            "callbacks": states[-KEPT_CALLBACK_STATES:],
        }
        checkpoint.save(model, self.path, metadata)
        model.metadata = metadata
        return model


def get(
    name: str,
    data: MNIST | None = None,
    retrain: bool = False,
    progress: bool = True,
    on_log: LogCallback | None = None,
    **changes: Any,
) -> Trainable:
    """The course model ``name`` (see ``gmtutor.RECIPES``): loaded from the cache, else from the models shipped
    with the package (``gmtutor.weights``; not with ``GMTUTOR_TRAIN=1``), else trained and saved in the cache.

    ``changes`` replace recipe fields (for example ``steps=500``) and make a cache entry of their own.
    The model comes back in eval mode on ``gmtutor.device()``, with ``model.history`` (a ``History``)
    and ``model.metadata`` (configuration, data, versions, final metrics). Given ``on_log``, a callback
    for ``fit`` with ``state_dict`` and ``load_state_dict`` (a ``SampleSnapshots``, say), its state is
    kept in the cache with the model and given back on a later load, so a notebook can show a
    generator learning without training it again. ``retrain=True`` trains afresh.
    """
    from gmtutor.core.runtime import device

    target = device()  # a device that cannot train here is refused before any data loads or lock is taken
    chosen = dataclasses.replace(recipe(name), **changes) if changes else recipe(name)
    entry = Entry.of(chosen, data if data is not None else load_mnist(), quick(), changes)
    entry.path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(lock_path(entry.path)):  # a second process asking for this model waits here, then loads it
        model, origin = (None, "") if retrain else (entry.read(), "from the cache")
        if model is None and not retrain:
            model, origin = entry.shipped(), "shipped with gmtutor"
        states = list(model.metadata.get("callbacks", [])) if model is not None else []
        if model is None or (on_log is not None and not any(on_log.load_state_dict(s) for s in states)):
            # a seeded run trains the same model again, so the states kept so far still hold: two notebooks that
            # watch one recipe with different callbacks then both load it, instead of retraining in turn
            model, origin = entry.train(progress, on_log, states), "trained just now and saved in the cache"
    model.history = History([dict(record) for record in model.metadata["history"]])
    model.origin = origin
    if progress:
        print(provenance(model))
    return model.to(target).eval()


def provenance(model: Trainable) -> str:
    """One line on a model from ``get``: where it came from and the data it was trained on.

    ``"vae-2d: shipped with gmtutor; trained on the embedded subset's 4,000 training images (930 steps, 0.4 min)"``
    """
    trained = model.metadata.get("trained", {})
    data = trained.get("data", {})
    images = f"{source_name(data.get('source', 'unknown data'))}'s {data.get('train_images', 0):,} training images"
    budget = f"{int(model.history.last.get('step', 0)):,} steps, {model.history.seconds / 60:.1f} min"
    budget += ", quick mode" if trained.get("quick") else ""
    name, origin = trained.get("recipe", type(model).__name__), getattr(model, "origin", "loaded")
    return f"{name}: {origin}; trained on {images} ({budget})"


def lock_path(path: Path) -> Path:
    """The lock file that guards training and saving the checkpoint at ``path``."""
    return path.with_name(f".{path.name}.lock")


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("gmtutor")
    except PackageNotFoundError:  # run from a checkout on the path, not installed
        from gmtutor import __version__ as ours
    return {"python": platform.python_version(), "torch": str(torch.__version__), "gmtutor": ours}


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
            trained = meta.get("trained", {})
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
    """Delete the cache's gmtutor checkpoints, the temporary files of saves that died, and every remembered
    result (``gmtutor.zoo.results``: a result of models that are gone means nothing); return how many went.

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
    return removed + clear_results()


def _remove_unless_locked(path: Path, files: list[Path]) -> int:
    """Delete ``files`` while holding ``path``'s lock; 0 when someone else holds it."""
    try:
        with FileLock(lock_path(path), timeout=0):
            for file in files:
                file.unlink(missing_ok=True)
    except Timeout:
        return 0
    return len(files)
