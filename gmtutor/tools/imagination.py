"""Measuring imagination: move unseen digits along class and style axes, and score what comes out.

A model "imagines" when it turns a test digit it never saw into a digit of another class that looks
real and keeps the writer's hand. A cross-fade in pixel space (add the difference of two class means)
can fool a linear judge, so one number is not enough. ``imagination`` reports three kinds:

- target rate: how often each judge labels the moved digit as the target class (a linear judge on
  pixels and a convolutional one);
- realism: Frechet distance, precision/recall and density/coverage of the moved digits against real test digits, in the
  convolutional judge's features (``gmtutor.tools.realism``);
- novelty: how near the moved digits lie to a training digit, against real test digits (the share of
  copies and the median distance ratio, ``gmtutor.tools.copying``, in pixels forgiving a 2-pixel shift):
  a copier passes the three measures above and fails this one;
- spread: the bootstrap standard deviation (``gmtutor.tools.spread``) of each target rate, the Frechet
  distance and the copy share over resamples of the source digits (columns ending in "±");
- style kept: for each of thickness, slant and width (``gmtutor.tools.morphometry``), the correlation
  between the source digit's value and the moved digit's, within each (source class, target class)
  pair: 1 when a thick 6 becomes a thick 0 and a thin 6 a thin 0, 0 when the move forgets the hand.

``attribute_axis`` builds the MNIST version of the blog's face axes (age, hair colour): the mean code of
the thickest quarter of the digits minus that of the thinnest (or slant, or width).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from gmtutor.core.data import MNIST, as_images
from gmtutor.tools.copying import COPY_QUANTILE, NOVELTY_SHIFT, Novelty, nearest_training, novelty
from gmtutor.tools.latent import class_centroids, decode_all, encode_all
from gmtutor.tools.morphometry import MEASURES, measure
from gmtutor.tools.realism import frechet_distance, scores
from gmtutor.tools.spread import bootstrap_spread

N_CLASSES = 10


@dataclass
class MovedDigits:
    """Every test digit of class b moved towards every class a != b: images and where each came from."""

    images: torch.Tensor  # (M, 1, 28, 28)
    source_index: torch.Tensor  # (M,) index of the source digit in the test images
    source_class: torch.Tensor  # (M,)
    target_class: torch.Tensor  # (M,)


@torch.no_grad()
def move_to_every_class(model: nn.Module, data: MNIST, alpha: float) -> MovedDigits:
    """Encode each test digit of ``data``, add ``alpha`` times the axis from its class to each other class
    (centroids of the training digits), and decode: 9 moved images per test digit.

    A class-conditional denoiser (a model with ``relabel``, such as ``gm.DiffusionModel``) has no code space
    with class axes: it inverts each digit to noise under its own label and regenerates it under the
    target label, and ``alpha`` is the guidance weight of the way back (1: the conditional model). Any other
    model with ``relabel`` (the copier, ``StyleRetrieval``) is asked for each move directly."""
    labels = torch.as_tensor(data.y_test).cpu()
    index, source, target = [], [], []
    for a in range(N_CLASSES):
        others = torch.nonzero(labels != a).flatten()
        index.append(others)
        source.append(labels[others])
        target.append(torch.full((len(others),), a))
    index, source, target = torch.cat(index), torch.cat(source), torch.cat(target)
    if model.implements("relabel") and hasattr(model, "invert"):  # a denoiser: each digit inverted once, not 9 times
        return MovedDigits(_regenerate_as(model, data.x_test, labels, index, target, alpha), index, source, target)
    if model.implements("relabel"):  # the retrieval baseline: no alpha, no code
        return MovedDigits(model.relabel(data.x_test[index], source, target), index, source, target)
    centroids = class_centroids(model, data.x_train, data.y_train)
    codes = encode_all(model, data.x_test)
    moved = codes[index] + alpha * (centroids[target] - centroids[source])
    return MovedDigits(decode_all(model, moved), index, source, target)


def _regenerate_as(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    index: torch.Tensor,
    target: torch.Tensor,
    weight: float,
    batch_size: int = 256,
) -> torch.Tensor:
    """A denoiser's moves: each image inverted once under its own label, then regenerated as
    ``target[i]`` from the noise of image ``index[i]``."""
    images = as_images(images)
    starts = range(0, len(images), batch_size)
    noise = torch.cat([model.invert(images[i : i + batch_size], labels[i : i + batch_size]) for i in starts])
    moved = []
    for i in range(0, len(index), batch_size):
        rows = slice(i, i + batch_size)
        moved.append(model.regenerate(noise[index[rows].to(noise.device)], target[rows], weight=weight).cpu())
    return torch.cat(moved)


def style_kept(source_values: np.ndarray, moved_values: np.ndarray, groups: np.ndarray) -> float:
    """Correlation of ``source_values`` with ``moved_values`` after removing each group's mean from both:
    does a digit that was thicker than its class's average stay thicker than the moved digits' average?"""
    source, moved = np.asarray(source_values, float), np.asarray(moved_values, float)
    keep = np.isfinite(source) & np.isfinite(moved)
    source, moved, groups = source[keep], moved[keep], np.asarray(groups)[keep]
    for group in np.unique(groups):
        member = groups == group
        source[member] -= source[member].mean()
        moved[member] -= moved[member].mean()
    spread = np.sqrt((source**2).sum() * (moved**2).sum())
    return float((source * moved).sum() / spread) if spread > 0 else float("nan")


@dataclass
class Imagination:
    """The scores of one model at one alpha; ``row()`` flattens them for a table."""

    alpha: float
    target_rate: dict[str, float]
    realism: dict[str, float]
    style: dict[str, float] = field(default_factory=dict)
    novelty: dict[str, float] = field(default_factory=dict)
    spread: dict[str, float] = field(default_factory=dict)  # bootstrap standard deviations, "<score> ±"

    def row(self) -> dict[str, float]:
        return {
            "alpha": self.alpha,
            **self.target_rate,
            **self.realism,
            **self.novelty,
            **{f"{k} kept": v for k, v in self.style.items()},
            **self.spread,
        }


def imagination(
    model: nn.Module,
    data: MNIST,
    judges: dict[str, object],
    feature_judge: nn.Module,
    alpha: float,
    style_digits_per_class: int = 20,
    real_features: torch.Tensor | None = None,
    novelty_digits: int = 1000,
    real_distances: np.ndarray | None = None,
) -> Imagination:
    """Move ``data``'s test digits towards every other class at ``alpha`` and score them.

    ``judges`` maps a name to a classifier with ``predict(images)``; ``feature_judge`` (a ``DigitCNN``)
    gives the features for realism, against ``data``'s real test digits. Style is measured on the first
    ``style_digits_per_class`` test digits of each class (all their moves), as measuring is slow.
    ``real_features`` (``feature_judge.embed(data.x_test)``) saves embedding the test digits again when
    many models are scored. Novelty is measured on ``novelty_digits`` moves drawn at random (seeded), against
    the test digits' own distances to the training digits (``real_distances``, computed when not given).
    """
    moved = move_to_every_class(model, data, alpha)
    hits = {name: (judge.predict(moved.images) == moved.target_class).cpu().numpy() for name, judge in judges.items()}
    target_rate = {f"{name} target rate": float(right.mean()) for name, right in hits.items()}
    real = real_features if real_features is not None else feature_judge.embed(data.x_test)
    features = feature_judge.embed(moved.images)
    realism = scores(features, real)
    sources = moved.source_index.numpy()  # the moves of one source digit are resampled together
    spread = {
        f"{name} target rate ±": bootstrap_spread(sources, lambda i, r=right: r[i].mean())
        for name, right in hits.items()
    }
    spread["FD ±"] = bootstrap_spread(sources, lambda i: frechet_distance(features[torch.as_tensor(i)], real))

    labels = torch.as_tensor(data.y_test).cpu()
    rank_in_class = torch.zeros(len(labels), dtype=torch.long)
    for digit in range(N_CLASSES):
        members = torch.nonzero(labels == digit).flatten()
        rank_in_class[members] = torch.arange(len(members))
    sources = torch.nonzero(rank_in_class < style_digits_per_class).flatten()
    row_of = torch.full((len(labels),), -1, dtype=torch.long)
    row_of[sources] = torch.arange(len(sources))
    per_source = measure(as_images(data.x_test[sources]))  # each source digit measured once, not once per move
    chosen = row_of[moved.source_index] >= 0
    rows = row_of[moved.source_index[chosen]].numpy()
    moved_values = measure(moved.images[chosen])
    groups = (moved.source_class[chosen] * N_CLASSES + moved.target_class[chosen]).numpy()
    style = {name: style_kept(per_source[name][rows], moved_values[name], groups) for name in MEASURES}
    novel = moved_novelty(moved.images, data, novelty_digits, real_distances)
    is_copy = novel.distances < novel.copy_threshold
    spread["copies ±"] = bootstrap_spread(np.arange(len(is_copy)), lambda i: is_copy[i].mean())
    return Imagination(alpha, target_rate, realism, style, novel.row(), spread)


def moved_novelty(
    images: torch.Tensor, data: MNIST, count: int = 1000, real_distances: np.ndarray | None = None
) -> Novelty:
    """The novelty of ``count`` of ``images`` drawn at random (seed 0), in pixels forgiving a 2-pixel shift,
    against ``data``'s test digits (``real_distances``: theirs, when already computed)."""
    picks = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))[:count]
    return novelty(images[picks], data.x_train, data.x_test, NOVELTY_SHIFT, real_distances=real_distances)


