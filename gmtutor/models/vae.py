"""The variational autoencoder (Kingma & Welling, 2014): Gaussian encoder, Bernoulli decoder, N(0, I) prior.

``VAE`` uses the paper's MLPs; ``ConvVAE`` is the same model with small convolutional networks.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from gmtutor.core.data import IMAGE_SIDE, PIXELS
from gmtutor.models.base import LatentModel
from gmtutor.models.likelihood import vae_nll


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL( N(mu, diag(exp(logvar))) || N(0, I) ) in nats, one value per row.

    Closed form: 1/2 * sum_j ( mu_j^2 + sigma_j^2 - log sigma_j^2 - 1 ).
    """
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0).sum(dim=-1)


def kl_monte_carlo(
    mu: float, sigma: float, n_samples: int = 100_000, generator: torch.Generator | None = None
) -> tuple[float, float]:
    """Monte Carlo estimate of KL( N(mu, sigma^2) || N(0, 1) ) and its standard error.

    KL = E_q[ log q(z) - log p(z) ]: draw z from q and average the log ratio.
    """
    z = mu + sigma * torch.randn(n_samples, generator=generator, dtype=torch.float64)
    q = torch.distributions.Normal(torch.tensor(mu, dtype=torch.float64), torch.tensor(sigma, dtype=torch.float64))
    p = torch.distributions.Normal(torch.tensor(0.0, dtype=torch.float64), torch.tensor(1.0, dtype=torch.float64))
    log_ratio = q.log_prob(z) - p.log_prob(z)
    return log_ratio.mean().item(), log_ratio.std().item() / n_samples**0.5


def mlp(sizes: Sequence[int]) -> nn.Sequential:
    """Linear layers of the given sizes with ReLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=False)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class VariationalAutoencoder(LatentModel):
    """Encoder q(z|x) = N(mu(x), diag sigma^2(x)), decoder p(x|z) = Bernoulli(sigmoid(logits(z))), prior N(0, I).

    ``loss(x)`` is the negative ELBO per image, ``recon + beta * kl`` (beta = 1 is the true ELBO),
    with grey levels in [0, 1] as Bernoulli targets and one posterior sample per image.
    Subclasses supply ``encoder`` (784 pixels -> 2 * latent_dim numbers: mu, then log sigma^2)
    and ``decoder`` (latent_dim -> 784 logits).
    """

    encoder: nn.Module
    decoder: nn.Module
    likelihood = "bound"

    def __init__(self, latent_dim: int, beta: float):
        super().__init__()
        if latent_dim < 1:
            raise ValueError(f"latent_dim must be at least 1, got {latent_dim}")
        if beta < 0:
            raise ValueError(f"beta weights the KL term and cannot be negative, got {beta}")
        self.latent_dim = int(latent_dim)
        self.beta = float(beta)

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu, logvar) of q(z|x) for images x in [0, 1]."""
        mu, logvar = self.encoder(x.reshape(len(x), PIXELS)).chunk(2, dim=-1)
        return mu, logvar

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The posterior mean: the latent code used for maps and interpolation."""
        return self.posterior(x)[0]

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1], shaped (N, 1, 28, 28): the decoder's pixel means."""
        return torch.sigmoid(self.decode_logits(z)).reshape(len(z), 1, IMAGE_SIDE, IMAGE_SIDE)

    def nll(self, images: torch.Tensor, k: int = 100) -> torch.Tensor:
        """An upper bound on each 8-bit digit's negative log-likelihood (nats), the decoder read as a continuous
        Bernoulli density: the negative ELBO for ``k=1``, the importance-weighted bound with ``k`` samples."""
        return vae_nll(self, images, k=k)

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """z = mu + sigma * eps with eps ~ N(0, I): random, yet differentiable in mu and sigma."""
        return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Mean over the batch of: ``loss`` (the objective), ``recon`` (-log p(x|z)) and ``kl``, in nats per image."""
        mu, logvar = self.posterior(x)
        mu, logvar = mu.float(), logvar.float()
        logits = self.decode_logits(self.reparameterize(mu, logvar)).float()
        recon = F.binary_cross_entropy_with_logits(logits, x.reshape(len(x), PIXELS).float(), reduction="none").sum(1)
        kl = kl_divergence(mu, logvar)
        recon, kl = recon.mean(), kl.mean()
        return {"loss": recon + self.beta * kl, "recon": recon, "kl": kl}


class VAE(VariationalAutoencoder):
    """The VAE of Kingma & Welling (2014): MLP encoder 784-500-500 and its mirror-image decoder."""

    def __init__(self, latent_dim: int = 20, hidden: Sequence[int] = (500, 500), beta: float = 1.0):
        super().__init__(latent_dim, beta)
        self.encoder = mlp([PIXELS, *hidden, 2 * latent_dim])
        self.decoder = mlp([latent_dim, *reversed(hidden), PIXELS])


class ConvVAE(VariationalAutoencoder):
    """The same VAE with convolutional networks, which reuse one set of stroke detectors at every position.

    Encoder: two 4x4 convolutions with stride 2 (28 -> 14 -> 7 pixels; ``channels``, then
    2 * ``channels`` maps), a ``hidden``-unit layer, then mu and log sigma^2. The decoder mirrors
    it with transposed convolutions.
    """

    def __init__(self, latent_dim: int = 20, channels: int = 32, hidden: int = 256, beta: float = 1.0):
        super().__init__(latent_dim, beta)
        if channels < 1 or hidden < 1:
            raise ValueError(f"channels and hidden must be positive, got channels={channels}, hidden={hidden}")
        c, features = int(channels), 2 * int(channels) * 7 * 7
        self.encoder = nn.Sequential(
            nn.Unflatten(1, (1, IMAGE_SIDE, IMAGE_SIDE)),
            nn.Conv2d(1, c, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(c, 2 * c, 4, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(),
            nn.Linear(features, hidden), nn.ReLU(),
            nn.Linear(hidden, 2 * latent_dim),
        )  # fmt: skip
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, hidden), nn.ReLU(),
            nn.Linear(hidden, features), nn.ReLU(),
            nn.Unflatten(1, (2 * c, 7, 7)),
            nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(c, 1, 4, stride=2, padding=1),
            nn.Flatten(),
        )  # fmt: skip
