"""Make the shipped models from a model cache: ``python -m gmtutor.weights.build [--cache DIR]``.

To regenerate them all, train every model the notebooks load, then pack what they left in the cache:

    gmtutor course --retrain --out run      # every notebook in full mode, every model trained into run/cache
    python -m gmtutor.weights.build --cache run/cache/checkpoints     # pack those models
    gmtutor course --out shipped            # every notebook again, on the shipped models (an empty cache)...
    python -m gmtutor.weights.build --results shipped-cache/results  # ...and ship the results they computed

(the second run needs its own empty cache: ``GMTUTOR_CACHE_DIR=shipped-cache gmtutor course --out shipped``).

A checkpoint is packed when it is full mode, trained on the embedded subset and made by its recipe as it
stands now (``current``): a model of an older recipe would not load anyway. Its large weights go to 16
bits, the parts only training uses (a GAN's discriminator) are left out (``checkpoint.encode(half=True,
slim=True)``), its sample snapshots go to 8 bits, and the file is packed with LZMA.
The manifest is rewritten, and shipped files that it no longer names are deleted.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import lzma
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gmtutor import weights
from gmtutor.core import checkpoint
from gmtutor.core.data import load_mnist
from gmtutor.core.files import write_atomically
from gmtutor.core.train import History
from gmtutor.models.base import Trainable
from gmtutor.zoo.cache import checkpoint_dir, fingerprint, trained_fingerprint
from gmtutor.zoo.recipes import RECIPES

MOST_BYTES = 25_000_000  # the shipped files together (the course's promise: a clone stays small)


def comparable(printed: dict[str, Any]) -> dict[str, Any]:
    """A fingerprint as JSON gives it back (tuples become lists), without the data it was trained on: what must
    equal the recipe's own fingerprint for a shipped model to be current."""
    return {k: v for k, v in json.loads(json.dumps(printed)).items() if k != "data"}


def current(printed: dict[str, Any], changes: dict[str, Any] | None = None, quick: bool = False) -> bool:
    """True when ``printed`` (a checkpoint's fingerprint) is what its recipe, with the ``changes`` a notebook asked
    for (``gm.zoo.get(name, data, **changes)``), makes today on the embedded subset in full mode (or quick, for
    tests), whatever number of its digits it saw (notebook 05c trains on fewer)."""
    name = printed.get("recipe")
    if name not in RECIPES or printed.get("quick") != quick or printed.get("data", {}).get("source") != "embedded":
        return False
    changes = dict(changes or {})
    try:
        if "model_class" in changes:  # kept in the checkpoint by its name (checkpoint.class_key)
            changes["model_class"] = checkpoint.model_class(changes["model_class"])
        chosen = dataclasses.replace(RECIPES[name], **changes)
    except (TypeError, ValueError):  # a field the recipe no longer has, a value it refuses, a class gone
        return False
    return comparable(printed) == comparable(fingerprint(chosen, load_mnist("embedded"), quick))


def pack(model: Trainable) -> tuple[bytes, dict[str, Any]]:
    """A model loaded from the cache: its shipped bytes and its manifest entry (without the hash and size)."""
    metadata = dict(model.metadata)
    metadata["callbacks"] = [_eight_bit(state) for state in metadata.get("callbacks", [])]
    packed = lzma.compress(checkpoint.encode(model, metadata, half=True, slim=True))
    entry = {
        "recipe": metadata["trained"]["recipe"],
        "fingerprint": trained_fingerprint(model),
        "changes": metadata.get("changes", {}),
        "history": metadata["history"],
        "final": metadata["final"],
        "versions": metadata.get("versions", {}),
    }
    return packed, entry


def _eight_bit(state: dict[str, Any]) -> dict[str, Any]:
    """A ``SampleSnapshots`` state with its images in 8 bits, as the callback now keeps them."""
    from gmtutor.core.train import eight_bit

    images = state.get("images")
    return {**state, "images": {k: eight_bit(v) for k, v in images.items()}} if isinstance(images, dict) else state