def score_moves(
    sources: torch.Tensor,
    moved: torch.Tensor,
    target_class: int,
    judges: dict[str, object],
    feature_judge: nn.Module,
    real_target: torch.Tensor,
) -> dict[str, float]:
    """The three measures for one pair of classes: ``moved[i]`` was made from ``sources[i]`` (a latent move,
    a cross-fade or a translation) and should be a ``target_class`` digit. Target rate by each judge;
    realism against ``real_target`` (real digits of the target class); style kept over the pair."""
    moved = as_images(moved)
    target = torch.full((len(moved),), target_class)
    row = {
        f"{name} target rate": float((judge.predict(moved) == target).float().mean()) for name, judge in judges.items()
    }
    row.update(scores(feature_judge.embed(moved), feature_judge.embed(real_target)))
    before, after = measure(as_images(sources)), measure(moved)
    one_pair = np.zeros(len(moved))
    row.update({f"{name} kept": style_kept(before[name], after[name], one_pair) for name in MEASURES})
    return row


def attribute_axis(model: nn.Module, images: torch.Tensor, values: np.ndarray, fraction: float = 0.25) -> torch.Tensor:
    """The mean code of the ``fraction`` of ``images`` with the highest ``values`` minus that of the lowest:
    adding it moves a digit from, say, thin to thick."""
    values = np.asarray(values, float)
    if not 0 < fraction <= 0.5:
        raise ValueError(f"fraction is the share of digits at each end and must be in (0, 0.5], got {fraction}")
    known = np.flatnonzero(np.isfinite(values))
    order = known[np.argsort(values[known])]
    count = max(1, int(len(order) * fraction))
    codes = encode_all(model, images)
    return codes[torch.as_tensor(order[-count:])].mean(0) - codes[torch.as_tensor(order[:count])].mean(0)


