"""Save and load trained models: weights plus the constructor's config, in one file.

Loading uses ``torch.load(..., weights_only=True)``: nothing in the file is run as code.
A model is saveable when it has a ``config`` dict of constructor arguments and its class is
registered: every ``gm.Trainable`` subclass is, and ``register_model`` adds any other. The registry lives
here, in the core, and the models fill it as they are defined: the core imports nothing above it.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from gmtutor.core.errors import GmtutorError
from gmtutor.core.files import write_atomically

FORMAT = "gmtutor-checkpoint-2"  # 2: classes named by module and qualified name
READABLE_FORMATS = ("gmtutor-checkpoint-1", FORMAT)
_FIX = "Delete it and train the model again (or save it again with gmtutor.save)."


class CheckpointError(GmtutorError, ValueError):
    """A checkpoint file is missing, corrupt, or not a gmtutor checkpoint."""


_REGISTRY: dict[str, type[nn.Module]] = {}


def class_key(cls: type) -> str:
    """The name a checkpoint gives a class: its module and qualified name (``gmtutor.models.vae.VAE``), so a
    learner's own ``VAE`` (``__main__.VAE``) sits beside the course's instead of replacing it."""
    return f"{cls.__module__}.{cls.__qualname__}"


def register_model(cls: type[nn.Module]) -> type[nn.Module]:
    """Let checkpoints (``gm.save``, ``gm.load``, the model cache) name ``cls``; usable as a class decorator.

    The class must record its constructor's arguments in ``config`` (a ``gm.Trainable`` subclass does so by
    itself, and is registered when it is defined). Classes are keyed by module and qualified name
    (``class_key``): a class of the same name elsewhere is registered beside this one, and defining a class
    again under the same key (re-running a notebook cell) replaces the older definition.
    """
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise TypeError(f"register_model takes a torch.nn.Module subclass, got {cls!r}")
    _REGISTRY[class_key(cls)] = cls
    return cls


def model_classes() -> dict[str, type[nn.Module]]:
    """The model classes a checkpoint may name, by ``class_key``: the course's and any registered since."""
    return dict(_REGISTRY)


def model_class(key: str) -> type[nn.Module]:
    """The registered class a checkpoint names. A bare class name (a checkpoint of the first format) means
    the course's class of that name."""
    if key in _REGISTRY:
        return _REGISTRY[key]
    if "." not in key:
        course = [cls for name, cls in _REGISTRY.items() if name.startswith("gmtutor.") and cls.__name__ == key]
        if len(course) == 1:
            return course[0]
    known = ", ".join(sorted(_REGISTRY))
    raise CheckpointError(f"unknown model class {key!r}; known: {known}.")


def weights_digest(state: dict[str, torch.Tensor]) -> str:
    """A SHA-256 of a state dict's names, dtypes, shapes and bytes: equal only for the same weights."""
    digest = hashlib.sha256()
    for name in sorted(state):
        tensor = state[name].detach().cpu().contiguous()
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)};".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


HALF_FROM = 1024  # ``half=True`` stores floating tensors of at least this many numbers in 16 bits


