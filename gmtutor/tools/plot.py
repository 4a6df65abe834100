"""Figures for the notebooks: image grids, digit galleries and the plots of each lesson (matplotlib only).

Importing this module sets a style that reads at projection size (no text below 9 points), and, in a
notebook kernel, stores figures as compact PNGs: 8-bit greyscale when a figure is grey (digit grids),
a 256-colour palette otherwise. A notebook full of digits then stays small on disk and on the web.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from gmtutor.core.data import as_images

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
plt.rcParams.update(STYLE)

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


def _store_figures_compactly() -> None:
    """In a notebook kernel, make figures display as compact PNGs (see ``compact_png``)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or "IPKernelApp" not in getattr(shell, "config", {}):
        return
    # pyplot loads its backend at the first figure, and the inline backend then installs its own PNG printer:
    # load it now, so that the printer installed last is this one.
    plt.switch_backend(plt.get_backend())
    shell.display_formatter.formatters["image/png"].for_type(Figure, lambda fig: figure_png(fig, close=False))


_store_figures_compactly()


def tile(images: torch.Tensor, ncol: int, pad: int = 2, fill: float = 0.15) -> np.ndarray:
    """Lay images out in a grid with ``ncol`` columns; returns one 2-D float array in [0, 1]."""
    x = as_images(images.detach().cpu()).squeeze(1).numpy()
    n, h, w = x.shape
    nrow = -(-n // ncol)
    canvas = np.full((nrow * (h + pad) + pad, ncol * (w + pad) + pad), fill, dtype=np.float32)
    for i, image in enumerate(x):
        r, c = divmod(i, ncol)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        canvas[top : top + h, left : left + w] = image
    return canvas


def show_images(
    images: torch.Tensor,
    ncol: int = 10,
    title: str | None = None,
    row_labels: Sequence[str] | None = None,
    scale: float = 0.6,
    ax: plt.Axes | None = None,
    column_labels: Sequence[str] | None = None,
    column_title: str | None = None,
) -> plt.Figure:
    """Show a batch of images as one grid, dark ink on white paper, with optional row and column labels."""
    canvas = tile(images, ncol)
    nrow = -(-len(images) // ncol)
    if ax is None:
        below = 0.5 if column_labels is not None else 0
        figsize = (scale * ncol + (0.6 if row_labels else 0), scale * nrow + (0.4 if title else 0) + below)
        _, ax = plt.subplots(figsize=figsize)
    ax.imshow(1.0 - canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    if row_labels is not None:
        step = canvas.shape[0] / nrow
        ax.set_yticks([step * (i + 0.5) for i in range(nrow)], list(row_labels))
        ax.tick_params(left=False)
    if column_labels is not None:
        step = canvas.shape[1] / ncol
        ax.set_xticks([step * (i + 0.5) for i in range(len(column_labels))], list(column_labels), fontsize=SMALL)
        ax.tick_params(bottom=False)
        if column_title:
            ax.set_xlabel(column_title)
    if title:
        ax.set_title(title)
    return ax.figure


def digits_by_class(x: torch.Tensor, y: torch.Tensor, per_class: int = 10, title: str | None = None) -> plt.Figure:
    """One row per digit 0-9, showing the first ``per_class`` examples of each."""
    rows = [x[y == digit][:per_class] for digit in range(10)]
    return show_images(torch.cat(rows), ncol=per_class, title=title, row_labels=[str(d) for d in range(10)])


def loss_curves(
    histories: dict[str, object],
    parts: Sequence[str],
    title: str | None = None,
    unit: str = "nats per image",
    names: dict[str, str] | None = None,
) -> plt.Figure:
    """One panel per loss part against training epochs, training (solid) and test (dashed), one colour per run.

    Parts are labelled in words (``PART_NAMES``, or ``names`` for others): "reconstruction", not "recon".
    """
    names = {**PART_NAMES, **(names or {})}
    fig, axes = plt.subplots(1, len(parts), figsize=(3.3 * len(parts) + 0.4, 3.4), squeeze=False)
    for ax, part in zip(axes[0], parts, strict=True):
        for i, (name, history) in enumerate(histories.items()):
            epochs = history["epoch"]
            ax.plot(epochs, history[part], color=f"C{i}", label=f"{name}, training")
            if f"test_{part}" in history.keys():
                ax.plot(epochs, history[f"test_{part}"], color=f"C{i}", linestyle="--", label=f"{name}, test")
        ax.set_xlabel("epochs (passes over\nthe training images)")
        ax.set_ylabel(f"{names.get(part, part)} ({unit})")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=SMALL)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


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


def latent_map(
    model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, n: int = 15, limit: float | None = None
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
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 5))
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


def image_rows(
    rows: dict[str, torch.Tensor],
    title: str | None = None,
    scale: float = 0.6,
    column_labels: Sequence[str] | None = None,
    column_title: str | None = None,
) -> plt.Figure:
    """Named rows of images of equal length, e.g. {"original": x, "reconstruction": x_hat}; ``column_labels``
    name the columns (say, alphas, with ``column_title="alpha"``)."""
    ncol = len(next(iter(rows.values())))
    images = torch.cat([torch.as_tensor(row).reshape(-1, 1, 28, 28) for row in rows.values()])
    return show_images(
        images,
        ncol=ncol,
        title=title,
        row_labels=list(rows),
        scale=scale,
        column_labels=column_labels,
        column_title=column_title,
    )


# --------------------------------------------------------------------------- notebook 01: generative vs discriminative

_CLASS_COLOURS = ("tab:blue", "tab:orange")
_NEWCOMER_COLOUR = "tab:green"


def _grid_2d(points: np.ndarray, steps: int = 250, margin: float = 0.8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A regular grid covering ``points`` with a margin: xx, yy (steps, steps) and the (steps**2, 2) grid points."""
    low, high = points.min(axis=0) - margin, points.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(low[0], high[0], steps), np.linspace(low[1], high[1], steps))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def _scatter_classes(ax: plt.Axes, x: np.ndarray, y: np.ndarray, names: Sequence[str], **style) -> None:
    for k, name in enumerate(names):
        ax.scatter(*x[y == k].T, s=14, color=_CLASS_COLOURS[k], alpha=0.55, edgecolors="none", label=name, **style)


def _finish_2d(ax: plt.Axes, title: str) -> None:
    ax.set_xlabel("feature $x_1$")
    ax.set_ylabel("feature $x_2$")
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=11)


def generative_vs_discriminative_2d(
    x: np.ndarray, y: np.ndarray, nb: object, lr: object, names: Sequence[str] = ("class 0", "class 1")
) -> plt.Figure:
    """What each model learned on 2-D data with labels 0 and 1.

    Left: Naive Bayes's class means with 1- and 2-standard-deviation ellipses and its
    (curved) decision boundary. Right: logistic regression's line and its p(y=1 | x).
    """
    from matplotlib.patches import Ellipse

    from gmtutor.tools.toy import decision_line

    xx, yy, grid = _grid_2d(x)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 4.6), sharex=True, sharey=True)

    _scatter_classes(left, x, y, names)
    for k in range(len(names)):
        mean, std = nb.means_[k], np.sqrt(nb.variances_[k])
        for width, style in ((1, "-"), (2, "--")):
            left.add_patch(
                Ellipse(
                    mean, 2 * width * std[0], 2 * width * std[1], fill=False, lw=1.8, ls=style, color=_CLASS_COLOURS[k]
                )
            )
        left.plot(*mean, marker="X", ms=13, color=_CLASS_COLOURS[k], mec="black", mew=1.2)
    boundary = nb.predict_proba(grid)[:, 1].reshape(xx.shape)
    left.contour(xx, yy, boundary, levels=[0.5], colors="black", linewidths=1.5, linestyles=":")
    handles, labels = left.get_legend_handles_labels()
    handles += [
        plt.Line2D([], [], marker="X", ls="", ms=10, color="grey", mec="black"),
        plt.Line2D([], [], color="grey", lw=1.8),
        plt.Line2D([], [], color="grey", lw=1.8, ls="--"),
        plt.Line2D([], [], color="black", lw=1.5, ls=":"),
    ]
    labels += ["class mean $\\mu_y$", "1 std. dev.", "2 std. dev.", "boundary $p(y\\mid x)=0.5$"]
    left.legend(handles, labels, fontsize=SMALL, loc="lower left", framealpha=0.9)
    _finish_2d(left, "Naive Bayes learns $p(x \\mid y)$ and $p(y)$")

    proba = lr.predict_proba(grid)[:, 1].reshape(xx.shape)
    shading = right.contourf(xx, yy, proba, levels=np.linspace(0, 1, 11), cmap="PuOr_r", alpha=0.35)
    _scatter_classes(right, x, y, names)
    slope, intercept = decision_line(lr)
    line_x = np.array([xx.min(), xx.max()])
    right.plot(
        line_x, slope * line_x + intercept, color="black", lw=2, label=f"$x_2 = {slope:.2f}\\,x_1 {intercept:+.2f}$"
    )
    right.set_xlim(xx.min(), xx.max())
    right.set_ylim(yy.min(), yy.max())
    right.legend(fontsize=SMALL, loc="lower right", framealpha=0.9)
    fig.colorbar(shading, ax=right, shrink=0.8, label=f"$p(y = \\mathrm{{{names[1]}}} \\mid x)$")
    _finish_2d(right, "Logistic regression learns $p(y \\mid x)$")
    fig.tight_layout()
    return fig


def real_and_sampled_2d(
    x: np.ndarray, y: np.ndarray, samples: dict[int, np.ndarray], names: Sequence[str] = ("class 0", "class 1")
) -> plt.Figure:
    """Real 2-D points (dots) overlaid with points sampled from a generative model (crosses), per class."""
    fig, ax = plt.subplots(figsize=(5.6, 4.8))
    _scatter_classes(ax, x, y, [f"{name}, real" for name in names])
    for k, drawn in samples.items():
        ax.scatter(*drawn.T, s=22, marker="x", lw=1.1, color=_CLASS_COLOURS[k], alpha=0.9, label=f"{names[k]}, sampled")
    ax.legend(fontsize=SMALL, loc="lower right", framealpha=0.9)
    _finish_2d(ax, "Real points and points sampled from Naive Bayes")
    fig.tight_layout()
    return fig


def learning_curves(curve: object, title: str | None = None) -> plt.Figure:
    """Test accuracy against training-set size (log scale): mean and standard deviation over seeds, per model.

    ``curve`` is a ``gmtutor.tools.classifiers.LearningCurve``. Dotted lines mark each model's
    accuracy on the largest training set.
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, (name, accuracy) in enumerate(curve.accuracy.items()):
        mean, std = accuracy.mean(axis=0), accuracy.std(axis=0)
        ax.errorbar(curve.sizes, mean, yerr=std, marker="o", ms=5, capsize=3, color=f"C{i}", label=name)
        ax.axhline(mean[-1], color=f"C{i}", ls=":", lw=1)
        ax.annotate(
            f"{mean[-1]:.3f}",
            (curve.sizes[-1], mean[-1]),
            xytext=(0, 5),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=SMALL,
            color=f"C{i}",
        )
    ax.set_xscale("log")
    ax.margins(y=0.08)
    ax.set_xticks(curve.sizes, [f"{s:,}" for s in curve.sizes], fontsize=SMALL)
    ax.minorticks_off()
    ax.set_xlabel("training images (log scale, the same number per digit)")
    ax.set_ylabel("test accuracy")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title(title or "Few samples vs many: accuracy against training-set size")
    fig.tight_layout()
    return fig


def unseen_class_2d(
    x: np.ndarray,
    y: np.ndarray,
    newcomers: np.ndarray,
    nb: object,
    lr: object,
    names: Sequence[str] = ("class 0", "class 1"),
    newcomer_name: str = "newcomers",
) -> plt.Figure:
    """A class never seen in training, in 2-D. Left: logistic regression's confidence max p(y | x).
    Right: Naive Bayes's log p(x). The newcomers are drawn as triangles."""
    from matplotlib.ticker import MaxNLocator

    xx, yy, grid = _grid_2d(np.concatenate([x, newcomers]))
    fig, axes = plt.subplots(1, 2, figsize=(9.6, 4.4), sharex=True, sharey=True)
    confidence = lr.predict_proba(grid).max(axis=1).reshape(xx.shape)
    log_px = nb.log_prob(grid).reshape(xx.shape)
    floor = np.percentile(nb.log_prob(x), 1) - 12  # darker than this reads as "very unlikely"
    fields = [
        (
            confidence,
            np.linspace(0.5, 1, 11),
            "viridis",
            "confidence $\\max_y p(y \\mid x)$",
            "Logistic regression: how sure it is",
        ),
        (
            np.maximum(log_px, floor),
            MaxNLocator(12).tick_values(floor, log_px.max()),
            "magma",
            "$\\log p(x)$ (clipped below)",
            "Naive Bayes: how likely $x$ is",
        ),
    ]
    for ax, (field, levels, cmap, label, title) in zip(axes, fields, strict=True):
        shading = ax.contourf(xx, yy, field, levels=levels, cmap=cmap, alpha=0.8)
        fig.colorbar(shading, ax=ax, shrink=0.8, label=label)
        _scatter_classes(ax, x, y, names, linewidths=0.3)
        ax.scatter(
            *newcomers.T,
            s=34,
            marker="^",
            color="black",
            edgecolors="white",
            linewidths=0.7,
            label=f"{newcomer_name} (never seen)",
        )
        ax.legend(fontsize=SMALL, loc="lower right", framealpha=0.9)
        _finish_2d(ax, title)
    fig.tight_layout()
    return fig


def newcomer_verdicts(images: torch.Tensor, result: object, title: str | None = None) -> plt.Figure:
    """Unseen-class images, each captioned with logistic regression's label and confidence and with
    Naive Bayes's log p(x). ``result`` is a ``gmtutor.tools.novelty.UnseenClass`` whose models saw none of them."""
    x = as_images(images).reshape(len(images), -1).numpy()
    labels = result.lr.predict(x)
    confidence = result.lr.predict_proba(x).max(axis=1)
    log_px = result.nb.log_prob(x)
    ncol = min(5, len(x))
    nrow = -(-len(x) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(1.7 * ncol, 2.3 * nrow + 0.5), squeeze=False)
    for ax in axes.flat[len(x) :]:
        ax.set_visible(False)
    for ax, image, label, conf, lp in zip(axes.flat, x, labels, confidence, log_px, strict=False):
        ax.imshow(1 - image.reshape(28, 28), cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        sure = ">99%" if conf > 0.99 else f"{conf:.0%}"  # confident is not certain: never print 100%
        ax.set_title(f"LR: {label} ({sure})\nNB: {lp:.0f}", fontsize=10, color="black")
    fig.suptitle(title or "Digits the models never saw")
    fig.tight_layout()
    return fig


def unseen_class_scores(result: object, seen_name: str = "seen", unseen_name: str = "unseen") -> plt.Figure:
    """Histograms of Naive Bayes's log p(x) and logistic regression's confidence for seen and unseen inputs,
    with the ROC AUC of each. ``result`` is a ``gmtutor.tools.novelty.UnseenClass``."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 3.6))
    seen, unseen = result.nb_log_prob_seen, result.nb_log_prob_unseen
    low = np.percentile(np.concatenate([seen, unseen]), 2)
    bins = np.linspace(low, max(seen.max(), unseen.max()), 40)
    for values, name, colour in ((seen, seen_name, "tab:blue"), (unseen, unseen_name, _NEWCOMER_COLOUR)):
        left.hist(np.clip(values, low, None), bins=bins, alpha=0.6, color=colour, label=name)
    left.set_xlabel(f"Naive Bayes $\\log p(x)$ (values below {low:.0f} put in the first bin)")
    left.set_title(f"Naive Bayes: ROC AUC {result.nb_auc:.3f}", fontsize=11)
    bins = np.linspace(0.5, 1, 26)
    for values, name, colour in (
        (result.lr_confidence_seen, seen_name, "tab:blue"),
        (result.lr_confidence_unseen, unseen_name, _NEWCOMER_COLOUR),
    ):
        right.hist(values, bins=bins, alpha=0.6, color=colour, label=name)
    right.set_xlabel("logistic regression confidence $\\max_y p(y \\mid x)$")
    right.set_title(f"Logistic regression: ROC AUC {result.lr_auc:.3f}", fontsize=11)
    for ax in (left, right):
        ax.set_ylabel("test images")
        ax.legend(fontsize=9)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def unseen_digit_aucs(table: object) -> plt.Figure:
    """Mean ROC AUC of each model for each digit in the newcomer's role (averaged over the seen pairs).

    ``table`` is a ``gmtutor.tools.novelty.UnseenClassTable``.
    """
    digits, nb, lr = table.by_unseen_digit()
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    width = 0.38
    ax.bar(
        digits - width / 2, nb, width, color="C0", label=f"Naive Bayes $\\log p(x)$ (mean {table.nb_auc.mean():.2f})"
    )
    ax.bar(digits + width / 2, lr, width, color="C1", label=f"LR confidence (mean {table.lr_auc.mean():.2f})")
    ax.axhline(0.5, color="black", lw=1, ls="--", label="a coin (0.5)")
    ax.set_xticks(digits)
    ax.set_xlabel("the digit the models never saw")
    ax.set_ylabel("ROC AUC, seen vs unseen")
    ax.set_ylim(0, 1.25)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=SMALL, loc="upper center", ncol=3, framealpha=0.95)
    pairs = len(np.unique(table.seen, axis=0))
    ax.set_title(f"Spotting the newcomer: {len(table.unseen)} experiments ({pairs} seen pairs)", fontsize=11)
    fig.tight_layout()
    return fig


def class_parameter_images(nb: object, lr: object | None = None, title: str | None = None) -> plt.Figure:
    """One column per class: Naive Bayes's mean image and variance image, and (given ``lr``) logistic
    regression's weight image (red: evidence for the class, blue: against)."""
    rows = [("NB mean $\\mu_y$", nb.means_, "gray_r", 0.0, 1.0)]
    rows.append(("NB variance $\\sigma^2_y$", nb.variances_, "viridis", 0.0, float(nb.variances_.max())))
    if lr is not None:
        limit = float(np.abs(lr.coef_).max())
        rows.append(("LR weights $w_y$", lr.coef_, "RdBu_r", -limit, limit))
    n = len(nb.classes_)
    fig, axes = plt.subplots(
        len(rows), n, figsize=(0.95 * n + 1.3, 1.0 * len(rows) + 0.4), squeeze=False, layout="constrained"
    )
    for r, (name, values, cmap, low, high) in enumerate(rows):
        for k in range(n):
            ax = axes[r, k]
            shown = ax.imshow(values[k].reshape(28, 28), cmap=cmap, vmin=low, vmax=high)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(str(nb.classes_[k]), fontsize=10)
        axes[r, 0].set_ylabel(name, fontsize=9)
        fig.colorbar(shown, ax=axes[r, :].tolist(), shrink=0.9, pad=0.01, aspect=8)
    if title:
        fig.suptitle(title)
    return fig


def naive_bayes_samples(nb: object, per_class: int = 10, seed: int = 0, title: str | None = None) -> plt.Figure:
    """Images drawn from a Gaussian Naive Bayes fitted on pixels: one row per class, clipped to [0, 1]."""
    rows = [nb.sample(label, per_class, seed=seed + k) for k, label in enumerate(nb.classes_)]
    images = torch.from_numpy(np.clip(np.concatenate(rows), 0, 1)).float()
    return show_images(images, ncol=per_class, title=title, row_labels=[str(c) for c in nb.classes_])


def pair_canvas(
    images: torch.Tensor, pairs: Sequence[tuple[int, int]], alphas: Sequence[float], panels: int = 3, title: str = ""
) -> plt.Figure:
    """The 45-pair canvas: one row per digit pair (b, a), read "from b to a", one column per alpha, split into
    side-by-side panels."""
    n_pairs, n_alphas = images.shape[:2]
    per_panel = -(-n_pairs // panels)
    fig, axes = plt.subplots(1, panels, figsize=(panels * (0.42 * n_alphas + 0.5), 0.42 * per_panel + 0.8))
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
        figsize=(6.4 * len(sweeps), 3.6 + 0.5 * n_rows),
        gridspec_kw={"height_ratios": [0.5 * n_rows, 2.2]},
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
        display(HTML(movie.to_jshtml(default_mode="reflect")))
        display(Image(data=self.filmstrip_png(), format="png"))


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


def adversarial_curves(histories: dict[str, object], title: str | None = None) -> plt.Figure:
    """A GAN's training, one colour per named run: the discriminator's loss, the generator side's loss
    (``g_loss``, or BiGAN's ``ge_loss`` for generator and encoder), and the discriminator's accuracy (chance: 0.5)."""
    bigan = any("ge_loss" in history.keys() for history in histories.values())
    panels = [
        ("d_loss", "discriminator loss"),
        ("g_loss", "generator and encoder loss" if bigan else "generator loss"),
        ("d_acc", "discriminator accuracy"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(10.2, 3.4))
    for ax, (key, label) in zip(axes, panels, strict=True):
        for i, (name, history) in enumerate(histories.items()):
            part = "ge_loss" if key == "g_loss" and "ge_loss" in history.keys() else key
            ax.plot(history["epoch"], history[part], color=f"C{i}", marker=".", label=name)
        ax.set_xlabel("epochs (passes over\nthe training images)")
        ax.set_title(label)
        ax.grid(alpha=0.3)
    axes[0].axhline(2 * np.log(2), color="grey", linestyle=":", label="2 log 2 (D cannot tell)")
    axes[2].axhline(0.5, color="grey", linestyle=":", label="chance")
    axes[2].set_ylim(0, 1.02)
    axes[0].legend(fontsize=SMALL)
    axes[2].legend(fontsize=SMALL)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def class_bars(histograms: dict[str, torch.Tensor], title: str | None = None) -> plt.Figure:
    """Grouped bars: for each named set of images, the fraction a classifier calls each digit 0-9."""
    fig, ax = plt.subplots(figsize=(8, 3))
    width = 0.8 / len(histograms)
    for i, (name, fractions) in enumerate(histograms.items()):
        positions = np.arange(10) + (i - (len(histograms) - 1) / 2) * width
        ax.bar(positions, torch.as_tensor(fractions).cpu().numpy(), width=width, color=f"C{i}", label=name)
    ax.axhline(0.1, color="grey", linestyle=":", label="every digit equally often")
    ax.set_xticks(range(10))
    ax.set_xlabel("digit the classifier sees")
    ax.set_ylabel("fraction of samples")
    ax.legend(fontsize=SMALL)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def accuracy_bars(results: dict[str, dict[str, float]], title: str | None = None) -> plt.Figure:
    """Grouped bars of test accuracy: ``results[features][classifier]``, e.g. {"pixels": {"1-NN": 0.9, ...}}."""
    names = list(results)
    classifiers = list(next(iter(results.values())))
    fig, ax = plt.subplots(figsize=(1.8 * len(names) + 2.6, 3.8))
    width = 0.8 / len(classifiers)
    lowest = min(value for result in results.values() for value in result.values())
    floor = max(0.0, np.floor(10 * lowest - 0.5) / 10)  # zoom in on the differences, and say so on the axis
    for j, classifier in enumerate(classifiers):
        positions = np.arange(len(names)) + (j - (len(classifiers) - 1) / 2) * width
        values = [results[name][classifier] for name in names]
        heights = [value - floor for value in values]
        bars = ax.bar(positions, heights, bottom=floor, width=width, color=f"C{j}", label=classifier)
        ax.bar_label(bars, labels=[f"{v:.1%}" for v in values], fontsize=SMALL, padding=2)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel(f"test accuracy (axis from {floor:.0%})" if floor > 0 else "test accuracy")
    ax.set_ylim(floor, 1.0 + (1.0 - floor) * 0.08)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.legend(fontsize=SMALL, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def generator_loss_shapes() -> plt.Figure:
    """The two generator losses against D(G(z)), and how steeply each falls (per unit of D's logit)."""
    from gmtutor.models.gan import generator_loss

    logits = torch.linspace(-7, 7, 400, requires_grad=True)
    d = torch.sigmoid(logits).detach().numpy()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 3.8))
    for kind, color in (("minimax", "C3"), ("non-saturating", "C0")):
        per_sample = [generator_loss(logit.reshape(1), kind) for logit in logits]
        losses = torch.stack(per_sample)
        (slopes,) = torch.autograd.grad(losses.sum(), logits)
        label = r"minimax: $\log(1 - D(G(z)))$" if kind == "minimax" else r"non-saturating: $-\log D(G(z))$"
        left.plot(d, losses.detach().numpy(), color=color, label=label)
        right.plot(d, slopes.abs().numpy(), color=color, label=kind)
    left.set_ylabel("generator loss (G minimises it)")
    right.set_ylabel("steepness (size of the gradient)")
    left.set_title("the generator's loss")
    right.set_title("how steeply it falls")
    ticks = [0.001, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999]
    for ax in (left, right):
        ax.set_xscale("logit")
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.minorticks_off()
        ax.set_xlabel("D(G(z)): how real D thinks a fake is")
        ax.axvspan(1e-3, 0.1, color="grey", alpha=0.12, label="early training: D spots fakes")
        ax.grid(alpha=0.3)
    left.legend(fontsize=SMALL, loc="upper right")
    right.legend(fontsize=SMALL, loc="upper right")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- notebook 05: flows


def flow_on_points(points: torch.Tensor, flow: torch.nn.Module, n_samples: int = 1000, seed: int = 0) -> plt.Figure:
    """What a 2-d flow learned, in four panels: the data, the data mapped to codes z = f(x), the learned
    density p(x) = N(f(x)) |det df/dx| on a grid, and new points decoded from Gaussian codes."""
    flow.eval()
    x = points.detach().float().cpu()
    with torch.no_grad():
        codes = flow.encode(x).numpy()
        xx, yy, grid = _grid_2d(x.numpy(), steps=200, margin=0.6)
        density = flow.log_prob(torch.as_tensor(grid, dtype=torch.float32)).exp().reshape(xx.shape).numpy()
        samples = flow.sample(n_samples, generator=torch.Generator().manual_seed(seed)).numpy()
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.4))
    style = {"s": 5, "alpha": 0.5, "edgecolors": "none"}
    axes[0].scatter(*x.numpy().T, color="tab:blue", **style)
    axes[0].set_title("training points $x$")
    axes[1].scatter(*codes.T, color="tab:purple", **style)
    circle = plt.Circle((0, 0), 2.0, fill=False, color="grey", linestyle="--", label="2 standard deviations")
    axes[1].add_patch(circle)
    axes[1].legend(fontsize=SMALL, loc="upper right")
    axes[1].set_title("their codes $z = f(x)$")
    axes[2].pcolormesh(xx, yy, density, cmap="viridis", shading="auto")
    axes[2].set_title("learned density $p(x)$")
    axes[3].scatter(*samples.T, color="tab:orange", **style)
    axes[3].set_title("new points $f^{-1}(z)$, $z \\sim N(0, I)$")
    axes[1].set_xlim(-4, 4)
    axes[1].set_ylim(-4, 4)
    for ax in (axes[0], axes[2], axes[3]):
        ax.set_xlim(xx.min(), xx.max())
        ax.set_ylim(yy.min(), yy.max())
    for ax in axes:
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig
