"""Figures that read without a kernel and at projection size: what they draw, and how they are stored."""

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from PIL import Image

import gmtutor as gm
from gmtutor import plot


class Corner(torch.nn.Module):
    """A 2-d "latent space" whose decoder paints ink in one corner of the image: top left for z1 < 0 and z2 > 0."""

    def __init__(self):
        super().__init__()
        self.config = {}

    def encode(self, x):
        return torch.stack([x.reshape(len(x), -1)[:, 0] * 4 - 2, x.reshape(len(x), -1)[:, 1] * 4 - 2], dim=1)

    def decode(self, z):
        images = torch.zeros(len(z), 1, 28, 28)
        for i, (z1, z2) in enumerate(z.tolist()):
            rows = slice(0, 14) if z2 > 0 else slice(14, 28)
            columns = slice(0, 14) if z1 < 0 else slice(14, 28)
            images[i, 0, rows, columns] = 1.0
        return images


def texts(fig):
    return [t for t in fig.findobj(plt.Text) if t.get_text().strip() and t.get_visible()]


def test_no_text_is_smaller_than_nine_points():
    data = gm.load_mnist("embedded").subset(200, 100)
    history = gm.fit(
        gm.VAE(latent_dim=2, hidden=(16,)), data, steps=4, log_every=2, progress=False, device="cpu", seed=0
    )
    figures = [
        plot.loss_curves({"run": history}, ["recon", "kl"]),
        plot.pair_canvas(torch.rand(45, 5, 1, 28, 28), gm.latent.digit_pairs(), [0, 0.25, 0.5, 0.75, 1]),
        plot.alpha_sweep(torch.rand(2, 4, 1, 28, 28), [0, 1, 2, 3], torch.rand(4, 10), digits=[0, 6, 7]),
        plot.transfer_matrix(torch.rand(10, 10)),
    ]
    for fig in figures:
        sizes = [t.get_fontsize() for t in texts(fig)]
        assert sizes and min(sizes) >= plot.SMALL
        plt.close(fig)


def test_loss_parts_are_labelled_in_words():
    data = gm.load_mnist("embedded").subset(200, 100)
    history = gm.fit(
        gm.VAE(latent_dim=2, hidden=(16,)), data, steps=4, log_every=2, progress=False, device="cpu", seed=0
    )
    fig = plot.loss_curves({"2-d": history}, ["recon", "kl"])
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert labels == ["reconstruction (nats per image)", "KL (nats per image)"]
    assert fig.axes[0].get_xlabel().startswith("epochs")
    assert len(fig.axes[0].lines) == 2  # training and test
    plt.close(fig)


def test_latent_map_draws_codes_and_decoded_digits_on_the_same_axes():
    images = torch.rand(300, 1, 28, 28)
    labels = torch.randint(0, 10, (300,))
    fig = plot.latent_map(Corner(), images, labels, n=4, limit=2.0)
    left, right = fig.axes
    assert left.get_xlim() == right.get_xlim() and left.get_ylim() == right.get_ylim()
    assert left.get_xlabel() == right.get_xlabel() == "latent $z_1$"
    (canvas,) = right.get_images()
    pixels = 1.0 - np.asarray(canvas.get_array())  # ink is dark: 1 - the shown grey level
    # the top-left cell is the code (-2, 2): the toy decoder inks its top-left quarter
    assert pixels[:14, :14].mean() > 0.99 and pixels[14:28, 14:28].mean() < 0.01
    plt.close(fig)
    with pytest.raises(ValueError, match="2-d latent spaces"):
        plot.latent_map(gm.latent.PixelSpace(), images, labels)


def test_compact_png_is_greyscale_for_grey_figures_and_a_palette_otherwise():
    fig = plot.show_images(torch.rand(20, 1, 28, 28), ncol=10)
    grey = Image.open(io.BytesIO(plot.figure_png(fig)))
    assert grey.mode == "L"
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], color="tab:red")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    colour = Image.open(io.BytesIO(plot.compact_png(buffer.getvalue())))
    assert colour.mode == "P" and len(plot.compact_png(buffer.getvalue())) < len(buffer.getvalue())
    plt.close(fig)


