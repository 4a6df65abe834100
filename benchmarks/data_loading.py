"""How long loading MNIST takes: the embedded subset, and IDX parsing of the real test set if present.

Run by hand: python benchmarks/data_loading.py
"""

import time

from common import SHARED_MNIST, save_results

import gmtutor as gm
from gmtutor import data


def timed(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def embedded_cold():
    data._load_embedded.cache_clear()
    return gm.load_mnist("embedded")


rows = [("embedded subset, first load", *timed(embedded_cold))]
rows.append(("embedded subset, cached", *timed(lambda: gm.load_mnist("embedded"))))
if (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").is_file():
    rows.append(
        (
            "IDX t10k images (gzip, validated)",
            *timed(lambda: data.read_idx_file(SHARED_MNIST / "t10k-images-idx3-ubyte.gz", "images", 10_000)),
        )
    )

print(f"{'what':<36} {'seconds':>8}")
for name, seconds, _ in rows:
    print(f"{name:<36} {seconds:>8.3f}")
save_results("data_loading", {"rows": [{"what": name, "seconds": seconds} for name, seconds, _ in rows]}, data="")
