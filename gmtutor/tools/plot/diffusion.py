"""Diffusion and flow matching in pictures: noising points, the paths samplers take, quality per step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import ScalarFormatter

from gmtutor.tools.plot.style import SMALL, styled


def _bare(ax: plt.Axes, limit: float) -> None:
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])


@styled
def noising_on_points(points: torch.Tensor, schedule: object, fractions: Sequence[float], seed: int = 0) -> plt.Figure:
    """Two rows of panels: DDPM's x_t = sqrt(abar_t) x + sqrt(1 - abar_t) e at steps spread over the schedule
    (top; steps counted from 1, as in the DDPM paper), and flow matching's x_t = (1 - t) z + t x at the
    matching times (bottom, data at t = 1)."""
    x = points.detach().double().cpu()
    e = torch.randn(x.shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    fig, axes = plt.subplots(2, len(fractions), figsize=(2.3 * len(fractions), 5.6))
    for column, fraction in enumerate(fractions):
        step = round(fraction * (len(schedule) - 1))
        abar = float(schedule.alpha_bars[step])
        noised = abar**0.5 * x + (1 - abar) ** 0.5 * e
        t = 1.0 - fraction
        straight = (1 - t) * e + t * x
        for row, (cloud, label) in enumerate(
            ((noised, f"step {step + 1}\n$\\bar\\alpha$ = {abar:.3f}"), (straight, f"t = {t:.2f}"))
        ):
            ax = axes[row, column]
            colour = "tab:blue" if row == 0 else "tab:green"
            ax.scatter(*cloud.numpy().T, s=3, alpha=0.4, color=colour, edgecolors="none")
            ax.set_title(label, fontsize=SMALL + 1)
            _bare(ax, 3.2)
    axes[0, 0].set_ylabel("diffusion (DDPM)")
    axes[1, 0].set_ylabel("flow matching")
    fig.suptitle("Data turned into noise, left to right")
    fig.tight_layout(h_pad=1.5)
    return fig


@styled
def sampling_paths(points: torch.Tensor, paths: dict[str, torch.Tensor], shown: int = 40) -> plt.Figure:
    """One panel per sampler: the training points in grey, ``shown`` paths from noise (dots) to where they end,
    and every path's end point (orange). ``paths[name]`` is (steps + 1, n, 2), noise first. A path of more
    than 100 steps is drawn for a tenth as many points, or its jitter would hide the panel."""
    fig, axes = plt.subplots(1, len(paths), figsize=(4.0 * len(paths), 4.3), squeeze=False)
    for ax, (name, path) in zip(axes[0], paths.items(), strict=True):
        path = path.detach().cpu().numpy()
        drawn = min(shown if path.shape[0] <= 101 else max(1, shown // 10), path.shape[1])
        ax.scatter(*points.detach().cpu().numpy().T, s=3, color="0.75", edgecolors="none", label="training points")
        for i in range(drawn):
            ax.plot(path[:, i, 0], path[:, i, 1], color="tab:purple", lw=0.7, alpha=0.6)
        ax.scatter(*path[0, :drawn].T, s=8, color="tab:purple", label="start (noise)", zorder=3)
        ax.scatter(*path[-1].T, s=4, color="tab:orange", alpha=0.6, edgecolors="none", label="samples", zorder=4)
        steps = path.shape[0] - 1
        ax.set_title(f"{name}, {steps} steps")
        _bare(ax, 3.2)
    axes[0, 0].legend(fontsize=SMALL, loc="lower left", framealpha=0.9, markerscale=2)
    fig.tight_layout()
    return fig


@styled
def steps_vs_quality(sweeps: dict[str, list[dict[str, Any]]], title: str | None = None) -> plt.Figure:
    """Two panels from ``gmtutor.tools.sampling.sampler_sweep`` rows, one line per sampler: the Frechet
    distance of unconditional samples against sampling seconds, and the judge's accuracy on guided
    samples against the number of steps."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for i, (name, rows) in enumerate(sweeps.items()):
        colour = f"C{i}"
        seconds = [row["seconds"] for row in rows]
        left.plot(seconds, [row["FD"] for row in rows], marker="o", color=colour, label=name)
        for row in rows:
            left.annotate(str(row["steps"]), (row["seconds"], row["FD"]), fontsize=SMALL, color=colour,
                          xytext=(4, 4), textcoords="offset points")  # fmt: skip
        right.plot([row["steps"] for row in rows], [100 * row["judged right"] for row in rows], marker="o",
                   color=colour, label=name)  # fmt: skip
    left.set_xscale("log")
    left.set_yscale("log")
    left.yaxis.set_major_formatter(ScalarFormatter())
    left.yaxis.set_minor_formatter(ScalarFormatter())
    left.set_xlabel("seconds to draw the samples (log scale; labels: steps)")
    left.set_ylabel("Fréchet distance (log scale; lower is better)")
    right.set_xscale("log")
    right.set_xlabel("sampling steps (log scale)")
    right.set_ylabel("judged as the asked-for digit (%)")
    right.set_ylim(0, 100)
    right.axhline(10, color="grey", lw=0.8, ls=":")
    right.annotate("chance", (right.get_xlim()[0], 10), xytext=(4, 3), textcoords="offset points", fontsize=SMALL)
    for ax in (left, right):
        ax.grid(alpha=0.3, which="both")
    right.legend(fontsize=SMALL, loc="center right")  # clear of the chance line and the curves' ends
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


