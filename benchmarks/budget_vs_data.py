"""Does a fixed budget of steps give models at least as good when the training set grows?

The recipes train for a number of optimiser steps, not epochs, so that the course takes the same
minutes on full MNIST (60,000 images) as on the embedded subset (4,000). Full MNIST's training images
are not on this machine, so this script asks the question on the largest set of real MNIST digits that
is: the 10,000 digits of the real MNIST test set (../shared/mnist), shuffled once with a fixed seed.

- held out: 2,000 of them, never trained on;
- small: 4,000 of the others, the size of the embedded subset's training split;
- large: 8,000, the small set and 4,000 more.

Each recipe is trained with its full-mode budget on the small and on the large set, and both models are
scored on the held-out digits. All three sets come from one pool of writers, so the only difference is
how many digits the same steps are spread over.

    python benchmarks/budget_vs_data.py [--recipes vae-2d vae-20d flow]
"""

from __future__ import annotations

import argparse
import os
import time

import torch
from common import SHARED_MNIST, real_test_set, save_results

import gmtutor as gm

HELD_OUT, SMALL, LARGE = 2000, 4000, 8000


def real_digits() -> tuple[torch.Tensor, torch.Tensor]:
    """The 10,000 real MNIST test digits and labels, in a fixed random order."""
    found = real_test_set()
    if found is None:
        raise SystemExit(f"this benchmark needs the real MNIST test files in {SHARED_MNIST}")
    x, y = found
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    return x[order], y[order]


def held_out_score(model, images) -> tuple[str, float]:
    """The recipe's own yardstick on held-out images: nats per image for VAEs, bits per dimension for flows."""
    gm.seed_everything(0)
    parts = gm.average_loss(model, images, batch_size=500)
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
    x, y = real_digits()
    x_out, y_out = x[-HELD_OUT:], y[-HELD_OUT:]
    training_sets = {size: gm.MNIST(x[:size], y[:size], x_out, y_out, "mnist") for size in (SMALL, LARGE)}
    print(f"pool: the 10,000 real MNIST test digits; held out: the last {HELD_OUT:,} of a fixed shuffle")
    print(f"{'recipe':<9} {'training digits':>15} {'steps':>6} {'passes':>7} {'minutes':>8}  held-out score")
    rows = []
    for name in args.recipes:
        chosen = gm.recipe(name)
        for size, data in training_sets.items():
            start = time.perf_counter()
            model, history = chosen.train(data, progress=False)
            minutes = (time.perf_counter() - start) / 60
            what, score = held_out_score(model, x_out)
            passes = history.last["epoch"]
            line = f"{name:<9} {size:>15,} {chosen.steps:>6,} {passes:>7.1f} {minutes:>8.1f}  {score:.3f} {what}"
            print(line, flush=True)
            rows.append(
                {"recipe": name, "training digits": size, "steps": chosen.steps, "passes": passes, "score": score}
            )
            rows[-1].update(minutes=minutes, measure=what)
    data = f"real MNIST test digits: {SMALL:,} or {LARGE:,} to train on, {HELD_OUT:,} held out"
    save_results("budget_vs_data", {"rows": rows}, data=data)


if __name__ == "__main__":
    main()
