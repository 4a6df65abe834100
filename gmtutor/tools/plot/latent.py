"""Latent spaces: maps of codes, pair canvases, alpha sweeps, the explorer's picture and animations."""

from __future__ import annotations

import re
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from gmtutor.core.data import as_images
from gmtutor.tools.plot.images import show_images, tile
from gmtutor.tools.plot.style import SMALL, STYLE, figure_png, styled


@styled
def latent_scatter(codes: torch.Tensor, labels: torch.Tensor, title: str | None = None, ax: plt.Axes | None = None):
    """2-d codes as points coloured by digit, with a legend of the ten digits."""
    codes, labels = codes.detach().cpu().numpy(), labels.detach().cpu().numpy()
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5))
    for digit in range(10):
        chosen = labels == digit
        ax.scatter(codes[chosen, 0], codes[chosen, 1], s=6, alpha=0.7, color=plt.cm.tab10(digit), label=str(digit))
    ax.legend(
        markerscale=3, fontsize=SMALL, title="digit", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0
    )
    ax.set_xlabel("latent $z_1$")
    ax.set_ylabel("latent $z_2$")
    ax.set_aspect("equal", adjustable="datalim")
    if title:
        ax.set_title(title)
    return ax.figure


@styled
def latent_map(
    model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, n: int = 10, limit: float | None = None
) -> plt.Figure:
    """A 2-d latent space twice, on the same axes: left, the codes of ``images`` coloured by digit; right, the
    images decoded from an even n x n grid of codes over the same square. A region on the left and the
    digits drawn at the same place on the right belong together.

    ``limit`` sets the square [-limit, limit]^2 (default: where 98% of the codes fall on each axis).
    """
    from gmtutor.tools.latent import decode_all, encode_all

    codes = encode_all(model, images)
    if codes.shape[1] != 2:
        raise ValueError(f"latent_map draws 2-d latent spaces; this model's codes have {codes.shape[1]} numbers")
    if limit is None:
        limit = float(codes.abs().quantile(0.98, dim=0).max())
    values = torch.linspace(-limit, limit, n)
    z1, z2 = torch.meshgrid(values, values.flip(0), indexing="xy")  # row by row from the top left
    canvas = tile(decode_all(model, torch.stack([z1.reshape(-1), z2.reshape(-1)], dim=1)), ncol=n, pad=0)
    half_cell = limit / (n - 1)
    extent = (-limit - half_cell, limit + half_cell, -limit - half_cell, limit + half_cell)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 6))  # about 50 px per decoded digit at n = 10
    latent_scatter(codes, labels, ax=left, title="test digits at their codes")
    right.imshow(1.0 - canvas, cmap="gray", vmin=0, vmax=1, extent=extent, interpolation="nearest")
    right.set_title("digits decoded from a grid of codes")
    right.set_xlabel("latent $z_1$")
    for ax in (left, right):  # the same square on both sides
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.grid(alpha=0.25)
    fig.tight_layout()
    return fig


