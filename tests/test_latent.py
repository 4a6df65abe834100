"""Latent tools on a toy model whose encoder and decoder are known linear maps."""

import pytest
import torch
from torch import nn

import gmtutor as gm
from gmtutor.tools.latent import (
    PixelSpace,
    class_centroids,
    digit_pairs,
    interpolation_vector,
    manipulate,
    pair_grid,
)


class LinearToy(nn.Module):
    """encode(x) = W x, decode(z) = W^T z: linear both ways, so centroids can be computed by hand."""

    def __init__(self, dim=3):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(dim, 784, generator=torch.Generator().manual_seed(0)) / 28)

    def encode(self, x):
        return gm.as_images(x).reshape(len(x), -1) @ self.weight.T

    def decode(self, z):
        return (z @ self.weight).reshape(len(z), 1, 28, 28)


@pytest.fixture(scope="module")
def toy_data():
    data = gm.load_mnist("embedded")
    return data.x_train[:600], data.y_train[:600]


def test_centroids_are_the_codes_of_the_class_means(toy_data):
    x, y = toy_data
    model = LinearToy()
    centroids = class_centroids(model, x, y)
    assert centroids.shape == (10, 3)
    for digit in (0, 4, 9):
        mean_image = gm.as_images(x[y == digit]).mean(0, keepdim=True)
        assert torch.allclose(centroids[digit], model.encode(mean_image)[0], atol=1e-5)


def test_interpolation_vector_points_from_b_to_a(toy_data):
    centroids = class_centroids(LinearToy(), *toy_data)
    vector = interpolation_vector(centroids, a=0, b=6)
    assert torch.allclose(centroids[6] + vector, centroids[0])


def test_manipulate_at_alpha_zero_is_the_reconstruction(toy_data):
    x, y = toy_data
    model = LinearToy()
    vector = interpolation_vector(class_centroids(model, x, y), a=0, b=6)
    sevens = x[y == 7][:5]
    moved = manipulate(model, sevens, vector, alphas=[0.0, 1.0, -0.5])
    assert moved.shape == (5, 3, 1, 28, 28)
    with torch.no_grad():
        codes = model.encode(sevens)
        assert torch.allclose(moved[:, 0], model.decode(codes), atol=1e-5)
        assert torch.allclose(moved[:, 1], model.decode(codes + vector), atol=1e-5)
        assert torch.allclose(moved[:, 2], model.decode(codes - 0.5 * vector), atol=1e-5)


def test_pair_grid_runs_from_b_to_a(toy_data):
    model = LinearToy()
    centroids = class_centroids(model, *toy_data)
    images, pairs = pair_grid(model, centroids, alphas=[0.0, 0.5, 1.0])
    assert len(pairs) == 45 and pairs == digit_pairs() and images.shape == (45, 3, 1, 28, 28)
    assert all(b < a for b, a in pairs)  # each pair (b, a) reads "from b to a"
    row = pairs.index((2, 7))  # from 2 (alpha 0) to 7 (alpha 1)
    with torch.no_grad():
        assert torch.allclose(images[row, 0], model.decode(centroids[2:3])[0], atol=1e-5)
        assert torch.allclose(images[row, 2], model.decode(centroids[7:8])[0], atol=1e-5)
        assert torch.allclose(images[row, 1], model.decode((centroids[2:3] + centroids[7:8]) / 2)[0], atol=1e-5)


def test_pixel_space_centroids_are_naive_bayes_means(toy_data):
    x, y = toy_data
    centroids = class_centroids(PixelSpace(), x, y)
    nb = gm.GaussianNB().fit(gm.as_images(x).reshape(len(x), -1).numpy(), y.numpy())
    assert torch.allclose(centroids, torch.as_tensor(nb.means_, dtype=torch.float32), atol=1e-5)


def test_centroids_need_every_class():
    x = torch.zeros(4, 28, 28, dtype=torch.uint8)
    with pytest.raises(ValueError, match="no images of class"):
        class_centroids(LinearToy(), x, torch.tensor([0, 1, 2, 3]))
