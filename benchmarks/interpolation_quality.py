"""Can a model move an unseen digit along a class axis? The course's central claim, measured.

For every ordered pair (b, a) of digits: encode the held-out test digits of class b, add alpha
times the b -> a interpolation vector, decode, and ask the digit classifier (logistic regression
on pixels). Prints the rate labelled a, averaged over the 90 pairs, for alpha = 1 and 1.5, and
how many decoded class centroids the classifier recognises.

Run by hand:  python benchmarks/interpolation_quality.py [--models vae-20d] [--seeds 0 1 2]
Target: the 20-d VAE at default settings on the embedded data labels at least 80% as a at alpha = 1.
Seeds other than the recipe's train (and cache) extra copies of a model, to show the spread.
"""

from __future__ import annotations

import argparse
import os

os.environ["GMTUTOR_QUICK"] = "0"  # default (full-mode) settings, whatever the shell says

import gmtutor as gm  # noqa: E402
from gmtutor.tools.evaluate import axis_transfer_rates, decoded_centroid_accuracy, digit_classifier  # noqa: E402
from gmtutor.tools.latent import PixelSpace  # noqa: E402

MODELS = ["vae-20d", "vae-2d", "bigan"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=MODELS)
    parser.add_argument("--seeds", nargs="+", type=int, default=None, help="training seeds (default: the recipe's)")
    args = parser.parse_args()
    trained_on = gm.load_mnist()
    data = trained_on.per_class(400, 100)  # centroids and scores as the notebooks compute them
    classifier = digit_classifier(data)
    print(f"{data.describe()}; classifier test accuracy {classifier.accuracy(data.x_test, data.y_test):.1%}")
    print(f"{'model':<20} {'train s':>8} {'alpha 1':>8} {'alpha 1.5':>10} {'centroids':>10}")
    _report("pixels (NB means)", PixelSpace(), 0.0, data, classifier)
    for name in args.models:
        at_alpha_1 = []
        for seed in args.seeds or [gm.recipe(name).seed]:
            changes = {} if seed == gm.recipe(name).seed else {"seed": seed}
            model = gm.zoo.get(name, trained_on, progress=False, **changes)  # trained on first use, then cached
            label = name if not changes else f"{name} seed {seed}"
            at_alpha_1.append(_report(label, model, model.history.seconds, data, classifier))
        if len(at_alpha_1) > 1:
            mean = sum(at_alpha_1) / len(at_alpha_1)
            print(f"{name + ' mean':<20} {'':>8} {mean:8.1%}  (min {min(at_alpha_1):.1%}, max {max(at_alpha_1):.1%})")


def _report(label: str, model, seconds: float, data, classifier) -> float:
    rates = [axis_transfer_rates(model, data, classifier, alpha).nanmean().item() for alpha in (1.0, 1.5)]
    centroids = decoded_centroid_accuracy(model, data, classifier)
    print(f"{label:<20} {seconds:8.0f} {rates[0]:8.1%} {rates[1]:10.1%} {centroids:10.0%}", flush=True)
    return rates[0]


if __name__ == "__main__":
    main()
