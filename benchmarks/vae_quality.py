"""Test negative ELBO of the course's VAEs, trained with their default (full-mode) recipes.

Run by hand:  python benchmarks/vae_quality.py   (models come from the cache, trained on first use;
`gmtutor cache clear` first to time a fresh training run)
Targets on the embedded subset: 20-d at or below 120 nats per image, 2-d at or below 165.
When ../shared/mnist holds the real MNIST test set, the same models are also scored on its
10,000 images (they are still trained on the data `load_mnist()` gives).
"""

from __future__ import annotations

import os

import torch
from common import SHARED_MNIST, save_results

import gmtutor as gm
from gmtutor.core.data import read_idx_file

os.environ["GMTUTOR_QUICK"] = "0"  # the default settings, whatever the shell says
TARGETS = {"vae-2d": 165.0, "vae-20d": 120.0}


def negative_elbo(model, images, repeats: int = 5) -> float:
    """Mean over ``repeats`` one-sample evaluations (the estimate is stochastic)."""
    gm.seed_everything(123)
    return sum(gm.average_loss(model, images)["loss"] for _ in range(repeats)) / repeats


def main() -> None:
    data = gm.load_mnist()
    real_test = None
    if (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").is_file():
        real_test = torch.from_numpy(read_idx_file(SHARED_MNIST / "t10k-images-idx3-ubyte.gz", "images", 10_000).copy())
    print(f"trained on {data.describe()}; device {gm.device()}")
    header = f"{'recipe':<8} {'train s':>8} {'test -ELBO':>11} {'target':>7}"
    print(header + (f" {'real MNIST test -ELBO':>22}" if real_test is not None else ""))
    results = {}
    for name, target in TARGETS.items():
        model = gm.zoo.get(name, data, progress=False)  # trained once with the default recipe, then cached
        row = {"training seconds": model.history.seconds, "test -ELBO": negative_elbo(model, data.x_test)}
        row["target"] = target
        line = f"{name:<8} {row['training seconds']:8.1f} {row['test -ELBO']:11.1f} {target:7.0f}"
        if real_test is not None:
            row["real test -ELBO"] = negative_elbo(model, real_test)
            line += f" {row['real test -ELBO']:22.1f}"
        results[name] = row
        print(line, flush=True)
    save_results("vae_quality", results, data=data.describe())


if __name__ == "__main__":
    main()
