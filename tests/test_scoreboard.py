"""The scoreboard puts every family on one table: what each row holds, and that the scores can tell models apart."""

import numpy as np
import pytest
import torch

import gmtutor as gm
from gmtutor.models.classifier import DigitCNN
from gmtutor.tools.latent import PixelSpace
from gmtutor.tools.scoreboard import draw_samples, floor_row, format_scoreboard, likelihood, score_model


@pytest.fixture(scope="module")
def setting():
    data = gm.load_mnist("embedded").per_class(100, 20)
    judge = DigitCNN()
    gm.fit(judge, data, steps=150, batch_size=64, device="cpu", progress=False, seed=0)
    return data, judge


def test_samples_are_drawn_alike_from_a_torch_model_and_from_naive_bayes():
    data = gm.load_mnist("embedded").per_class(50, 1)
    nb = gm.GaussianNB().fit(gm.classifiers.pixels(data.x_train), data.y_train)
    for model in (nb, gm.VAE(latent_dim=2, hidden=(8,))):
        samples = draw_samples(model, 1500, batch_size=1000)
        assert samples.shape == (1500, 1, 28, 28) and samples.min() >= 0 and samples.max() <= 1
        assert torch.equal(samples, draw_samples(model, 1500, batch_size=1000))  # seeded
        assert not torch.equal(samples[:500], samples[1000:])  # each batch draws anew


def test_each_family_gets_the_columns_it_can_fill(setting):
    data, judge = setting
    nb = gm.GaussianNB().fit(gm.classifiers.pixels(data.x_train), data.y_train)
    vae, gan = gm.VAE(latent_dim=4, hidden=(32,)), gm.GAN(latent_dim=8)
    gm.fit(vae, data, steps=50, device="cpu", progress=False, seed=0)
    rows = [floor_row(data, judge)]
    rows += [score_model(name, model, data, judge, n_samples=300, k=10)
             for name, model in {"NB": nb, "VAE": vae, "GAN": gan}.items()]  # fmt: skip
    floor, nb_row, vae_row, gan_row = rows
    assert floor["sample FD"] < vae_row["sample FD"] and floor["sample FD"] < gan_row["sample FD"]
    assert nb_row["likelihood"] == "exact density" and np.isfinite(nb_row["NLL bits/dim"])
    assert vae_row["NLL nats"] <= vae_row["-ELBO nats"]  # the importance-weighted bound is the tighter one
    assert gan_row["likelihood"] == "none" and "imagination FD" not in gan_row  # no likelihood, no encoder
    assert 0 <= vae_row["imagination target rate"] <= 1 and vae_row["parameters"] > 0
    assert "imagination FD" not in nb_row and nb_row["parameters"] == 2 * 10 * 784 + 10
    moved_in_pixels = score_model("NB", nb, data, judge, n_samples=300, k=10, space=PixelSpace())
    assert 0 <= moved_in_pixels["imagination target rate"] <= 1  # its class means: the pixel baseline's centroids
    table = format_scoreboard(rows)
    assert table.count("\n") == len(rows) + 1 and "| GAN | none | – |" in table
    costs = format_scoreboard(rows, part="imagination and cost")
    assert "floor" not in costs and costs.splitlines()[0].count("|") == 9  # eight columns, no floor row
    with pytest.raises(ValueError, match="unknown part"):
        format_scoreboard(rows, part="everything")


def test_novelty_columns_catch_the_copier_and_pass_an_untrained_generator(setting):
    from gmtutor.tools.retrieval import StyleRetrieval

    data, judge = setting
    copier = score_model("copier", StyleRetrieval(data), data, judge, n_samples=300, k=10)
    noise = score_model("GAN", gm.GAN(latent_dim=8), data, judge, n_samples=300, k=10)
    assert copier["sample copies"] == 1.0 and copier["imagination copies"] == 1.0
    assert copier["sample FD"] < noise["sample FD"] and copier["sample coverage"] > noise["sample coverage"]
    assert copier["imagination target rate"] > 0.5 and copier["parameters"] == 0
    assert noise["sample copies"] == 0.0 and noise["sample distance ratio"] > 1  # new, and nothing like a digit
    assert 0 < copier["sample FD ±"] < copier["sample FD"] and 0 < copier["imagination FD ±"] < copier["imagination FD"]
    novelty_part = format_scoreboard([copier, noise], part="variety and novelty")
    assert "| copier |" in novelty_part and "100.0%" in novelty_part


def test_an_autoregressive_model_is_scored_on_completions_and_an_exact_probability(setting):
    data, judge = setting
    torch.manual_seed(0)
    pixelcnn = gm.PixelCNN(channels=8, layers=2)
    row = score_model("PixelCNN", pixelcnn, data, judge, n_samples=20, k=10, imagination_data=data.per_class(test=2))
    assert row["likelihood"] == "exact probability" and np.isfinite(row["NLL bits/dim"])
    assert "imagination FD" not in row  # no code to move
    assert 0 <= row["completion read right"] <= 1 and row["completion FD"] > 0  # 2 digits of each class completed
    table = format_scoreboard([floor_row(data, judge), row], part="completion")
    assert "floor" not in table and "| PixelCNN |" in table
    binary = likelihood(gm.PixelCNN(channels=8, layers=2, levels=2), data.x_test[:4])
    assert binary["likelihood"] == "exact probability, 2 greys"
    assert binary["NLL bits/dim"] < 2  # about 1 bit untrained, where 256 greys cost about 8
