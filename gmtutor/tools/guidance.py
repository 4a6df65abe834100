"""The guidance explorer: a class-conditional denoiser's samples under live sliders (ipywidgets).

Pick a model (diffusion or flow matching), a digit, the guidance weight w and the number of sampling
steps; the explorer draws the same starting noise every time, so what changes in the picture is what the
sliders change. w = 0 ignores the label (the unconditional model), w = 1 is the conditional model, and
w > 1 pushes further towards the label (classifier-free guidance). The line under the picture says how
many samples the judge reads as the asked-for digit and how long sampling took.

Sliders update when released: each redraw samples afresh, a fraction of a second to a few seconds on a
CPU. The explorer's output also carries a picture of its first state, which a page without a kernel shows
in the widget's place (``gmtutor.tools.widgets.show_with_picture``).
"""

from __future__ import annotations

import io
import time

import ipywidgets as widgets
import numpy as np
import torch
from PIL import Image
from torch import nn

from gmtutor.tools.widgets import fixed_size, show_with_picture

TEXT_FALLBACK = "Guidance explorer (live sliders: they need a running kernel)."


def grid_png(images: torch.Tensor, ncol: int, scale: int = 4) -> bytes:
    """Images in [0, 1] as one PNG grid, dark ink on white, each pixel drawn ``scale`` times larger."""
    from gmtutor.tools.plot.images import tile

    canvas = 1.0 - tile(images, ncol, fill=0.0)
    pixels = (canvas * 255).round().astype(np.uint8)
    picture = Image.fromarray(pixels, mode="L")
    picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


class GuidanceExplorer:
    """Sliders for a class-conditional denoiser: model, digit, guidance weight, steps; see the module docstring."""

    def __init__(
        self,
        models: dict[str, nn.Module],
        judge: nn.Module,
        n: int = 8,
        digit: int = 3,
        weight: float = 1.0,
        steps: int = 20,
        seed: int = 0,
    ):
        if not models:
            raise ValueError("guidance_explorer needs at least one model, e.g. {'flow matching': model}")
        if digit not in range(10):
            raise ValueError(f"digit must be 0-9, got {digit!r}")
        self.models, self.judge, self.n, self.seed = dict(models), judge, n, seed
        self.model = widgets.Dropdown(options=list(self.models), description="model")
        self.digit = widgets.Dropdown(options=list(range(10)), value=digit, description="digit")
        self.weight = widgets.FloatSlider(
            value=weight, min=0.0, max=5.0, step=0.5, continuous_update=False, description="guidance w"
        )
        self.steps = widgets.IntSlider(value=steps, min=1, max=50, continuous_update=False, description="steps")
        self.picture = widgets.Image(format="png", layout=fixed_size())
        self.verdict = widgets.Label(value="")
        for control in (self.model, self.digit, self.weight, self.steps):
            control.observe(self._on_change, names="value")
        self._images = torch.zeros(0)
        self._redraw()
        controls = widgets.VBox([self.model, self.digit, self.weight, self.steps])
        self.widget = widgets.HBox([controls, widgets.VBox([self.picture, self.verdict])])

    def _redraw(self) -> None:
        model = self.models[self.model.value]
        labels = torch.full((self.n,), self.digit.value)
        start = time.perf_counter()
        self._images = model.sample(
            self.n,
            y=labels,
            steps=self.steps.value,
            weight=self.weight.value,
            generator=torch.Generator().manual_seed(self.seed),
        ).cpu()
        seconds = time.perf_counter() - start
        right = int((self.judge.predict(self._images) == labels).sum())
        self.picture.value = grid_png(self._images, ncol=min(self.n, 8))
        verdict = f"the judge reads {right} of {self.n} as a {self.digit.value}"
        self.verdict.value = f"{verdict}; sampling took {seconds:.2f} s"

    def _on_change(self, _change) -> None:
        self._redraw()

    def describe(self) -> str:
        """One line naming what the explorer shows now."""
        return (
            f"{self.model.value}: {self.n} samples asked to be a {self.digit.value}, "
            f"guidance w = {self.weight.value:g}, {self.steps.value} steps"
        )

    def snapshot_png(self) -> bytes:
        """A static picture of the explorer's present state: the samples, what they are, and the verdict."""
        import matplotlib.pyplot as plt

        from gmtutor.tools.plot import show_images
        from gmtutor.tools.plot.style import figure_png

        fig = show_images(self._images, ncol=min(self.n, 8), title=self.describe(), scale=1.0)
        fig.axes[0].set_xlabel(self.verdict.value)
        png = figure_png(fig)
        plt.close("all")
        return png

    def _ipython_display_(self) -> None:
        show_with_picture(self.widget, self.snapshot_png(), TEXT_FALLBACK)


def guidance_explorer(models: dict[str, nn.Module], judge: nn.Module, **settings) -> GuidanceExplorer:
    """A ``GuidanceExplorer`` for ``models`` (name -> class-conditional denoiser), judged by ``judge``."""
    return GuidanceExplorer(models, judge, **settings)


__all__ = ["GuidanceExplorer", "guidance_explorer", "grid_png"]
