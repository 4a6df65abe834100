"""The seed experiment, measured: move unseen 7s along the 6 -> 0 axis until the judge reads a 0.

The blog's example of imagination: take a 7 the model never saw, add alpha times the vector from the
6s' centroid to the 0s' in the model's code space, and decode. ``seed_experiment`` sweeps alpha and
records, over all test 7s, the convolutional judge's mean p(0) and p(7), the realism of the moved
digits (Frechet distance against the real test 0s, in the judge's features) and their novelty
(``gmtutor.tools.copying``). ``SeedExperiment.crossing`` is the smallest alpha at which p(0) passes
p(7): the point where the experiment works, if it does, and what the digits look like there.

A model without a code space but with ``relabel`` (the copier, or flow matching regenerating each 7's
inverted noise under the label 0) is asked for 0s directly; its result does not depend on alpha. Flow
matching's inverted noise is a code space too (``gmtutor.tools.noise_space``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from gmtutor.core.data import MNIST, as_images
from gmtutor.tools.copying import NOVELTY_SHIFT, novelty
from gmtutor.tools.latent import encode_all, manipulate
from gmtutor.tools.realism import frechet_distance

SEED_ALPHAS = tuple(float(a) for a in np.arange(0.0, 3.01, 0.25))


@dataclass
class SeedExperiment:
    """One model's sweep: per alpha, the judge's mean p(source) and p(target), FD and copy share."""

    source: int
    target: int
    rows: list[dict[str, float]]
    floor_fd: float  # real training digits of the target class against its test digits, at the same count
    start: int | None = None  # the axis runs from class ``start`` to ``target``; None: relabelled, no axis
    axis_cosine: float | None = None  # cosine of the start -> target axis with the source -> target one

    @property
    def crossing(self) -> dict[str, float] | None:
        """The row of the smallest alpha where p(target) passes p(source), or None if it never does."""
        return next((row for row in self.rows if row[f"p({self.target})"] > row[f"p({self.source})"]), None)

    @property
    def best(self) -> dict[str, float] | None:
        """Of the rows where p(target) passes p(source), the one with the lowest FD: the most realistic success."""
        passed = [row for row in self.rows if row[f"p({self.target})"] > row[f"p({self.source})"]]
        return min(passed, key=lambda row: row["FD"], default=None)

    def summary(self) -> str:
        """One line: where p(target) passes p(source), with the realism and novelty there."""
        found = self.crossing
        axis = "" if self.start is None else f"along {self.start} -> {self.target}: "
        if found is None:
            best = max(self.rows, key=lambda row: row[f"p({self.target})"] - row[f"p({self.source})"])
            return axis + (
                f"p({self.target}) never passes p({self.source}) up to alpha {self.rows[-1]['alpha']:g}; "
                f"closest at alpha {best['alpha']:g}: p({self.target}) {best[f'p({self.target})']:.2f} "
                f"against p({self.source}) {best[f'p({self.source})']:.2f}"
            )
        return axis + (
            f"p({self.target}) passes p({self.source}) at alpha {found['alpha']:g} "
            f"({found[f'p({self.target})']:.2f} against {found[f'p({self.source})']:.2f}), "
            f"FD {found['FD']:.1f} (real {self.target}s: {self.floor_fd:.1f}), copies {found['copies']:.1%}"
        )


@torch.no_grad()
def move_digits(
    model: nn.Module,
    data: MNIST,
    digits: torch.Tensor,
    source: int,
    axis: tuple[int, int],
    alphas: Sequence[float],
) -> tuple[torch.Tensor, float | None]:
    """``digits`` of class ``source`` moved by each alpha along ``axis`` = (b, a) in ``model``'s codes, with
    class b's and a's centroids from ``data``'s training digits; a model with no code but ``relabel`` makes
    them anew as class a, the same for every alpha. Returns the images, (alphas, N, 1, 28, 28), and the
    axis's cosine with the source's own axis (None without one)."""
    start, target = axis
    if model.implements("encode"):
        centroid = {c: encode_all(model, data.x_train[data.y_train == c]).mean(0) for c in {start, target, source}}
        vector = centroid[target] - centroid[start]
        cosine = float(F.cosine_similarity(vector, centroid[target] - centroid[source], dim=0))
        return manipulate(model, digits, vector, list(alphas)).transpose(0, 1), cosine
    if model.implements("relabel"):
        once = as_images(model.relabel(digits, torch.full((len(digits),), source), torch.full((len(digits),), target)))
        return once.unsqueeze(0).expand(len(alphas), *once.shape), None
    raise ValueError(f"{type(model).__name__} has no code space to move in and cannot relabel a digit")


@torch.no_grad()
def seed_experiment(
    model: nn.Module,
    data: MNIST,
    judge: nn.Module,
    alphas: Sequence[float] = SEED_ALPHAS,
    source: int = 7,
    axis: tuple[int, int] = (6, 0),
) -> SeedExperiment:
    """Move ``data``'s test digits of class ``source`` along the axis ``axis`` = (b, a) from class b's centroid
    to class a's (centroids of ``data``'s training digits in ``model``'s codes) for every alpha, and score them.

    ``axis_cosine`` says how well the axis points where the source digits must go: its cosine with the axis
    from the source's own centroid to the target's (1 for ``axis=(source, target)``)."""
    start, target = axis
    digits = data.x_test[data.y_test == source]
    if len(digits) == 0:
        raise ValueError(f"no test digit of class {source} to move")
    moved, cosine = move_digits(model, data, digits, source, axis, alphas)
    real_target = judge.embed(data.x_test[data.y_test == target])
    floor_fd = frechet_distance(judge.embed(data.x_train[data.y_train == target][: len(digits)]), real_target)
    real_distances = None
    rows, scored = [], {}
    for alpha, images in zip(alphas, moved, strict=True):
        made = images.data_ptr()  # a relabelling model's images are one tensor for every alpha: scored once
        if made not in scored:
            p = judge.predict_proba(images).mean(0)
            found = novelty(images, data.x_train, data.x_test, NOVELTY_SHIFT, real_distances=real_distances)
            real_distances = found.real_distances  # the test digits' distances, computed once
            scored[made] = {
                f"p({source})": float(p[source]),
                f"p({target})": float(p[target]),
                "FD": frechet_distance(judge.embed(images), real_target),
                "copies": found.copy_share,
                "distance ratio": found.distance_ratio,
            }
        rows.append({"alpha": float(alpha), **scored[made]})
    return SeedExperiment(source, target, rows, floor_fd, start if cosine is not None else None, cosine)
