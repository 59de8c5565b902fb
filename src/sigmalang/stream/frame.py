"""FrameWriter: one stream's chunks through the policy, the workers and the glyph writer, in order.

    add(chunk) -> ChunkPolicy.detect (once per chunk, in order)
               -> SegmentPlanner (segment, lane, prime)
               -> ReferenceMatcher (copies, on its own thread, in order), if the policy looks it up
               -> OrderedPipeline worker: ChunkPolicy.encode (choose strategy and level, encode)
               -> GlyphWriter (CHUNK glyph, INDEX entry, checksums, stats), in submission order

Results are written in submission order, so the bytes produced do not depend
on the thread count.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Callable, Optional, Union

from ..buffers import Buffer
from ..codecs.chunk import EncodedChunk
from ..codecs.detect import Detection
from ..codecs.longrange import RingSource, Source
from ..codecs.policy import ChunkPolicy
from ..codecs.reference import CopyTable
from ..format.constants import Strategy
from ..settings import EncoderSettings
from .matching import ReferenceMatcher
from .pipeline import OrderedPipeline
from .reader import PositionalChunk
from .segments import SegmentPlanner, SegmentSlot
from .stats import StreamStats
from .writer import GlyphWriter, Write


@dataclass(slots=True)
class _Job:
    """One chunk on its way to a worker."""

    source: Union[Buffer, PositionalChunk]
    on_written: Optional[Callable[[], None]]  # recycles the input buffer
    slot: SegmentSlot
    held: int  # input bytes this chunk keeps in memory
    detection: Optional[Detection]  # what the detector read (None with the detector off)
    matched: Optional["Future[Optional[CopyTable]]"]  # its REFERENCE copies, being looked up


@dataclass(slots=True)
class _Result:
    chunk: EncodedChunk
    on_written: Optional[Callable[[], None]]
    continues: bool
    held: int
    copies: Optional[CopyTable]
    prime: Optional[tuple[int, int]]  # set on the chunk that starts a primed frame


class FrameWriter:
    """Writes one sigmalang stream: header, chunks in order, INDEX, END.

    Chunks are encoded on ``threads`` workers with at most ``max_in_flight``
    pending (by default enough for every worker to hold a segment of its own).
    ``earlier_bytes`` is where the reference matcher reads the input's earlier
    bytes back (default: a ring of the window it keeps itself).
    """

    def __init__(
        self,
        write: Write,
        settings: EncoderSettings,
        threads: int,
        chunk_size: int,
        stats: StreamStats | None = None,
        input_size: int | None = None,
        earlier_bytes: Source | None = None,
    ) -> None:
        self._policy = ChunkPolicy(settings)
        chunks_per_segment = settings.chunks_per_segment(chunk_size, input_size)
        in_flight = settings.max_in_flight or max(2, chunks_per_segment + 1) * threads
        self._pipeline: OrderedPipeline[_Job, _Result] = OrderedPipeline(self._encode, threads, in_flight)
        self._segments = SegmentPlanner(
            chunks_per_segment, chunks_per_segment * chunk_size, settings, self._policy, self._pipeline.least_loaded_lane
        )
        window = settings.resolved_reference_window()
        self._matcher = (
            ReferenceMatcher(window, self._policy, earlier_bytes or RingSource(), inline=threads == 1)
            if settings.uses_references()
            else None
        )
        self.stats = stats if stats is not None else StreamStats()
        self.stats.threads = threads
        self._glyphs = GlyphWriter(write, window, self.stats)
        self._position = 0  # raw bytes added so far
        self._buffered = 0  # input bytes held by chunks in flight

    @property
    def bytes_written(self) -> int:
        return self._glyphs.offset

    @property
    def max_in_flight(self) -> int:
        """Chunks queued or being encoded at most (each holds one input buffer)."""
        return self._pipeline.max_in_flight

    def add(self, raw: Buffer | PositionalChunk, on_written: Callable[[], None] | None = None) -> None:
        """Queue the next chunk; ``on_written`` is called once its buffer may be reused.

        A PositionalChunk is read by the worker that encodes it.
        """
        if not len(raw):
            if on_written is not None:
                on_written()
            return
        held = 0 if isinstance(raw, PositionalChunk) else len(raw)
        self._buffered += held
        self.stats.peak_buffered_bytes = max(self.stats.peak_buffered_bytes, self._buffered)
        if isinstance(raw, PositionalChunk):
            detection = self._policy.detect_from(len(raw), raw.read)
        else:
            detection = self._policy.detect(raw)
        slot = self._segments.place(raw, self._position, detection)
        matched = self._matcher.submit(raw, self._position, detection) if self._matcher is not None else None
        self._position += len(raw)
        for result in self._pipeline.submit(_Job(raw, on_written, slot, held, detection, matched), lane=slot.lane):
            self._write_chunk(result)
        for result in self._pipeline.ready():
            self._write_chunk(result)

    def drain(self) -> None:
        """Wait for every queued chunk and write it; the next chunk starts a new segment."""
        for result in self._pipeline.drain():
            self._write_chunk(result)
        self._segments.end_segment()

    def finish(self) -> None:
        """Write what is pending, then the INDEX and END glyphs."""
        try:
            self.drain()
        finally:
            self._close_workers()
        self._glyphs.finish()

    def abort(self) -> None:
        """Stop the workers without writing a trailer (the output is incomplete)."""
        self._close_workers()

    def _close_workers(self) -> None:
        self._pipeline.close()
        if self._matcher is not None:
            self._matcher.close()

    def _encode(self, job: _Job) -> _Result:
        """A worker's part: read the chunk if it is read by position, wait for its copies, encode."""
        copies = job.matched.result() if job.matched is not None else None
        on_written = job.on_written
        raw: Buffer
        if isinstance(job.source, PositionalChunk):
            raw, buf = job.source.load()
            pool = job.source.pool
            on_written = lambda: pool.release(buf)  # noqa: E731
        else:
            raw = job.source
        context = job.slot.context
        frame_started = context is None or context.started
        chunk = self._policy.encode(raw, context, copies, job.detection)
        if chunk.strategy is not Strategy.RAW and on_written is not None:
            # The encoded data no longer refers to the input: recycle its buffer
            # now rather than when the chunk's turn to be written comes.
            on_written()
            on_written = None
        primes = chunk.shared and not frame_started and context is not None and context.primed
        return _Result(chunk, on_written, job.slot.continues, job.held, copies, job.slot.prime if primes else None)

    def _write_chunk(self, result: _Result) -> None:
        self._glyphs.chunk(result.chunk, result.continues, result.copies, result.prime)
        self._buffered -= result.held
        if result.on_written is not None:
            result.on_written()
