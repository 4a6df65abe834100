"""Test-set metrics: a digit classifier that scores generated images, and probes of learned features.

``digit_classifier(data)`` is logistic regression on raw pixels, fitted once per data set and
kept in memory; it labels any float images, real or generated. ``probe_features`` measures how
much class information a representation holds: the test accuracy of a 1-nearest-neighbour and a
logistic-regression classifier trained on it (the protocol of the BiGAN paper's Table 1).
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from torch import nn

from gmtutor.core.checkpoint import weights_digest
from gmtutor.core.data import MNIST, as_images, pixels
from gmtutor.tools.classifiers import fit_logistic_regression, one_blas_thread
from gmtutor.tools.latent import decode_all, encode_all, reconstruct_all

N_CLASSES = 10


class DigitClassifier:
    """A fitted digit classifier on pixels: ``predict_proba(images)`` (N, 10) and ``predict(images)`` (N,)."""

    identified_by_config = True  # refitted in each process; its config (data, C) decides it (``gm.zoo.identity``)

    def __init__(self, model: Pipeline | LogisticRegression, source: str):
        self.model = model
        self.source = source

    @property
    def config(self) -> dict[str, object]:
        """What it was fitted as: on which digits, with which regularisation (for ``gm.zoo.identity``)."""
        return {"source": self.source, "C": self._estimators()[-1].get_params().get("C")}

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Every array fitting set (coefficients, intercepts, any scaler's statistics), as tensors."""
        arrays = {}
        for number, estimator in enumerate(self._estimators()):
            for name, value in vars(estimator).items():
                if name.endswith("_") and isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
                    arrays[f"{number}.{name}"] = torch.from_numpy(np.ascontiguousarray(value))
        return arrays

    def _estimators(self) -> list:
        return [step for _, step in self.model.steps] if isinstance(self.model, Pipeline) else [self.model]

    def predict_proba(self, images: torch.Tensor) -> torch.Tensor:
        """Probabilities of digits 0-9 for images (float in [0, 1] or uint8), as a float32 tensor (N, 10)."""
        with one_blas_thread():
            return torch.from_numpy(self.model.predict_proba(pixels(images)).astype(np.float32))

    def predict(self, images: torch.Tensor) -> torch.Tensor:
        """The most probable digit of each image, as int64 labels (N,)."""
        return self.predict_proba(images).argmax(dim=1)

    def accuracy(self, images: torch.Tensor, labels: torch.Tensor) -> float:
        """Fraction of ``images`` labelled as ``labels``."""
        return float((self.predict(images) == torch.as_tensor(labels).cpu()).float().mean())

    def __repr__(self) -> str:
        return f"DigitClassifier(logistic regression on pixels, fitted on {self.source})"


_CLASSIFIERS: dict[tuple[str, str], DigitClassifier] = {}


# Chosen by 5-fold cross-validation on the embedded training set (C = 0.01, 0.03, 0.1, 0.3, 1:
# accuracy 88.4, 89.8, 90.3, 90.2, 89.4%). Raw pixels, not standardised: standardising would let
# the faint haze a decoder leaves in near-constant border pixels dominate its verdict.
DIGIT_CLASSIFIER_C = 0.1


def digit_classifier(data: MNIST) -> DigitClassifier:
    """Logistic regression on the raw pixels of ``data``'s training set (L2, C = 0.1), fitted on first
    use and cached in memory.

    The cache key is the data's description and a hash of its training digits and labels, so each
    training set gets its own classifier, and the one given back always names the data it was fitted on
    (its ``config``, by which ``gm.zoo.identity`` names it).
    """
    key = (data.describe(), weights_digest({"digits": data.x_train, "labels": data.y_train}))
    if key not in _CLASSIFIERS:
        model = fit_logistic_regression(pixels(data.x_train), data.y_train.numpy(), C=DIGIT_CLASSIFIER_C)
        _CLASSIFIERS[key] = DigitClassifier(model, f"{data.describe()}")
    return _CLASSIFIERS[key]


def class_keeping_rate(
    model: nn.Module, images: torch.Tensor, labels: torch.Tensor, classifier: DigitClassifier
) -> float:
    """Fraction of images x whose reconstruction decode(encode(x)) the classifier labels with x's true label."""
    return classifier.accuracy(reconstruct_all(model, images), labels)


def class_histogram(images: torch.Tensor, classifier: DigitClassifier) -> torch.Tensor:
    """Fraction of ``images`` the classifier calls each digit 0-9: a check that samples cover every class."""
    counts = torch.bincount(classifier.predict(images), minlength=N_CLASSES).float()
    return counts / counts.sum()


