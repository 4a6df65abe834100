"""The alpha-slider explorer: move any digit along any class axis in a model's latent space, live (ipywidgets).

Besides the axes from one digit class to another, three style axes move a digit from thin to thick
strokes, from upright to leaning, and from narrow to wide (``gmtutor.tools.imagination.attribute_axis``:
the thickest quarter's mean code minus the thinnest's, and so on).

The seed experiment of the course is a test 7 moved along the axis from 6 to 0: the start image and
the axis are chosen separately. Speed comes from doing little per slider move: codes, centroids and
the axis are cached when the model or digits change; a move decodes one code, writes PNG bytes into
an ``Image`` widget and sets ten progress bars. No figure is rebuilt.

Widgets need a running kernel. An explorer is therefore displayed as one output that carries both the
live widget and a picture of its first state (``show_with_picture``): JupyterLab with a kernel shows the
widget alone, and a page without one (the course's website, nbconvert's HTML and slides, an untrusted
notebook in JupyterLab) shows the picture. No stale picture sits under a live widget.
"""

from __future__ import annotations

import base64
import io

import ipywidgets as widgets
import numpy as np
import torch
from PIL import Image
from torch import nn

from gmtutor.core.data import MNIST, as_images
from gmtutor.tools.evaluate import DigitClassifier, digit_classifier
from gmtutor.tools.latent import class_centroids, encode_all, interpolation_vector

START_KINDS = ("test digit", "centroid")
PAIR_AXIS = "digit b → a"
ATTRIBUTE_AXES = {"thin → thick": "thickness", "upright → leaning": "slant", "narrow → wide": "width"}
ATTRIBUTE_DIGITS_PER_CLASS = 100  # training digits measured for an attribute axis (about 2 s, once)
TEXT_FALLBACK = "Interpolation explorer (live sliders: they need a running kernel)."


def show_with_picture(widget: widgets.Widget, png: bytes, text: str) -> None:
    """Display ``widget`` as one output whose mimebundle also holds ``png`` and ``text``: a frontend that can
    render the live widget shows it alone; one that cannot (no kernel, no widget state) shows the picture."""
    from IPython.display import display

    bundle = {**widget._repr_mimebundle_(), "image/png": base64.b64encode(png).decode("ascii"), "text/plain": text}
    display(bundle, raw=True)


def fixed_size(width: int | None = None, height: int | None = None) -> widgets.Layout:
    """A layout that keeps an ``Image`` widget at its own size and shape inside a row or a column (a flex box
    would otherwise stretch it to the row's height or the column's width)."""
    size = {"width": f"{width}px", "height": f"{height}px"} if width and height else {}
    return widgets.Layout(object_fit="contain", align_self="flex-start", flex="0 0 auto", **size)


