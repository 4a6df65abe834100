"""The course's models: torch modules with encode, decode and sample where they make sense."""

from gmtutor.models.flow import PointFlow, RealNVP
from gmtutor.models.gan import GAN, BiGAN
from gmtutor.models.naive_bayes import GaussianNB
from gmtutor.models.vae import VAE, ConvVAE, kl_divergence

__all__ = ["GAN", "BiGAN", "ConvVAE", "GaussianNB", "PointFlow", "RealNVP", "VAE", "kl_divergence"]
