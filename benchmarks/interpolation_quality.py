"""Can a model move an unseen digit along a class axis, and is what comes out real? The course's claim, measured.

For every ordered pair (b, a) of digits: encode the held-out test digits of class b, add alpha times
the b -> a interpolation vector (class centroids of the training digits), decode, and score the moved
digits (``gmtutor.tools.imagination``):

- target rate: the fraction labelled a, by logistic regression on pixels (LR) and by the convolutional
  judge (CNN, the recipe "judge");
- realism: Frechet distance (FD), precision and recall of the moved digits against the real test
  digits, in the CNN judge's features; the first row is real training digits, the floor;
- novelty: the share of moved digits that copy a training digit, and their median distance to the
  nearest one over real test digits' (``gmtutor.tools.copying``);
- style kept: correlation of the source's thickness, slant and width with the moved digit's;
- the seed experiment (``gmtutor.tools.seed_experiment``): per model, the smallest alpha at which test 7s
  moved along 6 -> 0 read as 0 more often than as 7 (the CNN judge's mean probabilities), with the
  Frechet distance and copy share there, and the most realistic alpha past it; the same along the 7s'
  own 7 -> 0 axis, in flow matching's inverted noise, and with flow matching asked for a 0 outright.

Models: the pixel baseline (add the difference of two class-mean images: a cross-fade), the 2-d and
20-d VAEs, the BiGAN and RealNVP, and the copier (the training digit of the target class nearest the
source in style, ``gmtutor.tools.retrieval``), trained with their full-mode recipes (first use trains and caches).

    python benchmarks/interpolation_quality.py [--models vae-20d bigan] [--alphas 1 1.5]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ["GMTUTOR_QUICK"] = "0"  # default (full-mode) settings, whatever the shell says

from common import print_differences, real_test_set, save_results  # noqa: E402

import gmtutor as gm  # noqa: E402
from gmtutor.tools.copying import COPY_QUANTILE  # noqa: E402
from gmtutor.tools.evaluate import decoded_centroid_accuracy, digit_classifier  # noqa: E402
from gmtutor.tools.imagination import (  # noqa: E402
    NOVELTY_SHIFT,  # noqa: E402
    format_table,
    imagination_table,
)
from gmtutor.tools.latent import PixelSpace  # noqa: E402
from gmtutor.tools.noise_space import NoiseSpace  # noqa: E402
from gmtutor.tools.retrieval import StyleRetrieval  # noqa: E402
from gmtutor.tools.seed_experiment import SEED_ALPHAS, seed_experiment  # noqa: E402
from gmtutor.tools.spread import differences  # noqa: E402

MODELS = ["vae-2d", "vae-20d", "bigan", "flow"]


def seed_experiments(models: dict, flow_matching, data, judge) -> dict[str, dict]:
    """The seed experiment in every construction: each code space along the blog's 6 -> 0 axis and along
    the 7s' own 7 -> 0 axis, flow matching's inverted noise as a code space (``NoiseSpace``), and the
    relabelling models (flow matching asked for a 0 from each 7's noise; the copier)."""
    spaces = {name: model for name, model in models.items() if model.implements("encode")}
    spaces["flow matching (inverted noise)"] = NoiseSpace(flow_matching)
    runs = [(name, model, axis) for name, model in spaces.items() for axis in ((6, 0), (7, 0))]
    runs += [("flow matching (relabelled 7 -> 0)", flow_matching, None)]
    runs += [(name, model, None) for name, model in models.items() if not model.implements("encode")]
    print("The seed experiment: test 7s moved towards 0, judged by the CNN (FD against the real test 0s):")
    seeds = {}
    for name, model, axis in runs:
        found = seed_experiment(model, data, judge, axis=axis or (6, 0))
        label = "-" if axis is None else f"{axis[0]} -> {axis[1]}"
        seeds[f"{name}, {label}"] = {
            "model": name,
            "axis": label,
            "axis cosine": found.axis_cosine,
            "rows": found.rows,
            "crossing": found.crossing,
            "best": found.best,
            "floor FD": found.floor_fd,
        }
        cosine = "" if found.axis_cosine is None else f" (cosine with 7 -> 0: {found.axis_cosine:.2f})"
        best = found.best
        most_real = (
            ""
            if best is None
            else f"; most realistic at alpha {best['alpha']:g}: FD {best['FD']:.1f}, p(0) {best['p(0)']:.2f}"
        )
        print(f"  {name}{cosine}: {found.summary()}{most_real}")
    return seeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=MODELS)
    parser.add_argument("--alphas", nargs="+", type=float, default=[1.0, 1.5])
    args = parser.parse_args()
    trained_on = gm.load_mnist()
    data = trained_on.per_class(400, 100)  # centroids and scores as the notebooks compute them
    judge = gm.zoo.get("judge", trained_on, progress=False)
    judges = {"LR": digit_classifier(data), "CNN": judge}
    print(data.describe())
    real = real_test_set()
    results: dict = {"judges": {}}
    for name, classifier in judges.items():
        results["judges"][name] = {"test accuracy": classifier.accuracy(data.x_test, data.y_test)}
        line = f"{name} judge: {results['judges'][name]['test accuracy']:.1%} on the test digits"
        if real is not None:
            results["judges"][name]["real test accuracy"] = classifier.accuracy(*real)
            line += f", {results['judges'][name]['real test accuracy']:.1%} on the real MNIST test set"
        print(line)
    models = {"pixels (class means)": PixelSpace()}
    for name in args.models:
        models[name] = gm.zoo.get(name, trained_on, progress=False)
    models["copier (retrieval)"] = StyleRetrieval(data)  # near the top on every measure but novelty
    start = time.perf_counter()
    rows = imagination_table(models, data, judges, judge, tuple(args.alphas), progress=False)
    print(format_table(rows))
    centroids = {  # the copier has no code space, so no centroids to decode
        name: decoded_centroid_accuracy(model, data, judge)
        for name, model in models.items()
        if model.implements("encode")
    }
    print(
        "decoded class centroids labelled as their class (CNN judge):",
        ", ".join(f"{name} {accuracy:.0%}" for name, accuracy in centroids.items()),
    )
    print(f"scored in {time.perf_counter() - start:.0f} s")
    headline = [row for row in rows if row.get("alpha") == args.alphas[0]]
    separated = {column: differences(headline, column) for column in ("CNN target rate", "FD")}
    for column, found in separated.items():
        print_differences(f"{column} at alpha {args.alphas[0]:g}", found, decimals=3)
    seeds = seed_experiments(models, gm.zoo.get("flow-matching", trained_on, progress=False), data, judge)
    results.update(rows=rows, alphas=args.alphas, **{"decoded centroids labelled right": centroids})
    results["seed experiment"] = seeds
    results["seed settings"] = {"source": 7, "from": 6, "to": 0, "alphas": list(SEED_ALPHAS)}
    results["copy quantile"], results["shift"] = COPY_QUANTILE, NOVELTY_SHIFT
    results["differences"] = {"alpha": args.alphas[0], "times": 2.0, **separated}
    results["seed experiment table"] = [  # one row a construction, for the results page
        {
            "model": seed["model"],
            "axis": seed["axis"],
            "axis cosine": seed["axis cosine"],
            "floor FD": seed["floor FD"],
            **(seed["crossing"] or {"alpha": None}),
            **{f"best {key}": value for key, value in (seed["best"] or {"alpha": None}).items()},
        }
        for seed in seeds.values()
    ]
    save_results("interpolation_quality", results, data=data.describe())


if __name__ == "__main__":
    main()
