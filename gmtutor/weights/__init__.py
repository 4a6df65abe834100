"""The course's trained models, shipped inside the package so that a notebook opens without training.

Each file here is a full-mode model of one recipe, trained on the embedded subset, stored as a gmtutor
checkpoint with its large weights in 16 bits and without the parts only training uses, such as a GAN's
discriminator (``checkpoint.encode(half=True, slim=True)``), and packed with LZMA.
``manifest.json`` lists, for each file, its SHA-256, the fingerprint of the recipe that made it
(``gmtutor.zoo.cache.fingerprint``), its training history and its final metrics.

They live inside the package, not on a download host, so the wheel and a clone both carry them, a
version of the code always comes with the weights its recipes make (CI checks the manifest against the
recipes), and no host can take them away. ``gm.zoo.get`` asks ``load`` for a model before it trains one:
the file's hash is checked before anything in it is read, and a damaged file or one whose fingerprint
differs is refused with a warning (then the model is trained as before). ``GMTUTOR_TRAIN=1`` turns the
shipped models off, so every model is trained (``python -m gmtutor.weights.build`` makes the files).
"""

from __future__ import annotations

import hashlib
import json
import lzma
import os
import warnings
from pathlib import Path
from typing import Any

from gmtutor.core import checkpoint
from gmtutor.models.base import Trainable

FOLDER = Path(__file__).parent
MANIFEST_NAME = "manifest.json"
TRAIN_ENV = "GMTUTOR_TRAIN"


class ShippedWeightsWarning(UserWarning):
    """A shipped model was damaged or did not match its recipe, so it is trained instead."""


def folder() -> Path:
    """Where the shipped files and their manifest are (this package's folder)."""
    return FOLDER


def training_asked() -> bool:
    """True when ``GMTUTOR_TRAIN=1``: train every model instead of loading a shipped one."""
    return os.environ.get(TRAIN_ENV, "0").strip() not in ("", "0")


def manifest() -> dict[str, Any]:
    """The manifest: ``{"models": {file name: {"recipe", "sha256", "bytes", "fingerprint", "history",
    "final"}}}``; empty when there is none."""
    path = folder() / MANIFEST_NAME
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"models": {}}
    except (OSError, ValueError) as err:
        refuse(f"{path} cannot be read ({err})")
        return {"models": {}}
    if not isinstance(found, dict) or not isinstance(found.get("models"), dict):
        refuse(f"{path} is not a manifest of shipped models")
        return {"models": {}}
    return found


def sha256(data: bytes) -> str:
    """The SHA-256 of ``data``, in hex."""
    return hashlib.sha256(data).hexdigest()


def find(fingerprint: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The shipped file made under ``fingerprint`` and its manifest entry, or None."""
    wanted = json.loads(json.dumps(fingerprint))  # as the manifest holds it: tuples become lists
    for name, entry in manifest()["models"].items():
        if entry["fingerprint"] == wanted:
            return name, entry
    return None


def load(fingerprint: dict[str, Any]) -> Trainable | None:
    """The shipped model listed under ``fingerprint``, or None: none ships, ``GMTUTOR_TRAIN=1``, or (with a
    ``ShippedWeightsWarning``) its file is missing or damaged. The caller checks that the model inside was
    trained under that fingerprint (``gmtutor.zoo.cache.trained_fingerprint``)."""
    found = None if training_asked() else find(fingerprint)
    if found is None:
        return None
    name, entry = found
    path = folder() / name
    try:
        packed = path.read_bytes()
    except OSError as err:
        return refuse(f"{path} cannot be read ({err.strerror})")
    if sha256(packed) != entry["sha256"]:
        return refuse(f"{path} is damaged: its SHA-256 differs from the manifest's")
    try:
        model = checkpoint.load(path, contents=lzma.decompress(packed))
    except (lzma.LZMAError, checkpoint.CheckpointError) as err:
        return refuse(f"{path} cannot be loaded ({err})")
    model.metadata["shipped"] = name
    return model


def refuse(reason: str) -> None:
    """Warn that a shipped model cannot be used, and why; the caller trains it instead."""
    fix = "reinstall gmtutor, or rebuild the weights with python -m gmtutor.weights.build"
    warnings.warn(f"{reason}; training the model instead ({fix}).", ShippedWeightsWarning, stacklevel=4)
    return None
