"""Giving the heap's free memory back to the system during long runs.

A long encode frees and allocates zstd contexts, copy tables and encoded
chunks of every size from several threads. glibc keeps what they free in its
arenas, scattered between live blocks, so the process's resident memory crept
up over a run: ``sigmalang profile --sizes 64,256,1024 --mode encode --path file``
peaked at 88.7 / 93.3 / 105.1 MiB, although the Python heap's peak stayed at
24-26 MiB at every size. ``malloc_trim(0)`` hands free pages inside the arenas
back to the kernel; called every ``TRIM_INTERVAL`` bytes of a stream, the
peaks were 89.6 / 93.9 / 97.0 MiB at the same speed. Elsewhere than glibc this
does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

#: Raw bytes of a stream between two trims (a trim walks the arenas: well under a
#: millisecond, against the 100-300 ms that encoding this much takes).
TRIM_INTERVAL = 16 << 20


def _load_malloc_trim() -> "ctypes._NamedFuncPointer | None":
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # glibc only; ctypes releases the GIL during the call
    except (OSError, AttributeError):
        return None
    trim.argtypes = (ctypes.c_size_t,)
    trim.restype = ctypes.c_int
    return trim


_malloc_trim = _load_malloc_trim()


def release_free_memory() -> bool:
    """Return the heap's free pages to the system; False where the C library cannot."""
    if _malloc_trim is None:
        return False
    _malloc_trim(0)
    return True


class PeriodicTrim:
    """Calls ``release_free_memory`` once every ``interval`` bytes counted
    (default ``TRIM_INTERVAL``); ``trims`` says how often it did."""

    __slots__ = ("interval", "trims", "_since")

    def __init__(self, interval: int | None = None) -> None:
        self.interval = interval or TRIM_INTERVAL
        self.trims = 0
        self._since = 0

    def count(self, size: int) -> None:
        self._since += size
        if self._since >= self.interval:
            self._since = 0
            self.trims += 1
            release_free_memory()
