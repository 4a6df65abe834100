"""The autoregressive family: PixelCNN and the pixel transformer, their exact bits/dim, sampling time and completions.

Both recipes come from the cache (trained on first use; ``--retrain`` to time a fresh run). Measured:

- exact test bits/dim (the summed 256-way categorical negative log-likelihood over 784 ln 2) on the test
  digits, and on the real MNIST test set when ../shared/mnist holds it;
- training seconds (the cache records them) and parameters;
- seconds to draw 64 samples pixel by pixel with the fast sampler (the PixelCNN runs only the rows that can
  reach the next pixel; the transformer caches keys and values), and 16 with and without it;
- completions of the top half of test digits: how often the CNN judge reads the source's digit, their
  Frechet distance to the real test digits and their novelty against the training digits.

Targets (issue 30): PixelCNN at most 1.0 bits/dim on the real test set, trained in 5 CPU minutes; 64 samples
in under 60 s; top-half completions read as the source digit at least 80% of the time.

    python benchmarks/autoregressive_quality.py [--retrain]
"""

from __future__ import annotations

import argparse
import math
import os
import time

import torch

os.environ["GMTUTOR_QUICK"] = "0"  # full-mode recipes, whatever the shell says

from common import real_test_set, save_results  # noqa: E402

import gmtutor as gm  # noqa: E402
from gmtutor.models.autoregressive import top_rows  # noqa: E402
from gmtutor.tools.copying import NOVELTY_SHIFT, novelty  # noqa: E402
from gmtutor.tools.realism import frechet_distance  # noqa: E402

MODELS = {"PixelCNN": "pixelcnn", "pixel transformer": "pixel-transformer"}
TARGETS = {"bits/dim": 1.0, "training seconds": 300.0, "seconds for 64 samples": 60.0, "completions read right": 0.8}


def bits_per_dim(model, images: torch.Tensor) -> float:
    return (model.nll(images) / (784 * math.log(2.0))).mean().item()


def seconds_to_sample(model, n: int, cached: bool) -> float:
    start = time.perf_counter()
    model.sample(n, generator=torch.Generator().manual_seed(0), cached=cached)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrain", action="store_true", help="train afresh even if the models are cached")
    parser.add_argument("--per-class", type=int, default=20, help="test digits of each class to complete")
    args = parser.parse_args()
    trained_on = gm.load_mnist()
    data = trained_on.per_class(400, 100)
    judge = gm.zoo.get("judge", trained_on, progress=False)
    real = real_test_set()
    print(f"trained on {trained_on.describe()}; {torch.get_num_threads()} threads")
    completing = data.per_class(test=args.per_class)
    sources = completing.x_test
    real_features = judge.embed(data.x_test)
    results: dict = {"targets": TARGETS, "completed digits": len(sources), "kept rows": 14, "rows": []}
    results["batch"], results["small batch"] = 64, 16
    for name, recipe in MODELS.items():
        print(gm.recipe(recipe))
        model = gm.zoo.get(recipe, trained_on, retrain=args.retrain, progress=False).eval()
        row = {
            "model": name,
            "parameters": model.parameter_count(),
            "training seconds": model.history.seconds,
            "test bits/dim": bits_per_dim(model, data.x_test),
        }
        if real is not None:
            row["real test bits/dim"] = bits_per_dim(model, real[0])
        row["seconds for 64 samples"] = seconds_to_sample(model, 64, cached=True)
        row["seconds for 16 samples"] = seconds_to_sample(model, 16, cached=True)
        row["seconds for 16 samples, uncached"] = seconds_to_sample(model, 16, cached=False)
        start = time.perf_counter()
        completed = model.sample(
            len(sources), start=sources, keep=top_rows(14), generator=torch.Generator().manual_seed(1)
        )
        row["seconds to complete"] = time.perf_counter() - start
        row["completions read right"] = judge.accuracy(completed, completing.y_test)
        row["completion FD"] = frechet_distance(judge.embed(completed), real_features)
        found = novelty(completed, data.x_train, data.x_test, NOVELTY_SHIFT)
        row["completion copies"], row["completion distance ratio"] = found.copy_share, found.distance_ratio
        results["rows"].append(row)
        print("  " + ", ".join(f"{key} {value:.3g}" for key, value in row.items() if key != "model"))
    results["floor FD"] = frechet_distance(judge.embed(data.x_train[: len(sources)]), real_features)
    print(f"real training digits against the test digits: FD {results['floor FD']:.1f}")
    print("targets: " + ", ".join(f"{key} {value:g}" for key, value in TARGETS.items()))
    save_results("autoregressive_quality", results, data=data.describe(), trained_on=trained_on.describe())


if __name__ == "__main__":
    main()
