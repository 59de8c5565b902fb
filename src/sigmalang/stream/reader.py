"""Chunked reading into pooled buffers, independent of how the source splits its reads."""

from __future__ import annotations

import time
from typing import BinaryIO, Iterator

from ..pool import BufferPool


def readinto_full(src: BinaryIO, buf: bytearray | memoryview) -> int:
    """Fill ``buf`` from ``src`` until it is full or the source ends; return the count.

    Looping over short reads is what makes the chunk boundaries, and so the
    output, independent of pipe and socket read sizes.
    """
    view = memoryview(buf)
    filled = 0
    total = len(view)
    readinto = getattr(src, "readinto", None)
    while filled < total:
        if readinto is not None:
            n = readinto(view[filled:])
        else:
            piece = src.read(total - filled)
            n = len(piece) if piece else 0
            view[filled : filled + n] = piece or b""
        if n is None:  # non-blocking source with nothing ready yet
            time.sleep(0.001)
            continue
        if n == 0:
            break
        filled += n
    return filled


def read_chunks(src: BinaryIO, pool: BufferPool) -> Iterator[tuple[bytearray, int]]:
    """Yield ``(buffer, length)`` per chunk; the consumer gives each buffer back to ``pool``."""
    while True:
        buf = pool.acquire()
        n = readinto_full(src, buf)
        if n == 0:
            pool.release(buf)
            return
        yield buf, n
        if n < len(buf):
            return
