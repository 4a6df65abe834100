"""Why does DDPM's noise objective trail flow matching's velocity on the course's U-Net? One change at a time.

Every variant trains with the course's diffusion budget (the ``ddpm`` recipe's steps, batch, learning rate and
cosine decay) on the same data, then is judged as notebook 06c judges it: the share of class-guided samples
(20 steps, w = 1 and w = 2) that the CNN judge reads as the asked-for digit, and the Frechet distance of
unconditional samples to the test digits in the judge's features. The variants change the U-Net's blocks
(plain: conv, norm, SiLU twice; residual: DDPM's pre-norm blocks with a skip path), the noise schedule
(linear, DDPM's; cosine, Nichol & Dhariwal's), the noise loss's weighting over time (uniform, DDPM's;
Min-SNR-5, Hang et al. 2023's) and the objective. One more is an independent implementation:
``diffusers``' ``UNet2DModel`` trained with its ``DDPMScheduler`` and sampled with its ``DDIMScheduler``
(a benchmark dependency only: ``pip install diffusers``).

Run by hand:  python benchmarks/ddpm_experiment.py [--variants NAME ...] [--steps N] [--samples N]
Results: benchmarks/results/ddpm_experiment.json (merged, so variants can be run one at a time).
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ["GMTUTOR_QUICK"] = "0"  # default (full-mode) settings, whatever the shell says

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from common import RESULTS, save_results  # noqa: E402

import gmtutor as gm  # noqa: E402
from gmtutor.models.base import Trainable  # noqa: E402
from gmtutor.models.denoiser import NO_LABEL  # noqa: E402
from gmtutor.tools.sampling import guided_accuracy  # noqa: E402
from gmtutor.tools.scoreboard import draw_samples, sample_quality  # noqa: E402

VARIANTS = {  # name: DiffusionModel's settings (None: diffusers' U-Net)
    "noise, plain blocks, linear (the ddpm recipe)": {"objective": "noise", "block": "plain", "schedule": "linear"},
    "noise, residual blocks, linear": {"objective": "noise", "block": "residual", "schedule": "linear"},
    "noise, plain blocks, cosine": {"objective": "noise", "block": "plain", "schedule": "cosine"},
    "noise, residual blocks, cosine": {"objective": "noise", "block": "residual", "schedule": "cosine"},
    "noise, residual blocks, linear, Min-SNR-5": {
        "objective": "noise",
        "block": "residual",
        "schedule": "linear",
        "weighting": "min-snr",
    },
    "velocity, plain blocks (the flow-matching recipe)": {"objective": "velocity", "block": "plain"},
    "velocity, residual blocks": {"objective": "velocity", "block": "residual"},
    "diffusers UNet2DModel, noise, linear": None,
    "diffusers UNet2DModel, noise, cosine": "cosine",
}


class DiffusersDenoiser(Trainable):
    """diffusers' U-Net and schedulers behind the course's ``loss``/``sample``: nothing of gmtutor's diffusion code."""

    takes_labels = "yes"

    def __init__(self, schedule: str = "linear", label_dropout: float = 0.1):
        super().__init__()
        from diffusers import DDIMScheduler, DDPMScheduler, UNet2DModel

        self.unet = UNet2DModel(
            sample_size=28,
            in_channels=1,
            out_channels=1,
            block_out_channels=(32, 64, 64),
            down_block_types=("DownBlock2D", "DownBlock2D", "DownBlock2D"),
            up_block_types=("UpBlock2D", "UpBlock2D", "UpBlock2D"),
            layers_per_block=1,
            norm_num_groups=8,
            num_class_embeds=NO_LABEL + 1,
        )
        beta_schedule = "linear" if schedule == "linear" else "squaredcos_cap_v2"
        self.train_scheduler = DDPMScheduler(num_train_timesteps=1000, beta_schedule=beta_schedule)
        self.sampler = DDIMScheduler.from_config(self.train_scheduler.config)

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        x = x.reshape(len(x), 1, 28, 28).float() * 2.0 - 1.0
        y = y.to(x.device).long()
        y = torch.where(torch.rand(len(y), device=x.device) < self.config["label_dropout"], NO_LABEL, y)
        noise = torch.randn_like(x)
        t = torch.randint(0, 1000, (len(x),), device=x.device)
        noisy = self.train_scheduler.add_noise(x, noise, t)
        return {"loss": F.mse_loss(self.unet(noisy, t, class_labels=y).sample, noise)}

    @torch.no_grad()
    def sample(self, n, *, generator=None, temperature=1.0, y=None, steps=20, weight=1.0, eta=0.0):
        x = torch.randn(n, 1, 28, 28, generator=generator) * temperature
        self.sampler.set_timesteps(steps)
        none = torch.full((n,), NO_LABEL)
        for t in self.sampler.timesteps:
            if y is None or weight == 0:
                e = self.unet(x, t, class_labels=none).sample
            else:
                c = self.unet(x, t, class_labels=y.long()).sample
                e = c if weight == 1 else (u := self.unet(x, t, class_labels=none).sample) + weight * (c - u)
            x = self.sampler.step(e, t, x, eta=eta).prev_sample
        return ((x + 1) / 2).clamp(0, 1)


