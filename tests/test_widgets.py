"""The alpha-slider explorer, driven without a browser: the seed experiment (a test 7 along 6 -> 0) and its controls."""

import io

import torch
from PIL import Image

import gmtutor as gm
from gmtutor.tools.latent import PixelSpace, class_centroids
from gmtutor.tools.widgets import TEXT_FALLBACK, interpolation_explorer, png_bytes


def small_data():
    return gm.load_mnist("embedded").subset(500, 200)


def test_explorer_starts_on_a_test_seven_moved_along_six_to_zero():
    data = small_data()
    explorer = interpolation_explorer({"pixels": PixelSpace()}, data)
    assert (explorer.start_digit.value, explorer.from_digit.value, explorer.to_digit.value) == (7, 6, 0)
    sevens = data.x_test[data.y_test == 7]
    # Pixel space encodes and decodes by the identity, so alpha 0 shows the first test 7 itself ...
    assert torch.allclose(explorer.current_image(), gm.as_images(sevens[:1]))
    # ... and alpha 1 shows that 7 plus the difference of the 0s' and the 6s' mean images, clipped to [0, 1].
    explorer.alpha.value = 1.0
    means = class_centroids(PixelSpace(), data.x_train, data.y_train)
    expected = (gm.as_images(sevens[:1]).reshape(1, -1) + means[0] - means[6]).clamp(0, 1)
    assert torch.allclose(explorer.current_image().reshape(1, -1), expected, atol=1e-6)
    assert "test 7 #0 moved along 6 → 0, alpha = 1" in explorer.describe()


def test_start_and_axis_are_chosen_separately():
    data = small_data()
    explorer = interpolation_explorer({"pixels": PixelSpace()}, data)
    explorer.alpha.value = 1.0
    moved_seven = explorer.current_image()
    explorer.from_digit.value, explorer.to_digit.value = 1, 8  # a new axis keeps the 7 as the start
    assert explorer.start_digit.value == 7 and not torch.allclose(explorer.current_image(), moved_seven)
    explorer.index.value = 3  # another test 7
    fourth_seven = data.x_test[data.y_test == 7][3:4]
    assert torch.equal(explorer._start_image, gm.as_images(fourth_seven))
    explorer.source.value = "centroid"  # the centroid of the start digit, along the same axis
    explorer.alpha.value = 0.0
    means = class_centroids(PixelSpace(), data.x_train, data.y_train)
    assert torch.allclose(explorer.current_image().reshape(-1), means[7].clamp(0, 1))
    assert explorer.index.disabled
    styles = [bar.bar_style for bar in explorer.bars]
    assert styles[8] == "success" and styles[1] == "info" and styles[7] == "warning"


def test_explorer_redraws_when_alpha_moves_in_a_learned_space():
    data = small_data()
    gm.seed_everything(0)
    explorer = interpolation_explorer({"vae": gm.VAE(latent_dim=4, hidden=(32,)), "pixels": PixelSpace()}, data)
    first = bytes(explorer.picture.value)
    assert first.startswith(b"\x89PNG")
    explorer.alpha.value = 1.5
    assert bytes(explorer.picture.value) != first
    assert abs(sum(bar.value for bar in explorer.bars) - 1.0) < 1e-4
    explorer.model.value = "pixels"
    assert explorer.describe().startswith("pixels:")


def test_one_output_carries_the_live_widget_and_its_picture_for_a_page_without_a_kernel(monkeypatch):
    import base64

    data = small_data()
    explorer = interpolation_explorer({"pixels": PixelSpace()}, data)
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kwargs: shown.append((obj, kwargs)))
    explorer._ipython_display_()
    ((bundle, raw),) = shown  # one output: no second, stale picture under the live widget
    assert raw == {"raw": True} and bundle["text/plain"] == TEXT_FALLBACK
    assert "application/vnd.jupyter.widget-view+json" in bundle
    snapshot = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert snapshot.format == "PNG" and snapshot.size[0] > 400


def test_the_pictures_keep_their_size_inside_the_explorers_rows():
    explorer = interpolation_explorer({"pixels": PixelSpace()}, small_data())
    for picture, side in ((explorer.picture, explorer.size), (explorer.start_picture, explorer.size // 2)):
        assert (picture.layout.width, picture.layout.height) == (f"{side}px", f"{side}px")
        assert picture.layout.align_self == "flex-start" and picture.layout.object_fit == "contain"


def test_bad_digits_are_refused():
    import pytest

    with pytest.raises(ValueError, match="start_digit must be a digit 0-9, got 12"):
        interpolation_explorer({"pixels": PixelSpace()}, small_data(), start_digit=12)


def test_png_bytes_scale_up():
    picture = Image.open(io.BytesIO(png_bytes(gm.as_images(small_data().x_test[:1]), size=84)))
    assert picture.size == (84, 84)


def test_the_course_explorer_uses_the_cached_models_on_the_subset_sizes(tmp_path, monkeypatch):
    monkeypatch.setenv("GMTUTOR_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GMTUTOR_QUICK", "1")
    data = gm.load_mnist("embedded")
    bigger = gm.MNIST(
        torch.cat([data.x_train] * 2), torch.cat([data.y_train] * 2), data.x_test, data.y_test, "embedded"
    )
    explorer = gm.widgets.course_explorer(bigger)
    assert list(explorer.models) == ["VAE 20-d", "BiGAN", "pixels (NB means)"]
    assert len(explorer.data.x_train) == 4000  # 400 per digit, however large the training set
    assert explorer.describe().startswith("VAE 20-d: test 7 #0 moved along 6 → 0")
    assert len(gm.zoo.cached()) == 2  # both models were trained into the cache, and are loaded from it next time


def test_a_style_axis_moves_the_digit_towards_thicker_strokes():
    from gmtutor.tools.morphometry import measure

    data = small_data()
    explorer = interpolation_explorer({"pixels": PixelSpace()}, data)
    explorer.axis_kind.value = "thin → thick"
    assert explorer.from_digit.disabled and explorer.to_digit.disabled
    before = explorer.current_image()
    explorer.alpha.value = 1.5
    after = explorer.current_image()
    assert measure(after)["thickness"][0] > measure(before)["thickness"][0]
    assert "moved along thin → thick, alpha = 1.5" in explorer.describe()
    assert [bar.bar_style for bar in explorer.bars].count("warning") == 1  # only the start digit is marked
    explorer.axis_kind.value = "digit b → a"
    assert not explorer.from_digit.disabled
