"""How well do clusters found without labels match the classes? Accuracy after the best matching.

A model that sorts digits into 10 groups without labels (InfoGAN's categorical code, say) names its
groups arbitrarily: group 3 may hold the 7s. The fair score matches groups to classes one to one so
that as many digits as possible land on their class (the Hungarian algorithm,
``scipy.optimize.linear_sum_assignment``) and reports the accuracy under that matching.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import confusion_matrix


def best_matching(classes: np.ndarray, clusters: np.ndarray, n: int | None = None) -> dict[int, int]:
    """{cluster: class}, one to one, maximising the number of items whose cluster maps to their class."""
    classes, clusters = np.asarray(classes), np.asarray(clusters)
    if classes.shape != clusters.shape:
        raise ValueError(f"classes and clusters differ in shape: {classes.shape} and {clusters.shape}")
    n = n or int(max(classes.max(), clusters.max())) + 1
    counts = confusion_matrix(clusters, classes, labels=range(n))  # rows: clusters, columns: classes
    rows, columns = linear_sum_assignment(counts, maximize=True)
    return {int(r): int(c) for r, c in zip(rows, columns, strict=True)}


def matched_accuracy(classes: np.ndarray, clusters: np.ndarray, n: int | None = None) -> float:
    """The share of items whose cluster, under ``best_matching``, is their class."""
    matching = best_matching(classes, clusters, n)
    mapped = np.array([matching.get(int(c), -1) for c in np.asarray(clusters)])
    return float((mapped == np.asarray(classes)).mean())
