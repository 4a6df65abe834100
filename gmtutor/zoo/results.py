"""Measurements kept as JSON beside the cached models: ``remember(label, compute, **key)``.

A scoreboard row or an imagination table takes minutes to compute and never changes while its models and
settings stay the same. ``remember`` keeps ``compute()``'s result under ``<cache>/results`` and reads it
back while its key matches: the label, quick or full mode, ``RESULTS_VERSION`` (raised when the way a
result is computed changes; it retrains no model) and the caller's key, in which each model appears as
its ``identity``: its class, configuration and a hash of its weights, so a result never outlives the
weights it was computed from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gmtutor.core.checkpoint import class_key, weights_digest
from gmtutor.core.files import write_atomically
from gmtutor.core.runtime import cache_dir, quick

RESULTS_VERSION = 1


def results_dir() -> Path:
    """Where measurements computed from models are kept: ``<cache>/results``."""
    return cache_dir() / "results"


def identity(model: Any) -> dict[str, Any]:
    """What makes ``model`` the model it is, for a ``remember`` key: its class, ``config`` and a hash of its
    ``state_dict`` (a torch model's weights; ``gm.GaussianNB``'s fitted means and variances)."""
    return {"class": class_key(type(model)), "config": model.config, "weights": weights_digest(model.state_dict())}


def _plain(value: Any) -> Any:
    """NumPy and torch scalars as Python numbers, for JSON."""
    return value.item() if hasattr(value, "item") else str(value)


def remember(label: str, compute: Callable[[], Any], **key: Any) -> Any:
    """``compute()``'s result, kept as JSON in ``results_dir()`` and given back while ``label`` and ``key`` match.

    Pass what decides the result as ``key`` (each model's ``identity``, the settings). The result must be
    JSON: numbers, strings, lists and dicts. Nothing is unpickled; an unreadable file is recomputed and replaced.
    """
    described = json.dumps(
        {"version": RESULTS_VERSION, "label": label, "quick": quick(), **key}, sort_keys=True, default=_plain
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
