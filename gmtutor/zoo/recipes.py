"""Named training recipes: the model and the settings each notebook trains with, in full and quick mode.

One place for these numbers, so notebooks, benchmarks and the model cache agree.

A recipe's budget is a number of optimiser steps, not of epochs: a step costs the same time whether
the training set has 4,000 images (the embedded subset) or 60,000 (full MNIST), so the course takes
the same minutes on both. The budgets were set as passes over the embedded subset (``subset_passes``);
on full MNIST the same steps see each image a few times instead of dozens, and the models train on
more varied data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from gmtutor.core.data import MNIST
from gmtutor.core.runtime import MOST_SAMPLES, MOST_STEPS, bounded
from gmtutor.core.runtime import quick as quick_mode
from gmtutor.core.train import History, LogCallback, batches_per_pass, fit
from gmtutor.models import (
    GAN,
    VAE,
    WGANGP,
    BiGAN,
    ConvVAE,
    CycleGAN,
    DiffusionModel,
    DigitCNN,
    InfoGAN,
    PixelCNN,
    PixelTransformer,
    RealNVP,
)
from gmtutor.models.base import Trainable

SUBSET_TRAIN_IMAGES = 4000  # the embedded subset's training split


def subset_passes(passes: int, batch_size: int) -> int:
    """The steps that ``passes`` passes over the embedded subset's training images take at ``batch_size``."""
    return passes * batches_per_pass(SUBSET_TRAIN_IMAGES, batch_size)


