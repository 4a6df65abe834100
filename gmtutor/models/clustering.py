"""Sorting images into categories without labels: two views of one image must land in the same category.

Invariant Information Clustering (IIC; Ji, Henriques & Vedaldi, 2019) feeds a network that outputs
category probabilities two views of each image, the image and a randomly transformed copy, and maximises
the mutual information between the two views' categories (here both views are distorted copies,
``distort``: a small random turn, stretch and shift):

    I(c; c') = sum_ij P_ij log(P_ij / (P_i P_j)),   P = (1/N) sum_n p(x_n)^T p(x'_n), made symmetric.

The information is high only when each view's category predicts the other's (so the category ignores
what the distortion changes) and all categories are used (so the answer is not one category for all).
On digits, what survives a small turn, stretch and shift is mostly which digit it is. InfoGAN uses it as
an anchor for Q's categories on real digits (``InfoGAN(clustering_weight=...)``). Two distorted copies,
rather than the image and one copy, found the digits more often there in one trial of each at the
recipe's steps.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

TURN = 0.25  # radians, about 14 degrees either way
STRETCH = 0.1  # up to 10% larger or smaller
SHIFT = 0.15  # of half the image's side: about 2 pixels on a 28-pixel digit


def distort(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """A small random affine distortion of each image (N, C, H, W): turned by up to ``TURN`` radians, scaled
    by up to ``STRETCH``, shifted by up to ``SHIFT`` of half a side; empty pixels come in as zero."""
    n = len(images)

    def uniform(*shape: int) -> torch.Tensor:
        return (torch.rand(*shape, generator=generator) * 2 - 1).to(images.device)

    angle, scale, shift = uniform(n) * TURN, 1 + uniform(n) * STRETCH, uniform(n, 2) * SHIFT
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    rows = [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)]
    grid = F.affine_grid(torch.stack(rows, 1), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, align_corners=False)


def two_view_information(logits: torch.Tensor, other_logits: torch.Tensor) -> torch.Tensor:
    """I(c; c') in nats between the categories of two views, from each view's category logits (N, K)."""
    if logits.shape != other_logits.shape or logits.dim() != 2:
        shapes = f"{tuple(logits.shape)} and {tuple(other_logits.shape)}"
        raise ValueError(f"need two (N, K) logit tensors of one shape, got {shapes}")
    joint = logits.float().softmax(1).T @ other_logits.float().softmax(1) / len(logits)
    joint = ((joint + joint.T) / 2).clamp_min(1e-12)
    row, column = joint.sum(1, keepdim=True), joint.sum(0, keepdim=True)
    return (joint * (joint.log() - row.log() - column.log())).sum()
