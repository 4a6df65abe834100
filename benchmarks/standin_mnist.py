"""A stand-in for full MNIST, for timing: 60,000 training images written as the four IDX files.

Full MNIST cannot be downloaded on the machine this course is developed on, but how long the course
takes depends on the size of the data, not on which digits they are. This script writes:

- training: the embedded subset's 4,000 training digits, each 15 times: once as it is and 14 times
  moved by a small random rotation (up to 12 degrees), scaling (0.9 to 1.1) and shift (up to 2 pixels);
- test: the real MNIST test set (10,000 images) from ../shared/mnist when it is there, else the
  embedded 1,000 test digits, each 10 times in the same way.

The stand-in measures time, not quality: its training digits are 4,000 real ones in disguise.

    python benchmarks/standin_mnist.py FOLDER          # write the files
    GMTUTOR_DATA=mnist GMTUTOR_DATA_DIR=FOLDER gmtutor course
"""

from __future__ import annotations

import argparse
import gzip
import math
import shutil
from pathlib import Path

import torch
import torch.nn.functional as F
from common import SHARED_MNIST

import gmtutor as gm
from gmtutor.core.data import MNIST_FILES
from gmtutor.core.files import write_atomically

TRAIN_COPIES, TEST_COPIES = 15, 10


def idx_bytes(array: torch.Tensor) -> bytes:
    """A uint8 tensor in the IDX format: magic 0x0000 08 ndim, big-endian sizes, then the bytes."""
    header = bytes([0, 0, 0x08, array.dim()]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.contiguous().numpy().tobytes()


def jitter(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """uint8 digits (N, 28, 28), each rotated, scaled and shifted a little at random."""
    n = len(images)
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(12)
    scale = 0.9 + 0.2 * torch.rand(n, generator=generator)
    shift = (torch.rand(n, 2, generator=generator) * 2 - 1) * (2 / 14)  # 2 pixels in [-1, 1] coordinates
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, (n, 1, 28, 28), align_corners=False)
    moved = F.grid_sample(images.float().unsqueeze(1), grid, align_corners=False, padding_mode="zeros")
    return moved.squeeze(1).round().clamp(0, 255).to(torch.uint8)


def copies(images: torch.Tensor, labels: torch.Tensor, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The images once as they are and ``n - 1`` times jittered, with their labels."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.cat([images] + [jitter(images, generator) for _ in range(n - 1)])
    return x, labels.repeat(n)


def write_standin(folder: str | Path, seed: int = 0) -> str:
    """Write the stand-in's four gzipped IDX files into ``folder``; return where its test set came from."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    embedded = gm.load_mnist("embedded")
    x_train, y_train = copies(embedded.x_train, embedded.y_train, TRAIN_COPIES, seed)
    files = {"train-images-idx3-ubyte": x_train, "train-labels-idx1-ubyte": y_train.to(torch.uint8)}
    real_test = [SHARED_MNIST / f"{spec.name}.gz" for spec in MNIST_FILES[2:]]
    if all(path.is_file() for path in real_test):
        for path in real_test:
            shutil.copyfile(path, folder / path.name)
        test_source = f"the real MNIST test set from {SHARED_MNIST}"
    else:
        x_test, y_test = copies(embedded.x_test, embedded.y_test, TEST_COPIES, seed + 1)
        files.update({"t10k-images-idx3-ubyte": x_test, "t10k-labels-idx1-ubyte": y_test.to(torch.uint8)})
        test_source = "the embedded test digits, 10 times each"
    for name, array in files.items():
        write_atomically(folder / f"{name}.gz", gzip.compress(idx_bytes(array), compresslevel=6))
    loaded = gm.load_mnist("mnist", root=folder)  # read back through the course's own IDX checks
    assert len(loaded.x_train) == 60_000 and len(loaded.x_test) == 10_000
    return test_source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="where to write the four IDX files")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    test_source = write_standin(args.folder, args.seed)
    print(f"wrote a 60,000-image stand-in training set and {test_source} to {args.folder}")
    print(f"time the course on it: GMTUTOR_DATA=mnist GMTUTOR_DATA_DIR={args.folder} gmtutor course")


if __name__ == "__main__":
    main()
