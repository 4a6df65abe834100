"""Does a fixed budget of steps give models at least as good when the training set grows?

The recipes train for a number of optimiser steps, not epochs, so that the course takes the same
minutes on full MNIST (60,000 images) as on the embedded subset (4,000). Full MNIST's training images
are not on this machine, so this script answers with the largest set of real MNIST digits that is:
each recipe is trained, with its full-mode budget, once on the subset's 4,000 training digits and
once on the 10,000 digits of the real MNIST test set (../shared/mnist), and both models are scored on
the subset's 1,000 test digits, which are MNIST training images and so in neither training set.

    python benchmarks/budget_vs_data.py [--recipes vae-2d vae-20d flow]

Needs ../shared/mnist; prints one line per recipe and training set.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

import torch

import gmtutor as gm
from gmtutor.data import MNIST_FILES, read_idx_file

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "mnist"


def test_score(model, images) -> tuple[str, float]:
    """The recipe's own yardstick on held-out images: nats per image for VAEs, bits per dimension for flows."""
    gm.seed_everything(0)
    parts = gm.average_loss(model, images)
    if "kl" in parts:
        return "negative ELBO (nats)", parts["recon"] + parts["kl"]
    return "bits/dim", parts["loss"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=["vae-2d", "vae-20d", "flow"])
    args = parser.parse_args()
    if not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").is_file():
        raise SystemExit(f"needs the real MNIST test set in {SHARED_MNIST}")
    os.environ["GMTUTOR_QUICK"] = "0"
    subset = gm.load_mnist("embedded")
    images, labels = (f"{spec.name}.gz" for spec in MNIST_FILES[2:])
    x_real = torch.from_numpy(read_idx_file(SHARED_MNIST / images, "images").copy())
    y_real = torch.from_numpy(read_idx_file(SHARED_MNIST / labels, "labels").astype("int64"))
    training_sets = {
        "subset, 4,000 digits": subset,
        "real MNIST, 10,000 digits": gm.MNIST(x_real, y_real, subset.x_test, subset.y_test, "mnist"),
    }
    print(f"{'recipe':<9} {'training set':<27} {'steps':>6} {'passes':>7} {'minutes':>8}  held-out score")
    for name in args.recipes:
        chosen = gm.recipe(name)
        for label, data in training_sets.items():
            start = time.perf_counter()
            model, history = chosen.train(data, progress=False)
            minutes = (time.perf_counter() - start) / 60
            what, score = test_score(model, subset.x_test)
            passes = history.last["epoch"]
            print(f"{name:<9} {label:<27} {chosen.steps:>6,} {passes:>7.1f} {minutes:>8.1f}  {score:.3f} {what}")
            assert math.isfinite(score)


if __name__ == "__main__":
    main()
