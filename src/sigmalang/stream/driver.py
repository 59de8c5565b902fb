"""DecodeDriver: the one walk over a decoder's glyph events, whatever the output is.

    GlyphParser events -> SegmentTracker (frame context, lane)
                       -> prime a segment's frame from earlier output, once it is complete
                       -> OrderedPipeline worker: Sink.decode (chunk data, checksums)
                       -> Sink.complete, in stream order (REFERENCE copies, history, output)

The sink decides where decoded chunks go (a result buffer, a file written by
position, or bytes yielded in order) and where earlier output is read back
from; the driver keeps order, memory in flight and the statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Protocol, Union

from ..buffers import Buffer
from ..codecs.chunk import PendingReference, prime_range
from ..codecs.context import DecodeContext
from ..codecs.reference import History
from ..errors import FormatError
from ..format.limits import Limits
from ..format.parser import ChunkGlyph, GlyphParser, StreamStart
from .pipeline import OrderedPipeline
from .segments import SegmentTracker
from .stats import StreamStats


@dataclass(slots=True)
class ChunkJob:
    """A chunk to decode and where its output goes."""

    glyph: ChunkGlyph
    context: DecodeContext  # its segment's frame
    raw_offset: int  # offset of its first byte in the decoder's output
    stream_position: int  # the same, from its stream's first raw byte
    history: History | None  # its stream's earlier output (None: nothing reads it)


#: What a worker hands the ordered stage: decoded bytes, a REFERENCE chunk
#: still to resolve, or None when the bytes are already in place.
Payload = Union[Buffer, PendingReference, None]


class Sink(Protocol):
    #: Decoded chunks wait in memory for their turn (which bounds what may be in flight).
    holds_output: bool

    def history(self, offset: int, window: int, stream_start: int, position: int) -> History | None:
        """Where the earlier output of the stream at input ``offset`` (declaring ``window``,
        its first raw byte at ``stream_start`` in the output) is read back from, decoding
        from stream position ``position`` on; None: it keeps none."""

    def decode(self, job: ChunkJob) -> Payload:
        """Decode one chunk, on a worker thread."""

    def complete(self, payload: Payload, job: ChunkJob) -> Iterable[Buffer]:
        """Finish a chunk in stream order; what it returns is yielded to the caller."""


class DecodeDriver:
    def __init__(
        self,
        sink: Sink,
        threads: int,
        max_in_flight: int | None,
        limits: Limits,
        stats: StreamStats,
        expected_total: int | None = None,
    ) -> None:
        self.parser = GlyphParser(limits)
        self.stats = stats
        self._sink = sink
        self._pipeline: OrderedPipeline[ChunkJob, tuple[Payload, ChunkJob]] = OrderedPipeline(
            self._decode, threads, max_in_flight
        )
        self._segments = SegmentTracker(self._pipeline, max_in_flight, holds_output=sink.holds_output)
        self._expected_total = expected_total  # output size the trailers declare, when trusted
        self.raw_position = 0  # output offset of the next chunk
        self._stream_start = 0  # output offset of the current stream's first byte
        self._history: History | None = None
        self._done = 0  # output complete (decoded and resolved) up to here
        self._in_flight_bytes = 0

    def _decode(self, job: ChunkJob) -> tuple[Payload, ChunkJob]:
        return self._sink.decode(job), job

    def run(self, final: bool, wait: bool = False) -> Iterator[Buffer]:
        """Decode what the parser holds; with ``final``, everything, checking the input is
        complete; with ``wait``, every chunk fed so far, without ending the input."""
        for event in self.parser.events():
            if isinstance(event, StreamStart):
                self._stream_start = self.raw_position
                self._history = self._sink.history(event.offset, event.window, self._stream_start, 0)
            elif isinstance(event, ChunkGlyph):
                yield from self._chunk(event)
        if final:
            self.parser.finish()
        if final or wait:
            yield from self._complete(self._pipeline.drain())
        else:
            yield from self._complete(self._pipeline.ready())

    def resume(self, stream_offset: int, window: int, stream_position: int) -> None:
        """Decoding starts inside the stream at input ``stream_offset``, at raw offset
        ``stream_position`` of it (after a seek): copies and primes may read the output
        from there on, which is kept as the stream's history."""
        self._stream_start = self.raw_position - stream_position
        self._history = self._sink.history(stream_offset, window, self._stream_start, stream_position)

    def _chunk(self, glyph: ChunkGlyph) -> Iterator[Buffer]:
        end = self.raw_position + glyph.raw_length
        if self._expected_total is not None and end > self._expected_total:
            raise FormatError("chunks hold more bytes than the stream trailers declare", glyph.offset)
        self._in_flight_bytes += glyph.raw_length
        self.stats.peak_buffered_bytes = max(self.stats.peak_buffered_bytes, self._in_flight_bytes)
        context, lane = self._segments.place(glyph)
        position = self.raw_position - self._stream_start
        if glyph.prime is not None:
            yield from self._prime(glyph, context, position)
        job = ChunkJob(glyph, context, self.raw_position, position, self._history)
        self.raw_position = end
        yield from self._complete(self._pipeline.submit(job, lane))

    def _prime(self, glyph: ChunkGlyph, context: DecodeContext, position: int) -> Iterator[Buffer]:
        """Give a PRIMED segment's frame its dictionary: earlier output, once the chunks
        holding it are complete (finishing them meanwhile)."""
        start, length = prime_range(glyph, position, self._history)
        assert self._history is not None  # prime_range raises without one
        while self._done < self._stream_start + start + length:
            yield from self._complete(iter([self._pipeline.next_result()]))
        context.prime(self._history.read(start, length))

    def _complete(self, results: Iterable[tuple[Payload, ChunkJob]]) -> Iterator[Buffer]:
        stats = self.stats
        for payload, job in results:
            yield from self._sink.complete(payload, job)
            n = job.glyph.raw_length
            self._done = job.raw_offset + n
            self._in_flight_bytes -= n
            stats.bytes_out += n
            stats.chunks += 1

    def close(self) -> None:
        """Stop the workers; pending output and the history kept for copies are dropped."""
        self._pipeline.close()
        self._segments.release()
        self._history = None
