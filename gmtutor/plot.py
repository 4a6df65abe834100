"""Figures for the notebooks: image grids and digit galleries (matplotlib only)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from gmtutor.data import as_images


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


def show_images(
    images: torch.Tensor,
    ncol: int = 10,
    title: str | None = None,
    row_labels: Sequence[str] | None = None,
    scale: float = 0.6,
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Show a batch of images as one grid, dark ink on white paper."""
    canvas = tile(images, ncol)
    nrow = -(-len(images) // ncol)
    if ax is None:
        _, ax = plt.subplots(figsize=(scale * ncol + (0.6 if row_labels else 0), scale * nrow + (0.4 if title else 0)))
    ax.imshow(1.0 - canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    if row_labels is not None:
        step = canvas.shape[0] / nrow
        ax.set_yticks([step * (i + 0.5) for i in range(nrow)], list(row_labels))
        ax.tick_params(left=False)
    if title:
        ax.set_title(title)
    return ax.figure


def digits_by_class(x: torch.Tensor, y: torch.Tensor, per_class: int = 10, title: str | None = None) -> plt.Figure:
    """One row per digit 0-9, showing the first ``per_class`` examples of each."""
    rows = [x[y == digit][:per_class] for digit in range(10)]
    return show_images(torch.cat(rows), ncol=per_class, title=title, row_labels=[str(d) for d in range(10)])
