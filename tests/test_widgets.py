"""The alpha-slider explorer builds and reacts to slider changes without a browser."""

import gmtutor as gm
from gmtutor.latent import PixelSpace
from gmtutor.widgets import interpolation_explorer, png_bytes


def small_data():
    return gm.load_mnist("embedded").subset(500, 200)


def test_explorer_redraws_when_alpha_moves():
    data = small_data()
    gm.seed_everything(0)
    explorer = interpolation_explorer({"vae": gm.VAE(latent_dim=4, hidden=(32,)), "pixels": PixelSpace()}, data)
    first = bytes(explorer.picture.value)
    assert bytes(first).startswith(b"\x89PNG")
    explorer.alpha.value = 1.5
    assert bytes(explorer.picture.value) != bytes(first)
    assert abs(sum(bar.value for bar in explorer.bars) - 1.0) < 1e-4


def test_explorer_follows_model_and_digit_choices():
    data = small_data()
    explorer = interpolation_explorer({"pixels": PixelSpace()}, data)
    explorer.source.value = "centroid of b"
    explorer.from_digit.value, explorer.to_digit.value = 6, 0
    explorer.alpha.value = 0.0
    six = explorer.bars[6].value
    explorer.alpha.value = 1.0  # the pixel axis ends exactly at the 0s' mean image
    assert explorer.bars[0].value > 0.5 and six > 0.5
    assert explorer.bars[0].bar_style == "success" and explorer.bars[6].bar_style == "info"


def test_png_bytes_scale_up():
    import io

    from PIL import Image

    picture = Image.open(io.BytesIO(png_bytes(gm.as_images(small_data().x_test[:1]), size=84)))
    assert picture.size == (84, 84)
