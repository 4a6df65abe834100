"""One training loop for every model in the course.

The whole training set goes to the device once, as uint8; each step cuts a batch by
shuffled index on the device and converts only that batch to floats. A model either
defines ``loss(x) -> {"loss": ..., part: ...}`` (one optimiser, the loop steps it) or
``train_step(x, optimizers) -> {name: value}`` (several optimisers, the model steps them).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
from torch import nn

from gmtutor.data import IMAGE_SIDE, MNIST, as_images
from gmtutor.runtime import device as default_device
from gmtutor.runtime import seed_everything

EpochCallback = Callable[[int, nn.Module], None]


@dataclass
class History:
    """Per-epoch numbers from ``fit``: ``history["loss"]`` is the list of one number per epoch."""

    epochs: list[dict[str, float]] = field(default_factory=list)

    def __getitem__(self, key: str) -> list[float]:
        if not any(key in epoch for epoch in self.epochs):
            known = sorted({k for epoch in self.epochs for k in epoch})
            raise KeyError(f"no {key!r} in this history; it has {known}")
        return [epoch[key] for epoch in self.epochs if key in epoch]

    def __len__(self) -> int:
        return len(self.epochs)

    def keys(self) -> list[str]:
        return list(dict.fromkeys(k for epoch in self.epochs for k in epoch))

    @property
    def last(self) -> dict[str, float]:
        return self.epochs[-1] if self.epochs else {}

    @property
    def seconds(self) -> float:
        """Training time over all epochs, test evaluation excluded."""
        return sum(epoch.get("seconds", 0.0) for epoch in self.epochs)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last.items() if k != "epoch")
        return f"History({len(self)} epochs; last: {last})"


def training_images(data: MNIST | torch.Tensor) -> torch.Tensor:
    """The training images of ``data`` (an ``MNIST`` or a tensor of images)."""
    return data.x_train if isinstance(data, MNIST) else data


def batches(n: int, batch_size: int, device: torch.device) -> Iterator[torch.Tensor]:
    """Shuffled index batches over ``n`` items, made on ``device``; the last, short batch is dropped
    when there are at least two full ones (so batch norm never sees a batch of one)."""
    order = torch.randperm(n, device=device)
    full, rest = divmod(n, batch_size)
    stop = n if full < 2 and rest else full * batch_size
    for start in range(0, stop, batch_size):
        yield order[start : start + batch_size]


def _optimizers(model: nn.Module, lr: float) -> list[torch.optim.Optimizer]:
    if hasattr(model, "configure_optimizers"):
        return list(model.configure_optimizers(lr))
    return [torch.optim.Adam(model.parameters(), lr=lr)]


LR_SCHEDULES = ("constant", "cosine")


def _cosine(optimizer: torch.optim.Optimizer, total_steps: int) -> torch.optim.lr_scheduler.LRScheduler:
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)


def _autocast(device: torch.device, amp: bool):
    if amp and device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


@torch.no_grad()
def average_loss(model: nn.Module, images: torch.Tensor, batch_size: int = 1000) -> dict[str, float]:
    """Mean of each part of ``model.loss`` over ``images`` (uint8 or float), in eval mode."""
    was_training = model.training
    model.eval()
    dev = next(model.parameters()).device
    totals: dict[str, torch.Tensor] = {}
    for start in range(0, len(images), batch_size):
        x = as_images(images[start : start + batch_size].to(dev))
        for key, value in model.loss(x).items():
            totals[key] = totals.get(key, 0.0) + value.detach().float() * len(x)
    model.train(was_training)
    return {key: float(total) / len(images) for key, total in totals.items()}


def fit(
    model: nn.Module,
    data: MNIST | torch.Tensor,
    *,
    epochs: int = 10,
    batch_size: int = 128,
    lr: float = 1e-3,
    seed: int = 0,
    device: torch.device | str | None = None,
    amp: bool = True,
    progress: bool = True,
    on_epoch_end: EpochCallback | None = None,
    lr_schedule: str = "constant",
    max_grad_norm: float | None = None,
) -> History:
    """Train ``model`` on the training images of ``data``; return per-epoch numbers.

    Batches of images reach the model as floats in [0, 1] shaped (N, 1, 28, 28); any other
    tensor (2-d points, say) reaches it as floats of its own shape.

    Every part the model reports is averaged over the epoch (``loss``, ``recon``, ``kl``...);
    when ``data`` is an ``MNIST`` and the model has ``loss``, the test set's numbers follow as
    ``test_loss``, ``test_recon``... ``seconds`` is the epoch's training time. ``amp`` uses
    bf16 autocast on CUDA (ignored elsewhere). ``on_epoch_end(epoch, model)`` runs after each epoch.
    ``lr_schedule="cosine"`` lowers the learning rate from ``lr`` to zero along a half cosine over
    all steps; ``max_grad_norm`` clips the gradient norm per step (for models with ``loss``).
    """
    from tqdm.auto import tqdm

    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be positive, got epochs={epochs}, batch_size={batch_size}")
    dev = torch.device(device) if device is not None else default_device()
    seed_everything(seed)
    model.to(dev)
    x_all = training_images(data).to(dev)
    as_batch = as_images if x_all[0].numel() == IMAGE_SIDE * IMAGE_SIDE else _as_float
    test_images = data.x_test if isinstance(data, MNIST) and hasattr(model, "loss") else None
    optimizers = _optimizers(model, lr)
    if lr_schedule not in LR_SCHEDULES:
        raise ValueError(f"unknown lr_schedule {lr_schedule!r}; choose one of {', '.join(LR_SCHEDULES)}")
    uses_train_step = hasattr(model, "train_step")
    steps_per_epoch = sum(1 for _ in batches(len(x_all), batch_size, torch.device("cpu")))
    schedulers = [_cosine(optimizer, epochs * steps_per_epoch) for optimizer in optimizers if lr_schedule == "cosine"]
    history = History()

    bar = tqdm(total=epochs * steps_per_epoch, desc=type(model).__name__, disable=not progress, unit="step")
    for epoch in range(1, epochs + 1):
        model.train()
        sums: dict[str, torch.Tensor] = {}
        start = time.perf_counter()
        for step, index in enumerate(batches(len(x_all), batch_size, dev), start=1):
            x = as_batch(x_all[index])
            with _autocast(dev, amp):
                if uses_train_step:
                    parts = model.train_step(x, optimizers)
                else:
                    parts = model.loss(x)
            if not uses_train_step:
                optimizers[0].zero_grad(set_to_none=True)
                parts["loss"].backward()
                if max_grad_norm is not None:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
                optimizers[0].step()
            for scheduler in schedulers:
                scheduler.step()
            for key, value in parts.items():
                sums[key] = sums.get(key, 0.0) + value.detach().float()
            bar.update(1)
            if progress and (step % 50 == 0 or step == steps_per_epoch):
                bar.set_postfix_str(f"epoch {epoch}/{epochs}, " + _format(sums, step), refresh=False)
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        seconds = time.perf_counter() - start
        record = {"epoch": epoch, **{k: float(v) / steps_per_epoch for k, v in sums.items()}, "seconds": seconds}
        if test_images is not None:
            record.update({f"test_{k}": v for k, v in average_loss(model, test_images).items()})
        history.epochs.append(record)
        if not all(math.isfinite(v) for v in record.values()):
            bar.close()
            raise FloatingPointError(
                f"training diverged at epoch {epoch}: {record}. Try a smaller learning rate (lr={lr})."
            )
        if on_epoch_end is not None:
            on_epoch_end(epoch, model)
    bar.close()
    model.eval()
    return history


def _as_float(batch: torch.Tensor) -> torch.Tensor:
    return batch.float()


def _format(sums: dict[str, torch.Tensor], steps: int) -> str:
    return ", ".join(f"{k} {float(v) / steps:.4g}" for k, v in sums.items())
