"""Generative versus discriminative classifiers on digits: learning curves, newcomers, parameters."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from gmtutor.core.data import as_images
from gmtutor.tools.plot.images import show_images
from gmtutor.tools.plot.style import SMALL, styled
from gmtutor.tools.plot.two_d import _NEWCOMER_COLOUR


@styled
def learning_curves(curve: object, title: str | None = None) -> plt.Figure:
    """Test accuracy against training-set size (log scale): mean and standard deviation over seeds, per model.

    ``curve`` is a ``gmtutor.tools.classifiers.LearningCurve``. Dotted lines mark each model's
    accuracy on the largest training set.
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, (name, accuracy) in enumerate(curve.accuracy.items()):
        mean, std = accuracy.mean(axis=0), accuracy.std(axis=0)
        ax.errorbar(curve.sizes, mean, yerr=std, marker="o", ms=5, capsize=3, color=f"C{i}", label=name)
        ax.axhline(mean[-1], color=f"C{i}", ls=":", lw=1)
        ax.annotate(
            f"{mean[-1]:.3f}",
            (curve.sizes[-1], mean[-1]),
            xytext=(0, 5),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=SMALL,
            color=f"C{i}",
        )
    ax.set_xscale("log")
    ax.margins(y=0.08)
    ax.set_xticks(curve.sizes, [f"{s:,}" for s in curve.sizes], fontsize=SMALL)
    ax.minorticks_off()
    ax.set_xlabel("training images (log scale, the same number per digit)")
    ax.set_ylabel(f"test accuracy (the axis starts at {ax.get_ylim()[0]:.0%})")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title(title or "Few samples vs many: accuracy against training-set size")
    fig.tight_layout()
    return fig


