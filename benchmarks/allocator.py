"""What keeping freed memory in the process (``gmtutor/core/allocator.py``) buys on this machine's CPU.

Runs the same work twice in fresh Python processes, with glibc's default malloc thresholds
(GMTUTOR_KEEP_FREED_MEMORY=0) and with gmtutor's: milliseconds per image for one pass of the diffusion
U-Net at several batch sizes, and per step of training the flow-matching recipe, plus the seconds the
process spent in the kernel (page faults show up there).

Run by hand:  python benchmarks/allocator.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from common import save_results

WORK = r"""
import json, resource, time
import torch
import gmtutor as gm
model = gm.DiffusionModel("velocity").eval()
x = torch.randn(1024, 1, 28, 28)
result = {}
for batch in (64, 256, 1024):
    start = time.perf_counter()
    with torch.no_grad():
        for _ in range(3):
            for i in range(0, 1024, batch):
                model.predict(x[i : i + batch], torch.zeros(len(x[i : i + batch])), None)
    result[f"pass, batch {batch}"] = (time.perf_counter() - start) / 3 / 1024 * 1000
data = gm.load_mnist("embedded")
recipe = gm.recipe("flow-matching")
settings = {**recipe.settings(), "steps": 40, "log_every": 40, "progress": False}
start = time.perf_counter()
gm.fit(recipe.build(), data, **settings)
result["training step"] = (time.perf_counter() - start) / 40 * 1000
usage = resource.getrusage(resource.RUSAGE_SELF)
result["kernel seconds"], result["user seconds"] = usage.ru_stime, usage.ru_utime
print(json.dumps(result))
"""


def measure(keep: bool) -> dict[str, float]:
    env = {**os.environ, "GMTUTOR_KEEP_FREED_MEMORY": "1" if keep else "0", "GMTUTOR_QUICK": "0"}
    out = subprocess.run([sys.executable, "-c", WORK], env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    default, kept = measure(keep=False), measure(keep=True)
    print(f"{'':30} {'glibc default':>14} {'gmtutor':>10} {'ratio':>7}")
    for key in default:
        unit = "s" if "seconds" in key else "ms/image" if "pass" in key else "ms"
        ratio = default[key] / kept[key] if kept[key] else float("nan")
        print(f"{key + f' ({unit})':30} {default[key]:14.2f} {kept[key]:10.2f} {ratio:7.2f}")
    rows = [
        {"what": key, "glibc default": default[key], "kept": kept[key], "ratio": default[key] / kept[key]}
        for key in default
    ]
    save_results("allocator", {"rows": rows}, data="random images; the embedded subset for the training step")


if __name__ == "__main__":
    main()
