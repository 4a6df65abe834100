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


@styled
def memorisation_curves(
    rows: list[dict[str, float]], floor_fd: float | None = None, copy_line: float | None = None
) -> plt.Figure:
    """The memorisation sweep against the number of training digits (log scale): the copy share and the
    distance ratio (left, with the share that real test digits score, ``copy_line``), the Frechet distance
    of the samples (right, with the real digits' floor)."""
    n = np.array([row["training digits"] for row in rows])
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    left.plot(n, [row["copies"] for row in rows], "o-", color="tab:red", label="copies (share of samples)")
    left.plot(
        n,
        [row["distance ratio"] for row in rows],
        "s-",
        color="tab:blue",
        label="distance ratio (1: as new as unseen digits)",
    )
    left.axhline(1.0, color="tab:blue", lw=0.8, ls=":")
    if copy_line is not None:
        left.axhline(
            copy_line, color="tab:red", lw=0.8, ls=":", label=f"real test digits' copy share ({copy_line:.0%})"
        )
    left.set(xscale="log", xlabel="training digits", ylim=(0, 1.5), title="Copying or creating?")
    left.legend(loc="upper left")
    right.plot(n, [row["FD"] for row in rows], "o-", color="black", label="samples")
    if floor_fd is not None:
        right.axhline(floor_fd, color="grey", ls="--", label="real digits (floor)")
    right.set(xscale="log", xlabel="training digits", ylabel="Frechet distance (lower: more real)", title="Realism")
    right.set_ylim(bottom=0)
    for ax in (left, right):
        ax.set_xticks(n, [f"{int(v):,}" for v in n])
        ax.minorticks_off()
    right.legend(loc="upper right")
    fig.tight_layout()
    return fig
