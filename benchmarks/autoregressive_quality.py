"""The autoregressive family: PixelCNN and the pixel transformer, their exact bits/dim, sampling time and completions.

Both recipes come from the cache (trained on first use; ``--retrain`` to time a fresh run). Measured:

- exact test bits/dim (the summed categorical negative log-likelihood over 784 ln 2) on the test digits, and
  on the real MNIST test set when ../shared/mnist holds it, each on its model's own scale: the course's
  recipes see black-and-white pixels (2 greys), ``pixelcnn-8bit`` the 8-bit digit (256 greys, the flows' scale);
- training seconds (the cache records them) and parameters;
- seconds to draw 64 samples pixel by pixel with the fast sampler (the PixelCNN runs only the rows that can
  reach the next pixel; the transformer caches keys and values), and 16 with and without it; how sure the
  judge is of the 64 samples' digit (its mean top probability: real test digits score near 1);
- completions of the top half of test digits (``gmtutor.tools.completion``): how often the CNN judge reads
  the source's digit (also at temperature 0.8), their Frechet distance to the other test digits and their
  novelty against the training digits; beside them, the top half alone with the rest blank (the baseline a
  completion must beat, in black and white and in greys), a lookup (the bottom of the training digit with the
  nearest top half: what the top half settles, by copying) and the sources themselves (the floor);
- with ``--longer N``, the 8-bit PixelCNN trained for N steps, to show what more training buys.

Targets (issue 30): PixelCNN at most 1.0 bits/dim on the real test set (the 8-bit digit), trained in 5 CPU
minutes; 64 samples in under 60 s; top-half completions read as the source digit at least 80% of the time.

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
from gmtutor.tools.completion import (  # noqa: E402
    KEPT_ROWS,
    complete,
    completion_scores,
    kept_alone,
    lookup_completion,
    split_per_class,
)

MODELS = {"PixelCNN": "pixelcnn", "pixel transformer": "pixel-transformer", "PixelCNN, 256 greys": "pixelcnn-8bit"}
COOLER = 0.8  # a second completion temperature: the logits divided by it
TARGETS = {"bits/dim": 1.0, "training seconds": 300.0, "seconds for 64 samples": 60.0, "completions read right": 0.8}


def bits_per_dim(model, images: torch.Tensor) -> float:
    return (model.nll(images) / (784 * math.log(2.0))).mean().item()


def timed_samples(model, n: int, cached: bool) -> tuple[float, torch.Tensor]:
    start = time.perf_counter()
    samples = model.sample(n, generator=torch.Generator().manual_seed(0), cached=cached)
    return time.perf_counter() - start, samples


def judge_sureness(judge, images: torch.Tensor) -> float:
    """The judge's mean top class probability: near 1 for real digits, lower for scribbles."""
    return judge.predict_proba(images).max(1).values.mean().item()


def completion_row(name: str, completed, split, judge, training) -> dict:
    sources, labels, reference = split
    return {"model": name, **completion_scores(completed, sources, labels, reference, judge, training)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrain", action="store_true", help="train afresh even if the models are cached")
    parser.add_argument("--per-class", type=int, default=20, help="test digits of each class to complete")
    parser.add_argument("--longer", type=int, default=0, help="steps of a longer 8-bit PixelCNN run (0: none)")
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
    results["baselines"] = [
        completion_row("top half alone, black and white", kept_alone(sources, levels=2), split, judge, data.x_train),
        completion_row("top half alone, 256 greys", kept_alone(sources), split, judge, data.x_train),
        completion_row(
            "lookup: nearest training top half", lookup_completion(sources, data.x_train), split, judge, data.x_train
        ),
    ]
    results["floor"] = completion_row("the sources themselves", as_images(sources), split, judge, data.x_train)
    results["floor"]["judge sureness"] = judge_sureness(judge, as_images(data.x_test))
    for row in results["baselines"]:
        print("  " + ", ".join(f"{k} {v:.3g}" if k != "model" else v for k, v in row.items()))
    models = {
        name: gm.zoo.get(recipe, trained_on, retrain=args.retrain, progress=False) for name, recipe in MODELS.items()
    }
    if args.longer:
        longer = gm.zoo.get("pixelcnn-8bit", trained_on, retrain=args.retrain, progress=False, steps=args.longer)
        models[f"PixelCNN, 256 greys, {args.longer:,} steps"] = longer
    for name, model in models.items():
        model.eval()
        print(name, model.history.last["step"], "steps")
        row = {
            "model": name,
            "greys": model.levels,
            "parameters": model.parameter_count(),
            "training seconds": model.history.seconds,
            "test bits/dim": bits_per_dim(model, data.x_test),
        }
        if real is not None:
            row["real test bits/dim"] = bits_per_dim(model, real[0])
        if name in MODELS:  # the recipes are timed; the longer run only measures what more steps buy
            row["seconds for 64 samples"], samples = timed_samples(model, 64, cached=True)
            row["judge sureness"] = judge_sureness(judge, samples)
            row["seconds for 16 samples"] = timed_samples(model, 16, cached=True)[0]
            row["seconds for 16 samples, uncached"] = timed_samples(model, 16, cached=False)[0]
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
