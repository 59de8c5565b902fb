"""Where a decoder's output goes: the sinks of ``DecodeDriver``.

- ``BufferSink``: one result buffer of the size the trailers declare; workers
  decode each chunk into its slice, and copies read the buffer itself.
- ``YieldSink``: chunks handed to the caller in order (push decoding, pipes);
  streams whose chunks are read again keep a ring of their latest output.
- ``FileSink``: a regular file; workers write each chunk at its place
  (``os.pwrite``), so nothing waits in memory for its turn, and copies read
  the file back (``os.pread``) when it is open for reading too.
"""

from __future__ import annotations

import io
import os
import stat
from typing import BinaryIO, Iterable

try:
    import fcntl
except ImportError:  # Windows: no pwrite either, so FileSink is never used
    fcntl = None  # type: ignore[assignment]

from ..buffers import Buffer, touch_pages
from ..codecs.chunk import PendingReference, decode_chunk, decode_chunk_into
from ..codecs.reference import History, HistoryRing, OutputHistory
from .driver import ChunkJob, Payload


class BufferSink:
    """Decodes into ``out``, which holds the whole output."""

    holds_output = False

    def __init__(self, out: memoryview) -> None:
        self._out = out

    def history(self, offset: int, window: int, stream_start: int, position: int) -> History | None:
        return OutputHistory(self._out, stream_start, window) if window else None

    def decode(self, job: ChunkJob) -> Payload:
        out = self._slice(job)
        payload = decode_chunk_into(job.glyph, out, job.context)
        if isinstance(payload, PendingReference):
            touch_pages(out)  # resolved later, in order: take its page faults here, in parallel
        return payload

    def complete(self, payload: Payload, job: ChunkJob) -> Iterable[Buffer]:
        if isinstance(payload, PendingReference):
            payload.resolve_into(self._slice(job), job.stream_position, job.history)
        return ()

    def _slice(self, job: ChunkJob) -> memoryview:
        return self._out[job.raw_offset : job.raw_offset + job.glyph.raw_length]


class YieldSink:
    """Hands each decoded chunk to the caller, in order.

    ``referenced`` (from the file's INDEX glyphs, by stream offset) says which
    streams have chunks that later ones read; the others keep no history.
    None: unknown, so every stream that declares a window keeps one.
    """

    holds_output = True

    def __init__(self, referenced: dict[int, bool] | None = None) -> None:
        self.referenced = referenced

    def history(self, offset: int, window: int, stream_start: int, position: int) -> History | None:
        if not window or (self.referenced is not None and not self.referenced.get(offset, True)):
            return None
        return HistoryRing(window, position)

    def decode(self, job: ChunkJob) -> Payload:
        return decode_chunk(job.glyph, job.context)

    def complete(self, payload: Payload, job: ChunkJob) -> Iterable[Buffer]:
        out = self._resolved(payload, job)
        return (out,)

    @staticmethod
    def _resolved(payload: Payload, job: ChunkJob) -> Buffer:
        """The chunk's bytes, with its copies resolved, appended to its stream's history."""
        if isinstance(payload, PendingReference):
            payload = payload.resolve(job.stream_position, job.history)
        assert payload is not None
        if job.history is not None:
            job.history.append(payload)
        return payload


class FileSink(YieldSink):
    """Writes each chunk at its place in a regular file (the one at ``fd``, from offset ``base``).

    With ``reads_back`` (the file is open for reading too), copies and primes
    read the output from the file itself, and the workers write every chunk
    but REFERENCE ones (resolved, then written, in stream order). Otherwise
    chunks of streams that keep history go through a ring in stream order and
    are written then.
    """

    holds_output = False

    def __init__(self, fd: int, base: int, referenced: dict[int, bool] | None = None, *, reads_back: bool = False) -> None:
        super().__init__(referenced)
        self.fd = fd
        self.base = base
        self.reads_back = reads_back

    def history(self, offset: int, window: int, stream_start: int, position: int) -> History | None:
        if self.reads_back and window:
            return FileHistory(self.fd, self.base + stream_start, window)
        return super().history(offset, window, stream_start, position)

    def decode(self, job: ChunkJob) -> Payload:
        out = decode_chunk(job.glyph, job.context)
        if isinstance(out, PendingReference) or (job.history is not None and not self.reads_back):
            return out
        self._write_at(job.raw_offset, out)
        return None

    def complete(self, payload: Payload, job: ChunkJob) -> Iterable[Buffer]:
        if payload is not None:
            self._write_at(job.raw_offset, self._resolved(payload, job))
        return ()

    def _write_at(self, raw_offset: int, data: Buffer) -> None:
        out = memoryview(data)
        written = 0
        while written < len(out):
            written += os.pwrite(self.fd, out[written:], self.base + raw_offset + written)


class FileHistory:
    """A stream's earlier output read back from the file it was written to.

    Chunks are complete on disk before any later chunk's copies are resolved
    (the decode driver finishes chunks in stream order), so nothing of the
    window needs to stay in memory.
    """

    def __init__(self, fd: int, base: int, window: int) -> None:
        self.fd = fd
        self.base = base  # file offset of the stream's first raw byte
        self.window = window
        #: Where the native resolver reads copies from: this descriptor, stream offset 0 at file offset base.
        self.native_source = (fd, base)

    def read_into(self, position: int, out: memoryview) -> None:
        done = 0
        while done < len(out):
            n = os.preadv(self.fd, [out[done:]], self.base + position + done)
            if n <= 0:
                raise ValueError(f"bytes {position}..{position + len(out)} are not in the output file")
            done += n

    def read(self, position: int, length: int) -> Buffer:
        out = bytearray(length)
        self.read_into(position, memoryview(out))
        return out

    def append(self, data: Buffer) -> None:
        """Nothing to keep: the workers write the output in place."""


def file_sink(dst: BinaryIO, referenced: dict[int, bool] | None) -> FileSink | None:
    """A FileSink for a regular file opened for writing, else None."""
    if fcntl is None or not hasattr(os, "pwrite"):
        return None
    try:
        fd = dst.fileno()
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        # With O_APPEND, Linux ignores pwrite's offset and appends: write in order then.
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        appending = bool(flags & os.O_APPEND)
        reads_back = flags & os.O_ACCMODE == os.O_RDWR and hasattr(os, "preadv")
        dst.flush()
        base = dst.tell()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    if not regular or appending:
        return None
    return FileSink(fd, base, referenced, reads_back=reads_back)
