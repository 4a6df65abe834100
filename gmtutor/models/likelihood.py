"""Likelihoods of every family on one scale: negative log-likelihood of 8-bit digits, in nats and bits/dim.

The convention (the one flows report): a digit is 784 integers in 0..255. A model with a density p on
the unit cube [0, 1]^784 gives it the probability of the little cube of side 1/256 that the digit's
integers name, and uniform dequantisation (``u = (k + noise) / 256``) bounds that probability from
below: ``log P(k) >= E_noise[log p(u)] - 784 log 256``. The flow computes exactly this
(``RealNVP.log_prob``). Lower negative log-likelihood is better; bits/dim is nats / (784 ln 2). Each model
that has a likelihood gives it as ``model.nll(images)`` (nats per digit), computed by the functions here.

A VAE trained on grey levels as Bernoulli targets has no density on [0, 1]: the Bernoulli "likelihood"
of a grey pixel does not integrate to 1. Its numbers become comparable by reading the decoder's
output as a *continuous Bernoulli* (Loaiza-Ganem & Cunningham 2019), the Bernoulli formula times the
constant ``C(l) = l / tanh(l / 2)`` (logit ``l``) that makes it a density on [0, 1]. Then:

- ``vae_nll(vae, x, k=1)``: the negative ELBO under that density, an upper bound on -log p(u);
- ``vae_nll(vae, x, k=100)``: the importance-weighted bound of Burda et al. (2016), tighter as k grows.

Naive Bayes's class-conditional Gaussians are a density on pixels already (``naive_bayes_nll``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from gmtutor.core.data import PIXELS, as_images
from gmtutor.core.runtime import module_device

LOG_256 = math.log(256.0)


def nats_to_bits_per_dim(nats: float | torch.Tensor) -> float | torch.Tensor:
    """Negative log-likelihood of a digit in nats -> bits per pixel."""
    return nats / (PIXELS * math.log(2.0))


def dequantize(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """8-bit digits (uint8, or floats k/255) -> points u = (k + uniform noise) / 256 in the unit cube, (N, 784)."""
    levels = (as_images(images).reshape(len(images), PIXELS) * 255.0).round()
    noise = torch.rand(levels.shape, generator=generator, device=levels.device if generator is None else "cpu")
    return (levels + noise.to(levels.device)) / 256.0


def continuous_bernoulli_log_norm(logits: torch.Tensor) -> torch.Tensor:
    """log C for a continuous Bernoulli with these logits: log(l / tanh(l / 2)), log 2 at l = 0."""
    small = logits.abs() < 1e-3
    safe = torch.where(small, torch.ones_like(logits), logits)
    exact = torch.log(safe.abs()) - torch.log(torch.tanh(safe.abs() / 2))
    return torch.where(small, math.log(2.0) + logits.pow(2) / 12.0, exact)  # the series near 0


def continuous_bernoulli_log_prob(u: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """Log density of points u in [0, 1]^D under independent continuous Bernoullis, summed over D."""
    bernoulli = -F.binary_cross_entropy_with_logits(logits, u, reduction="none")
    return (bernoulli + continuous_bernoulli_log_norm(logits)).sum(-1)


@torch.no_grad()
def flow_nll(
    flow: torch.nn.Module, images: torch.Tensor, dequantize: bool = True, batch_size: int = 500, seed: int = 0
) -> torch.Tensor:
    """Per-digit negative log-likelihood (nats) of 8-bit digits under a flow (``RealNVP.log_prob``), in batches,
    with dequantisation noise of its own seed (the caller's random numbers are left as they were)."""
    device = module_device(flow)
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        parts = [
            -flow.log_prob(as_images(images[i : i + batch_size]).to(device), dequantize).cpu()
            for i in range(0, len(images), batch_size)
        ]
    return torch.cat(parts)


def flow_bits_per_dim(
    flow: torch.nn.Module, images: torch.Tensor, dequantize: bool = True, batch_size: int = 500, seed: int = 0
) -> float:
    """Mean bits/dim of ``images`` under a flow (``flow_nll`` in bits per pixel)."""
    return float(nats_to_bits_per_dim(flow_nll(flow, images, dequantize, batch_size, seed).mean()))


@torch.no_grad()
def vae_nll(
    vae: torch.nn.Module, images: torch.Tensor, k: int = 100, batch_size: int = 100, seed: int = 0
) -> torch.Tensor:
    """Per-digit upper bound on the negative log-likelihood (nats) of 8-bit digits under ``vae``, read as a
    continuous-Bernoulli density: the negative ELBO for ``k=1``, the importance-weighted bound for larger ``k``."""
    if k < 1:
        raise ValueError(f"k counts importance samples and must be at least 1, got {k}")
    generator = torch.Generator().manual_seed(seed)
    device = module_device(vae)
    was_training = vae.training
    vae.eval()
    bounds = []
    for start in range(0, len(images), batch_size):
        u = dequantize(images[start : start + batch_size], generator).to(device)
        mu, logvar = vae.posterior(u)
        std = torch.exp(0.5 * logvar)
        eps = torch.randn((k, *mu.shape), generator=generator).to(device)
        z = mu + std * eps  # (k, n, latent)
        logits = vae.decode_logits(z.reshape(-1, z.shape[-1])).reshape(k, len(u), PIXELS)
        log_px_z = continuous_bernoulli_log_prob(u.expand(k, -1, -1), logits)
        log_pz = -0.5 * (z.pow(2) + math.log(2 * math.pi)).sum(-1)
        log_qz_x = -0.5 * (eps.pow(2) + math.log(2 * math.pi) + logvar).sum(-1)
        log_weights = log_px_z + log_pz - log_qz_x  # (k, n)
        log_p_u = torch.logsumexp(log_weights, dim=0) - math.log(k)
        bounds.append((-(log_p_u) + PIXELS * LOG_256).cpu())
    vae.train(was_training)
    return torch.cat(bounds)


def naive_bayes_nll(nb: object, images: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """Per-digit negative log-likelihood (nats) of 8-bit digits under a fitted ``gm.GaussianNB`` on pixels in
    [0, 1]: the mixture over classes of its per-pixel Gaussians, at dequantised points. The Gaussians put
    some mass outside [0, 1], so this density is deficient there and the number is a fair upper bound."""
    u = dequantize(images, torch.Generator().manual_seed(seed)).double().numpy()
    return torch.from_numpy(-nb.log_prob(u) + PIXELS * LOG_256)
