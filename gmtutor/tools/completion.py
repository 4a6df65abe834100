"""Imagination without a latent space: an autoregressive model completes a digit from a part of it.

A VAE or a flow imagines by moving a code; a PixelCNN has no code to move. What it can do is finish a
digit: keep the top half of a real test digit and draw the rest, pixel by pixel, each given all the
pixels before it. The completion is scored like any imagined digit:

- *read right*: the share that the CNN judge reads as the digit the top half came from;
- *FD*: the Frechet distance in the judge's features to real test digits *other than the sources*
  (the sources share their top halves with the completions, so measuring against them would flatter);
- *copies* and *distance ratio*: novelty against the training digits (``gmtutor.tools.copying``),
  with the sources' own distances as the floor, so that a completion that merely redraws its
  source's training neighbour shows up.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from gmtutor.core.data import as_images
from gmtutor.core.progress import progress_bar
from gmtutor.models.autoregressive import top_rows
from gmtutor.tools.copying import NOVELTY_SHIFT, novelty
from gmtutor.tools.realism import frechet_distance
from gmtutor.tools.spread import bootstrap_spread

KEPT_ROWS = 14  # the top half of a 28-row digit


def split_per_class(x: torch.Tensor, y: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The first ``n`` digits of each class as sources (digits, labels) and every other digit as the reference."""
    sources = torch.cat([torch.nonzero(y == digit).flatten()[:n] for digit in range(10)])
    rest = torch.ones(len(y), dtype=torch.bool)
    rest[sources] = False
    return x[sources], y[sources], x[rest]


def complete(
    model: Any,
    digits: torch.Tensor,
    keep: torch.Tensor | None = None,
    seed: int = 0,
    batch_size: int = 100,
    temperature: float = 1.0,
    progress: bool = False,
) -> torch.Tensor:
    """``digits`` with the pixels outside ``keep`` (default: the top half) drawn by ``model``, in batches,
    as floats in [0, 1] shaped (N, 1, 28, 28); the same seed gives the same completions."""
    keep = top_rows(KEPT_ROWS) if keep is None else keep
    generator = torch.Generator().manual_seed(seed)
    bar = progress_bar(len(digits), "completing", unit="digit", enabled=progress)
    done = []
    for i in range(0, len(digits), batch_size):
        batch = digits[i : i + batch_size]
        drawn = model.sample(len(batch), start=batch, keep=keep, temperature=temperature, generator=generator)
        done.append(drawn.cpu())
        bar.update(len(batch))
    bar.close()
    return torch.cat(done) if done else torch.zeros(0, 1, 28, 28)


def kept_alone(digits: torch.Tensor, kept_rows: int = KEPT_ROWS, levels: int = 256) -> torch.Tensor:
    """The baseline a completion must beat: the top ``kept_rows`` rows of ``digits`` with the rest left blank,
    rounded to ``levels`` greys as the model that completes them sees them (2: black or white)."""
    kept = (as_images(digits) * (levels - 1)).round() / (levels - 1)
    kept[:, :, kept_rows:] = 0
    return kept


def lookup_completion(digits: torch.Tensor, training: torch.Tensor, kept_rows: int = KEPT_ROWS) -> torch.Tensor:
    """The other baseline: each digit's top ``kept_rows`` rows over the bottom of the training digit whose top
    rows are nearest (Euclidean). No model and no imagination: the hidden part is copied."""
    shown, known = as_images(digits), as_images(training)
    distances = torch.cdist(shown[:, :, :kept_rows].flatten(1), known[:, :, :kept_rows].flatten(1))
    completed = shown.clone()
    completed[:, :, kept_rows:] = known[distances.argmin(1), :, kept_rows:]
    return completed


def completion_scores(
    completed: torch.Tensor,
    sources: torch.Tensor,
    labels: torch.Tensor,
    reference: torch.Tensor,
    judge: nn.Module,
    training: torch.Tensor,
) -> dict[str, float]:
    """How well ``completed`` digits (of ``sources``, whose digits are ``labels``) are imagined: read right
    (with its bootstrap spread over the sources), FD to ``reference`` test digits, and novelty against
    ``training`` with the sources as the floor."""
    read = (judge.predict(completed).cpu() == labels.cpu()).float().numpy()
    features, reference_features = judge.embed(completed), judge.embed(reference)
    found = novelty(completed, training, as_images(sources), NOVELTY_SHIFT)
    return {
        "completion read right": float(read.mean()),
        "completion read right ±": bootstrap_spread(np.arange(len(read)), lambda i: float(read[i].mean())),
        "completion FD": frechet_distance(features, reference_features),
        "completion copies": found.copy_share,
        "completion distance ratio": found.distance_ratio,
    }


__all__ = ["KEPT_ROWS", "complete", "completion_scores", "kept_alone", "lookup_completion", "split_per_class"]
