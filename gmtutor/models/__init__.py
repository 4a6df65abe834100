"""The course's models: each torch model a ``Trainable`` (most of them a ``LatentModel``; see ``base``), Naive
Bayes as a scikit-learn estimator, and the convolutional digit classifier that judges generated digits.

``GaussianNB`` loads scikit-learn, so it is imported when first used, not with the package.
"""

from gmtutor.models.autoregressive import PixelCNN, PixelTransformer
from gmtutor.models.base import LatentModel, Trainable
from gmtutor.models.classifier import DigitCNN
from gmtutor.models.cyclegan import CycleGAN
from gmtutor.models.denoiser import DiffusionModel, VectorDenoiser
from gmtutor.models.flow import PointFlow, RealNVP
from gmtutor.models.gan import GAN, BiGAN
from gmtutor.models.infogan import InfoGAN
from gmtutor.models.vae import VAE, ConvVAE, kl_divergence
from gmtutor.models.wgan import WGANGP


def __getattr__(name: str):
    if name == "GaussianNB":
        from gmtutor.models.naive_bayes import GaussianNB

        return GaussianNB
    raise AttributeError(f"module 'gmtutor.models' has no attribute {name!r}")


__all__ = [
    "GAN",
    "BiGAN",
    "ConvVAE",
    "CycleGAN",
    "DiffusionModel",
    "DigitCNN",
    "GaussianNB",
    "InfoGAN",
    "LatentModel",
    "PixelCNN",
    "PixelTransformer",
    "PointFlow",
    "RealNVP",
    "Trainable",
    "VAE",
    "VectorDenoiser",
    "WGANGP",
    "kl_divergence",
]
