"""StreamingDecoder: a push decoder that takes input split anywhere and decodes chunks in parallel.

Every way of decoding goes through one ``DecodeDriver``; only the sink
differs: bytes yielded in order (``feed``/``flush``, pipes), a regular file
written by position (``decode_stream``), or one result buffer
(``decompress``).
"""

from __future__ import annotations

import io
import os
import time
from typing import BinaryIO, Iterator

from ..buffers import Buffer, as_bytes, uninitialised_bytes
from ..errors import FormatError
from ..format.index import read_file_index
from ..format.limits import DEFAULT_LIMITS, Limits
from ..settings import DEFAULT_THREADS, available_cores
from .driver import DecodeDriver, Sink
from .reader import at_start, read_some
from .sinks import BufferSink, YieldSink, file_sink
from .stats import StreamStats

READ_SIZE = 1 << 20
#: Beyond this expansion over the input, the size the trailers claim is not
#: trusted enough to allocate up front (a hostile file could claim terabytes);
#: such inputs are decoded chunk by chunk, which allocates one chunk at a time.
MAX_TRUSTED_EXPANSION = 256
ALWAYS_TRUSTED = 64 * 1024 * 1024


class StreamingDecoder:
    """Push decoder: ``feed()`` any bytes, iterate what it yields, then ``flush()``.

    >>> dec = StreamingDecoder()
    >>> out = b"".join(dec.feed(blob)) + b"".join(dec.flush())   # doctest: +SKIP

    Every chunk's checksum and every stream's INDEX and END are verified; errors
    are :class:`~sigmalang.FormatError` subclasses naming the input offset.
    ``feed`` only stores its input: the work happens as its iterator is consumed,
    and output not yet taken is produced by the next ``feed`` or by ``flush``.
    Chunks decode on ``threads`` worker threads (0: one per core), at most
    ``max_in_flight`` at a time.
    """

    def __init__(
        self, threads: int = DEFAULT_THREADS, *, limits: Limits = DEFAULT_LIMITS, max_in_flight: int | None = None
    ) -> None:
        if not isinstance(threads, int) or threads < 0:
            raise ValueError(f"threads must be an integer >= 0 (0 = all cores), got {threads!r}")
        self.threads = threads or available_cores()
        self.limits = limits
        self.max_in_flight = max_in_flight
        self._sink: YieldSink = YieldSink()
        self._driver: DecodeDriver | None = None
        self.reset()

    def reset(self) -> None:
        """Forget all input: ready for a new stream."""
        self._start(self._sink)

    def _start(self, sink: Sink, expected_total: int | None = None) -> DecodeDriver:
        if self._driver is not None:
            self._driver.close()
        self.stats = StreamStats(mode="decode", threads=self.threads)
        self._driver = DecodeDriver(sink, self.threads, self.max_in_flight, self.limits, self.stats, expected_total)
        return self._driver

    def resume_at(self, offset: int, stream_start: int, window: int = 0, stream_position: int = 0) -> None:
        """Continue at a chunk glyph inside a stream (used by seeking readers).

        ``offset`` is the absolute input offset of the next byte that will be fed;
        ``stream_position`` the raw offset of that chunk in its stream, whose
        declared ``window`` of output from there on is kept for copies and primes.
        """
        driver = self._start(self._sink)
        if offset == stream_start:
            driver.parser.resume_at_stream(offset)
        else:
            driver.parser.resume_inside_stream(offset, stream_start)
            driver.resume(stream_start, window, stream_position)

    def expect_streams(self, referenced: dict[int, bool] | None) -> None:
        """Tell the decoder, from the INDEX glyphs of the file it will read (offsets
        as fed), which streams have chunks that later chunks read; the others need
        no history kept. None: unknown (every stream with a window keeps its history)."""
        self._sink.referenced = referenced

    def feed(self, data: Buffer) -> Iterator[Buffer]:
        driver = self._driver or self._start(self._sink)
        driver.parser.push(data)
        self.stats.bytes_in += len(data)
        return self._timed(driver.run(final=False))

    def drain(self) -> Iterator[Buffer]:
        """Everything the input fed so far decodes to, waiting for it (the stream goes on)."""
        driver = self._driver or self._start(self._sink)
        return self._timed(driver.run(final=False, wait=True))

    def flush(self) -> Iterator[Buffer]:
        """Declare the end of input; yields what is left and checks the stream is complete."""
        driver = self._driver or self._start(self._sink)
        return self._timed(driver.run(final=True))

    def _timed(self, outputs: Iterator[Buffer]) -> Iterator[Buffer]:
        started = time.perf_counter()
        try:
            yield from outputs
        finally:
            self.stats.elapsed += time.perf_counter() - started

    def close(self) -> None:
        """Stop worker threads; pending output is discarded. The next ``feed`` starts
        a new stream (the statistics of the last one stay until then)."""
        if self._driver is not None:
            self._driver.close()
            self._driver = None

    # -- conveniences --------------------------------------------------------
    def decompress(self, data: Buffer) -> bytes:
        """Decode complete (possibly concatenated) streams held in memory.

        When the stream trailers give a plausible total size, chunks decode
        straight into the result (joining per-chunk outputs would cost a
        second pass over the output, as slow as zstd's decoding itself);
        otherwise chunk by chunk. Both make every check.
        """
        if type(data) is not bytes:
            data = bytes(data)  # one copy of the (smaller) input saves a copy of the output
        index = read_file_index(io.BytesIO(data), self.limits)
        total = index.total_raw if index is not None else None
        try:
            if total is not None and total <= ALWAYS_TRUSTED + MAX_TRUSTED_EXPANSION * len(data):
                return self._decompress_in_place(data, total)
            self.reset()
            parts = list(self.feed(data))
            parts.extend(self.flush())
            return b"".join(parts)
        finally:
            self.close()

    def _decompress_in_place(self, data: bytes, total: int) -> bytes:
        result, out = uninitialised_bytes(total)
        driver = self._start(BufferSink(out), expected_total=total)
        driver.parser.push(data)
        self.stats.bytes_in = len(data)
        for _ in self._timed(driver.run(final=True)):
            pass
        if driver.raw_position != total:
            raise FormatError("chunks hold fewer bytes than the stream trailers declare", len(data))
        return as_bytes(result)

    def decode_stream(self, src: BinaryIO, dst: BinaryIO) -> StreamStats:
        """Decode everything ``src`` holds into ``dst``; returns the stats of this call.

        When ``dst`` is a regular file, workers write each chunk at its place
        themselves, so decoded data never waits in memory for its turn.
        """
        referenced = _referenced_streams(src, self.limits)
        positional = file_sink(dst, referenced)
        saved = self._sink
        self._sink = positional or YieldSink(referenced)
        try:
            driver = self._start(self._sink)
            self._pump(src, dst)
            if positional is not None:
                dst.seek(positional.base + driver.raw_position)
            return self.stats
        finally:
            self.close()
            self._sink = saved

    def _pump(self, src: BinaryIO, dst: BinaryIO) -> None:
        buf = bytearray(READ_SIZE)
        view = memoryview(buf)
        while True:
            n = read_some(src, view)
            if not n:
                break
            for out in self.feed(view[:n]):
                dst.write(out)
        for out in self.flush():
            dst.write(out)

    def decode_file(self, src_path: str | os.PathLike[str], dst_path: str | os.PathLike[str]) -> StreamStats:
        # w+b: copies are read back from the output itself (no history kept in memory).
        with open(src_path, "rb") as src, open(dst_path, "w+b") as dst:
            return self.decode_stream(src, dst)


def _referenced_streams(src: BinaryIO, limits: Limits) -> dict[int, bool] | None:
    """Per stream of a seekable file read from its start: whether REFERENCE copies read
    any of its chunks (from the INDEX glyphs, found from the end); None if unknown."""
    if not at_start(src):
        return None
    index = read_file_index(src, limits)
    return index.stream_referenced if index is not None else None
