"""Small denoising networks, trained as diffusion or as flow matching (``diffusion`` has the maths).

``DiffusionModel(objective="noise")`` learns DDPM's noise prediction e(x_t, t, y);
``DiffusionModel(objective="velocity")`` learns flow matching's velocity v(x_t, t, y). ``VectorDenoiser``
does the same for vectors with a small MLP: 2-D points, for pictures of the idea, or a VAE's codes. The digit network is
the same for both objectives: a two-level U-Net at MNIST size (28 -> 14 -> 7 and back, with skip connections), where the
time and the label enter every block as a per-channel shift. The label is dropped (replaced by a
"no label" embedding) for a fraction ``label_dropout`` of the training images, so that one network
predicts with and without a label, as classifier-free guidance needs. Pixels are scaled to [-1, 1].
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from gmtutor.core.data import as_images
from gmtutor.core.runtime import MOST_SAMPLES, bounded, module_device
from gmtutor.models.base import Trainable
from gmtutor.models.diffusion import NoiseSchedule, ddim_invert, ddim_sample, euler_sample, flow_matching_pair

OBJECTIVES = ("noise", "velocity")
WEIGHTINGS = ("uniform", "min-snr")  # the noise loss over time: as DDPM's, or Min-SNR-5's (Hang et al., 2023)
NO_LABEL = 10  # the label embedding's extra row: "no label given"
SAMPLING_BATCH = 256  # images per pass when sampling: larger batches are no faster on a CPU, and need more memory


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


class ResidualBlock(nn.Module):
    """DDPM's residual block: norm, SiLU, conv, + the conditioning's shift, norm, SiLU, conv, added to the input.

    The sum keeps a straight path from input to output (a 1 x 1 convolution where the channels change), so
    the block only has to learn a correction, and nothing normalises what it passes on."""

    def __init__(self, n_in: int, n_out: int, condition: int):
        super().__init__()
        self.first = nn.Sequential(nn.GroupNorm(8, n_in), nn.SiLU(), nn.Conv2d(n_in, n_out, 3, padding=1))
        self.shift = nn.Linear(condition, n_out)
        self.second = nn.Sequential(nn.GroupNorm(8, n_out), nn.SiLU(), nn.Conv2d(n_out, n_out, 3, padding=1))
        self.skip = nn.Identity() if n_in == n_out else nn.Conv2d(n_in, n_out, 1)

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        h = self.first(x) + self.shift(condition)[:, :, None, None]
        return self.skip(x) + self.second(h)


BLOCKS = {"plain": ConditionedBlock, "residual": ResidualBlock}


class Denoiser(Trainable):
    """What both denoisers share: the objective, its training pairs, and the samplers.

    A subclass takes ``objective`` and ``schedule_steps`` (its ``config`` records them) and defines
    ``predict(x, t, y)``; data are scaled so that the model works in roughly unit-sized values."""

    def _setup(self, objective: str, schedule_steps: int, schedule: str = "linear") -> None:
        if objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
        self.schedule = NoiseSchedule.named(schedule, schedule_steps)

    def _times(self, t: torch.Tensor) -> torch.Tensor:
        """t as a time in [0, 1]: a diffusion step index over the schedule's length, a flow time as it is."""
        return t.float() / len(self.schedule) if self.config["objective"] == "noise" else t.float()

    def predict(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        raise NotImplementedError

    def drop_labels(self, y: torch.Tensor, no_label: int) -> torch.Tensor:
        """``y`` with a fraction ``label_dropout`` of its labels replaced by ``no_label`` (for guidance)."""
        drop = torch.rand(len(y), device=y.device) < self.config["label_dropout"]
        return torch.where(drop, torch.full_like(y, no_label), y)

    def objective_loss(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        """The mean squared error of the prediction at a random time: noise (DDPM) or velocity (flow matching)."""
        e = torch.randn_like(x)
        weights = None  # per image; None: every image counts the same
        if self.config["objective"] == "noise":
            t = torch.randint(0, len(self.schedule), (len(x),), device=x.device)
            noisy, target = self.schedule.noise(x, t, e), e
            if self.config.get("weighting") == "min-snr":  # VectorDenoiser has no weighting: uniform
                weights = self.schedule.min_snr_weights(t)
        else:
            t = torch.rand(len(x), device=x.device)
            noisy, target = flow_matching_pair(x, e, t)
        prediction = self.predict(noisy, t, y)
        if weights is None:
            return F.mse_loss(prediction, target)
        return (weights * (prediction - target).pow(2).flatten(1).mean(1)).mean()

    def run_sampler(
        self,
        start: torch.Tensor,
        steps: int,
        y: torch.Tensor | None = None,
        weight: float = 1.0,
        eta: float = 0.0,
        generator: torch.Generator | None = None,
        clip: float | None = None,
        path: list[torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """From noise ``start`` to data: DDIM (or DDPM with ``eta`` 1) for the noise objective, Euler for the
        velocity. ``path``, a list, collects x after every step."""
        if self.config["objective"] == "noise":
            return ddim_sample(
                self.predict, self.schedule, start, steps, y, weight, clip=clip, eta=eta, generator=generator, path=path
            )
        if eta:
            raise ValueError("eta (stochastic steps) is for the noise objective; Euler steps are deterministic")
        return euler_sample(self.predict, start, steps, y, weight, path=path)

    def _start(self, shape: tuple[int, ...], generator: torch.Generator | None, temperature: float) -> torch.Tensor:
        """Starting noise of ``shape``, N(0, temperature^2 I), on the model's device (drawn on ``generator``'s)."""
        if temperature < 0:
            raise ValueError(f"temperature scales the starting noise and cannot be negative, got {temperature}")
        bounded("n", shape[0], MOST_SAMPLES)
        device = module_device(self)
        where = generator.device if generator is not None else device
        return (torch.randn(*shape, generator=generator, device=where) * temperature).to(device)


class VectorDenoiser(Denoiser):
    """A denoiser for vectors of ``dim`` numbers: 2-D points to draw, or the 20-d VAE's codes (latent
    diffusion). An MLP on the vector, sinusoidal time features and, with ``classes``, a label embedding
    (dropped for a fraction ``label_dropout`` of the training vectors, for guidance)."""

    takes_labels = "optional"

    def __init__(
        self,
        dim: int = 2,
        objective: str = "noise",
        hidden: int = 128,
        classes: int = 0,
        label_dropout: float = 0.1,
        schedule_steps: int = 1000,
    ):
        super().__init__()
        self._setup(objective, schedule_steps)
        self.labels = nn.Embedding(classes + 1, hidden) if classes else None  # the last row: "no label"
        self.inputs = nn.Linear(dim + 32, hidden)
        self.net = nn.Sequential(
            nn.SiLU(),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
            nn.Linear(hidden, dim),
        )

    def predict(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.inputs(torch.cat([x, time_features(self._times(t), 32)], dim=1))
        if self.labels is not None:
            no_label = torch.full((len(x),), self.config["classes"], device=x.device)
            h = h + self.labels(no_label if y is None else y.to(x.device).long())
        return self.net(h)

    def loss(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """The objective's mean squared error on vectors x (N, dim), best standardised to unit scale."""
        if self.labels is None or y is None:
            return {"loss": self.objective_loss(x.float(), None)}
        labels = self.drop_labels(y.to(x.device).long(), no_label=self.config["classes"])
        return {"loss": self.objective_loss(x.float(), labels)}

    @torch.no_grad()
    def sample(
        self,
        n: int,
        *,
        generator: torch.Generator | None = None,
        temperature: float = 1.0,
        y: torch.Tensor | None = None,
        steps: int = 50,
        weight: float = 1.0,
        eta: float = 0.0,
        path: bool = False,
    ) -> torch.Tensor:
        """n vectors in ``steps`` steps from noise N(0, temperature^2 I) (guided towards labels ``y`` with
        ``weight``), on the CPU; with ``path``, the whole way: (steps + 1, n, dim), noise first."""
        start = self._start((n, self.config["dim"]), generator, temperature)
        visited = [start] if path else None
        x = self.run_sampler(start, steps, y, weight, eta=eta, generator=generator, path=visited)
        return torch.stack(visited).cpu() if path else x.cpu()


class DiffusionModel(Denoiser):
    """A denoiser for 28 x 28 digits with its training objective and samplers; see the module docstring."""

    takes_labels = "yes"

    def __init__(
        self,
        objective: str = "noise",
        channels: int = 32,
        condition: int = 128,
        label_dropout: float = 0.1,
        schedule_steps: int = 1000,
        schedule: str = "linear",
        block: str = "plain",
        weighting: str = "uniform",
    ):
        super().__init__()
        self._setup(objective, schedule_steps, schedule)
        if weighting not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
        if weighting != "uniform" and objective != "noise":
            raise ValueError(
                f"weighting {weighting!r} reweights the noise loss; use objective='noise' or weighting='uniform'"
            )
        if block not in BLOCKS:
            raise ValueError(f"block must be one of {tuple(BLOCKS)}, got {block!r}")
        if not 0 <= label_dropout <= 1:
            raise ValueError(f"label_dropout is a probability, got {label_dropout}")
        if channels % 8 or channels < 8:
            raise ValueError(f"channels must be a positive multiple of 8 (group norm), got {channels}")
        c = channels
        self.time = nn.Sequential(nn.Linear(condition, condition), nn.SiLU(), nn.Linear(condition, condition))
        self.labels = nn.Embedding(NO_LABEL + 1, condition)
        Block = BLOCKS[block]
        # a residual block normalises its input, which would erase the noisy image's scale: a conv comes first
        self.inputs = nn.Identity() if block == "plain" else nn.Conv2d(1, c, 3, padding=1)
        self.down1, self.down2 = Block(1 if block == "plain" else c, c, condition), Block(c, 2 * c, condition)
        self.middle = Block(2 * c, 2 * c, condition)
        self.up2, self.up1 = Block(4 * c, 2 * c, condition), Block(3 * c, c, condition)
        # a residual network's features are not normalised on the way out: norm and SiLU before the last conv
        self.out = (
            nn.Conv2d(c, 1, 1) if block == "plain" else nn.Sequential(nn.GroupNorm(8, c), nn.SiLU(), nn.Conv2d(c, 1, 1))
        )

    def predict(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        """The network's prediction (noise or velocity) for x_t in [-1, 1] scale; ``y`` None: no label."""
        labels = torch.full((len(x),), NO_LABEL, device=x.device) if y is None else y.to(x.device).long()
        condition = self.time(time_features(self._times(t), self.config["condition"])) + self.labels(labels)
        h1 = self.down1(self.inputs(x), condition)
        h2 = self.down2(F.avg_pool2d(h1, 2), condition)
        h = self.middle(F.avg_pool2d(h2, 2), condition)
        h = self.up2(torch.cat([F.interpolate(h, scale_factor=2.0), h2], dim=1), condition)
        h = self.up1(torch.cat([F.interpolate(h, scale_factor=2.0), h1], dim=1), condition)
        return self.out(h)

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        """Mean squared error of the prediction on noised images x (in [0, 1]) with labels y (some dropped)."""
        x = x.reshape(len(x), 1, 28, 28).float() * 2.0 - 1.0
        return {"loss": self.objective_loss(x, self.drop_labels(y.to(x.device).long(), NO_LABEL))}

    @torch.no_grad()
    def sample(
        self,
        n: int,
        *,
        generator: torch.Generator | None = None,
        temperature: float = 1.0,
        y: torch.Tensor | None = None,
        steps: int = 20,
        weight: float = 1.0,
        eta: float = 0.0,
        batch_size: int = SAMPLING_BATCH,
    ) -> torch.Tensor:
        """n images in [0, 1]: DDIM (noise objective) or Euler (velocity) in ``steps`` steps from noise
        N(0, temperature^2 I), guided towards the labels ``y`` with weight ``weight`` (0: unconditional;
        ignored without labels). ``eta`` 1 with all the schedule's steps is DDPM's stochastic sampler (noise
        objective only). The starting noise is drawn at once, then sampled ``batch_size`` images at a time."""
        start = self._start((n, 1, 28, 28), generator, temperature)
        out = []
        for i in range(0, n, batch_size):
            labels = None if y is None else y[i : i + batch_size]
            x = self.run_sampler(start[i : i + batch_size], steps, labels, weight, eta, generator, clip=1.0)
            out.append(((x + 1.0) / 2.0).clamp(0.0, 1.0))
        return torch.cat(out) if out else start

    def _steps_for(self, depth: float, steps: int) -> int:
        if not 0 < depth <= 1:
            raise ValueError(f"depth is the fraction of the way from image to noise, in (0, 1], got {depth}")
        return max(1, round(steps * depth))

    def _diffusion_step(self, depth: float) -> int:
        return max(1, round(depth * (len(self.schedule) - 1)))

    @torch.no_grad()
    def invert(self, x: torch.Tensor, y: torch.Tensor, *, depth: float = 1.0, steps: int = 20) -> torch.Tensor:
        """Images x (uint8, or floats in [0, 1]) with their labels y run deterministically towards noise: DDIM
        inversion (noise objective) or the flow-matching ODE backwards (velocity), a fraction ``depth`` of the way
        (1: to pure noise), in about ``steps * depth`` steps. ``regenerate`` with the same settings comes back."""
        device = module_device(self)
        x = as_images(x).to(device) * 2.0 - 1.0
        y = torch.as_tensor(y, device=device).long()
        n = self._steps_for(depth, steps)
        if self.config["objective"] == "noise":
            return ddim_invert(self.predict, self.schedule, x, n, y, end_step=self._diffusion_step(depth))
        return euler_sample(self.predict, x, n, y, start_time=1.0, end_time=1.0 - depth)

    @torch.no_grad()
    def regenerate(
        self, noisy: torch.Tensor, y: torch.Tensor, *, depth: float = 1.0, steps: int = 20, weight: float = 1.0
    ) -> torch.Tensor:
        """The way back from ``invert``'s output to images in [0, 1], guided towards labels ``y``: the same
        ones to reconstruct, others to imagine the digit as another class."""
        y = torch.as_tensor(y, device=noisy.device).long()
        n = self._steps_for(depth, steps)
        if self.config["objective"] == "noise":
            start = self._diffusion_step(depth)
            x = ddim_sample(self.predict, self.schedule, noisy, n, y, weight, clip=1.0, start_step=start)
        else:
            x = euler_sample(self.predict, noisy, n, y, weight, start_time=1.0 - depth)
        return ((x + 1.0) / 2.0).clamp(0.0, 1.0)

    def relabel(
        self,
        x: torch.Tensor,
        source: torch.Tensor,
        target: torch.Tensor,
        *,
        depth: float = 1.0,
        steps: int = 20,
        weight: float = 1.0,
        batch_size: int = SAMPLING_BATCH,
    ) -> torch.Tensor:
        """Digits x of classes ``source`` imagined as classes ``target``: ``invert`` under the source label,
        ``regenerate`` under the target label. Returns images in [0, 1], (N, 1, 28, 28), on the CPU."""
        if len(x) != len(source) or len(x) != len(target):
            sizes = f"{len(x)}, {len(source)}, {len(target)}"
            raise ValueError(f"x, source and target need one entry per image each, got {sizes}")
        out = []
        for i in range(0, len(x), batch_size):
            rows = slice(i, i + batch_size)
            noisy = self.invert(x[rows], source[rows], depth=depth, steps=steps)
            out.append(self.regenerate(noisy, target[rows], depth=depth, steps=steps, weight=weight).cpu())
        return torch.cat(out) if out else torch.zeros(0, 1, 28, 28)
