"""The trained-model cache: load a course model if it was trained before with the same settings, else train and save it.

A checkpoint's file name carries a fingerprint of everything that shapes the model: the recipe
(class, config, steps, batch size, learning rate, seed), quick or full mode, and the data
(source and size). A changed setting therefore never loads a stale model. Each checkpoint also
records the library versions, the training history and its final metrics.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from gmtutor import checkpoint
from gmtutor.data import MNIST, load_mnist
from gmtutor.recipes import Recipe, recipe
from gmtutor.runtime import cache_dir, quick
from gmtutor.train import History

if TYPE_CHECKING:
    from gmtutor.models.gan import SampleSnapshots


class StaleCheckpointWarning(UserWarning):
    """A cached checkpoint was unreadable or did not match, so the model is trained again."""


def checkpoint_dir() -> Path:
    """Where trained models are cached: ``<cache>/checkpoints`` (see ``gmtutor.cache_dir``)."""
    return cache_dir() / "checkpoints"


def fingerprint(chosen: Recipe, data: MNIST) -> dict[str, Any]:
    """Everything that decides what a training run produces."""
    return {
        "recipe": chosen.name,
        "model_class": chosen.model_class,
        "config": chosen.config,
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
    from importlib.metadata import version

    return {"python": platform.python_version(), "torch": str(torch.__version__), "gmtutor": version("gmtutor")}


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
    return model


def _restore_snapshots(metadata: dict[str, Any], snapshots: SampleSnapshots) -> bool:
    """Fill ``snapshots`` from a checkpoint's metadata; False when it holds other codes or steps."""
    stored = metadata.get("snapshots")
    if not stored or not torch.equal(stored["codes"], snapshots.z.detach().cpu()):
        return False
    if not all(str(step) in stored["images"] for step in snapshots.steps):
        return False
    snapshots.snapshots = {step: stored["images"][str(step)] for step in sorted(snapshots.steps)}
    return True


def get(
    name: str,
    data: MNIST | None = None,
    retrain: bool = False,
    progress: bool = True,
    snapshots: SampleSnapshots | None = None,
    **changes: Any,
) -> nn.Module:
    """The course model ``name`` (see ``gmtutor.RECIPES``), loaded from the cache or trained and saved.

    ``changes`` replace recipe fields (for example ``steps=500``) and make a cache entry of their own.
    The model comes back in eval mode on ``gmtutor.device()``, with ``model.history`` (a ``History``)
    and ``model.metadata`` (configuration, data, versions, final metrics). Given ``snapshots`` (a
    ``SampleSnapshots``), its images are filled in too: kept in the cache with the model, so a
    notebook can show a generator learning without training it again.
    """
    from gmtutor.runtime import device

    chosen = dataclasses.replace(recipe(name), **changes) if changes else recipe(name)
    data = data if data is not None else load_mnist()
    path = checkpoint_path(chosen, data)
    expected = fingerprint(chosen, data)
    model = None if retrain else _load_if_valid(path, expected)
    if model is not None and snapshots is not None and not _restore_snapshots(model.metadata, snapshots):
        model = None  # cached without these snapshots: train again (same seed, same model) and keep them
    if model is None:
        model, history = chosen.train(data, progress=progress, on_log=snapshots)
        metadata = {
            "fingerprint": expected,
            "versions": _versions(),
            "history": history.records,
            "final": {k: v for k, v in history.last.items() if k not in ("step", "epoch")},
        }
        if snapshots is not None:
            images = {str(step): image for step, image in snapshots.snapshots.items()}
            metadata["snapshots"] = {"codes": snapshots.z.detach().cpu(), "images": images}
        checkpoint.save(model, path, metadata)
        model.metadata = metadata
    model.history = History([dict(record) for record in model.metadata["history"]])
    return model.to(device()).eval()


def cached() -> list[dict[str, Any]]:
    """One entry per checkpoint in the cache: file, size, recipe, data, mode and final metrics."""
    entries = []
    for path in sorted(checkpoint_dir().glob("*.pt")):
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
    """Delete every cached checkpoint (and leftover temporary files); return how many files went."""
    removed = 0
    for path in list(checkpoint_dir().glob("*.pt")) + list(checkpoint_dir().glob(".*.part")):
        os.remove(path)
        removed += 1
    return removed
