"""Encoder settings, validated once, and the rules that derive chunk size and threads."""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from typing import Literal, Union

MIN_LEVEL = 1
MAX_LEVEL = 19
DEFAULT_LEVEL = 3
#: Worker threads, for encoding and decoding alike: 0 means one per available core.
DEFAULT_THREADS = 0
MIN_CHUNK_SIZE = 64 * 1024
MAX_CHUNK_SIZE = 4 * 1024 * 1024
#: Chunk size for inputs of unknown size (pipes, ``open(..., "wb")``).
STREAM_CHUNK_SIZE = MAX_CHUNK_SIZE
#: Bound on the chunk size a user may ask for; the decoder's default limit accepts it.
CHUNK_SIZE_LIMIT = 64 * 1024 * 1024
#: Input bytes whose chunks share one zstd context (window); segments are the
#: units of parallel decoding and seeking. Each encoding or decoding worker
#: holds one window of this size. Longer segments find repeats further back
#: but zstd's streaming compression slows down with windows past 8 MiB
#: (``benchmarks/segments.py``); ``segment_size`` trades speed for ratio.
DEFAULT_SEGMENT_SIZE = 8 * 1024 * 1024
MAX_SEGMENT_SIZE = 64 * 1024 * 1024
#: By default a segment is at most this fraction of an input of known size.
MIN_SEGMENTS = 2
#: How far back REFERENCE chunks may copy from (as zstd --long's default
#: window). A streaming decoder keeps this much of the latest output; the
#: encoder keeps only an index of it (``codecs/blocks.py``).
DEFAULT_REFERENCE_WINDOW = 128 * 1024 * 1024
#: From this level on, every chunk is looked up for REFERENCE copies by
#: default. Finding them costs CPU whether or not anything repeats
#: (``benchmarks/adaptive.py`` prints how much), a large share of zstd -3's
#: own time, so below this level none is looked up unless asked:
#: ``references=True`` (every chunk) or ``references="text"`` (chunks the
#: detector reads as text: source trees, documents, logs, where versioned
#: copies live; it pays only on the text). ``references=False``: none.
REFERENCE_LEVEL = 9


#: What ``references=`` takes: True (every chunk), "text" (text chunks), False (none), None (by level).
References = Union[bool, Literal["text"], None]


class ReferenceScope(enum.Enum):
    """Which chunks the encoder looks up for REFERENCE copies (and indexes)."""

    NONE = "none"
    TEXT = "text"  # chunks the detector reads as text
    ALL = "all"
MIN_REFERENCE_WINDOW = 1 << 20
MAX_REFERENCE_WINDOW = 1 << 30


