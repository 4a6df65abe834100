"""The figures of notebook 01 draw what they claim to (matplotlib, headless)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import gmtutor as gm
from gmtutor import classifiers, novelty, plot, toy


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def toy_models():
    x, y = toy.two_classes(n_per_class=60, seed=0)
    return x, y, gm.GaussianNB(var_smoothing=1e-9).fit(x, y), classifiers.fit_logistic_regression(x, y)


@pytest.fixture(scope="module")
def digit_models():
    mnist = gm.load_mnist("embedded")
    x, y = classifiers.pixels(mnist.x_train[:600]), mnist.y_train[:600].numpy()
    return mnist, gm.GaussianNB().fit(x, y), classifiers.fit_logistic_regression(x, y, max_iter=30)


def test_2d_figure_shows_the_line_and_the_ellipses(toy_models):
    x, y, nb, lr = toy_models
    fig = plot.generative_vs_discriminative_2d(x, y, nb, lr, toy.CLASS_NAMES)
    left, right = fig.axes[:2]
    assert len(left.patches) == 4  # two ellipses per class
    slope, intercept = toy.decision_line(lr)
    (legend,) = fig.legends  # one legend, below both panels
    assert any(f"{slope:.2f}" in text.get_text() for text in legend.get_texts())


def test_real_and_sampled_overlay_has_both_kinds_of_points(toy_models):
    x, y, nb, _ = toy_models
    fig = plot.real_and_sampled_2d(x, y, {k: nb.sample(30, label=k, generator=k) for k in (0, 1)}, toy.CLASS_NAMES)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["cats, real", "birds, real", "cats, sampled", "birds, sampled"]
    assert len(fig.axes[0].collections) == 4


def test_learning_curves_draw_one_line_per_model_on_a_log_axis():
    curve = classifiers.LearningCurve(
        np.array([10, 100, 1000]), {"a": np.array([[0.5, 0.7, 0.8], [0.4, 0.7, 0.8]]), "b": np.full((2, 3), 0.6)}
    )
    ax = plot.learning_curves(curve).axes[0]
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    assert f"starts at {ax.get_ylim()[0]:.0%}" in ax.get_ylabel()  # a zoomed accuracy axis says where it starts


def test_unseen_class_figures(toy_models, digit_models):
    x, y, nb, lr = toy_models
    assert len(plot.unseen_class_2d(x, y, toy.newcomers(20), nb, lr, toy.CLASS_NAMES).axes) == 4  # 2 panels, 2 bars
    mnist, nb_digits, lr_digits = digit_models
    result = novelty.unseen_class(
        nb_digits,
        lr_digits,
        classifiers.pixels(mnist.x_test[:50]),
        classifiers.pixels(torch.rand(20, 28, 28)),
    )
    fig = plot.unseen_class_scores(result, "digits", "noise")
    assert f"{result.nb_auc:.3f}" in fig.axes[0].get_title() and f"{result.lr_auc:.3f}" in fig.axes[1].get_title()
    fig = plot.newcomer_verdicts(mnist.x_test[:4], result, "test")
    assert len(fig.axes) == 4 and fig.axes[0].get_title().startswith("LR: ")


def test_unseen_digit_aucs_has_a_bar_pair_per_digit():
    table = novelty.UnseenClassTable(
        np.array([[0, 1], [0, 1], [1, 2]]), np.array([2, 3, 0]), np.array([0.9, 0.8, 0.7]), np.array([0.5, 0.6, 0.4])
    )
    ax = plot.unseen_digit_aucs(table).axes[0]
    assert len(ax.patches) == 6
    heights = sorted(p.get_height() for p in ax.patches)
    assert heights == pytest.approx([0.4, 0.5, 0.6, 0.7, 0.8, 0.9])


def test_class_images_and_samples(digit_models):
    _, nb, lr = digit_models
    fig = plot.class_parameter_images(nb, lr)
    assert len(fig.axes) == 3 * 10 + 3  # three rows of ten images, a colour bar per row
    assert len(plot.class_parameter_images(nb).axes) == 2 * 10 + 2
    fig = plot.naive_bayes_samples(nb, per_class=3)
    image = fig.axes[0].get_images()[0].get_array()
    assert image.shape == (10 * 30 + 2, 3 * 30 + 2)
    assert image.min() >= 0 and image.max() <= 1
