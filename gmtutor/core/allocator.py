"""Keep freed memory in the process on Linux, so that large CPU tensors stop costing page faults.

glibc's ``malloc`` hands every allocation above 128 KiB to the kernel with ``mmap`` and gives it back
with ``munmap`` when it is freed. A convolutional network on a CPU allocates and frees activations of
many megabytes at every layer of every step, so each step faults fresh pages in from the kernel again;
on this course's 2-core machine that doubled the time per image of sampling the diffusion U-Net, half
of it spent in the kernel. ``keep_freed_memory`` raises glibc's thresholds with ``mallopt`` (the same
settings as the ``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TRIM_THRESHOLD_`` environment variables, which
must be set before Python starts): blocks up to 32 MiB come from the heap and freed memory stays for the
next step. It changes the whole process (every later allocation, forked workers too), so gmtutor does it
only when asked: call ``gm.keep_freed_memory()``, or set ``GMTUTOR_KEEP_FREED_MEMORY=1`` before importing
gmtutor. The course runner (``gmtutor course``), the test run and the benchmarks ask for it, where it was
measured to help; ``benchmarks/allocator.py`` measures the difference.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3  # mallopt's parameter numbers (malloc.h)
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest allowed on 64-bit systems
TRIM_THRESHOLD = 1 << 30  # give memory back to the kernel only when a gigabyte is free at the top
TOP_PAD = 64 * 1024 * 1024  # grow the heap by at least this much at a time
ENVIRONMENT = "GMTUTOR_KEEP_FREED_MEMORY"


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds (see the module docstring); True when they were set.

    Does nothing (False) off Linux or without glibc."""
    if sys.platform != "linux":
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other C libraries have no mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    settings = ((M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD), (M_TOP_PAD, TOP_PAD))
    return all(mallopt(parameter, value) == 1 for parameter, value in settings)


def keep_freed_memory_if_asked() -> bool:
    """``keep_freed_memory()`` when ``GMTUTOR_KEEP_FREED_MEMORY=1``; otherwise nothing (False)."""
    value = os.environ.get(ENVIRONMENT, "").strip()
    if value not in ("", "0", "1"):
        raise ValueError(
            f"{ENVIRONMENT}={value!r}: set it to 1 to keep freed memory, or 0 (or unset it) to leave malloc alone"
        )
    return value == "1" and keep_freed_memory()
