"""Which segment a chunk being decoded belongs to, and on which worker lane it runs.

Chunks of one segment share a zstd frame, so they decode in order on one lane
with one DecodeContext; different segments decode side by side. To keep every
lane busy, as many chunks as ``threads`` segments hold may be in flight (up to
a cap), which the tracker raises as it learns how long segments are.
"""

from __future__ import annotations

from typing import Any

from ..codecs.context import DecodeContext
from ..format.parser import ChunkGlyph
from .pipeline import OrderedPipeline

#: Never more chunks in flight than this, whatever the segments look like.
MAX_IN_FLIGHT_CHUNKS = 64
#: Decoded bytes that may wait for their turn to be written (when they are held).
MAX_IN_FLIGHT_BYTES = 32 * 1024 * 1024


class SegmentTracker:
    def __init__(self, pipeline: OrderedPipeline[Any, Any], fixed_in_flight: int | None, holds_output: bool = True) -> None:
        self._pipeline = pipeline
        self._fixed = fixed_in_flight is not None
        # Decoded chunks waiting for their turn cost memory; chunks written in
        # place by the workers do not, so more of them may be in flight.
        self._cap = MAX_IN_FLIGHT_BYTES if holds_output else None
        self._segment = -1
        self._length = 0
        self._longest = 1
        self._context = DecodeContext()

    def place(self, glyph: ChunkGlyph) -> tuple[DecodeContext, int]:
        """The context and lane for the next chunk, in stream order."""
        if not glyph.continues:
            self._segment += 1
            self._context = DecodeContext()
            self._length = 0
        self._length += 1
        if self._length > self._longest:
            self._longest = self._length
            if not self._fixed:
                threads = self._pipeline.threads
                wanted = min(MAX_IN_FLIGHT_CHUNKS, max(2 * threads, threads * (self._longest + 1)))
                if self._cap is not None and glyph.raw_length:
                    wanted = min(wanted, max(2 * threads, self._cap // glyph.raw_length))
                self._pipeline.max_in_flight = max(self._pipeline.max_in_flight, wanted)
        return self._context, self._segment