def encode(model: nn.Module, metadata: dict[str, Any] | None = None, half: bool = False, slim: bool = False) -> bytes:
    """The bytes of a checkpoint of ``model``: class name, config, weights and optional ``metadata``.

    ``half=True`` stores each floating tensor of ``HALF_FROM`` or more numbers as float16, which halves
    the file; loading casts it back into the model's float32 weights. Small tensors (biases, batch-norm
    statistics, whose variances can fall below float16's range) keep their precision. ``slim=True`` leaves
    out the submodules the model's class names as ``training_only`` (a GAN's discriminator): loading
    gives them fresh weights drawn from a fixed seed, so the model generates as trained but would train
    its discriminator from the start."""
    if _REGISTRY.get(class_key(type(model))) is not type(model):
        raise TypeError(
            f"{type(model).__name__} is not a registered model class: subclass gm.Trainable, or register it "
            "with gm.register_model"
        )
    config = getattr(model, "config", None)
    if not isinstance(config, dict):
        raise TypeError(f"{type(model).__name__} has no `config` dict of constructor arguments, so it cannot be saved")
    left_out = list(getattr(model, "training_only", ())) if slim else []
    state = {k: v.detach().cpu() for k, v in model.state_dict().items() if not within(k, left_out)}
    if half:
        state = {k: _half(v) for k, v in state.items()}
    payload = {
        "format": FORMAT,
        "class": class_key(type(model)),
        "config": config,
        "state_dict": state,
        "weights_sha256": weights_digest(state),
        "metadata": metadata or {},
        "left_out": left_out,
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    try:  # never write a file that load() would refuse
        torch.load(io.BytesIO(buffer.getvalue()), weights_only=True)
    except pickle.UnpicklingError as err:
        raise TypeError(f"config and metadata must be plain numbers, strings, lists and dicts: {err}") from None
    return buffer.getvalue()


def within(key: str, modules: Sequence[str]) -> bool:
    """True when the state entry ``key`` belongs to one of ``modules`` (named as attributes of the model)."""
    return any(key == module or key.startswith(module + ".") for module in modules)


def _half(tensor: torch.Tensor) -> torch.Tensor:
    if tensor.dtype != torch.float32 or tensor.numel() < HALF_FROM or tensor.abs().max() > 60_000:
        return tensor
    return tensor.half()


def save(model: nn.Module, path: str | os.PathLike, metadata: dict[str, Any] | None = None) -> Path:
    """Write ``model``'s class name, config, weights and optional ``metadata`` to ``path`` atomically."""
    path = Path(path)
    write_atomically(path, encode(model, metadata))
    return path


def read(path: str | os.PathLike, contents: bytes | None = None) -> dict[str, Any]:
    """The raw contents of a checkpoint, checked for shape; raises ``CheckpointError`` if unreadable.

    Given ``contents`` (the file's bytes, already read and perhaps unpacked), those are read instead of
    the file, and ``path`` only names it in errors."""
    path = Path(path)
    if contents is None and not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}.")
    try:
        source = path if contents is None else io.BytesIO(contents)
        payload = torch.load(source, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        # PyTorch's own message suggests weights_only=False, which would run the file's code: not passed on.
        raise CheckpointError(f"{path} holds Python objects other than weights and plain data. {_FIX}") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as err:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise CheckpointError(f"{path} is not a readable checkpoint ({first_line}). {_FIX}") from None
    if not isinstance(payload, dict) or payload.get("format") not in READABLE_FORMATS:
        raise CheckpointError(f"{path} is a PyTorch file but not a gmtutor checkpoint. {_FIX}")
    wanted = {"class": str, "config": dict, "state_dict": dict, "metadata": dict}
    for key, kind in wanted.items():
        if not isinstance(payload.get(key), kind):
            raise CheckpointError(f"{path} has no {key!r} entry of type {kind.__name__}. {_FIX}")
    left_out = payload.setdefault("left_out", [])
    if not (isinstance(left_out, list) and all(isinstance(name, str) for name in left_out)):
        raise CheckpointError(f"{path} has a 'left_out' entry that is not a list of module names. {_FIX}")
    return payload


def build(name: str, config: dict[str, Any], device: torch.device | str = "cpu") -> nn.Module:
    """A fresh model of the class ``name`` (a ``class_key``) from its constructor ``config``; ``CheckpointError``
    names what is wrong."""
    cls = model_class(name)
    try:
        with torch.device(device):
            return cls(**config)
    except (TypeError, ValueError, RuntimeError, KeyError, IndexError) as err:
        raise CheckpointError(f"{name}(**{config}) cannot be built: {err}") from None


def load(path: str | os.PathLike, device: torch.device | str | None = None, contents: bytes | None = None) -> nn.Module:
    """Rebuild the model saved at ``path`` (in eval mode, on ``device`` or the CPU).

    Every way a file can fail to give back its model raises ``CheckpointError``: an unknown class, a
    config its constructor refuses, weights of other names or shapes (checked on PyTorch's "meta"
    device first, so an absurd size in a forged config allocates nothing), and non-finite weights.
    ``contents``, as in ``read``: the file's bytes, read already. Weights stored in 16 bits (``encode``)
    load into the model's own float32 ones.
    """
    payload = read(path, contents)
    name, config, state = payload["class"], payload["config"], payload["state_dict"]
    try:
        skeleton = build(name, config, device="meta")
    except CheckpointError as err:
        raise CheckpointError(f"{path}: {err} {_FIX}") from None
    left_out = payload["left_out"]
    if not set(left_out) <= set(getattr(skeleton, "training_only", ())):
        raise CheckpointError(f"{path} leaves out {left_out}, more than {name} may do without. {_FIX}")
    expected = {key: tuple(value.shape) for key, value in skeleton.state_dict().items() if not within(key, left_out)}
    stored = {key: tuple(value.shape) for key, value in state.items() if isinstance(value, torch.Tensor)}
    if stored != expected or len(stored) != len(state):
        differing = sorted(set(expected) ^ set(stored)) or [k for k in expected if expected[k] != stored.get(k)]
        raise CheckpointError(
            f"{path}: the weights do not fit a {name}({config}) (first difference: "
            f"{differing[0] if differing else 'a non-tensor entry'}). {_FIX}"
        )
    broken = [key for key, value in state.items() if value.is_floating_point() and not torch.isfinite(value).all()]
    if broken:
        raise CheckpointError(f"{path}: weights {broken[0]!r} hold NaN or infinity. {_FIX}")
    recorded = payload.get("weights_sha256")
    if payload["format"] != "gmtutor-checkpoint-1" and recorded != weights_digest(state):
        raise CheckpointError(f"{path}: the weights are not the ones it was saved with (their hash differs). {_FIX}")
    with torch.random.fork_rng(devices=[]):  # what was left out gets the same fresh weights on every load
        torch.manual_seed(0)
        model = build(name, config)
    model.load_state_dict(state, strict=not left_out)  # the names were checked against the skeleton above
    model.metadata = payload["metadata"]
    model.weights_sha256 = recorded
    return model.to(device or "cpu").eval()