def build(settings) -> Trainable:
    if settings is None or settings == "cosine":
        return DiffusersDenoiser(schedule=settings or "linear")
    return gm.DiffusionModel(**settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), help="which variants (default: all)")
    parser.add_argument("--steps", type=int, default=None, help="training steps (default: the ddpm recipe's)")
    parser.add_argument("--lr", type=float, default=None, help="peak learning rate (default: the recipe's)")
    parser.add_argument("--samples", type=int, default=2000, help="unconditional samples for the FD")
    parser.add_argument("--per-digit", type=int, default=50, help="guided samples per digit for the judge")
    args = parser.parse_args()
    recipe = gm.recipe("ddpm")
    steps, lr = args.steps or recipe.steps, args.lr or recipe.lr
    data = gm.load_mnist()
    evaluation = data.per_class(400, 100)
    judge = gm.zoo.get("judge", data, progress=False)
    print(f"trained on {data.describe()}; {steps} steps of {recipe.batch_size}, lr {lr}, cosine decay", flush=True)
    path = RESULTS / "ddpm_experiment.json"
    results = json.loads(path.read_text())["results"] if path.exists() else {}
    results.setdefault("variants", {})
    for name in args.variants:
        model = build(VARIANTS[name])
        start = time.perf_counter()
        history = gm.fit(
            model,
            data,
            steps=steps,
            batch_size=recipe.batch_size,
            lr=lr,
            lr_schedule="cosine",
            seed=0,
            log_every=steps // 10,
            progress=False,
        )
        seconds = time.perf_counter() - start
        model.eval()
        right = [guided_accuracy(model, judge, args.per_digit, 20, w) for w in (1.0, 2.0)]
        quality = sample_quality(draw_samples(model, args.samples), evaluation.x_test, judge)
        settings = VARIANTS[name]
        row = {
            "objective": settings["objective"] if isinstance(settings, dict) else "noise",
            "implementation": "gmtutor" if isinstance(settings, dict) else "diffusers",
            "steps": steps,
            "lr": lr,
            "training seconds": seconds,
            "final loss": history.last["loss"],
            "judged right w1": right[0],
            "judged right w2": right[1],
            **quality,
            "weights": sum(p.numel() for p in model.parameters()),
        }
        key = name if steps == recipe.steps else f"{name}, {steps:,} steps"
        key = key if lr == recipe.lr else f"{key}, lr {lr:g}"
        results["variants"][key] = row
        print(
            f"{key:<46} {seconds:6.0f} s  loss {row['final loss']:.4f}  right w1 {right[0]:6.1%}  w2 {right[1]:6.1%}"
            f"  FD {quality['sample FD']:6.1f}  ({row['weights']:,} weights)",
            flush=True,
        )
        results["samples"], results["per digit"] = args.samples, args.per_digit
        save_results("ddpm_experiment", results, data=data.describe())


if __name__ == "__main__":
    main()
