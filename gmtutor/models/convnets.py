"""DCGAN-style convolutional networks for 28 x 28 digits (Radford et al., 2016), as the GANs use them.

The generator grows an image from a code: a linear layer to a 7 x 7 grid of ``2 * width`` channels, then
two transposed convolutions that double the side each time (7 -> 14 -> 28), with batch norm and ReLU
between them and pixel logits at the end. The discriminator's trunk is the mirror image: two strided
convolutions (28 -> 14 -> 7) with LeakyReLU(0.2), flattened to features for a head to read. These are
the shapes of InfoGAN's MNIST networks (Chen et al., 2016) and of most small MNIST GANs since: a
convolution sees a stroke wherever it is, which an MLP over 784 pixels must learn at every position.
"""

from __future__ import annotations

import torch
from torch import nn

NORMS = ("batch", "layer", "none")


def conv_generator(latent_dim: int, width: int = 64, batch_norm: bool = True) -> nn.Sequential:
    """z (N, latent_dim) -> pixel logits (N, 1, 28, 28): linear to 7 x 7 x 2w, then two 4 x 4 transposed
    convolutions of stride 2 (to 14 x 14 x w, then to 28 x 28 x 1)."""

    def norm(channels: int, flat: bool = False) -> nn.Module:
        if not batch_norm:
            return nn.Identity()
        return nn.BatchNorm1d(channels) if flat else nn.BatchNorm2d(channels)

    return nn.Sequential(
        nn.Linear(latent_dim, 2 * width * 7 * 7),
        norm(2 * width * 7 * 7, flat=True),
        nn.ReLU(),
        nn.Unflatten(1, (2 * width, 7, 7)),
        nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),
        norm(width),
        nn.ReLU(),
        nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1),
    )


def conv_trunk(width: int = 64, norm: str = "batch", spectral: bool = False) -> nn.Sequential:
    """Images (N, 1, 28, 28) in [-1, 1] -> features (N, 2 * width * 49): two 4 x 4 convolutions of stride 2
    with LeakyReLU(0.2), the second normalised by ``norm`` ("batch"; "layer", for a WGAN-GP critic, whose
    gradient penalty is taken per image and must not mix the batch; or "none").

    ``spectral`` wraps both convolutions in spectral normalisation (Miyato et al., 2018)."""
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")

    def conv(a: int, b: int) -> nn.Module:
        layer = nn.Conv2d(a, b, 4, stride=2, padding=1)
        return nn.utils.parametrizations.spectral_norm(layer) if spectral else layer

    normalise = {"batch": nn.BatchNorm2d(2 * width), "layer": nn.GroupNorm(1, 2 * width), "none": nn.Identity()}
    return nn.Sequential(
        conv(1, width),
        nn.LeakyReLU(0.2),
        conv(width, 2 * width),
        normalise[norm],
        nn.LeakyReLU(0.2),
        nn.Flatten(),
    )


def trunk_features(width: int) -> int:
    """How many features ``conv_trunk(width)`` gives per image."""
    return 2 * width * 7 * 7


def as_input(x: torch.Tensor, architecture: str) -> torch.Tensor:
    """Pixels in [0, 1], any shape with 784 values per item, mapped to [-1, 1] and shaped for the network:
    (N, 1, 28, 28) images for a "conv" one, (N, 784) vectors for an "mlp"."""
    shape = (len(x), 1, 28, 28) if architecture == "conv" else (len(x), 784)
    return x.reshape(shape).float() * 2.0 - 1.0
