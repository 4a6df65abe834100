"""Diffusion and flow matching, the pieces that do not depend on the network: noising and sampling.

**Diffusion (DDPM, Ho et al., 2020).** A fixed forward process adds Gaussian noise in T small steps,

    x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) e_t,

and because Gaussians compose, any step has a closed form from the clean image x_0:

    x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) e,    abar_t = prod_{s <= t} (1 - beta_s),  e ~ N(0, I).

A network learns to predict the noise e from (x_t, t). Sampling runs the process backwards: DDPM takes
all T stochastic steps; DDIM (Song et al., 2021) takes a few deterministic ones along the same marginals.

**Flow matching (rectified flow; Lipman et al., 2023, Liu et al., 2023).** The straight-line version:
x_t = (1 - t) z + t x with z ~ N(0, I) and t in [0, 1]; a network learns the velocity x - z, and
sampling integrates dx/dt = v(x, t) from noise at t = 0 to data at t = 1 with Euler steps.

**Classifier-free guidance (Ho & Salimans, 2022).** One network, trained with the label dropped now and
then, predicts both with and without a label; sampling mixes them as u + w (c - u). Here w = 0 is the
unconditional model, w = 1 the conditional one, and w > 1 pushes harder towards the label.

A denoiser below is any callable ``net(x, t, y)``: ``t`` a tensor of step indices (diffusion) or
times in [0, 1] (flow matching), ``y`` labels or None for "no label".
"""

from __future__ import annotations

from collections.abc import Callable

import torch

Denoiser = Callable[[torch.Tensor, torch.Tensor, torch.Tensor | None], torch.Tensor]
SCHEDULES = ("linear", "cosine")


