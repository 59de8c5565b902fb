"""Encoding: FrameWriter writes one stream; StreamingEncoder drives it from files and streams."""

from __future__ import annotations

import asyncio
import io
import os
import stat
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain, islice
from typing import BinaryIO, Callable, Iterable, Iterator, Optional, TypeVar, Union

import xxhash

from ..buffers import Buffer
from ..format.constants import Strategy
from ..codecs.context import EncodeContext
from ..codecs.detect import DataKind, Detection
from ..codecs.blocks import BlockIndex
from ..codecs.reference import MIN_COPIED, Copy, copied_bytes
from ..codecs.chunk import EncodedChunk, encode_chunk
from ..codecs.selector import AdaptiveCompressionSelector
from ..format.constants import CHUNK_CONTINUES, CHUNK_PRIMED, CHUNK_SHARED, GLYPH_INDEX, stream_header
from ..format.glyphs import IndexBuilder, chunk_fields, chunk_glyph_head, encode_end_glyph, encode_glyph
from ..parallel import StreamingPlan
from ..pool import BufferPool
from ..settings import EncoderSettings, References, ReferenceScope
from .pipeline import OrderedPipeline
from .planning import SAMPLE_CHUNKS, plan_threads
from .reader import PositionalChunk, positional_chunks, read_chunks
from .stats import StreamStats

Write = Callable[[Buffer], object]
T = TypeVar("T")
#: Bytes of a structured segment's head kept to prime the next structured segment.
PRIME_SIZE = 1 << 20


@dataclass(slots=True)
class _Job:
    """One chunk on its way to a worker."""

    source: Union[Buffer, PositionalChunk]
    on_written: Optional[Callable[[], None]]  # recycles the input buffer
    context: Optional[EncodeContext]  # the segment's shared frame
    continues: bool  # not the first chunk of its segment
    held: int  # input bytes this chunk keeps in memory
    #: The detection made to choose whether to look the chunk up (or None), and
    #: its copies from earlier segments, being looked up.
    matched: Optional["Future[tuple[Optional[Detection], Optional[list[Copy]]]]"]
    prime: Optional[tuple[int, int]]  # (raw offset, length) of the output the segment's frame is primed with


@dataclass(slots=True)
class _Result:
    chunk: EncodedChunk
    on_written: Optional[Callable[[], None]]
    continues: bool
    held: int
    copies: Optional[list[Copy]]
    prime: Optional[tuple[int, int]]  # set on the chunk that starts a primed frame


