"""Decoding: a push decoder that takes input split anywhere and decodes chunks in parallel."""

from __future__ import annotations

import io
import os
import stat

import time
from typing import BinaryIO, Iterator, Optional, Union

try:
    import fcntl
except ImportError:  # Windows: no pwrite either, so the positional writer is never used
    fcntl = None  # type: ignore[assignment]

from ..buffers import Buffer
from ..codecs.context import DecodeContext
from ..codecs.reference import HistoryRing
from ..codecs.chunk import PendingReference, decode_chunk, prime_range
from ..format.index import read_file_index
from ..format.limits import DEFAULT_LIMITS, Limits
from ..format.parser import ChunkGlyph, GlyphParser, StreamStart
from ..settings import available_cores
from .oneshot import decompress_in_place
from .pipeline import OrderedPipeline
from .reader import at_start
from .segments import SegmentTracker
from .stats import StreamStats

READ_SIZE = 1 << 20

#: A chunk to decode: glyph, segment context, raw offset in the output, offset
#: from its stream's first raw byte, and that stream's history (None: the
#: stream has no REFERENCE chunks).
_Job = tuple[ChunkGlyph, DecodeContext, int, int, Optional[HistoryRing]]
#: Decoded bytes, a REFERENCE chunk still to resolve, or a count of bytes already written.
_Payload = Union[Buffer, PendingReference, int]


def _decode_job(job: _Job) -> tuple[_Payload, _Job]:
    return decode_chunk(job[0], job[1]), job


class _PositionalWriter:
    """Decoded chunks written by the workers themselves at their place in a regular
    file (``os.pwrite``): nothing waits in memory for its turn to be written.

    Chunks of streams with REFERENCE chunks are the exception: their bytes go
    through the decoder's history in stream order, which writes them then.
    """

    def __init__(self, fd: int, base: int) -> None:
        self.fd = fd
        self.base = base

    def __call__(self, job: _Job) -> tuple[_Payload, _Job]:
        glyph, context, raw_offset, _, history = job
        out = decode_chunk(glyph, context)
        if history is not None or isinstance(out, PendingReference):
            return out, job
        return self.write_at(raw_offset, out), job

    def write_at(self, raw_offset: int, data: Buffer) -> int:
        out = memoryview(data)
        written = 0
        while written < len(out):
            written += os.pwrite(self.fd, out[written:], self.base + raw_offset + written)
        return written


