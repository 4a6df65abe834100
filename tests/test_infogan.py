"""InfoGAN's codes and Q, and the matched accuracy that scores clusters found without labels."""

import numpy as np
import pytest
import torch

import gmtutor as gm
from gmtutor.tools.clusters import best_matching, matched_accuracy


def test_matched_accuracy_ignores_what_the_clusters_are_called():
    classes = np.array([0, 0, 1, 1, 2, 2, 2])
    renamed = np.array([2, 2, 0, 0, 1, 1, 1])
    assert matched_accuracy(classes, renamed) == 1.0
    assert best_matching(classes, renamed) == {2: 0, 0: 1, 1: 2}
    one_wrong = np.array([2, 2, 0, 0, 1, 1, 0])
    assert matched_accuracy(classes, one_wrong) == pytest.approx(6 / 7)
    assert matched_accuracy(classes, np.zeros(7, dtype=int)) == pytest.approx(3 / 7)  # one cluster: the largest class
    with pytest.raises(ValueError, match="shape"):
        matched_accuracy(classes, renamed[:3])


def test_codes_put_the_chosen_category_and_styles_where_split_finds_them():
    model = gm.InfoGAN(noise_dim=5, categories=4, continuous=2, hidden=(16,), d_hidden=(16,))
    category, styles = torch.tensor([3, 0, 2]), torch.tensor([[0.5, -1.0], [0.0, 0.2], [1.0, 1.0]])
    noise, found, continuous = model.split(model.codes(category, styles))
    assert noise.shape == (3, 5) and torch.equal(found, category) and torch.equal(continuous, styles)
    drawn = model.prior(2000, generator=torch.Generator().manual_seed(0))
    _, categories, continuous = model.split(drawn)
    assert torch.bincount(categories, minlength=4).min() > 400  # uniform over the 4 categories
    assert continuous.min() >= -1 and continuous.max() <= 1 and continuous.std() > 0.5
    assert model.sample(3).shape == (3, 1, 28, 28)


def test_the_information_loss_is_the_weighted_sum_of_its_parts():
    torch.manual_seed(0)
    model = gm.InfoGAN(noise_dim=4, categories=3, continuous=1, hidden=(8,), d_hidden=(8,), continuous_weight=0.5)
    inputs = model.prior(6)
    parts = model.information_loss(model.decode(inputs), inputs)
    assert parts["info"].item() == pytest.approx(
        parts["q_cross_entropy"].item() + 0.5 * parts["q_squared_error"].item()
    )


def test_bad_settings_are_refused():
    for kwargs, word in (
        ({"categories": 1}, "categories"),
        ({"info_weight": -1}, "info_weight"),
        ({"d_hidden": ()}, "d_hidden"),
        ({"shared": 0}, "shared"),
        ({"noise_scale": 0}, "noise_scale"),
        ({"clustering_weight": -0.5}, "clustering_weight"),
    ):
        with pytest.raises(ValueError, match=word):
            gm.InfoGAN(**kwargs)


def test_a_short_run_makes_the_code_readable():
    """After a short run, Q reads the category of G's images far better than chance: the code shows."""
    data = gm.load_mnist("embedded").subset(1000)
    gm.seed_everything(0)
    model = gm.InfoGAN(architecture="conv", width=8, shared=64, g_lr_scale=5.0, q_lr_scale=5.0)
    history = gm.fit(
        model, data, steps=300, batch_size=64, lr=2e-4, progress=False, log_every=100, device="cpu", seed=0
    )
    assert history["q_cross_entropy"][-1] < 0.5 * history["q_cross_entropy"][0], history["q_cross_entropy"]
    category = torch.arange(10).repeat(20)
    with torch.no_grad():
        images = model.decode(model.codes(category, torch.zeros(200, 2), generator=torch.Generator().manual_seed(1)))
        read = model.category(images)
    assert (read == category).float().mean() > 0.5