def real_digits_floor(data: MNIST, feature_judge: nn.Module) -> dict[str, float]:
    """Realism of real training digits against the real test digits: the best a model can hope for."""
    return scores(feature_judge.embed(data.x_train), feature_judge.embed(data.x_test))


def imagination_table(
    models: dict[str, nn.Module],
    data: MNIST,
    judges: dict[str, object],
    feature_judge: nn.Module,
    alphas: tuple[float, ...] = (1.0, 1.5),
    progress: bool = True,
) -> list[dict[str, object]]:
    """``imagination`` for every model and alpha, as rows ``{"model": name, "alpha": ..., score: ...}``,
    preceded by the real-digit floor (``real_digits_floor``; its novelty is the test digits' own, which
    sit at the copy line's 2% and a ratio of 1 by construction). A model that ignores alpha
    (``uses_alpha = False``, the copier) is scored at the first alpha only."""
    from gmtutor.core.progress import progress_bar

    real = feature_judge.embed(data.x_test)
    real_distances, nearest = nearest_training(data.x_test, data.x_train, NOVELTY_SHIFT)
    floor_novelty = Novelty(
        real_distances, nearest, real_distances, float(np.quantile(real_distances, COPY_QUANTILE)), COPY_QUANTILE
    )
    rows: list[dict[str, object]] = [
        {"model": "real digits (floor)", **scores(feature_judge.embed(data.x_train), real), **floor_novelty.row()}
    ]
    runs = [(name, alpha) for name, model in models.items() for alpha in _alphas_for(model, alphas)]
    bar = progress_bar(len(runs), "imagination", enabled=progress)
    for name, alpha in runs:
        result = imagination(
            models[name], data, judges, feature_judge, alpha, real_features=real, real_distances=real_distances
        )
        rows.append({"model": name, **result.row()})
        bar.update(1)
    bar.close()
    return rows


