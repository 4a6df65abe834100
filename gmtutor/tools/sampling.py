"""What a denoiser's samples are worth per second: quality against the number of sampling steps.

A diffusion model or a flow-matching model samples by taking steps, and each step costs one pass of the
network (two with guidance). ``sampler_sweep`` draws the same number of samples at several step counts
and scores each set the way the scoreboard does: the Frechet distance of unconditional samples to real
test digits in the CNN judge's features, and how often the judge reads a class-guided sample as the
class it was asked for. Seconds are wall-clock time on the model's device, sampling only.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from gmtutor.core.progress import progress_bar
from gmtutor.tools.realism import frechet_distance

N_CLASSES = 10


def guided_accuracy(
    model: nn.Module, judge: nn.Module, per_class: int, steps: int, weight: float, eta: float = 0.0, seed: int = 0
) -> float:
    """The share of ``per_class`` samples of each digit, guided with ``weight``, that ``judge`` reads as asked."""
    labels = torch.arange(N_CLASSES).repeat(per_class)
    drawn = model.sample(len(labels), y=labels, steps=steps, weight=weight, eta=eta, generator=_seeded(seed))
    return float((judge.predict(drawn) == labels).float().mean())


def _seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def sampler_sweep(
    model: nn.Module,
    judge: nn.Module,
    real: torch.Tensor,
    steps: Sequence[int],
    n: int = 1000,
    weight: float = 1.0,
    eta: float = 0.0,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """For each step count: seconds for ``n`` unconditional samples, their FD to ``real`` digits, and the
    judge's accuracy on ``n`` class-guided samples (``weight``). ``eta`` 1 makes DDIM stochastic (DDPM)."""
    real_features = judge.embed(real)
    bar = progress_bar(len(steps), "sampler steps", enabled=progress)
    rows = []
    for k in steps:
        start = time.perf_counter()
        drawn = model.sample(n, steps=k, eta=eta, generator=_seeded(1))
        seconds = time.perf_counter() - start
        rows.append(
            {
                "steps": k,
                "seconds": seconds,
                "FD": frechet_distance(judge.embed(drawn), real_features),
                "judged right": guided_accuracy(model, judge, max(1, n // N_CLASSES), k, weight, eta),
            }
        )
        bar.update(1)
    bar.close()
    return rows


__all__ = ["guided_accuracy", "sampler_sweep"]
