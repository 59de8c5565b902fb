"""Chunked reading into pooled buffers, independent of how the source splits its reads."""

from __future__ import annotations

import io
import os
import stat
import time
from functools import partial
from itertools import islice
from typing import BinaryIO, Callable, Iterator, Union

from ..buffers import Buffer
from ..pool import BufferPool

#: A chunk for the encoder, and the call that recycles its buffer once written (if any).
Chunk = tuple[Union[Buffer, "PositionalChunk"], Union[Callable[[], None], None]]


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


def read_some(src: BinaryIO, view: memoryview) -> int:
    """One read into ``view`` (``readinto`` where the source has it); 0 at its end."""
    readinto = getattr(src, "readinto", None)
    if readinto is not None:
        return readinto(view) or 0
    piece = src.read(len(view))
    view[: len(piece)] = piece
    return len(piece)


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


class PositionalChunk:
    """A chunk of a regular file that the worker encoding it reads itself (``os.pread``).

    Input waiting for a worker then costs no memory: only the chunk being
    encoded occupies a buffer, however long the segments are.
    """

    __slots__ = ("fd", "offset", "length", "pool")

    def __init__(self, fd: int, offset: int, length: int, pool: BufferPool) -> None:
        self.fd = fd
        self.offset = offset
        self.length = length
        self.pool = pool

    def __len__(self) -> int:
        return self.length

    def read(self, start: int, size: int) -> bytes:
        """``size`` bytes of the chunk from ``start`` (fewer past its end)."""
        want = max(0, min(size, self.length - start))
        parts, got = [], 0
        while got < want:
            piece = os.pread(self.fd, want - got, self.offset + start + got)
            if not piece:
                raise OSError(f"file ended at byte {self.offset + start + got} while being compressed (it shrank)")
            parts.append(piece)
            got += len(piece)
        return b"".join(parts)

    def load(self) -> tuple[memoryview, bytearray]:
        """Read the chunk into a pooled buffer: ``(view of the data, buffer to release)``."""
        buf = self.pool.acquire()
        view = memoryview(buf)
        filled = 0
        while filled < self.length:
            n = os.preadv(self.fd, [view[filled : self.length]], self.offset + filled)
            if n == 0:
                self.pool.release(buf)
                raise OSError(f"file ended at byte {self.offset + filled} while being compressed (it shrank)")
            filled += n
        return view[: self.length], buf


def positional_chunks(src: BinaryIO, size: int, chunk_size: int, pool: BufferPool) -> Iterator[PositionalChunk] | None:
    """Chunks of the ``size`` bytes after ``src``'s position, read by position; None
    unless ``src`` is a regular file holding exactly that many more bytes."""
    try:
        fd = src.fileno()
        info = os.fstat(fd)
        start = src.tell()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    if not stat.S_ISREG(info.st_mode) or not hasattr(os, "preadv") or info.st_size - start != size:
        return None
    return (PositionalChunk(fd, start + offset, min(chunk_size, size - offset), pool) for offset in range(0, size, chunk_size))


def at_start(fp: BinaryIO) -> bool:
    """True for a seekable file positioned at its first byte (its INDEX glyphs can be read first)."""
    try:
        return bool(fp.seekable()) and fp.tell() == 0
    except (AttributeError, OSError, ValueError):
        return False


class ChunkSource:
    """The chunks of an encoder's input: read by position by the workers where it is
    a regular file holding ``size`` more bytes (and ``by_position`` allows it), else
    read in sequence into pooled buffers. Either way the chunk boundaries, and so
    the output, are the same."""

    def __init__(self, src: BinaryIO, size: int | None, chunk_size: int, *, by_position: bool) -> None:
        self._src = src
        self._size = size or 0
        self._chunk_size = chunk_size
        self._start = _position(src)
        self.by_position = by_position and size is not None and self._positional(BufferPool(chunk_size)) is not None
        self._replay: list[tuple[bytearray, int]] = []  # chunks read in sequence for a sample

    def _positional(self, pool: BufferPool) -> Iterator[PositionalChunk] | None:
        return positional_chunks(self._src, self._size, self._chunk_size, pool)

    def sample(self, count: int) -> list[Buffer]:
        """The first ``count`` chunks (fewer if the input is shorter); they are still part of ``chunks()``."""
        if self.by_position:
            probe = self._positional(BufferPool(self._chunk_size))
            assert probe is not None
            return [chunk.load()[0] for chunk in islice(probe, count)]
        self._replay = list(islice(read_chunks(self._src, BufferPool(self._chunk_size)), count))
        return [memoryview(buf)[:n] for buf, n in self._replay]

    def chunks(self, pool: BufferPool) -> Iterator[Chunk]:
        if self.by_position:
            chunks = self._positional(pool)
            assert chunks is not None
            yield from ((chunk, None) for chunk in chunks)
            # Whatever was appended to the file meanwhile is read in sequence.
            self._src.seek(self._start + self._size)
        else:
            yield from ((memoryview(buf)[:n], None) for buf, n in self._replay)
        for buf, n in read_chunks(self._src, pool):
            yield memoryview(buf)[:n], partial(pool.release, buf)


def _position(src: BinaryIO) -> int:
    try:
        return src.tell()
    except (AttributeError, OSError, ValueError):
        return 0
