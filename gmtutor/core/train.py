"""One training loop for every model in the course: ``fit``.

The whole training set goes to the device once, as uint8; each step cuts a batch by shuffled index on
the device and converts only that batch to floats. Every model ``fit`` trains is a ``gm.Trainable``
(``gmtutor/models/base.py``) and meets one contract: ``train_step(batch, optimizers, step)`` does one
step on a ``Batch`` and returns what it reports. A model with one objective keeps the base's
``train_step``, which calls ``loss(x)`` (or ``loss(x, y)``); a model with several optimisers (the GANs)
writes its own and calls ``step``, an ``OptimizerStep``, once per optimiser. Either way the loop owns
the mechanics: mixed precision around the forward pass only, backward, gradient clipping and the update.
The budget is a number of optimiser steps, so training takes the same time on any amount of data.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
from torch import nn

from gmtutor.core.data import MNIST, as_images
from gmtutor.core.progress import progress_bar
from gmtutor.core.runtime import MOST_STEPS, bounded, module_device, seed_everything, training_device
from gmtutor.core.runtime import device as default_device

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
    discriminator without computing gradients for it. Each parameter gets back the ``requires_grad`` it
    had before (one frozen already stays frozen), even if the block fails."""
    before = [p.requires_grad for p in parameters]
    for p in parameters:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, wanted in zip(parameters, before, strict=True):
            p.requires_grad_(wanted)


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


@dataclass
class Batch:
    """One training batch as a model's ``train_step`` receives it: ``x``, floats (images in [0, 1] shaped
    (N, 1, 28, 28), or vectors of their own shape), and ``y``, the labels, or None when the model takes none."""

    x: torch.Tensor
    y: torch.Tensor | None = None


LABEL_USES = ("no", "optional", "yes")


def _training_labels(model: nn.Module, data: TrainingData, device: torch.device) -> torch.Tensor | None:
    """The labels to hand the model with each batch, as its ``takes_labels`` asks: never ("no"), when ``data``
    has them ("optional"), or always ("yes": an error names the fix when ``data`` has none)."""
    wants = model.takes_labels
    if wants not in LABEL_USES:
        raise ValueError(f"{type(model).__name__}.takes_labels must be one of {LABEL_USES}, got {wants!r}")
    if isinstance(data, MNIST):
        labels = data.y_train
    elif isinstance(data, tuple):
        x, labels = data
        if len(x) != len(labels):
            raise ValueError(f"fit got {len(x)} training items and {len(labels)} labels; give one label per item")
    else:
        labels = None
    if wants == "yes" and labels is None:
        raise ValueError(
            f"{type(model).__name__} trains on labels (takes_labels = 'yes'): give fit an MNIST or a pair (x, labels)"
        )
    return torch.as_tensor(labels).to(device) if labels is not None and wants != "no" else None


def _as_batch(items: torch.Tensor) -> torch.Tensor:
    """Training items as a model sees them: images ((N, 28, 28) or (N, 1, 28, 28)) as floats in [0, 1]
    shaped (N, 1, 28, 28), anything of two dimensions (points, codes, flattened vectors) as floats as it is."""
    return as_images(items) if items.dim() >= 3 else items.float()


@torch.no_grad()
def average_loss(model: nn.Module, images: torch.Tensor, batch_size: int = 1000) -> dict[str, float]:
    """Mean of each part of ``model.loss`` over ``images`` (uint8 or float), in eval mode."""
    was_training = model.training
    model.eval()
    dev = module_device(model)
    totals: dict[str, torch.Tensor] = {}
    for start in range(0, len(images), batch_size):
        x = _as_batch(images[start : start + batch_size].to(dev))
        for key, value in model.loss(x).items():
            totals[key] = totals.get(key, 0.0) + value.detach().float() * len(x)
    model.train(was_training)
    return {key: float(total) / len(images) for key, total in totals.items()}


