"""How good is the default BiGAN? Train it in full mode and measure what notebook 04 reports.

    python benchmarks/bigan_quality.py                     # the "bigan" recipe, embedded data
    python benchmarks/bigan_quality.py --reconstruction 0  # the pure BiGAN

Prints: how often G(E(x)) keeps the class of a test digit (judged by logistic regression on
pixels, trained on real digits), 1-NN and logistic-regression accuracy on E(x) against the same on
a randomly initialised encoder of the same shape (the recipe's starting point) and on raw pixels,
and the training time.
Training time depends on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import torch
from common import save_results

import gmtutor as gm
from gmtutor import evaluate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="embedded", choices=["embedded", "mnist", "auto"])
    parser.add_argument("--steps", type=int, default=None, help="default: the recipe's")
    parser.add_argument("--reconstruction", type=float, default=None, help="weight of the MSE of G(E(x)); 0: pure")
    parser.add_argument("--seed", type=int, default=None, help="default: the recipe's")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args()
    os.environ["GMTUTOR_QUICK"] = "0"
    if args.threads:
        torch.set_num_threads(args.threads)

    data = gm.load_mnist(args.data)
    print("Data:", data.describe())
    print("Device:", gm.device(), f"({torch.get_num_threads()} CPU threads)")
    chosen = gm.recipe("bigan")
    changes = {"steps": args.steps, "seed": args.seed}
    if args.reconstruction is not None:
        changes["config"] = {**chosen.config, "reconstruction": args.reconstruction}
    chosen = dataclasses.replace(chosen, **{k: v for k, v in changes.items() if v is not None})
    print(chosen)

    start = time.perf_counter()
    bigan, history = chosen.train(data, progress=False)
    wall = time.perf_counter() - start
    bigan.cpu()
    random_encoder = chosen.build().eval()  # the same architecture at its starting point, before training
    print("configuration:", bigan.config)

    data = data.per_class(400, 100)  # evaluate as the notebooks do (the embedded subset's sizes)
    classifier = evaluate.digit_classifier(data)
    rows = [
        ("classifier accuracy on real test digits", classifier.accuracy(data.x_test, data.y_test)),
        (
            "G(E(x)) keeps the class (true label)",
            evaluate.class_keeping_rate(bigan, data.x_test, data.y_test, classifier),
        ),
    ]
    probes = {
        "E(x), trained BiGAN": evaluate.probe_encoder(bigan, data),
        "E(x), random init": evaluate.probe_encoder(random_encoder, data),
        "raw pixels": evaluate.probe_pixels(data),
    }
    print()
    for name, value in rows:
        print(f"{name:<44} {value:6.3f}")
    print(f"\n{'features':<24} {'1-NN':>7} {'log. reg.':>10}")
    for name, result in probes.items():
        print(f"{name:<24} {result['1-NN']:7.3f} {result['logistic regression']:10.3f}")
    print(f"\ntraining: {history.seconds:.0f} s over {history.last['step']:,} steps ({wall:.0f} s wall clock)")
    results = {name: value for name, value in rows}
    results.update(probes=probes, **{"training seconds": history.seconds, "steps": int(history.last["step"])})
    pure = args.reconstruction == 0
    save_results("bigan_quality-pure" if pure else "bigan_quality", results, data=data.describe(), config=bigan.config)


if __name__ == "__main__":
    main()
