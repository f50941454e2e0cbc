"""glibc's malloc thresholds, fixed when the server starts.

glibc serves an allocation above its mmap threshold (128 KiB at first) with a fresh mmap, and
raises the threshold to the size of each such block freed. So whether an answer's large,
short-lived buffers (an embeddings answer's vectors and its 820 KB body, their copies) come
from the heap or from new pages depends on the process's history: with fresh pages every
answer pays ~250 page faults, about 1 ms of CPU for a batch of 100 embeddings. Fixed
thresholds make them heap memory, reused from answer to answer (docs/benchmark.md).
Elsewhere than glibc (musl, macOS) nothing changes.
"""

from __future__ import annotations

import ctypes
import logging

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 16 << 20  # blocks below 16 MiB come from the heap
TRIM_THRESHOLD = 64 << 20  # free memory above 64 MiB at the heap's top goes back to the system


def fix_malloc_thresholds() -> bool:
    """Set glibc's thresholds; False where there is no glibc mallopt (or it refuses)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    done = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    if not done:
        log.debug("mallopt refused the thresholds: malloc keeps its own")
    return done
