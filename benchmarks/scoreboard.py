"""One scoreboard for every family: likelihood, sample quality, imagination, size and training time.

Every model enters on the same terms (``gmtutor.tools.scoreboard``): negative log-likelihood of the test
digits as 8-bit images (dequantised; the VAE's as an importance-weighted bound with k samples under a
continuous-Bernoulli reading of its decoder), the Frechet distance and precision/recall of 10,000 samples
against the test digits in the CNN judge's features (the training digits give the floor), imagination at
alpha 1 (for the denoisers: each digit inverted to noise and regenerated under the other labels),
parameters and training seconds. Models come from the cache (trained with their full-mode
recipes on first use); Naive Bayes is fitted here, and its imagination is the pixel baseline's (its class
means are the pixel centroids). The CycleGAN enters with its own pair of digits, translated both ways
(``translation_row``): it samples nothing from noise.

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
from gmtutor.tools.latent import PixelSpace  # noqa: E402
from gmtutor.tools.retrieval import StyleRetrieval  # noqa: E402
from gmtutor.tools.scoreboard import (  # noqa: E402
    COURSE_MODELS,
    IMAGINATION_ALPHA,
    floor_row,
    format_scoreboard,
    score_model,
    translation_row,
)
from gmtutor.tools.spread import differences  # noqa: E402

# the rows whose differences the results page weighs against their spreads (Naive Bayes: the cross-fade)
HEADLINE = ("VAE 20-d", "BiGAN", "RealNVP", "flow matching", "Naive Bayes", "copier (retrieval)")
FAMILIES = {"VAE 2-d": "vae-2d", **COURSE_MODELS, "DDPM (noise)": "ddpm", "flow matching": "flow-matching"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=100, help="importance samples for the VAE's bound")
    parser.add_argument("--samples", type=int, default=10_000, help="samples per model for the sample scores")
    args = parser.parse_args()
    trained_on = gm.load_mnist()
    data = trained_on.per_class(400, 100)
    judge = gm.zoo.get("judge", trained_on, progress=False)
    print(f"{data.describe()}; CNN judge {judge.accuracy(data.x_test, data.y_test):.1%} on the test digits")
    rows = [floor_row(data, judge)]
    start = time.perf_counter()
    nb = gm.GaussianNB().fit(pixels(trained_on.x_train), trained_on.y_train)
    seconds = time.perf_counter() - start  # its class means are the pixel baseline's centroids
    rows.append(score_model("Naive Bayes", nb, data, judge, args.samples, args.k, seconds=seconds, space=PixelSpace()))
    for name, recipe in FAMILIES.items():
        start = time.perf_counter()
        model = gm.zoo.get(recipe, trained_on, progress=False)
        rows.append(score_model(name, model, data, judge, args.samples, args.k, trained_on=trained_on))
        print(f"scored {name} in {time.perf_counter() - start:.0f} s", flush=True)
    copier = StyleRetrieval(trained_on)  # passes realism and style by copying: what the novelty columns catch
    rows.append(score_model("copier (retrieval)", copier, data, judge, args.samples, args.k, trained_on=trained_on))
    cyclegan = gm.zoo.get("cyclegan", trained_on, progress=False)  # no samples from noise: its own pair only
    rows.append(translation_row("CycleGAN (6 ↔ 0 only)", cyclegan, data, judge))
    print(format_scoreboard(rows))
    headline = [row for row in rows if row["model"] in HEADLINE]
    separated = {column: differences(headline, column) for column in ("sample FD", "imagination FD")}
    for column, found in separated.items():
        print_differences(column, found, decimals=1)
    settings = {"samples": args.samples, "k": args.k, "judge test accuracy": judge.accuracy(data.x_test, data.y_test)}
    settings["alpha"] = IMAGINATION_ALPHA
    settings["differences"] = {"times": 2.0, **separated}
    save_results("scoreboard", {"rows": rows, **settings}, data=data.describe(), trained_on=trained_on.describe())


if __name__ == "__main__":
    main()
