"""The GAN variants' numbers (notebooks 04b and 05b), from the model cache (trained with their full-mode
recipes on first use):

- WGAN-GP: Spearman correlation of its Wasserstein estimate with the Frechet distance of 500 samples
  at each record of training, beside the GAN's d_loss and g_loss on the same measure;
- InfoGAN: accuracy of its categorical code on the test digits after the best matching of codes to
  digits (no label used in training);
- CycleGAN: target rate, realism and style kept of its 6 <-> 0 translations beside the latent moves
  (alpha 1) of the 20-d VAE and the BiGAN and the pixel cross-fade, on the same test digits.

    python benchmarks/gan_variants.py
"""

from __future__ import annotations

import os

os.environ["GMTUTOR_QUICK"] = "0"  # default (full-mode) settings, whatever the shell says

import torch  # noqa: E402
from common import save_results  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

import gmtutor as gm  # noqa: E402
from gmtutor.tools.clusters import matched_accuracy  # noqa: E402
from gmtutor.tools.imagination import format_table, score_moves  # noqa: E402
from gmtutor.tools.latent import PixelSpace, class_centroids, interpolation_vector, manipulate  # noqa: E402
from gmtutor.tools.realism import frechet_distance  # noqa: E402

ALPHA = 1.0  # how far the latent moves go along the axis between the two digits' centroids


def record_steps(name: str, every_records: int = 1) -> list[int]:
    settings = gm.recipe(name).settings()
    stride = settings["log_every"] * every_records
    return list(range(stride, settings["steps"] + 1, stride))


def loss_against_quality(data: gm.MNIST, evaluation: gm.MNIST, judge) -> dict:
    real = judge.embed(evaluation.x_test)
    found = {}
    codes = torch.randn(500, 64, generator=torch.Generator().manual_seed(0))
    for name, every, keys in (("wgan-gp", 1, ["w_estimate"]), ("gan", 3, ["d_loss", "g_loss"])):
        snapshots = gm.SampleSnapshots(codes, record_steps(name, every))
        model = gm.zoo.get(name, data, on_log=snapshots, progress=False)
        steps = sorted(snapshots.snapshots)
        fd = [frechet_distance(judge.embed(snapshots.snapshots[s]), real) for s in steps]
        records = {int(r["step"]): r for r in model.history.records}
        for key in keys:
            rho = spearmanr([records[s][key] for s in steps], fd).statistic
            print(f"{name}: Spearman({key}, FD) over {len(steps)} records = {rho:+.2f}; final FD {fd[-1]:.1f}")
            found[f"{name} {key}"] = {"spearman with FD": rho, "records": len(steps), "final FD": fd[-1]}
        found[f"{name} training seconds"] = model.history.seconds
    return found


def infogan_clusters(data: gm.MNIST, evaluation: gm.MNIST) -> dict:
    infogan = gm.zoo.get("infogan", data, progress=False)
    with torch.no_grad():
        found = infogan.category(gm.as_images(evaluation.x_test)).cpu().numpy()
    accuracy = matched_accuracy(evaluation.y_test.numpy(), found, 10)
    print(f"InfoGAN: matched accuracy on {len(found):,} test digits {accuracy:.1%} ({infogan.history.seconds:.0f} s)")
    return {"matched accuracy": accuracy, "test digits": len(found), "training seconds": infogan.history.seconds}


def translations(data: gm.MNIST, evaluation: gm.MNIST, judge) -> dict:
    cyclegan = gm.zoo.get("cyclegan", data, progress=False)
    judges = {"LR": gm.evaluate.digit_classifier(evaluation), "CNN": judge}
    spaces = {
        "pixels (NB means)": PixelSpace(),
        **{n: gm.zoo.get(r, data, progress=False) for n, r in (("VAE 20-d", "vae-20d"), ("BiGAN", "bigan"))},
    }
    rows = []
    for source, target in ((6, 0), (0, 6)):
        digits = evaluation.x_test[evaluation.y_test == source]
        real_target = evaluation.x_test[evaluation.y_test == target]
        moved = {}
        for name, space in spaces.items():
            axis = interpolation_vector(
                class_centroids(space, evaluation.x_train, evaluation.y_train), a=target, b=source
            )
            moved[name] = manipulate(space, digits, axis, [ALPHA])[:, 0]
        moved["CycleGAN"] = cyclegan.translate_all(digits, backward=source != cyclegan.config["source"])
        for name, images in moved.items():
            rows.append(
                {
                    "model": f"{source} -> {target}: {name}",
                    **score_moves(digits, images, target, judges, judge, real_target),
                }
            )
    print(format_table(rows))
    weights = sum(p.numel() for p in cyclegan.parameters())
    print(f"CycleGAN: {cyclegan.history.seconds:.0f} s of training, {weights:,} weights")
    return {"rows": rows, "training seconds": cyclegan.history.seconds, "weights": weights, "alpha": ALPHA}


def main() -> None:
    data = gm.load_mnist()
    evaluation = data.per_class(400, 100)
    judge = gm.zoo.get("judge", data, progress=False)
    print(evaluation.describe())
    results = {
        "losses against quality": loss_against_quality(data, evaluation, judge),
        "InfoGAN": infogan_clusters(data, evaluation),
        "CycleGAN": translations(data, evaluation, judge),
    }
    save_results("gan_variants", results, data=evaluation.describe())


if __name__ == "__main__":
    main()
