"""Generative adversarial networks: the GAN (Goodfellow et al., 2014) and BiGAN (Donahue et al., 2017).

Both use a standard normal prior z ~ N(0, I) (the VAE's prior too), a generator whose pixels pass
through a sigmoid (images in [0, 1], like the VAE's), and a discriminator that outputs a logit; their
networks are MLPs over the 784 pixels or DCGAN-style convolutions (``architecture``). They train
through ``gmtutor.fit``: ``configure_optimizers`` gives Adam with beta1 = 0.5 to the discriminator and
to the generator side, and ``train_step`` alternates one discriminator step and one generator step per
batch. The recipes ``gan``, ``gan-mlp`` and ``bigan`` (``gmtutor.recipe``) hold the training settings
that work: Adam's lr 2e-4, batches of 64, 1,860 steps.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from gmtutor.core.data import IMAGE_SIDE, PIXELS
from gmtutor.core.train import Batch, OptimizerStep, frozen
from gmtutor.models.base import LatentModel
from gmtutor.models.convnets import as_input, conv_generator, conv_trunk, trunk_features

GENERATOR_LOSSES = ("non-saturating", "minimax")
ARCHITECTURES = ("conv", "mlp")  # DCGAN-style convolutions (convnets.py), or MLPs over the 784 pixels


def generator_net(latent_dim: int, hidden: Sequence[int], batch_norm: bool = True) -> nn.Sequential:
    """z -> 784 pixel logits: Linear, BatchNorm (if ``batch_norm``), ReLU per hidden layer, then a linear layer."""
    layers: list[nn.Module] = []
    for n_in, n_out in zip([latent_dim, *hidden[:-1]], hidden, strict=True):
        layers.append(nn.Linear(n_in, n_out))
        if batch_norm:
            layers.append(nn.BatchNorm1d(n_out))
        layers.append(nn.ReLU())
    layers.append(nn.Linear(hidden[-1] if hidden else latent_dim, PIXELS))
    return nn.Sequential(*layers)


def encoder_net(hidden: Sequence[int], latent_dim: int) -> nn.Sequential:
    """784 pixels -> z: Linear, BatchNorm, LeakyReLU(0.2) per hidden layer, then a linear layer (codes unbounded)."""
    layers: list[nn.Module] = []
    for n_in, n_out in zip([PIXELS, *hidden[:-1]], hidden, strict=True):
        layers += [nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.LeakyReLU(0.2)]
    layers.append(nn.Linear(hidden[-1] if hidden else PIXELS, latent_dim))
    return nn.Sequential(*layers)


def discriminator_net(
    n_in: int, hidden: Sequence[int], dropout: float = 0.0, spectral: bool = True, n_out: int | None = 1
) -> nn.Sequential:
    """Linear, LeakyReLU(0.2) (and Dropout if ``dropout`` > 0) per hidden layer, then a linear layer to
    ``n_out`` logits (none if ``n_out`` is None).

    ``spectral`` wraps every linear layer in spectral normalisation (Miyato et al., 2018): each
    layer's largest singular value is held at 1, which bounds how steeply D's verdict can change
    with its input, so D cannot become arbitrarily sharp and G keeps getting useful gradients.
    """

    def linear(a: int, b: int) -> nn.Module:
        layer = nn.Linear(a, b)
        return nn.utils.parametrizations.spectral_norm(layer) if spectral else layer

    layers: list[nn.Module] = []
    sizes = [n_in, *hidden]
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [linear(a, b), nn.LeakyReLU(0.2)]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    if n_out is not None:
        layers.append(linear(sizes[-1], n_out))
    return nn.Sequential(*layers)


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, smoothing: float = 0.0) -> torch.Tensor:
    """-mean log D(real) - mean log(1 - D(fake)): minus the value function, which D maximises.

    ``smoothing`` > 0 aims D at 1 - smoothing instead of 1 on real inputs (one-sided label smoothing).
    """
    real_logits, fake_logits = real_logits.float(), fake_logits.float()
    real = F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, 1.0 - smoothing))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real + fake


def generator_loss(fake_logits: torch.Tensor, kind: str = "non-saturating") -> torch.Tensor:
    """The generator's loss, from D's logits for its fakes.

    ``"non-saturating"``: -mean log D(G(z)), steep while D still spots the fakes.
    ``"minimax"``: mean log(1 - D(G(z))), the value function's own term, flat when D wins.
    """
    fake_logits = fake_logits.float()
    if kind == "non-saturating":
        return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    if kind == "minimax":
        return -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    raise ValueError(f"generator_loss must be one of {GENERATOR_LOSSES}, got {kind!r}")


def discriminator_accuracy(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Fraction of real and fake inputs that D classifies correctly (real: logit > 0, fake: logit < 0)."""
    correct = (real_logits > 0).float().sum() + (fake_logits < 0).float().sum()
    return correct / (len(real_logits) + len(fake_logits))


