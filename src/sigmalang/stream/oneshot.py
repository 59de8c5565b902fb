"""Whole-buffer decoding straight into the result object: one pass over the output.

Joining per-chunk outputs costs a second full copy of the result, which on a
memory-bound machine is as slow as zstd decoding itself. When the input is an
immutable ``bytes`` object whose streams end in well-formed END/INDEX glyphs,
the total size is known up front, so workers decode each chunk directly into
its slice of the final ``bytes`` object.
"""

from __future__ import annotations

import io
from collections import deque

from ..buffers import as_bytes, uninitialised_bytes
from ..codecs.context import DecodeContext
from ..codecs.reference import OutputHistory
from ..codecs.chunk import PendingReference, decode_chunk_into, prime_range
from ..errors import FormatError
from ..format.index import read_file_index
from ..format.limits import Limits
from ..format.parser import ChunkGlyph, GlyphParser, StreamStart
from .pipeline import OrderedPipeline
from .segments import SegmentTracker

#: Beyond this expansion over the input, the size the trailers claim is not
#: trusted enough to allocate up front (a hostile file could claim terabytes);
#: such inputs take the chunk-by-chunk path, which allocates one chunk at a time.
MAX_TRUSTED_EXPANSION = 256
ALWAYS_TRUSTED = 64 * 1024 * 1024


_Job = tuple[ChunkGlyph, memoryview, DecodeContext, int, "OutputHistory | None"]


def _decode_job(job: _Job) -> tuple[PendingReference | None, _Job]:
    glyph, out, context, _, _ = job
    return decode_chunk_into(glyph, out, context), job


def _finish(result: tuple[PendingReference | None, _Job]) -> None:
    """Resolve a REFERENCE chunk's copies once every chunk before it is in place."""
    pending, (_, out, _, stream_position, history) = result
    if pending is not None:
        pending.resolve_into(out, stream_position, history)


def decompress_in_place(data: bytes, threads: int, max_in_flight: int | None, limits: Limits) -> tuple[bytes, int] | None:
    """Decode ``data`` into one new bytes object; None when the fast path does not apply.

    Every check of the streaming decoder is made (the same parser, the same
    per-chunk verification); a failure raises and the partly written object is
    dropped unseen.
    """
    index = read_file_index(io.BytesIO(data), limits)
    if index is None or index.total_raw > ALWAYS_TRUSTED + MAX_TRUSTED_EXPANSION * len(data):
        return None
    total = index.total_raw
    result, out = uninitialised_bytes(total)
    pipeline = OrderedPipeline(_decode_job, threads, max_in_flight)
    try:
        position, chunks = _decode_all(data, out, total, pipeline, limits, max_in_flight)
    finally:
        pipeline.close()
    if position != total:
        raise FormatError("chunks hold fewer bytes than the stream trailers declare", len(data))
    return (result if type(result) is bytes else bytes(result)), chunks


def _decode_all(
    data: bytes, out: memoryview, total: int, pipeline: OrderedPipeline[_Job, tuple[PendingReference | None, _Job]],
    limits: Limits,
    max_in_flight: int | None,
) -> tuple[int, int]:
    parser = GlyphParser(limits)
    parser.push(data)
    position = 0
    chunks = 0
    segments = SegmentTracker(pipeline, max_in_flight, holds_output=False)
    stream_start = 0
    history: OutputHistory | None = None
    ends: deque[int] = deque()  # output end of each chunk submitted and not yet finished
    done = 0  # output bytes complete (every chunk before them decoded and resolved)

    def finish(result: tuple[PendingReference | None, _Job]) -> None:
        nonlocal done
        _finish(result)
        done = ends.popleft()

    for event in parser.events():
        if isinstance(event, StreamStart):
            stream_start = position
            history = OutputHistory(out, stream_start, event.window) if event.window else None
        elif isinstance(event, ChunkGlyph):
            end = position + event.raw_length
            if end > total:
                raise FormatError("chunks hold more bytes than the stream trailers declare", event.offset)
            context, lane = segments.place(event)
            if event.prime is not None:
                start, length = prime_range(event, position - stream_start, history)
                while done < stream_start + start + length:  # the prime is earlier output: wait for it
                    finish(pipeline.next_result())
                context.prime(out[stream_start + start : stream_start + start + length])
            ends.append(end)
            for result in pipeline.submit((event, out[position:end], context, position - stream_start, history), lane):
                finish(result)
            position = end
            chunks += 1
    parser.finish()
    for result in pipeline.drain():
        finish(result)
    return position, chunks