def png_bytes(image: torch.Tensor, size: int = 196) -> bytes:
    """One image in [0, 1] (any shape with 784 values) as PNG bytes: dark ink on white, scaled up to ``size``."""
    pixels = (255.0 - image.detach().float().cpu().reshape(28, 28).clamp(0, 1).numpy() * 255.0).round()
    picture = Image.fromarray(pixels.astype(np.uint8), mode="L").resize((size, size), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


class InterpolationExplorer:
    """Pick a model, a start image (a test digit or a class centroid) and an axis from digit b to digit a;
    slide alpha.

    The picture shows ``decode(z + alpha * v(b -> a))`` with ``v(b -> a) = c_a - c_b``, where ``z`` is the
    start image's code (or ``z + alpha * v`` along a style axis ``v``, thin to thick say); the bars show a
    digit classifier's probabilities for the picture (green: a, blue: b, orange: the start's own digit).
    The defaults are the seed experiment: a test 7 moved along 6 -> 0. Display it as the last expression
    of a cell.
    """

    def __init__(
        self,
        models: dict[str, nn.Module],
        data: MNIST,
        classifier: DigitClassifier | None = None,
        alpha_range: tuple[float, float] = (-1.0, 2.0),
        size: int = 196,
        start_digit: int = 7,
        axis: tuple[int, int] = (6, 0),
    ):
        if not models:
            raise ValueError("interpolation_explorer needs at least one model, e.g. {'VAE 20-d': vae}")
        digits = list(range(10))
        for name, digit in (("start_digit", start_digit), ("axis[0]", axis[0]), ("axis[1]", axis[1])):
            if digit not in digits:
                raise ValueError(f"{name} must be a digit 0-9, got {digit!r}")
        self.models = dict(models)
        self.data = data
        self.classifier = classifier or digit_classifier(data)
        self.size = size
        self._centroids: dict[str, torch.Tensor] = {}
        self._test_codes: dict[str, torch.Tensor] = {}
        self._start = torch.zeros(1)
        self._axis = torch.zeros(1)
        self._start_image = torch.zeros(1, 1, 28, 28)
        self._attribute_values: dict[str, np.ndarray] = {}
        self._attribute_axes: dict[tuple[str, str], torch.Tensor] = {}

        self.model = widgets.Dropdown(options=list(self.models), description="model")
        self.source = widgets.ToggleButtons(options=list(START_KINDS), description="start")
        self.start_digit = widgets.Dropdown(options=digits, value=start_digit, description="start digit")
        self.index = widgets.IntSlider(
            value=0, min=0, max=max(0, self._count_of(start_digit) - 1), description="test #"
        )
        self.axis_kind = widgets.Dropdown(options=[PAIR_AXIS, *ATTRIBUTE_AXES], description="axis")
        self.from_digit = widgets.Dropdown(options=digits, value=axis[0], description="from b")
        self.to_digit = widgets.Dropdown(options=digits, value=axis[1], description="to a")
        self.alpha = widgets.FloatSlider(
            value=0.0, min=alpha_range[0], max=alpha_range[1], step=0.05, continuous_update=True, description="alpha"
        )
        self.picture = widgets.Image(format="png", width=size, height=size, layout=fixed_size(size, size))
        half = size // 2
        self.start_picture = widgets.Image(format="png", width=half, height=half, layout=fixed_size(half, half))
        self.bars = [
            widgets.FloatProgress(value=0.0, min=0.0, max=1.0, description=str(d), layout={"width": "260px"})
            for d in digits
        ]
        self.bar_labels = [widgets.Label(value="") for _ in digits]

        for control in (
            self.model,
            self.source,
            self.start_digit,
            self.index,
            self.axis_kind,
            self.from_digit,
            self.to_digit,
        ):
            control.observe(self._on_setup_change, names="value")
        self.alpha.observe(self._on_alpha_change, names="value")
        self._prepare()
        self._redraw()

        start_controls = widgets.VBox([self.source, self.start_digit, self.index])
        axis_controls = widgets.VBox([self.axis_kind, self.from_digit, self.to_digit, self.alpha])
        controls = widgets.HBox([widgets.VBox([self.model, start_controls]), axis_controls])
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

    def _attribute_axis(self, name: str, attribute: str) -> torch.Tensor:
        from gmtutor.tools.imagination import attribute_axis
        from gmtutor.tools.morphometry import measure

        sample = self.data.per_class(train=ATTRIBUTE_DIGITS_PER_CLASS)
        if attribute not in self._attribute_values:
            self._attribute_values.update(measure(sample.x_train))
        if (name, attribute) not in self._attribute_axes:
            axis = attribute_axis(self.models[name], sample.x_train, self._attribute_values[attribute])
            self._attribute_axes[name, attribute] = axis
        return self._attribute_axes[name, attribute]

    def _on_pair_axis(self) -> bool:
        return self.axis_kind.value == PAIR_AXIS

    def _prepare(self) -> None:
        centroids, test_codes = self._codes(self.model.value)
        start, b, a = self.start_digit.value, self.from_digit.value, self.to_digit.value
        pair = self._on_pair_axis()
        self.from_digit.disabled = self.to_digit.disabled = not pair
        if pair:
            self._axis = interpolation_vector(centroids, a=a, b=b)
        else:
            self._axis = self._attribute_axis(self.model.value, ATTRIBUTE_AXES[self.axis_kind.value])
        self.index.disabled = self.source.value != "test digit"
        if self.source.value == "test digit":
            positions = torch.nonzero(self.data.y_test == start).flatten()
            self.index.max = max(0, len(positions) - 1)
            position = int(positions[min(self.index.value, len(positions) - 1)])
            self._start = test_codes[position]
            self._start_image = as_images(self.data.x_test[position : position + 1])
        else:
            self._start = centroids[start]
            self._start_image = self._decode(self._start)
        self.start_picture.value = png_bytes(self._start_image, self.size // 2)
        for digit, bar in enumerate(self.bars):
            if not pair:
                bar.bar_style = "warning" if digit == start else ""
                continue
            bar.bar_style = "success" if digit == a else "info" if digit == b else "warning" if digit == start else ""

    @torch.no_grad()
    def _decode(self, code: torch.Tensor) -> torch.Tensor:
        model = self.models[self.model.value]
        first = next(model.parameters(), None)
        device = first.device if first is not None else torch.device("cpu")
        return model.decode(code.reshape(1, -1).to(device)).float().cpu()

    # -- the per-move path: one decode, one PNG, ten bars
    def current_image(self) -> torch.Tensor:
        """The picture the explorer shows now, as a (1, 1, 28, 28) float image."""
        return self._decode(self._start + self.alpha.value * self._axis)

    def _redraw(self) -> None:
        image = self.current_image()
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

    # -- showing it, live and on a page without a kernel
    def describe(self) -> str:
        """One line naming what the explorer shows now."""
        start = f"test {self.start_digit.value} #{self.index.value}"
        if self.source.value == "centroid":
            start = f"the centroid of the {self.start_digit.value}s"
        axis = f"{self.from_digit.value} → {self.to_digit.value}" if self._on_pair_axis() else self.axis_kind.value
        return f"{self.model.value}: {start} moved along {axis}, alpha = {self.alpha.value:g}"

    def snapshot_png(self) -> bytes:
        """A static picture of the explorer's present state (start, picture, the classifier's bars), as PNG bytes."""
        from gmtutor.tools import plot

        probabilities = self.classifier.predict_proba(self.current_image())[0]
        highlight = {self.start_digit.value: "start"}
        if self._on_pair_axis():
            highlight = {**highlight, self.from_digit.value: "from b", self.to_digit.value: "to a"}
        return plot.explorer_snapshot(
            self._start_image,
            self.current_image(),
            probabilities,
            highlight=highlight,
            title=self.describe(),
        )

    def _ipython_display_(self) -> None:
        show_with_picture(self.widget, self.snapshot_png(), TEXT_FALLBACK)


def interpolation_explorer(
    models: dict[str, nn.Module],
    data: MNIST,
    classifier: DigitClassifier | None = None,
    start_digit: int = 7,
    axis: tuple[int, int] = (6, 0),
) -> InterpolationExplorer:
    """The live alpha-slider explorer for ``models`` (name -> model with encode/decode) on ``data``.

    It starts on the seed experiment, a test ``start_digit`` moved along ``axis`` = (b, a), from b to a.
    """
    return InterpolationExplorer(models, data, classifier, start_digit=start_digit, axis=axis)


def course_explorer(data: MNIST | None = None, progress: bool = False) -> InterpolationExplorer:
    """The explorer of notebook 05 and ``gmtutor app``: the cached 20-d VAE and BiGAN, and raw pixels.

    Models that are not cached yet are trained first. Centroids and test digits come from
    ``data.per_class(400, 100)``, the embedded subset's sizes, so it opens as fast on full MNIST.
    """
    from gmtutor import zoo
    from gmtutor.core.data import load_mnist
    from gmtutor.tools.latent import PixelSpace

    data = data if data is not None else load_mnist()
    models = {
        "VAE 20-d": zoo.get("vae-20d", data, progress=progress),
        "BiGAN": zoo.get("bigan", data, progress=progress),
        "pixels (NB means)": PixelSpace(),
    }
    return interpolation_explorer(models, data.per_class(400, 100))
