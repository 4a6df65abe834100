"""MLP against DCGAN-style convolutional networks for the GAN, WGAN-GP and InfoGAN, at each recipe's budget.

Each variant trains with its recipe's steps, batch size and learning rate unless it names its own (the
paper's WGAN-GP settings, a shorter InfoGAN run, another seed); otherwise only the networks and the
learning rates of G and Q change. Each is measured as the scoreboard measures it: the Frechet distance of
10,000 samples to the test digits in the CNN judge's features; for InfoGAN also the accuracy of its
category on the test digits after the best matching of categories to digits (no label is used in
training), on the subset's test digits and, when ``../shared/mnist`` holds it, on the real MNIST test set
(t10k).

Run by hand:  python benchmarks/conv_gans.py [--variants NAME ...] [--samples N]
Results: benchmarks/results/conv_gans.json (merged, so variants can be run one at a time).
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ["GMTUTOR_QUICK"] = "0"  # default (full-mode) settings, whatever the shell says

import torch  # noqa: E402
from common import RESULTS, real_test_set, save_results  # noqa: E402

import gmtutor as gm  # noqa: E402
from gmtutor.tools.clusters import matched_accuracy  # noqa: E402
from gmtutor.tools.scoreboard import draw_samples, sample_quality  # noqa: E402
from gmtutor.zoo.recipes import subset_passes  # noqa: E402

INFOGAN_MLP = {"architecture": "mlp", "spectral_norm": True, "g_lr_scale": 1.0, "q_lr_scale": 1.0}
NO_ANCHORS = {"noise_scale": 1.0, "clustering_weight": 0.0}  # the recipe before its two anchors of the category
WIDE = {"shared": 1024}  # the paper's 1,024 units in the trunk's dense layer, which every recipe so far has had
PASSES_45 = {"steps": subset_passes(45, 64)}  # the budget of the recipes so far
PAPER_WGAN = {"batch_size": 320, "lr": 1e-4}  # five critic steps of 64 images per generator step, at lr 1e-4
VARIANTS = {  # name: (recipe, settings added to the recipe's model, fit settings replacing the recipe's)
    "GAN, MLP (notebook 03's collapse lesson)": ("gan-mlp", {}, {}),
    "GAN, conv, G at D's lr": ("gan", {"g_lr_scale": 1.0}, {}),
    "GAN, conv (the recipe)": ("gan", {}, {}),
    "WGAN-GP, MLP, the paper's settings": ("wgan-gp", {"architecture": "mlp", "critic_steps": 5}, PAPER_WGAN),
    "WGAN-GP, conv, the paper's settings": ("wgan-gp", {"critic_steps": 5}, PAPER_WGAN),
    "WGAN-GP, conv (the recipe)": ("wgan-gp", {}, {}),
    "InfoGAN, MLP, 30 passes (the previous recipe's networks)": (
        "infogan",
        {**INFOGAN_MLP, **NO_ANCHORS},
        {"steps": subset_passes(30, 64)},
    ),
    "InfoGAN, conv, no anchors, 30 passes": ("infogan", {**NO_ANCHORS, **WIDE}, {"steps": subset_passes(30, 64)}),
    "InfoGAN, conv, no anchors (the previous recipe)": ("infogan", {**NO_ANCHORS, **WIDE}, PASSES_45),
    "InfoGAN, conv, no anchors (the previous recipe), seed 1": (
        "infogan",
        {**NO_ANCHORS, **WIDE},
        {**PASSES_45, "seed": 1},
    ),
    "InfoGAN, conv, no anchors (the previous recipe), seed 2": (
        "infogan",
        {**NO_ANCHORS, **WIDE},
        {**PASSES_45, "seed": 2},
    ),
    "InfoGAN, conv, no anchors, Q on D's side (the paper's code), Q at D's lr": (
        "infogan",
        {**NO_ANCHORS, **WIDE, "q_with_discriminator": True, "q_lr_scale": 1.0},
        PASSES_45,
    ),
    "InfoGAN, conv, no anchors, Q on D's side, Q at 5x D's lr": (
        "infogan",
        {**NO_ANCHORS, **WIDE, "q_with_discriminator": True},
        PASSES_45,
    ),
    "InfoGAN, conv, no anchors, noise 16": ("infogan", {**NO_ANCHORS, **WIDE, "noise_dim": 16}, PASSES_45),
    "InfoGAN, conv, no anchors, information weight 3": (
        "infogan",
        {**NO_ANCHORS, **WIDE, "info_weight": 3.0},
        PASSES_45,
    ),
    # the trunk's dense layer at a quarter of the paper's width: within three CPU minutes, but not on every seed
    "InfoGAN, conv, anchored, 256 shared units": ("infogan", {"shared": 256}, {}),
    "InfoGAN, conv, anchored, 256 shared units, seed 1": ("infogan", {"shared": 256}, {"seed": 1}),
    "InfoGAN, conv, anchored, 256 shared units, seed 2": ("infogan", {"shared": 256}, {"seed": 2}),
    "InfoGAN, conv, noise spread 0.3 alone": ("infogan", {"clustering_weight": 0.0}, {}),
    "InfoGAN, conv, two-view anchor alone": ("infogan", {"noise_scale": 1.0}, {}),
    "InfoGAN, conv (the recipe)": ("infogan", {}, {}),
    "InfoGAN, conv (the recipe), seed 1": ("infogan", {}, {"seed": 1}),
    "InfoGAN, conv (the recipe), seed 2": ("infogan", {}, {"seed": 2}),
}


def category_accuracy(model: gm.InfoGAN, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        clusters = torch.cat([model.category(part) for part in gm.as_images(x).split(1000)])
    return matched_accuracy(y.numpy(), clusters.numpy())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), help="which variants (default: all)")
    parser.add_argument("--samples", type=int, default=10_000, help="samples for the FD")
    args = parser.parse_args()
    data = gm.load_mnist()
    evaluation = data.per_class(400, 100)
    judge = gm.zoo.get("judge", data, progress=False)
    real = real_test_set()
    print(f"trained on {data.describe()}; FD of {args.samples:,} samples against the test digits", flush=True)
    path = RESULTS / "conv_gans.json"
    results = json.loads(path.read_text())["results"] if path.exists() else {"variants": {}}
    results["variants"] = {key: row for key, row in results["variants"].items() if key in VARIANTS}  # no stale rows
    for name in args.variants:
        recipe_name, extra, fit_settings = VARIANTS[name]
        recipe = gm.recipe(recipe_name)
        settings = {**recipe.settings(quick=False), **fit_settings}
        torch.manual_seed(settings["seed"])  # the seed draws the initial weights as well as the batches
        model = recipe.model_class(**{**recipe.config, **extra})
        start = time.perf_counter()
        gm.fit(model, recipe.training_data(data, quick=False), progress=False, **settings)
        seconds = time.perf_counter() - start
        model.eval()
        quality = sample_quality(draw_samples(model, args.samples), evaluation.x_test, judge)
        row = {
            "recipe": recipe_name,
            "seed": settings["seed"],
            **model.config,
            **{key: settings[key] for key in ("steps", "batch_size", "lr")},
            "training seconds": seconds,
            **quality,
            "weights": model.parameter_count(),
        }
        line = f"{name:<44} {seconds:6.0f} s  FD {quality['sample FD']:6.1f}"
        if recipe_name == "infogan":
            row["category accuracy, subset test"] = category_accuracy(model, data.x_test, data.y_test)
            line += f"  category accuracy: subset test {row['category accuracy, subset test']:.1%}"
            if real is not None:
                row["category accuracy, t10k"] = category_accuracy(model, *real)
                line += f", t10k {row['category accuracy, t10k']:.1%}"
        print(line + f"  ({row['weights']:,} weights)", flush=True)
        results["variants"][name] = row
        results["samples"] = args.samples
        save_results("conv_gans", results, data=data.describe())


if __name__ == "__main__":
    main()
