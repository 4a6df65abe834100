"""Two-dimensional toy data: decision regions, densities, samples and flows on points."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from gmtutor.tools.plot.style import SMALL, legend_below, styled

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


@styled
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
    _finish_2d(left, "Naive Bayes learns $p(x \\mid y)$ and $p(y)$")

    proba = lr.predict_proba(grid)[:, 1].reshape(xx.shape)
    shading = right.contourf(xx, yy, proba, levels=np.linspace(0, 1, 11), cmap="PuOr_r", alpha=0.35)
    _scatter_classes(right, x, y, names)
    slope, intercept = decision_line(lr)
    line_x = np.array([xx.min(), xx.max()])
    (boundary_line,) = right.plot(
        line_x, slope * line_x + intercept, color="black", lw=2, label=f"$x_2 = {slope:.2f}\\,x_1 {intercept:+.2f}$"
    )
    right.set_xlim(xx.min(), xx.max())
    right.set_ylim(yy.min(), yy.max())
    fig.colorbar(shading, ax=right, shrink=0.8, label=f"$p(y = \\mathrm{{{names[1]}}} \\mid x)$")
    _finish_2d(right, "Logistic regression learns $p(y \\mid x)$")
    legend_below(fig, [*handles, boundary_line], [*labels, boundary_line.get_label()], columns=4)
    return fig


@styled
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


@styled
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
        _finish_2d(ax, title)
    legend_below(fig, *axes[0].get_legend_handles_labels())
    return fig


@styled
def flow_on_points(points: torch.Tensor, flow: torch.nn.Module, n_samples: int = 1000, seed: int = 0) -> plt.Figure:
    """What a 2-d flow learned, in four panels: the data, the data mapped to codes z = f(x), the learned
    density ``p(x) = N(f(x)) |det df/dx|`` on a grid, and new points decoded from Gaussian codes."""
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
