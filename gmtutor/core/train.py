"""One training loop for every model in the course.

The whole training set goes to the device once, as uint8; each step cuts a batch by
shuffled index on the device and converts only that batch to floats. A model either
defines ``loss(x) -> {"loss": ..., part: ...}`` (one optimiser; ``fit`` calls ``model(x)``, whose
``forward`` returns those losses, and steps the optimiser) or
``train_step(x, optimizers, step) -> {name: value}`` (several optimisers; the model calls ``step``,
an ``OptimizerStep``, for each). Either way the loop owns the mechanics: mixed precision around the
forward pass only, backward, gradient clipping and the update. A model whose ``loss`` or
``train_step`` takes ``y`` gets each batch's labels too (a conditional model).
The budget is a number of optimiser steps, so training takes the same time on any amount of data.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
from torch import nn

from gmtutor.core.data import IMAGE_SIDE, MNIST, as_images
from gmtutor.core.progress import progress_bar
from gmtutor.core.runtime import device as default_device
from gmtutor.core.runtime import module_device, seed_everything

LogCallback = Callable[[int, nn.Module], None]

# Training is watched on this many test images at most, so that logging costs the same on full MNIST
# (10,000 test images) as on the embedded subset (1,000).
MONITOR_TEST_IMAGES = 1000


@dataclass
class History:
    """The numbers ``fit`` logged, one record every ``log_every`` steps: ``history["loss"]`` is the list of
    one number per record, ``history["step"]`` and ``history["epoch"]`` say when each was taken."""

    records: list[dict[str, float]] = field(default_factory=list)

    def __getitem__(self, key: str) -> list[float]:
        if not any(key in record for record in self.records):
            raise KeyError(f"no {key!r} in this history; it has {sorted(self.keys())}")
        return [record[key] for record in self.records if key in record]

    def __len__(self) -> int:
        return len(self.records)

    def keys(self) -> list[str]:
        return list(dict.fromkeys(k for record in self.records for k in record))

    @property
    def last(self) -> dict[str, float]:
        return self.records[-1] if self.records else {}

    @property
    def seconds(self) -> float:
        """Training time over all records, test evaluation excluded."""
        return sum(record.get("seconds", 0.0) for record in self.records)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last.items() if k not in ("step", "epoch"))
        return f"History({len(self)} records over {int(self.last.get('step', 0))} steps; last: {last})"


TrainingData = MNIST | torch.Tensor | tuple[torch.Tensor, torch.Tensor]


def training_images(data: TrainingData) -> torch.Tensor:
    """The training images of ``data`` (an ``MNIST``, a tensor of images, or a pair of tensors (x, labels))."""
    if isinstance(data, tuple):
        return data[0]
    return data.x_train if isinstance(data, MNIST) else data


def batches_per_pass(n: int, batch_size: int) -> int:
    """How many batches ``batches`` cuts from ``n`` items."""
    full, rest = divmod(n, batch_size)
    return full + 1 if full < 2 and rest else full


def batches(n: int, batch_size: int, device: torch.device) -> Iterator[torch.Tensor]:
    """Shuffled index batches over ``n`` items, made on ``device``; the last, short batch is dropped
    when there are at least two full ones (so batch norm never sees a batch of one)."""
    order = torch.randperm(n, device=device)
    for number in range(batches_per_pass(n, batch_size)):
        yield order[number * batch_size : (number + 1) * batch_size]


def _optimizers(model: nn.Module, lr: float) -> list[torch.optim.Optimizer]:
    if hasattr(model, "configure_optimizers"):
        return list(model.configure_optimizers(lr))
    return [torch.optim.Adam(model.parameters(), lr=lr)]


LR_SCHEDULES = ("constant", "cosine")


def _cosine(optimizer: torch.optim.Optimizer, total_steps: int) -> torch.optim.lr_scheduler.LRScheduler:
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)


PRECISIONS = ("fp32", "bf16", "fp16")


def check_precision(precision: str, device: torch.device) -> None:
    """Refuse a precision the device cannot run fast: bf16 and fp16 autocast are for CUDA GPUs only.

    fp32 is the default everywhere: mixed precision has not been measured to help the course's small
    models (see the README's How fast), so it is opt-in.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    if precision != "fp32" and device.type != "cuda":
        raise ValueError(f"precision={precision!r} needs a CUDA GPU (this run is on {device}); use fp32")
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        raise ValueError("this GPU has no fast bf16; use precision='fp16' (with a gradient scaler) or 'fp32'")


@contextlib.contextmanager
def frozen(parameters: list[nn.Parameter]) -> Iterator[None]:
    """No gradients for ``parameters`` inside the block: a generator's step flows through its
    discriminator without computing gradients for it. They are restored even if the block fails."""
    for p in parameters:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in parameters:
            p.requires_grad_(True)


class OptimizerStep:
    """Backward, gradient clipping and the update for one optimiser: what ``fit`` does for a ``loss`` model,
    handed to a ``train_step`` model so that it gets the same mechanics for each of its optimisers.

    ``step(loss, optimizer)`` zeroes the optimiser's gradients, back-propagates ``loss`` (scaled, in
    fp16), clips the gradient norm of the optimiser's parameters to ``max_grad_norm`` if set, and
    updates them. ``with step.autocast():`` wraps a forward pass in the run's precision.
    """

    def __init__(self, device: torch.device, precision: str = "fp32", max_grad_norm: float | None = None):
        check_precision(precision, device)
        self.device, self.precision, self.max_grad_norm = device, precision, max_grad_norm
        self.scaler = torch.amp.GradScaler("cuda") if precision == "fp16" else None

    def autocast(self) -> contextlib.AbstractContextManager:
        """Mixed precision for a forward pass (nothing in fp32)."""
        if self.precision == "fp32":
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if self.precision == "bf16" else torch.float16
        return torch.autocast(self.device.type, dtype=dtype)

    def __call__(self, loss: torch.Tensor, optimizer: torch.optim.Optimizer) -> None:
        optimizer.zero_grad(set_to_none=True)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(optimizer)
        else:
            loss.backward()
        if self.max_grad_norm is not None:
            parameters = [p for group in optimizer.param_groups for p in group["params"]]
            torch.nn.utils.clip_grad_norm_(parameters, self.max_grad_norm)
        if self.scaler is not None:
            self.scaler.step(optimizer)
            self.scaler.update()
        else:
            optimizer.step()


def _losses_of(model: nn.Module) -> Callable[..., dict[str, torch.Tensor]]:
    """``model`` itself when its ``forward`` returns the losses (a ``LatentModel``: hooks and torch.compile see
    the call), else its ``loss`` (a classifier, whose ``forward`` gives logits)."""
    return model if getattr(model, "forward_returns_losses", False) else model.loss


def _training_labels(data: TrainingData, device: torch.device, method: Callable) -> torch.Tensor | None:
    """The labels to pass as ``y``: None when ``method`` takes no ``y``, or takes an optional one and
    ``data`` has no labels; an error when it needs labels that ``data`` lacks."""
    parameters = inspect.signature(method).parameters
    if "y" not in parameters:
        return None
    if isinstance(data, MNIST):
        return data.y_train.to(device)
    if isinstance(data, tuple):
        x, y = data
        if len(x) != len(y):
            raise ValueError(f"fit got {len(x)} training items and {len(y)} labels; give one label per item")
        return torch.as_tensor(y).to(device)
    if parameters["y"].default is not inspect.Parameter.empty:
        return None  # the labels are optional: train without them
    raise ValueError(
        "this model trains on labels (its loss or train_step takes y): give fit an MNIST or a pair (x, labels)"
    )


@torch.no_grad()
def average_loss(model: nn.Module, images: torch.Tensor, batch_size: int = 1000) -> dict[str, float]:
    """Mean of each part of ``model.loss`` over ``images`` (uint8 or float), in eval mode."""
    was_training = model.training
    model.eval()
    dev = module_device(model)
    totals: dict[str, torch.Tensor] = {}
    for start in range(0, len(images), batch_size):
        x = as_images(images[start : start + batch_size].to(dev))
        for key, value in model.loss(x).items():
            totals[key] = totals.get(key, 0.0) + value.detach().float() * len(x)
    model.train(was_training)
    return {key: float(total) / len(images) for key, total in totals.items()}


def fit(
    model: nn.Module,
    data: TrainingData,
    *,
    steps: int | None = None,
    epochs: int | None = None,
    batch_size: int = 128,
    lr: float = 1e-3,
    seed: int = 0,
    device: torch.device | str | None = None,
    precision: str = "fp32",
    progress: bool = True,
    log_every: int | None = None,
    on_log: LogCallback | None = None,
    lr_schedule: str = "constant",
    max_grad_norm: float | None = None,
    test_images: int | None = MONITOR_TEST_IMAGES,
) -> History:
    """Train ``model`` on the training images of ``data`` for ``steps`` optimiser steps; return its history.

    The budget is ``steps`` (batches), or ``epochs`` passes over the data (default: 10 epochs). A
    budget in steps costs the same time whatever the size of the data set, which is how the course's
    recipes train: the same minutes on 4,000 images as on 60,000. The data are reshuffled every pass.

    Batches of images reach the model as floats in [0, 1] shaped (N, 1, 28, 28); any other
    tensor (2-d points, say) reaches it as floats of its own shape. A model whose ``loss`` (or
    ``train_step``) takes ``y`` gets each batch's labels: an ``MNIST``'s, or those of a pair (x, labels).

    Every ``log_every`` steps (default: one pass over the data) the history gets a record: ``step``,
    ``epoch`` (passes so far, a fraction when a record ends mid-pass), each part the model reports,
    averaged over those steps (``loss``, ``recon``, ``kl``...), and ``seconds`` of training. When
    ``data`` is an ``MNIST`` and the model has ``loss``, the test numbers follow (``test_loss``...),
    measured on at most ``test_images`` evenly spaced test images (None: all of them).
    ``on_log(step, model)`` runs after each record. ``precision`` ("fp32", or on a CUDA GPU "bf16" or
    "fp16" with a gradient scaler) is the autocast around each forward pass; backward and the update
    stay in fp32. ``lr_schedule="cosine"`` lowers the learning rate from ``lr`` to zero along a half
    cosine over all steps; ``max_grad_norm`` clips the gradient norm of each optimiser's parameters
    per step, for ``loss`` and ``train_step`` models alike. The history is also attached to the model
    as ``model.history``.
    """
    if steps is not None and epochs is not None:
        raise ValueError(f"give a budget of steps or of epochs, not both (steps={steps}, epochs={epochs})")
    for name, value in (("steps", steps), ("epochs", epochs), ("batch_size", batch_size), ("log_every", log_every)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be a positive number, got {name}={value}")
    if lr_schedule not in LR_SCHEDULES:
        raise ValueError(f"unknown lr_schedule {lr_schedule!r}; choose one of {', '.join(LR_SCHEDULES)}")
    dev = torch.device(device) if device is not None else default_device()
    step_optimizer = OptimizerStep(dev, precision, max_grad_norm)
    seed_everything(seed)
    model.to(dev)
    x_all = training_images(data).to(dev)
    if len(x_all) == 0:
        raise ValueError("there are no training images to fit on")
    as_batch = as_images if x_all[0].numel() == IMAGE_SIDE * IMAGE_SIDE else _as_float
    uses_train_step = hasattr(model, "train_step")
    compute = model.train_step if uses_train_step else _losses_of(model)
    labels = _training_labels(data, dev, model.train_step if uses_train_step else model.loss)
    monitor = _monitor_images(data, test_images) if not uses_train_step and labels is None else None
    steps_per_pass = batches_per_pass(len(x_all), batch_size)
    total = steps if steps is not None else (epochs or 10) * steps_per_pass
    log_every = min(log_every or steps_per_pass, total)
    optimizers = _optimizers(model, lr)
    schedulers = [_cosine(optimizer, total) for optimizer in optimizers if lr_schedule == "cosine"]
    history = History()
    stream = _index_stream(len(x_all), batch_size, dev)

    bar = progress_bar(total, type(model).__name__, enabled=progress)
    sums: dict[str, torch.Tensor] = {}
    since_log, start = 0, time.perf_counter()
    model.train()
    for step in range(1, total + 1):
        index = next(stream)
        x = as_batch(x_all[index])
        given = {"y": labels[index]} if labels is not None else {}
        if uses_train_step:
            parts = compute(x, optimizers, step_optimizer, **given)
        else:
            with step_optimizer.autocast():
                parts = compute(x, **given)
            step_optimizer(parts["loss"], optimizers[0])
        for scheduler in schedulers:
            scheduler.step()
        for key, value in parts.items():
            sums[key] = sums.get(key, 0.0) + value.detach().float()
        since_log += 1
        bar.update(1)
        if progress and (since_log % 50 == 0 or since_log == log_every):
            bar.set_postfix_str(f"epoch {step / steps_per_pass:.3g}, " + _format(sums, since_log), refresh=False)
        if since_log < log_every and step < total:
            continue
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        record = {
            "step": step,
            "epoch": step / steps_per_pass,
            **{k: float(v) / since_log for k, v in sums.items()},
            "seconds": time.perf_counter() - start,
        }
        if monitor is not None:
            record.update({f"test_{k}": v for k, v in _watch(model, monitor, seed, dev).items()})
        history.records.append(record)
        if not all(math.isfinite(v) for v in record.values()):
            bar.close()
            raise FloatingPointError(
                f"training diverged by step {step}: {record}. Try a smaller learning rate (lr={lr})."
            )
        if on_log is not None:
            on_log(step, model)
        model.train()
        sums, since_log, start = {}, 0, time.perf_counter()
    bar.close()
    model.eval()
    model.history = history
    return history


def _watch(model: nn.Module, images: torch.Tensor, seed: int, device: torch.device) -> dict[str, float]:
    """``average_loss`` on the watched test images, with random numbers of its own: every record draws the same
    noise (so records compare like with like), and how often training is watched never changes the model."""
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        return average_loss(model, images)


def _index_stream(n: int, batch_size: int, device: torch.device) -> Iterator[torch.Tensor]:
    """Index batches forever, reshuffled at the start of every pass over the ``n`` items."""
    while True:
        yield from batches(n, batch_size, device)


def _monitor_images(data: MNIST | torch.Tensor, limit: int | None) -> torch.Tensor | None:
    """The test images that training is watched on: at most ``limit``, evenly spaced through the test set."""
    if not isinstance(data, MNIST):
        return None
    if limit is None or len(data.x_test) <= limit:
        return data.x_test
    return data.x_test[torch.linspace(0, len(data.x_test) - 1, limit).round().long()]


def _as_float(batch: torch.Tensor) -> torch.Tensor:
    return batch.float()


def _format(sums: dict[str, torch.Tensor], steps: int) -> str:
    return ", ".join(f"{k} {float(v) / steps:.4g}" for k, v in sums.items())


class SampleSnapshots:
    """An ``on_log`` callback for ``fit``: at each chosen step, decode the same codes ``z``.

    ``snapshots[step]`` holds those images (on the CPU), to watch one generator learn from fixed
    starting points. ``fit`` calls it after each record of the history, so choose steps that end a
    record (multiples of ``log_every``, and the last step). ``state_dict`` and ``load_state_dict``
    let the model cache keep what it saw with the model, without knowing its fields.
    """

    def __init__(self, z: torch.Tensor, steps: list[int] | tuple[int, ...] | set[int]):
        self.z = z
        self.steps = set(steps)
        self.snapshots: dict[int, torch.Tensor] = {}

    @torch.no_grad()
    def __call__(self, step: int, model: nn.Module) -> None:
        if step in self.steps:
            was_training = model.training
            model.eval()
            self.snapshots[step] = model.decode(self.z.to(module_device(model))).cpu()
            model.train(was_training)

    def state_dict(self) -> dict[str, object]:
        """What this callback saw, as plain tensors and strings (a weights-only checkpoint holds it)."""
        return {"codes": self.z.detach().cpu(), "images": {str(k): v for k, v in self.snapshots.items()}}

    def load_state_dict(self, state: dict[str, object]) -> bool:
        """Take the images of a stored run; False (and nothing taken) when it decoded other codes or steps."""
        images = state.get("images", {})
        codes = state.get("codes")
        if not isinstance(codes, torch.Tensor) or not torch.equal(codes, self.z.detach().cpu()):
            return False
        if not all(str(step) in images for step in self.steps):
            return False
        self.snapshots = {step: images[str(step)] for step in sorted(self.steps)}
        return True