class FrameWriter:
    """Writes one sigmalang stream: header, chunks in order, INDEX, END.

    Chunks are encoded on ``threads`` workers with at most ``max_in_flight``
    pending; results are written in submission order, so the bytes produced do
    not depend on the thread count.
    """

    def __init__(
        self,
        write: Write,
        settings: EncoderSettings,
        threads: int,
        chunk_size: int,
        stats: StreamStats | None = None,
        input_size: int | None = None,
    ) -> None:
        self._write = write
        self._settings = settings
        self._selector = AdaptiveCompressionSelector(settings.level, trial=settings.trial, adaptive=settings.adaptive)
        self._chunks_per_segment = settings.chunks_per_segment(chunk_size, input_size)
        self._window = self._chunks_per_segment * chunk_size
        # Enough chunks in flight for every worker to hold a segment of its own.
        in_flight = settings.max_in_flight or max(2, self._chunks_per_segment + 1) * threads
        self._pipeline: OrderedPipeline[_Job, _Result] = OrderedPipeline(self._encode, threads, in_flight)
        self._segment = -1
        self._lane = 0  # the worker lane of the current segment
        self._within_segment = 0
        self._context: EncodeContext | None = None
        self.stats = stats if stats is not None else StreamStats()
        self.stats.threads = threads
        self._offset = 0
        self._index = IndexBuilder()
        self._checksums = xxhash.xxh3_64()
        self._total_raw = 0
        self._buffered = 0
        reference_window = settings.resolved_reference_window()
        self._reference_window = reference_window
        #: Blocks of earlier segments, for REFERENCE copies (None: references off).
        self._blocks = BlockIndex(reference_window) if settings.uses_references() else None
        #: Only text chunks are looked up (and indexed): see settings.REFERENCE_LEVEL.
        self._text_references = settings.reference_scope() is ReferenceScope.TEXT
        # Lookups run on a thread of their own, in stream order, while the workers encode earlier chunks.
        self._matcher = ThreadPoolExecutor(1, thread_name_prefix="sigmalang-ref") if self._blocks is not None else None
        self._position = 0  # raw bytes added so far
        self._segment_start = 0  # raw offset where the current segment began
        self._prime: tuple[int, int] | None = None  # prime of the current segment's frame
        #: Head of the last segment, if structured: (raw offset, bytes), to prime the next one.
        self._prime_source: tuple[int, bytes] | None = None
        header = stream_header(reference_window.bit_length() - 1 if reference_window else 0)
        self._checksums.update(header)  # END's checksum covers the header too
        self._emit(header)

    @property
    def bytes_written(self) -> int:
        return self._offset

    @property
    def max_in_flight(self) -> int:
        """Chunks queued or being encoded at most (each holds one input buffer)."""
        return self._pipeline.max_in_flight

    def add(self, raw: Buffer | PositionalChunk, on_written: Callable[[], None] | None = None) -> None:
        """Queue one chunk; ``on_written`` runs once its bytes are out (to recycle its buffer).

        A PositionalChunk is read by the worker that encodes it.
        """
        if not len(raw):
            if on_written is not None:
                on_written()
            return
        held = 0 if isinstance(raw, PositionalChunk) else len(raw)
        self._buffered += held
        self.stats.peak_buffered_bytes = max(self.stats.peak_buffered_bytes, self._buffered)
        continues = self._within_segment > 0
        if not continues:
            self._segment_start = self._position
            self._segment += 1
            self._lane = self._pipeline.least_loaded_lane()
            shared = self._chunks_per_segment > 1
            long_distance = self._settings.uses_long_distance(self._window)
            prime = self._segment_prime(raw) if shared else None
            self._prime = (prime[0], len(prime[1])) if prime else None
            self._context = (
                EncodeContext(self._window, long_distance, prime[1] if prime else None) if shared else None
            )
        self._within_segment = (self._within_segment + 1) % self._chunks_per_segment
        matched = None
        if self._matcher is not None:
            if isinstance(raw, PositionalChunk):
                raise TypeError("chunks read by position bypass the reference index")
            matched = self._matcher.submit(self._copies, raw, self._position, self._segment_start)
        self._position += len(raw)
        # A segment's chunks share a lane: they must be encoded in order, by one worker.
        job = _Job(raw, on_written, self._context, continues, held, matched, self._prime)
        for result in self._pipeline.submit(job, lane=self._lane):
            self._write_chunk(result)
        for result in self._pipeline.ready():
            self._write_chunk(result)

    def _segment_prime(self, raw: Buffer | PositionalChunk) -> tuple[int, bytes] | None:
        """The earlier output to prime a new segment's frame with, if any.

        Measured (``benchmarks/adaptive.py``, JSON kind): NDJSON records whose
        text recurs with new ids reach 0.87 x zstd -3 over unprimed 8 MiB
        segments ("detector off": zstd must learn them again at every segment
        start) and 1.31 x primed with the head of the previous segment; text and binaries gain
        nothing and pay the dictionary's set-up. So only a structured segment
        following a structured one is primed (the detector reads the first
        PRIME_SIZE bytes of each, however the input is read), and only when
        the stream declares a window reaching it (the decoder keeps the output
        the prime comes from).
        """
        if not self._reference_window:
            return None
        head = raw.head(PRIME_SIZE) if isinstance(raw, PositionalChunk) else memoryview(raw)[:PRIME_SIZE]
        structured = self._selector.detector.detect(head).kind is DataKind.STRUCTURED
        prime = self._prime_source if structured else None
        self._prime_source = (self._position, bytes(head)) if structured else None  # a copy: buffers are reused
        if prime is not None and self._position + self._window - prime[0] > self._reference_window:
            return None  # the segment's first shared chunk could lie beyond the window
        return prime

    def _copies(self, raw: Buffer, position: int, segment_start: int) -> tuple[Detection | None, list[Copy] | None]:
        """Copies from earlier segments for the chunk at ``position`` (None when too few
        bytes repeat to pay), and the detection that chose to look it up, if one was
        needed (the worker reuses it). Runs on the one matcher thread, so chunks are
        matched in stream order and the output does not depend on the thread count."""
        assert self._blocks is not None
        detection = None
        if self._text_references:
            detection = self._selector.detector.detect(raw)
            if detection.kind is not DataKind.TEXT:
                return detection, None
        copies = self._blocks.copies(raw, position, segment_start)
        return detection, copies if copied_bytes(copies) >= MIN_COPIED else None

    def drain(self) -> None:
        """Wait for every queued chunk and write it; the next chunk starts a new segment."""
        for result in self._pipeline.drain():
            self._write_chunk(result)
        self._within_segment = 0

    def finish(self) -> None:
        """Write what is pending, then the INDEX and END glyphs."""
        try:
            self.drain()
        finally:
            self._close_workers()
        index_offset = self._offset
        index = self._index.payload()
        self._checksums.update(index)  # END's checksum covers the INDEX too
        self._emit(encode_glyph(GLYPH_INDEX, index))
        self._emit(
            encode_end_glyph(
                self._total_raw, len(self._index.chunk_offsets), self._checksums.intdigest(), index_offset, self._offset
            )
        )

    def abort(self) -> None:
        """Stop the workers without writing a trailer (the output is incomplete)."""
        self._close_workers()

    def _close_workers(self) -> None:
        self._pipeline.close()
        if self._matcher is not None:
            self._matcher.shutdown(wait=True, cancel_futures=True)

    def _encode(self, job: _Job) -> _Result:
        detection, copies = job.matched.result() if job.matched is not None else (None, None)
        on_written = job.on_written
        if isinstance(job.source, PositionalChunk):
            raw, buf = job.source.load()
            pool = job.source.pool
            on_written = lambda: pool.release(buf)  # noqa: E731
        else:
            raw = job.source
        context = job.context
        frame_started = context is None or context.started
        chunk = encode_chunk(raw, self._selector, context, copies, detection)
        if chunk.strategy is not Strategy.RAW and on_written is not None:
            # The encoded data no longer refers to the input: recycle its buffer
            # now rather than when the chunk's turn to be written comes.
            on_written()
            on_written = None
        primes = chunk.shared and not frame_started and context is not None and context.primed
        return _Result(chunk, on_written, job.continues, job.held, copies, job.prime if primes else None)

    def _write_chunk(self, result: _Result) -> None:
        chunk, on_written, continues, held = result.chunk, result.on_written, result.continues, result.held
        flags = (CHUNK_CONTINUES if continues else 0) | (CHUNK_SHARED if chunk.shared else 0)
        position = self._total_raw
        for copy in result.copies or ():
            source = position + copy.start - copy.distance
            self._index.add_reference(source, source + copy.length)
        prime = None
        if result.prime is not None:
            flags |= CHUNK_PRIMED
            start, length = result.prime
            self._index.add_reference(start, start + length)
            prime = (position - start, length)
        self._index.add_chunk(self._offset, chunk.raw_length, continues)
        self._emit(
            chunk_glyph_head(
                chunk_fields(flags, chunk.strategy, chunk.params, chunk.raw_length, prime),
                chunk.checksum,
                chunk.data_digest,
                len(chunk.data),
            )
        )
        self._emit(chunk.data)
        self._checksums.update(chunk.checksum.to_bytes(8, "little"))
        self._total_raw += chunk.raw_length
        self._buffered -= held
        stats = self.stats
        name = chunk.strategy.name
        stats.chunks += 1
        stats.bytes_in += chunk.raw_length
        stats.strategies[name] += 1
        stats.strategy_raw_bytes[name] += chunk.raw_length
        stats.strategy_encoded_bytes[name] += len(chunk.data)
        if chunk.kind is not None:
            stats.kinds[chunk.kind.value] += 1
        if on_written is not None:
            on_written()

    def _emit(self, data: Buffer) -> None:
        self._write(data)
        n = len(data) if not isinstance(data, memoryview) else data.nbytes
        self._offset += n
        self.stats.bytes_out += n


