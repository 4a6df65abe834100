"""RealNVP and the 2-d PointFlow: exact log-determinants, exact inverses, and learning."""

import math

import pytest
import torch

import gmtutor as gm
from gmtutor.models.flow import channel_mask, checkerboard_mask, squeeze, unsqueeze
from gmtutor.tools.latent import class_centroids, manipulate


def _shake(model: torch.nn.Module, scale: float, seed: int = 0) -> torch.nn.Module:
    """Move every weight off its start (the last layers start at zero, so a fresh flow is the identity)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=generator, dtype=p.dtype) * scale)
    return model.eval()


@pytest.fixture(scope="module")
def digits() -> torch.Tensor:
    return gm.as_images(gm.load_mnist("embedded").x_test[:32])


def test_squeeze_turns_each_2x2_block_into_four_channels_and_back():
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    squeezed = squeeze(x)
    assert squeezed.shape == (1, 4, 2, 2)
    assert squeezed[0, :, 0, 0].tolist() == [0.0, 1.0, 4.0, 5.0]  # the top-left block
    y = torch.randn(3, 2, 6, 8)
    assert torch.equal(unsqueeze(squeeze(y)), y)


def test_masks_alternate():
    board = checkerboard_mask(4, 4, 0)[0, 0]
    assert board[0, 0] == 1 and board[0, 1] == 0 and board[1, 0] == 0 and board.sum() == 8
    assert torch.equal(checkerboard_mask(4, 4, 1)[0, 0], 1 - board)
    assert channel_mask(4, 0).flatten().tolist() == [1.0, 1.0, 0.0, 0.0]
    assert channel_mask(4, 1).flatten().tolist() == [0.0, 0.0, 1.0, 1.0]


def test_point_flow_log_det_matches_the_brute_force_jacobian():
    torch.manual_seed(0)
    flow = _shake(gm.PointFlow(dim=4, couplings=4, hidden=8).double(), 0.3)
    x = torch.randn(5, 4, dtype=torch.float64)
    _, logdet = flow.forward_with_logdet(x)
    for i in range(len(x)):
        jacobian = torch.autograd.functional.jacobian(lambda p: flow.encode(p.unsqueeze(0))[0], x[i])
        assert logdet[i].item() == pytest.approx(torch.linalg.slogdet(jacobian)[1].item(), abs=1e-9)
    assert logdet.abs().max() > 0.1  # a real test: the map is far from volume-preserving


@pytest.mark.parametrize("full_resolution", [0, 2])
def test_real_nvp_log_prob_matches_the_brute_force_jacobian(digits, full_resolution):
    """log p(x) = log N(f(y)) + log|det df/dy| - 784 log 256, with f everything from grey levels to codes."""
    flow = _shake(gm.RealNVP(hidden=4, blocks=1, steps=2, full_resolution=full_resolution).double(), 0.05)
    x = digits[:1].double()
    y = (x * 255 + 0.5) / 256  # the noise-free grey levels that encode uses

    def to_code(flat_y: torch.Tensor) -> torch.Tensor:
        u, _ = flow._logit(flat_y.reshape(1, 1, 28, 28))
        return flow._flow(u)[0][0]

    for i in range(len(x)):
        jacobian = torch.autograd.functional.jacobian(to_code, y[i].reshape(-1), vectorize=True)
        z = to_code(y[i].reshape(-1))
        expected = -0.5 * (z.pow(2) + math.log(2 * math.pi)).sum() + torch.linalg.slogdet(jacobian)[1]
        expected = expected - 784 * math.log(256)
        got = flow.log_prob(x[i : i + 1], dequantize=False)[0]
        assert got.item() == pytest.approx(expected.item(), abs=1e-3)
    _, flow_logdet = flow._flow(flow._logit(y)[0])
    assert flow_logdet.abs().min() > 1.0  # the couplings themselves change volume


@pytest.mark.parametrize("full_resolution", [0, 2])
def test_real_nvp_is_exactly_invertible_in_float32(digits, full_resolution):
    torch.manual_seed(0)
    flow = _shake(gm.RealNVP(hidden=16, blocks=1, steps=4, full_resolution=full_resolution), 0.05)
    z = flow.encode(digits)
    assert z.shape == (len(digits), 784)
    u, _ = flow._logit(flow._unit_interval(digits, dequantize=False))
    assert (z - u.flatten(1)).abs().mean() > 0.1  # far from the identity
    assert (flow.decode(z) - digits).abs().max().item() < 1e-4


def test_point_flow_is_invertible():
    flow = _shake(gm.PointFlow(dim=2, couplings=6, hidden=16), 0.3)
    x = torch.randn(100, 2)
    assert (flow.decode(flow.encode(x)) - x).abs().max().item() < 1e-4


def test_bits_per_dim_is_the_negative_log2_likelihood_per_pixel(digits):
    flow = gm.RealNVP(hidden=4, steps=1)
    nats = flow.log_prob(digits, dequantize=False)
    assert torch.allclose(flow.bits_per_dim(digits, dequantize=False), -nats / (784 * math.log(2)))
    torch.manual_seed(1)
    noisy = flow.bits_per_dim(digits)
    assert not torch.allclose(noisy, flow.bits_per_dim(digits, dequantize=False))  # dequantisation adds noise


def test_a_short_run_lowers_bits_per_dim():
    data = gm.load_mnist("embedded").subset(600)
    flow = gm.RealNVP(hidden=16, blocks=1, steps=2)
    torch.manual_seed(0)
    before = flow.bits_per_dim(gm.as_images(data.x_test[:500])).mean().item()
    history = gm.fit(flow, data, epochs=2, batch_size=64, lr=1e-3, progress=False, device="cpu", seed=0)
    assert history["test_loss"][-1] < before - 1.0, (before, history["test_loss"])
    assert history["loss"][-1] < history["loss"][0]


def test_point_flow_learns_two_moons():
    from sklearn.datasets import make_moons

    points = torch.tensor(make_moons(1200, noise=0.05, random_state=0)[0], dtype=torch.float32)
    train, held_out = points[:1000], points[1000:]
    flow = gm.PointFlow(dim=2, couplings=6, hidden=32)
    before = flow.log_prob(held_out).mean().item()
    gm.fit(flow, train, epochs=30, batch_size=100, lr=3e-3, progress=False, device="cpu", seed=0)
    after = flow.log_prob(held_out).mean().item()
    assert after > before + 1.0, (before, after)


def test_sampling_and_temperature():
    flow = _shake(gm.RealNVP(hidden=4, steps=2), 0.02)
    images = flow.sample(6, temperature=0.7, generator=torch.Generator().manual_seed(0))
    assert images.shape == (6, 1, 28, 28) and images.min() >= 0 and images.max() <= 1
    cold = flow.sample(2, temperature=0.0)
    assert torch.equal(cold[0], cold[1])  # temperature 0: the code 0, the same image every time


def test_flow_checkpoint_round_trip(tmp_path, digits):
    flow = _shake(gm.RealNVP(hidden=8, steps=2), 0.05)
    path = gm.save(flow, tmp_path / "flow.pt")
    loaded = gm.load(path).eval()
    assert isinstance(loaded, gm.RealNVP) and loaded.config == flow.config
    assert torch.equal(loaded.encode(digits), flow.encode(digits))


def test_flow_plugs_into_the_latent_tools(digits):
    data = gm.load_mnist("embedded")
    flow = _shake(gm.RealNVP(hidden=8, steps=2), 0.05)
    centroids = class_centroids(flow, data.x_train[:500], data.y_train[:500])
    assert centroids.shape == (10, 784)
    images = manipulate(flow, digits[:4], centroids[0] - centroids[6], [0.0, 1.0])
    assert images.shape == (4, 2, 1, 28, 28)
    assert (images[:, 0] - digits[:4]).abs().max() < 1e-4  # alpha 0 gives the digit back
    assert (images[:, 1] - digits[:4]).abs().max() > 0.1


@pytest.mark.parametrize(
    "kwargs", [{"hidden": 0}, {"steps": 0}, {"blocks": -1}, {"full_resolution": -1}, {"alpha": 0.5}, {"alpha": -0.1}]
)
def test_bad_settings_are_refused_with_the_value(kwargs):
    with pytest.raises(ValueError, match=str(list(kwargs.values())[0])):
        gm.RealNVP(**kwargs)


def test_flow_drives_the_alpha_explorer():
    data = gm.load_mnist("embedded").subset(500, 200)
    flow = _shake(gm.RealNVP(hidden=8, steps=2), 0.05)
    explorer = gm.widgets.interpolation_explorer({"RealNVP": flow}, data)
    before = explorer.picture.value
    explorer.alpha.value = 1.0
    assert explorer.picture.value != before and explorer.picture.value[:4] == b"\x89PNG"
