"""How good is the default BiGAN? Train it in full mode, beside the variants it was chosen over, and measure.

    python benchmarks/bigan_quality.py                            # the recipe and the MLP trio
    python benchmarks/bigan_quality.py --variants "pure BiGAN"    # one variant; rows are merged

For each variant: how often G(E(x)) keeps the class of a test digit, judged by the logistic regression of
notebook 04 (trained on real pixels) and by the CNN judge, on the subset's test digits and, when
``../shared/mnist`` holds it, on the real MNIST test set (t10k); E(x) as features for 1-NN and logistic
regression against a randomly initialised encoder of the same shape and against raw pixels; how real the
moved digits of notebook 05 are (Frechet distance, precision and the CNN's target rate of test digits moved
towards every other class at alpha 1 and 1.5); and the training time, which depends on what else runs.
Results: benchmarks/results/bigan_quality.json.
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
from gmtutor import evaluate  # noqa: E402
from gmtutor.models.classifier import DigitCNN  # noqa: E402
from gmtutor.tools.imagination import imagination  # noqa: E402

MLP = {"architecture": "mlp", "spectral_norm": True, "g_lr_scale": 1.0}  # the previous recipe's networks
VARIANTS = {  # name: settings added to the "bigan" recipe's model
    "BiGAN, conv (the recipe)": {},
    "BiGAN, conv, G and E at D's lr": {"g_lr_scale": 1.0},
    "BiGAN, conv, no spectral norm": {"spectral_norm": False},
    "BiGAN, MLP (the previous recipe's networks)": MLP,
    "pure BiGAN (conv, no reconstruction term)": {"reconstruction": 0.0},
}
DEFAULT = ["BiGAN, conv (the recipe)", "BiGAN, MLP (the previous recipe's networks)"]
ALPHAS = (1.0, 1.5)


def moved_digits(model: gm.BiGAN, data: gm.MNIST, judge: DigitCNN, alpha: float) -> dict[str, float]:
    """Notebook 05's scores of ``data``'s test digits moved towards every other class by ``alpha``."""
    found = imagination(model, data, {"CNN": judge}, judge, alpha)
    return {"alpha": alpha, **found.target_rate, **found.realism}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=DEFAULT, choices=list(VARIANTS), help="default: %(default)s")
    args = parser.parse_args()
    data = gm.load_mnist()
    evaluation = data.per_class(400, 100)  # evaluate as the notebooks do (the embedded subset's sizes)
    moved = evaluation.per_class(test=50)  # notebook 05's imagination table moves 50 test digits per class
    judge = gm.zoo.get("judge", data, progress=False)
    classifier = evaluate.digit_classifier(evaluation)
    real = real_test_set()
    print(f"trained on {data.describe()}; device {gm.device()}", flush=True)
    path = RESULTS / "bigan_quality.json"
    results = json.loads(path.read_text())["results"] if path.exists() else {}
    results = {
        "variants": {k: v for k, v in results.get("variants", {}).items() if k in VARIANTS},
        "classifier accuracy on real test digits": classifier.accuracy(evaluation.x_test, evaluation.y_test),
        "judge accuracy on real test digits": judge.accuracy(evaluation.x_test, evaluation.y_test),
        "raw pixels probe": evaluate.probe_pixels(evaluation),
        "alphas": list(ALPHAS),
    }
    recipe = gm.recipe("bigan")
    settings = recipe.settings(quick=False)
    for name in args.variants:
        config = {**recipe.config, **VARIANTS[name]}
        torch.manual_seed(settings["seed"])  # the seed draws the initial weights as well as the batches
        model = recipe.model_class(**config)
        random_encoder = recipe.model_class(**config).eval()  # the same networks, untrained
        start = time.perf_counter()
        gm.fit(model, recipe.training_data(data, quick=False), progress=False, **settings)
        seconds = time.perf_counter() - start
        model.eval()
        row = {
            **model.config,
            **{key: settings[key] for key in ("steps", "batch_size", "lr")},
            "training seconds": seconds,
            "weights": model.parameter_count(),
            "keeps the class, logistic regression, subset test": evaluate.class_keeping_rate(
                model, evaluation.x_test, evaluation.y_test, classifier
            ),
            "keeps the class, CNN judge, subset test": evaluate.class_keeping_rate(
                model, evaluation.x_test, evaluation.y_test, judge
            ),
            "probe": evaluate.probe_encoder(model, evaluation),
            "probe, random encoder": evaluate.probe_encoder(random_encoder, evaluation),
            "moved": [moved_digits(model, moved, judge, alpha) for alpha in ALPHAS],
        }
        if real is not None:
            row["keeps the class, CNN judge, t10k"] = evaluate.class_keeping_rate(model, *real, judge)
        print(f"\n{name}: {seconds:.0f} s of training, {row['weights']:,} weights")
        for key in [k for k in row if k.startswith("keeps the class")]:
            print(f"  G(E(x)) {key:<54} {row[key]:6.1%}")
        for key in ("probe", "probe, random encoder"):
            probe = row[key]
            print(f"  {key:<22} 1-NN {probe['1-NN']:6.1%}  logistic regression {probe['logistic regression']:6.1%}")
        for found in row["moved"]:
            print(
                f"  moved digits, alpha {found['alpha']:g}: FD {found['FD']:6.1f}, precision {found['precision']:6.1%},"
                f" CNN target rate {found['CNN target rate']:6.1%}"
            )
        results["variants"][name] = row
        save_results("bigan_quality", results, data=data.describe())


if __name__ == "__main__":
    main()
