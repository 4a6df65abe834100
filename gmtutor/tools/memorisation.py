"""From copying to creating: one model trained on 10, 100, 1,000 and 4,000 digits at one budget.

A generative model fitted perfectly to a finite training set copies: the distribution that puts all its
mass on the training digits is the one that gives them the highest likelihood. A VAE with a 20-d code
can come close when the set is small: its decoder gives each training digit a region of the code
space, and samples from the prior land in those regions and come back as the digits it stored. With
thousands of digits it cannot store each one; it learns a smooth map from codes to strokes, and its
samples are digits that no one wrote. Kadkhodaie et al. (ICLR 2024) showed the same switch for
diffusion models on faces; Somepalli et al. 2023 and Carlini et al. 2023 found copies in large ones.

``memorisation_sweep`` trains the course's ``vae-20d`` recipe (the convolutional VAE of notebooks 02
and 05, the same number of steps) on the first N training digits, N/10 of each class, draws samples
from each, and scores them on novelty (``gmtutor.tools.copying``: against the N digits it saw, with
real test digits as the floor) and on realism (``gmtutor.tools.realism``, in the judge's features).
The 4,000-digit run is the course's own 20-d VAE, loaded from the cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from gmtutor import zoo
from gmtutor.core.data import MNIST, as_images
from gmtutor.tools.copying import NOVELTY_SHIFT, Novelty, novelty
from gmtutor.tools.realism import scores

SWEEP_SIZES = (10, 100, 1000, 4000)


def training_digits(data: MNIST, n: int) -> MNIST:
    """The first ``n`` / 10 training digits of each class (``n`` a multiple of 10), and all test digits."""
    if n < 10 or n % 10:
        raise ValueError(f"the sweep takes the same number of digits from each class: n must be 10, 20, ..., got {n}")
    chosen = data.per_class(train=n // 10)
    if len(chosen.x_train) < n:
        raise ValueError(f"{data.describe()} has fewer than {n // 10} training digits of some class")
    return MNIST(chosen.x_train, chosen.y_train, data.x_test, data.y_test, data.source)


@dataclass
class SweepPoint:
    """One training-set size: the model's samples, their novelty against its own training digits, and realism."""

    n: int
    samples: torch.Tensor
    training: torch.Tensor
    novelty: Novelty
    realism: dict[str, float]
    seconds: float

    def row(self) -> dict[str, float]:
        return {"training digits": self.n, **self.novelty.row(), **self.realism, "training s": self.seconds}


def memorisation_sweep(
    data: MNIST,
    judge: nn.Module,
    sizes: tuple[int, ...] = SWEEP_SIZES,
    samples: int = 500,
    recipe: str = "vae-20d",
    progress: bool = True,
    **changes: Any,
) -> list[SweepPoint]:
    """Train (or load from the cache) ``recipe`` (with ``changes``, as ``gm.zoo.get`` takes them) on each of
    ``sizes`` training digits of ``data``, draw ``samples`` digits from each with a seeded generator, and
    score them."""
    real = judge.embed(data.x_test)
    points = []
    for n in sizes:
        subset = training_digits(data, n)
        model = zoo.get(recipe, subset, progress=progress, **changes)
        drawn = as_images(model.sample(samples, generator=torch.Generator().manual_seed(0)).cpu()).clamp(0, 1)
        found = novelty(drawn, subset.x_train, data.x_test, max_shift=NOVELTY_SHIFT)
        realism = scores(judge.embed(drawn), real)
        points.append(SweepPoint(n, drawn, subset.x_train, found, realism, model.history.seconds))
    return points
