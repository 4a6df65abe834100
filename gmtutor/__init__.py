"""gmtutor: the helpers behind the course "how generative models learn to create something new". ::

    import gmtutor as gm
    data = gm.load_mnist()          # full MNIST, or the embedded subset offline
    images = gm.as_images(data.x_train[:64])

Layers, one folder each; a layer imports only from the layers below it in this list:

- ``gmtutor.present``: running, slicing and serving the notebooks (the ``present`` extra), and the command
- ``gmtutor.tools``: the course's tools: latent arithmetic, judges, realism, figures, widgets
- ``gmtutor.zoo``: the course layer: recipes, the cache of trained models, remembered results
- ``gmtutor.models``: the models (VAE, GANs, flows, diffusion, Naive Bayes, the HMM and CRF taggers)
- ``gmtutor.core``: data, devices and seeds, the training loop, checkpoints

Each module is also reachable as ``gm.<name>`` (``gm.plot``, ``gm.zoo``, ...), loaded when first used.
Importing gmtutor changes nothing in the process: no random seed, plotting style or allocator setting.
"""

from gmtutor.core.allocator import keep_freed_memory, keep_freed_memory_if_asked
from gmtutor.core.checkpoint import CheckpointError, load, register_model, save
from gmtutor.core.data import MNIST, DownloadError, MNISTFileError, as_images, download_mnist, load_mnist
from gmtutor.core.runtime import cache_dir, device, environment_report, quick, seed_everything
from gmtutor.core.train import Batch, History, OptimizerStep, SampleSnapshots, average_loss, fit
from gmtutor.models import (
    GAN,
    VAE,
    WGANGP,
    BiGAN,
    ConvVAE,
    CycleGAN,
    DiffusionModel,
    InfoGAN,
    LatentModel,
    PixelCNN,
    PixelTransformer,
    PointFlow,
    RealNVP,
    Trainable,
    VectorDenoiser,
    kl_divergence,
)
from gmtutor.zoo.recipes import RECIPES, recipe

__version__ = "0.1.0"

keep_freed_memory_if_asked()  # only with GMTUTOR_KEEP_FREED_MEMORY=1 (gmtutor/core/allocator.py)

# gm.<module>, loaded on first use: matplotlib, ipywidgets and scikit-learn only load when wanted,
# and the present layer (nbformat, nbclient) only where its extra is installed.
_MODULE_LAYERS = {
    **dict.fromkeys(["allocator", "data", "files", "runtime", "progress", "train", "checkpoint", "treebank"], "core"),
    **dict.fromkeys(["likelihood", "naive_bayes"], "models"),
    **dict.fromkeys(["recipes", "cache", "results"], "zoo"),
    **dict.fromkeys(
        [
            "latent",
            "evaluate",
            "classifiers",
            "novelty",
            "copying",
            "retrieval",
            "memorisation",
            "realism",
            "toy",
            "widgets",
            "plot",
            "tagging",
            "sampling",
            "guidance",
        ],
        "tools",
    ),
    **dict.fromkeys(["course", "slides", "app"], "present"),
}


def __getattr__(name: str):
    import importlib

    if name == "GaussianNB":  # scikit-learn loads with it
        return importlib.import_module("gmtutor.models.naive_bayes").GaussianNB
    if name in _MODULE_LAYERS:
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
    "PixelCNN",
    "PixelTransformer",
    "WGANGP",
    "InfoGAN",
    "CycleGAN",
    "DiffusionModel",
    "VectorDenoiser",
    "PointFlow",
    "CheckpointError",
    "LatentModel",
    "Trainable",
    "Batch",
    "keep_freed_memory",
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