def test_d_trains_the_trunk_and_the_information_loss_trains_g_and_q():
    """The reference split: D's optimiser holds the trunk and D's head; G's holds G and Q's head at Q's own rate."""
    model = gm.InfoGAN(
        noise_dim=4, categories=3, continuous=1, architecture="conv", width=4, shared=8, g_lr_scale=2.0, q_lr_scale=3.0
    )
    opt_d, opt_g = model.configure_optimizers(1e-3)
    d_side = {id(p) for group in opt_d.param_groups for p in group["params"]}
    assert d_side == {id(p) for p in [*model.trunk.parameters(), *model.real_head.parameters()]}
    rate = {id(p): group["lr"] for group in opt_g.param_groups for p in group["params"]}
    assert all(rate[id(p)] == pytest.approx(3e-3) for p in model.code_head.parameters())
    assert all(rate[id(p)] == pytest.approx(2e-3) for p in model.generator.parameters())
    x = torch.rand(8, 1, 28, 28)
    made = model._generated(x)
    model._discriminator_half(x, made)["d_loss"].backward()  # D's loss: real against fake, no information term
    assert all(p.grad is None for p in model.code_head.parameters())
    assert all(p.grad is not None for p in model.trunk.parameters())


def test_q_with_discriminator_puts_q_on_ds_side():
    """The paper's code's split: D's step also lowers the information loss (Q's head and the trunk learn it);
    G's optimiser holds G alone."""
    model = gm.InfoGAN(
        noise_dim=4,
        categories=3,
        continuous=1,
        architecture="conv",
        width=4,
        shared=8,
        g_lr_scale=2.0,
        q_lr_scale=3.0,
        q_with_discriminator=True,
    )
    opt_d, opt_g = model.configure_optimizers(1e-3)
    rate = {id(p): group["lr"] for group in opt_d.param_groups for p in group["params"]}
    assert all(rate[id(p)] == pytest.approx(3e-3) for p in model.code_head.parameters())
    assert all(rate[id(p)] == pytest.approx(1e-3) for p in model.trunk.parameters())
    assert {id(p) for group in opt_g.param_groups for p in group["params"]} == {
        id(p) for p in model.generator.parameters()
    }
    assert {id(p) for p in model.discriminator_parameters()} == set(rate)  # G's step leaves all of them alone
    x = torch.rand(8, 1, 28, 28)
    made = model._generated(x)
    model._discriminator_half(x, made)["d_loss"].backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.code_head.parameters())
    assert all(p.grad is None for p in model.generator.parameters())  # the fakes were detached


def test_noise_scale_sets_the_spread_of_the_noise_alone():
    model = gm.InfoGAN(noise_dim=8, categories=3, continuous=2, hidden=(8,), d_hidden=(8,), noise_scale=0.3)
    noise, _, continuous = model.split(model.prior(4000, generator=torch.Generator().manual_seed(0)))
    assert noise.std().item() == pytest.approx(0.3, rel=0.05)
    assert continuous.abs().max().item() > 0.95  # the continuous codes keep their range [-1, 1]


def test_the_clustering_anchor_enters_ds_loss_and_gs():
    """With clustering_weight, D's loss gains the two-view term on real digits (the trunk's gradient changes),
    and G's step subtracts the same term, on D's detached views, from its loss (Q's head learns it there)."""
    settings = {"noise_dim": 4, "categories": 3, "continuous": 1, "architecture": "conv", "width": 4, "shared": 8}
    torch.manual_seed(0)
    plain = gm.InfoGAN(**settings)
    anchored = gm.InfoGAN(**settings, clustering_weight=2.0)
    anchored.load_state_dict(plain.state_dict())
    x = torch.rand(16, 1, 28, 28)
    made = {key: value.detach() for key, value in plain._generated(x).items()}
    trunk_grads = []
    for model in (plain, anchored):
        model.zero_grad()
        model._discriminator_half(x, made)["d_loss"].backward()
        trunk_grads.append(next(model.trunk.parameters()).grad.clone())
    assert not torch.allclose(trunk_grads[0], trunk_grads[1])
    views = made["views"]
    assert len(views) == 2 and views[0].shape[0] == 16 and not views[0].requires_grad
    parts = anchored._generator_half(x, made)
    expected = parts["g_loss"] + parts["info"] - 2.0 * parts["two_view_information"]
    assert parts["loss"].item() == pytest.approx(expected.item(), abs=1e-5)
