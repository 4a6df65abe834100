"""Per-epoch training time of gmtutor.fit against the common per-item Dataset + DataLoader loop.

Both loops train the same model with the same batch size and optimiser for one epoch on the
same images; only the data pipeline and the loop differ. The DataLoader loop follows PyTorch's
own VAE example: a Dataset that converts one image at a time, a shuffling DataLoader, and a
`.to(device)` per batch. Also prints the achieved training FLOP rate as a fraction of a large
matrix multiply's rate measured in the same run.

Run by hand:  python benchmarks/train_speed.py [--images 60000] [--device cpu|cuda] [--batch-size 128]
With fewer than --images real training images (the embedded subset), the real images are
repeated to reach the count: the timing depends on the count, not on the content.
"""

from __future__ import annotations

import argparse
import time

import torch
from common import save_results
from torch import nn

import gmtutor as gm


class PerItemDataset(torch.utils.data.Dataset):
    """One uint8 image at a time, converted to a float tensor, as torchvision's ToTensor would."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor):
        self.images, self.labels = images, labels

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        return self.images[i].float().div(255.0).unsqueeze(0), int(self.labels[i])


def dataloader_epoch(model: nn.Module, images, labels, batch_size: int, lr: float, device: torch.device) -> float:
    loader = torch.utils.data.DataLoader(PerItemDataset(images, labels), batch_size=batch_size, shuffle=True)
    model.to(device).train()
    optimizers, step = model.configure_optimizers(lr), gm.OptimizerStep(device)
    sync(device)
    start = time.perf_counter()
    for x, _ in loader:  # the same step fit takes, fed by the DataLoader
        model.train_step(gm.Batch(x.to(device)), optimizers, step)
    sync(device)
    return time.perf_counter() - start


def fit_epoch(model: nn.Module, images, batch_size: int, lr: float, device: torch.device) -> float:
    history = gm.fit(model, images, epochs=1, batch_size=batch_size, lr=lr, device=device, progress=False, seed=0)
    return history.last["seconds"]


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_flops(device: torch.device, dtype: torch.dtype, n: int = 4096, repeat: int = 10) -> float:
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(2):
        a @ b
    sync(device)
    start = time.perf_counter()
    for _ in range(repeat):
        a @ b
    sync(device)
    return 2 * n**3 * repeat / (time.perf_counter() - start)


def training_flops_per_image(model: nn.Module, batch_size: int, lr: float, device: torch.device) -> float:
    """FLOPs of one training step (forward and backward, every network call the model makes), per image.

    Counted by PyTorch's ``torch.utils.flop_counter.FlopCounterMode`` on one step of ``gm.fit``: the
    matrix multiplies and convolutions, which are nearly all of the work.
    """
    from torch.utils.flop_counter import FlopCounterMode

    images = torch.rand(batch_size, 1, 28, 28)
    with FlopCounterMode(display=False) as counter:
        gm.fit(model, images, steps=1, batch_size=batch_size, lr=lr, device=device, progress=False, seed=0)
    return counter.get_total_flops() / batch_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=60_000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--device", default=str(gm.device()))
    args = parser.parse_args()
    device = torch.device(args.device)

    data = gm.load_mnist()
    repeats = -(-args.images // len(data.x_train))
    images = data.x_train.repeat(repeats, 1, 1)[: args.images]
    labels = data.y_train.repeat(repeats)[: args.images]

    rows = []
    models = [
        ("MLP VAE", lambda: gm.VAE(latent_dim=20), gm.recipe("vae-20d").lr),  # Kingma & Welling's network
        ("ConvVAE", gm.recipe("vae-20d").build, gm.recipe("vae-20d").lr),  # the course's 20-d recipe
        ("BiGAN", gm.recipe("bigan").build, gm.recipe("bigan").lr),
    ]
    for name, build, lr in models:
        gm.seed_everything(0)
        model = build()
        fit_epoch(model, images[: 4 * args.batch_size], args.batch_size, lr, device)  # warm-up
        t_fit = fit_epoch(model, images, args.batch_size, lr, device)
        t_loader = dataloader_epoch(model, images, labels, args.batch_size, lr, device)
        train_flops = training_flops_per_image(build(), args.batch_size, lr, device) * len(images)
        rows.append((name, t_fit, t_loader, train_flops / t_fit))

    peak_dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    peak = matmul_flops(device, peak_dtype)
    print(
        f"device {device} ({torch.cuda.get_device_name(device) if device.type == 'cuda' else 'CPU'}), "
        f"{torch.get_num_threads()} threads, {len(images):,} images ({data.source}), batch {args.batch_size}"
    )
    print(f"large matmul ({peak_dtype}): {peak / 1e9:.1f} GFLOP/s")
    columns = ("model", "fit s/epoch", "DataLoader s/epoch", "speed-up", "fit GFLOP/s", "of matmul")
    print("{:<10} {:>12} {:>19} {:>9} {:>12} {:>10}".format(*columns))
    found = []
    for name, t_fit, t_loader, rate in rows:
        speed_up, share = f"{t_loader / t_fit:.2f}x", f"{rate / peak:.0%}"
        cells = (name, f"{t_fit:.2f}", f"{t_loader:.2f}", speed_up, f"{rate / 1e9:.1f}", share)
        print("{:<10} {:>12} {:>19} {:>9} {:>12} {:>10}".format(*cells))
        found.append(
            {"model": name, "fit seconds": t_fit, "DataLoader seconds": t_loader, "speed-up": t_loader / t_fit}
        )
        found[-1].update({"GFLOP/s": rate / 1e9, "share of matmul": rate / peak})
    results = {"rows": found, "matmul GFLOP/s": peak / 1e9, "images": len(images), "batch size": args.batch_size}
    name = "train_speed" if device.type == "cpu" else f"train_speed-{device.type}"
    save_results(name, results, data=f"{len(images):,} images ({data.source})", device=str(device))


if __name__ == "__main__":
    main()
