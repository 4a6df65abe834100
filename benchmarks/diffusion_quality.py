"""Diffusion (DDPM's noise prediction) and flow matching with their full-mode recipes: time and quality.

For each recipe: training seconds; how often the CNN judge reads class-guided samples as the asked-for
digit (1,000 samples, 100 per digit, at guidance weights 1 and 2, 20 steps); the Frechet distance of
10,000 unconditional samples (20 steps) against the test digits in the judge's features, as on the
scoreboard, beside the GAN's on the same terms; seconds for 64 samples at few steps (the best of 3); and
quality against sampling steps (DDIM and DDPM for the noise model, Euler for flow matching).

Run by hand:  python benchmarks/diffusion_quality.py [--retrain] [--samples 10000] [--device cuda]
Models come from the cache (trained on first use; --retrain times a fresh run). With GMTUTOR_DATA=mnist
and GMTUTOR_DATA_DIR pointing at the 60,000-image stand-in, the training time is that of full MNIST.
Targets (issue 20): training within 10 minutes on 2 CPU cores; guided samples judged right at least 95%
of the time; unconditional FD below the GAN's; 64 samples in under 5 s with the few-step sampler.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ["GMTUTOR_QUICK"] = "0"  # default (full-mode) settings, whatever the shell says

import torch  # noqa: E402
from common import save_results  # noqa: E402

import gmtutor as gm  # noqa: E402
from gmtutor.tools.sampling import guided_accuracy, sampler_sweep  # noqa: E402
from gmtutor.tools.scoreboard import sample_quality  # noqa: E402

RECIPES = {"DDPM (noise)": "ddpm", "flow matching (velocity)": "flow-matching"}
SWEEPS = {  # recipe, eta (0: deterministic; 1: DDPM's fresh noise), step counts (DDPM's: --ddpm-steps)
    "DDIM (noise model)": ("ddpm", 0.0, (4, 8, 16, 32, 64)),
    "DDPM, stochastic (noise model)": ("ddpm", 1.0, ()),
    "Euler (flow matching)": ("flow-matching", 0.0, (1, 2, 4, 8, 16, 32)),
}


def sync() -> None:
    if gm.device().type == "cuda":
        torch.cuda.synchronize()


def seconds_for(model: torch.nn.Module, n: int, steps: int, repeats: int = 3) -> float:
    """The best of ``repeats`` timings of ``n`` unconditional samples in ``steps`` steps."""
    best = float("inf")
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        model.sample(n, steps=steps)
        sync()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrain", action="store_true", help="train afresh even if a model is cached")
    parser.add_argument("--samples", type=int, default=10_000, help="unconditional samples for the FD")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: gmtutor's choice)")
    parser.add_argument("--no-sweep", action="store_true", help="skip the quality-against-steps table")
    parser.add_argument("--sweep-samples", type=int, default=500, help="samples per point of the sweep")
    parser.add_argument(
        "--ddpm-steps", type=int, nargs="+", default=[100, 250], help="DDPM's step counts (its own is 1000)"
    )
    args = parser.parse_args()
    if args.device:
        os.environ["GMTUTOR_DEVICE"] = args.device
    trained_on = gm.load_mnist()
    data = trained_on.per_class(400, 100)
    print(f"trained on {trained_on.describe()}; device {gm.device()}, {torch.get_num_threads()} threads", flush=True)
    judge = gm.zoo.get("judge", trained_on, progress=False)
    gan = gm.zoo.get("gan", trained_on, progress=False).eval()
    generator = torch.Generator().manual_seed(0)
    gan_samples = torch.cat([gan.sample(1000, generator=generator).cpu() for _ in range(0, args.samples, 1000)])
    gan_fd = sample_quality(gan_samples[: args.samples], data.x_test, judge)["sample FD"]
    print(f"GAN, for comparison: FD {gan_fd:.1f} on {args.samples:,} samples", flush=True)
    results: dict = {"GAN FD": gan_fd, "samples": args.samples, "recipes": {}}
    models = {}
    print(f"{'recipe':<26} {'train s':>8} {'right w1':>9} {'right w2':>9} {'FD':>7} {'precision':>9} {'recall':>7}")
    for name, recipe in RECIPES.items():
        model = gm.zoo.get(recipe, trained_on, retrain=args.retrain, progress=False).eval()
        models[recipe] = model
        generator = torch.Generator().manual_seed(0)
        samples = torch.cat([model.sample(1000, generator=generator).cpu() for _ in range(0, args.samples, 1000)])
        quality = sample_quality(samples[: args.samples], data.x_test, judge)
        right = [guided_accuracy(model, judge, 100, 20, weight) for weight in (1.0, 2.0)]
        print(
            f"{name:<26} {model.history.seconds:8.0f} {right[0]:9.1%} {right[1]:9.1%} {quality['sample FD']:7.1f} "
            f"{quality['sample precision']:9.0%} {quality['sample recall']:7.0%}",
            flush=True,
        )
        row = {"training seconds": model.history.seconds, "judged right w1": right[0], "judged right w2": right[1]}
        results["recipes"][recipe] = {"name": name, **row, **quality, "weights": model.parameter_count()}
    print("\nseconds for 64 unconditional samples (best of 3)")
    for recipe, model in models.items():
        seconds = {str(k): seconds_for(model, 64, k) for k in (5, 10, 20)}
        results["recipes"][recipe]["seconds for 64 samples"] = seconds
        print(f"  {recipe}: " + ", ".join(f"{k} steps {s:.2f} s" for k, s in seconds.items()), flush=True)
    name = "diffusion_quality" if gm.device().type == "cpu" else f"diffusion_quality-{gm.device().type}"
    if args.no_sweep:
        save_results(name, results, data=trained_on.describe())
        return
    n = args.sweep_samples
    print(f"\nquality against sampling steps ({n:,} samples each: FD of unconditional ones, guided w 1 judged right)")
    results["sweep"] = {"samples": n, "samplers": {}}
    for sampler, (recipe, eta, steps) in SWEEPS.items():
        steps = steps or tuple(args.ddpm_steps)
        rows = sampler_sweep(models[recipe], judge, data.x_test, steps, n=n, eta=eta, progress=False)
        results["sweep"]["samplers"][sampler] = rows
        for row in rows:
            print(
                f"  {sampler:<32} {row['steps']:5d} steps  {row['seconds']:7.2f} s  FD {row['FD']:7.1f}  "
                f"judged right {row['judged right']:.1%}",
                flush=True,
            )
    save_results(name, results, data=trained_on.describe())


if __name__ == "__main__":
    main()
