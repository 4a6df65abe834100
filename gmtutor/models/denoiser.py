"""A small class-conditional denoising network, trained as diffusion or as flow matching (``diffusion``).

``DiffusionModel(objective="noise")`` learns DDPM's noise prediction e(x_t, t, y);
``DiffusionModel(objective="velocity")`` learns flow matching's velocity v(x_t, t, y). The network is
the same: a two-level U-Net at MNIST size (28 -> 14 -> 7 and back, with skip connections), where the
time and the label enter every block as a per-channel shift. The label is dropped (replaced by a
"no label" embedding) for a fraction ``label_dropout`` of the training images, so that one network
predicts with and without a label, as classifier-free guidance needs. Pixels are scaled to [-1, 1].
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from gmtutor.core.checkpoint import register_model
from gmtutor.core.runtime import module_device
from gmtutor.models.diffusion import NoiseSchedule, ddim_sample, euler_sample, flow_matching_pair

OBJECTIVES = ("noise", "velocity")
NO_LABEL = 10  # the label embedding's extra row: "no label given"


def time_features(t: torch.Tensor, size: int) -> torch.Tensor:
    """Sinusoidal features of times t in [0, 1] (N,) -> (N, size), as transformers encode positions."""
    half = size // 2
    frequencies = torch.exp(-math.log(10_000.0) * torch.arange(half, device=t.device) / half)
    angles = 1000.0 * t.float()[:, None] * frequencies[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class ConditionedBlock(nn.Module):
    """conv, norm, SiLU, + a shift computed from the conditioning, conv, norm, SiLU."""

    def __init__(self, n_in: int, n_out: int, condition: int):
        super().__init__()
        self.first = nn.Sequential(nn.Conv2d(n_in, n_out, 3, padding=1), nn.GroupNorm(8, n_out), nn.SiLU())
        self.shift = nn.Linear(condition, n_out)
        self.second = nn.Sequential(nn.Conv2d(n_out, n_out, 3, padding=1), nn.GroupNorm(8, n_out), nn.SiLU())

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        return self.second(self.first(x) + self.shift(condition)[:, :, None, None])


@register_model
class DiffusionModel(nn.Module):
    """A denoiser for 28 x 28 digits with its training objective and samplers; see the module docstring."""

    def __init__(
        self,
        objective: str = "noise",
        channels: int = 32,
        condition: int = 128,
        label_dropout: float = 0.1,
        schedule_steps: int = 1000,
    ):
        super().__init__()
        if objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
        if not 0 <= label_dropout <= 1:
            raise ValueError(f"label_dropout is a probability, got {label_dropout}")
        if channels % 8 or channels < 8:
            raise ValueError(f"channels must be a positive multiple of 8 (group norm), got {channels}")
        self.config = {
            "objective": objective,
            "channels": channels,
            "condition": condition,
            "label_dropout": label_dropout,
            "schedule_steps": schedule_steps,
        }
        self.schedule = NoiseSchedule.linear(schedule_steps)
        c = channels
        self.time = nn.Sequential(nn.Linear(condition, condition), nn.SiLU(), nn.Linear(condition, condition))
        self.labels = nn.Embedding(NO_LABEL + 1, condition)
        self.down1, self.down2 = ConditionedBlock(1, c, condition), ConditionedBlock(c, 2 * c, condition)
        self.middle = ConditionedBlock(2 * c, 2 * c, condition)
        self.up2, self.up1 = ConditionedBlock(4 * c, 2 * c, condition), ConditionedBlock(3 * c, c, condition)
        self.out = nn.Conv2d(c, 1, 1)

    def _times(self, t: torch.Tensor) -> torch.Tensor:
        """t as a time in [0, 1]: a diffusion step index over the schedule's length, a flow time as it is."""
        return t.float() / len(self.schedule) if self.config["objective"] == "noise" else t.float()

    def predict(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        """The network's prediction (noise or velocity) for x_t in [-1, 1] scale; ``y`` None: no label."""
        labels = torch.full((len(x),), NO_LABEL, device=x.device) if y is None else y.to(x.device).long()
        condition = self.time(time_features(self._times(t), self.config["condition"])) + self.labels(labels)
        h1 = self.down1(x, condition)
        h2 = self.down2(F.avg_pool2d(h1, 2), condition)
        h = self.middle(F.avg_pool2d(h2, 2), condition)
        h = self.up2(torch.cat([F.interpolate(h, scale_factor=2.0), h2], dim=1), condition)
        h = self.up1(torch.cat([F.interpolate(h, scale_factor=2.0), h1], dim=1), condition)
        return self.out(h)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.loss(x, y)

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        """Mean squared error of the prediction on noised images x (in [0, 1]) with labels y (some dropped)."""
        x = x.reshape(len(x), 1, 28, 28).float() * 2.0 - 1.0
        drop = torch.rand(len(x), device=x.device) < self.config["label_dropout"]
        labels = torch.where(drop, torch.full_like(y, NO_LABEL), y.to(x.device).long())
        e = torch.randn_like(x)
        if self.config["objective"] == "noise":
            t = torch.randint(0, len(self.schedule), (len(x),), device=x.device)
            noisy, target = self.schedule.noise(x, t, e), e
        else:
            t = torch.rand(len(x), device=x.device)
            noisy, target = flow_matching_pair(x, e, t)
        return {"loss": F.mse_loss(self.predict(noisy, t, labels), target)}

    @torch.no_grad()
    def sample(
        self,
        n: int,
        *,
        y: torch.Tensor | None = None,
        steps: int = 20,
        weight: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """n images in [0, 1]: DDIM (noise objective) or Euler (velocity) in ``steps`` steps, guided towards
        the labels ``y`` with weight ``weight`` (0: unconditional; ignored without labels)."""
        device = module_device(self)
        where = generator.device if generator is not None else device
        start = torch.randn(n, 1, 28, 28, generator=generator, device=where).to(device)
        if self.config["objective"] == "noise":
            x = ddim_sample(self.predict, self.schedule, start, steps, y, weight, clip=1.0)
        else:
            x = euler_sample(self.predict, start, steps, y, weight)
        return ((x + 1.0) / 2.0).clamp(0.0, 1.0)
