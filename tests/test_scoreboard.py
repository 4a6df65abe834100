"""The scoreboard puts every family on one table: what each row holds, and that the scores can tell models apart."""

import numpy as np
import pytest

import gmtutor as gm
from gmtutor.models.classifier import DigitCNN
from gmtutor.tools.scoreboard import floor_row, format_scoreboard, naive_bayes_samples, score_model


@pytest.fixture(scope="module")
def setting():
    data = gm.load_mnist("embedded").per_class(100, 20)
    judge = DigitCNN()
    gm.fit(judge, data, steps=150, batch_size=64, device="cpu", progress=False)
    return data, judge


def test_naive_bayes_samples_come_in_the_prior_proportions():
    data = gm.load_mnist("embedded").per_class(50, 1)
    nb = gm.GaussianNB().fit(gm.classifiers.pixels(data.x_train), data.y_train)
    samples = naive_bayes_samples(nb, 1000)
    assert samples.shape == (1000, 1, 28, 28) and samples.min() >= 0 and samples.max() <= 1


def test_each_family_gets_the_columns_it_can_fill(setting):
    data, judge = setting
    nb = gm.GaussianNB().fit(gm.classifiers.pixels(data.x_train), data.y_train)
    vae, gan = gm.VAE(latent_dim=4, hidden=(32,)), gm.GAN(latent_dim=8)
    gm.fit(vae, data, steps=50, device="cpu", progress=False)
    rows = [floor_row(data, judge)]
    rows += [score_model(name, model, data, judge, n_samples=300, k=10)
             for name, model in {"NB": nb, "VAE": vae, "GAN": gan}.items()]  # fmt: skip
    floor, nb_row, vae_row, gan_row = rows
    assert floor["sample FD"] < vae_row["sample FD"] and floor["sample FD"] < gan_row["sample FD"]
    assert nb_row["likelihood"] == "exact density" and np.isfinite(nb_row["NLL bits/dim"])
    assert vae_row["NLL nats"] <= vae_row["-ELBO nats"]  # the importance-weighted bound is the tighter one
    assert gan_row["likelihood"] == "none" and "imagination FD" not in gan_row  # no likelihood, no encoder
    assert 0 <= vae_row["imagination target rate"] <= 1 and vae_row["parameters"] > 0
    table = format_scoreboard(rows)
    assert table.count("\n") == len(rows) + 1 and "| GAN | none | – |" in table
    costs = format_scoreboard(rows, part="imagination and cost")
    assert "floor" not in costs and costs.splitlines()[0].count("|") == 7  # six columns, no floor row
    with pytest.raises(ValueError, match="unknown part"):
        format_scoreboard(rows, part="everything")
