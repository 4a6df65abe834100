"""Tools for a learned latent space, for any model with ``encode`` and ``decode``."""

from __future__ import annotations

import torch
from torch import nn

from gmtutor.core.data import as_images
from gmtutor.models.base import Capabilities


def _device_of(model: nn.Module) -> torch.device:
    first = next(model.parameters(), None)
    return first.device if first is not None else torch.device("cpu")


class PixelSpace(Capabilities, nn.Module):
    """The identity "latent space" of raw pixels: the baseline with no learned space at all.

    ``encode`` flattens an image to its 784 pixels and ``decode`` clips back to [0, 1], so its class
    centroids are the class mean images, exactly the means of Gaussian Naive Bayes, and moving
    along an axis is a cross-fade between mean images.
    """

    def __init__(self):
        super().__init__()
        self.config: dict = {}

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return as_images(x).reshape(len(x), -1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return z.clamp(0.0, 1.0).reshape(len(z), 1, 28, 28)


@torch.no_grad()
def encode_all(model: nn.Module, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Latent codes of ``images`` (uint8 or float), computed in eval mode in batches; returned on the CPU."""
    model.eval()
    dev = _device_of(model)
    codes = [
        model.encode(as_images(images[i : i + batch_size]).to(dev)).float().cpu()
        for i in range(0, len(images), batch_size)
    ]
    return torch.cat(codes)


@torch.no_grad()
def decode_all(model: nn.Module, z: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Images decoded from codes ``z`` in eval mode, in batches; returned on the CPU as (N, 1, 28, 28)."""
    model.eval()
    dev = _device_of(model)
    return torch.cat([model.decode(z[i : i + batch_size].to(dev)).float().cpu() for i in range(0, len(z), batch_size)])


def reconstruct_all(model: nn.Module, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """``model.reconstruct`` over many images (uint8 or float): decode(encode(x)) in eval mode, batched, on the CPU."""
    return decode_all(model, encode_all(model, images, batch_size), batch_size)


def gaussian_grid(n: int = 15, coverage: float = 0.9) -> torch.Tensor:
    """An n x n grid of 2-d codes, evenly spaced in probability under N(0, I), row by row from the top left.

    Spacing by the normal's quantiles (from (1 - coverage)/2 to (1 + coverage)/2) puts the grid where
    the prior has its mass, as in Kingma & Welling's manifold figures.
    """
    tail = (1.0 - coverage) / 2
    values = torch.distributions.Normal(0.0, 1.0).icdf(torch.linspace(tail, 1.0 - tail, n))
    z1, z2 = torch.meshgrid(values, values.flip(0), indexing="xy")
    return torch.stack([z1.reshape(-1), z2.reshape(-1)], dim=1)


def class_centroids(model: nn.Module, x: torch.Tensor, y: torch.Tensor, n_classes: int = 10) -> torch.Tensor:
    """The mean latent code of each class: row ``c`` is the centroid of the images labelled ``c``."""
    codes = encode_all(model, x)
    labels = torch.as_tensor(y).cpu()
    missing = [c for c in range(n_classes) if not (labels == c).any()]
    if missing:
        raise ValueError(f"no images of class {missing} to average; pass images of every class 0-{n_classes - 1}")
    sums = torch.zeros(n_classes, codes.shape[1]).index_add_(0, labels, codes)
    return sums / torch.bincount(labels, minlength=n_classes).unsqueeze(1).float()


def interpolation_vector(centroids: torch.Tensor, a: int, b: int) -> torch.Tensor:
    """``v(b -> a) = c_a - c_b``, the axis from class ``b`` to class ``a``: adding it to a code of a ``b`` moves
    it towards the ``a``s. Call it with keywords, ``interpolation_vector(centroids, a=0, b=6)`` for 6 -> 0."""
    return centroids[a] - centroids[b]


@torch.no_grad()
def manipulate(model: nn.Module, x: torch.Tensor, vector: torch.Tensor, alphas) -> torch.Tensor:
    """Encode ``x``, add ``alpha * vector`` for every alpha, decode: images shaped (N, len(alphas), 1, 28, 28).

    One encoder pass and one batched decoder pass for all images and alphas.
    """
    alphas = torch.as_tensor(alphas, dtype=torch.float32).reshape(-1)
    codes = encode_all(model, x)
    moved = codes[:, None, :] + alphas[None, :, None] * vector.float().cpu()[None, None, :]
    images = decode_all(model, moved.reshape(-1, codes.shape[1]))
    return images.reshape(len(codes), len(alphas), 1, 28, 28)


def digit_pairs(n_classes: int = 10) -> list[tuple[int, int]]:
    """All unordered pairs as (b, a) with b < a, read "from b to a": 45 for ten digits."""
    return [(b, a) for b in range(n_classes) for a in range(b + 1, n_classes)]


@torch.no_grad()
def pair_grid(model: nn.Module, centroids: torch.Tensor, alphas) -> tuple[torch.Tensor, list[tuple[int, int]]]:
    """For every pair (b, a), decode ``c_b + alpha * v(b -> a)`` with ``v(b -> a) = c_a - c_b``: alpha 0 is
    b's centroid, alpha 1 is a's.

    Returns images shaped (45, len(alphas), 1, 28, 28) and the list of pairs (b, a), in the same order.
    """
    pairs = digit_pairs(len(centroids))
    alphas = torch.as_tensor(alphas, dtype=torch.float32).reshape(-1)
    starts = torch.stack([centroids[b] for b, _ in pairs])
    steps = torch.stack([interpolation_vector(centroids, a=a, b=b) for b, a in pairs])
    codes = starts[:, None, :] + alphas[None, :, None] * steps[:, None, :]
    images = decode_all(model, codes.reshape(-1, centroids.shape[1]))
    return images.reshape(len(pairs), len(alphas), 1, 28, 28), pairs
