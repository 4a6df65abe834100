"""Each generated digit above its nearest training digit: copying, or creating, for the eye to judge."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from gmtutor.core.data import as_images
from gmtutor.tools.copying import Novelty
from gmtutor.tools.plot.images import image_rows
from gmtutor.tools.plot.style import styled


@styled
def nearest_training_digits(
    generated: torch.Tensor,
    training: torch.Tensor,
    result: Novelty,
    n: int = 10,
    nearest_first: bool = False,
    title: str | None = None,
) -> plt.Figure:
    """``n`` generated digits (the first, or with ``nearest_first`` the ones nearest the training set) above the
    training digit nearest each; each column is labelled with the distance, and "copy" below the copy line."""
    if len(result.distances) != len(generated):
        raise ValueError(f"result scores {len(result.distances)} digits but {len(generated)} were passed")
    order = np.argsort(result.distances, kind="stable") if nearest_first else np.arange(len(generated))
    chosen = order[:n]
    labels = [
        f"{result.distances[i]:.1f}" + ("\ncopy" if result.distances[i] < result.copy_threshold else "") for i in chosen
    ]
    return image_rows(
        {
            "generated": as_images(torch.as_tensor(generated).detach().cpu())[chosen],
            "nearest\ntraining": as_images(torch.as_tensor(training))[result.nearest[chosen]],
        },
        title=title,
        column_labels=labels,
        column_title=f"distance to the nearest training digit (copy line {result.copy_threshold:.1f})",
    )