class NoiseSchedule:
    """DDPM's forward process: ``betas`` (T,) and the cumulative products ``alpha_bars`` (T,), step 0 first."""

    def __init__(self, betas: torch.Tensor):
        betas = torch.as_tensor(betas, dtype=torch.float64, device="cpu")  # a constant, kept on the CPU
        if betas.dim() != 1 or len(betas) < 1 or not bool(((betas > 0) & (betas < 1)).all()):
            raise ValueError("betas must be a 1-d tensor of values strictly between 0 and 1")
        self.betas = betas
        self.alpha_bars = torch.cumprod(1.0 - betas, dim=0)

    @classmethod
    def linear(cls, steps: int = 1000, start: float = 1e-4, end: float = 0.02) -> NoiseSchedule:
        """DDPM's schedule: betas rising linearly from ``start`` to ``end`` over ``steps`` steps."""
        return cls(torch.linspace(start, end, steps, dtype=torch.float64, device="cpu"))

    @classmethod
    def cosine(cls, steps: int = 1000, offset: float = 0.008, largest_beta: float = 0.999) -> NoiseSchedule:
        """Nichol & Dhariwal's (2021) schedule: abar(t) = f(t) / f(0), f(t) = cos((t / T + s) / (1 + s) * pi / 2)^2.

        The data's share falls slowly at both ends, so fewer steps are spent on near-pure noise than with the
        linear schedule; betas are capped at ``largest_beta`` to avoid a singular last step."""
        t = torch.arange(steps + 1, dtype=torch.float64, device="cpu") / steps
        f = torch.cos((t + offset) / (1 + offset) * torch.pi / 2) ** 2
        return cls((1 - f[1:] / f[:-1]).clamp(max=largest_beta))

    @classmethod
    def named(cls, name: str, steps: int = 1000) -> NoiseSchedule:
        """The schedule called ``name``: "linear" (DDPM's) or "cosine" (Nichol & Dhariwal's)."""
        if name not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {name!r}")
        return cls.linear(steps) if name == "linear" else cls.cosine(steps)

    def __len__(self) -> int:
        return len(self.betas)

    def _column(self, values: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        picked = values.to(like.device)[t.long()].to(like.dtype)
        return picked.reshape(-1, *([1] * (like.dim() - 1)))

    def noise(self, x0: torch.Tensor, t: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        """x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) e, in one step from the clean images (closed form)."""
        abar = self._column(self.alpha_bars, t, x0)
        return abar.sqrt() * x0 + (1 - abar).sqrt() * e

    def step_forward(self, x: torch.Tensor, t: int, e: torch.Tensor) -> torch.Tensor:
        """One step of the forward chain, x_{t-1} -> x_t: sqrt(1 - beta_t) x + sqrt(beta_t) e."""
        beta = float(self.betas[t])
        return (1 - beta) ** 0.5 * x + beta**0.5 * e

    def clean_estimate(self, x: torch.Tensor, t: torch.Tensor, e_hat: torch.Tensor) -> torch.Tensor:
        """x_0 as the noise prediction implies it: (x_t - sqrt(1 - abar_t) e_hat) / sqrt(abar_t)."""
        abar = self._column(self.alpha_bars, t, x)
        return (x - (1 - abar).sqrt() * e_hat) / abar.sqrt()

    def signal_to_noise(self, t: torch.Tensor) -> torch.Tensor:
        """SNR(t) = abar_t / (1 - abar_t): the data's variance over the noise's in x_t, for step indices t."""
        abar = self.alpha_bars.to(t.device)[t.long()]
        return abar / (1 - abar)

    def min_snr_weights(self, t: torch.Tensor, gamma: float = 5.0) -> torch.Tensor:
        """Hang et al.'s (2023) Min-SNR-gamma weights for the noise loss: min(SNR(t), gamma) / SNR(t).

        The noise loss is SNR(t) times the clean image's squared error, so it spends most of its effort on
        nearly clean images; these weights cap that share at gamma and leave the noisier steps at 1."""
        snr = self.signal_to_noise(t)
        return (snr.clamp(max=gamma) / snr).float()

    def noise_estimate(self, x: torch.Tensor, t: torch.Tensor, x0_hat: torch.Tensor) -> torch.Tensor:
        """The noise that takes ``x0_hat`` to x_t: (x_t - sqrt(abar_t) x0_hat) / sqrt(1 - abar_t)."""
        abar = self._column(self.alpha_bars, t, x)
        return (x - abar.sqrt() * x0_hat) / (1 - abar).sqrt()


def guided(net: Denoiser, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None, weight: float) -> torch.Tensor:
    """Classifier-free guidance: u + weight * (c - u), u the prediction without a label and c with ``y``.

    ``weight`` 0 is the unconditional model (one call, no label), 1 the conditional one (one call)."""
    if y is None or weight == 0:
        return net(x, t, None)
    conditional = net(x, t, y)
    if weight == 1:
        return conditional
    unconditional = net(x, t, None)
    return unconditional + weight * (conditional - unconditional)


@torch.no_grad()
def ddim_sample(
    net: Denoiser,
    schedule: NoiseSchedule,
    start: torch.Tensor,
    steps: int,
    y: torch.Tensor | None = None,
    weight: float = 1.0,
    clip: float | None = None,
    eta: float = 0.0,
    generator: torch.Generator | None = None,
    start_step: int | None = None,
    path: list[torch.Tensor] | None = None,
) -> torch.Tensor:
    """DDIM: from pure noise ``start`` at step T - 1 (or ``x_start_step``, as ``ddim_invert`` leaves it) to x_0
    in ``steps`` steps along DDPM's marginals.

    At each step, estimate x_0 from the predicted noise and re-noise it to the next, earlier step s:
    x_s = sqrt(abar_s) x0_hat + sqrt(1 - abar_s - sigma^2) e_hat + sigma z. With ``eta`` 0, sigma = 0 and
    sampling is deterministic (DDIM); with ``eta`` 1 and all T steps it is DDPM's ancestral sampler,
    sigma^2 = beta_t (1 - abar_s) / (1 - abar_t). Near pure noise the estimate divides by sqrt(abar_t),
    which is tiny, so a small error in e_hat becomes a huge x0_hat; ``clip`` (the data's range, 1 for
    images in [-1, 1]) clamps x0_hat and recomputes e_hat to match. ``path``, a list, collects every x.
    """
    if not 1 <= steps <= len(schedule):
        raise ValueError(f"steps must be between 1 and the schedule's {len(schedule)}, got {steps}")
    if not 0 <= eta <= 1:
        raise ValueError(f"eta must be between 0 (DDIM) and 1 (DDPM), got {eta}")
    first = len(schedule) - 1 if start_step is None else start_step
    if not 0 <= first < len(schedule):
        raise ValueError(f"start_step must be a step of the schedule (0 to {len(schedule) - 1}), got {start_step}")
    times = torch.linspace(first, 0, steps).round().long().tolist()
    x = start
    for i, t in enumerate(times):
        now = torch.full((len(x),), t, dtype=torch.long, device=x.device)
        e_hat = guided(net, x, now, y, weight)
        if i + 1 == len(times):  # the last step lands on the clean estimate itself
            x0_hat = clean_estimate(schedule, x, t, e_hat, clip)
            if path is not None:
                path.append(x0_hat)
            return x0_hat
        z = None
        if eta > 0:
            where = generator.device if generator is not None else x.device
            z = torch.randn(x.shape, generator=generator, device=where, dtype=x.dtype).to(x.device)
        x = ddim_step(schedule, x, t, times[i + 1], e_hat, eta=eta, clip=clip, noise=z)
        if path is not None:
            path.append(x)
    return x


def clean_estimate(
    schedule: NoiseSchedule, x: torch.Tensor, t: int, e_hat: torch.Tensor, clip: float | None = None
) -> torch.Tensor:
    """x_0 as the noise prediction ``e_hat`` at step ``t`` implies it, clamped to [-clip, clip] with ``clip``."""
    x0_hat = schedule.clean_estimate(x, torch.full((len(x),), t, dtype=torch.long, device=x.device), e_hat)
    return x0_hat if clip is None else x0_hat.clamp(-clip, clip)


def ddim_step(
    schedule: NoiseSchedule,
    x: torch.Tensor,
    t: int,
    s: int,
    e_hat: torch.Tensor,
    eta: float = 0.0,
    clip: float | None = None,
    noise: torch.Tensor | None = None,
) -> torch.Tensor:
    """One DDIM step from x_t to the earlier step s < t, given the predicted noise ``e_hat``.

    x0_hat = (x_t - sqrt(1 - abar_t) e_hat) / sqrt(abar_t), clamped with ``clip`` (and e_hat recomputed to
    match); then x_s = sqrt(abar_s) x0_hat + sqrt(1 - abar_s - sigma^2) e_hat + sigma noise, with
    sigma = eta sqrt((1 - abar_s) / (1 - abar_t) (1 - abar_t / abar_s)). ``noise`` (standard normal, the
    shape of x) is needed when eta > 0."""
    x0_hat = clean_estimate(schedule, x, t, e_hat, clip)
    if clip is not None:
        e_hat = schedule.noise_estimate(x, torch.full((len(x),), t, dtype=torch.long, device=x.device), x0_hat)
    abar_t, abar_s = float(schedule.alpha_bars[t]), float(schedule.alpha_bars[s])
    sigma = eta * ((1 - abar_s) / (1 - abar_t) * (1 - abar_t / abar_s)) ** 0.5
    x_s = abar_s**0.5 * x0_hat + (1 - abar_s - sigma**2) ** 0.5 * e_hat
    if sigma > 0:
        if noise is None:
            raise ValueError("a stochastic step (eta > 0) needs its noise")
        x_s = x_s + sigma * noise
    return x_s


@torch.no_grad()
def ddim_invert(
    net: Denoiser,
    schedule: NoiseSchedule,
    x0: torch.Tensor,
    steps: int,
    y: torch.Tensor | None = None,
    weight: float = 1.0,
    end_step: int | None = None,
) -> torch.Tensor:
    """DDIM run backwards: from clean images ``x0`` up to step ``end_step`` (default T - 1, pure noise) in
    ``steps`` deterministic steps, each re-noising the current x_0 estimate with the current noise
    estimate. ``ddim_sample`` from the result (``start_step=end_step``) gives ``x0`` back, up to the
    error of taking each step's noise estimate at its start."""
    last = len(schedule) - 1 if end_step is None else end_step
    if not 1 <= steps <= len(schedule) or not 0 < last < len(schedule):
        raise ValueError(f"need 1 <= steps <= {len(schedule)} and 0 < end_step < {len(schedule)}")
    times = torch.linspace(0, last, steps + 1).round().long().tolist()
    x = x0
    for t, later in zip(times[:-1], times[1:], strict=True):
        now = torch.full((len(x),), t, dtype=torch.long, device=x.device)
        e_hat = guided(net, x, now, y, weight)
        x = schedule.noise(schedule.clean_estimate(x, now, e_hat), torch.full_like(now, later), e_hat)
    return x


@torch.no_grad()
def euler_sample(
    net: Denoiser,
    start: torch.Tensor,
    steps: int,
    y: torch.Tensor | None = None,
    weight: float = 1.0,
    start_time: float = 0.0,
    end_time: float = 1.0,
    path: list[torch.Tensor] | None = None,
) -> torch.Tensor:
    """Flow matching's sampler: integrate dx/dt = v(x, t) from noise at t = 0 (or ``start_time``) to data at
    t = 1 (or ``end_time``) in ``steps`` Euler steps. With ``end_time < start_time`` it runs backwards,
    from an image towards its noise: the ODE's inverse, up to the Euler steps' error. ``path``, a list,
    collects x after every step."""
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    if not (0 <= start_time <= 1 and 0 <= end_time <= 1):
        raise ValueError(f"flow times lie in [0, 1], got start_time {start_time} and end_time {end_time}")
    x, dt = start, (end_time - start_time) / steps
    for i in range(steps):
        t = torch.full((len(x),), start_time + i * dt, device=x.device, dtype=x.dtype)
        x = x + dt * guided(net, x, t, y, weight)
        if path is not None:
            path.append(x)
    return x


def flow_matching_pair(x1: torch.Tensor, z: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The straight path's point and velocity: x_t = (1 - t) z + t x1 and the target x1 - z."""
    t = t.reshape(-1, *([1] * (x1.dim() - 1))).to(x1.dtype)
    return (1 - t) * z + t * x1, x1 - z


__all__ = [
    "NoiseSchedule",
    "clean_estimate",
    "ddim_invert",
    "ddim_sample",
    "ddim_step",
    "euler_sample",
    "flow_matching_pair",
    "guided",
]
