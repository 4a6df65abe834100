"""Named training recipes: the model and the settings each notebook trains with, in full and quick mode.

One place for these numbers, so notebooks, benchmarks and the model cache agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from torch import nn

from gmtutor.data import MNIST
from gmtutor.runtime import quick, seed_everything
from gmtutor.train import EpochCallback, History, fit


@dataclass(frozen=True)
class Recipe:
    """How to build and train one of the course's models."""

    name: str
    model_class: str
    config: dict[str, Any]
    epochs: int
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 0
    quick_epochs: int = 2
    quick_train_images: int = 1000
    fit_options: dict[str, Any] = field(default_factory=dict)

    def build(self) -> nn.Module:
        """A freshly initialised model (seeded, so the same recipe gives the same start)."""
        from gmtutor.checkpoint import model_classes

        seed_everything(self.seed)
        return model_classes()[self.model_class](**self.config)

    def settings(self) -> dict[str, Any]:
        """The keyword arguments for ``fit`` in the current mode (quick or full)."""
        epochs = self.quick_epochs if quick() else self.epochs
        return {"epochs": epochs, "batch_size": self.batch_size, "lr": self.lr, "seed": self.seed, **self.fit_options}

    def training_data(self, data: MNIST) -> MNIST:
        """All of ``data`` in full mode; its first ``quick_train_images`` training images in quick mode."""
        return data.subset(self.quick_train_images) if quick() else data

    def train(
        self, data: MNIST, progress: bool = True, on_epoch_end: EpochCallback | None = None
    ) -> tuple[nn.Module, History]:
        """Build the model and train it with ``gmtutor.fit``."""
        model = self.build()
        history = fit(model, self.training_data(data), progress=progress, on_epoch_end=on_epoch_end, **self.settings())
        return model, history

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.config.items())
        return (
            f"{self.name}: {self.model_class}({args}), {self.epochs} epochs ({self.quick_epochs} in quick mode), "
            f"batch {self.batch_size}, lr {self.lr}, seed {self.seed}"
        )


RECIPES: dict[str, Recipe] = {
    "vae-2d": Recipe("vae-2d", "VAE", {"latent_dim": 2}, epochs=30),
    "vae-20d": Recipe("vae-20d", "ConvVAE", {"latent_dim": 20}, epochs=60),
    "gan": Recipe("gan", "GAN", {"latent_dim": 64}, epochs=30, batch_size=64, lr=2e-4),
    "bigan": Recipe("bigan", "BiGAN", {"latent_dim": 64, "reconstruction": 1.0}, epochs=30, batch_size=64, lr=2e-4),
    "flow": Recipe(
        "flow",
        "RealNVP",
        {"hidden": 32, "blocks": 1, "steps": 4, "alpha": 0.05},
        epochs=60,
        batch_size=64,
        fit_options={"lr_schedule": "cosine", "max_grad_norm": 100.0},
    ),
}


def recipe(name: str) -> Recipe:
    """The recipe called ``name``; the error lists the known names."""
    if name not in RECIPES:
        raise KeyError(f"no recipe {name!r}; known: {', '.join(RECIPES)}")
    return RECIPES[name]
