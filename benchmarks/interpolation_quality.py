"""Can a model move an unseen digit along a class axis? The course's central claim, measured.

For every ordered pair (b, a) of digits: encode the held-out test digits of class b, add alpha
times the b -> a interpolation vector, decode, and ask the digit classifier (logistic regression
on pixels). Prints the rate labelled a, averaged over the 90 pairs, for alpha = 1 and 1.5, and
how many decoded class centroids the classifier recognises.

Run by hand:  python benchmarks/interpolation_quality.py
Target: the 20-d VAE at default settings on the embedded data labels at least 80% as a at alpha = 1.
"""

from __future__ import annotations

import os

os.environ["GMTUTOR_QUICK"] = "0"  # default (full-mode) settings, whatever the shell says

import gmtutor as gm  # noqa: E402
from gmtutor.evaluate import axis_transfer_rates, decoded_centroid_accuracy, digit_classifier  # noqa: E402
from gmtutor.latent import PixelSpace  # noqa: E402

MODELS = ["vae-20d", "vae-2d", "bigan"]


def main() -> None:
    data = gm.load_mnist()
    classifier = digit_classifier(data)
    print(f"{data.describe()}; classifier test accuracy {classifier.accuracy(data.x_test, data.y_test):.1%}")
    print(f"{'model':<16} {'train s':>8} {'alpha 1':>8} {'alpha 1.5':>10} {'centroids':>10}")
    candidates = [("pixels (NB means)", lambda: (PixelSpace(), 0.0))]
    for name in MODELS:
        if name in gm.RECIPES:
            candidates.append((name, lambda name=name: _train(name, data)))
    for label, make in candidates:
        model, seconds = make()
        rates = [axis_transfer_rates(model, data, classifier, alpha).nanmean().item() for alpha in (1.0, 1.5)]
        centroids = decoded_centroid_accuracy(model, data, classifier)
        print(f"{label:<16} {seconds:8.0f} {rates[0]:8.1%} {rates[1]:10.1%} {centroids:10.0%}", flush=True)


def _train(name: str, data):
    model = gm.zoo.get(name, data, progress=False)  # trained on first use, then loaded from the cache
    return model, model.history.seconds


if __name__ == "__main__":
    main()