@dataclass
class _Run:
    """What ``fit`` sets up once: the data on the device, the optimisers and the budget."""

    model: nn.Module
    device: torch.device
    items: torch.Tensor
    labels: torch.Tensor | None
    monitor: torch.Tensor | None
    optimizers: list[torch.optim.Optimizer]
    schedulers: list[torch.optim.lr_scheduler.LRScheduler]
    optimizer_step: OptimizerStep
    total: int
    log_every: int
    steps_per_pass: int
    batch_size: int
    lr: float

    def step(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        """One optimiser step (the model's ``train_step``) on the items at ``index``; the parts it reports."""
        batch = Batch(_as_batch(self.items[index]), None if self.labels is None else self.labels[index])
        parts = self.model.train_step(batch, self.optimizers, self.optimizer_step)
        for scheduler in self.schedulers:
            scheduler.step()
        return parts


def _setup(model: nn.Module, data: TrainingData, **settings) -> _Run:
    """Check the settings, seed if asked, put the model and its data on the device, make the optimisers."""
    steps, epochs, batch_size, log_every = (settings[k] for k in ("steps", "epochs", "batch_size", "log_every"))
    if steps is not None and epochs is not None:
        raise ValueError(f"give a budget of steps or of epochs, not both (steps={steps}, epochs={epochs})")
    for name in ("steps", "epochs", "batch_size", "log_every"):
        if settings[name] is not None and settings[name] < 1:
            raise ValueError(f"{name} must be a positive number, got {name}={settings[name]}")
        if settings[name] is not None:
            bounded(name, settings[name], MOST_STEPS)
    if settings["lr_schedule"] not in LR_SCHEDULES:
        raise ValueError(f"unknown lr_schedule {settings['lr_schedule']!r}; choose one of {', '.join(LR_SCHEDULES)}")
    if not callable(getattr(model, "train_step", None)):
        raise TypeError(f"fit trains a gm.Trainable; {type(model).__name__} is not one (subclass gm.Trainable)")
    dev = training_device(settings["device"]) if settings["device"] is not None else default_device()
    optimizer_step = OptimizerStep(dev, settings["precision"], settings["max_grad_norm"])
    if settings["seed"] is not None:
        seed_everything(settings["seed"])
    model.to(dev)
    items = training_images(data).to(dev)
    if len(items) == 0:
        raise ValueError("there are no training images to fit on")
    labels = _training_labels(model, data, dev)
    watch = isinstance(data, MNIST) and model.watch_test_loss and model.takes_labels != "yes"
    steps_per_pass = batches_per_pass(len(items), batch_size)
    total = bounded("the number of steps", steps if steps is not None else (epochs or 10) * steps_per_pass, MOST_STEPS)
    optimizers = list(model.configure_optimizers(settings["lr"]))
    schedulers = [_cosine(o, total) for o in optimizers] if settings["lr_schedule"] == "cosine" else []
    return _Run(
        model=model,
        device=dev,
        items=items,
        labels=labels,
        monitor=_monitor_images(data, settings["test_images"]) if watch else None,
        optimizers=optimizers,
        schedulers=schedulers,
        optimizer_step=optimizer_step,
        total=total,
        log_every=min(log_every or steps_per_pass, total),
        steps_per_pass=steps_per_pass,
        batch_size=batch_size,
        lr=settings["lr"],
    )


def _record(run: _Run, step: int, sums: dict[str, torch.Tensor], steps: int, seconds: float, seed: int | None):
    """One record of the history: when, the mean of each reported part over ``steps`` steps, the time, and the
    losses on the watched test images; an error when anything diverged."""
    record = {
        "step": step,
        "epoch": step / run.steps_per_pass,
        **{k: float(v) / steps for k, v in sums.items()},
        "seconds": seconds,
    }
    if run.monitor is not None:
        record.update({f"test_{k}": v for k, v in _watch(run.model, run.monitor, seed or 0, run.device).items()})
    if not all(math.isfinite(v) for v in record.values()):
        message = f"training diverged by step {step}: {record}. Try a smaller learning rate (lr={run.lr})."
        raise FloatingPointError(message)
    return record


def fit(
    model: nn.Module,
    data: TrainingData,
    *,
    steps: int | None = None,
    epochs: int | None = None,
    batch_size: int = 128,
    lr: float = 1e-3,
    seed: int | None = None,
    device: torch.device | str | None = None,
    precision: str = "fp32",
    progress: bool = True,
    log_every: int | None = None,
    on_log: LogCallback | None = None,
    lr_schedule: str = "constant",
    max_grad_norm: float | None = None,
    test_images: int | None = MONITOR_TEST_IMAGES,
) -> History:
    """Train ``model`` (a ``gm.Trainable``) on the training items of ``data`` for ``steps`` optimiser steps;
    return its history.

    The budget is ``steps`` (batches), or ``epochs`` passes over the data (default: 10 epochs). A
    budget in steps costs the same time whatever the size of the data set, which is how the course's
    recipes train: the same minutes on 4,000 images as on 60,000. The data are reshuffled every pass.
    ``seed`` seeds Python, NumPy and PyTorch first (``gm.seed_everything``); without one, fit leaves the
    random number generators as they are.

    Each step calls ``model.train_step(batch, optimizers, step)`` (a ``Batch``; the optimisers from
    ``model.configure_optimizers(lr)``; an ``OptimizerStep``). Images reach the model as floats in
    [0, 1] shaped (N, 1, 28, 28); two-dimensional items (points, codes) as floats of their own shape.
    ``batch.y`` holds the labels (an ``MNIST``'s, or those of a pair (x, labels)) when the model's
    ``takes_labels`` asks for them.

    Every ``log_every`` steps (default: one pass over the data) the history gets a record: ``step``,
    ``epoch`` (passes so far, a fraction when a record ends mid-pass), each part the model reports,
    averaged over those steps (``loss``, ``recon``, ``kl``...), and ``seconds`` of training. When
    ``data`` is an ``MNIST`` and the model's ``watch_test_loss`` is true, the test numbers follow
    (``test_loss``...), measured on at most ``test_images`` evenly spaced test images (None: all of them).
    ``on_log(step, model)`` runs after each record. ``precision`` ("fp32", or on a CUDA GPU "bf16" or
    "fp16" with a gradient scaler) is the autocast around each forward pass; backward and the update
    stay in fp32. ``lr_schedule="cosine"`` lowers the learning rate from ``lr`` to zero along a half
    cosine over all steps; ``max_grad_norm`` clips the gradient norm of each optimiser's parameters
    per step. The history is also attached to the model as ``model.history``.
    """
    run = _setup(model, data, **{k: v for k, v in locals().items() if k not in ("model", "data", "on_log")})
    history = History()
    stream = _index_stream(len(run.items), run.batch_size, run.device)
    bar = progress_bar(run.total, type(model).__name__, enabled=progress)
    sums: dict[str, torch.Tensor] = {}
    since_log, start = 0, time.perf_counter()
    model.train()
    try:
        for step in range(1, run.total + 1):
            for key, value in run.step(next(stream)).items():
                sums[key] = sums.get(key, 0.0) + value.detach().float()
            since_log += 1
            bar.update(1)
            if progress and (since_log % 50 == 0 or since_log == run.log_every):
                bar.set_postfix_str(f"epoch {step / run.steps_per_pass:.3g}, {_format(sums, since_log)}", refresh=False)
            if since_log < run.log_every and step < run.total:
                continue
            if run.device.type == "cuda":
                torch.cuda.synchronize(run.device)
            history.records.append(_record(run, step, sums, since_log, time.perf_counter() - start, seed))
            if on_log is not None:
                on_log(step, model)
            model.train()
            sums, since_log, start = {}, 0, time.perf_counter()
    finally:
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


def _format(sums: dict[str, torch.Tensor], steps: int) -> str:
    return ", ".join(f"{k} {float(v) / steps:.4g}" for k, v in sums.items())


def eight_bit(images: torch.Tensor) -> torch.Tensor:
    """Images in [0, 1] as 8-bit integers 0-255 (float ones are rounded; 8-bit ones are returned as they are)."""
    return images if images.dtype == torch.uint8 else images.clamp(0, 1).mul(255).round().to(torch.uint8)


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
        """What this callback saw, as plain tensors and strings (a weights-only checkpoint holds it); the images
        in 8 bits, as a PNG would keep them (a quarter of the bytes of float32)."""
        images = {str(k): eight_bit(v) for k, v in self.snapshots.items()}
        return {"codes": self.z.detach().cpu(), "images": images}

    def load_state_dict(self, state: dict[str, object]) -> bool:
        """Take the images of a stored run; False (and nothing taken) when it decoded other codes or steps."""
        images = state.get("images", {})
        codes = state.get("codes")
        if not isinstance(codes, torch.Tensor) or not torch.equal(codes, self.z.detach().cpu()):
            return False
        if not all(str(step) in images for step in self.steps):
            return False
        kept = {step: images[str(step)] for step in sorted(self.steps)}
        self.snapshots = {step: v.float() / 255 if v.dtype == torch.uint8 else v for step, v in kept.items()}
        return True
