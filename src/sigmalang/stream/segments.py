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


class SegmentTracker:
    def __init__(self, pipeline: OrderedPipeline[Any, Any], fixed_in_flight: int | None) -> None:
        self._pipeline = pipeline
        self._fixed = fixed_in_flight is not None
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
                wanted = max(2 * threads, threads * (self._longest + 1))
                self._pipeline.max_in_flight = max(self._pipeline.max_in_flight, min(MAX_IN_FLIGHT_CHUNKS, wanted))
        return self._context, self._segment
