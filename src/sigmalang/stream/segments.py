"""Which segment a chunk belongs to, and on which worker lane it runs.

Chunks of one segment share a zstd frame, so they are encoded, and decoded,
in order on one lane with one context; different segments run side by side.
``SegmentPlanner`` groups an encoder's chunks; ``SegmentTracker`` follows a
decoder's, and, to keep every lane busy, lets as many chunks as ``threads``
segments hold be in flight (up to a cap), raised as it learns how long
segments are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..buffers import Buffer
from ..codecs.context import DecodeContext, EncodeContext
from ..codecs.detect import Detection
from ..codecs.policy import ChunkPolicy
from ..format.parser import ChunkGlyph
from ..settings import EncoderSettings
from .pipeline import OrderedPipeline
from .reader import PositionalChunk

#: Never more chunks in flight than this, whatever the segments look like.
MAX_IN_FLIGHT_CHUNKS = 64
#: Decoded bytes that may wait for their turn to be written (when they are held).
MAX_IN_FLIGHT_BYTES = 32 * 1024 * 1024


# -- decoding ------------------------------------------------------------------


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
        self._context: DecodeContext | None = None

    def release(self) -> None:
        """Let go of the last segment's context (its zstd context goes back to the pool now,
        not whenever the collector frees this tracker)."""
        self._context = None

    def place(self, glyph: ChunkGlyph) -> tuple[DecodeContext, int]:
        """The context and lane for the next chunk, in stream order."""
        if not glyph.continues or self._context is None:
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


# -- encoding ------------------------------------------------------------------

#: Bytes of a structured segment's head kept to prime the next structured segment.
PRIME_SIZE = 1 << 20


@dataclass(frozen=True, slots=True)
class SegmentSlot:
    """What a chunk needs of its segment: the shared frame, its place, its prime."""

    context: EncodeContext | None  # the segment's shared zstd frame (None: chunks stand alone)
    continues: bool  # not the segment's first chunk
    lane: int  # the worker lane that encodes the segment's chunks, in order
    prime: tuple[int, int] | None  # (raw offset, length) of the output the frame is primed with


class SegmentPlanner:
    """Groups an encoder's chunks into segments, in stream order.

    A segment's chunks share one zstd frame, so they go to one lane; a new
    segment goes to the least loaded lane. A structured segment following a
    structured one starts its frame primed with that one's head (the policy
    decides; the stream must declare a window reaching back to it).
    """

    def __init__(
        self,
        chunks_per_segment: int,
        window: int,
        settings: EncoderSettings,
        policy: ChunkPolicy,
        least_loaded_lane: Callable[[], int],
    ) -> None:
        self.chunks_per_segment = chunks_per_segment
        self.window = window  # input bytes per segment: the frame's window
        self._long_distance = settings.uses_long_distance()
        self._reference_window = settings.resolved_reference_window()
        self._policy = policy
        self._least_loaded_lane = least_loaded_lane
        self._within = 0  # chunks of the current segment so far
        self._slot: SegmentSlot | None = None
        #: Head of the last segment, if structured: (raw offset, bytes), to prime the next one.
        self._prime_source: tuple[int, bytes] | None = None

    def place(self, raw: Buffer | PositionalChunk, position: int, detection: Detection | None) -> SegmentSlot:
        """The segment slot of the chunk at raw offset ``position`` (chunks come in order)."""
        slot = self._slot
        if self._within == 0 or slot is None:
            slot = self._slot = self._open(raw, position, detection)
        elif not slot.continues:
            slot = self._slot = SegmentSlot(slot.context, True, slot.lane, slot.prime)
        self._within = (self._within + 1) % self.chunks_per_segment
        return slot

    def end_segment(self) -> None:
        """The next chunk starts a new segment (the encoder drained its pipeline)."""
        self._within = 0

    def _open(self, raw: Buffer | PositionalChunk, position: int, detection: Detection | None) -> SegmentSlot:
        lane = self._least_loaded_lane()
        if self.chunks_per_segment == 1:
            return SegmentSlot(None, False, lane, None)
        prime = self._prime_for(raw, position, detection)
        context = EncodeContext(self.window, self._long_distance, prime[1] if prime else None)
        return SegmentSlot(context, False, lane, (prime[0], len(prime[1])) if prime else None)

    def _prime_for(
        self, raw: Buffer | PositionalChunk, position: int, detection: Detection | None
    ) -> tuple[int, bytes] | None:
        """The earlier output to prime a new segment's frame with, if any; remembers
        this segment's head for the next one, if it takes part in priming."""
        if not self._policy.primes(detection):
            self._prime_source = None
            return None
        prime = self._prime_source
        # A copy: the input's buffers are reused.
        head = raw.read(0, PRIME_SIZE) if isinstance(raw, PositionalChunk) else bytes(memoryview(raw)[:PRIME_SIZE])
        self._prime_source = (position, head)
        if prime is not None and position + self.window - prime[0] > self._reference_window:
            return None  # the segment's first shared chunk could lie beyond the window
        return prime
