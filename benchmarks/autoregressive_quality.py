"""The autoregressive family: PixelCNN and the pixel transformer, their exact bits/dim, sampling time and completions.

Both recipes come from the cache (trained on first use; ``--retrain`` to time a fresh run). Measured:

- exact test bits/dim (the summed 256-way categorical negative log-likelihood over 784 ln 2) on the test
  digits, and on the real MNIST test set when ../shared/mnist holds it;
- training seconds (the cache records them) and parameters;
- seconds to draw 64 samples pixel by pixel with the fast sampler (the PixelCNN runs only the rows that can
  reach the next pixel; the transformer caches keys and values), and 16 with and without it;
- completions of the top half of test digits (``gmtutor.tools.completion``): how often the CNN judge reads
  the source's digit (also at temperature 0.8), their Frechet distance to the other test digits and their
  novelty against the training digits; beside them, the top half alone with the rest blank (the baseline a
  completion must beat) and the sources themselves (the floor);
- a PixelCNN trained for twice the steps (``--longer``), to show what more training buys.

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
from gmtutor.core.data import as_images  # noqa: E402
from gmtutor.tools.completion import KEPT_ROWS, complete, completion_scores, split_per_class  # noqa: E402

MODELS = {"PixelCNN": "pixelcnn", "pixel transformer": "pixel-transformer"}
COOLER = 0.8  # a second completion temperature: the logits divided by it
TARGETS = {"bits/dim": 1.0, "training seconds": 300.0, "seconds for 64 samples": 60.0, "completions read right": 0.8}


def bits_per_dim(model, images: torch.Tensor) -> float:
    return (model.nll(images) / (784 * math.log(2.0))).mean().item()


def seconds_to_sample(model, n: int, cached: bool) -> float:
    start = time.perf_counter()
    model.sample(n, generator=torch.Generator().manual_seed(0), cached=cached)
    return time.perf_counter() - start


def completion_row(name: str, completed, split, judge, training) -> dict:
    sources, labels, reference = split
    return {"model": name, **completion_scores(completed, sources, labels, reference, judge, training)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrain", action="store_true", help="train afresh even if the models are cached")
    parser.add_argument("--per-class", type=int, default=20, help="test digits of each class to complete")
    parser.add_argument("--longer", type=int, default=2400, help="steps of a longer PixelCNN run (0: none)")
    args = parser.parse_args()
    trained_on = gm.load_mnist()
    data = trained_on.per_class(400, 100)
    judge = gm.zoo.get("judge", trained_on, progress=False)
    real = real_test_set()
    print(f"trained on {trained_on.describe()}; {torch.get_num_threads()} threads")
    split = split_per_class(data.x_test, data.y_test, args.per_class)
    sources, labels, reference = split
    results: dict = {"targets": TARGETS, "completed digits": len(sources), "reference digits": len(reference)}
    results.update({"kept rows": KEPT_ROWS, "rows": [], "batch": 64, "small batch": 16, "cooler": COOLER})
    alone = as_images(sources).clone()
    alone[:, :, KEPT_ROWS:] = 0
    results["baseline"] = completion_row("top half alone (blank below)", alone, split, judge, data.x_train)
    results["floor"] = completion_row("the sources themselves", as_images(sources), split, judge, data.x_train)
    print("  " + ", ".join(f"{k} {v:.3g}" for k, v in results["baseline"].items() if k != "model"))
    models = {
        name: gm.zoo.get(recipe, trained_on, retrain=args.retrain, progress=False) for name, recipe in MODELS.items()
    }
    if args.longer:
        longer = gm.zoo.get("pixelcnn", trained_on, retrain=args.retrain, progress=False, steps=args.longer)
        models[f"PixelCNN, {args.longer:,} steps"] = longer
    for name, model in models.items():
        model.eval()
        print(name, model.history.last["step"], "steps")
        row = {
            "model": name,
            "parameters": model.parameter_count(),
            "training seconds": model.history.seconds,
            "test bits/dim": bits_per_dim(model, data.x_test),
        }
        if real is not None:
            row["real test bits/dim"] = bits_per_dim(model, real[0])
        if name in MODELS:  # the recipes are timed; the longer run only measures what more steps buy
            row["seconds for 64 samples"] = seconds_to_sample(model, 64, cached=True)
            row["seconds for 16 samples"] = seconds_to_sample(model, 16, cached=True)
            row["seconds for 16 samples, uncached"] = seconds_to_sample(model, 16, cached=False)
        start = time.perf_counter()
        completed = complete(model, sources, seed=1)
        row["seconds to complete"] = time.perf_counter() - start
        scored = completion_row(name, completed, split, judge, data.x_train)
        row.update({key: value for key, value in scored.items() if key != "model"})
        cooler = complete(model, sources, seed=1, temperature=COOLER)
        row["completion read right, cooler"] = judge.accuracy(cooler, labels)
        results["rows"].append(row)
        print("  " + ", ".join(f"{key} {value:.3g}" for key, value in row.items() if key != "model"))
    print("targets: " + ", ".join(f"{key} {value:g}" for key, value in TARGETS.items()))
    save_results("autoregressive_quality", results, data=data.describe(), trained_on=trained_on.describe())


if __name__ == "__main__":
    main()
