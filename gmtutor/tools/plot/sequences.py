"""HMM vs CRF: the HMM's transition matrix and tagging accuracy against training-set size."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from gmtutor.tools.plot.style import SMALL, styled


@styled
def transition_matrix(hmm: object, tags: list[str] | None = None, title: str | None = None) -> plt.Figure:
    """p(next tag | tag) of a fitted ``HiddenMarkovTagger`` as a heat map, with the end of the sentence as
    the last column; ``tags`` picks and orders the rows and columns (default: all, as fitted)."""
    tags = tags or list(hmm.tags_)
    rows = [hmm.tags_.index(tag) for tag in tags]
    probabilities = np.exp(hmm.log_transition_)[np.ix_(rows, [*rows, len(hmm.tags_)])]
    fig, ax = plt.subplots(figsize=(7.6, 5.6))
    image = ax.imshow(probabilities, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(tags) + 1), [*tags, "(end)"], rotation=60, ha="right")
    ax.set_yticks(range(len(tags)), tags)
    for (i, j), p in np.ndenumerate(probabilities):
        if p >= 0.1:
            ax.text(j, i, f"{p:.1f}", ha="center", va="center", fontsize=SMALL, color="white" if p > 0.5 else "black")
    ax.set_xlabel("next tag")
    ax.set_ylabel("tag")
    fig.colorbar(image, ax=ax, label="p(next tag | tag)", shrink=0.8)
    ax.set_title(title or "What the HMM learned about tag order")
    fig.tight_layout()
    return fig


@styled
def tagging_curves(curve: object, title: str | None = None) -> plt.Figure:
    """Test accuracy against training sentences (log scale) for each tagger of a ``TaggingCurve``."""
    fig, ax = plt.subplots(figsize=(6.8, 4.2))
    markers = "osD^v"
    for i, (name, accuracy) in enumerate(curve.accuracy.items()):
        label = f"{name}: {accuracy[-1]:.1%} at {curve.sizes[-1]:,}"
        ax.plot(curve.sizes, accuracy, marker=markers[i % len(markers)], ms=5, color=f"C{i}", label=label)
    ax.set_xscale("log")
    ax.set_xticks(curve.sizes, [f"{s:,}" for s in curve.sizes], fontsize=SMALL)
    ax.minorticks_off()
    ax.set_xlabel("training sentences (log scale)")
    ax.set_ylabel(f"test accuracy (share of words;\nthe axis starts at {ax.get_ylim()[0]:.0%})")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title(title or "Tagging accuracy against training-set size")
    fig.tight_layout()
    return fig