class StreamingEncoder:
    """Compresses bytes, streams and files in bounded memory.

    >>> enc = StreamingEncoder(level=3, threads=2)
    >>> stats = enc.encode_file("in.bin", "out.sgl")   # doctest: +SKIP

    Chunks of one segment (``segment_size``, default 8 MiB) share a zstd
    context (optionally with long-distance matching), so repeats anywhere in
    the segment cost almost nothing; segments encode in parallel. Memory is
    bounded by the settings, whatever the input size: about ``threads`` x one
    zstd window of the segment size, plus, for input read in sequence, the
    segment's worth of input that waits for its worker.
    """

    def __init__(
        self,
        level: int = 3,
        threads: int = 0,
        chunk_size: int | None = None,
        *,
        max_in_flight: int | None = None,
        segment_size: int | None = None,
        long_distance: bool | None = None,
        trial: bool | None = None,
        adaptive: bool = True,
        reference_window: int | None = None,
        references: References = None,
        settings: EncoderSettings | None = None,
    ) -> None:
        self.settings = settings or EncoderSettings(
            level,
            threads,
            chunk_size,
            max_in_flight,
            trial=trial,
            segment_size=segment_size,
            long_distance=long_distance,
            adaptive=adaptive,
            reference_window=reference_window,
            references=references,
        )
        self._totals = StreamStats()
        #: The buffer pool of the last encode_stream, for its statistics (hits, resizes).
        self.last_pool: BufferPool | None = None
        #: The parallel plan chosen by the last encode_stream with threads=0 (None: not planned).
        self.last_plan: StreamingPlan | None = None

    # -- one-shot ------------------------------------------------------------
    def compress(self, data: Buffer) -> bytes:
        """Compress a whole buffer; output equals what ``encode_stream`` writes for it."""
        view = memoryview(data).cast("B")
        size = view.nbytes
        chunk_size = self.settings.resolved_chunk_size(size)
        threads = self.settings.resolved_threads(-(-size // chunk_size))
        # Each chunk is copied into the output as it is written, while the
        # workers encode later ones; getvalue() then hands over the buffer
        # without a copy (joining the parts at the end left the workers idle
        # while one thread copied the whole output).
        out = io.BytesIO()
        started = time.perf_counter()
        writer = FrameWriter(out.write, self.settings, threads, chunk_size, input_size=size)
        self._drive(writer, ((view[start : start + chunk_size], None) for start in range(0, size, chunk_size)), started)
        return out.getvalue()

    # -- streams and files ---------------------------------------------------
    def encode_stream(self, src: BinaryIO, dst: BinaryIO, *, size: int | None = None) -> StreamStats:
        """Read ``src`` to its end and write one compressed stream to ``dst``.

        ``size`` (if known) picks the chunk size, as for a file of that size.
        A regular file holding exactly ``size`` more bytes is read by position
        by the workers themselves, so input waiting for a worker holds no memory.
        """
        chunk_size = self.settings.resolved_chunk_size(size)
        chunk_count = None if size is None else -(-size // chunk_size)
        threads = self.settings.resolved_threads(chunk_count)
        started = time.perf_counter()
        start = _position(src)
        random_access = (
            size is not None
            and not self.settings.uses_references()  # the reference index must see every chunk's bytes
            and positional_chunks(src, size, chunk_size, BufferPool(chunk_size)) is not None
        )
        sample: list[tuple[bytearray, int]] = []
        self.last_plan = None
        if self.settings.threads == 0 and threads > 1:
            # Measure the encoder on the first chunks and let the planner choose.
            if random_access:
                probe = positional_chunks(src, size, chunk_size, BufferPool(chunk_size))  # type: ignore[arg-type]
                views = [chunk.load()[0] for chunk in islice(probe, SAMPLE_CHUNKS)]  # type: ignore[arg-type]
            else:
                sample = list(islice(read_chunks(src, BufferPool(chunk_size)), SAMPLE_CHUNKS))
                views = [memoryview(buf)[:n] for buf, n in sample]
            if len(views) == SAMPLE_CHUNKS:
                threads, self.last_plan = plan_threads(views, self.settings, chunk_count or None)
        writer = FrameWriter(dst.write, self.settings, threads, chunk_size, input_size=size)
        pool = BufferPool.for_in_flight(chunk_size, writer.max_in_flight)
        self.last_pool = pool
        if random_access:
            by_position = ((chunk, None) for chunk in positional_chunks(src, size, chunk_size, pool))  # type: ignore[arg-type, union-attr]
            # Afterwards, whatever was appended to the file meanwhile is read in sequence.
            chunks: Iterable[tuple[Buffer | PositionalChunk, Callable[[], None] | None]] = chain(
                by_position, _after(lambda: src.seek(start + size), _pooled(src, pool))  # type: ignore[operator]
            )
        else:
            chunks = chain(((memoryview(buf)[:n], None) for buf, n in sample), _pooled(src, pool))
        return self._drive(writer, chunks, started)

    def _drive(
        self, writer: FrameWriter, chunks: Iterable[tuple[Buffer | PositionalChunk, Callable[[], None] | None]], started: float
    ) -> StreamStats:
        """Feed ``chunks`` to ``writer`` and finish the stream; on any error stop the workers."""
        try:
            for raw, on_written in chunks:
                writer.add(raw, on_written)
            writer.finish()
        except BaseException:
            writer.abort()
            raise
        writer.stats.elapsed = time.perf_counter() - started
        self._accumulate(writer.stats)
        return writer.stats

    def encode_file(self, src_path: str | os.PathLike[str], dst_path: str | os.PathLike[str]) -> StreamStats:
        """Compress one file into another (``dst_path`` is overwritten)."""
        with open(src_path, "rb") as src, open(dst_path, "wb") as dst:
            return self.encode_stream(src, dst, size=_size_of(src))

    async def encode_file_async(self, src_path: str | os.PathLike[str], dst_path: str | os.PathLike[str]) -> StreamStats:
        """``encode_file`` on a worker thread, so an event loop keeps running."""
        return await asyncio.to_thread(self.encode_file, src_path, dst_path)

    # -- statistics ----------------------------------------------------------
    def get_stats(self) -> StreamStats:
        """Totals over every call since creation or the last ``reset()``."""
        return self._totals

    def reset(self) -> None:
        self._totals = StreamStats()

    def _accumulate(self, stats: StreamStats) -> None:
        _add_stats(self._totals, stats)


def _add_stats(total: StreamStats, part: StreamStats) -> None:
    total.bytes_in += part.bytes_in
    total.bytes_out += part.bytes_out
    total.chunks += part.chunks
    total.elapsed += part.elapsed
    total.strategies.update(part.strategies)
    total.strategy_raw_bytes.update(part.strategy_raw_bytes)
    total.strategy_encoded_bytes.update(part.strategy_encoded_bytes)
    total.kinds.update(part.kinds)
    total.peak_buffered_bytes = max(total.peak_buffered_bytes, part.peak_buffered_bytes)
    total.threads = part.threads


def _pooled(src: BinaryIO, pool: BufferPool) -> Iterator[tuple[Buffer, Callable[[], None]]]:
    """Chunks read in sequence into pooled buffers, each with the call that recycles its buffer."""
    for buf, n in read_chunks(src, pool):
        yield memoryview(buf)[:n], lambda buf=buf: pool.release(buf)


def _after(action: Callable[[], object], items: Iterator[T]) -> Iterator[T]:
    """``items``, once ``action`` has run (lazily: when the first item is asked for)."""
    action()
    yield from items


def _position(src: BinaryIO) -> int:
    try:
        return src.tell()
    except (AttributeError, OSError, ValueError):
        return 0


def _size_of(f: BinaryIO) -> int | None:
    """Size of a regular file, or None for pipes and other streams."""
    try:
        st = os.fstat(f.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None
