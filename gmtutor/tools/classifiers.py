"""Digit classifiers on raw pixels: Naive Bayes (generative) against logistic regression (discriminative).

Pixels become flat float features in [0, 1] (``pixels``); logistic regression is
scikit-learn's; ``learning_curve`` measures both on growing training sets (Ng & Jordan's
experiment).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from gmtutor.core.data import pixels  # noqa: F401  (gm.classifiers.pixels, which the notebooks use)
from gmtutor.core.runtime import quick
from gmtutor.models.naive_bayes import GaussianNB

FULL_SIZES = (10, 20, 50, 100, 200, 500, 1000, 2000, 4000)
QUICK_SIZES = (20, 100, 500)


def one_blas_thread():
    """OpenBLAS threads fight scikit-learn's OpenMP threads on problems this small (a 2-core machine
    fitted 4,000 digits in 1 s with one BLAS thread and 2-20 s with two), so use one."""
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def fit_logistic_regression(
    x: np.ndarray, y: np.ndarray, C: float = 1.0, max_iter: int | None = None, standardize: bool = False
) -> LogisticRegression | Pipeline:
    """Multinomial logistic regression p(y | x) = softmax(W x + b), L2-regularised (strength 1/C), fitted by L-BFGS.

    ``max_iter`` (default 300, 50 in quick mode) caps the optimiser; the cap is a deliberate
    time budget, so scikit-learn's convergence warning is not shown. On 4,000 MNIST digits
    L-BFGS stops by itself after about 100 iterations. ``standardize`` scales each feature to zero
    mean and unit variance first (a pipeline), for features of unequal scales such as latent codes.
    """
    if max_iter is None:
        max_iter = 50 if quick() else 300
    model = LogisticRegression(C=C, max_iter=max_iter)
    if standardize:
        model = make_pipeline(StandardScaler(), model)
    with warnings.catch_warnings(), one_blas_thread():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(np.asarray(x, dtype=np.float32 if standardize else None), np.asarray(y))
    return model


def accuracy(model: object, x: np.ndarray, y: np.ndarray) -> float:
    """The fraction of inputs whose predicted label is the true one."""
    return float(np.mean(model.predict(x) == np.asarray(y)))


def stratified_subset(y: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Indices of ``size`` examples, the same number from every class, drawn without replacement."""
    y = np.asarray(y)
    classes = np.unique(y)
    per_class, rest = divmod(size, len(classes))
    if per_class == 0 or rest:
        raise ValueError(f"size {size} is not a positive multiple of the {len(classes)} classes")
    rng = np.random.default_rng(seed)
    chosen = []
    for c in classes:
        members = np.flatnonzero(y == c)
        if len(members) < per_class:
            raise ValueError(f"class {c} has {len(members)} examples, fewer than the {per_class} asked for")
        chosen.append(rng.choice(members, per_class, replace=False))
    return np.sort(np.concatenate(chosen))


@dataclass
class LearningCurve:
    """Test accuracy against training-set size: ``accuracy[name]`` has shape (seeds, sizes)."""

    sizes: np.ndarray
    accuracy: dict[str, np.ndarray]

    def table(self) -> str:
        """One line per size: mean accuracy +- standard deviation over seeds, for each model."""
        names = list(self.accuracy)
        lines = [f"{'train size':>10} " + " ".join(f"{name:>21}" for name in names)]
        for i, size in enumerate(self.sizes):
            cells = [f"{self.accuracy[n][:, i].mean():.3f} +- {self.accuracy[n][:, i].std():.3f}" for n in names]
            lines.append(f"{size:>10,} " + " ".join(f"{cell:>21}" for cell in cells))
        return "\n".join(lines)


def learning_curve(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    sizes: Sequence[int] | None = None,
    seeds: int | None = None,
    max_iter: int | None = None,
) -> LearningCurve:
    """Test accuracy of Naive Bayes and logistic regression trained on class-balanced subsets of growing size.

    ``sizes`` default to 10 ... 4,000 on a log scale (20, 100, 500 in quick mode), capped at
    the training set; ``seeds`` (default 5, 2 in quick mode) draw different subsets. At the
    full training-set size every seed draws the same set, so that point is computed once.
    """
    if sizes is None:
        sizes = [s for s in (QUICK_SIZES if quick() else FULL_SIZES) if s <= len(y_train)]
    if seeds is None:
        seeds = 2 if quick() else 5
    sizes = np.asarray(sorted(sizes))
    nb_scores, lr_scores = np.zeros((seeds, len(sizes))), np.zeros((seeds, len(sizes)))
    for j, size in enumerate(sizes):
        draws = 1 if size >= len(y_train) else seeds  # the whole training set is the same for every seed
        for seed in range(draws):
            idx = stratified_subset(y_train, int(size), seed)
            nb = GaussianNB().fit(x_train[idx], y_train[idx])
            lr = fit_logistic_regression(x_train[idx], y_train[idx], max_iter=max_iter)
            nb_scores[seed, j] = accuracy(nb, x_test, y_test)
            lr_scores[seed, j] = accuracy(lr, x_test, y_test)
        nb_scores[draws:, j], lr_scores[draws:, j] = nb_scores[0, j], lr_scores[0, j]
    return LearningCurve(sizes, {"Naive Bayes": nb_scores, "logistic regression": lr_scores})
