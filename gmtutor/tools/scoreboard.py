"""One scoreboard for every family: likelihood, sample quality, imagination, size and training time.

Each model enters on the same terms (``score_model``):

- likelihood: negative log-likelihood of the test digits as 8-bit images, in nats and bits/dim, under one
  convention (``gmtutor.models.likelihood``): exact for a flow, an upper bound for a VAE (negative ELBO
  and the importance-weighted bound, read as a continuous-Bernoulli density), none for a GAN;
- samples: Frechet distance, precision, recall, density and coverage of ``n_samples`` samples against
  the real test digits, in the CNN judge's features; the training digits' own scores are the floor;
- novelty (``gmtutor.tools.copying``): of 1,000 samples and of the moved digits, the share of copies of a
  training digit and the median distance to the nearest one over real test digits' (pixels, forgiving
  a 2-pixel shift). The copier (``gmtutor.tools.retrieval``) plays a model to show what it catches;
- imagination at alpha 1 (``gmtutor.tools.imagination``): the CNN judge's target rate, the Frechet
  distance and the copy share of the moved digits, and how much of the hand is kept (mean correlation
  over thickness, slant and width);
- completion, for a model that draws one pixel at a time and so has no code to move
  (``gmtutor.tools.completion``): test digits' top halves completed, read right by the CNN judge,
  their FD to the other test digits and their novelty. Such a model also draws fewer samples
  (``SEQUENTIAL_SAMPLES``): FD reads somewhat higher from fewer samples;
- spread: bootstrap standard deviations (``gmtutor.tools.spread``) of the sample FD (over the samples)
  and of the imagination target rate and FD (over the source digits), in the columns ending in "±";
- parameters and training seconds.

Each model is asked what it can do through the methods it defines (``implements``): ``nll`` gives a
likelihood, ``sample`` the sample columns, ``encode`` or ``relabel`` the imagination columns. A CycleGAN
samples nothing from noise and moves only between its two digits: ``translation_row`` scores
its translations in both directions on the same imagination measures (``score_moves``), and its row
says which pair it covers. Later families join by passing more models. ``benchmarks/scoreboard.py`` prints the table.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import torch
from torch import nn

from gmtutor import zoo
from gmtutor.core.data import MNIST, as_images
from gmtutor.core.runtime import quick
from gmtutor.models.likelihood import nats_to_bits_per_dim
from gmtutor.tools.completion import complete, completion_scores, split_per_class
from gmtutor.tools.copying import novelty
from gmtutor.tools.imagination import NOVELTY_SHIFT, imagination, score_moves
from gmtutor.tools.latent import PixelSpace
from gmtutor.tools.morphometry import MEASURES
from gmtutor.tools.realism import frechet_distance, scores
from gmtutor.tools.retrieval import StyleRetrieval
from gmtutor.tools.spread import bootstrap_spread

IMAGINATION_ALPHA = 1.0  # how far along each class axis a digit is moved for the imagination columns
NOVELTY_SAMPLES = 1000  # samples whose nearest training digit is looked up (25 shifted lookups each)
# Samples from a model that draws pixel by pixel (quick mode, full mode): 10,000 PixelCNN samples would take
# about 50 CPU minutes, 1,000 take five.
SEQUENTIAL_SAMPLES = {True: 50, False: 1000}


def sample_quality(samples: torch.Tensor, real: torch.Tensor, judge: nn.Module) -> dict[str, float]:
    """FD, precision, recall, density and coverage of ``samples`` against ``real`` digits, in ``judge``'s features,
    and the FD's bootstrap spread over the samples ("sample FD ±")."""
    features, real_features = judge.embed(samples), judge.embed(real)
    row = {f"sample {k}": v for k, v in scores(features, real_features).items()}
    each = np.arange(len(features))
    row["sample FD ±"] = bootstrap_spread(each, lambda i: frechet_distance(features[torch.as_tensor(i)], real_features))
    return row


def sample_novelty(samples: torch.Tensor, training: torch.Tensor, test: torch.Tensor) -> dict[str, float]:
    """``{"sample copies", "sample distance ratio"}`` of the first ``NOVELTY_SAMPLES`` samples against the digits the
    model was ``training`` on, with real ``test`` digits as the floor."""
    found = novelty(samples[:NOVELTY_SAMPLES], training, test, max_shift=NOVELTY_SHIFT)
    return found.row(prefix="sample ")


def draw_samples(model: Any, n: int, seed: int = 0, batch_size: int = 1000) -> torch.Tensor:
    """``n`` images from ``model.sample`` with a generator seeded with ``seed``, in batches, as floats in [0, 1]
    shaped (n, 1, 28, 28) on the CPU (``gm.GaussianNB`` draws pixels that may leave [0, 1]: clipped)."""
    generator = torch.Generator().manual_seed(seed)
    drawn = [
        torch.as_tensor(model.sample(min(batch_size, n - i), generator=generator)) for i in range(0, n, batch_size)
    ]
    return torch.cat([batch.cpu().float().clamp(0, 1).reshape(-1, 1, 28, 28) for batch in drawn])


