"""Figures for measuring imagination: target rate against realism, and digits moved along style axes."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from gmtutor.tools.plot.style import SMALL, styled

ATTRIBUTE_UNITS = {
    "thickness": "stroke thickness (pixels)",
    "slant": "slant (radians, + leans right)",
    "width": "width (pixels)",
}


@styled
def imagination_map(rows: Sequence[dict], rate: str = "CNN target rate", title: str | None = None) -> plt.Figure:
    """Each model at each alpha as a point: the judge's target rate (x) against the Frechet distance to real
    digits (y, lower is more real), with the real-digit floor as a line. Good imagination sits bottom right.
    Colour is the model, marker shape the alpha."""
    from matplotlib.lines import Line2D

    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    floor = next((row for row in rows if "alpha" not in row), None)
    models = list(dict.fromkeys(row["model"] for row in rows if "alpha" in row))
    alphas = sorted({row["alpha"] for row in rows if "alpha" in row})
    shapes = dict(zip(alphas, "osD^v", strict=False))
    colours = plt.get_cmap("tab10")
    for index, model in enumerate(models):
        mine = sorted((row for row in rows if row["model"] == model and "alpha" in row), key=lambda r: r["alpha"])
        xs, ys = [row[rate] * 100 for row in mine], [row["FD"] for row in mine]
        ax.plot(xs, ys, "-", color=colours(index), linewidth=1.5)
        for row, x, y in zip(mine, xs, ys, strict=True):
            ax.plot(x, y, shapes[row["alpha"]], color=colours(index), markersize=8)
    if floor is not None:
        ax.axhline(floor["FD"], color="0.4", linestyle="--", linewidth=1)
        ax.annotate(
            "real digits",
            (0.01, floor["FD"]),
            xycoords=("axes fraction", "data"),
            xytext=(0, 4),
            textcoords="offset points",
            fontsize=SMALL,
            color="0.3",
        )
    handles = [Line2D([], [], color=colours(i), linewidth=3, label=model) for i, model in enumerate(models)]
    handles += [Line2D([], [], color="0.3", marker=shapes[a], linestyle="", label=f"α = {a:g}") for a in alphas]
    ax.set_xlabel(f"moved digits labelled as the target (%, {rate.replace(' target rate', '')} judge)")
    ax.set_ylabel("Fréchet distance to real digits\n(lower looks more real)")
    ax.set_ylim(bottom=0)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


@styled
def attribute_sweeps(sweeps: dict[str, dict[str, object]], title: str | None = None) -> plt.Figure:
    """One panel per attribute: the mean measured value of the moved digits against alpha, a line per model,
    and below it the share the judge still reads as the digit's own class.

    ``sweeps[model][attribute]`` is an ``AttributeSweep``.
    """
    models = list(sweeps)
    attributes = list(next(iter(sweeps.values())))
    fig, axes = plt.subplots(
        2,
        len(attributes),
        figsize=(4.2 * len(attributes), 5.6),
        sharex=True,
        gridspec_kw={"height_ratios": [2, 1]},
        squeeze=False,
    )
    colours = plt.get_cmap("tab10")
    for column, attribute in enumerate(attributes):
        top, bottom = axes[0, column], axes[1, column]
        for index, model in enumerate(models):
            sweep = sweeps[model][attribute]
            top.plot(
                sweep.alphas, np.nanmean(sweep.values, axis=0), "-o", color=colours(index), label=model, markersize=4
            )
            bottom.plot(sweep.alphas, np.asarray(sweep.class_kept) * 100, "-o", color=colours(index), markersize=4)
        top.set_title(f"{attribute} axis")
        top.set_ylabel(ATTRIBUTE_UNITS.get(attribute, attribute))
        bottom.set_ylabel("class kept (%)")
        bottom.set_ylim(0, 105)
        bottom.set_xlabel("alpha")
        for ax in (top, bottom):
            ax.axvline(0, color="0.7", linewidth=0.8)
    axes[0, -1].legend(loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
