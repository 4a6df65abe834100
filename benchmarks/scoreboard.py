"""One scoreboard for every family: likelihood, sample quality, imagination, size and training time.

Every model enters on the same terms, the notebooks' (``gmtutor.tools.scoreboard.course_scoreboard``):
negative log-likelihood of the test digits as 8-bit images (dequantised; the VAE's as an importance-weighted
bound with k samples under a continuous-Bernoulli reading of its decoder), the Frechet distance,
precision/recall and density/coverage of 10,000 samples against the test digits in the CNN judge's features
(1,000 from the autoregressive models, which draw pixel by pixel; the training digits give the floor),
novelty, imagination at alpha 1 (for the denoisers: each digit inverted to noise and regenerated under the
other labels; for the autoregressive models: top halves completed), parameters and training seconds. The
rows are the notebooks' rows: each is kept by ``gm.zoo.remember``, so rows that notebooks 06, 06a and 06c
computed (or that ship with the package's models) are read back, and the rest computed. Models come from
the cache or the shipped models (trained with their full-mode recipes otherwise). The CycleGAN enters with
its own pair of digits, translated both ways: it samples nothing from noise.

    python benchmarks/scoreboard.py [--k 100] [--samples 10000]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ["GMTUTOR_QUICK"] = "0"  # default (full-mode) settings, whatever the shell says

from common import print_differences, save_results  # noqa: E402

import gmtutor as gm  # noqa: E402
from gmtutor.tools.classifiers import pixels  # noqa: E402
from gmtutor.tools.scoreboard import (  # noqa: E402
    IMAGINATION_ALPHA,
    SEQUENTIAL_SAMPLES,
    course_scoreboard,
    format_scoreboard,
)
from gmtutor.tools.spread import differences  # noqa: E402

# the rows whose differences the results page weighs against their spreads (Naive Bayes: the cross-fade)
HEADLINE = ("VAE 20-d", "BiGAN", "RealNVP", "flow matching", "Naive Bayes", "copier (retrieval)")
# beside the course scoreboard's own models, named as notebooks 06a and 06c name them (so their rows are read back)
EXTRA = {
    "VAE 2-d": "vae-2d",
    "PixelCNN": "pixelcnn",
    "pixel transformer": "pixel-transformer",
    "DDPM (noise)": "ddpm",
    "flow matching": "flow-matching",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=100, help="importance samples for the VAE's bound")
    parser.add_argument("--samples", type=int, default=10_000, help="samples per model for the sample scores")
    args = parser.parse_args()
    trained_on = gm.load_mnist()
    data = trained_on.per_class(400, 100)
    judge = gm.zoo.get("judge", trained_on, progress=False)
    print(f"{data.describe()}; CNN judge {judge.accuracy(data.x_test, data.y_test):.1%} on the test digits")
    extra = {name: gm.zoo.get(recipe, trained_on, progress=False) for name, recipe in EXTRA.items()}
    start = time.perf_counter()
    rows = course_scoreboard(trained_on, data, judge, extra, progress=False, n_samples=args.samples, k=args.k)
    print(f"scored (or read back) {len(rows)} rows in {time.perf_counter() - start:.0f} s", flush=True)
    start = time.perf_counter()
    gm.GaussianNB().fit(pixels(trained_on.x_train), trained_on.y_train)
    naive_bayes = next(row for row in rows if row["model"] == "Naive Bayes")
    naive_bayes["training s"] = time.perf_counter() - start  # fitted, not cached: its time is measured here
    print(format_scoreboard(rows))
    headline = [row for row in rows if row["model"] in HEADLINE]
    separated = {column: differences(headline, column) for column in ("sample FD", "imagination FD")}
    for column, found in separated.items():
        print_differences(column, found, decimals=1)
    settings = {"samples": args.samples, "k": args.k, "judge test accuracy": judge.accuracy(data.x_test, data.y_test)}
    settings["sequential samples"] = SEQUENTIAL_SAMPLES[False]
    settings["alpha"] = IMAGINATION_ALPHA
    settings["differences"] = {"times": 2.0, **separated}
    save_results("scoreboard", {"rows": rows, **settings}, data=data.describe(), trained_on=trained_on.describe())


if __name__ == "__main__":
    main()
