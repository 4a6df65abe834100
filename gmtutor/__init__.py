"""gmtutor: the helpers behind the course "how generative models learn to create something new".

import gmtutor as gm
data = gm.load_mnist()          # full MNIST, or the embedded subset offline
images = gm.as_images(data.x_train[:64])
"""

from gmtutor.checkpoint import CheckpointError, load, save
from gmtutor.data import MNIST, DownloadError, MNISTFileError, as_images, download_mnist, load_mnist
from gmtutor.models import GAN, VAE, BiGAN, ConvVAE, GaussianNB, PointFlow, RealNVP, kl_divergence
from gmtutor.recipes import RECIPES, recipe
from gmtutor.runtime import cache_dir, device, environment_report, quick, seed_everything
from gmtutor.train import History, average_loss, fit

__version__ = "0.1.0"

# matplotlib (plot), ipywidgets (widgets) and scikit-learn (classifiers, novelty, evaluate) load only when wanted
_LAZY_MODULES = {"plot", "widgets", "classifiers", "novelty", "toy", "evaluate", "latent", "zoo"}


def __getattr__(name: str):
    if name in _LAZY_MODULES:
        import importlib

        return importlib.import_module(f"gmtutor.{name}")
    raise AttributeError(f"module 'gmtutor' has no attribute {name!r}")


__all__ = [
    "MNIST",
    "RECIPES",
    "recipe",
    "VAE",
    "ConvVAE",
    "GAN",
    "BiGAN",
    "RealNVP",
    "PointFlow",
    "CheckpointError",
    "GaussianNB",
    "History",
    "average_loss",
    "fit",
    "kl_divergence",
    "load",
    "save",
    "DownloadError",
    "MNISTFileError",
    "as_images",
    "cache_dir",
    "device",
    "download_mnist",
    "environment_report",
    "load_mnist",
    "quick",
    "seed_everything",
]
