"""Save and load trained models: weights plus the constructor's config, in one file.

Loading uses ``torch.load(..., weights_only=True)``: nothing in the file is run as code.
A model is saveable when it has a ``config`` dict of constructor arguments and its
class is one of the course's models.
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from gmtutor.files import write_atomically

FORMAT = "gmtutor-checkpoint-1"


class CheckpointError(ValueError):
    """A checkpoint file is missing, corrupt, or not a gmtutor checkpoint."""


def model_classes() -> dict[str, type[nn.Module]]:
    """The model classes a checkpoint may name."""
    from gmtutor import models

    return {name: getattr(models, name) for name in models.__all__ if isinstance(getattr(models, name), type)}


def save(model: nn.Module, path: str | os.PathLike, metadata: dict[str, Any] | None = None) -> Path:
    """Write ``model``'s class name, config, weights and optional ``metadata`` to ``path`` atomically."""
    path = Path(path)
    config = getattr(model, "config", None)
    if not isinstance(config, dict):
        raise TypeError(f"{type(model).__name__} has no `config` dict of constructor arguments, so it cannot be saved")
    if type(model).__name__ not in model_classes():
        raise TypeError(f"{type(model).__name__} is not one of the course's models {sorted(model_classes())}")
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    payload = {
        "format": FORMAT,
        "class": type(model).__name__,
        "config": config,
        "state_dict": state,
        "metadata": metadata or {},
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    try:  # never write a file that load() would refuse
        torch.load(io.BytesIO(buffer.getvalue()), weights_only=True)
    except pickle.UnpicklingError as err:
        raise TypeError(f"config and metadata must be plain numbers, strings, lists and dicts: {err}") from None
    write_atomically(path, buffer.getvalue())
    return path


def read(path: str | os.PathLike) -> dict[str, Any]:
    """The raw contents of a checkpoint, checked for shape; raises ``CheckpointError`` if unreadable."""
    path = Path(path)
    fix = "Delete it and train the model again (or save it again with gmtutor.save)."
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}.")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as err:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise CheckpointError(f"{path} is not a readable checkpoint ({first_line}). {fix}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is a PyTorch file but not a gmtutor checkpoint. {fix}")
    return payload


def load(path: str | os.PathLike, device: torch.device | str | None = None) -> nn.Module:
    """Rebuild the model saved at ``path`` (in eval mode, on ``device`` or the CPU)."""
    payload = read(path)
    classes = model_classes()
    name = payload["class"]
    if name not in classes:
        raise CheckpointError(f"{path} holds a {name!r}, which this version of gmtutor does not know.")
    model = classes[name](**payload["config"])
    try:
        model.load_state_dict(payload["state_dict"], strict=True)
    except RuntimeError as err:
        raise CheckpointError(f"{path}: the weights do not fit a {name}({payload['config']}): {err}") from None
    model.metadata = payload["metadata"]
    return model.to(device or "cpu").eval()
