"""CycleGAN (Zhu et al., 2017): translate images of one kind into another without a single matched pair.

There is no "this 6, written as a 0" to learn from: only a pile of 6s (domain A) and a pile of 0s
(domain B). Two generators translate, G: A -> B and F: B -> A, and two discriminators judge,
D_B (a real 0, or G's?) and D_A (a real 6, or F's?). The adversarial loss alone would let G map every
6 to any one convincing 0; the **cycle-consistency** loss ties each translation to its input:

    L = L_GAN(G, D_B) + L_GAN(F, D_A) + lambda * ( |F(G(a)) - a|_1 + |G(F(b)) - b|_1 )
        + lambda_identity * ( |G(b) - b|_1 + |F(a) - a|_1 )

with the paper's least-squares GAN loss (D aims at 1 on real images and 0 on translations; G aims
D's verdict at 1) and lambda = 10. The identity term (the paper's weight is lambda / 2, used for
paintings) asks a generator to leave an image that is already of its output kind alone.

The generators are the paper's ResNet design at MNIST size: a 7x7 convolution, one stride-2
convolution down to 14x14, residual blocks, a transposed convolution back up, a 7x7 convolution and a
sigmoid; instance normalisation throughout. The discriminators are small PatchGANs: a 7x7 grid of
verdicts, one per overlapping patch of the image.

On MNIST the two domains are two digits (``source`` and ``target``, 6 and 0 by default, the course's
own axis). ``train_step`` takes each batch's labels and keeps the images of the two digits, so the
recipe trains on those digits only (``Recipe.digits``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from gmtutor.core.data import as_images
from gmtutor.core.runtime import module_device
from gmtutor.core.train import Batch, OptimizerStep, frozen
from gmtutor.models.base import Trainable


class ResidualBlock(nn.Module):
    """x + conv(relu(conv(x))), both 3x3 with reflection padding and instance norm: the shape is kept."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1, padding_mode="reflect"),
            nn.InstanceNorm2d(channels, affine=True),
            nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1, padding_mode="reflect"),
            nn.InstanceNorm2d(channels, affine=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def translator_net(channels: int, blocks: int) -> nn.Sequential:
    """(N, 1, 28, 28) in [-1, 1] -> (N, 1, 28, 28) logits: down to 14x14, ``blocks`` residual blocks, back up."""
    wide = 2 * channels
    return nn.Sequential(
        nn.Conv2d(1, channels, 7, padding=3, padding_mode="reflect"),
        nn.InstanceNorm2d(channels, affine=True),
        nn.ReLU(),
        nn.Conv2d(channels, wide, 3, stride=2, padding=1),
        nn.InstanceNorm2d(wide, affine=True),
        nn.ReLU(),
        *[ResidualBlock(wide) for _ in range(blocks)],
        nn.ConvTranspose2d(wide, channels, 3, stride=2, padding=1, output_padding=1),
        nn.InstanceNorm2d(channels, affine=True),
        nn.ReLU(),
        nn.Conv2d(channels, 1, 7, padding=3, padding_mode="reflect"),
    )


def patch_discriminator(channels: Sequence[int]) -> nn.Sequential:
    """(N, 1, 28, 28) -> (N, 1, 7, 7) verdict logits, one per overlapping patch: two stride-2 convolutions
    (LeakyReLU 0.2; instance norm after the second), then a 3x3 convolution to one channel."""
    first, second = channels
    return nn.Sequential(
        nn.Conv2d(1, first, 4, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(first, second, 4, stride=2, padding=1),
        nn.InstanceNorm2d(second, affine=True),
        nn.LeakyReLU(0.2),
        nn.Conv2d(second, 1, 3, padding=1),
    )


def least_squares(verdicts: torch.Tensor, aim: float) -> torch.Tensor:
    """mean (D(x) - aim)^2: the least-squares GAN loss (Mao et al., 2017) that CycleGAN uses."""
    return (verdicts.float() - aim).pow(2).mean()


class CycleGAN(Trainable):
    """Two translators (``to_target``: G, ``to_source``: F) and two patch discriminators, for the digits
    ``source`` and ``target``. ``translate(x)`` sends source digits to the target class; ``translate(x,
    backward=True)`` the other way. Not a ``LatentModel``: a CycleGAN has no latent code and no prior to
    sample from, only images to translate."""

    training_only = ("judge_target", "judge_source")

    takes_labels = "yes"  # which images of a batch are source digits, which target digits
    watch_test_loss = False

    def __init__(
        self,
        source: int = 6,
        target: int = 0,
        channels: int = 16,
        blocks: int = 2,
        critic_channels: Sequence[int] = (32, 64),
        cycle_weight: float = 10.0,
        identity_weight: float = 0.0,
    ):
        super().__init__()
        if source == target or not {source, target} <= set(range(10)):
            raise ValueError(f"source and target must be two different digits 0-9, got {source} and {target}")
        if cycle_weight < 0 or identity_weight < 0:
            raise ValueError(f"the loss weights cannot be negative, got {cycle_weight} and {identity_weight}")
        self.to_target = translator_net(channels, blocks)
        self.to_source = translator_net(channels, blocks)
        self.judge_target = patch_discriminator(critic_channels)
        self.judge_source = patch_discriminator(critic_channels)

    def _translate(self, net: nn.Module, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(len(x), 1, 28, 28).to(module_device(self)).float()
        return torch.sigmoid(net(x * 2.0 - 1.0))

    def translate(self, x: torch.Tensor, backward: bool = False) -> torch.Tensor:
        """Images (N, 1, 28, 28) in [0, 1] of the source digit as the target digit (``backward``: the reverse)."""
        return self._translate(self.to_source if backward else self.to_target, x)

    @torch.no_grad()
    def translate_all(self, x: torch.Tensor, backward: bool = False, batch_size: int = 500) -> torch.Tensor:
        """``translate`` in eval mode over batches, for many images (uint8 or float), on the CPU."""
        was_training = self.training
        self.eval()
        out = [self.translate(as_images(x[i : i + batch_size]), backward).cpu() for i in range(0, len(x), batch_size)]
        self.train(was_training)
        return torch.cat(out)

    def _verdict(self, net: nn.Module, images: torch.Tensor) -> torch.Tensor:
        return net(images * 2.0 - 1.0)

    def _domains(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        source, target = x[y == self.config["source"]], x[y == self.config["target"]]
        if len(source) == 0 or len(target) == 0:
            pair = f"{self.config['source']}, {self.config['target']}"
            raise ValueError(
                f"a CycleGAN batch needs images of both digits {pair}: train it on data.digits({pair}) "
                "(the recipe does), with batches of 16 or more"
            )
        return source.reshape(len(source), 1, 28, 28).float(), target.reshape(len(target), 1, 28, 28).float()

    def _generator_losses(
        self, a: torch.Tensor, b: torch.Tensor
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
        """The translators' losses, and the translations F(b) and G(a) that the discriminators judge next."""
        fake_b, fake_a = self.translate(a), self.translate(b, backward=True)
        adversarial = least_squares(self._verdict(self.judge_target, fake_b), 1.0) + least_squares(
            self._verdict(self.judge_source, fake_a), 1.0
        )
        cycle = (self.translate(fake_b, backward=True) - a).abs().mean() + (self.translate(fake_a) - b).abs().mean()
        losses = {"g_adversarial": adversarial, "cycle": cycle}
        total = adversarial + self.config["cycle_weight"] * cycle
        if self.config["identity_weight"] > 0:
            identity = (self.translate(b) - b).abs().mean() + (self.translate(a, backward=True) - a).abs().mean()
            losses["identity"] = identity
            total = total + self.config["identity_weight"] * identity
        return {"g_loss": total, **losses}, fake_a, fake_b

    def _discriminator_loss(
        self, a: torch.Tensor, b: torch.Tensor, fake_a: torch.Tensor, fake_b: torch.Tensor
    ) -> torch.Tensor:
        on_target = least_squares(self._verdict(self.judge_target, b), 1.0) + least_squares(
            self._verdict(self.judge_target, fake_b.detach()), 0.0
        )
        on_source = least_squares(self._verdict(self.judge_source, a), 1.0) + least_squares(
            self._verdict(self.judge_source, fake_a.detach()), 0.0
        )
        return 0.5 * (on_target + on_source)

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        """Both sides' losses on a labelled batch at the current weights, updating nothing."""
        a, b = self._domains(x, y)
        generated, fake_a, fake_b = self._generator_losses(a, b)
        d_loss = self._discriminator_loss(a, b, fake_a, fake_b)
        return {"loss": generated["g_loss"] + d_loss, **generated, "d_loss": d_loss}

    def configure_optimizers(self, lr: float) -> list[torch.optim.Optimizer]:
        """[Adam for both translators, Adam for both discriminators], betas (0.5, 0.999) as in the paper."""
        translators = [*self.to_target.parameters(), *self.to_source.parameters()]
        judges = [*self.judge_target.parameters(), *self.judge_source.parameters()]
        return [torch.optim.Adam(group, lr=lr, betas=(0.5, 0.999)) for group in (translators, judges)]

    def discriminator_parameters(self) -> list[nn.Parameter]:
        return [*self.judge_target.parameters(), *self.judge_source.parameters()]

    def train_step(
        self, batch: Batch, optimizers: Sequence[torch.optim.Optimizer], step: OptimizerStep
    ) -> dict[str, torch.Tensor]:
        """One step of both translators (discriminators frozen), then one of both discriminators."""
        opt_g, opt_d = optimizers
        a, b = self._domains(batch.x, batch.y)
        with frozen(self.discriminator_parameters()):
            with step.autocast():
                generated, fake_a, fake_b = self._generator_losses(a, b)
            step(generated["g_loss"], opt_g)
        with step.autocast():
            d_loss = self._discriminator_loss(a, b, fake_a, fake_b)
        step(d_loss, opt_d)
        return {**{k: v.detach() for k, v in generated.items()}, "d_loss": d_loss.detach()}
