"""How real a set of images looks, measured in a digit classifier's features.

Two measures, both computed on features (N, D) that a trained judge gives each image (``DigitCNN.embed``):

- ``frechet_distance``: fit a Gaussian to each set's features and take the Frechet (2-Wasserstein)
  distance between the two Gaussians,
  ``|mu_a - mu_b|^2 + tr(C_a + C_b - 2 (C_a C_b)^(1/2))``. This is FID (Heusel et al. 2017) with an
  MNIST classifier's features in place of Inception's. 0 for identical sets; it grows when generated
  images drift from real ones in any way the judge notices. It depends on the feature space and on
  the set sizes, so compare numbers only within one table.
- ``precision_recall`` (Kynkaanniemi et al. 2019): around each real feature vector draw a ball reaching
  its k-th nearest real neighbour; *precision* is the fraction of generated images inside the union of
  these balls (do they look real?), *recall* the fraction of real images inside the generated set's
  balls (is every kind of real digit produced?). A blurry or ghosted set loses precision; a collapsed one
  loses recall.

- ``density_coverage`` (Naeem et al. 2020): the same balls around the real points, counted the other way.
  *Density* is how many real balls hold a generated image, on average, divided by k (about 1 for
  a generated set as real as the real one); *coverage* is the fraction of real balls that hold at
  least one generated image. Recall counts real images inside balls drawn around the *generated*
  points, so a few outlying fakes, whose balls are huge, can cover every real digit and raise
  recall to near 1; coverage never draws a ball around a fake, so outliers cannot raise it.

Precision, recall, density and coverage are computed on unit-length features (``normalize=True``, as ``scores`` does for
the course). On raw ReLU features a ghosted or noisy image has weak activations,
so it lands near the middle of the real digits' cloud, where the balls of the real points reach, and
scores a precision as high as real digits do; on the unit sphere only its direction counts. The
Frechet distance keeps the raw features, as FID does.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def _trace_sqrt_product(cov_a: np.ndarray, cov_b: np.ndarray) -> float:
    """tr((C_a C_b)^(1/2)) for covariance matrices, as the sum of the square roots of the eigenvalues of
    C_a^(1/2) C_b C_a^(1/2) (the same eigenvalues, but of a symmetric matrix): stable where a feature
    never varies and the covariances are singular, where a general matrix square root is not."""
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    return float(np.sqrt(np.clip(np.linalg.eigvalsh(root_a @ cov_b @ root_a), 0, None)).sum())


def frechet_distance(features_a: torch.Tensor | np.ndarray, features_b: torch.Tensor | np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to two sets of feature vectors (N, D) and (M, D)."""
    a, b = (np.asarray(torch.as_tensor(f).double()) for f in (features_a, features_b))
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"need two sets of feature vectors of one size, got shapes {a.shape} and {b.shape}")
    if min(len(a), len(b)) < 2:
        raise ValueError(f"need at least two vectors in each set to fit a covariance, got {len(a)} and {len(b)}")
    mean_a, mean_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    distance = (
        np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * _trace_sqrt_product(cov_a, cov_b)
    )
    return float(max(distance, 0.0))


def _kth_neighbour_radii(features: torch.Tensor, k: int, chunk: int) -> torch.Tensor:
    radii = []
    for start in range(0, len(features), chunk):
        distances = torch.cdist(features[start : start + chunk], features)
        radii.append(distances.kthvalue(k + 1, dim=1).values)  # the first is the point itself, at distance 0
    return torch.cat(radii)


def _inside(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor, chunk: int) -> torch.Tensor:
    inside = []
    for start in range(0, len(points), chunk):
        distances = torch.cdist(points[start : start + chunk], centres)
        inside.append((distances <= radii[None, :]).any(dim=1))
    return torch.cat(inside)


def _feature_sets(
    real: torch.Tensor | np.ndarray, generated: torch.Tensor | np.ndarray, normalize: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """Both sets as float32 tensors, each vector scaled to unit length when ``normalize``."""
    real, generated = (torch.as_tensor(np.asarray(f), dtype=torch.float32) for f in (real, generated))
    if normalize:
        real, generated = F.normalize(real, dim=1), F.normalize(generated, dim=1)
    return real, generated


def _precision_recall(real, generated, real_radii, k: int, chunk: int) -> tuple[float, float]:
    precision = _inside(generated, real, real_radii, chunk).float().mean()
    recall = _inside(real, generated, _kth_neighbour_radii(generated, k, chunk), chunk).float().mean()
    return float(precision), float(recall)


def _density_coverage(real, generated, real_radii, k: int, chunk: int) -> tuple[float, float]:
    balls_holding = torch.zeros(len(real))  # per real point: how many generated points its ball holds
    for start in range(0, len(generated), chunk):
        balls_holding += (torch.cdist(generated[start : start + chunk], real) <= real_radii[None, :]).sum(dim=0)
    return float(balls_holding.sum() / (k * len(generated))), float((balls_holding > 0).float().mean())


def precision_recall(
    real: torch.Tensor | np.ndarray,
    generated: torch.Tensor | np.ndarray,
    k: int = 3,
    normalize: bool = False,
    chunk: int = 2000,
) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al. 2019) of ``generated`` against ``real`` features,
    with k-th-neighbour balls; ``normalize`` scales every feature vector to unit length first."""
    real, generated = _feature_sets(real, generated, normalize)
    if min(len(real), len(generated)) <= k:
        raise ValueError(f"need more than k={k} vectors in each set, got {len(real)} real and {len(generated)}")
    return _precision_recall(real, generated, _kth_neighbour_radii(real, k, chunk), k, chunk)


def density_coverage(
    real: torch.Tensor | np.ndarray,
    generated: torch.Tensor | np.ndarray,
    k: int = 3,
    normalize: bool = False,
    chunk: int = 2000,
) -> tuple[float, float]:
    """Density and coverage (Naeem et al. 2020) of ``generated`` against ``real`` features, with the real
    points' k-th-neighbour balls; ``normalize`` scales every feature vector to unit length first."""
    real, generated = _feature_sets(real, generated, normalize)
    if len(real) <= k or len(generated) == 0:
        raise ValueError(
            f"need more than k={k} real vectors and some generated ones, got {len(real)} and {len(generated)}"
        )
    return _density_coverage(real, generated, _kth_neighbour_radii(real, k, chunk), k, chunk)


def scores(generated: torch.Tensor, real: torch.Tensor, k: int = 3) -> dict[str, float]:
    """``{"FD", "precision", "recall", "density", "coverage"}`` of ``generated`` against ``real`` feature
    vectors (a judge's ``embed``): the Frechet distance on the raw features, the rest on unit-length ones."""
    real_unit, generated_unit = _feature_sets(real, generated, normalize=True)
    if min(len(real_unit), len(generated_unit)) <= k:
        raise ValueError(
            f"need more than k={k} vectors in each set, got {len(real_unit)} real and {len(generated_unit)}"
        )
    real_radii = _kth_neighbour_radii(real_unit, k, chunk=2000)  # the real balls, drawn once for all four
    precision, recall = _precision_recall(real_unit, generated_unit, real_radii, k, chunk=2000)
    density, coverage = _density_coverage(real_unit, generated_unit, real_radii, k, chunk=2000)
    return {
        "FD": frechet_distance(generated, real),
        "precision": precision,
        "recall": recall,
        "density": density,
        "coverage": coverage,
    }
