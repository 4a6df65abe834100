"""What each figure draws (axes, images, bars, lines, labels), for the figures that otherwise only the notebooks use."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import gmtutor as gm
from gmtutor.core.train import History


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(fig):
    """Every piece of text on the figure: titles, axis labels, tick labels, legend entries."""
    found = [t.get_text() for t in fig.findobj(plt.Text)]
    return " | ".join(t for t in found if t)


def test_image_rows_draws_one_labelled_row_per_name():
    rows = {"original": torch.rand(5, 1, 28, 28), "reconstruction": torch.rand(5, 1, 28, 28)}
    fig = gm.plot.image_rows(rows, title="Round trips", column_labels=list("abcde"), column_title="alpha")
    (ax,) = fig.axes
    (image,) = ax.get_images()
    assert image.get_array().shape[0] > image.get_array().shape[1] / 5 * 2 * 0.9  # two rows of five tiles
    assert "original" in texts(fig) and "reconstruction" in texts(fig) and "Round trips" in texts(fig)
    assert "alpha" in texts(fig) and "e" in [t.get_text() for t in ax.get_xticklabels()]
    with pytest.raises(ValueError, match="equal length"):
        gm.plot.image_rows({"a": torch.rand(5, 1, 28, 28), "b": torch.rand(4, 1, 28, 28)})


def test_tile_lays_images_out_in_a_grid():
    grid = gm.plot.tile(torch.ones(6, 1, 28, 28), ncol=3, pad=2)
    assert grid.shape == (2 * 28 + 3 * 2, 3 * 28 + 4 * 2) and grid.max() == pytest.approx(1.0)


def test_digits_by_class_labels_ten_rows():
    data = gm.load_mnist("embedded")
    fig = gm.plot.digits_by_class(data.x_train, data.y_train, per_class=4)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert [str(d) for d in range(10)] == [label for label in labels if label]


def test_latent_scatter_colours_each_digit_and_names_its_axes():
    codes, labels = torch.randn(100, 2), torch.arange(100) % 10
    drawn = gm.plot.latent_scatter(codes, labels, title="codes")
    ax = drawn.axes[0] if isinstance(drawn, plt.Figure) else drawn
    assert len(ax.collections) == 10 and sum(len(c.get_offsets()) for c in ax.collections) == 100
    assert ax.get_xlabel() == "latent $z_1$" and ax.get_legend().get_title().get_text() == "digit"


def test_class_bars_draws_ten_bars_per_set_and_the_uniform_line():
    shares = {"GAN": torch.full((10,), 0.1), "real": torch.linspace(0, 0.2, 10)}
    fig = gm.plot.class_bars(shares, title="classes")
    (ax,) = fig.axes
    assert len(ax.patches) == 20 and ax.get_xlabel() == "digit the classifier sees"
    assert "every digit equally often" in texts(fig)


def test_accuracy_bars_zoom_and_label_each_bar():
    results = {"pixels": {"1-NN": 0.93, "logistic": 0.91}, "VAE codes": {"1-NN": 0.84, "logistic": 0.88}}
    fig = gm.plot.accuracy_bars(results, title="probes")
    ax = fig.axes[0]
    assert len(ax.patches) == 4
    assert ax.get_ylim()[0] > 0  # zoomed in on the differences
    assert "0.93" in texts(fig) or "93" in texts(fig)  # the bars carry their values


def test_adversarial_curves_has_three_panels_in_words():
    history = History([{"step": s, "epoch": s, "d_loss": 1.0, "g_loss": 2.0 - s / 10, "d_acc": 0.7} for s in (1, 2, 3)])
    fig = gm.plot.adversarial_curves({"GAN": history})
    assert len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes][:3] == [
        "discriminator loss",
        "generator loss",
        "discriminator accuracy",
    ]
    assert all(len(ax.get_lines()) >= 1 for ax in fig.axes)
    bigan = History([{"step": 1, "epoch": 1, "d_loss": 1.0, "ge_loss": 2.0, "d_acc": 0.6}])
    assert gm.plot.adversarial_curves({"BiGAN": bigan}).axes[1].get_title() == "generator and encoder loss"


def test_generator_loss_shapes_shows_both_losses_and_their_slopes():
    fig = gm.plot.generator_loss_shapes()
    left, right = fig.axes[:2]
    assert len(left.get_lines()) >= 2 and len(right.get_lines()) >= 2
    assert "minimax" in texts(fig) and "non-saturating" in texts(fig)
    assert left.get_legend() is None and right.get_legend() is None and fig.legends  # one legend, below the panels


def test_flow_on_points_draws_data_codes_density_and_samples():
    flow = gm.PointFlow(dim=2, couplings=2, hidden=8)
    fig = gm.plot.flow_on_points(torch.randn(200, 2), flow, n_samples=150)
    data, codes, density, samples = fig.axes[:4]
    assert len(data.collections[0].get_offsets()) == 200 and len(codes.collections[0].get_offsets()) == 200
    assert len(samples.collections[0].get_offsets()) == 150
    assert density.images or density.collections  # a density map drawn on a grid


def test_sweep_animation_has_one_frame_per_alpha():
    alphas = [0.0, 0.5, 1.0, 1.5]
    probabilities = torch.softmax(torch.randn(4, 10), dim=1)
    movie = gm.plot.sweep_animation(torch.rand(4, 1, 28, 28), alphas, probabilities, title="7 along 6 -> 0")
    frames = list(movie.new_frame_seq())
    assert len(frames) == len(alphas)
    assert len(movie._fig.axes[1].patches) == 10  # a bar per digit
    assert np.isfinite(movie._fig.axes[0].get_images()[0].get_array()).all()


def test_the_animation_shows_its_first_frame_on_a_page_without_scripts():
    import base64
    import io
    import re

    from PIL import Image

    from gmtutor.tools.plot.latent import first_frame_without_scripts

    movie = gm.plot.sweep_animation(torch.rand(3, 1, 28, 28), [0.0, 1.0, 2.0], torch.full((3, 10), 0.1))
    page = first_frame_without_scripts(movie.to_jshtml())
    (tag,) = re.findall(r"<img id=\"_anim_img[^>]*>", page)
    source = re.search(r'src="data:image/png;base64,([^"]+)"', tag)
    assert source, tag[:80]
    assert Image.open(io.BytesIO(base64.b64decode(source.group(1)))).size[0] > 100  # a real picture, not a stub


def test_imagination_map_puts_each_model_at_each_alpha_and_the_floor():
    rows = [{"model": "real digits (floor)", "FD": 10.0}]
    for model, fd in (("pixels", 180.0), ("VAE", 50.0)):
        rows += [{"model": model, "alpha": a, "FD": fd / a, "CNN target rate": 0.3 * a} for a in (1.0, 1.5)]
    fig = gm.plot.imagination_map(rows, title="map")
    (ax,) = fig.axes
    points = [line for line in ax.get_lines() if len(line.get_xdata()) == 1]
    assert len(points) == 4 and {p.get_marker() for p in points} == {"o", "s"}
    assert any(np.allclose(line.get_ydata(), [10.0, 10.0]) for line in ax.get_lines())  # the floor
    assert "VAE" in texts(fig) and "α = 1.5" in texts(fig) and "real digits" in texts(fig)


def test_attribute_sweeps_draw_a_value_panel_and_a_class_panel_per_attribute():
    from gmtutor.tools.imagination import AttributeSweep

    def sweep(slope):
        alphas = [-1.0, 0.0, 1.0]
        values = np.array([[2 + slope * a for a in alphas]] * 3)
        return AttributeSweep(alphas, values, np.array([0.5, 0.9, 0.6]), torch.zeros(3, 3, 1, 28, 28))

    sweeps = {
        "VAE": {"thickness": sweep(1.0), "width": sweep(2.0)},
        "pixels": {"thickness": sweep(0.5), "width": sweep(0.1)},
    }
    fig = gm.plot.attribute_sweeps(sweeps)
    assert len(fig.axes) == 4
    top_left = fig.axes[0]
    assert np.allclose(top_left.get_lines()[0].get_ydata(), [1.0, 2.0, 3.0])
    assert "thickness axis" in texts(fig) and "class kept (%)" in texts(fig) and "pixels" in texts(fig)


def test_objective_experiment_sorts_variants_and_colours_them_by_objective():
    def row(objective, implementation, right, fd):
        return {"objective": objective, "implementation": implementation, "judged right w2": right, "sample FD": fd}

    variants = {
        "noise, plain": row("noise", "gmtutor", 0.4, 350.0),
        "velocity, plain": row("velocity", "gmtutor", 0.99, 130.0),
        "diffusers, noise": row("noise", "diffusers", 0.7, 160.0),
    }
    fig = gm.plot.objective_experiment(variants)
    left, right = fig.axes
    assert [t.get_text() for t in left.get_yticklabels()] == ["noise, plain", "diffusers, noise", "velocity, plain"]
    assert np.allclose([bar.get_width() for bar in left.patches], [40.0, 70.0, 99.0])
    assert np.allclose([bar.get_width() for bar in right.patches], [350.0, 160.0, 130.0])
    colours = [bar.get_facecolor() for bar in left.patches]
    assert colours[0] == colours[1] != colours[2]  # noise orange, velocity blue
    assert [bool(bar.get_hatch()) for bar in left.patches] == [False, True, False]  # the independent one hatched
    assert "99%" in texts(fig) and "lower is better" in texts(fig)


def test_nearest_training_digits_labels_each_pair_with_its_distance_and_marks_copies():
    from gmtutor.tools.copying import novelty

    generator = torch.Generator().manual_seed(0)
    training = torch.rand(50, 1, 28, 28, generator=generator)
    generated = torch.cat([training[:3], torch.rand(3, 1, 28, 28, generator=generator)])  # three copies, three new
    result = novelty(generated, training, torch.rand(40, 1, 28, 28, generator=generator))
    fig = gm.plot.nearest_training_digits(generated, training, result, n=6, title="Copies?")
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert [label.endswith("copy") for label in labels] == [True] * 3 + [False] * 3
    assert "nearest\ntraining" in texts(fig) and "Copies?" in texts(fig)
    first = gm.plot.nearest_training_digits(generated, training, result, n=2, nearest_first=True)
    assert all(t.get_text().startswith("0.0") for t in first.axes[0].get_xticklabels())
    with pytest.raises(ValueError, match="scores 6 digits"):
        gm.plot.nearest_training_digits(generated[:4], training, result)


def test_memorisation_curves_draw_novelty_and_realism_against_the_training_set_size():
    rows = [
        {"training digits": n, "copies": c, "distance ratio": r, "FD": fd}
        for n, c, r, fd in ((10, 0.8, 0.4, 280.0), (100, 0.07, 0.75, 130.0), (1000, 0.0, 0.96, 118.0))
    ]
    fig = gm.plot.memorisation_curves(rows, floor_fd=25.0)
    left, right = fig.axes
    assert left.get_xscale() == "log" and right.get_xscale() == "log"
    copies, ratio = left.get_lines()[:2]
    assert list(copies.get_ydata()) == [0.8, 0.07, 0.0] and list(ratio.get_xdata()) == [10, 100, 1000]
    assert 25.0 in [line.get_ydata()[0] for line in right.get_lines()]  # the floor
    assert "Copying or creating?" in texts(fig) and "real digits (floor)" in texts(fig)
