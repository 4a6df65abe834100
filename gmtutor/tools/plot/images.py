"""Grids of digits: tiles, galleries by class, and labelled rows of images."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from gmtutor.core.data import as_images
from gmtutor.tools.plot.style import SMALL, styled


def tile(images: torch.Tensor, ncol: int, pad: int = 2, fill: float = 0.15) -> np.ndarray:
    """Lay images out in a grid with ``ncol`` columns; returns one 2-D float array in [0, 1]."""
    x = as_images(images.detach().cpu()).squeeze(1).numpy()
    n, h, w = x.shape
    nrow = -(-n // ncol)
    canvas = np.full((nrow * (h + pad) + pad, ncol * (w + pad) + pad), fill, dtype=np.float32)
    for i, image in enumerate(x):
        r, c = divmod(i, ncol)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        canvas[top : top + h, left : left + w] = image
    return canvas


@styled
def show_images(
    images: torch.Tensor,
    ncol: int = 10,
    title: str | None = None,
    row_labels: Sequence[str] | None = None,
    scale: float = 0.6,
    ax: plt.Axes | None = None,
    column_labels: Sequence[str] | None = None,
    column_title: str | None = None,
) -> plt.Figure:
    """Show a batch of images as one grid, dark ink on white paper, with optional row and column labels."""
    canvas = tile(images, ncol)
    nrow = -(-len(images) // ncol)
    if ax is None:
        below = 0.5 if column_labels is not None else 0
        figsize = (scale * ncol + (0.6 if row_labels else 0), scale * nrow + (0.4 if title else 0) + below)
        _, ax = plt.subplots(figsize=figsize)
    ax.imshow(1.0 - canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    if row_labels is not None:
        step = canvas.shape[0] / nrow
        ax.set_yticks([step * (i + 0.5) for i in range(nrow)], list(row_labels))
        ax.tick_params(left=False)
    if column_labels is not None:
        step = canvas.shape[1] / ncol
        ax.set_xticks([step * (i + 0.5) for i in range(len(column_labels))], list(column_labels), fontsize=SMALL)
        ax.tick_params(bottom=False)
        if column_title:
            ax.set_xlabel(column_title)
    if title:
        ax.set_title(title)
    return ax.figure


@styled
def digits_by_class(x: torch.Tensor, y: torch.Tensor, per_class: int = 10, title: str | None = None) -> plt.Figure:
    """One row per digit 0-9, showing the first ``per_class`` examples of each."""
    rows = [x[y == digit][:per_class] for digit in range(10)]
    return show_images(torch.cat(rows), ncol=per_class, title=title, row_labels=[str(d) for d in range(10)])


@styled
def image_rows(
    rows: dict[str, torch.Tensor],
    title: str | None = None,
    scale: float = 0.6,
    column_labels: Sequence[str] | None = None,
    column_title: str | None = None,
) -> plt.Figure:
    """Named rows of images of equal length, e.g. {"original": x, "reconstruction": x_hat}; ``column_labels``
    name the columns (say, alphas, with ``column_title="alpha"``)."""
    lengths = {name: len(row) for name, row in rows.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"image_rows needs rows of equal length, got {lengths}")
    ncol = len(next(iter(rows.values())))
    images = torch.cat([torch.as_tensor(row).reshape(-1, 1, 28, 28) for row in rows.values()])
    return show_images(
        images,
        ncol=ncol,
        title=title,
        row_labels=list(rows),
        scale=scale,
        column_labels=column_labels,
        column_title=column_title,
    )


# --------------------------------------------------------------------------- notebook 01: generative vs discriminative
