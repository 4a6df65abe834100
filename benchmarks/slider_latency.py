"""Time from an alpha-slider change to the explorer's new image being ready (kernel side).

Run by hand:  python benchmarks/slider_latency.py [--moves 300]
Builds the explorer on the 20-d VAE recipe (trained here for a few hundred steps: latency does not
depend on how well the model is trained) and the pixel baseline, then sets the slider
programmatically, which runs the same callback a browser's slider message runs.
Goal: median and 95th percentile under 30 ms on a CPU.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from common import save_results

import gmtutor as gm
from gmtutor.tools.latent import PixelSpace
from gmtutor.tools.widgets import interpolation_explorer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=300)
    args = parser.parse_args()

    data = gm.load_mnist()
    vae = gm.recipe("vae-20d").build()
    gm.fit(vae, data, steps=60, progress=False, seed=0)
    explorer = interpolation_explorer({"VAE 20-d": vae, "pixels": PixelSpace()}, data)
    alphas = torch.linspace(explorer.alpha.min, explorer.alpha.max, 61).tolist()

    print(f"{data.describe()}; device {gm.device()}; {torch.get_num_threads()} threads")
    print(f"{'model':<10} {'moves':>6} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    rows = []
    for name in explorer.models:
        explorer.model.value = name
        times = []
        for i in range(args.moves):
            value = round(alphas[(i * 7) % len(alphas)], 2)
            if value == explorer.alpha.value:
                value = round(value + 0.05, 2)
            start = time.perf_counter()
            explorer.alpha.value = value
            times.append((time.perf_counter() - start) * 1e3)
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(f"{name:<10} {len(times):6d} {statistics.median(times):10.2f} {p95:8.2f} {times[-1]:8.2f}")
        rows.append({"model": name, "moves": len(times), "median ms": statistics.median(times), "p95 ms": p95})
    save_results("slider_latency", {"rows": rows, "goal ms": 30}, data=data.describe())


if __name__ == "__main__":
    main()
