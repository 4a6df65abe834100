"""gmtutor: the helpers behind the course "how generative models learn to create something new".

import gmtutor as gm
data = gm.load_mnist()          # full MNIST, or the embedded subset offline
images = gm.as_images(data.x_train[:64])

Three layers, one folder each; a layer imports only from the layers above it in this list:
    gmtutor.core      data, devices and seeds, the training loop, checkpoints, recipes, the model cache
    gmtutor.models    the models (VAE, GANs, flows, diffusion, Naive Bayes, the HMM and CRF taggers)
    gmtutor.tools     the course's tools: latent arithmetic, evaluation, figures, widgets
    gmtutor.present   running, slicing and serving the notebooks (the ``present`` extra)
Each module is also reachable as ``gm.<name>`` (``gm.plot``, ``gm.zoo``, ...), loaded when first used.
"""

from gmtutor.core.allocator import keep_freed_memory
from gmtutor.core.checkpoint import CheckpointError, load, register_model, save
from gmtutor.core.data import MNIST, DownloadError, MNISTFileError, as_images, download_mnist, load_mnist
from gmtutor.core.recipes import RECIPES, recipe
from gmtutor.core.runtime import cache_dir, device, environment_report, quick, seed_everything
from gmtutor.core.train import History, OptimizerStep, SampleSnapshots, average_loss, fit
from gmtutor.models import (
    GAN,
    VAE,
    WGANGP,
    BiGAN,
    ConvVAE,
    CycleGAN,
    DiffusionModel,
    GaussianNB,
    InfoGAN,
    LatentModel,
    PointFlow,
    RealNVP,
    VectorDenoiser,
    kl_divergence,
)

__version__ = "0.1.0"

keep_freed_memory()  # on Linux: large CPU tensors stop costing page faults (gmtutor/core/allocator.py)

# gm.<module>, loaded on first use: matplotlib, ipywidgets and scikit-learn only load when wanted,
# and the present layer (nbformat, nbclient) only where its extra is installed.
_MODULE_LAYERS = {
    **dict.fromkeys(
        ["data", "files", "runtime", "progress", "train", "checkpoint", "recipes", "zoo", "treebank"], "core"
    ),
    **dict.fromkeys(
        ["latent", "evaluate", "classifiers", "novelty", "toy", "widgets", "plot", "tagging", "sampling", "guidance"],
        "tools",
    ),
    **dict.fromkeys(["course", "slides", "app"], "present"),
}


def __getattr__(name: str):
    if name in _MODULE_LAYERS:
        import importlib

        return importlib.import_module(f"gmtutor.{_MODULE_LAYERS[name]}.{name}")
    raise AttributeError(f"module 'gmtutor' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULE_LAYERS])


__all__ = [
    "MNIST",
    "RECIPES",
    "recipe",
    "VAE",
    "ConvVAE",
    "GAN",
    "BiGAN",
    "RealNVP",
    "WGANGP",
    "InfoGAN",
    "CycleGAN",
    "DiffusionModel",
    "VectorDenoiser",
    "PointFlow",
    "CheckpointError",
    "LatentModel",
    "OptimizerStep",
    "SampleSnapshots",
    "register_model",
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