@dataclass(frozen=True)
class Recipe:
    """How to build and train one of the course's models.

    ``steps`` is the training budget in optimiser steps, the same for any data set; ``log_every`` is how
    many steps go into one record of the history (by default one pass over the embedded subset).
    """

    name: str
    model_class: type[Trainable]
    config: dict[str, Any]
    steps: int
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 0
    log_every: int | None = None
    quick_steps: int = 20
    quick_train_images: int = 1000
    fit_options: dict[str, Any] = field(default_factory=dict)
    digits: tuple[int, ...] | None = None  # train on these digits only (None: all ten)

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "quick_steps", "quick_train_images"):
            try:
                bounded(name, getattr(self, name), MOST_STEPS if "steps" in name else MOST_SAMPLES)
            except ValueError as err:
                raise ValueError(f"recipe {self.name!r}: {err}") from None

    def build(self) -> Trainable:
        """A freshly initialised model, its weights drawn from the recipe's seed (the caller's random numbers
        are left as they were), so the same recipe always starts from the same weights."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return self.model_class(**self.config)

    def settings(self, quick: bool | None = None) -> dict[str, Any]:
        """The keyword arguments for ``fit`` in quick or full mode (None: the current mode, ``gm.quick()``)."""
        if quick_mode() if quick is None else quick:
            steps, log_every = self.quick_steps, max(1, self.quick_steps // 2)
        else:
            steps = self.steps
            log_every = self.log_every or batches_per_pass(SUBSET_TRAIN_IMAGES, self.batch_size)
        return {
            "steps": steps,
            "log_every": log_every,
            "batch_size": self.batch_size,
            "lr": self.lr,
            "seed": self.seed,
            **self.fit_options,
        }

    def training_data(self, data: MNIST, quick: bool | None = None) -> MNIST:
        """All of ``data`` (of the recipe's ``digits``) in full mode; the first ``quick_train_images`` training
        images of them in quick mode (None: the current mode)."""
        if self.digits is not None:
            data = data.digits(*self.digits)
        return data.subset(self.quick_train_images) if (quick_mode() if quick is None else quick) else data

    def train(
        self, data: MNIST, quick: bool | None = None, progress: bool = True, on_log: LogCallback | None = None
    ) -> tuple[Trainable, History]:
        """Build the model and train it with ``gmtutor.fit`` in quick or full mode (None: the current mode)."""
        quick = quick_mode() if quick is None else quick
        model = self.build()
        history = fit(model, self.training_data(data, quick), progress=progress, on_log=on_log, **self.settings(quick))
        return model, history

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.config.items())
        passes = self.steps / batches_per_pass(SUBSET_TRAIN_IMAGES, self.batch_size)
        over = "the 4,000-image subset"
        if self.digits is not None:
            images = SUBSET_TRAIN_IMAGES * len(self.digits) // 10
            passes = self.steps / batches_per_pass(images, self.batch_size)
            over = f"the subset's {images:,} images of digits {', '.join(map(str, self.digits))}"
        return (
            f"{self.name}: {self.model_class.__name__}({args}), {self.steps:,} steps of {self.batch_size} images "
            f"({passes:g} passes over {over}; {self.quick_steps} steps in quick mode), "
            f"lr {self.lr}, seed {self.seed}"
        )


def _denoiser_recipe(name: str, objective: str) -> Recipe:
    """The diffusion U-Net's recipe for one objective: 1,200 steps of 128, lr 2e-3 falling along a cosine."""
    config = {"objective": objective, "channels": 32}
    cosine = {"lr_schedule": "cosine"}
    return Recipe(name, DiffusionModel, config, steps=1200, lr=2e-3, log_every=120, fit_options=cosine)


def _autoregressive_recipe(
    name: str, model_class: type[Trainable], config: dict[str, Any], steps: int, log_every: int
) -> Recipe:
    """An autoregressive network's recipe: ``steps`` of 32 digits, lr 3e-3 falling along a cosine, a record of the
    history every ``log_every`` steps (each record scores the test digits' exact likelihood)."""
    cosine = {"lr_schedule": "cosine"}
    return Recipe(name, model_class, config, steps, batch_size=32, lr=3e-3, log_every=log_every, fit_options=cosine)


PIXELCNN = {"channels": 32, "layers": 5, "kernel": 3, "dilations": [1, 1, 2, 4, 8]}  # both PixelCNN recipes

RECIPES: dict[str, Recipe] = {
    "vae-2d": Recipe("vae-2d", VAE, {"latent_dim": 2}, steps=subset_passes(30, 128)),
    "vae-20d": Recipe(
        "vae-20d", ConvVAE, {"latent_dim": 20}, steps=subset_passes(60, 128), log_every=subset_passes(2, 128)
    ),
    # DCGAN-style convolutional G and D (Radford et al., 2016); G learns five times as fast as D, which
    # otherwise rejects the fakes long before G can draw (benchmarks/conv_gans.py measures both rates).
    "gan": Recipe(
        "gan",
        GAN,
        {"latent_dim": 64, "architecture": "conv", "width": 32, "spectral_norm": False, "g_lr_scale": 5.0},
        steps=subset_passes(30, 64),
        batch_size=64,
        lr=2e-4,
    ),
    # The MLP pair over 784 pixels: notebook 03 trains it with and without its constraints, because
    # without batch norm and spectral norm it collapses onto a few digits, which the convolutional pair does not.
    "gan-mlp": Recipe("gan-mlp", GAN, {"latent_dim": 64}, steps=subset_passes(30, 64), batch_size=64, lr=2e-4),
    # DCGAN-style G, E its mirror, and D's image branch convolutional, with spectral norm in D; G and E learn five
    # times as fast as D. Against the MLP trio at the same 30 passes, G(E(x)) keeps the class more often and moved
    # digits come out more real (benchmarks/bigan_quality.py, which also trains it at D's lr and without spectral
    # norm).
    "bigan": Recipe(
        "bigan",
        BiGAN,
        {
            "latent_dim": 64,
            "reconstruction": 1.0,
            "architecture": "conv",
            "width": 32,
            "spectral_norm": True,
            "g_lr_scale": 5.0,
        },
        steps=subset_passes(30, 64),
        batch_size=64,
        lr=2e-4,
    ),
    # A convolutional critic and G; two critic steps of 64 images for each generator step (a batch of 128 is
    # cut into two slices), at lr 2e-4: the paper's five steps at 1e-4 cost twice the time for a worse FD here.
    "wgan-gp": Recipe(
        "wgan-gp",
        WGANGP,
        {"latent_dim": 64, "penalty": 10.0, "critic_steps": 2, "architecture": "conv", "width": 32},
        steps=subset_passes(30, 64),
        batch_size=128,
        lr=2e-4,
        log_every=subset_passes(3, 64),
    ),
    # The paper's MNIST networks (conv G; conv trunk with a 1,024-unit shared layer under D and Q), G and Q at
    # five times D's learning rate, 45 passes. Two label-free anchors tie the category to the digit: noise z
    # with a spread of 0.3 and the two-view clustering term on real digits; without them the category found
    # styles, not digits, whatever else changed. The views cost one more pass through the trunk (both views in
    # one batch), which makes training about four CPU minutes instead of three; a 256-unit shared layer fits
    # three minutes but found the digits on one seed of three (benchmarks/conv_gans.py).
    "infogan": Recipe(
        "infogan",
        InfoGAN,
        {
            "noise_dim": 62,
            "categories": 10,
            "continuous": 2,
            "architecture": "conv",
            "width": 32,
            "spectral_norm": False,
            "g_lr_scale": 5.0,
            "q_lr_scale": 5.0,
            "noise_scale": 0.3,
            "clustering_weight": 1.0,
        },
        steps=subset_passes(45, 64),
        batch_size=64,
        lr=2e-4,
        log_every=subset_passes(3, 64),
    ),
    "cyclegan": Recipe(
        "cyclegan",
        CycleGAN,
        {"source": 6, "target": 0},
        steps=1800,
        batch_size=64,  # about 32 images of each digit per step
        lr=2e-4,
        log_every=180,
        digits=(6, 0),
    ),
    "flow": Recipe(
        "flow",
        RealNVP,
        {"hidden": 32, "blocks": 1, "steps": 4, "alpha": 0.001, "full_resolution": 2},
        steps=subset_passes(30, 64),
        batch_size=64,
        lr=3e-3,
        log_every=subset_passes(2, 64),  # a record every two passes: each costs a pass over 1,000 test images
        fit_options={"lr_schedule": "cosine", "max_grad_norm": 100.0},
    ),
    # One U-Net, two objectives (notebook 06c): DDPM's noise prediction and flow matching's velocity,
    # the same steps, batch and learning rate, so that only the objective differs.
    "ddpm": _denoiser_recipe("ddpm", "noise"),
    "flow-matching": _denoiser_recipe("flow-matching", "velocity"),
    # The autoregressive family: the chain rule over 784 black-or-white pixels (a 2-way softmax, as in most
    # PixelCNNs on MNIST); about four CPU minutes each. With 256 grey levels and the same budget the PixelCNN's
    # samples were strokes, not digits, and its completions read right no more often than the kept half alone
    # (benchmarks/autoregressive_quality.py measures both). Tried at 256 levels for the same budget: 5 x 5
    # kernels, 8 layers, plain (undilated) rows that reach 5 rows up where these dilations reach 16: none helped.
    "pixelcnn": _autoregressive_recipe("pixelcnn", PixelCNN, {**PIXELCNN, "levels": 2}, 1200, 125),
    "pixel-transformer": _autoregressive_recipe(
        "pixel-transformer", PixelTransformer, {"width": 64, "layers": 2, "heads": 4, "levels": 2}, 700, 100
    ),
    # The same PixelCNN over 256 grey levels, for bits/dim of the 8-bit digit (the flows' scale); the benchmark's.
    "pixelcnn-8bit": _autoregressive_recipe("pixelcnn-8bit", PixelCNN, {**PIXELCNN, "levels": 256}, 1200, 125),
    # Not a generative model: the convolutional judge of generated digits and the feature space of realism.
    "judge": Recipe(
        "judge", DigitCNN, {"features": 128}, steps=subset_passes(30, 128), fit_options={"lr_schedule": "cosine"}
    ),
}


def recipe(name: str) -> Recipe:
    """The recipe called ``name``; the error lists the known names."""
    if name not in RECIPES:
        raise KeyError(f"no recipe {name!r}; known: {', '.join(RECIPES)}")
    return RECIPES[name]
