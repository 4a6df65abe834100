"""A small convolutional digit classifier: the course's second judge, and the feature space for realism.

Logistic regression on pixels (``gm.evaluate.digit_classifier``) is a weak judge of generated digits:
it is linear, so a cross-fade of two digits can score as well as a real one. ``DigitCNN`` sees strokes
and their arrangement. Its 128 penultimate activations are the features in which
``gmtutor.tools.realism`` compares sets of images (the MNIST analogue of FID's Inception features).

It trains through ``gm.fit`` like every model (its ``loss`` takes the labels ``y``), with small random
rotations and shifts of each training batch so that 4,000 digits are enough for about 98% on real
MNIST test digits. The recipe ``"judge"`` trains it and the model cache keeps it.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from gmtutor.core.data import as_images
from gmtutor.core.runtime import module_device
from gmtutor.models.base import Trainable


def jitter(x: torch.Tensor, max_degrees: float = 10.0, max_shift: float = 2.0) -> torch.Tensor:
    """Each image turned by up to ``max_degrees`` and moved by up to ``max_shift`` pixels, at random."""
    n = len(x)
    angle = (torch.rand(n, device=x.device) * 2 - 1) * math.radians(max_degrees)
    shift = (torch.rand(n, 2, device=x.device) * 2 - 1) * (2 * max_shift / x.shape[-1])
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


class DigitCNN(Trainable):
    """Two convolution blocks and a hidden layer of ``features`` units: images (N, 1, 28, 28) -> 10 logits."""

    takes_labels = "yes"

    def __init__(self, features: int = 128, dropout: float = 0.3, augment: bool = True):
        super().__init__()
        self.augment = augment
        self.convolutions = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 14 x 14
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 7 x 7
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, features), nn.ReLU(),
        )  # fmt: skip
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(features, 10))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate activations (N, features): what the judge sees in an image."""
        return self.convolutions(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (N, 10) of digits 0-9."""
        return self.head(self.features(x))

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        """Cross-entropy on the batch (jittered while training), and the fraction it gets wrong."""
        if self.training and self.augment:
            x = jitter(x)
        logits = self(x)
        return {"loss": F.cross_entropy(logits, y), "error": (logits.argmax(1) != y).float().mean()}

    @torch.no_grad()
    def _batched(self, images: torch.Tensor, method, batch_size: int = 1000) -> torch.Tensor:
        was_training = self.training
        self.eval()
        device = module_device(self)
        x = as_images(torch.as_tensor(images))
        out = torch.cat([method(x[i : i + batch_size].to(device)).float().cpu() for i in range(0, len(x), batch_size)])
        self.train(was_training)
        return out

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """``features`` of any number of images (uint8 or floats in [0, 1]), in eval mode, on the CPU."""
        return self._batched(images, self.features)

    def predict_proba(self, images: torch.Tensor) -> torch.Tensor:
        """Probabilities of digits 0-9, a float32 tensor (N, 10) on the CPU."""
        return self._batched(images, lambda x: F.softmax(self(x), dim=1))

    def predict(self, images: torch.Tensor) -> torch.Tensor:
        """The most probable digit of each image (N,)."""
        return self.predict_proba(images).argmax(dim=1)

    def accuracy(self, images: torch.Tensor, labels: torch.Tensor) -> float:
        """Fraction of ``images`` labelled as ``labels``."""
        return float((self.predict(images) == torch.as_tensor(labels).cpu()).float().mean())
