"""RealNVP (Dinh, Sohl-Dickstein & Bengio, 2017): an invertible network whose likelihood is exact.

Change of variables: if ``z = f(x)`` is invertible and ``z ~ p_Z``, then

    ``log p_X(x) = log p_Z(f(x)) + log |det df/dx|``.

An affine coupling layer leaves the inputs picked by a mask ``m`` alone and rescales and
shifts the others with numbers computed from the kept ones:

    y = m * x + (1 - m) * (x * exp(s(m * x)) + t(m * x)).

Its Jacobian is triangular, so ``log |det| = sum((1 - m) * s)``, and its inverse,
``x = m * y + (1 - m) * (y - t(m * y)) * exp(-s(m * y))``, runs ``s`` and ``t`` forwards only:
they can be any network. Stacking couplings with alternating masks changes every input.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from gmtutor.core.data import IMAGE_SIDE, PIXELS
from gmtutor.models.base import LatentModel
from gmtutor.models.likelihood import flow_nll

LOG_2PI = math.log(2 * math.pi)


def standard_normal_log_prob(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I), summed over all but the first dimension."""
    return -0.5 * (z.pow(2) + LOG_2PI).flatten(1).sum(1)


def checkerboard_mask(height: int, width: int, parity: int) -> torch.Tensor:
    """A (1, 1, height, width) mask of ones where (row + column) % 2 == parity."""
    rows = torch.arange(height).unsqueeze(1)
    columns = torch.arange(width).unsqueeze(0)
    return ((rows + columns) % 2 == parity).float().reshape(1, 1, height, width)


def channel_mask(channels: int, parity: int) -> torch.Tensor:
    """A (1, channels, 1, 1) mask of ones on the first half of the channels (parity 0) or the second (1)."""
    first_half = torch.arange(channels) < channels // 2
    keep = first_half if parity == 0 else ~first_half
    return keep.float().reshape(1, channels, 1, 1)


def squeeze(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N, 4C, H/2, W/2): each 2x2 block of pixels becomes four channels."""
    n, c, h, w = x.shape
    x = x.reshape(n, c, h // 2, 2, w // 2, 2)
    return x.permute(0, 1, 3, 5, 2, 4).reshape(n, 4 * c, h // 2, w // 2)


def unsqueeze(x: torch.Tensor) -> torch.Tensor:
    """The inverse of ``squeeze``: (N, 4C, H, W) -> (N, C, 2H, 2W)."""
    n, c, h, w = x.shape
    x = x.reshape(n, c // 4, 2, 2, h, w)
    return x.permute(0, 1, 4, 2, 5, 3).reshape(n, c // 4, 2 * h, 2 * w)


class AffineCoupling(nn.Module):
    """One affine coupling layer: ``net(m * x)`` gives (raw scale, shift) for the inputs where m = 0.

    The scale is ``s = scale * tanh(raw)``, bounded, so one layer cannot blow up; ``net``'s last layer
    starts at zero, so a fresh layer is the identity.
    """

    def __init__(self, mask: torch.Tensor, net: nn.Module):
        super().__init__()
        self.register_buffer("mask", mask)
        self.net = net
        self.scale = nn.Parameter(torch.ones(1, mask.shape[1], *([1] * (mask.dim() - 2))))

    def _scale_shift(self, kept: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raw, shift = self.net(kept).chunk(2, dim=1)
        free = 1.0 - self.mask
        return self.scale * torch.tanh(raw) * free, shift * free

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x -> (y, ``log |det dy/dx|`` per row)."""
        s, t = self._scale_shift(x * self.mask)
        return x * torch.exp(s) + t, s.flatten(1).sum(1)

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        """y -> x, exactly (up to rounding)."""
        s, t = self._scale_shift(y * self.mask)
        return (y - t) * torch.exp(-s)


def _zero_init(layer: nn.Module) -> nn.Module:
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


