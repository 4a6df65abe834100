"""What the benchmark scripts share: the optional real MNIST test files, and where results are written.

Every benchmark ends with ``save_results``: what it measured goes to ``benchmarks/results/<name>.json``
with the date, the machine and the data. The website's pages (``docs/pages``) are rendered from those
files, so a number on a page is always one a benchmark printed, never one copied by hand.
"""

from __future__ import annotations

import json
import os
import platform
from datetime import date
from pathlib import Path
from typing import Any

import torch

# Benchmarks keep freed memory in the process, as the course runner does (measured by allocator.py to speed up
# the convolutional models on a CPU); allocator.py's own runs set it either way themselves.
os.environ.setdefault("GMTUTOR_KEEP_FREED_MEMORY", "1")

from gmtutor.core.data import MNIST_FILES, read_idx_file  # noqa: E402
from gmtutor.core.files import write_atomically  # noqa: E402
from gmtutor.core.runtime import checkout_root  # noqa: E402

# The real MNIST test set beside the checkout, used for evaluation when present; no benchmark needs it.
SHARED_MNIST = checkout_root().parent / "shared" / "mnist"
RESULTS = Path(__file__).resolve().parent / "results"


def real_test_set() -> tuple[torch.Tensor, torch.Tensor] | None:
    """The real MNIST test set (10,000 uint8 images and int64 labels) from SHARED_MNIST, or None when absent."""
    images, labels = (SHARED_MNIST / f"{spec.name}.gz" for spec in MNIST_FILES[2:])
    if not (images.is_file() and labels.is_file()):
        return None
    x = torch.from_numpy(read_idx_file(images, "images").copy())
    return x, torch.from_numpy(read_idx_file(labels, "labels").astype("int64"))


def machine(device: str | torch.device | None = None) -> dict[str, Any]:
    """The machine a measurement ran on: CPU cores, the device, and the library versions."""
    import gmtutor as gm

    chosen = torch.device(device) if device is not None else gm.device()
    return {
        "cpus": os.cpu_count(),
        "processor": platform.machine(),
        "device": chosen.type,
        "gpu": torch.cuda.get_device_name(chosen) if chosen.type == "cuda" else None,
        "python": platform.python_version(),
        "torch": torch.__version__.split("+")[0],
    }


def save_results(name: str, results: dict[str, Any], *, data: str, device: str | None = None, **about: Any) -> Path:
    """Write ``results`` (plain numbers, strings, lists and dicts) to ``benchmarks/results/<name>.json``."""
    payload = {
        "benchmark": name,
        "script": f"benchmarks/{name.split('-')[0]}.py",
        "measured": date.today().isoformat(),
        "machine": machine(device),
        "data": data,
        **about,
        "results": results,
    }
    path = RESULTS / f"{name}.json"
    write_atomically(path, (json.dumps(payload, indent=1, ensure_ascii=False, default=_plain) + "\n").encode("utf-8"))
    print(f"results written to {path.relative_to(checkout_root())}")
    return path


def _plain(value: Any) -> Any:
    """NumPy and torch scalars as Python numbers."""
    return value.item() if hasattr(value, "item") else str(value)


def print_differences(title: str, found: list[dict], decimals: int) -> None:
    """The pairs of ``gmtutor.tools.spread.differences``, a line each, saying whether each is one to read."""
    print(f"{title}: differences larger than twice their combined bootstrap spread:")
    for pair in found:
        verdict = "yes" if pair["larger than the spread"] else "no, within the spread"
        gap = f"{pair['difference']:+.{decimals}f} (spread {pair['spread']:.{decimals}f})"
        print(f"  {pair['first']} - {pair['second']}: {gap}: {verdict}")