def likelihood(model: Any, test_x: torch.Tensor, k: int = 100) -> dict[str, float]:
    """The test digits' mean negative log-likelihood (nats, bits/dim) under ``model`` (its ``nll``), with
    ``k`` importance samples for a bound; for a bound the negative ELBO too; nothing for a GAN."""
    if not model.implements("nll"):
        return {"likelihood": "none"}
    if model.likelihood == "bound":
        nats = model.nll(test_x, k=k).mean().item()
        row = {"-ELBO nats": model.nll(test_x, k=1).mean().item(), "likelihood": f"bound (k={k})"}
    else:
        kind = "exact density"
        if getattr(model, "discrete", False):  # a probability of the digit at the model's grey levels
            levels = getattr(model, "levels", 256)
            kind = "exact probability" if levels == 256 else f"exact probability, {levels} greys"
        nats, row = model.nll(test_x).mean().item(), {"likelihood": kind}
    return {"NLL bits/dim": float(nats_to_bits_per_dim(nats)), "NLL nats": nats, **row}


def score_model(
    name: str,
    model: Any,
    data: MNIST,
    judge: nn.Module,
    n_samples: int = 10_000,
    k: int = 100,
    imagination_data: MNIST | None = None,
    seconds: float | None = None,
    space: Any = None,
    trained_on: MNIST | None = None,
) -> dict[str, Any]:
    """One scoreboard row for ``model``: what it implements of ``nll``, ``sample`` and ``encode`` (or
    ``relabel``) is scored. Imagination moves digits in ``space`` (default: the model itself; Naive
    Bayes's class means are the pixel baseline's centroids, ``PixelSpace``). Novelty is measured against
    ``trained_on``'s training digits (default: ``data``'s)."""
    row: dict[str, Any] = {"model": name}
    row.update(likelihood(model, data.x_test, k=k))
    if model.implements("sample"):
        samples = draw_samples(model, n_samples)
        row.update(sample_quality(samples, data.x_test, judge))
        row.update(sample_novelty(samples, (trained_on or data).x_train, data.x_test))
    space = space if space is not None else model
    if space.implements("encode") or space.implements("relabel"):
        moved = imagination(space, imagination_data or data, {"CNN": judge}, judge, alpha=IMAGINATION_ALPHA)
        row["imagination target rate"] = moved.target_rate["CNN target rate"]
        row["imagination FD"] = moved.realism["FD"]
        row["imagination copies"] = moved.novelty["copies"]
        row["imagination target rate ±"] = moved.spread["CNN target rate ±"]
        row["imagination FD ±"] = moved.spread["FD ±"]
        row["style kept"] = float(np.nanmean(list(moved.style.values())))
    if getattr(model, "sequential", False):  # no code to move: imagine by completing top halves instead
        per_class = len((imagination_data or data).x_test) // 10
        sources, labels, reference = split_per_class(data.x_test, data.y_test, per_class)
        completed = complete(model, sources)
        row.update(completion_scores(completed, sources, labels, reference, judge, (trained_on or data).x_train))
    row["parameters"] = model.parameter_count()
    history = getattr(model, "history", None)
    row["training s"] = seconds if seconds is not None else (history.seconds if history is not None else float("nan"))
    return row


def translation_row(name: str, model: nn.Module, data: MNIST, judge: nn.Module) -> dict[str, Any]:
    """A ``CycleGAN``'s row: no likelihood and no samples from noise; imagination is its own pair of digits,
    translated both ways (test digits of each, scored against the real test digits of the other) and
    averaged over the two directions."""
    source, target = model.config["source"], model.config["target"]
    both = []
    for start, end, backward in ((source, target, False), (target, source, True)):
        digits = data.x_test[data.y_test == start]
        moved = model.translate_all(digits, backward=backward)
        both.append(score_moves(digits, moved, end, {"CNN": judge}, judge, data.x_test[data.y_test == end]))
    history = getattr(model, "history", None)
    return {
        "model": name,
        "likelihood": "none",
        "imagination target rate": float(np.mean([r["CNN target rate"] for r in both])),
        "imagination FD": float(np.mean([r["FD"] for r in both])),
        "style kept": float(np.nanmean([r[f"{m} kept"] for r in both for m in MEASURES])),
        "parameters": model.parameter_count(),
        "training s": history.seconds if history is not None else float("nan"),
    }


def floor_row(data: MNIST, judge: nn.Module) -> dict[str, Any]:
    """The real training digits scored as samples: the best sample quality a model could reach (their novelty
    is left out: training digits are copies by definition; the copier's row shows it)."""
    return {"model": "real training digits (floor)", **sample_quality(as_images(data.x_train), data.x_test, judge)}


PARTS = {
    "likelihood and samples": [
        "model",
        "likelihood",
        "NLL nats",
        "NLL bits/dim",
        "-ELBO nats",
        "sample FD",
        "sample precision",
        "sample recall",
    ],
    "variety and novelty": [
        "model",
        "sample FD",
        "sample FD ±",
        "sample density",
        "sample coverage",
        "sample copies",
        "sample distance ratio",
        "imagination copies",
    ],
    "imagination and cost": [
        "model",
        "imagination target rate",
        "imagination target rate ±",
        "imagination FD",
        "imagination FD ±",
        "style kept",
        "parameters",
        "training s",
    ],
    "completion": [
        "model",
        "completion read right",
        "completion read right ±",
        "completion FD",
        "completion copies",
        "completion distance ratio",
    ],
}


