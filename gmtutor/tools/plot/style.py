"""The look of every figure: a style that reads at projection size, and compact PNGs.

Every figure function of ``gmtutor.tools.plot`` draws inside ``styled``: the course's ``STYLE`` applies to its
own figures only, and the caller's matplotlib settings are left as they were. ``compact_png`` makes a
figure's PNG small (the course runner stores every notebook's figures this way).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from typing import Any, TypeVar

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

SMALL = 9  # points: the smallest text any figure uses (tick labels, legends, annotations)
STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.title_fontsize": 10,
    "figure.titlesize": 13,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}

Drawing = TypeVar("Drawing", bound=Callable[..., Any])


def styled(function: Drawing) -> Drawing:
    """``function`` drawn in the course's ``STYLE`` (a ``plt.rc_context``), leaving the caller's rcParams alone."""

    @functools.wraps(function)
    def in_style(*args: Any, **kwargs: Any) -> Any:
        with plt.rc_context(STYLE):
            return function(*args, **kwargs)

    return in_style  # type: ignore[return-value]


# Words for the keys that models report, for axis labels.
PART_NAMES = {
    "loss": "loss",
    "recon": "reconstruction",
    "kl": "KL",
    "d_loss": "discriminator loss",
    "g_loss": "generator loss",
    "ge_loss": "generator and encoder loss",
    "d_acc": "discriminator accuracy",
    "recon_mse": "reconstruction error (MSE)",
}


def legend_below(fig: Figure, handles: list, labels: list[str], columns: int | None = None) -> None:
    """One legend for the whole figure, centred below its panels where it covers no data, and the panels laid
    out above it (``tight_layout`` with exactly the legend's height kept free)."""
    legend = fig.legend(handles, labels, fontsize=SMALL, loc="lower center", ncol=columns or len(labels), frameon=False)
    height = legend.get_window_extent(fig.canvas.get_renderer()).height / fig.bbox.height
    fig.tight_layout(rect=(0, height + 0.04, 1, 1))  # air between the legend and the axis labels


def compact_png(raw: bytes) -> bytes:
    """PNG bytes of a figure, smaller: flattened on white, then greyscale if every pixel is grey, else
    a 256-colour palette (median cut, which keeps lines, text and colour maps looking the same)."""
    from PIL import Image

    picture = Image.open(io.BytesIO(raw)).convert("RGBA")
    flat = Image.alpha_composite(Image.new("RGBA", picture.size, "white"), picture).convert("RGB")
    pixels = np.asarray(flat)
    grey = bool((pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all())
    small = flat.convert("L") if grey else flat.quantize(256, method=Image.Quantize.MEDIANCUT)
    buffer = io.BytesIO()
    small.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def figure_png(fig: Figure, close: bool = True) -> bytes:
    """A figure as compact PNG bytes (``compact_png``), cropped to its contents; closes it unless told not to."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    if close:
        plt.close(fig)
    return compact_png(buffer.getvalue())