@styled
def newcomer_verdicts(images: torch.Tensor, result: object, title: str | None = None) -> plt.Figure:
    """Unseen-class images, each captioned with logistic regression's label and confidence and with
    Naive Bayes's log p(x). ``result`` is a ``gmtutor.tools.novelty.UnseenClass`` whose models saw none of them."""
    x = as_images(images).reshape(len(images), -1).numpy()
    labels = result.lr.predict(x)
    confidence = result.lr.predict_proba(x).max(axis=1)
    log_px = result.nb.log_prob(x)
    ncol = min(5, len(x))
    nrow = -(-len(x) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(1.7 * ncol, 2.3 * nrow + 0.5), squeeze=False)
    for ax in axes.flat[len(x) :]:
        ax.set_visible(False)
    for ax, image, label, conf, lp in zip(axes.flat, x, labels, confidence, log_px, strict=False):
        ax.imshow(1 - image.reshape(28, 28), cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        sure = ">99%" if conf > 0.99 else f"{conf:.0%}"  # confident is not certain: never print 100%
        ax.set_title(f"LR: {label} ({sure})\nNB: {lp:.0f}", fontsize=10, color="black")
    fig.suptitle(title or "Digits the models never saw")
    fig.tight_layout()
    return fig


@styled
def unseen_class_scores(result: object, seen_name: str = "seen", unseen_name: str = "unseen") -> plt.Figure:
    """Histograms of Naive Bayes's log p(x) and logistic regression's confidence for seen and unseen inputs,
    with the ROC AUC of each. ``result`` is a ``gmtutor.tools.novelty.UnseenClass``."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 3.6))
    seen, unseen = result.nb_log_prob_seen, result.nb_log_prob_unseen
    low = np.percentile(np.concatenate([seen, unseen]), 2)
    bins = np.linspace(low, max(seen.max(), unseen.max()), 40)
    for values, name, colour in ((seen, seen_name, "tab:blue"), (unseen, unseen_name, _NEWCOMER_COLOUR)):
        left.hist(np.clip(values, low, None), bins=bins, alpha=0.6, color=colour, label=name)
    left.set_xlabel(f"Naive Bayes $\\log p(x)$ (values below {low:.0f} put in the first bin)")
    left.set_title(f"Naive Bayes: ROC AUC {result.nb_auc:.3f}", fontsize=11)
    bins = np.linspace(0.5, 1, 26)
    for values, name, colour in (
        (result.lr_confidence_seen, seen_name, "tab:blue"),
        (result.lr_confidence_unseen, unseen_name, _NEWCOMER_COLOUR),
    ):
        right.hist(values, bins=bins, alpha=0.6, color=colour, label=name)
    right.set_xlabel("logistic regression confidence $\\max_y p(y \\mid x)$")
    right.set_title(f"Logistic regression: ROC AUC {result.lr_auc:.3f}", fontsize=11)
    for ax in (left, right):
        ax.set_ylabel("test images")
        ax.legend(fontsize=9)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


@styled
def unseen_digit_aucs(table: object) -> plt.Figure:
    """Mean ROC AUC of each model for each digit in the newcomer's role (averaged over the seen pairs).

    ``table`` is a ``gmtutor.tools.novelty.UnseenClassTable``.
    """
    digits, nb, lr = table.by_unseen_digit()
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    width = 0.38
    ax.bar(
        digits - width / 2, nb, width, color="C0", label=f"Naive Bayes $\\log p(x)$ (mean {table.nb_auc.mean():.2f})"
    )
    ax.bar(digits + width / 2, lr, width, color="C1", label=f"LR confidence (mean {table.lr_auc.mean():.2f})")
    ax.axhline(0.5, color="black", lw=1, ls="--", label="a coin (0.5)")
    ax.set_xticks(digits)
    ax.set_xlabel("the digit the models never saw")
    ax.set_ylabel("ROC AUC, seen vs unseen")
    ax.set_ylim(0, 1.25)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=SMALL, loc="upper center", ncol=3, framealpha=0.95)
    pairs = len(np.unique(table.seen, axis=0))
    ax.set_title(f"Spotting the newcomer: {len(table.unseen)} experiments ({pairs} seen pairs)", fontsize=11)
    fig.tight_layout()
    return fig


@styled
def class_parameter_images(nb: object, lr: object | None = None, title: str | None = None) -> plt.Figure:
    """One column per class: Naive Bayes's mean image and variance image, and (given ``lr``) logistic
    regression's weight image (red: evidence for the class, blue: against)."""
    rows = [("NB mean $\\mu_y$", nb.means_, "gray_r", 0.0, 1.0)]
    rows.append(("NB variance $\\sigma^2_y$", nb.variances_, "viridis", 0.0, float(nb.variances_.max())))
    if lr is not None:
        limit = float(np.abs(lr.coef_).max())
        rows.append(("LR weights $w_y$", lr.coef_, "RdBu_r", -limit, limit))
    n = len(nb.classes_)
    fig, axes = plt.subplots(
        len(rows), n, figsize=(0.95 * n + 1.3, 1.0 * len(rows) + 0.4), squeeze=False, layout="constrained"
    )
    for r, (name, values, cmap, low, high) in enumerate(rows):
        for k in range(n):
            ax = axes[r, k]
            shown = ax.imshow(values[k].reshape(28, 28), cmap=cmap, vmin=low, vmax=high)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(str(nb.classes_[k]), fontsize=10)
        axes[r, 0].set_ylabel(name, fontsize=9)
        fig.colorbar(shown, ax=axes[r, :].tolist(), shrink=0.9, pad=0.01, aspect=8)
    if title:
        fig.suptitle(title)
    return fig


@styled
def naive_bayes_samples(nb: object, per_class: int = 10, seed: int = 0, title: str | None = None) -> plt.Figure:
    """Images drawn from a Gaussian Naive Bayes fitted on pixels: one row per class, clipped to [0, 1]."""
    rows = [nb.sample(per_class, label=label, generator=seed + k) for k, label in enumerate(nb.classes_)]
    images = torch.from_numpy(np.clip(np.concatenate(rows), 0, 1)).float()
    return show_images(images, ncol=per_class, title=title, row_labels=[str(c) for c in nb.classes_])