RATES = ("sample precision", "sample recall", "sample coverage", "imagination target rate", "completion read right")


def format_scoreboard(rows: list[dict[str, Any]], part: str | None = None) -> str:
    """The rows as a Markdown table, with a dash where a family has no value; ``part`` (a key of ``PARTS``)
    keeps a projector-sized slice of the columns."""
    if part is not None and part not in PARTS:
        raise ValueError(f"unknown part {part!r}; choose one of {', '.join(PARTS)}")
    columns = PARTS[part] if part else list(dict.fromkeys(c for columns in PARTS.values() for c in columns))
    rows = [row for row in rows if part is None or any(c in row for c in columns[1:])]

    def cell(column: str, value: Any) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return "–"
        if isinstance(value, str):
            return value
        column = column.removesuffix(" ±")  # a spread reads in its score's units
        if column in RATES:
            return f"{value:.0%}"
        if column in ("sample copies", "imagination copies", "completion copies"):
            return f"{value:.1%}"
        if column == "NLL bits/dim":
            return f"{value:.3f}"
        if column == "parameters":
            return f"{value:,}"
        if column in ("style kept", "sample density", "sample distance ratio", "completion distance ratio"):
            return f"{value:.2f}"
        return f"{value:.1f}" if column != "training s" else f"{value:.0f}"

    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(cell(c, row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


# The cached models that notebook 06's scoreboard scores, in its order (Naive Bayes is fitted in place).
COURSE_MODELS = {
    "VAE 20-d": "vae-20d",
    "GAN": "gan",
    "BiGAN": "bigan",
    "WGAN-GP": "wgan-gp",
    "InfoGAN": "infogan",
    "RealNVP": "flow",
}


def course_scoreboard(
    data: MNIST,
    evaluation: MNIST,
    judge: nn.Module,
    extra: dict[str, nn.Module] | None = None,
    progress: bool = True,
    n_samples: int | None = None,
    k: int | None = None,
) -> list[dict[str, Any]]:
    """The course's scoreboard: the floor, Naive Bayes, the cached models of ``COURSE_MODELS``, any ``extra``
    models, the copier (``StyleRetrieval``) and the CycleGAN's pair. ``data`` is what the models were trained
    on, ``evaluation`` what they are scored on. Each row is kept by ``gm.zoo.remember``, so a later notebook
    (or a warm run, or ``benchmarks/scoreboard.py``) reads rows that an earlier one computed. Quick mode
    scores fewer samples, a looser bound and fewer moved digits; ``n_samples`` and ``k`` override both modes
    (a model that draws pixel by pixel keeps ``SEQUENTIAL_SAMPLES``)."""
    from gmtutor.models.naive_bayes import GaussianNB
    from gmtutor.tools.classifiers import pixels

    moved = evaluation.per_class(test=10 if quick() else 50)  # as in notebook 05
    n_samples = n_samples or (1000 if quick() else 10_000)
    k = k or (10 if quick() else 100)
    entries: dict[str, Any] = {"Naive Bayes": GaussianNB().fit(pixels(data.x_train), data.y_train)}
    entries.update({name: zoo.get(recipe, data, progress=progress) for name, recipe in COURSE_MODELS.items()})
    entries.update(extra or {})
    entries["copier (retrieval)"] = StyleRetrieval(data)  # what novelty is measured for
    board = [floor_row(evaluation, judge)]
    spaces = {"Naive Bayes": PixelSpace()}  # its class means are the pixel baseline's centroids
    for name, model in entries.items():
        sequential = getattr(model, "sequential", False)
        settings = {
            "n_samples": SEQUENTIAL_SAMPLES[quick()] if sequential else n_samples,
            "k": k,
            "imagination_data": moved,
            "space": spaces.get(name),
            "trained_on": data,
        }
        scored = partial(score_model, name, model, evaluation, judge, **settings)
        key = {"model": zoo.identity(model), "judge": zoo.identity(judge), "data": data.describe()}
        key.update(name=name, n=settings["n_samples"], k=k, moved=len(moved.x_test))
        board.append(zoo.remember("scoreboard-row", scored, **key))
    cyclegan = zoo.get("cyclegan", data, progress=progress)  # no samples from noise: its own pair, both ways
    translated = partial(translation_row, "CycleGAN (6 ↔ 0 only)", cyclegan, evaluation, judge)
    key = {"model": zoo.identity(cyclegan), "judge": zoo.identity(judge), "data": data.describe()}
    board.append(zoo.remember("scoreboard-row", translated, **key))
    return board


__all__ = [
    "COURSE_MODELS",
    "IMAGINATION_ALPHA",
    "SEQUENTIAL_SAMPLES",
    "course_scoreboard",
    "floor_row",
    "format_scoreboard",
    "draw_samples",
    "likelihood",
    "sample_novelty",
    "sample_quality",
    "score_model",
    "translation_row",
]
