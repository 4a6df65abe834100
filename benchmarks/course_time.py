"""How long the course takes: seconds per notebook in quick mode, in full mode from an empty model
cache (training included), and in full mode again with the cache warm; on the embedded subset or on a
60,000-image stand-in for full MNIST.

Run by hand:  python benchmarks/course_time.py [--modes quick cold warm] [--data embedded standin]
Each mode executes every notebook in order, as `gmtutor course` does, with a model cache in a fresh
temporary folder (your own cache is not touched; `warm` reuses the folder `cold` filled, or fills one
first). `--data standin` writes the stand-in of benchmarks/standin_mnist.py to a temporary folder and
runs with GMTUTOR_DATA=mnist: it measures time, not quality (its 60,000 training digits are the
subset's 4,000, each shown 15 times with small random moves).

Targets on 2 CPU cores: quick under 60 s per notebook and 5 minutes in all; full from an empty cache
under 15 minutes, and no longer on the stand-in than on the subset; full with a warm cache under 2
minutes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from common import save_results
from standin_mnist import write_standin

from gmtutor.present.course import run_course

TARGETS = {"quick": 300.0, "cold": 900.0, "warm": 120.0}
QUICK_PER_NOTEBOOK = 60.0


def timed_run(mode: str, cache: Path, out: Path) -> dict[str, float]:
    os.environ["GMTUTOR_CACHE_DIR"] = str(cache)
    runs = run_course(out / mode, quick=mode == "quick")
    return {run.name: run.seconds for run in runs}


def time_course(modes: list[str], scratch: Path, full_cache: Path | None = None) -> dict[str, dict[str, float]]:
    """Seconds per notebook for each mode, with caches in ``scratch`` (the full-mode one in ``full_cache``)."""
    full_cache = full_cache or scratch / "full-cache"
    results: dict[str, dict[str, float]] = {}
    for mode in modes:
        if mode == "warm" and "cold" not in results:
            timed_run("cold", full_cache, scratch)  # fill the cache first; not reported
        cache = scratch / "quick-cache" if mode == "quick" else full_cache
        results[mode] = timed_run(mode, cache, scratch)
        print(f"{mode}: {sum(results[mode].values()):.0f} s", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="+", choices=list(TARGETS), default=list(TARGETS))
    parser.add_argument("--data", choices=["embedded", "standin"], default="embedded")
    parser.add_argument("--keep", default=None, help="copy the executed notebooks here, one folder per mode")
    parser.add_argument("--cache", default=None, help="the full-mode model cache (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gmtutor-course-") as scratch:
        scratch = Path(scratch)
        if args.data == "standin":
            test_source = write_standin(scratch / "mnist")
            os.environ.update(GMTUTOR_DATA="mnist", GMTUTOR_DATA_DIR=str(scratch / "mnist"))
            print(f"data: a 60,000-image stand-in for full MNIST (test set: {test_source}); it measures time only")
        else:
            os.environ["GMTUTOR_DATA"] = "embedded"
            print("data: the embedded subset (4,000 training and 1,000 test digits)")
        print(f"cores: {os.cpu_count()}", flush=True)
        results = time_course(args.modes, scratch, Path(args.cache).resolve() if args.cache else None)
        if args.keep:
            for mode in results:
                shutil.copytree(scratch / mode, Path(args.keep) / mode, dirs_exist_ok=True)
    names = list(next(iter(results.values())))
    print(f"\n{'notebook':<40}" + "".join(f"{mode + ' s':>10}" for mode in results))
    for name in names:
        print(f"{name:<40}" + "".join(f"{results[mode][name]:10.1f}" for mode in results))
    print(f"{'total':<40}" + "".join(f"{sum(results[mode].values()):10.1f}" for mode in results))
    print(f"{'target (total)':<40}" + "".join(f"{TARGETS[mode]:10.0f}" for mode in results))
    if "quick" in results:
        slowest = max(results["quick"].values())
        print(f"slowest quick notebook: {slowest:.1f} s (target {QUICK_PER_NOTEBOOK:.0f} s)")
    totals = {mode: sum(seconds.values()) for mode, seconds in results.items()}
    found = {"seconds": results, "totals": totals, "targets": {mode: TARGETS[mode] for mode in results}}
    data = "the embedded subset" if args.data == "embedded" else "a stand-in for full MNIST (timing only)"
    save_results("course_time" if args.data == "embedded" else "course_time-standin", found, data=data)


if __name__ == "__main__":
    main()