def choose(candidates: dict[str, tuple[bytes, dict[str, Any]]]) -> dict[str, tuple[bytes, dict[str, Any]]]:
    """The packed files that ship, within ``MOST_BYTES``: every recipe's own model (asked for without changes,
    on all the subset's training digits), then the variants notebooks train (with changes, or on fewer
    digits), those that save the most training seconds per byte first; a variant left out is trained when
    its notebook runs."""
    plain = {name: item for name, item in candidates.items() if item[1]["recipe's own"]}
    total = sum(len(packed) for packed, _ in plain.values())
    if total > MOST_BYTES:
        raise ValueError(f"the recipes' own models take {total / 1e6:.1f} MB, over {MOST_BYTES / 1e6:.0f} MB")
    chosen = dict(plain)

    def saved_per_byte(item: tuple[str, tuple[bytes, dict[str, Any]]]) -> float:
        packed, entry = item[1]
        return History(entry["history"]).seconds / len(packed)

    variants = [(name, item) for name, item in candidates.items() if name not in plain]
    for name, (packed, entry) in sorted(variants, key=saved_per_byte, reverse=True):
        if total + len(packed) <= MOST_BYTES:
            chosen[name], total = (packed, entry), total + len(packed)
    for name, (packed, entry) in candidates.items():
        seconds = History(entry["history"]).seconds
        verdict = "ships" if name in chosen else "left out: trained when needed"
        print(f"{name:<52} {len(packed) / 1e6:6.2f} MB {seconds:6.0f} s of training  {verdict}", flush=True)
    return chosen


def pack_results(found: Path, out: Path | None = None) -> list[str]:
    """Copy the full-mode results of ``found`` (a cache's ``results`` folder, filled by a run of the notebooks on
    the shipped models) into ``out/results``, replacing those there; return their names. A result's key names
    its models by their weights, so one shipped here is read only while a notebook uses the shipped models."""
    target = (out or weights.folder()) / "results"
    kept = []
    for path in sorted(found.glob("*.json")):
        raw = path.read_bytes()
        stored = json.loads(raw)
        if isinstance(stored, dict) and stored.get("key", {}).get("quick") is False:
            kept.append((path.name, raw))
    target.mkdir(exist_ok=True)
    for old in target.glob("*.json"):
        old.unlink()
    for name, raw in kept:
        write_atomically(target / name, raw)
    print(f"{len(kept)} results, {sum(len(raw) for _, raw in kept) / 1e3:.0f} kB, in {target}")
    return [name for name, _ in kept]


def build(cache: Path | None = None, out: Path | None = None, quick: bool = False) -> dict[str, Any]:
    """Pack every current full-mode (``quick``: quick-mode) checkpoint of ``cache`` (default: the model cache) into
    ``out`` (default: this package's folder), write the manifest, delete shipped files it no longer names; return
    the manifest."""
    cache = cache or checkpoint_dir()
    out = out or weights.folder()
    packed_files: dict[str, tuple[bytes, dict[str, Any]]] = {}
    for path in sorted(cache.glob(f"*-embedded-{'quick' if quick else 'full'}-*.pt")):
        try:
            model = checkpoint.load(path)
            printed = trained_fingerprint(model)
        except checkpoint.CheckpointError as err:
            print(f"skipped {path.name}: {err}")
            continue
        if not current(printed, model.metadata.get("changes"), quick):
            print(f"skipped {path.name}: made by an older recipe")
            continue
        packed, entry = pack(model)
        own_data = fingerprint(RECIPES[printed["recipe"]], load_mnist("embedded"), quick)["data"]
        entry["recipe's own"] = not entry["changes"] and printed["data"] == own_data
        packed_files[path.name + ".xz"] = packed, entry
    packed_files = choose(packed_files)  # checked before anything is written
    total = sum(len(packed) for packed, _ in packed_files.values())
    models = {}
    for name, (packed, entry) in packed_files.items():
        write_atomically(out / name, packed)
        models[name] = {**entry, "sha256": weights.sha256(packed), "bytes": len(packed)}
    manifest = {"models": models}
    write_atomically(out / weights.MANIFEST_NAME, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())
    for old in out.glob("*.pt.xz"):
        if old.name not in models:
            old.unlink()
    print(f"{len(models)} models, {total / 1e6:.1f} MB, in {out}")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gmtutor.weights.build", description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None, help="model cache to pack (default: gmtutor's cache)")
    parser.add_argument("--out", type=Path, default=None, help="folder for the files (default: gmtutor/weights)")
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help="also ship these results (a cache's results folder, filled by a "
        "run of the notebooks on the shipped models), instead of packing models",
    )
    args = parser.parse_args(argv)
    if args.results is not None:
        pack_results(args.results, args.out)
    else:
        build(args.cache, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
