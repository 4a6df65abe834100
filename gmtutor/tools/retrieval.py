"""The copier: a baseline that imagines nothing and still passes every test of imagination but one.

Asked to turn a 7 into a 0, ``StyleRetrieval`` returns the training 0 whose handwriting is nearest
the 7's: the nearest in thickness, slant and width (``gmtutor.tools.morphometry``, each measure in
units of its spread over the training digits). Its output is a real digit of the right class, so it
scores near the top on target rate and realism, and it matches the hand as well as any training
digit can, so it keeps style too. Only a novelty measure (``gmtutor.tools.copying``) catches it: every
digit it returns is a training digit. This is why the course measures novelty.

It plays a model in the imagination table (``relabel``, as a class-conditional model does) and on the
scoreboard (``sample`` returns training digits drawn at random).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from gmtutor.core.data import MNIST, as_images
from gmtutor.models.base import Capabilities
from gmtutor.tools.morphometry import MEASURES, measure


class StyleRetrieval(Capabilities, nn.Module):
    """Look up, for each digit and target class, the training digit of that class nearest it in style."""

    uses_alpha = False  # a retrieved digit is the whole move: the imagination table scores it once

    def __init__(self, data: MNIST):
        super().__init__()
        self.config: dict = {}
        self.register_buffer("images", as_images(data.x_train).clone())  # buffers: its state_dict says what it holds
        self.register_buffer("labels", torch.as_tensor(data.y_train).cpu().clone())
        values = measure(self.images)
        self.style = np.stack([values[name] for name in MEASURES], axis=1)
        known = np.isfinite(self.style).all(axis=1)  # a blank or broken digit has no style: never retrieved
        self.centre = self.style[known].mean(axis=0)
        self.spread = self.style[known].std(axis=0)
        self.standardised = (self.style - self.centre) / self.spread  # the training digits' styles, looked up
        self.candidates = {digit: np.flatnonzero(known & (self.labels.numpy() == digit)) for digit in range(10)}

    def standardised_style(self, images: torch.Tensor) -> np.ndarray:
        """(N, 3) thickness, slant and width, each in units of its spread over the training digits; a digit
        whose style cannot be measured (blank) gets the average style."""
        values = measure(as_images(images))
        style = (np.stack([values[name] for name in MEASURES], axis=1) - self.centre) / self.spread
        return np.nan_to_num(style, nan=0.0)

    def retrieve(self, images: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Indices of the training digits of class ``target[i]`` nearest ``images[i]`` in style."""
        query = self.standardised_style(images)
        target = torch.as_tensor(target).cpu().numpy()
        chosen = np.empty(len(query), dtype=np.int64)
        for digit in np.unique(target):
            if digit not in self.candidates or len(self.candidates[digit]) == 0:
                raise ValueError(f"no training digit of class {digit} to retrieve; the classes are 0-9")
            rows = np.flatnonzero(target == digit)
            pool = self.candidates[digit]
            distances = np.linalg.norm(query[rows, None, :] - self.standardised[None, pool, :], axis=2)
            chosen[rows] = pool[distances.argmin(axis=1)]
        return torch.from_numpy(chosen)

    def relabel(self, x: torch.Tensor, source: torch.Tensor, target: torch.Tensor, **options: object) -> torch.Tensor:
        """The training digit of class ``target[i]`` nearest ``x[i]`` in style (``source`` is not needed)."""
        return self.images[self.retrieve(x, target)]

    def parameter_count(self) -> int:
        """None learned: it stores its training digits and looks them up."""
        return 0

    def sample(self, n: int, *, generator: torch.Generator | None = None, **options: object) -> torch.Tensor:
        """``n`` training digits drawn at random without replacement (with it, beyond the training set's size)."""
        if n > len(self.images):
            picks = torch.randint(len(self.images), (n,), generator=generator)
        else:
            picks = torch.randperm(len(self.images), generator=generator)[:n]
        return self.images[picks]
