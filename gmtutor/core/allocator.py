"""Keep freed memory in the process on Linux, so that large CPU tensors stop costing page faults.

glibc's ``malloc`` hands every allocation above 128 KiB to the kernel with ``mmap`` and gives it back
with ``munmap`` when it is freed. A convolutional network on a CPU allocates and frees activations of
many megabytes at every layer of every step, so each step faults fresh pages in from the kernel again;
on this course's 2-core machine that doubled the time per image of sampling the diffusion U-Net, half
of it spent in the kernel. ``keep_freed_memory`` raises glibc's thresholds with ``mallopt`` (the same
settings as the ``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TRIM_THRESHOLD_`` environment variables, which
must be set before Python starts): blocks up to 32 MiB come from the heap and freed memory stays for the
next step. gmtutor does this when imported; set ``GMTUTOR_KEEP_FREED_MEMORY=0`` to leave malloc alone.
``benchmarks/allocator.py`` measures the difference.
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
OPT_OUT_ENV = "GMTUTOR_KEEP_FREED_MEMORY"


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds (see the module docstring); True when they were set.

    Does nothing (False) off Linux, without glibc, or when ``GMTUTOR_KEEP_FREED_MEMORY`` is ``0``."""
    if sys.platform != "linux" or os.environ.get(OPT_OUT_ENV, "1").strip() == "0":
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
