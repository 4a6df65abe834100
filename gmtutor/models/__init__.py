"""The course's models: torch modules with encode, decode and sample where they make sense."""

from gmtutor.models.gan import GAN, BiGAN
from gmtutor.models.naive_bayes import GaussianNB
from gmtutor.models.vae import VAE, kl_divergence

__all__ = ["GAN", "BiGAN", "GaussianNB", "VAE", "kl_divergence"]
