"""WGAN-GP (Gulrajani et al., 2017): a critic that estimates a distance, kept in check by a gradient penalty.

A GAN's discriminator ends in a probability, and its loss says little about how good the samples
are. The Wasserstein-1 distance between the data's distribution P_r and the generator's P_g has a
dual form (Kantorovich-Rubinstein),

    W(P_r, P_g) = max over 1-Lipschitz f of  E_{x ~ P_r} f(x) - E_{x ~ P_g} f(x),

so a network f, the **critic**, with an unbounded output, trained to maximise that difference,
estimates W as long as it stays 1-Lipschitz. WGAN (Arjovsky et al., 2017) clipped the critic's
weights to get there; WGAN-GP instead adds

    penalty * E_{x_hat} (|| grad_x f(x_hat) || - 1)^2

at points x_hat on straight lines between real and generated images, where an optimal critic has
gradients of norm 1. The critic takes several steps for each generator step, so that it stays close
to optimal and its objective, ``w_estimate``, tracks W: a loss curve that falls as samples improve.
The generator minimises -E f(G(z)).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from gmtutor.core.data import PIXELS
from gmtutor.core.train import Batch, OptimizerStep, frozen
from gmtutor.models.convnets import as_input, conv_trunk, trunk_features
from gmtutor.models.gan import _Adversarial, discriminator_net


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """E (|| grad f(x_hat) || - 1)^2 over x_hat = e * real + (1 - e) * fake, e ~ U(0, 1) per image.

    The graph is kept (``create_graph``), so the penalty's own gradient reaches the critic's weights.
    """
    mix = torch.rand(len(real), *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype)
    between = (mix * real + (1 - mix) * fake).requires_grad_(True)
    (gradients,) = torch.autograd.grad(critic(between).sum(), between, create_graph=True)
    return (gradients.flatten(1).norm(dim=1) - 1).pow(2).mean()


class WGANGP(_Adversarial):
    """G(z) as the GAN's; a critic f(x) with no sigmoid, batch norm or spectral normalisation (the penalty
    does their job). ``architecture="conv"``: DCGAN's G and a critic of two strided
    convolutions, the second layer-normalised (the penalty is per image, so the critic must not mix the
    batch, as batch norm would); ``"mlp"`` (the default): MLPs (``hidden``, ``critic_hidden``).

    Each ``fit`` step cuts its batch into ``critic_steps`` slices: one critic step on each slice
    (with fresh fakes), then one generator step. A recipe's batch size is therefore ``critic_steps``
    times the batch each critic step sees. A WGAN-GP has no encoder.
    """

    training_only = ("critic",)

    def __init__(
        self,
        latent_dim: int = 64,
        hidden: Sequence[int] = (256, 512),
        critic_hidden: Sequence[int] = (512, 256),
        penalty: float = 10.0,
        critic_steps: int = 5,
        architecture: str = "mlp",
        width: int = 64,
    ):
        super().__init__()
        if penalty < 0:
            raise ValueError(f"penalty must be >= 0, got {penalty}")
        if critic_steps < 1:
            raise ValueError(f"critic_steps must be at least 1, got {critic_steps}")
        self._init_generator(latent_dim, hidden, "non-saturating", architecture=architecture, width=width)
        if architecture == "conv":
            self.critic = nn.Sequential(conv_trunk(width, "layer"), nn.Linear(trunk_features(width), 1))
        else:
            self.critic = discriminator_net(PIXELS, critic_hidden, spectral=False)

    def score(self, x: torch.Tensor) -> torch.Tensor:
        """The critic's score f(x) of each image (higher: more like the data); pixels mapped to [-1, 1]."""
        return self.critic(as_input(x, self.config["architecture"])).squeeze(1)

    def discriminator_parameters(self) -> list[nn.Parameter]:
        return list(self.critic.parameters())

    def configure_optimizers(self, lr: float) -> list[torch.optim.Optimizer]:
        """[Adam for the critic, Adam for G], with the paper's betas (0, 0.9)."""
        return [
            torch.optim.Adam(self.critic.parameters(), lr=lr, betas=(0.0, 0.9)),
            torch.optim.Adam(self.generator.parameters(), lr=lr, betas=(0.0, 0.9)),
        ]

    def _critic_half(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        fake = self.decode(self.prior(len(x))).detach()
        w_estimate = self.score(x).mean() - self.score(fake).mean()
        penalty = gradient_penalty(self.score, x.float(), fake)
        return {"c_loss": -w_estimate + self.config["penalty"] * penalty, "w_estimate": w_estimate, "penalty": penalty}

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The critic's and the generator's losses on real images x, at the current weights, updating nothing."""
        critic_side = self._critic_half(x)
        g_loss = -self.score(self.decode(self.prior(len(x)))).mean()
        return {"loss": critic_side["c_loss"] + g_loss, **critic_side, "g_loss": g_loss}

    def train_step(
        self, batch: Batch, optimizers: Sequence[torch.optim.Optimizer], step: OptimizerStep
    ) -> dict[str, torch.Tensor]:
        """``critic_steps`` critic steps, one per slice of the batch, then one generator step."""
        x, (opt_critic, opt_g) = batch.x, optimizers
        reports = []
        for part in x.chunk(self.config["critic_steps"]):
            with step.autocast():
                critic_side = self._critic_half(part)
            step(critic_side["c_loss"], opt_critic)
            reports.append({k: v.detach() for k, v in critic_side.items()})

        with frozen(self.discriminator_parameters()):
            with step.autocast():
                g_loss = -self.score(self.decode(self.prior(len(x) // self.config["critic_steps"] or 1))).mean()
            step(g_loss, opt_g)
        averaged = {key: torch.stack([r[key] for r in reports]).mean() for key in reports[0]}
        return {**averaged, "g_loss": g_loss.detach()}