@styled
def pair_canvas(
    images: torch.Tensor, pairs: Sequence[tuple[int, int]], alphas: Sequence[float], panels: int = 3, title: str = ""
) -> plt.Figure:
    """The 45-pair canvas: one row per digit pair (b, a), read "from b to a", one column per alpha, split into
    side-by-side panels."""
    n_pairs, n_alphas = images.shape[:2]
    per_panel = -(-n_pairs // panels)
    cell = 0.52  # inches per digit: about 45 px at the stored resolution
    fig, axes = plt.subplots(1, panels, figsize=(panels * (cell * n_alphas + 0.5), cell * per_panel + 0.8))
    for p, ax in enumerate(np.atleast_1d(axes)):
        rows = slice(p * per_panel, min((p + 1) * per_panel, n_pairs))
        labels = [f"{b} → {a}" for b, a in pairs[rows]]
        show_images(images[rows].reshape(-1, 1, 28, 28), ncol=n_alphas, row_labels=labels, ax=ax)
        _alpha_ticks(ax, alphas, every=2)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _alpha_ticks(ax: plt.Axes, alphas: Sequence[float], every: int = 1) -> None:
    """Label the columns of an image grid drawn on ``ax`` with their alphas (every ``every``-th one)."""
    step = ax.get_xlim()[1] / len(alphas)
    shown = range(0, len(alphas), every)
    ax.set_xticks([step * (i + 0.5) for i in shown], [f"{alphas[i]:g}" for i in shown], fontsize=SMALL)
    ax.tick_params(bottom=False)
    ax.set_xlabel("alpha")


def _probability_curves(ax: plt.Axes, alphas: Sequence[float], probabilities: torch.Tensor, digits: Sequence[int]):
    for digit in digits:
        style = {"marker": "o", "markersize": 4, "color": plt.cm.tab10(digit), "linewidth": 2}
        ax.plot(alphas, probabilities[:, digit], label=str(digit), **style)
    ax.set_xlabel("alpha")
    ax.set_ylabel("classifier probability")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlim(min(alphas), max(alphas))
    ax.grid(alpha=0.3)
    ax.legend(title="digit", fontsize=SMALL, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)


@styled
def alpha_sweep(
    images: torch.Tensor,
    alphas: Sequence[float],
    probabilities: torch.Tensor,
    digits: Sequence[int],
    title: str = "",
) -> plt.Figure:
    """Images decoded along alpha (top; one row per image if ``images`` is (rows, alphas, 1, 28, 28))
    and the classifier's probability of chosen digits against alpha (bottom)."""
    rows = images.reshape(-1, len(alphas), 1, 28, 28)
    fig, (top, bottom) = plt.subplots(
        2,
        1,
        figsize=(max(7.5, 0.7 * len(alphas)), 3.6 + 0.75 * len(rows)),
        gridspec_kw={"height_ratios": [0.75 * len(rows), 2.2]},
    )
    show_images(rows.reshape(-1, 1, 28, 28), ncol=len(alphas), ax=top)
    _alpha_ticks(top, alphas)
    _probability_curves(bottom, alphas, probabilities, digits)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


@styled
def compare_sweeps(
    sweeps: dict[str, tuple[torch.Tensor, torch.Tensor]],
    alphas: Sequence[float],
    digits: Sequence[int],
    title: str = "",
) -> plt.Figure:
    """The same alpha sweep in several models, side by side: ``sweeps[name] = (images, probabilities)``, with
    images (rows, alphas, 1, 28, 28) on top and the classifier's probabilities of ``digits`` below."""
    n_rows = max(len(images.reshape(-1, len(alphas), 1, 28, 28)) for images, _ in sweeps.values())
    fig, axes = plt.subplots(
        2,
        len(sweeps),
        figsize=(8.2 * len(sweeps), 3.6 + 0.64 * n_rows),  # about 45 px per digit at 13 alphas
        gridspec_kw={"height_ratios": [0.64 * n_rows, 2.2]},
        squeeze=False,
    )
    for column, (name, (images, probabilities)) in enumerate(sweeps.items()):
        rows = images.reshape(-1, len(alphas), 1, 28, 28)
        show_images(rows.reshape(-1, 1, 28, 28), ncol=len(alphas), ax=axes[0, column], title=name)
        _alpha_ticks(axes[0, column], alphas, every=2)
        _probability_curves(axes[1, column], alphas, probabilities, digits)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


@styled
def explorer_snapshot(
    start: torch.Tensor,
    image: torch.Tensor,
    probabilities: torch.Tensor,
    highlight: dict[int, str] | None = None,
    title: str = "",
) -> bytes:
    """A static picture of the interpolation explorer (start image, moved image, the classifier's bars),
    as compact PNG bytes: what a page without a kernel shows in place of the live widget."""
    highlight = highlight or {}
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(9.0, 2.9), gridspec_kw={"width_ratios": [1, 1, 1.6]})
    for ax, picture, name in ((left, start, "start image"), (middle, image, "moved")):
        ax.imshow(1.0 - as_images(picture)[0, 0].numpy(), cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(name)
    palette = {"to a": "tab:green", "from b": "tab:blue", "start": "tab:orange"}
    colours = [palette.get(highlight.get(d, ""), "0.6") for d in range(10)]
    right.bar(range(10), torch.as_tensor(probabilities).float().numpy(), color=colours)
    right.set_xticks(range(10))
    right.set_ylim(0, 1)
    right.set_xlabel("digit (green: to a, blue: from b, orange: start)")
    right.set_ylabel("p(digit)")
    right.set_title("classifier")
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return figure_png(fig)


@styled
def sweep_animation(
    images: torch.Tensor, alphas: Sequence[float], probabilities: torch.Tensor, title: str = "", interval: int = 250
):
    """An animation of the alpha sweep (image and classifier bars per frame), for pages without a kernel.

    Returns a ``matplotlib.animation.FuncAnimation``; ``.to_jshtml()`` embeds it in a notebook. Pages
    that strip scripts (GitHub) cannot play it: ``AnimatedSweep`` stores a filmstrip beside it.
    """
    from matplotlib import animation

    fig, (left, right) = plt.subplots(1, 2, figsize=(5.6, 2.6), dpi=72, gridspec_kw={"width_ratios": [1, 1.4]})
    picture = left.imshow(1.0 - as_images(images[:1])[0, 0].numpy(), cmap="gray", vmin=0, vmax=1)
    left.set_xticks([])
    left.set_yticks([])
    bars = right.bar(range(10), probabilities[0].numpy(), color=[plt.cm.tab10(d) for d in range(10)])
    right.set_ylim(0, 1)
    right.set_xticks(range(10))
    right.set_xlabel("digit")
    right.set_ylabel("p(digit)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()

    def draw(frame: int):
        picture.set_data(1.0 - as_images(images[frame : frame + 1])[0, 0].numpy())
        left.set_title(f"alpha = {alphas[frame]:+.2f}")
        for bar, p in zip(bars, probabilities[frame].tolist(), strict=True):
            bar.set_height(p)
        return [picture, *bars]

    movie = animation.FuncAnimation(fig, draw, frames=len(alphas), interval=interval, blit=False)
    plt.close(fig)
    return movie


class AnimatedSweep:
    """An alpha sweep stored twice: as an animation that plays in a browser (``to_jshtml``, scripts), and as a
    filmstrip image that shows everywhere, also on pages that strip scripts. Display it as a cell's last value."""

    def __init__(
        self,
        images: torch.Tensor,
        alphas: Sequence[float],
        probabilities: torch.Tensor,
        digits: Sequence[int],
        title: str = "",
        frames_in_strip: int = 13,
    ):
        self.images, self.alphas, self.probabilities = images, list(alphas), probabilities
        self.digits, self.title = list(digits), title
        self.frames_in_strip = frames_in_strip

    def filmstrip_png(self) -> bytes:
        """Evenly spaced frames with the classifier's probability of each chosen digit: compact PNG bytes."""
        chosen = np.unique(np.linspace(0, len(self.alphas) - 1, self.frames_in_strip).round().astype(int))
        fig = alpha_sweep(
            self.images[chosen],
            [self.alphas[i] for i in chosen],
            self.probabilities[chosen],
            self.digits,
            title=f"{self.title} (filmstrip)",
        )
        return figure_png(fig)

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, Image, display

        movie = sweep_animation(self.images, self.alphas, self.probabilities, title=self.title)
        with plt.rc_context(STYLE):  # the frames are drawn here, after sweep_animation returned
            page = movie.to_jshtml(default_mode="reflect")
        display(HTML(first_frame_without_scripts(page)))
        display(Image(data=self.filmstrip_png(), format="png"))


def first_frame_without_scripts(jshtml: str) -> str:
    """matplotlib's animation HTML with its first frame as the image's ``src``: a page without scripts shows
    that frame where it would otherwise show an empty image, and the player replaces it when scripts run."""
    first = re.search(r'frames\[0\] = "(data:image/\w+;base64,[^"]+)"', jshtml)
    if first is None:
        return jshtml
    source = re.sub(r"[\\\s]", "", first.group(1))  # the script splits the base64 over lines ending in a backslash
    return re.sub(r'(<img id="_anim_img\w+")', lambda tag: f'{tag.group(1)} src="{source}"', jshtml, count=1)


@styled
def transfer_matrix(rates: torch.Tensor, title: str = "") -> plt.Figure:
    """A 10 x 10 heat map of axis-transfer rates: row b (from), column a (to), the diagonal left blank."""
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    shown = ax.imshow(rates.numpy(), cmap="viridis", vmin=0, vmax=1)
    for b in range(rates.shape[0]):
        for a in range(rates.shape[1]):
            if b != a:
                value = float(rates[b, a])
                ax.text(
                    a,
                    b,
                    f"{value:.0%}"[:-1],
                    ha="center",
                    va="center",
                    fontsize=SMALL,
                    color="black" if value > 0.6 else "white",
                )
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("to digit a")
    ax.set_ylabel("from digit b")
    fig.colorbar(shown, ax=ax, label="share labelled a", fraction=0.046)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
