"""The course's models: each a ``LatentModel`` (encode, decode, reconstruct, sample; see ``base``), Naive Bayes,
and the convolutional digit classifier that judges generated digits."""

from gmtutor.models.base import LatentModel
from gmtutor.models.classifier import DigitCNN
from gmtutor.models.cyclegan import CycleGAN
from gmtutor.models.denoiser import DiffusionModel, VectorDenoiser
from gmtutor.models.flow import PointFlow, RealNVP
from gmtutor.models.gan import GAN, BiGAN
from gmtutor.models.infogan import InfoGAN
from gmtutor.models.naive_bayes import GaussianNB
from gmtutor.models.vae import VAE, ConvVAE, kl_divergence
from gmtutor.models.wgan import WGANGP

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
    "PointFlow",
    "RealNVP",
    "VAE",
    "VectorDenoiser",
    "WGANGP",
    "kl_divergence",
]
