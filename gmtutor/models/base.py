"""One interface for the course's latent-variable models: ``LatentModel``.

Every model (VAE, ConvVAE, GAN, BiGAN, RealNVP, PointFlow) is a ``LatentModel``, so notebooks, the
latent-space tools and a researcher's own code can treat them alike:

    model.encode(x) -> z          image (or point) to code; a GAN has no encoder and says so
    model.decode(z) -> x          code to image, in [0, 1], shaped (N, 1, 28, 28) for images
    model.reconstruct(x)          decode(encode(x))
    model.sample(n, *, generator=None, temperature=1.0)
                                  n new images from codes drawn from N(0, temperature^2 I)
    model.latent_dim              the size of a code
    model.config                  the constructor's arguments, recorded when the model is built
    model(x)                      the training losses {"loss": ..., part: ...} on a batch

Training goes through ``gmtutor.fit``: a model with one objective defines ``loss(x)`` (``forward``
calls it, so hooks and ``torch.compile`` see it); a model with several optimisers (the GANs) defines
``configure_optimizers(lr)`` and ``train_step(x, optimizers, step)``, where ``step`` is a
``gmtutor.core.train.OptimizerStep`` that does backward, clipping and the update for it.

``register_model`` adds a class of your own to the classes a checkpoint may name, so ``gm.save``,
``gm.load`` and the model cache work with it.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, ClassVar

import torch
from torch import nn

from gmtutor.core.checkpoint import register_model
from gmtutor.core.runtime import module_device


def plain(value: Any) -> Any:
    """``value`` as plain data a weights-only checkpoint can hold: tuples become lists, NumPy scalars numbers."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "item") and not isinstance(value, torch.Tensor):
        return value.item()
    return value


class LatentModel(nn.Module):
    """Base class of the course's models; see the module's docstring for the interface."""

    latent_dim: int
    config: dict[str, Any]
    has_encoder: ClassVar[bool] = True
    forward_returns_losses: ClassVar[bool] = True  # so gm.fit calls model(x), and hooks see training

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Wrap each subclass's ``__init__`` so that ``config`` records its arguments, defaults included."""
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _recording_config(cls.__init__)
        if not cls.__name__.startswith("_") and not inspect.isabstract(cls):
            register_model(cls, replace=True)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no encoder: nothing maps an image back to its code")

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """decode(encode(x)): what the model keeps of x after a trip through its latent space."""
        return self.decode(self.encode(x))

    def prior(self, n: int, *, generator: torch.Generator | None = None, temperature: float = 1.0) -> torch.Tensor:
        """n codes from N(0, temperature^2 I), on the model's device (drawn on ``generator``'s device if given)."""
        if temperature < 0:
            raise ValueError(f"temperature scales the prior's spread and cannot be negative, got {temperature}")
        device = module_device(self)
        where = generator.device if generator is not None else device
        return (torch.randn(n, self.latent_dim, generator=generator, device=where) * temperature).to(device)

    @torch.no_grad()
    def sample(self, n: int, *, generator: torch.Generator | None = None, temperature: float = 1.0) -> torch.Tensor:
        """n new images: codes from the prior N(0, temperature^2 I), decoded (temperature < 1: typical, less varied)."""
        return self.decode(self.prior(n, generator=generator, temperature=temperature))

    def forward(self, x: torch.Tensor, **labels: torch.Tensor) -> dict[str, torch.Tensor]:
        """The training losses on a batch: ``{"loss": objective, part: value, ...}`` (``y=`` for conditional models)."""
        return self.loss(x, **labels)

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        raise NotImplementedError(f"{type(self).__name__} trains through train_step, not one loss")


def _recording_config(init):
    signature = inspect.signature(init)

    @functools.wraps(init)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        self.config = plain({k: v for k, v in bound.arguments.items() if k != "self"})

    return __init__
