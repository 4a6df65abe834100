"""The digit classifier, the class-keeping rate of G(E(x)) and the feature probes."""

import torch
from torch import nn

import gmtutor as gm
from gmtutor.tools.evaluate import (
    class_histogram,
    class_keeping_rate,
    digit_classifier,
    probe_encoder,
    probe_features,
)
from gmtutor.tools.latent import reconstruct_all


class Identity(nn.Module):
    """encode = flatten, decode = unflatten: reconstructions are the images themselves."""

    def __init__(self):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(()))

    def encode(self, x):
        return x.reshape(len(x), -1)

    def decode(self, z):
        return z.reshape(len(z), 1, 28, 28)


class Blank(Identity):
    """Decodes every code to the same empty image."""

    def decode(self, z):
        return torch.zeros(len(z), 1, 28, 28)


def test_digit_classifier_is_fitted_once_and_labels_float_images():
    data = gm.load_mnist("embedded")
    classifier = digit_classifier(data)
    assert digit_classifier(data) is classifier  # cached in memory
    images = gm.as_images(data.x_test[:50])
    probabilities = classifier.predict_proba(images)
    assert probabilities.shape == (50, 10) and probabilities.dtype == torch.float32
    assert torch.allclose(probabilities.sum(1), torch.ones(50), atol=1e-5)
    labels = classifier.predict(images)
    assert labels.dtype == torch.int64 and torch.equal(labels, probabilities.argmax(1))
    assert torch.equal(classifier.predict(data.x_test[:50]), labels)  # uint8 works too
    assert classifier.accuracy(data.x_test, data.y_test) > 0.85


def test_class_keeping_rate_is_the_classifier_accuracy_for_perfect_reconstructions():
    data = gm.load_mnist("embedded")
    classifier = digit_classifier(data)
    x, y = data.x_test[:300], data.y_test[:300]
    assert torch.equal(reconstruct_all(Identity(), x), gm.as_images(x))
    assert class_keeping_rate(Identity(), x, y, classifier) == classifier.accuracy(x, y)
    assert class_keeping_rate(Blank(), x, y, classifier) < 0.2  # one label for all: about one class's share


def test_class_histogram_counts_the_predicted_digits():
    data = gm.load_mnist("embedded")
    classifier = digit_classifier(data)
    ones = data.x_test[data.y_test == 1][:40]
    histogram = class_histogram(ones, classifier)
    assert histogram.shape == (10,) and abs(histogram.sum().item() - 1) < 1e-6
    assert histogram[1] > 0.8


def test_probes_tell_informative_features_from_noise():
    gen = torch.Generator().manual_seed(0)
    y_train, y_test = torch.arange(400) % 4, torch.arange(200) % 4
    centres = 3 * torch.randn(4, 5, generator=gen)
    informative = {
        split: centres[y] + torch.randn(len(y), 5, generator=gen) for split, y in (("train", y_train), ("test", y_test))
    }
    good = probe_features(informative["train"], y_train, informative["test"], y_test)
    noise = probe_features(torch.randn(400, 5, generator=gen), y_train, torch.randn(200, 5, generator=gen), y_test)
    assert set(good) == {"1-NN", "logistic regression"}
    assert good["1-NN"] > 0.8 and good["logistic regression"] > 0.9
    assert noise["1-NN"] < 0.4 and noise["logistic regression"] < 0.4


def test_probe_encoder_on_pixels_matches_a_pixel_probe():
    data = gm.load_mnist("embedded").subset(500, 200)
    result = probe_encoder(Identity(), data)
    assert result["1-NN"] > 0.75 and result["logistic regression"] > 0.75


def test_describe_sweep_names_where_the_target_takes_over():
    probabilities = torch.zeros(4, 10)
    probabilities[:, 7] = torch.tensor([0.9, 0.6, 0.3, 0.1])
    probabilities[:, 0] = torch.tensor([0.0, 0.2, 0.5, 0.8])
    line = gm.evaluate.describe_sweep([0, 0.5, 1, 1.5], probabilities, start=7, target=0)
    assert line == "at alpha 1.5: p(0) = 0.80, p(7) = 0.10; p(0) passes p(7) at alpha 1"
    probabilities[:, 0] = 0.05
    assert "p(0) never passes p(7)" in gm.evaluate.describe_sweep([0, 0.5, 1, 1.5], probabilities, start=7, target=0)


def test_blur_and_round_trip_error():
    black_and_white = torch.tensor([0.0, 1.0]).repeat(392).reshape(1, 1, 28, 28)
    assert gm.evaluate.blur(black_and_white) == 0.0 and gm.evaluate.blur(torch.full((1, 1, 28, 28), 0.5)) == 1.0
    images = gm.load_mnist("embedded").x_test[:50]
    assert gm.evaluate.round_trip_error(gm.latent.PixelSpace(), images) == 0.0
    assert gm.evaluate.round_trip_error(gm.VAE(latent_dim=2, hidden=(8,)), images) > 0.1  # an untrained decoder
