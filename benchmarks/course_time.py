"""How long the course takes: seconds per notebook in quick mode, in full mode from an empty model
cache (training included), and in full mode again with the cache warm.

Run by hand:  python benchmarks/course_time.py [--modes quick cold warm]
Each mode executes every notebook in order, as `gmtutor course` does, with a model cache in a fresh
temporary folder (your own cache is not touched; `warm` reuses the folder `cold` filled, or fills
one first). Targets on 2 CPU cores, embedded data: quick under 60 s per notebook and 5 minutes in
all; full from an empty cache under 15 minutes; full with a warm cache under 2 minutes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from gmtutor.course import run_course

TARGETS = {"quick": 300.0, "cold": 900.0, "warm": 120.0}
QUICK_PER_NOTEBOOK = 60.0


def timed_run(mode: str, cache: Path, out: Path) -> dict[str, float]:
    os.environ["GMTUTOR_CACHE_DIR"] = str(cache)
    runs = run_course(out / mode, quick=mode == "quick")
    return {run.name: run.seconds for run in runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="+", choices=list(TARGETS), default=list(TARGETS))
    parser.add_argument("--keep", default=None, help="copy the executed notebooks here, one folder per mode")
    args = parser.parse_args()
    os.environ.setdefault("GMTUTOR_DATA", "embedded")
    print(f"data: {os.environ['GMTUTOR_DATA']}; threads: {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="gmtutor-course-") as scratch:
        scratch = Path(scratch)
        full_cache = scratch / "full-cache"
        results: dict[str, dict[str, float]] = {}
        for mode in args.modes:
            if mode == "warm" and "cold" not in results:
                timed_run("cold", full_cache, scratch)  # fill the cache first; not reported
            cache = scratch / "quick-cache" if mode == "quick" else full_cache
            results[mode] = timed_run(mode, cache, scratch)
            print(f"{mode}: {sum(results[mode].values()):.0f} s", flush=True)
        if args.keep:
            for mode in ("quick", "cold", "warm"):
                if (scratch / mode).is_dir():
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


if __name__ == "__main__":
    main()