def _adam(parameters, lr: float) -> torch.optim.Adam:
    return torch.optim.Adam(parameters, lr=lr, betas=(0.5, 0.999))


def _d_report(judged: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """What the history records of D's half-step: its loss, accuracy and mean verdicts on real and fake."""
    real_logits, fake_logits = judged["real_logits"].detach().float(), judged["fake_logits"].detach().float()
    return {
        "d_loss": judged["d_loss"].detach(),
        "d_acc": discriminator_accuracy(real_logits, fake_logits),
        "d_real": torch.sigmoid(real_logits).mean(),
        "d_fake": torch.sigmoid(fake_logits).mean(),
    }


class _Adversarial(LatentModel):
    """What GAN and BiGAN share: the generator G(z) as ``decode`` and the alternating training step.

    A subclass says how D judges a batch (``_discriminator_half``: D's loss and logits, with the
    generator's outputs detached) and what the generator side minimises (``_generator_half``).
    The prior and sampling come from ``LatentModel``.
    """

    latent_dim: int
    generator: nn.Sequential
    watch_test_loss = False  # the players' losses on test digits say nothing about the samples

    def _init_generator(
        self,
        latent_dim: int,
        hidden: Sequence[int],
        loss: str,
        batch_norm: bool = True,
        architecture: str = "mlp",
        width: int = 64,
    ) -> None:
        if latent_dim < 1:
            raise ValueError(f"latent_dim must be at least 1, got {latent_dim}")
        if loss not in GENERATOR_LOSSES:
            raise ValueError(f"generator_loss must be one of {GENERATOR_LOSSES}, got {loss!r}")
        if architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}")
        if width < 1:
            raise ValueError(f"width must be at least 1, got {width}")
        self.latent_dim = int(latent_dim)
        if architecture == "conv":
            self.generator = conv_generator(self.latent_dim, width, batch_norm)
        else:
            self.generator = generator_net(self.latent_dim, hidden, batch_norm)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """G(z): images in [0, 1], shaped (N, 1, 28, 28)."""
        return torch.sigmoid(self.generator(z).float()).reshape(len(z), 1, IMAGE_SIDE, IMAGE_SIDE)

    def discriminator_parameters(self) -> list[nn.Parameter]:
        raise NotImplementedError

    def _generated(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """What the generator side makes for a batch of real images x: at least ``z`` and ``fake`` = G(z)."""
        z = self.prior(len(x))
        return {"z": z, "fake": self.decode(z)}

    def _discriminator_half(self, x: torch.Tensor, made: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def _generator_half(self, x: torch.Tensor, made: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Both players' losses on real images x and as many fakes, at the current weights, updating nothing."""
        made = self._generated(x)
        judged = self._discriminator_half(x, made)
        generator_side = self._generator_half(x, made)
        return {"loss": judged["d_loss"] + generator_side["loss"], **judged, **generator_side}

    def train_step(
        self, batch: Batch, optimizers: Sequence[torch.optim.Optimizer], step: OptimizerStep
    ) -> dict[str, torch.Tensor]:
        """One step of D on real images and fresh fakes, then one step of the generator side against the updated D.

        The fakes are made once: D learns from them detached, then the generator's loss reads them
        through the updated D (so G's batch-norm statistics move once per step, not twice).
        """
        x, (opt_d, opt_g) = batch.x, optimizers
        with step.autocast():
            made = self._generated(x)
            judged = self._discriminator_half(x, made)
        step(judged["d_loss"], opt_d)

        with frozen(self.discriminator_parameters()):  # the generator's step: gradients through D, not for D
            with step.autocast():
                generator_side = self._generator_half(x, made)
            step(generator_side.pop("loss"), opt_g)
        return {**_d_report(judged), **{k: v.detach() for k, v in generator_side.items()}}


class GAN(_Adversarial):
    """G(z) = sigmoid(G's network(z)) and D(x) -> logit, trained with the non-saturating generator loss.

    ``architecture="conv"`` is DCGAN's pair (``convnets``): transposed convolutions up from
    7 x 7 in G, strided convolutions down in D; ``"mlp"`` (the default) is a pair of MLPs over the 784 pixels
    (``hidden``, ``d_hidden``), the original GAN's kind of network. The defaults that work: batch norm in G,
    spectral normalisation in D, one-sided label smoothing. ``batch_norm=False``, ``spectral_norm=False``
    and ``generator_loss="minimax"`` exist to show what goes wrong without them. A GAN has no encoder:
    G maps codes to images and nothing maps an image back (BiGAN learns one, E(x)).

    ``g_lr_scale`` gives G its own learning rate, a multiple of D's (two time-scale updates, Heusel et al.,
    2017): a convolutional D learns to reject fakes faster than G learns to draw, and a faster G keeps up.
    """

    training_only = ("discriminator",)

    def __init__(
        self,
        latent_dim: int = 64,
        hidden: Sequence[int] = (256, 512),
        d_hidden: Sequence[int] = (512, 256),
        batch_norm: bool = True,
        spectral_norm: bool = True,
        dropout: float = 0.0,
        label_smoothing: float = 0.1,
        generator_loss: str = "non-saturating",
        architecture: str = "mlp",
        width: int = 64,
        g_lr_scale: float = 1.0,
    ):
        super().__init__()
        if g_lr_scale <= 0:
            raise ValueError(f"g_lr_scale must be > 0 (G's learning rate as a multiple of D's), got {g_lr_scale}")
        self._init_generator(latent_dim, hidden, generator_loss, batch_norm, architecture, width)
        if architecture == "conv":
            trunk = conv_trunk(width, "batch", spectral_norm)
            self.discriminator = nn.Sequential(trunk, nn.Dropout(dropout), nn.Linear(trunk_features(width), 1))
        else:
            self.discriminator = discriminator_net(PIXELS, d_hidden, dropout, spectral_norm)

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        """D's logit that each image in x is real (pixels are mapped to [-1, 1] first)."""
        return self.discriminator(as_input(x, self.config["architecture"])).squeeze(1)

    def discriminator_parameters(self) -> list[nn.Parameter]:
        return list(self.discriminator.parameters())

    def configure_optimizers(self, lr: float) -> list[torch.optim.Optimizer]:
        """[Adam for D at ``lr``, Adam for G at ``g_lr_scale * lr``], both with betas (0.5, 0.999)."""
        g_lr = lr * self.config["g_lr_scale"]
        return [_adam(self.discriminator.parameters(), lr), _adam(self.generator.parameters(), g_lr)]

    def _discriminator_half(self, x: torch.Tensor, made: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        real_logits, fake_logits = self.discriminate(x), self.discriminate(made["fake"].detach())
        d_loss = discriminator_loss(real_logits, fake_logits, self.config["label_smoothing"])
        return {"d_loss": d_loss, "real_logits": real_logits, "fake_logits": fake_logits}

    def _generator_half(self, x: torch.Tensor, made: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        g_loss = generator_loss(self.discriminate(made["fake"]), self.config["generator_loss"])
        return {"loss": g_loss, "g_loss": g_loss}


class BiGAN(_Adversarial):
    """BiGAN: generator G(z), encoder E(x), and a discriminator D(x, z) on joint pairs.

    D learns to tell (x, E(x)) for real x from (G(z), z) for z from the prior; G and E learn
    together to fool it. The two joint distributions can only match when E inverts G, so E(x)
    becomes a code for x: ``encode(x) = E(x)``, ``decode(z) = G(z)``, ``reconstruct(x) = G(E(x))``.
    D reads x and z through separate layers (``d_hidden[0]`` units each) and then together.

    ``reconstruction`` is an optional, non-BiGAN term: G and E also minimise ``reconstruction``
    times the mean squared pixel error of G(E(x)) (the explicit cycle consistency of ALICE,
    Li et al., 2017). It speeds up what the game does on its own, E inverting G; 0 gives the pure BiGAN.

    ``architecture="conv"`` makes G DCGAN's generator, E a mirror of it (two strided
    convolutions, then a linear layer to the code) and D's image branch two strided convolutions;
    ``"mlp"`` (the default) uses MLPs (``hidden``, ``e_hidden``, ``d_hidden``). ``g_lr_scale`` gives G and E
    their own learning rate, a multiple of D's, as in the GAN.
    """

    training_only = ("d_x", "d_z", "d_joint")

    def __init__(
        self,
        latent_dim: int = 64,
        hidden: Sequence[int] = (256, 512),
        e_hidden: Sequence[int] = (512, 256),
        d_hidden: Sequence[int] = (512, 512),
        spectral_norm: bool = True,
        dropout: float = 0.0,
        label_smoothing: float = 0.1,
        reconstruction: float = 1.0,
        generator_loss: str = "non-saturating",
        architecture: str = "mlp",
        width: int = 64,
        g_lr_scale: float = 1.0,
    ):
        super().__init__()
        if g_lr_scale <= 0:
            raise ValueError(f"g_lr_scale must be > 0 (G's and E's learning rate over D's), got {g_lr_scale}")
        if not d_hidden:
            raise ValueError("d_hidden needs at least one layer: it sets the width of D's x and z branches")
        if reconstruction < 0:
            raise ValueError(f"reconstruction must be >= 0 (0 is the pure BiGAN), got {reconstruction}")
        self._init_generator(latent_dim, hidden, generator_loss, architecture=architecture, width=width)
        branch = int(d_hidden[0])
        if architecture == "conv":
            self.encoder = nn.Sequential(conv_trunk(width, "batch"), nn.Linear(trunk_features(width), self.latent_dim))
            to_branch = discriminator_net(trunk_features(width), [branch], dropout, spectral_norm, n_out=None)
            self.d_x = nn.Sequential(conv_trunk(width, "none", spectral_norm), to_branch)
        else:
            self.encoder = encoder_net(e_hidden, self.latent_dim)
            self.d_x = discriminator_net(PIXELS, [branch], dropout, spectral_norm, n_out=None)
        self.d_z = discriminator_net(self.latent_dim, [branch], dropout, spectral_norm, n_out=None)
        self.d_joint = discriminator_net(2 * branch, d_hidden[1:], dropout, spectral_norm)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """E(x): codes of images x in [0, 1], shaped (N, latent_dim)."""
        if self.config["architecture"] == "conv":
            return self.encoder(as_input(x, "conv")).float()
        return self.encoder(x.reshape(len(x), PIXELS)).float()  # the MLP encoder reads pixels in [0, 1]

    def discriminate_pair(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """D's logit that each pair (x, z) is a real image with its code."""
        hx = self.d_x(as_input(x, self.config["architecture"]))
        return self.d_joint(torch.cat([hx, self.d_z(z)], dim=1)).squeeze(1)

    def discriminator_parameters(self) -> list[nn.Parameter]:
        return [*self.d_x.parameters(), *self.d_z.parameters(), *self.d_joint.parameters()]

    def configure_optimizers(self, lr: float) -> list[torch.optim.Optimizer]:
        """[Adam for D at ``lr``, one Adam for G and E together at ``g_lr_scale * lr``], betas (0.5, 0.999)."""
        return [
            _adam(self.discriminator_parameters(), lr),
            _adam([*self.generator.parameters(), *self.encoder.parameters()], lr * self.config["g_lr_scale"]),
        ]

    def _generated(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {**super()._generated(x), "code": self.encode(x)}

    def _discriminator_half(self, x: torch.Tensor, made: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        real_logits = self.discriminate_pair(x, made["code"].detach())
        fake_logits = self.discriminate_pair(made["fake"].detach(), made["z"])
        d_loss = discriminator_loss(real_logits, fake_logits, self.config["label_smoothing"])
        return {"d_loss": d_loss, "real_logits": real_logits, "fake_logits": fake_logits}

    def _generator_half(self, x: torch.Tensor, made: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        # G and E swap D's labels (non-saturating for both): G wants (G(z), z) called real,
        # E wants (x, E(x)) called fake; a negated logit is the logit of the other label.
        kind = self.config["generator_loss"]
        ge_loss = generator_loss(self.discriminate_pair(made["fake"], made["z"]), kind) + generator_loss(
            -self.discriminate_pair(x, made["code"]), kind
        )
        parts = {"loss": ge_loss, "ge_loss": ge_loss}
        if self.config["reconstruction"] > 0:
            mse = (self.decode(made["code"]) - x.float()).pow(2).mean()
            parts.update(loss=ge_loss + self.config["reconstruction"] * mse, recon_mse=mse)
        return parts
