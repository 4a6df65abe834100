"""A denoiser's noise as a code space: invert a digit to the noise it would come from, move it, regenerate.

Flow matching and diffusion have no encoder, but their deterministic samplers run backwards
(``DiffusionModel.invert``): every digit has a noise vector that the sampler turns back into it. With
no label on either way, that noise is a code like a VAE's, 784 numbers, and class centroids, axes and
moves work in it as they do in any latent space (``gmtutor.tools.latent``). Whatever the move, the
sampler maps the moved noise back through the model's learned path to digits.
"""

from __future__ import annotations

import torch
from torch import nn

from gmtutor.core.data import as_images
from gmtutor.models.base import Capabilities
from gmtutor.models.denoiser import NO_LABEL, DiffusionModel


class NoiseSpace(Capabilities, nn.Module):
    """``encode``: the unconditional sampler run backwards, image to noise; ``decode``: forwards again.

    ``steps`` sampler steps each way (20, as the course samples). Codes are the flattened noise, (N, 784).
    """

    def __init__(self, model: DiffusionModel, steps: int = 20):
        super().__init__()
        if not isinstance(model, DiffusionModel):
            raise TypeError(f"NoiseSpace needs a DiffusionModel (flow matching or DDPM), got {type(model).__name__}")
        if steps < 1:
            raise ValueError(f"steps must be at least 1, got {steps}")
        self.model, self.steps = model, steps
        self.config = {"steps": steps, **model.config}

    def _no_labels(self, n: int) -> torch.Tensor:
        return torch.full((n,), NO_LABEL, dtype=torch.long)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        images = as_images(x)
        return self.model.invert(images, self._no_labels(len(images)), steps=self.steps).reshape(len(images), -1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        noise = z.reshape(len(z), 1, 28, 28)
        return self.model.regenerate(noise, self._no_labels(len(z)), steps=self.steps)
