"""Why does the course's RealNVP sit near 1.5 bits/dim when published convolutional flows reach 1.0-1.1 on MNIST?

Published numbers (RealNVP about 1.06, Glow 1.05 bits/dim on MNIST) come from larger networks trained
for hundreds of passes over 60,000 digits. This script separates the suspects on the embedded subset,
each variant a change of one thing from the course's recipe:

- convention: the same trained recipe model scored with and without dequantisation noise, so a
  difference of convention (dequantised 8-bit digits, log 256 per pixel) would show;
- the logit pre-transform: alpha = 0.05 (the recipe's earlier value, common for CIFAR-10) instead of 0.001;
- architecture: no couplings at full resolution, with twice the steps to use the same time;
- compute: twice the steps;
- data: see budget_vs_data.py (8,000 real digits instead of 4,000 at the same steps).

Each run prints its training time and the bits/dim of 1,000 training digits and of the test digits (the embedded
subset's test digits, and the real MNIST test set when ../shared/mnist has it).

    python benchmarks/flow_gap.py [--variants recipe "2x steps" ...]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ["GMTUTOR_QUICK"] = "0"

from common import real_test_set, save_results  # noqa: E402

import gmtutor as gm  # noqa: E402
from gmtutor.models.likelihood import flow_bits_per_dim  # noqa: E402

BASE = gm.recipe("flow")
VARIANTS = {
    "recipe": ({}, 1),
    "logit alpha 0.05": ({"alpha": 0.05}, 1),
    "no full-res, 2x steps": ({"full_resolution": 0}, 2),
    "2x steps": ({}, 2),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args()
    data = gm.load_mnist()
    found = real_test_set()
    real = found[0] if found is not None else None
    print(f"{data.describe()}; recipe: {BASE}")
    print(f"{'variant':<22} {'weights':>9} {'train s':>8} {'train bpd':>10} {'test bpd':>9} {'real test bpd':>14}")
    rows = []
    for name in args.variants:
        changes, step_factor = VARIANTS[name]
        gm.seed_everything(BASE.seed)  # the same start as the recipe's model, where the shapes allow
        flow = gm.RealNVP(**{**BASE.config, **changes})
        start = time.perf_counter()
        gm.fit(
            flow,
            data,
            steps=round(BASE.steps * step_factor),
            batch_size=BASE.batch_size,
            lr=BASE.lr,
            seed=BASE.seed,
            progress=False,
            log_every=round(BASE.steps * step_factor),
            **BASE.fit_options,
        )
        seconds = time.perf_counter() - start
        row = {
            "variant": name,
            "weights": flow.parameter_count(),
            "training seconds": seconds,
            "steps": flow.history.last["step"],
        }
        row.update(
            **{
                "train bpd": flow_bits_per_dim(flow, data.x_train[:1000]),
                "test bpd": flow_bits_per_dim(flow, data.x_test),
            }
        )
        if real is not None:
            row["real test bpd"] = flow_bits_per_dim(flow, real)
        real_bpd = f"{row['real test bpd']:14.3f}" if real is not None else f"{'–':>14}"
        print(
            f"{name:<22} {row['weights']:9,} {seconds:8.0f} {row['train bpd']:10.3f} {row['test bpd']:9.3f} {real_bpd}",
            flush=True,
        )
        if name == "recipe":
            row["test bpd at bin centres"] = flow_bits_per_dim(flow, data.x_test, dequantize=False)
            print(f"{'':<22} without dequantisation noise: {row['test bpd at bin centres']:.3f} test bits/dim")
        rows.append(row)
    save_results("flow_gap", {"rows": rows, "recipe": str(BASE)}, data=data.describe())


if __name__ == "__main__":
    main()
