"""How training went: loss curves, adversarial curves, class shares and accuracy bars."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from gmtutor.tools.plot.style import PART_NAMES, SMALL, legend_below, styled


@styled
def loss_curves(
    histories: dict[str, object],
    parts: Sequence[str],
    title: str | None = None,
    unit: str = "nats per image",
    names: dict[str, str] | None = None,
) -> plt.Figure:
    """One panel per loss part against training epochs, training (solid) and test (dashed), one colour per run.

    Parts are labelled in words (``PART_NAMES``, or ``names`` for others): "reconstruction", not "recon".
    """
    names = {**PART_NAMES, **(names or {})}
    width = max(3.3 * len(parts) + 0.4, 5.0)  # one panel still leaves room for a two-column legend
    fig, axes = plt.subplots(1, len(parts), figsize=(width, 3.4), squeeze=False)
    for ax, part in zip(axes[0], parts, strict=True):
        for i, (name, history) in enumerate(histories.items()):
            epochs = history["epoch"]
            ax.plot(epochs, history[part], color=f"C{i}", label=f"{name}, training")
            if f"test_{part}" in history.keys():
                ax.plot(epochs, history[f"test_{part}"], color=f"C{i}", linestyle="--", label=f"{name}, test")
        ax.set_xlabel("epochs (passes over\nthe training images)")
        ax.set_ylabel(f"{names.get(part, part)} ({unit})" if unit else names.get(part, part))
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    legend_below(fig, handles, labels, columns=min(len(labels), 2 * len(parts), 4))  # no wider than the panels
    return fig


@styled
def adversarial_curves(histories: dict[str, object], title: str | None = None) -> plt.Figure:
    """A GAN's training, one colour per named run: the discriminator's loss, the generator side's loss
    (``g_loss``, or BiGAN's ``ge_loss`` for generator and encoder), and the discriminator's accuracy (chance: 0.5)."""
    bigan = any("ge_loss" in history.keys() for history in histories.values())
    panels = [
        ("d_loss", "discriminator loss"),
        ("g_loss", "generator and encoder loss" if bigan else "generator loss"),
        ("d_acc", "discriminator accuracy"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(10.2, 3.4))
    for ax, (key, label) in zip(axes, panels, strict=True):
        for i, (name, history) in enumerate(histories.items()):
            part = "ge_loss" if key == "g_loss" and "ge_loss" in history.keys() else key
            ax.plot(history["epoch"], history[part], color=f"C{i}", marker=".", label=name)
        ax.set_xlabel("epochs (passes over\nthe training images)")
        ax.set_title(label)
        ax.grid(alpha=0.3)
    axes[0].axhline(2 * np.log(2), color="grey", linestyle=":", label="2 log 2 (D cannot tell)")
    chance = axes[2].axhline(0.5, color="grey", linestyle=":", label="chance (accuracy 0.5)")
    axes[2].set_ylim(0, 1.02)
    if title:
        fig.suptitle(title)
    handles, labels = axes[0].get_legend_handles_labels()
    legend_below(fig, [*handles, chance], [*labels, chance.get_label()])
    return fig


@styled
def class_bars(histograms: dict[str, torch.Tensor], title: str | None = None) -> plt.Figure:
    """Grouped bars: for each named set of images, the fraction a classifier calls each digit 0-9."""
    fig, ax = plt.subplots(figsize=(8, 3))
    width = 0.8 / len(histograms)
    for i, (name, fractions) in enumerate(histograms.items()):
        positions = np.arange(10) + (i - (len(histograms) - 1) / 2) * width
        ax.bar(positions, torch.as_tensor(fractions).cpu().numpy(), width=width, color=f"C{i}", label=name)
    ax.axhline(0.1, color="grey", linestyle=":", label="every digit equally often")
    ax.set_xticks(range(10))
    ax.set_xlabel("digit the classifier sees")
    ax.set_ylabel("fraction of samples")
    ax.legend(fontsize=SMALL)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


@styled
def accuracy_bars(results: dict[str, dict[str, float]], title: str | None = None) -> plt.Figure:
    """Grouped bars of test accuracy: ``results[features][classifier]``, e.g. {"pixels": {"1-NN": 0.9, ...}}."""
    names = list(results)
    classifiers = list(next(iter(results.values())))
    fig, ax = plt.subplots(figsize=(1.8 * len(names) + 2.6, 3.8))
    width = 0.8 / len(classifiers)
    lowest = min(value for result in results.values() for value in result.values())
    floor = max(0.0, np.floor(10 * lowest - 0.5) / 10)  # zoom in on the differences, and say so on the axis
    for j, classifier in enumerate(classifiers):
        positions = np.arange(len(names)) + (j - (len(classifiers) - 1) / 2) * width
        values = [results[name][classifier] for name in names]
        heights = [value - floor for value in values]
        bars = ax.bar(positions, heights, bottom=floor, width=width, color=f"C{j}", label=classifier)
        ax.bar_label(bars, labels=[f"{v:.1%}" for v in values], fontsize=SMALL, padding=2)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel(f"test accuracy (axis from {floor:.0%})" if floor > 0 else "test accuracy")
    ax.set_ylim(floor, 1.0 + (1.0 - floor) * 0.08)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.legend(fontsize=SMALL, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


@styled
def generator_loss_shapes() -> plt.Figure:
    """The two generator losses against D(G(z)), and how steeply each falls (per unit of D's logit)."""
    from gmtutor.models.gan import generator_loss

    logits = torch.linspace(-7, 7, 400, requires_grad=True)
    d = torch.sigmoid(logits).detach().numpy()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 3.8))
    for kind, color in (("minimax", "C3"), ("non-saturating", "C0")):
        per_sample = [generator_loss(logit.reshape(1), kind) for logit in logits]
        losses = torch.stack(per_sample)
        (slopes,) = torch.autograd.grad(losses.sum(), logits)
        label = r"minimax: $\log(1 - D(G(z)))$" if kind == "minimax" else r"non-saturating: $-\log D(G(z))$"
        left.plot(d, losses.detach().numpy(), color=color, label=label)
        right.plot(d, slopes.abs().numpy(), color=color, label=kind)
    left.set_ylabel("generator loss (G minimises it)")
    right.set_ylabel("steepness (size of the gradient)")
    left.set_title("the generator's loss")
    right.set_title("how steeply it falls")
    ticks = [0.001, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999]
    for ax in (left, right):
        ax.set_xscale("logit")
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.minorticks_off()
        ax.set_xlabel("D(G(z)): how real D thinks a fake is")
        ax.axvspan(1e-3, 0.1, color="grey", alpha=0.12, label="early training: D spots fakes")
        ax.grid(alpha=0.3)
    legend_below(fig, *left.get_legend_handles_labels())  # both panels share their colours; a legend inside covers data
    return fig


# --------------------------------------------------------------------------- notebook 05: flows
