"""Autoregressive models: the chain rule, p(x) = prod_i p(x_i | x_<i), one pixel at a time.

Naive Bayes writes p(x | y) as a product of one factor per pixel and drops every dependence between
pixels. The chain rule writes the same p(x) as a product of one factor per pixel too, but each factor
conditions on every pixel before it (here in raster order: row by row, left to right), so nothing is
dropped and the likelihood is exact. Each factor is a categorical over the pixel's grey levels (256 for the
8-bit digit; ``levels=2`` makes it black or white, 4 a few greys), so a digit's probability is a plain product
of probabilities: no bound, no dequantisation. Fewer levels leave the network less to learn per pixel and more
budget for the shapes, but the likelihood is then the probability of the coarser digit, on its own scale.

Two networks compute all 784 factors in one pass, and each must be *causal*: output i may depend on
inputs before i only. Training is then one cross-entropy over all pixels at once (teacher forcing);
sampling has to go pixel by pixel, 784 passes.

- ``PixelCNN`` (van den Oord et al., 2016; gated, with the two stacks of "Conditional Image Generation
  with PixelCNN Decoders"): masked convolutions. A plain stack of masked 3 x 3 convolutions has a blind
  spot above and to the right of each pixel; a vertical stack (all rows above) feeding a horizontal stack
  (the pixels to the left in the same row) sees all of x_<i.
- ``PixelTransformer``: the same chain rule with attention, a causal transformer over the 784 pixels as
  tokens, which is exactly a language model's next-token loss on a "sentence" of grey levels.
"""

from __future__ import annotations

import math
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from gmtutor.core.data import PIXELS, as_images
from gmtutor.core.runtime import MOST_SAMPLES, bounded, module_device
from gmtutor.models.base import Trainable

LEVELS = 256  # grey levels of an 8-bit digit: at most a 256-way categorical variable per pixel
SIDE = 28


def top_rows(rows: int) -> torch.Tensor:
    """A 28 x 28 mask of the top ``rows`` rows: what ``sample(start=..., keep=...)`` keeps to complete the rest."""
    mask = torch.zeros(SIDE, SIDE, dtype=torch.bool)
    mask[:rows] = True
    return mask


def left_columns(columns: int) -> torch.Tensor:
    """A 28 x 28 mask of the left ``columns`` columns."""
    mask = torch.zeros(SIDE, SIDE, dtype=torch.bool)
    mask[:, :columns] = True
    return mask


def levels_of(images: torch.Tensor, levels: int = LEVELS) -> torch.Tensor:
    """Digits (uint8, or floats in [0, 1]) as integer grey levels 0..levels - 1, shaped (N, 28, 28): each pixel
    rounded to the nearest of ``levels`` evenly spaced greys (with 2, black below one half and white above)."""
    return (as_images(images) * (levels - 1)).round().long().reshape(-1, SIDE, SIDE)


def _check_levels(levels: int) -> int:
    if not 2 <= int(levels) <= LEVELS:
        raise ValueError(
            f"levels is how many greys a pixel may take, from 2 (black or white) to {LEVELS}, got {levels}"
        )
    return int(levels)