class StreamingDecoder:
    """Push decoder: ``feed()`` any bytes, iterate what it yields, then ``flush()``.

    >>> dec = StreamingDecoder()
    >>> out = b"".join(dec.feed(blob)) + b"".join(dec.flush())   # doctest: +SKIP

    Every chunk's checksum and every stream's INDEX and END are verified; errors
    are :class:`~sigmalang.FormatError` subclasses naming the input offset.
    ``feed`` only stores its input: the work happens as its iterator is consumed,
    and output not yet taken is produced by the next ``feed`` or by ``flush``.
    With ``threads > 1`` chunks decode on worker threads, at most
    ``max_in_flight`` at a time.
    """

    def __init__(self, threads: int = 1, *, limits: Limits = DEFAULT_LIMITS, max_in_flight: int | None = None) -> None:
        if not isinstance(threads, int) or threads < 0:
            raise ValueError(f"threads must be an integer >= 0 (0 = all cores), got {threads!r}")
        self.threads = threads or available_cores()
        self.limits = limits
        self.max_in_flight = max_in_flight
        self._writer: _PositionalWriter | None = None
        #: From the file's INDEX glyphs (see ``expect_streams``): by stream offset,
        #: whether any of its chunks is read by a later one (None: unknown).
        self._referenced_streams: dict[int, bool] | None = None
        self.reset()

    def reset(self) -> None:
        """Forget all input: ready for a new stream."""
        if getattr(self, "_pipeline", None) is not None:
            self._pipeline.close()
        self._parser = GlyphParser(self.limits)
        self._pipeline: OrderedPipeline[_Job, tuple[_Payload, _Job]]
        self._pipeline = OrderedPipeline(self._writer or _decode_job, self.threads, self.max_in_flight)
        self._segments = SegmentTracker(self._pipeline, self.max_in_flight, holds_output=self._writer is None)
        self._raw_position = 0
        self._stream_start = 0  # raw offset of the current stream's first byte
        self._history: HistoryRing | None = None
        self.stats = StreamStats(mode="decode", threads=self.threads)
        self._in_flight_bytes = 0

    def resume_at(self, offset: int, stream_start: int) -> None:
        """Continue at a chunk glyph inside a stream (used by seeking readers).

        ``offset`` is the absolute input offset of the next byte that will be fed.
        """
        self.reset()
        if offset == stream_start:
            self._parser.resume_at_stream(offset)
        else:
            self._parser.resume_inside_stream(offset, stream_start)

    def feed(self, data: Buffer) -> Iterator[Buffer]:
        self._parser.push(data)
        self.stats.bytes_in += len(data)
        return self._run(final=False)

    def flush(self) -> Iterator[Buffer]:
        """Declare the end of input; yields what is left and checks the stream is complete."""
        return self._run(final=True)

    def _run(self, final: bool) -> Iterator[Buffer]:
        started = time.perf_counter()
        try:
            for event in self._parser.events():
                if isinstance(event, StreamStart):
                    self._stream_start = self._raw_position
                    self._history = HistoryRing(event.window) if self._keeps_history(event) else None
                elif isinstance(event, ChunkGlyph):
                    self._in_flight_bytes += event.raw_length
                    self.stats.peak_buffered_bytes = max(self.stats.peak_buffered_bytes, self._in_flight_bytes)
                    context, lane = self._segments.place(event)
                    stream_position = self._raw_position - self._stream_start
                    if event.prime is not None:
                        yield from self._prime(event, context, stream_position)
                    job = (event, context, self._raw_position, stream_position, self._history)
                    self._raw_position += event.raw_length
                    yield from self._account(self._pipeline.submit(job, lane))
            if final:
                self._parser.finish()
                yield from self._account(self._pipeline.drain())
            else:
                yield from self._account(self._pipeline.ready())
        finally:
            self.stats.elapsed += time.perf_counter() - started

    def _prime(self, glyph: ChunkGlyph, context: DecodeContext, stream_position: int) -> Iterator[Buffer]:
        """Give a PRIMED segment's frame its dictionary: earlier output, from the history
        once the chunks holding it have been decoded (yielding them meanwhile)."""
        history = self._history
        start, length = prime_range(glyph, stream_position, history)
        assert history is not None
        while history.end < start + length:
            yield from self._account(iter([self._pipeline.next_result()]))
        content = bytearray(length)
        history.read_into(start, memoryview(content))
        context.prime(content)

    def expect_streams(self, referenced: dict[int, bool] | None) -> None:
        """Tell the decoder, from the INDEX glyphs of the file it will read (offsets
        as fed), which streams have chunks that later chunks read; the others need
        no history kept. None: unknown (every stream with a window keeps its history)."""
        self._referenced_streams = referenced

    def _keeps_history(self, event: StreamStart) -> bool:
        """Whether to keep this stream's output for REFERENCE copies and primed segments:
        only if it declares a window and its chunks are (or may be) referenced."""
        known = self._referenced_streams
        if known is not None and not known.get(event.offset, True):
            return False
        return bool(event.window)

    def _account(self, results: Iterator[tuple[_Payload, _Job]]) -> Iterator[Buffer]:
        """Results in stream order: resolve REFERENCE chunks, keep history, write or yield."""
        for out, (_, _, raw_offset, stream_position, history) in results:
            if isinstance(out, PendingReference):
                out = out.resolve(stream_position, history)
            if isinstance(out, int):  # already written in place by the worker
                n = out
            else:
                n = len(out)
                if history is not None:
                    history.append(out)
                if self._writer is not None:
                    self._writer.write_at(raw_offset, out)
                else:
                    yield out
            self._in_flight_bytes -= n
            self.stats.bytes_out += n
            self.stats.chunks += 1

    def close(self) -> None:
        """Stop worker threads; pending output is discarded."""
        self._pipeline.close()

    # -- conveniences --------------------------------------------------------
    def decompress(self, data: Buffer) -> bytes:
        """Decode complete (possibly concatenated) streams held in memory.

        When the stream trailers give a plausible total size, chunks decode
        straight into the result; otherwise chunk by chunk. Both paths make
        every check.
        """
        self.reset()
        if type(data) is not bytes:
            data = bytes(data)  # one copy of the (smaller) input saves a copy of the output
        started = time.perf_counter()
        result = decompress_in_place(data, self.threads, self.max_in_flight, self.limits)
        if result is not None:
            out, chunks = result
            self.stats.bytes_in, self.stats.bytes_out, self.stats.chunks = len(data), len(out), chunks
            self.stats.elapsed = time.perf_counter() - started
            return out
        try:
            parts = list(self.feed(data))
            parts.extend(self.flush())
        finally:
            self._pipeline.close()
        return b"".join(parts)

    def decode_stream(self, src: BinaryIO, dst: BinaryIO) -> StreamStats:
        """Decode everything ``src`` holds into ``dst``; returns the stats of this call.

        When ``dst`` is a regular file, workers write each chunk at its place
        themselves, so decoded data never waits in memory for its turn.
        """
        self._writer = _positional_writer(dst)
        self.expect_streams(_referenced_streams(src, self.limits))
        try:
            self.reset()
            buf = bytearray(READ_SIZE)
            view = memoryview(buf)
            try:
                while True:
                    n = src.readinto(buf) if hasattr(src, "readinto") else _read_into(src, view)
                    if not n:
                        break
                    for out in self.feed(view[:n]):
                        dst.write(out)
                for out in self.flush():
                    dst.write(out)
            finally:
                self._pipeline.close()
            if self._writer is not None:
                dst.seek(self._writer.base + self._raw_position)
            return self.stats
        finally:
            self._writer = None
            self.expect_streams(None)

    def decode_file(self, src_path: str | os.PathLike[str], dst_path: str | os.PathLike[str]) -> StreamStats:
        with open(src_path, "rb") as src, open(dst_path, "wb") as dst:
            return self.decode_stream(src, dst)


def _positional_writer(dst: BinaryIO) -> _PositionalWriter | None:
    """A writer by position for a regular file opened for writing, else None."""
    if fcntl is None or not hasattr(os, "pwrite"):
        return None
    try:
        fd = dst.fileno()
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        # With O_APPEND, Linux ignores pwrite's offset and appends: write in order then.
        appending = bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND)
        dst.flush()
        base = dst.tell()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    if not regular or appending:
        return None
    return _PositionalWriter(fd, base)


def _referenced_streams(src: BinaryIO, limits: Limits) -> dict[int, bool] | None:
    """Per stream of a seekable file read from its start: whether REFERENCE copies read
    any of its chunks (from the INDEX glyphs, found from the end); None if unknown."""
    if not at_start(src):
        return None
    index = read_file_index(src, limits)
    return index.stream_referenced if index is not None else None


def _read_into(src: BinaryIO, view: memoryview) -> int:
    piece = src.read(len(view))
    view[: len(piece)] = piece
    return len(piece)
