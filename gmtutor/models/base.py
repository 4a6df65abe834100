"""The two base classes of the course's models: ``Trainable`` (every model ``gm.fit`` trains) and ``LatentModel``.

``Trainable`` is the one contract between a model, ``gm.fit``, the checkpoints and the scoreboard::

    model.config                  the constructor's arguments, recorded when the model is built
    model.loss(x) / loss(x, y)    the training losses on a batch: {"loss": objective, part: value, ...}
    model.train_step(batch, optimizers, step)
                                  one training step; the base's calls loss and lets step (an
                                  OptimizerStep) do backward, clipping and the update. A model with
                                  several optimisers (the GANs) writes its own and calls step for each
    model.configure_optimizers(lr)
                                  the base's: one Adam over every parameter
    takes_labels                  "no", "optional" or "yes": whether ``fit`` hands it each batch's labels
    model.sample(n, *, generator=None, temperature=1.0, **options)
    model.nll(images)             negative log-likelihood of 8-bit digits, nats each (likelihood says
                                  whether it is "exact" or a "bound")
    model.implements("nll")       whether the model defines a method itself, rather than the base's refusal

``LatentModel`` adds a code space: ``encode(x) -> z``, ``decode(z) -> x`` in [0, 1], ``reconstruct`` and a
standard normal ``prior``, from which ``sample`` decodes. Defining a subclass registers it (keyed by module
and qualified name, so a learner's own ``VAE`` sits beside the course's), and ``gm.save``, ``gm.load`` and the
model cache then work with it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import torch
from torch import nn

from gmtutor.core.checkpoint import register_model
from gmtutor.core.runtime import MOST_SAMPLES, bounded, module_device
from gmtutor.core.train import Batch, OptimizerStep


def plain(value: Any) -> Any:
    """``value`` as plain data a weights-only checkpoint can hold: tuples become lists, NumPy scalars numbers."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "item") and not isinstance(value, torch.Tensor):
        return value.item()
    return value


class Capabilities:
    """``implements``: which of the optional methods (``sample``, ``nll``, ``encode``, ``relabel``) a model
    defines itself. Shared by ``Trainable`` and the course's scikit-learn estimator, ``gm.GaussianNB``."""

    likelihood: ClassVar[Literal["exact", "bound"] | None] = None  # what ``nll`` computes, when defined

    def implements(self, method: str) -> bool:
        """True when this model's class defines ``method`` rather than inheriting the base's refusal."""
        if method not in OPTIONAL_METHODS:
            raise ValueError(f"{method!r} is not one of the optional methods {OPTIONAL_METHODS}")
        return getattr(type(self), method) is not getattr(Capabilities, method)

    def sample(self, n: int, *, generator: Any = None, temperature: float = 1.0, **options: Any) -> Any:
        """``n`` new items, drawn with ``generator``; ``temperature`` < 1 draws more typical, less varied ones."""
        raise NotImplementedError(f"{type(self).__name__} draws no samples")

    def nll(self, images: torch.Tensor, **options: Any) -> torch.Tensor:
        """Negative log-likelihood (nats) of each 8-bit digit, on the convention of ``gmtutor.models.likelihood``."""
        raise NotImplementedError(f"{type(self).__name__} gives no likelihood")

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Codes of images ``x``."""
        raise NotImplementedError(f"{type(self).__name__} has no encoder: nothing maps an image back to its code")

    def relabel(self, x: torch.Tensor, source: torch.Tensor, target: torch.Tensor, **options: Any) -> torch.Tensor:
        """Digits ``x`` of classes ``source`` made anew as classes ``target`` (a class-conditional model)."""
        raise NotImplementedError(f"{type(self).__name__} cannot make a digit anew under another label")


OPTIONAL_METHODS = ("sample", "nll", "encode", "relabel")


class Trainable(Capabilities, nn.Module):
    """Base class of every model ``gm.fit`` trains; see the module's docstring for the contract."""

    config: dict[str, Any]
    takes_labels: ClassVar[Literal["no", "optional", "yes"]] = "no"
    watch_test_loss: ClassVar[bool] = True  # fit reports ``loss`` on held-out digits (not for a game's losses)
    # the submodules only training uses (a GAN's discriminator): a shipped model may leave them out
    training_only: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Wrap each subclass's ``__init__`` so that ``config`` records its arguments, defaults included, and
        register the class for checkpoints (names that start with ``_`` are building blocks, not models)."""
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _recording_config(cls.__init__)
        if not cls.__name__.startswith("_"):
            register_model(cls)

    def loss(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """The training losses on a batch: ``{"loss": objective, part: value, ...}``."""
        raise NotImplementedError(f"{type(self).__name__} trains through its own train_step, not one loss")

    def configure_optimizers(self, lr: float) -> Sequence[torch.optim.Optimizer]:
        """One Adam over every parameter; a model with several players returns one optimiser each."""
        return [torch.optim.Adam(self.parameters(), lr=lr)]

    def train_step(
        self, batch: Batch, optimizers: Sequence[torch.optim.Optimizer], step: OptimizerStep
    ) -> dict[str, torch.Tensor]:
        """One step on ``batch``: ``loss`` in the run's precision, then ``step`` (backward, clipping, update)."""
        with step.autocast():
            parts = self.loss(batch.x) if batch.y is None else self.loss(batch.x, batch.y)
        step(parts["loss"], optimizers[0])
        return parts

    def parameter_count(self) -> int:
        """How many numbers training sets."""
        return sum(p.numel() for p in self.parameters())


class LatentModel(Trainable):
    """A model with a code space: ``encode``, ``decode``, ``reconstruct``, a standard normal ``prior`` and
    ``sample`` from it (VAE, ConvVAE, GAN, BiGAN, WGAN-GP, InfoGAN, RealNVP, PointFlow)."""

    latent_dim: int

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1], shaped (N, 1, 28, 28) (or points of the model's own shape), of codes ``z``."""
        raise NotImplementedError

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """decode(encode(x)): what the model keeps of x after a trip through its latent space."""
        return self.decode(self.encode(x))

    def prior(self, n: int, *, generator: torch.Generator | None = None, temperature: float = 1.0) -> torch.Tensor:
        """n codes from N(0, temperature^2 I), on the model's device (drawn on ``generator``'s device if given)."""
        if temperature < 0:
            raise ValueError(f"temperature scales the prior's spread and cannot be negative, got {temperature}")
        bounded("n", n, MOST_SAMPLES)
        device = module_device(self)
        where = generator.device if generator is not None else device
        return (torch.randn(n, self.latent_dim, generator=generator, device=where) * temperature).to(device)

    @torch.no_grad()
    def sample(self, n: int, *, generator: torch.Generator | None = None, temperature: float = 1.0) -> torch.Tensor:
        """n new images: codes from the prior N(0, temperature^2 I), decoded (temperature < 1: typical, less varied)."""
        return self.decode(self.prior(n, generator=generator, temperature=temperature))

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The training losses on a batch (``loss``)."""
        return self.loss(x)


def _recording_config(init):
    signature = inspect.signature(init)

    @functools.wraps(init)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        self.config = plain({k: v for k, v in bound.arguments.items() if k != "self"})

    return __init__