class _Autoregressive(Trainable):
    """What both networks share: the loss, the exact likelihood and sampling pixel by pixel.

    A subclass sets ``self.levels`` and defines ``logits(levels) -> (N, self.levels, 28, 28)``, the categorical of
    every pixel given the pixels before it, and may define ``_next_logits`` for a faster sampler."""

    likelihood = "exact"
    discrete = True  # the likelihood is a probability of the digit at ``levels`` greys, not a density
    levels = LEVELS
    sequential = True  # draws one pixel at a time: the scoreboard draws fewer samples and scores completions

    def logits(self, levels: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def loss(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Mean negative log-likelihood of the batch's pixels, in nats per pixel, and bits/dim."""
        levels = levels_of(x, self.levels).to(module_device(self))
        nats = F.cross_entropy(self.logits(levels), levels)
        return {"loss": nats, "bits/dim": nats / math.log(2.0)}

    @torch.no_grad()
    def nll(self, images: torch.Tensor, batch_size: int = 250) -> torch.Tensor:
        """Negative log-likelihood of each digit, rounded to ``self.levels`` greys, in nats: -sum_i log p(x_i | x_<i),
        exact."""
        device, out = module_device(self), []
        for i in range(0, len(images), batch_size):
            levels = levels_of(images[i : i + batch_size], self.levels).to(device)
            nats = F.cross_entropy(self.logits(levels), levels, reduction="none").sum((1, 2))
            out.append(nats.float().cpu())
        return torch.cat(out) if out else torch.zeros(0)

    def _next_logits(self, levels: torch.Tensor, row: int, column: int) -> torch.Tensor:
        """Logits (N, levels) of pixel (row, column) given ``levels`` (only the pixels before it are read)."""
        return self.logits(levels)[:, :, row, column]

    @torch.no_grad()
    def sample(
        self,
        n: int,
        *,
        generator: torch.Generator | None = None,
        temperature: float = 1.0,
        start: torch.Tensor | None = None,
        keep: torch.Tensor | None = None,
        cached: bool = True,
    ) -> torch.Tensor:
        """n digits in [0, 1], (n, 1, 28, 28), drawn pixel by pixel in raster order; ``temperature`` divides the
        logits (below 1: the likelier levels, less varied).

        A completion: ``start`` (n digits) and ``keep``, a 28 x 28 mask of the pixels to keep from it (the top
        half: ``keep = top_rows(14)``); the others are drawn, each given every pixel before it in raster order,
        kept or drawn. Kept pixels *after* a drawn one cannot inform it: the chain rule conditions on the
        past only. ``cached`` False runs the whole network for every pixel (to time what the cache saves)."""
        bounded("n", n, MOST_SAMPLES)
        if temperature <= 0:
            raise ValueError(f"temperature divides the logits and must be positive, got {temperature}")
        if keep is not None and start is None:
            raise ValueError("keep names pixels to keep from start: pass start too")
        if start is not None and len(start) != n:
            raise ValueError(f"start needs one digit per sample: {n}, got {len(start)}")
        keep = torch.zeros(SIDE, SIDE, dtype=torch.bool) if keep is None else torch.as_tensor(keep, dtype=torch.bool)
        if keep.shape != (SIDE, SIDE):
            raise ValueError(f"keep is a {SIDE} x {SIDE} mask of pixels, got shape {tuple(keep.shape)}")
        self.eval()
        device = module_device(self)
        levels = torch.zeros(n, SIDE, SIDE, dtype=torch.long, device=device)
        if start is not None:
            levels[:] = levels_of(start, self.levels).to(device)
        drawn_places = (~keep).flatten().nonzero().flatten().tolist()
        # uncached: the whole network for every pixel, to time what the fast sampler saves
        next_logits = self._next_logits if cached else partial(_Autoregressive._next_logits, self)
        self._begin_sampling(levels)
        for i in range(drawn_places[0] if drawn_places else PIXELS, PIXELS):
            row, column = divmod(i, SIDE)
            # every position goes through the network in order, so that a cache holds each pixel once
            logits = next_logits(levels, row, column)
            if keep[row, column]:
                continue
            probabilities = F.softmax(logits.float() / temperature, dim=-1)
            drawn = torch.multinomial(probabilities.cpu(), 1, generator=generator).squeeze(1)
            levels[:, row, column] = drawn.to(device)
        self._end_sampling()
        return (levels.float() / (self.levels - 1)).unsqueeze(1)

    def _begin_sampling(self, levels: torch.Tensor) -> None:
        """Set up any per-sample cache (the transformer's keys and values); the base has none."""

    def _end_sampling(self) -> None:
        """Drop the cache."""


class _MaskedConv(nn.Conv2d):
    """A convolution whose kernel is multiplied by a fixed 0/1 mask, so that some inputs cannot reach the output.

    ``row_dilation`` spaces the kernel's rows that far apart: a 3-row kernel then reaches ``row_dilation`` rows up."""

    def __init__(self, n_in: int, n_out: int, mask: torch.Tensor, row_dilation: int = 1):
        rows, columns = mask.shape
        padding = (row_dilation * (rows // 2), columns // 2)
        super().__init__(n_in, n_out, (rows, columns), padding=padding, dilation=(row_dilation, 1))
        self.register_buffer("mask", mask.reshape(1, 1, rows, columns).float(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding, dilation=self.dilation)


def vertical_mask(size: int, include_centre_row: bool) -> torch.Tensor:
    """A size x size kernel that sees the rows above its centre (and, if asked, the centre row), all columns."""
    mask = torch.zeros(size, size)
    mask[: size // 2 + (1 if include_centre_row else 0)] = 1
    return mask


def horizontal_mask(size: int, include_centre: bool) -> torch.Tensor:
    """A 1 x size kernel that sees the pixels left of its centre (and, if asked, the centre itself)."""
    mask = torch.zeros(1, size)
    mask[0, : size // 2 + (1 if include_centre else 0)] = 1
    return mask


class _GatedLayer(nn.Module):
    """One gated layer of both stacks: tanh(a) * sigmoid(b) on each, the vertical stack feeding the horizontal
    one (which only ever sees rows strictly above through it), and a residual on the horizontal stack.

    The first layer excludes the centre pixel and, in the vertical stack, the centre row: mask "A". Later
    layers include them (mask "B"), since their inputs at the centre already exclude the pixel itself.
    ``dilation`` spaces the vertical kernel's rows, so that a few layers reach most of the rows above."""

    def __init__(self, channels: int, kernel: int, first: bool, dilation: int = 1):
        super().__init__()
        n_in = 1 if first else channels
        self.first = first
        vertical = vertical_mask(kernel, include_centre_row=not first)
        self.vertical = _MaskedConv(n_in, 2 * channels, vertical, row_dilation=dilation)
        self.horizontal = _MaskedConv(n_in, 2 * channels, horizontal_mask(kernel, include_centre=not first))
        self.vertical_to_horizontal = nn.Conv2d(2 * channels, 2 * channels, 1)
        self.horizontal_out = nn.Conv2d(channels, channels, 1)

    @staticmethod
    def gate(h: torch.Tensor) -> torch.Tensor:
        a, b = h.chunk(2, dim=1)
        return torch.tanh(a) * torch.sigmoid(b)

    def forward(self, v: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # vertical features at row r only ever see rows above r (the first layer's mask leaves out row r, and
        # later layers' row r holds features of rows above), so the horizontal stack may take them at row r
        v_features = self.vertical(v)
        return self.gate(v_features), self.horizontal_step(h, v_features)

    def horizontal_step(self, h: torch.Tensor, v_features: torch.Tensor) -> torch.Tensor:
        """The horizontal stack's next features from its own (``h``) and the vertical stack's pre-gate features at
        the same places: all the layer needs from the rows above."""
        h_features = self.horizontal(h) + self.vertical_to_horizontal(v_features)
        h_next = self.horizontal_out(self.gate(h_features))
        return h_next if self.first else h + h_next


class PixelCNN(_Autoregressive):
    """Gated PixelCNN over 28 x 28 grey levels: ``layers`` gated layers of ``channels`` channels with
    ``kernel``-wide masked convolutions, then two 1 x 1 convolutions to ``levels`` logits per pixel.

    ``dilations`` (one per layer, cycled; default all 1) space each layer's vertical kernel rows apart: with
    3-row kernels, dilations 1, 1, 2, 4, 8 let five layers see 16 rows up where plain ones see 5. The reach
    matters most for a completion, whose lower rows must still see the kept top half. The first layer sees
    only the row d above, and each later one adds 0 or d rows, so the dilations must leave no row unseen:
    1, 2, 4 would reach rows 1, 3, 5 and 7 above and never row 2."""

    def __init__(
        self,
        channels: int = 32,
        layers: int = 6,
        kernel: int = 3,
        dilations: tuple[int, ...] = (1,),
        levels: int = LEVELS,
    ):
        super().__init__()
        self.levels = _check_levels(levels)
        if kernel % 2 == 0 or kernel < 3:
            raise ValueError(f"kernel must be odd and at least 3, got {kernel}")
        if layers < 1 or channels < 1:
            raise ValueError(f"layers and channels must be positive, got {layers} and {channels}")
        if not dilations or any(int(d) < 1 for d in dilations):
            raise ValueError(f"dilations must be positive whole numbers, got {dilations}")
        self.dilations = [int(dilations[i % len(dilations)]) for i in range(layers)]
        unseen = sorted(set(range(1, sum(self.dilations) * (kernel // 2) + 1)) - rows_reached(self.dilations, kernel))
        if unseen:
            raise ValueError(
                f"dilations {tuple(self.dilations)} leave rows {unseen[:4]} above a pixel unseen: start with 1 and let "
                "each dilation be at most one more than the sum of those after the first (1, 1, 2, 4, 8 works)"
            )
        self.layers = nn.ModuleList(
            _GatedLayer(channels, kernel, first=i == 0, dilation=d) for i, d in enumerate(self.dilations)
        )
        self.out = nn.Sequential(
            nn.ReLU(), nn.Conv2d(channels, channels, 1), nn.ReLU(), nn.Conv2d(channels, self.levels, 1)
        )
        self._row_cache: tuple[int, list[torch.Tensor]] | None = None  # (row, each layer's vertical features there)

    def logits(self, levels: torch.Tensor) -> torch.Tensor:
        """(N, levels, rows, columns) logits of every pixel given the pixels before it, from grey levels (N, rows,
        columns): a whole digit, or a window of one."""
        return self.network(self._scaled(levels))

    def _scaled(self, levels: torch.Tensor) -> torch.Tensor:
        """Grey levels (N, rows, columns) as the network's input: images (N, 1, rows, columns) in [-1, 1]."""
        return (levels.float() / (self.levels - 1)).unsqueeze(1) * 2.0 - 1.0

    def network(self, x: torch.Tensor) -> torch.Tensor:
        """The logits from images scaled to [-1, 1], (N, 1, rows, columns): any size, as it is convolutional."""
        v = h = x
        for layer in self.layers:
            v, h = layer(v, h)
        return self.out(h)

    def receptive_rows(self) -> int:
        """How many rows above a pixel can reach it: each layer reaches dilation x (kernel // 2) rows further up."""
        return sum(self.dilations) * (self.config["kernel"] // 2)

    def receptive_columns(self) -> int:
        """How many columns to either side can reach a pixel: each layer's kernel reaches kernel // 2 further."""
        return len(self.layers) * (self.config["kernel"] // 2)

    def _begin_sampling(self, levels: torch.Tensor) -> None:
        self._row_cache = None

    def _end_sampling(self) -> None:
        self._row_cache = None

    def _next_logits(self, levels: torch.Tensor, row: int, column: int) -> torch.Tensor:
        """The same logits as a full pass, from two small ones. The vertical stack sees only the rows above, which
        are final once a row begins: it runs once per row, on the rows that reach it (``receptive_rows``), and
        each layer's features on the row are kept. The horizontal stack sees only the pixels to the left in the
        row: it runs for each pixel on the few (``receptive_columns``) that reach it, with the kept features.
        Nothing outside those strips reaches the pixel, so their zero-padded edges change nothing there."""
        if self._row_cache is None or self._row_cache[0] != row:
            top = max(0, row - self.receptive_rows())
            v, kept = self._scaled(levels[:, top : row + 1]), []
            for layer in self.layers:
                v_features = layer.vertical(v)
                kept.append(v_features[:, :, -1:])
                v = layer.gate(v_features)
            self._row_cache = (row, kept)
        left = max(0, column - self.receptive_columns())
        h = self._scaled(levels[:, row : row + 1, left : column + 1])
        for layer, v_features in zip(self.layers, self._row_cache[1], strict=True):
            h = layer.horizontal_step(h, v_features[:, :, :, left : column + 1])
        return self.out(h)[:, :, 0, -1]


def rows_reached(dilations: list[int], kernel: int = 3) -> set[int]:
    """Which rows above a pixel the vertical stack sees: the first layer reaches d, 2d, ... (kernel // 2) d rows
    up; each later layer adds 0, d, ... (kernel // 2) d more."""
    steps = range(1, kernel // 2 + 1)
    reached = {dilations[0] * j for j in steps}
    for d in dilations[1:]:
        reached |= {r + d * j for r in reached for j in steps}
    return reached


class PixelTransformer(_Autoregressive):
    """A causal transformer over the 784 pixels in raster order: token i is pixel i - 1's grey level (a start
    token for i = 0) plus the position of pixel i, a learned embedding of its row plus one of its column (the
    image's two dimensions, which 784 free position vectors would have to discover); the output at i is the
    categorical of pixel i over ``levels`` greys."""

    def __init__(self, width: int = 64, layers: int = 2, heads: int = 4, levels: int = LEVELS):
        super().__init__()
        self.levels = _check_levels(levels)
        if width % heads:
            raise ValueError(f"width must be a multiple of heads, got width {width} and {heads} heads")
        self.tokens = nn.Embedding(self.levels + 1, width)  # the extra token starts the sequence
        self.rows = nn.Parameter(torch.randn(SIDE, 1, width) * 0.02)
        self.columns = nn.Parameter(torch.randn(1, SIDE, width) * 0.02)
        self.blocks = nn.ModuleList(_CausalBlock(width, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(width)
        self.out = nn.Linear(width, self.levels)
        self._cache: list[dict[str, torch.Tensor]] | None = None

    def _inputs(self, levels: torch.Tensor) -> torch.Tensor:
        flat = levels.reshape(len(levels), PIXELS)
        shifted = torch.cat([torch.full_like(flat[:, :1], self.levels), flat[:, :-1]], dim=1)
        return self.tokens(shifted) + self.positions()

    def positions(self) -> torch.Tensor:
        """(784, width): each pixel's row embedding plus its column embedding, in raster order."""
        return (self.rows + self.columns).reshape(PIXELS, -1)

    def logits(self, levels: torch.Tensor) -> torch.Tensor:
        """(N, levels, 28, 28) logits of every pixel given the pixels before it, from grey levels (N, 28, 28)."""
        return self.network(self._inputs(levels)).transpose(1, 2).reshape(len(levels), self.levels, SIDE, SIDE)

    def network(self, h: torch.Tensor) -> torch.Tensor:
        """The logits (N, 784, levels) from the embedded input tokens (N, 784, width); token i holds pixel i - 1."""
        for block in self.blocks:
            h = block(h)
        return self.out(self.norm(h))

    def _begin_sampling(self, levels: torch.Tensor) -> None:
        self._cache = [{} for _ in self.blocks]

    def _end_sampling(self) -> None:
        self._cache = None

    def _next_logits(self, levels: torch.Tensor, row: int, column: int) -> torch.Tensor:
        """One new token through the blocks, attending to the cached keys and values of the ones before."""
        i = row * SIDE + column
        previous = levels.reshape(len(levels), PIXELS)[:, i - 1] if i else torch.full_like(levels[:, 0, 0], self.levels)
        h = (self.tokens(previous) + self.rows[row, 0] + self.columns[0, column]).unsqueeze(1)
        if self._cache is None or (i and "keys" not in self._cache[0]):  # no cache, or a completion: fill it first
            self._begin_sampling(levels)
            if i:
                prefix = self._inputs(levels)[:, :i]
                for block, cache in zip(self.blocks, self._cache, strict=True):
                    prefix = block(prefix, cache)
        for block, cache in zip(self.blocks, self._cache, strict=True):
            h = block(h, cache)
        return self.out(self.norm(h[:, -1]))


class _CausalBlock(nn.Module):
    """Pre-norm transformer block: causal multi-head self-attention, then a two-layer MLP, each residual."""

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, h: torch.Tensor, cache: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        n, length, width = h.shape
        q, k, v = self.qkv(self.norm1(h)).split(width, dim=2)
        q, k, v = (t.reshape(n, length, self.heads, -1).transpose(1, 2) for t in (q, k, v))
        if cache is not None:  # sampling: the new tokens attend to every cached one and to each other causally
            if "keys" in cache:
                k, v = torch.cat([cache["keys"], k], dim=2), torch.cat([cache["values"], v], dim=2)
            cache["keys"], cache["values"] = k, v
        causal = length > 1 and k.shape[2] == length  # a single new token may see everything cached
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        h = h + self.proj(attended.transpose(1, 2).reshape(n, length, width))
        return h + self.mlp(self.norm2(h))