def test_explorer_snapshot_and_filmstrip_are_pictures():
    snapshot = Image.open(
        io.BytesIO(
            plot.explorer_snapshot(
                torch.rand(1, 1, 28, 28),
                torch.rand(1, 1, 28, 28),
                torch.softmax(torch.rand(10), 0),
                {0: "to a", 6: "from b"},
            )
        )
    )
    assert snapshot.format == "PNG" and snapshot.size[0] > 2 * snapshot.size[1]
    sweep = plot.AnimatedSweep(
        torch.rand(31, 1, 28, 28),
        np.linspace(-1, 2, 31).tolist(),
        torch.softmax(torch.rand(31, 10), 1),
        digits=[0, 6, 7],
        frames_in_strip=7,
    )
    strip = Image.open(io.BytesIO(sweep.filmstrip_png()))
    assert strip.format == "PNG" and strip.size[0] > strip.size[1]
    assert plt.get_fignums() == []  # nothing left open for the notebook to draw twice


def test_compare_sweeps_puts_models_side_by_side():
    alphas = [0.0, 0.5, 1.0, 1.5]
    sweeps = {name: (torch.rand(2, 4, 1, 28, 28), torch.rand(4, 10)) for name in ("VAE", "BiGAN")}
    fig = plot.compare_sweeps(sweeps, alphas, digits=[0, 6, 7])
    assert [ax.get_title() for ax in fig.axes[:2]] == ["VAE", "BiGAN"]
    assert all(len(ax.lines) == 3 for ax in fig.axes[2:])
    plt.close(fig)


def test_the_course_runner_stores_figures_as_compact_pngs_and_a_plain_kernel_does_not(tmp_path):
    import base64

    import nbformat
    from nbclient import NotebookClient

    from gmtutor.present.course import run_notebook

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nimport torch\nimport gmtutor as gm"),
        nbformat.v4.new_code_cell("gm.plot.show_images(torch.rand(20, 1, 28, 28), ncol=10)\nplt.show()"),
        nbformat.v4.new_code_cell("fig, ax = plt.subplots()\nax.plot([0, 1], [1, 0], color='tab:red')\nplt.show()"),
    ]
    source = tmp_path / "figures.ipynb"
    nbformat.write(notebook, source)

    def modes(executed):
        pictures = [o["data"]["image/png"] for c in executed.cells[1:] for o in c.outputs if "image/png" in o["data"]]
        return [Image.open(io.BytesIO(base64.b64decode(png))).mode for png in pictures]

    run_notebook(source, tmp_path / "run")
    assert modes(nbformat.read(tmp_path / "run" / source.name, as_version=4)) == ["L", "P"]  # grey: 8 bits; colour
    plain = nbformat.read(source, as_version=4)
    NotebookClient(plain, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert modes(plain) == ["RGBA", "RGBA"]  # importing gmtutor changed nothing in the learner's own kernel


def drawn_digit_pixels(fig: plt.Figure, ax: plt.Axes) -> float:
    """How many stored pixels one 28-pixel digit of the grid drawn on ``ax`` takes (the course stores figures
    at the figure's own resolution)."""
    fig.canvas.draw()
    (image,) = ax.get_images()
    rows, columns = np.asarray(image.get_array()).shape[:2]
    box = image.get_window_extent()
    return 28 * min(box.width / columns, box.height / rows)


def test_digit_grids_are_readable_on_a_projector():
    """At least about 40 stored pixels per digit in every grid the notebooks draw, at the sizes they draw."""
    digits, labels = torch.rand(300, 1, 28, 28), torch.randint(0, 10, (300,))
    pairs = [(a, b) for a in range(10) for b in range(a)]  # the 45 digit pairs
    sweeps = {name: (torch.rand(4, 13, 1, 28, 28), torch.rand(13, 10)) for name in ("VAE", "flow")}
    latent_map = plot.latent_map(Corner(), digits, labels, limit=2.0)
    pair_canvas = plot.pair_canvas(torch.rand(45, 9, 1, 28, 28), pairs, range(9))
    compare_sweeps = plot.compare_sweeps(sweeps, np.linspace(-1, 2, 13), digits=[0, 6, 7])
    image_rows = plot.image_rows({"a": digits[:12], "b": digits[12:24]})
    grids = {  # figure: the axes that hold digit grids
        "latent_map": (latent_map, latent_map.axes[1:2]),
        "pair_canvas": (pair_canvas, pair_canvas.axes),
        "compare_sweeps": (compare_sweeps, compare_sweeps.axes[:2]),
        "image_rows": (image_rows, image_rows.axes),
    }
    for name, (fig, axes) in grids.items():
        for ax in axes:
            assert drawn_digit_pixels(fig, ax) >= 40, name
        plt.close(fig)