def _alphas_for(model: nn.Module, alphas: tuple[float, ...]) -> tuple[float, ...]:
    return alphas if getattr(model, "uses_alpha", True) else alphas[:1]


def format_table(rows: list[dict[str, object]], columns: list[str] | None = None) -> str:
    """The rows of ``imagination_table`` as aligned text: rates, precision, recall, coverage and copies in %;
    FD, density, distance ratios and correlations to two decimals, blanks where a row has no value.
    ``columns`` picks the columns to show after "model" (all, by default), so a wide table can be read in parts."""
    present = list(dict.fromkeys(key for row in rows for key in row))
    if columns is not None:
        unknown = [c for c in columns if c not in present]
        if unknown:
            raise ValueError(f"no column {unknown} in these rows; they have {present}")
    columns = ["model", *[c for c in columns if c != "model"]] if columns is not None else present
    width = {c: max(len(c), 8) for c in columns}
    width["model"] = max(len(str(row.get("model", ""))) for row in rows + [{"model": "model"}])

    def cell(column: str, value: object) -> str:
        if value is None or value == "":
            return ""
        if column == "model":
            return str(value)
        if column == "alpha":
            return f"{value:g}"
        if "rate" in column or column.removesuffix(" ±") in ("precision", "recall", "coverage", "copies"):
            return f"{value:.1%}"
        return f"{value:.2f}"

    lines = ["  ".join(c.rjust(width[c]) if c != "model" else c.ljust(width[c]) for c in columns)]
    for row in rows:
        lines.append(
            "  ".join(
                cell(c, row.get(c, "")).rjust(width[c]) if c != "model" else cell(c, row[c]).ljust(width[c])
                for c in columns
            )
        )
    return "\n".join(lines)


@dataclass
class AttributeSweep:
    """Digits moved along an attribute axis: the attribute measured at each alpha, and the class kept."""

    alphas: list[float]
    values: np.ndarray  # (digits, alphas): the measured attribute of each moved digit
    class_kept: np.ndarray  # (alphas,): fraction the judge still labels as the digit's own class
    images: torch.Tensor  # (digits, alphas, 1, 28, 28)

    @property
    def monotonicity(self) -> float:
        """Mean over digits of the Spearman correlation between alpha and the measured attribute:
        1 when every digit's attribute rises with every step along the axis."""
        from scipy.stats import spearmanr

        correlations = [spearmanr(self.alphas, row).statistic for row in self.values if np.isfinite(row).all()]
        return float(np.nanmean(correlations)) if correlations else float("nan")


def attribute_sweep(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    axis: torch.Tensor,
    alphas,
    judge: object,
    attribute: str,
) -> AttributeSweep:
    """Move ``images`` along ``axis`` by each alpha, measure ``attribute`` (one of ``MEASURES``) on every moved
    digit, and ask ``judge`` whether each still shows its own class (``labels``)."""
    from gmtutor.tools.latent import manipulate

    if attribute not in MEASURES:
        raise ValueError(f"unknown attribute {attribute!r}; choose one of {', '.join(MEASURES)}")
    alphas = [float(a) for a in alphas]
    moved = manipulate(model, images, axis, alphas)  # (N, A, 1, 28, 28)
    flat = moved.reshape(-1, 1, 28, 28)
    values = measure(flat)[attribute].reshape(len(images), len(alphas))
    predicted = judge.predict(flat).reshape(len(images), len(alphas))
    kept = (predicted == torch.as_tensor(labels).cpu()[:, None]).float().mean(0).numpy()
    return AttributeSweep(alphas, values, kept, moved)