@styled
def guidance_trade(rows: list[dict[str, Any]], title: str | None = None) -> plt.Figure:
    """The judge's accuracy (left) and the Frechet distance (right) of guided samples against the guidance
    weight, each on its own panel with its axis from 0: stronger guidance buys the asked-for class and costs
    variety and realism."""
    weights = np.array([row["weight"] for row in rows])
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 3.8), sharex=True)
    left.plot(weights, [100 * row["judged right"] for row in rows], marker="o", color="C0")
    right.plot(weights, [row["FD"] for row in rows], marker="s", color="C1")
    left.set_ylabel("judged as the asked-for digit (%)")
    right.set_ylabel("Fréchet distance (lower is better)")
    left.set_ylim(0, 100)
    right.set_ylim(0, 1.08 * max(row["FD"] for row in rows))
    for ax in (left, right):
        ax.set_xlabel("guidance weight w\n(0: no label, 1: the conditional model)")
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


@styled
def objective_experiment(variants: dict[str, dict[str, Any]], title: str | None = None) -> plt.Figure:
    """``benchmarks/ddpm_experiment.py``'s rows as two bar panels, one bar per variant: how often the judge
    reads guided samples (w = 2) as the asked-for digit, and the Frechet distance of the samples. Bars of the
    velocity objective are blue, of the noise objective orange (each row's ``objective``); rows whose
    ``implementation`` is not gmtutor's are hatched."""
    names = sorted(variants, key=lambda name: variants[name]["judged right w2"])
    colours = ["C0" if variants[name]["objective"] == "velocity" else "C1" for name in names]
    hatches = ["" if variants[name]["implementation"] == "gmtutor" else "//" for name in names]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 0.42 * len(names) + 1.6), sharey=True)
    panels = ((left, [100 * variants[n]["judged right w2"] for n in names], "{:.0f}%"),
              (right, [variants[n]["sample FD"] for n in names], "{:.0f}"))  # fmt: skip
    for ax, values, label in panels:
        bars = ax.barh(range(len(names)), values, color=colours, hatch=hatches, edgecolor="white")
        ax.bar_label(bars, [label.format(value) for value in values], padding=3, fontsize=SMALL)
        ax.set_xlim(0, 1.15 * max(values))
        ax.grid(alpha=0.3, axis="x")
    left.set_yticks(range(len(names)), names)
    left.set_xlabel("guided samples (w = 2)\njudged as the asked-for digit (%)")
    right.set_xlabel("Fréchet distance of the samples\n(lower is better)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


__all__ = ["guidance_trade", "noising_on_points", "objective_experiment", "sampling_paths", "steps_vs_quality"]