def probe_features(
    train_features: torch.Tensor | np.ndarray,
    train_labels: torch.Tensor | np.ndarray,
    test_features: torch.Tensor | np.ndarray,
    test_labels: torch.Tensor | np.ndarray,
) -> dict[str, float]:
    """Test accuracy of two classifiers trained on features: ``1-NN`` (Euclidean) and ``logistic regression``."""
    x_train, x_test = (np.asarray(torch.as_tensor(f).float().flatten(1)) for f in (train_features, test_features))
    y_train, y_test = np.asarray(train_labels), np.asarray(test_labels)
    with one_blas_thread():
        nearest = KNeighborsClassifier(n_neighbors=1).fit(x_train, y_train)
        nn_accuracy = float(np.mean(nearest.predict(x_test) == y_test))
        linear = fit_logistic_regression(x_train, y_train, max_iter=500, standardize=True)
        lr_accuracy = float(np.mean(linear.predict(x_test) == y_test))
    return {"1-NN": nn_accuracy, "logistic regression": lr_accuracy}


def probe_encoder(model: nn.Module, data: MNIST) -> dict[str, float]:
    """``probe_features`` on the codes ``model.encode`` gives the training and test images of ``data``."""
    return probe_features(encode_all(model, data.x_train), data.y_train, encode_all(model, data.x_test), data.y_test)


def probe_pixels(data: MNIST) -> dict[str, float]:
    """``probe_features`` on raw pixels: the baseline any learned representation is compared with."""
    return probe_features(pixels(data.x_train), data.y_train, pixels(data.x_test), data.y_test)


def axis_transfer_rates(model: nn.Module, data: MNIST, classifier: DigitClassifier, alpha: float = 1.0) -> torch.Tensor:
    """How often moving a held-out digit along a class axis turns it into the target class.

    For every ordered pair (b, a), b != a: encode the test digits of class b, add ``alpha`` times
    the b -> a interpolation vector (centroids from the training set), decode, and classify. Entry
    [b, a] of the returned 10 x 10 matrix is the fraction labelled a (the diagonal is NaN).
    """
    from gmtutor.tools.imagination import move_to_every_class

    moved = move_to_every_class(model, data, alpha)
    hits = (classifier.predict(moved.images) == moved.target_class).float()
    pair = moved.source_class * N_CLASSES + moved.target_class
    counts = torch.bincount(pair, minlength=N_CLASSES**2).float()
    rates = torch.bincount(pair, weights=hits, minlength=N_CLASSES**2) / counts
    return rates.reshape(N_CLASSES, N_CLASSES)  # pairs that never occur (the diagonal) are 0 / 0 = NaN


def decoded_centroid_accuracy(model: nn.Module, data: MNIST, classifier: DigitClassifier) -> float:
    """Fraction of the ten class centroids whose decoded image the classifier labels with their class."""
    from gmtutor.tools.latent import class_centroids

    centroids = class_centroids(model, data.x_train, data.y_train)
    return classifier.accuracy(decode_all(model, centroids), torch.arange(N_CLASSES))


def describe_sweep(alphas, probabilities: torch.Tensor, start: int, target: int) -> str:
    """One line on an alpha sweep: the classifier's p(target) and p(start) at the last alpha, and the first
    alpha where p(target) passes p(start) (or that it never does). ``probabilities`` is (len(alphas), 10)."""
    alphas = [float(a) for a in alphas]
    p_target, p_start = probabilities[:, target], probabilities[:, start]
    ahead = torch.nonzero(p_target > p_start).flatten()
    crossing = (
        f"p({target}) passes p({start}) at alpha {alphas[int(ahead[0])]:g}"
        if len(ahead)
        else (f"p({target}) never passes p({start})")
    )
    return (
        f"at alpha {alphas[-1]:g}: p({target}) = {float(p_target[-1]):.2f}, p({start}) = {float(p_start[-1]):.2f}; "
        f"{crossing}"
    )


def blur(images: torch.Tensor) -> float:
    """How grey images are: the mean over pixels of 2 min(x, 1 - x), 0 for pure black and white, 1 for all grey."""
    x = as_images(torch.as_tensor(images).detach().cpu())
    return float((2 * torch.minimum(x, 1 - x)).mean())


def round_trip_error(model: nn.Module, images: torch.Tensor) -> float:
    """Mean absolute pixel error of decode(encode(x)): 0 for an exact inverse."""
    x = as_images(torch.as_tensor(images).detach().cpu())
    return float((reconstruct_all(model, images) - x).abs().mean())
