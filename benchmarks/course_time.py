"""How long the course takes: seconds per notebook in quick mode, in full mode with the shipped models
(nothing trained), in full mode with every model trained afresh, and in full mode again with that cache
warm; on the embedded subset or on a 60,000-image stand-in for full MNIST.

Run by hand:  python benchmarks/course_time.py [--modes quick shipped retrain warm] [--data embedded standin]
Each mode executes every notebook in order, as `gmtutor course` does, with a model cache in a fresh
temporary folder (your own cache is not touched; `warm` reuses the folder `retrain` filled, or fills one
first). `retrain` sets GMTUTOR_TRAIN=1, so no shipped model is used. `--data standin` writes the stand-in
of benchmarks/standin_mnist.py to a temporary folder and runs with GMTUTOR_DATA=mnist: it measures time,
not quality (its 60,000 training digits are the subset's 4,000, each shown 15 times with small random
moves); the shipped models are the subset's, so on the stand-in `shipped` trains as `retrain` does.

Targets on 2 CPU cores: quick under 60 s per notebook and 5 minutes in all; shipped models under 60 s per
notebook and 8 minutes in all; every model retrained under 5 minutes per notebook and 20 minutes in all;
a warm cache under 2 minutes in all.
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

TARGETS = {"quick": 300.0, "shipped": 480.0, "retrain": 1200.0, "warm": 120.0}
PER_NOTEBOOK = {"quick": 60.0, "shipped": 60.0, "retrain": 300.0}


def timed_run(mode: str, cache: Path, out: Path) -> dict[str, float]:
    os.environ["GMTUTOR_CACHE_DIR"] = str(cache)
    os.environ["GMTUTOR_TRAIN"] = "1" if mode in ("retrain", "warm") else "0"
    runs = run_course(out / mode, quick=mode == "quick")
    return {run.name: run.seconds for run in runs}


def time_course(modes: list[str], scratch: Path, full_cache: Path | None = None) -> dict[str, dict[str, float]]:
    """Seconds per notebook for each mode, with caches in ``scratch`` (the full-mode one in ``full_cache``)."""
    full_cache = full_cache or scratch / "full-cache"
    results: dict[str, dict[str, float]] = {}
    for mode in modes:
        if mode == "warm" and "retrain" not in results:
            timed_run("retrain", full_cache, scratch)  # fill the cache first; not reported
        cache = {"quick": scratch / "quick-cache", "shipped": scratch / "shipped-cache"}.get(mode, full_cache)
        results[mode] = timed_run(mode, cache, scratch)
        print(f"{mode}: {sum(results[mode].values()):.0f} s", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="+", choices=list(TARGETS), default=list(TARGETS))
    parser.add_argument("--data", choices=["embedded", "standin"], default="embedded")
    parser.add_argument("--keep", default=None, help="copy executed notebooks (a folder per mode) and caches here")
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
        if args.keep:  # the executed notebooks, and the caches they filled (the shipped run's results ship too)
            for folder in [*results, "quick-cache", "shipped-cache"]:
                if (scratch / folder).is_dir():
                    shutil.copytree(scratch / folder, Path(args.keep) / folder, dirs_exist_ok=True)
    names = list(next(iter(results.values())))
    print(f"\n{'notebook':<40}" + "".join(f"{mode + ' s':>10}" for mode in results))
    for name in names:
        print(f"{name:<40}" + "".join(f"{results[mode][name]:10.1f}" for mode in results))
    print(f"{'total':<40}" + "".join(f"{sum(results[mode].values()):10.1f}" for mode in results))
    print(f"{'target (total)':<40}" + "".join(f"{TARGETS[mode]:10.0f}" for mode in results))
    for mode in set(results) & set(PER_NOTEBOOK):
        slowest = max(results[mode], key=results[mode].get)
        print(f"slowest {mode} notebook: {slowest} {results[mode][slowest]:.1f} s (target {PER_NOTEBOOK[mode]:.0f} s)")
    totals = {mode: sum(seconds.values()) for mode, seconds in results.items()}
    found = {
        "seconds": results,
        "totals": totals,
        "targets": {mode: TARGETS[mode] for mode in results},
        "per-notebook targets": {mode: PER_NOTEBOOK[mode] for mode in results if mode in PER_NOTEBOOK},
    }
    data = "the embedded subset" if args.data == "embedded" else "a stand-in for full MNIST (timing only)"
    save_results("course_time" if args.data == "embedded" else "course_time-standin", found, data=data)


if __name__ == "__main__":
    main()