class ResidualBlock(nn.Module):
    """x + conv(relu(conv(relu(x)))), 3x3 convolutions that keep the size."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ConvCouplingNet(nn.Module):
    """The s and t network for images: the kept pixels and the mask in, a small ResNet, 2C channels out."""

    def __init__(self, mask: torch.Tensor, hidden: int, blocks: int):
        super().__init__()
        channels = mask.shape[1]
        # Which positions are kept is the same for every image: the network sees it as one more channel.
        self.register_buffer("hint", mask[:, :1].clone())
        self.layers = nn.Sequential(
            nn.Conv2d(channels + 1, hidden, 3, padding=1),
            *[ResidualBlock(hidden) for _ in range(blocks)],
            nn.ReLU(),
            _zero_init(nn.Conv2d(hidden, 2 * channels, 3, padding=1)),
        )

    def forward(self, kept: torch.Tensor) -> torch.Tensor:
        hint = self.hint.expand(len(kept), -1, -1, -1).to(kept.dtype)
        return self.layers(torch.cat([kept, hint], dim=1))


def _image_couplings(channels: int, side: int, steps: int, hidden: int, blocks: int) -> nn.ModuleList:
    """``steps`` couplings on (channels, side, side) tensors, masks in turn: checkerboard, channel-wise,
    the other checkerboard, the other channel half, ... (checkerboards only when there is one channel)."""
    checkerboards = [checkerboard_mask(side, side, parity).expand(1, channels, side, side) for parity in (0, 1)]
    if channels == 1:
        masks = checkerboards
    else:
        halves = [channel_mask(channels, parity).expand(1, channels, side, side) for parity in (0, 1)]
        masks = [checkerboards[0], halves[0], checkerboards[1], halves[1]]
    chosen = [masks[i % len(masks)].contiguous() for i in range(steps)]
    return nn.ModuleList(AffineCoupling(mask, ConvCouplingNet(mask, hidden, blocks)) for mask in chosen)


class RealNVP(LatentModel):
    """A multi-scale RealNVP for 28x28 digits, with a standard normal base distribution.

    Data path (``encode``): pixels in [0, 1] -> 256 grey levels, dequantised with uniform noise in
    training -> logit(alpha + (1 - 2 alpha) y) -> ``full_resolution`` checkerboard couplings on the
    1x28x28 image -> squeeze to 4x14x14 -> ``steps`` couplings -> half the channels leave as latent
    code -> squeeze to 8x7x7 -> ``steps`` couplings -> the rest of the code. ``decode`` runs it all
    backwards. Codes have 784 numbers, like the images.
    """

    likelihood = "exact"

    def __init__(
        self, hidden: int = 32, blocks: int = 1, steps: int = 4, alpha: float = 0.001, full_resolution: int = 0
    ):
        super().__init__()
        if hidden < 1 or blocks < 0 or steps < 1 or full_resolution < 0:
            raise ValueError(
                f"need hidden >= 1, blocks >= 0, steps >= 1, full_resolution >= 0; "
                f"got {hidden}, {blocks}, {steps}, {full_resolution}"
            )
        if not 0.0 <= alpha < 0.5:
            raise ValueError(f"alpha must be in [0, 0.5), got {alpha}")
        self.alpha = float(alpha)
        self.latent_dim = PIXELS
        self.full = _image_couplings(1, IMAGE_SIDE, full_resolution, hidden, blocks)
        self.fine = _image_couplings(4, IMAGE_SIDE // 2, steps, hidden, blocks)
        self.coarse = _image_couplings(8, IMAGE_SIDE // 4, steps, 2 * hidden, blocks)

    # --- the fixed pre-transform: grey levels -> (0, 1) -> logit space -------------------------------
    def _unit_interval(self, x: torch.Tensor, dequantize: bool) -> torch.Tensor:
        """Images in [0, 1] as y in (0, 1): (level + u) / 256, u uniform in training, 1/2 otherwise."""
        images = x.reshape(len(x), 1, IMAGE_SIDE, IMAGE_SIDE)
        levels = (images if images.is_floating_point() else images.float()) * 255.0  # float64 stays float64
        if dequantize:
            return (levels.round() + torch.rand_like(levels)) / 256.0
        return (levels + 0.5) / 256.0

    def _logit(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        p = self.alpha + (1.0 - 2.0 * self.alpha) * y
        logdet = (math.log1p(-2.0 * self.alpha) - torch.log(p) - torch.log1p(-p)).flatten(1).sum(1)
        return torch.log(p) - torch.log1p(-p), logdet

    def _unlogit(self, u: torch.Tensor) -> torch.Tensor:
        return (torch.sigmoid(u) - self.alpha) / (1.0 - 2.0 * self.alpha)

    # --- the flow -------------------------------------------------------------------------------------
    def _flow(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logit-space images (N, 1, 28, 28) -> codes (N, 784) and the flow's ``log |det|``."""
        h = u
        logdet = torch.zeros(len(u), device=u.device, dtype=u.dtype)
        for layer in self.full:
            h, step_logdet = layer(h)
            logdet = logdet + step_logdet
        h = squeeze(h)
        for layer in self.fine:
            h, step_logdet = layer(h)
            logdet = logdet + step_logdet
        early, h = h[:, :2], squeeze(h[:, 2:])
        for layer in self.coarse:
            h, step_logdet = layer(h)
            logdet = logdet + step_logdet
        return torch.cat([early.flatten(1), h.flatten(1)], dim=1), logdet

    def _unflow(self, z: torch.Tensor) -> torch.Tensor:
        half = PIXELS // 2
        side = IMAGE_SIDE
        early = z[:, :half].reshape(len(z), 2, side // 2, side // 2)
        h = z[:, half:].reshape(len(z), 8, side // 4, side // 4)
        for layer in reversed(self.coarse):
            h = layer.inverse(h)
        h = torch.cat([early, unsqueeze(h)], dim=1)
        for layer in reversed(self.fine):
            h = layer.inverse(h)
        h = unsqueeze(h)
        for layer in reversed(self.full):
            h = layer.inverse(h)
        return h

    # --- the public interface -------------------------------------------------------------------------
    def log_prob(self, x: torch.Tensor, dequantize: bool = True) -> torch.Tensor:
        """log p(x) in nats per image, for 8-bit images given as pixels in [0, 1].

        The density of the dequantised image on the 0-256 grey-level scale: with uniform noise
        (the default) it is, on average, a lower bound on the log-probability of the discrete image.
        """
        u, pre_logdet = self._logit(self._unit_interval(x, dequantize))
        z, flow_logdet = self._flow(u)
        return standard_normal_log_prob(z) + flow_logdet + pre_logdet - PIXELS * math.log(256.0)

    def bits_per_dim(self, x: torch.Tensor, dequantize: bool = True) -> torch.Tensor:
        """-log2 p(x) / 784 per image: the usual yardstick for image likelihoods (lower is better)."""
        return -self.log_prob(x, dequantize) / (PIXELS * math.log(2.0))

    def nll(self, images: torch.Tensor) -> torch.Tensor:
        """Each 8-bit digit's negative log-likelihood (nats), dequantised with seeded noise, in batches."""
        return flow_nll(self, images)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The code z = f(x) of images in [0, 1], shaped (N, 784); deterministic (no noise)."""
        u, _ = self._logit(self._unit_interval(x, dequantize=False))
        return self._flow(u)[0]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1], shaped (N, 1, 28, 28), from codes: the exact inverse of ``encode``."""
        y = self._unlogit(self._unflow(z.reshape(len(z), PIXELS)))
        return ((y * 256.0 - 0.5) / 255.0).clamp(0.0, 1.0)

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The training objective: mean negative log-likelihood, in bits per dimension."""
        return {"loss": self.bits_per_dim(x).mean()}


class PointFlow(LatentModel):
    """RealNVP for points in a plane (or any low dimension): MLP couplings on alternating coordinates.

    Small enough to draw: ``log_prob`` on a grid is the learned density, ``sample`` draws new points.
    """

    def __init__(self, dim: int = 2, couplings: int = 8, hidden: int = 64):
        super().__init__()
        if dim < 2 or couplings < 1 or hidden < 1:
            raise ValueError(f"need dim >= 2, couplings >= 1, hidden >= 1; got {dim}, {couplings}, {hidden}")
        self.latent_dim = int(dim)
        first_half = (torch.arange(dim) < dim // 2).float().reshape(1, dim)
        self.layers = nn.ModuleList(
            AffineCoupling(first_half if i % 2 == 0 else 1.0 - first_half, _mlp_net(dim, hidden))
            for i in range(couplings)
        )

    def forward_with_logdet(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Points x -> codes z and ``log |det dz/dx|`` per point."""
        logdet = torch.zeros(len(x), device=x.device, dtype=x.dtype)
        for layer in self.layers:
            x, step_logdet = layer(x)
            logdet = logdet + step_logdet
        return x, logdet

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) per point, exact."""
        z, logdet = self.forward_with_logdet(x)
        return standard_normal_log_prob(z) + logdet

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Points -> codes z = f(x)."""
        return self.forward_with_logdet(x)[0]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Codes -> points x = f^-1(z), the couplings inverted in reverse order."""
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Mean negative log-likelihood in nats per point."""
        return {"loss": -self.log_prob(x).mean()}


def _mlp_net(dim: int, hidden: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), _zero_init(nn.Linear(hidden, 2 * dim))
    )
