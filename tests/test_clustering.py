"""Two-view clustering (IIC): the mutual information between the categories of two distorted views."""

import numpy as np
import pytest
import torch
from sklearn.metrics import mutual_info_score

import gmtutor as gm
from gmtutor.models.clustering import distort, two_view_information


def sure(labels: torch.Tensor, categories: int) -> torch.Tensor:
    """Logits that put (nearly) all probability on ``labels``."""
    return 40.0 * torch.nn.functional.one_hot(labels, categories).float()


def test_the_information_of_sure_categories_is_sklearns_mutual_information():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 4, 500)
    b = np.where(rng.random(500) < 0.7, a, rng.integers(0, 4, 500))  # the second view agrees 70% of the time
    ours = two_view_information(sure(torch.tensor(a), 4), sure(torch.tensor(b), 4)).item()
    both_ways = mutual_info_score(np.concatenate([a, b]), np.concatenate([b, a]))  # the symmetric joint
    assert ours == pytest.approx(both_ways, abs=1e-4)
    assert ours > 0.3


def test_agreeing_balanced_views_give_log_k_and_one_category_gives_nothing():
    labels = torch.arange(5).repeat(20)
    assert two_view_information(sure(labels, 5), sure(labels, 5)).item() == pytest.approx(np.log(5), abs=1e-4)
    one = torch.zeros(100, dtype=torch.long)
    assert two_view_information(sure(one, 5), sure(one, 5)).item() == pytest.approx(0.0, abs=1e-4)
    with pytest.raises(ValueError, match="one shape"):
        two_view_information(torch.zeros(4, 5), torch.zeros(4, 3))


def test_a_distortion_moves_a_digit_a_little_and_keeps_its_ink():
    images = gm.as_images(gm.load_mnist("embedded").x_test[:200])
    moved = distort(images, torch.Generator().manual_seed(0))
    assert moved.shape == images.shape and not torch.allclose(moved, images)
    grid = torch.arange(28.0)

    def centre(x: torch.Tensor) -> torch.Tensor:
        ink = x.sum((1, 2, 3))
        return torch.stack([(x.sum(3).squeeze(1) * grid).sum(1) / ink, (x.sum(2).squeeze(1) * grid).sum(1) / ink], 1)

    assert (centre(moved) - centre(images)).norm(dim=1).max() < 4.0  # pixels
    ratio = moved.sum((1, 2, 3)) / images.sum((1, 2, 3))
    assert ratio.min() > 0.7 and ratio.max() < 1.3


def test_training_on_two_views_raises_their_information_on_unseen_digits():
    """A small network trained only to agree on two views of each digit learns categories that held-out
    digits' two views share: their mutual information rises well above the untrained network's."""
    data = gm.load_mnist("embedded")
    gm.seed_everything(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 4, 2, 1),
        torch.nn.ReLU(),
        torch.nn.Conv2d(16, 32, 4, 2, 1),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(32 * 7 * 7, 10),
    )
    optimizer = torch.optim.Adam(net.parameters(), 1e-3)
    train, test = gm.as_images(data.x_train), gm.as_images(data.x_test)

    def held_out() -> float:
        with torch.no_grad():
            views = torch.Generator().manual_seed(1)
            return two_view_information(net(distort(test, views)), net(distort(test, views))).item()

    before = held_out()
    for _ in range(120):
        batch = train[torch.randint(len(train), (128,))]
        loss = -two_view_information(net(distort(batch)), net(distort(batch)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    after = held_out()
    assert after > before + 0.2, (before, after)
