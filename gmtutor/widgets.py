"""The alpha-slider explorer: move a digit along a class axis in a model's latent space, live (ipywidgets only).

Speed comes from doing little per slider move: codes, centroids and the axis are cached when the
model or digits change; a move decodes one code, writes PNG bytes into an ``Image`` widget and sets
ten progress bars. No figure is rebuilt.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
import torch
from PIL import Image
from torch import nn

from gmtutor.data import MNIST, as_images
from gmtutor.evaluate import DigitClassifier, digit_classifier
from gmtutor.latent import class_centroids, encode_all, interpolation_vector


def png_bytes(image: torch.Tensor, size: int = 196) -> bytes:
    """One image in [0, 1] (any shape with 784 values) as PNG bytes: dark ink on white, scaled up to ``size``."""
    pixels = (255.0 - image.detach().float().cpu().reshape(28, 28).clamp(0, 1).numpy() * 255.0).round()
    picture = Image.fromarray(pixels.astype(np.uint8), mode="L").resize((size, size), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


class InterpolationExplorer:
    """Pick a model, a "from" digit b, a "to" digit a and a source image; slide alpha along b -> a.

    The picture shows ``decode(z + alpha * (c_a - c_b))`` where ``z`` is the source's code (the
    centroid of b, or the code of a test digit of class b); the bars show a digit classifier's
    probabilities for the picture. Display it as the last expression of a cell.
    """

    def __init__(
        self,
        models: dict[str, nn.Module],
        data: MNIST,
        classifier: DigitClassifier | None = None,
        alpha_range: tuple[float, float] = (-1.0, 2.0),
        size: int = 196,
    ):
        if not models:
            raise ValueError("interpolation_explorer needs at least one model, e.g. {'VAE 20-d': vae}")
        self.models = dict(models)
        self.data = data
        self.classifier = classifier or digit_classifier(data)
        self.size = size
        self._centroids: dict[str, torch.Tensor] = {}
        self._test_codes: dict[str, torch.Tensor] = {}
        self._start = torch.zeros(1)
        self._axis = torch.zeros(1)

        self.model = widgets.Dropdown(options=list(self.models), description="model")
        self.from_digit = widgets.Dropdown(options=list(range(10)), value=7, description="from b")
        self.to_digit = widgets.Dropdown(options=list(range(10)), value=1, description="to a")
        self.source = widgets.ToggleButtons(options=["test digit", "centroid of b"], description="start")
        self.index = widgets.IntSlider(value=0, min=0, max=max(0, self._count_of(7) - 1), description="test #")
        self.alpha = widgets.FloatSlider(
            value=0.0, min=alpha_range[0], max=alpha_range[1], step=0.05, continuous_update=True, description="alpha"
        )
        self.picture = widgets.Image(format="png", width=size, height=size)
        self.start_picture = widgets.Image(format="png", width=size // 2, height=size // 2)
        self.bars = [
            widgets.FloatProgress(value=0.0, min=0.0, max=1.0, description=str(d), layout={"width": "260px"})
            for d in range(10)
        ]
        self.bar_labels = [widgets.Label(value="") for _ in range(10)]

        for control in (self.model, self.from_digit, self.to_digit, self.source, self.index):
            control.observe(self._on_setup_change, names="value")
        self.alpha.observe(self._on_alpha_change, names="value")
        self._prepare()
        self._redraw()

        controls = widgets.VBox([self.model, self.from_digit, self.to_digit, self.source, self.index, self.alpha])
        start = widgets.VBox([widgets.Label("start image"), self.start_picture])
        probabilities = widgets.VBox(
            [widgets.Label("classifier: p(digit)")]
            + [widgets.HBox([bar, label]) for bar, label in zip(self.bars, self.bar_labels, strict=True)]
        )
        self.widget = widgets.VBox([controls, widgets.HBox([start, self.picture, probabilities])])

    # -- caches: filled when the model or the digits change, never per slider move
    def _count_of(self, digit: int) -> int:
        return int((self.data.y_test == digit).sum())

    def _codes(self, name: str) -> tuple[torch.Tensor, torch.Tensor]:
        if name not in self._centroids:
            model = self.models[name]
            self._centroids[name] = class_centroids(model, self.data.x_train, self.data.y_train)
            self._test_codes[name] = encode_all(model, self.data.x_test)
        return self._centroids[name], self._test_codes[name]

    def _prepare(self) -> None:
        centroids, test_codes = self._codes(self.model.value)
        b, a = self.from_digit.value, self.to_digit.value
        self._axis = interpolation_vector(centroids, a, b)
        self.index.disabled = self.source.value != "test digit"
        if self.source.value == "test digit":
            positions = torch.nonzero(self.data.y_test == b).flatten()
            self.index.max = max(0, len(positions) - 1)
            position = int(positions[min(self.index.value, len(positions) - 1)])
            self._start = test_codes[position]
            self.start_picture.value = png_bytes(as_images(self.data.x_test[position : position + 1]), self.size // 2)
        else:
            self._start = centroids[b]
            self.start_picture.value = png_bytes(self._decode(self._start), self.size // 2)
        for digit, bar in enumerate(self.bars):
            bar.bar_style = "success" if digit == a else "info" if digit == b else ""

    @torch.no_grad()
    def _decode(self, code: torch.Tensor) -> torch.Tensor:
        model = self.models[self.model.value]
        first = next(model.parameters(), None)
        device = first.device if first is not None else torch.device("cpu")
        return model.decode(code.reshape(1, -1).to(device)).float().cpu()

    # -- the per-move path: one decode, one PNG, ten bars
    def _redraw(self) -> None:
        image = self._decode(self._start + self.alpha.value * self._axis)
        self.picture.value = png_bytes(image, self.size)
        probabilities = self.classifier.predict_proba(image)[0].tolist()
        for bar, label, p in zip(self.bars, self.bar_labels, probabilities, strict=True):
            bar.value = p
            label.value = f"{p:5.1%}"

    def _on_setup_change(self, _change) -> None:
        self._prepare()
        self._redraw()

    def _on_alpha_change(self, _change) -> None:
        self._redraw()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def interpolation_explorer(
    models: dict[str, nn.Module], data: MNIST, classifier: DigitClassifier | None = None
) -> InterpolationExplorer:
    """The live alpha-slider explorer for ``models`` (name -> model with encode/decode) on ``data``."""
    return InterpolationExplorer(models, data, classifier)
