"""Is a generated digit new, or a copy of a training digit?

Target rate, realism and style kept would all be passed, near perfectly, by a model that looks up
the training digit it needs and returns it. Only a distance to the training set tells creating
apart from copying, and a distance means nothing alone: it is read against the same distance for
real test digits, which no model has seen and which are new by definition (the floor).

- ``nearest_training``: each image's distance to its nearest training image, in pixels up to a small
  shift (a copy nudged by a pixel or two is still a copy) or in any feature space;
- ``novelty``: those distances for generated digits against those of real test digits. The
  *copy share* is the fraction of generated digits nearer to a training digit than all but
  ``copy_quantile`` of the real test digits are; the *distance ratio* compares the medians
  (1: as far from the training set as unseen real digits; near 0: copies; above 1: farther than any
  real digit, which a cross-fade is too, so read it beside realism);
- ``data_copying``: Meehan et al. (2020)'s C_T statistic, a Mann-Whitney test of the generated
  against the test distances within cells of the training set, z-scored and averaged over cells.
  Well below 0 (say under -3): data copying; near 0: as new as real test digits; well above 0: the
  samples sit farther from the training data than real digits do (underfitting).

Distances are Euclidean: pixels in [0, 1]; features as given (the course passes the judge's
unit-length features, the space of precision and recall).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import mannwhitneyu
from sklearn.cluster import KMeans

from gmtutor.core.data import IMAGE_SIDE, as_images

COPY_QUANTILE = 0.02  # a copy is nearer to a training digit than all but 2% of real test digits are
NOVELTY_SHIFT = 2  # pixels the course forgives: a copy nudged this far still counts as a copy


def _on_cpu(x: torch.Tensor | np.ndarray) -> torch.Tensor:
    return torch.as_tensor(x).detach().cpu() if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))


def _flat(x: torch.Tensor | np.ndarray) -> torch.Tensor:
    """(N, D) floats: uint8 pixels scaled to [0, 1] (as ``as_images`` does), anything else as it is."""
    x = _on_cpu(x)
    return (as_images(x) if x.dtype == torch.uint8 else x.float()).flatten(1)


def _shifted(images: torch.Tensor, max_shift: int) -> list[torch.Tensor]:
    """Every copy of ``images`` (N, 28, 28) moved by up to ``max_shift`` pixels each way, blank pixels in."""
    side = images.shape[-1]
    padded = F.pad(images, (max_shift,) * 4)
    span = range(2 * max_shift + 1)
    return [padded[:, dy : dy + side, dx : dx + side].flatten(1) for dy in span for dx in span]


def nearest_training(
    queries: torch.Tensor | np.ndarray,
    training: torch.Tensor | np.ndarray,
    max_shift: int = 0,
    chunk: int = 512,
) -> tuple[np.ndarray, np.ndarray]:
    """Distance from each query to its nearest training item, and that item's index.

    Images (N, 28, 28) or (N, 784), uint8 or in [0, 1], are compared in pixels; with ``max_shift`` > 0
    each query is also tried moved by up to that many pixels, and the smallest distance counts. Any
    other (N, D) array is compared as given, feature vectors for instance (``max_shift`` must be 0).
    """
    if max_shift < 0:
        raise ValueError(f"max_shift is a number of pixels, 0 or more; got {max_shift}")
    query_t, train_t = _on_cpu(queries), _on_cpu(training)
    if len(query_t) == 0 or len(train_t) == 0:
        raise ValueError(f"need queries and training items, got {len(query_t)} and {len(train_t)}")
    as_pixels = query_t.ndim >= 3 or query_t.shape[-1] == IMAGE_SIDE * IMAGE_SIDE
    if max_shift and not as_pixels:
        raise ValueError(f"max_shift moves images; these are vectors of shape {tuple(query_t.shape)}: pass max_shift=0")
    if as_pixels:
        query_t = as_images(query_t).reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
        train_t = as_images(train_t).flatten(1)
    else:
        query_t, train_t = query_t.float().flatten(1), train_t.float().flatten(1)
        if query_t.shape[1] != train_t.shape[1]:
            raise ValueError(f"queries have {query_t.shape[1]} features and training items {train_t.shape[1]}")
    distances, indices = [], []
    for start in range(0, len(query_t), chunk):
        block = query_t[start : start + chunk]
        versions = _shifted(block, max_shift) if as_pixels else [block]
        best = torch.full((len(block),), float("inf"))
        best_index = torch.zeros(len(block), dtype=torch.long)
        for version in versions:
            nearest = torch.cdist(version, train_t).min(dim=1)
            closer = nearest.values < best
            best = torch.where(closer, nearest.values, best)
            best_index = torch.where(closer, nearest.indices, best_index)
        distances.append(best)
        indices.append(best_index)
    return torch.cat(distances).numpy(), torch.cat(indices).numpy()


def data_copying(
    training: torch.Tensor | np.ndarray,
    test: torch.Tensor | np.ndarray,
    generated: torch.Tensor | np.ndarray,
    cells: int = 10,
    min_share: float | None = None,
    seed: int = 0,
) -> float:
    """Meehan et al. (2020)'s C_T: in each k-means cell of the training vectors, the z-scored Mann-Whitney U
    of generated against test nearest-training distances; averaged over cells weighted by their share
    of test vectors, counting only cells holding more than ``min_share`` of the generated ones
    (default: 20 of them, as the paper does)."""
    train_v, test_v, gen_v = (_flat(x).numpy() for x in (training, test, generated))
    if cells < 1 or len(train_v) < cells:
        raise ValueError(f"need 1 to {len(train_v)} cells (one per training vector at most), got {cells}")
    partition = KMeans(n_clusters=cells, n_init=4, random_state=seed).fit(train_v)
    train_cell, test_cell, gen_cell = (partition.predict(v) for v in (train_v, test_v, gen_v))
    min_share = 20 / len(gen_v) if min_share is None else min_share
    z_scores, weights = [], []
    for cell in range(cells):
        test_in, gen_in = test_v[test_cell == cell], gen_v[gen_cell == cell]
        if len(gen_in) / len(gen_v) <= min_share or len(test_in) == 0:
            continue
        train_in = train_v[train_cell == cell]
        test_d, _ = nearest_training(test_in, train_in)
        gen_d, _ = nearest_training(gen_in, train_in)
        m, n = len(gen_d), len(test_d)
        u = mannwhitneyu(gen_d, test_d).statistic  # pairs in which the generated digit is the farther one
        z_scores.append((u - m * n / 2) / np.sqrt(m * n * (m + n + 1) / 12))
        weights.append(len(test_in) / len(test_v))
    if not z_scores:
        raise ValueError(
            f"no cell holds more than {min_share:.1%} of the {len(gen_v)} generated vectors: "
            "pass more of them or fewer cells"
        )
    return float(np.average(z_scores, weights=weights))


@dataclass
class Novelty:
    """How near generated digits lie to the training set, against real test digits (see the module's text)."""

    distances: np.ndarray  # each generated digit's distance to its nearest training digit
    nearest: np.ndarray  # the index of that training digit
    real_distances: np.ndarray  # the same for real test digits: the floor
    copy_threshold: float  # nearer than this is nearer than all but copy_quantile of the real test digits
    copy_quantile: float

    @property
    def copy_share(self) -> float:
        """The fraction of generated digits nearer to a training digit than the copy threshold."""
        return float(np.mean(self.distances < self.copy_threshold))

    @property
    def distance_ratio(self) -> float:
        """Median distance to the nearest training digit, generated over real test digits."""
        return float(np.median(self.distances) / np.median(self.real_distances))

    def row(self, prefix: str = "") -> dict[str, float]:
        """``{"copies", "distance ratio"}`` for a table, each name after ``prefix``."""
        return {f"{prefix}copies": self.copy_share, f"{prefix}distance ratio": self.distance_ratio}

    def summary(self) -> str:
        """One line: the copy share against what real test digits would score, and the distance ratio."""
        return (
            f"copies {self.copy_share:.1%} (real test digits: {self.copy_quantile:.0%} by construction), "
            f"median distance to the nearest training digit {np.median(self.distances):.2f} "
            f"against real test digits' {np.median(self.real_distances):.2f} (ratio {self.distance_ratio:.2f})"
        )


def novelty(
    generated: torch.Tensor | np.ndarray,
    training: torch.Tensor | np.ndarray,
    real_test: torch.Tensor | np.ndarray | None,
    max_shift: int = 0,
    copy_quantile: float = COPY_QUANTILE,
    real_distances: np.ndarray | None = None,
) -> Novelty:
    """Compare generated digits' distances to their nearest training digit with real test digits' distances.

    Pass images to compare pixels (``max_shift=2`` forgives a nudge of up to 2 pixels) or feature
    vectors of all three sets (the judge's ``embed``, unit length) to compare what the judge sees.
    ``real_distances``, the real test digits' own distances (``nearest_training(real_test, training, max_shift)``),
    saves computing them again when many sets are scored; ``real_test`` may then be None."""
    if not 0 < copy_quantile < 0.5:
        raise ValueError(f"copy_quantile is a small fraction such as 0.02, got {copy_quantile}")
    if real_distances is None:
        if real_test is None:
            raise ValueError("pass the real test digits (real_test) or their distances (real_distances)")
        real_distances, _ = nearest_training(real_test, training, max_shift)
    distances, nearest = nearest_training(generated, training, max_shift)
    return Novelty(
        distances=distances,
        nearest=nearest,
        real_distances=np.asarray(real_distances),
        copy_threshold=float(np.quantile(real_distances, copy_quantile)),
        copy_quantile=copy_quantile,
    )
