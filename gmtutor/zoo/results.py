"""Measurements kept as JSON beside the cached models: ``remember(label, compute, **key)``.

A scoreboard row or an imagination table takes minutes to compute and never changes while its models and
settings stay the same. ``remember`` keeps ``compute()``'s result under ``<cache>/results`` (or finds it
among the results shipped with the package's models) and reads it back while its key matches: the label,
quick or full mode, ``RESULTS_VERSION`` (raised when the way a result is computed changes; it retrains no
model) and the caller's key, in which each model appears as its ``identity``: its class, configuration and
a hash of its weights, so a result never outlives the weights it was computed from.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gmtutor.core.checkpoint import class_key, weights_digest, within
from gmtutor.core.files import write_atomically
from gmtutor.core.runtime import cache_dir, quick

RESULTS_VERSION = 2
_IN_MEMORY: dict[str, Any] = {}  # results that a read-only cache could not keep, for the rest of the process


class UnsavedResultWarning(UserWarning):
    """A result was computed but could not be written to the cache (a read-only folder, say)."""


def results_dir() -> Path:
    """Where measurements computed from models are kept: ``<cache>/results``."""
    return cache_dir() / "results"


def shipped_results_dir() -> Path:
    """The results shipped with the package beside its models (``gmtutor/weights/results``): computed from the
    shipped models, so their keys match only while a notebook uses those very weights."""
    from gmtutor.weights import folder

    return folder() / "results"


def identity(model: Any) -> dict[str, Any]:
    """What makes ``model`` the model it is, for a ``remember`` key: its class, ``config`` and a hash of the
    weights that decide what it computes (a torch model's ``state_dict``; ``gm.GaussianNB``'s fitted means and
    variances).

    Two kinds of weights are left out, because their last bits differ from one processor to another while
    the results do not: the parts only training uses (``training_only``: a GAN's discriminator, which a
    shipped model rebuilds from a fixed seed when it loads), and all the weights of a model refitted in place
    from fixed data (``identified_by_config``: the pixels' logistic regression, whose config names the data
    and the settings). A shipped result then matches on every machine that loads the shipped models."""
    if getattr(model, "identified_by_config", False):
        return {"class": class_key(type(model)), "config": model.config, "weights": None}
    left_out = getattr(model, "training_only", ())
    state = {k: v for k, v in model.state_dict().items() if not within(k, left_out)}
    return {"class": class_key(type(model)), "config": model.config, "weights": weights_digest(state)}


def _plain(value: Any) -> Any:
    """NumPy and torch scalars as Python numbers, for JSON."""
    return value.item() if hasattr(value, "item") else str(value)


def remember(label: str, compute: Callable[[], Any], **key: Any) -> Any:
    """``compute()``'s result, kept as JSON in ``results_dir()`` and given back while ``label`` and ``key`` match.

    Pass what decides the result as ``key`` (each model's ``identity``, the settings). The result must be
    JSON: numbers, strings, lists and dicts. Nothing is unpickled. A file that cannot be read, or does not hold
    this key's result, is recomputed and replaced; when the cache cannot be written, the value is kept in
    memory for the rest of the process, with a warning that names the fix.
    """
    described = json.dumps(
        {"version": RESULTS_VERSION, "label": label, "quick": quick(), **key}, sort_keys=True, default=_plain
    )
    digest = hashlib.sha256(described.encode()).hexdigest()[:12]
    path = results_dir() / f"{label}-{digest}.json"
    found = _read(path, json.loads(described)) or _read(shipped_results_dir() / path.name, json.loads(described))
    if found is not None:
        return found[0]
    if str(path) in _IN_MEMORY:
        return _IN_MEMORY[str(path)]
    value = json.loads(json.dumps(compute(), default=_plain))  # what a later read would give back
    payload = json.dumps({"key": json.loads(described), "value": value}, indent=1)
    try:
        write_atomically(path, payload.encode("utf-8"))
    except OSError as err:
        _IN_MEMORY[str(path)] = value
        warnings.warn(
            f"could not keep the {label!r} result in {path.parent} ({err.strerror or err}); it is kept in memory "
            "for this session only. Point GMTUTOR_CACHE_DIR at a folder you can write to keep it.",
            UnsavedResultWarning,
            stacklevel=2,
        )
    return value


def _read(path: Path, key: Any) -> tuple[Any] | None:
    """``(value,)`` from the result file at ``path`` when it holds ``key``'s result; None otherwise (missing,
    unreadable, not JSON, another shape, a folder in its place)."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key or "value" not in stored:
        return None
    return (stored["value"],)


def clear_results() -> int:
    """Delete every remembered result (``<cache>/results/*.json``); return how many went."""
    removed = 0
    for path in results_dir().glob("*.json"):
        if path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    _IN_MEMORY.clear()
    return removed
