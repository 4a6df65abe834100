"""Where code runs and how repeatable it is: device choice, seeding, quick mode, cache folder."""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

from gmtutor.core.errors import DeviceUnavailable

_DEVICE_ENV = "GMTUTOR_DEVICE"
TRAINING_DEVICES = ("cpu", "cuda", "mps")  # the devices the course trains on; others (meta, xpu, ...) are refused
MOST_STEPS = 10_000_000  # optimiser steps in one run: about a month of the course's models on a laptop CPU
MOST_SAMPLES = 10_000_000  # items drawn, moved or scored in one call


def bounded(name: str, value: int, most: int) -> int:
    """``value`` when it is a whole number from 1 to ``most``; else a ``ValueError`` that names it and the bounds."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise ValueError(f"{name} must be a whole number from 1 to {most:,}, got {value!r}")
    return value


def training_device(wanted: str | torch.device) -> torch.device:
    """``wanted`` as a device the course can train on here, or a one-line ``DeviceUnavailable`` with the fix."""
    try:
        chosen = torch.device(wanted)
    except (RuntimeError, TypeError):
        raise DeviceUnavailable(f"{wanted!r} is not a device name; use cpu, cuda, cuda:N or mps.") from None
    if chosen.type not in TRAINING_DEVICES:
        raise DeviceUnavailable(f"the course does not train on {chosen.type!r} devices; use cpu, cuda, cuda:N or mps.")
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable(f"{wanted!r} asks for CUDA, but this PyTorch sees no CUDA GPU; use cpu.")
    if chosen.type == "mps" and not torch.backends.mps.is_available():
        raise DeviceUnavailable(f"{wanted!r} asks for Apple MPS, which is not available here; use cpu.")
    return chosen


_QUICK_ENV = "GMTUTOR_QUICK"
_CACHE_ENV = "GMTUTOR_CACHE_DIR"


def device() -> torch.device:
    """The device to compute on: CUDA, else Apple MPS, else CPU.

    Set ``GMTUTOR_DEVICE`` (``cpu``, ``cuda``, ``cuda:1``, ``mps``) to choose by hand.
    """
    wanted = os.environ.get(_DEVICE_ENV, "").strip()
    if wanted:
        try:
            return training_device(wanted)
        except DeviceUnavailable as err:
            raise DeviceUnavailable(f"{_DEVICE_ENV}={wanted!r}: {err} (or unset {_DEVICE_ENV})") from None
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def module_device(module: torch.nn.Module) -> torch.device:
    """The device a module's weights (or, without weights, its buffers) are on; the CPU for an empty module."""
    for tensor in (*module.parameters(), *module.buffers()):
        return tensor.device
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch so that a CPU run repeats exactly."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
        torch.backends.cudnn.benchmark = False


def quick() -> bool:
    """True when ``GMTUTOR_QUICK=1``: tiny training runs, for tests and CI. Unset or 0 means full mode."""
    value = os.environ.get(_QUICK_ENV, "").strip()
    if value not in {"", "0", "1"}:
        raise ValueError(f"{_QUICK_ENV}={value!r}: set it to 1 for quick mode or 0 (or unset it) for full mode.")
    return value == "1"


def cache_dir() -> Path:
    """The folder for downloads and checkpoints.

    ``GMTUTOR_CACHE_DIR`` if set; else ``data/`` of the source checkout this package
    runs from; else ``~/.cache/gmtutor`` for an installed copy.
    """
    if os.environ.get(_CACHE_ENV):
        return Path(os.environ[_CACHE_ENV]).expanduser()
    checkout = checkout_root()
    if (checkout / "pyproject.toml").is_file() and (checkout / "data").is_dir():
        return checkout / "data"
    return Path.home() / ".cache" / "gmtutor"


def checkout_root() -> Path:
    """The folder above the ``gmtutor`` package: the repository root when running from a source checkout."""
    return Path(__file__).resolve().parents[2]


def environment_report() -> str:
    """A few lines naming the Python, library versions, device and mode this session runs with."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    lines = [f"Python       {platform.python_version()} on {platform.system()} {platform.machine()}"]
    for package in ("torch", "numpy", "scikit-learn", "matplotlib", "ipywidgets", "gmtutor"):
        try:
            lines.append(f"{package:<12} {version(package)}")
        except PackageNotFoundError:
            lines.append(f"{package:<12} not installed")
    chosen = device()
    detail = f" ({torch.cuda.get_device_name(chosen)})" if chosen.type == "cuda" else ""
    lines.append(f"device       {chosen}{detail}, {torch.get_num_threads()} CPU threads")
    lines.append(f"mode         {'quick (GMTUTOR_QUICK=1): tiny runs for testing' if quick() else 'full'}")
    return "\n".join(lines)