def choose_chunk_size(input_size: int | None) -> int:
    """Chunk size from input size: a quarter of the input rounded up to a power of
    two, clamped to 64 KiB … 4 MiB, so small inputs still split across cores and
    large ones use chunks big enough for a good ratio."""
    if input_size is None:
        return STREAM_CHUNK_SIZE
    quarter = max(1, input_size // 4)
    return min(MAX_CHUNK_SIZE, max(MIN_CHUNK_SIZE, 1 << (quarter - 1).bit_length()))


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass(frozen=True)
class EncoderSettings:
    """Everything that shapes the compressed bytes, checked in one place.

    ``threads`` never changes the output; ``level`` and ``chunk_size`` do.
    ``threads=0`` means one per available core.
    """

    level: int = DEFAULT_LEVEL
    threads: int = DEFAULT_THREADS
    chunk_size: int | None = None
    max_in_flight: int | None = None
    trial: bool | None = None  # measure candidates on a sample for every chunk (default: level >= 9)
    segment_size: int | None = None  # bytes of input sharing one zstd context (default DEFAULT_SEGMENT_SIZE)
    long_distance: bool | None = None  # zstd long-distance matching in segments (default: off)
    adaptive: bool = True  # False: no detector, every chunk is plain zstd at `level` (for comparison)
    #: REFERENCE copies: True (every chunk looked up), "text" (text chunks only),
    #: False (none), None (every chunk from REFERENCE_LEVEL or with a reference_window, else none).
    references: References = None
    reference_window: int | None = None  # output kept for copies and primed segments (0: neither)

    def __post_init__(self) -> None:
        if not isinstance(self.level, int) or not MIN_LEVEL <= self.level <= MAX_LEVEL:
            raise ValueError(f"level must be an integer from {MIN_LEVEL} to {MAX_LEVEL}, got {self.level!r}")
        if not isinstance(self.threads, int) or self.threads < 0:
            raise ValueError(f"threads must be an integer >= 0 (0 = all cores), got {self.threads!r}")
        if self.chunk_size is not None and (
            not isinstance(self.chunk_size, int) or not 1 <= self.chunk_size <= CHUNK_SIZE_LIMIT
        ):
            raise ValueError(f"chunk_size must be an integer from 1 to {CHUNK_SIZE_LIMIT}, got {self.chunk_size!r}")
        if self.max_in_flight is not None and (not isinstance(self.max_in_flight, int) or self.max_in_flight < 1):
            raise ValueError(f"max_in_flight must be a positive integer, got {self.max_in_flight!r}")
        if self.segment_size is not None and (
            not isinstance(self.segment_size, int) or not 1 <= self.segment_size <= MAX_SEGMENT_SIZE
        ):
            raise ValueError(f"segment_size must be an integer from 1 to {MAX_SEGMENT_SIZE}, got {self.segment_size!r}")
        window = self.reference_window
        if window is not None and (
            not isinstance(window, int)
            or (window != 0 and not (MIN_REFERENCE_WINDOW <= window <= MAX_REFERENCE_WINDOW and window & (window - 1) == 0))
        ):
            raise ValueError(
                f"reference_window must be 0 (off) or a power of two from {MIN_REFERENCE_WINDOW} "
                f"to {MAX_REFERENCE_WINDOW}, got {window!r}"
            )
        if self.references not in (None, True, False, "text"):
            raise ValueError(f'references must be True, False, "text" or None, got {self.references!r}')
        if self.references and window == 0:
            raise ValueError(f"references={self.references!r} needs a reference_window other than 0")

    def reference_scope(self) -> ReferenceScope:
        """Which chunks are matched against earlier segments (REFERENCE copies)."""
        if not self.adaptive or self.reference_window == 0:
            return ReferenceScope.NONE
        if self.references == "text":
            return ReferenceScope.TEXT
        if self.references is not None:
            return ReferenceScope.ALL if self.references else ReferenceScope.NONE
        if self.reference_window is not None or self.level >= REFERENCE_LEVEL:
            return ReferenceScope.ALL
        return ReferenceScope.NONE

    def uses_references(self) -> bool:
        """Whether any chunk is matched against earlier segments."""
        return self.reference_scope() is not ReferenceScope.NONE

    def resolved_reference_window(self) -> int:
        """The window a stream declares: how far back copies and segment primes reach,
        and so how much recent output a streaming decoder keeps; 0 for none (always
        with the detector off: that is the plain-zstd baseline).

        Without references it only has to reach a primed segment's dictionary,
        at most two segments back (of the configured size). It never depends on
        the input size, so a stream's bytes do not depend on how its input
        arrives; a decoder's history grows with the output, up to the window.
        """
        if not self.adaptive or self.reference_window == 0:
            return 0
        if self.reference_window is not None:
            return self.reference_window
        if self.uses_references():
            return DEFAULT_REFERENCE_WINDOW
        two_segments = 1 << (2 * (self.segment_size or DEFAULT_SEGMENT_SIZE) - 1).bit_length()
        return max(MIN_REFERENCE_WINDOW, min(MAX_REFERENCE_WINDOW, two_segments))

    def uses_long_distance(self) -> bool:
        """zstd's long-distance matching in segment frames: off unless asked for.
        Within a segment's window the regular match finder already reaches
        every repeat; LDM costs speed and hurts some data (small JSON records)
        and helps binaries (``benchmarks/adaptive.py`` compares)."""
        return bool(self.long_distance)

    def chunks_per_segment(self, chunk_size: int, input_size: int | None = None) -> int:
        """How many chunks share one zstd context (1: every chunk stands alone).

        By default a segment of an input of known size is at most a
        ``MIN_SEGMENTS``-th of it (but never less than a chunk), so that small
        inputs still spread over the cores: segments are the unit of parallel
        work. Like the chunk size, this depends on the input size only (and not
        at all when ``chunk_size`` is given), never on the thread count.
        """
        if self.segment_size is not None:
            segment = self.segment_size
        else:
            segment = DEFAULT_SEGMENT_SIZE
            if input_size is not None and self.chunk_size is None:
                segment = min(segment, max(chunk_size, -(-input_size // MIN_SEGMENTS)))
        return max(1, segment // chunk_size)

    def resolved_chunk_size(self, input_size: int | None) -> int:
        return self.chunk_size or choose_chunk_size(input_size)

    def resolved_threads(self, chunk_count: int | None = None) -> int:
        threads = self.threads or available_cores()
        if chunk_count is not None:
            threads = min(threads, max(1, chunk_count))
        return threads
