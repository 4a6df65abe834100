"""A two-class problem in 2-D, small enough to draw everything a model learned, plus a class it never saw.

The story: class 0 are "cats", class 1 are "birds", and the newcomers are "dogs". The
cats' two features are correlated, which a Naive Bayes model cannot represent.
"""

from __future__ import annotations

import numpy as np

CLASS_NAMES = ("cats", "birds")
NEWCOMER_NAME = "dogs"

# The true class-conditional Gaussians (mean, covariance) the points are drawn from.
MEANS = np.array([[-1.3, -0.6], [1.4, 0.9]])
COVARIANCES = np.array([[[0.55, 0.35], [0.35, 0.55]], [[0.45, 0.0], [0.0, 0.8]]])
NEWCOMER_MEAN = np.array([-2.6, 3.4])
NEWCOMER_COVARIANCE = np.array([[0.25, 0.0], [0.0, 0.25]])


def two_classes(n_per_class: int = 150, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points x (2 * n_per_class, 2) drawn from ``MEANS``/``COVARIANCES`` and labels y (int64, 0 or 1)."""
    rng = np.random.default_rng(seed)
    x = np.concatenate(
        [rng.multivariate_normal(m, c, size=n_per_class) for m, c in zip(MEANS, COVARIANCES, strict=True)]
    )
    y = np.repeat(np.arange(len(MEANS), dtype=np.int64), n_per_class)
    return x, y


def newcomers(n: int = 60, seed: int = 1) -> np.ndarray:
    """Points (n, 2) of a third class, away from both training classes and from the boundary between them."""
    return np.random.default_rng(seed).multivariate_normal(NEWCOMER_MEAN, NEWCOMER_COVARIANCE, size=n)


def decision_line(model: object) -> tuple[float, float]:
    """Slope and intercept of a 2-D linear classifier's boundary w1*x1 + w2*x2 + b = 0, as x2 = slope*x1 + intercept.

    ``model`` is a fitted binary scikit-learn linear model (``coef_`` of shape (1, 2), ``intercept_``).
    """
    (w1, w2), b = np.asarray(model.coef_, dtype=float).reshape(-1), float(np.asarray(model.intercept_).reshape(-1)[0])
    if w2 == 0:
        raise ValueError("the boundary is vertical (w2 = 0): it has no slope")
    return -w1 / w2, -b / w2
