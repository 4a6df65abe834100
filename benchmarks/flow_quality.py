"""RealNVP with its default (full-mode) recipe: test bits per dimension, training time, exact invertibility.

Run by hand:  python benchmarks/flow_quality.py   (the model comes from the cache, trained on first use;
`gmtutor cache clear` or `--retrain` to time a fresh training run)
Targets on the embedded subset: test bits/dim at or below 2.5 (aim: 2.0) after at most 10 minutes of
training on 2 CPU cores; max |decode(encode(x)) - x| below 1e-4 in float32.
When ../shared/mnist holds the real MNIST test set, the model is also scored on its 10,000 images.
"""

from __future__ import annotations

import argparse
import os

import torch

os.environ["GMTUTOR_QUICK"] = "0"  # the default settings, whatever the shell says

from common import SHARED_MNIST, save_results

import gmtutor as gm  # noqa: E402
from gmtutor.core.data import read_idx_file  # noqa: E402


@torch.no_grad()
def test_bits_per_dim(flow: gm.RealNVP, images: torch.Tensor, repeats: int = 3) -> float:
    """Mean over images and ``repeats`` draws of the dequantisation noise."""
    gm.seed_everything(123)
    x = gm.as_images(images)
    draws = [torch.cat([flow.bits_per_dim(batch) for batch in x.split(500)]) for _ in range(repeats)]
    return torch.stack(draws).mean().item()


@torch.no_grad()
def invertibility_error(flow: gm.RealNVP, images: torch.Tensor) -> float:
    x = gm.as_images(images)
    return max(
        (flow.decode(flow.encode(x[i : i + 500])) - x[i : i + 500]).abs().max().item() for i in range(0, len(x), 500)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrain", action="store_true", help="train afresh even if the model is cached")
    args = parser.parse_args()
    data = gm.load_mnist()
    print(f"trained on {data.describe()}; device {gm.device()}, {torch.get_num_threads()} threads")
    print(gm.recipe("flow"))
    flow = gm.zoo.get("flow", data, retrain=args.retrain, progress=False).eval()
    history = flow.history
    results = {
        "training seconds": history.seconds,
        "steps": int(history.last["step"]),
        "train bits/dim": history.last["loss"],
        "test bits/dim": test_bits_per_dim(flow, data.x_test),
        "target bits/dim": 2.5,
        "largest inverse error": invertibility_error(flow, data.x_test),
    }
    print(f"{'train min':>9} {'steps':>6} {'train bpd':>9} {'test bpd':>9} {'target':>6} {'max inverse error':>17}")
    print(
        f"{results['training seconds'] / 60:9.1f} {results['steps']:6d} {results['train bits/dim']:9.3f} "
        f"{results['test bits/dim']:9.3f} {2.5:6.1f} {results['largest inverse error']:17.1e}"
    )
    if (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").is_file():
        real_test = torch.from_numpy(read_idx_file(SHARED_MNIST / "t10k-images-idx3-ubyte.gz", "images", 10_000).copy())
        results["real test bits/dim"] = test_bits_per_dim(flow, real_test)
        print(f"real MNIST test set (10,000 images): {results['real test bits/dim']:.3f} bits/dim")
    save_results("flow_quality", results, data=data.describe())


if __name__ == "__main__":
    main()
