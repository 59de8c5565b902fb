"""Segment contexts: one zstd frame shared by the chunks of a segment.

A segment's chunks feed one zstd compressor in order, each flushed at its end,
so a chunk's data is the part of the frame that covers it. Repeats anywhere
earlier in the segment (its window; optionally with zstd's long-distance
matching) cost almost nothing, while segments stay independent for parallel
decoding and seeking. The frame is never closed: chunk raw lengths say where
each chunk ends.
"""

from __future__ import annotations

import threading
import weakref
from typing import IO, Any, cast

import zstandard

from ..buffers import Buffer, as_bytes, uninitialised_bytes

MAX_WINDOW_LOG = 26
#: Compressed bytes a segment's reader takes from a chunk at a time.
READ_SIZE = 1 << 20
#: Bytes of a primed segment's head compressed with and without its prime (``prime_pays``).
PRIME_TRIAL_SAMPLE = 64 * 1024
#: The prime is kept only if it makes that sample at most this share of its unprimed size.
PRIME_MAX_SHARE = 0.9
#: The fast zstd level the prime trial runs at (loading the prime at level 3 costs 1.5 ms).
PRIME_TRIAL_LEVEL = 1


def read_exactly(
    reader: zstandard.ZstdDecompressionReader, out: memoryview, stop: tuple[type[Exception], ...] = ()
) -> int:
    """Fill ``out`` from a zstd reader until it is full, the reader has no more, or
    its source raises one of ``stop``; the number of bytes filled."""
    filled = 0
    try:
        while filled < len(out):
            n = reader.readinto(out[filled:])
            if not n:
                break
            filled += n
    except stop:
        pass
    return filled


def _raw_dictionary(content: Buffer) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(bytes(content), dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def prime_pays(prime: zstandard.ZstdCompressionDict, data: Buffer) -> bool:
    """Whether priming a frame with ``prime`` (earlier output as a raw-content
    dictionary, the one the frame would take) pays for itself on ``data`` (its first chunk).

    A prime is a raw-content dictionary: zstd hashes all of it when the frame
    starts (1.5 ms per MiB at level 3, a tenth of an 8 MiB segment's time), and
    the decoder must wait for it and build a context of its own. Records that
    recur with new ids (logs of a repeating job) shrink a segment's head
    twentyfold with it; records that do not (file listings, code indexes) come
    out a few per cent larger over the whole segment. A sample of the head,
    compressed both ways at a fast level, tells the two apart for 0.2 ms.
    """
    sample = memoryview(data).cast("B")[:PRIME_TRIAL_SAMPLE]
    plain = len(zstandard.ZstdCompressor(level=PRIME_TRIAL_LEVEL).compress(sample))
    primed = zstandard.ZstdCompressor(level=PRIME_TRIAL_LEVEL, dict_data=prime).compress(sample)
    return len(primed) <= plain * PRIME_MAX_SHARE


class EncodeContext:
    """The compressing side of one segment; used by one worker thread at a time.

    With ``prime`` (earlier output of the stream), the frame starts with it as a
    raw-content dictionary, if it makes the first chunk's head clearly smaller
    (``prime_pays``): records that repeat from before the segment (NDJSON logs
    whose structure and text recur) need not be learnt again. ``primed`` says,
    once the first chunk is in, whether the frame took it.

    The frame's zstd level is the one its first chunk asks for (the selector
    may measure that a faster level compresses that data better); a frame has
    one level, so later chunks follow it.
    """

    def __init__(self, window_size: int, long_distance: bool, prime: Buffer | None = None) -> None:
        self._window_log = max(10, min(MAX_WINDOW_LOG, (max(window_size, 1) - 1).bit_length()))
        self._long_distance = long_distance
        self._prime = prime
        self._compressor: zstandard.ZstdCompressionObj | None = None
        self.primed = prime is not None
        #: The frame's level, once its first chunk has gone in (that chunk carries the prime).
        self.level: int | None = None
        #: Choices the selector measured for this segment, by (kind, subtype, width) of the data.
        self.choices: dict[object, Any] = {}

    @property
    def started(self) -> bool:
        return self.level is not None

    def compress(self, data: Buffer, level: int) -> bytes:
        """Compress one chunk's bytes into the segment's frame and flush them out."""
        if self._compressor is None:
            dictionary = _raw_dictionary(self._prime) if self._prime is not None else None
            if dictionary is not None and not prime_pays(dictionary, data):
                dictionary = None
                self.primed = False
            params = zstandard.ZstdCompressionParameters.from_level(
                level,
                window_log=self._window_log,
                enable_ldm=self._long_distance,
                write_checksum=0,
                write_content_size=0,
                write_dict_id=0,
            )
            self._compressor = zstandard.ZstdCompressor(compression_params=params, dict_data=dictionary).compressobj()
            self._prime = None
            self.level = level
        return self._compressor.compress(data) + self._compressor.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)


class _ChunkFeed:
    """The source a segment's zstd reader pulls compressed bytes from: one chunk's
    data at a time. Each chunk ends with a flushed block, so its output never
    needs bytes of the next chunk; asking for them means the data is damaged."""

    __slots__ = ("_data", "_pos")

    def __init__(self) -> None:
        self._data: Buffer = b""
        self._pos = 0

    def give(self, data: Buffer) -> None:
        self._data, self._pos = memoryview(data).cast("B"), 0

    def read(self, size: int) -> Buffer:
        if self._pos >= len(self._data):
            raise _ChunkExhausted
        piece = self._data[self._pos : self._pos + size]
        self._pos += len(piece)
        return piece


class _ChunkExhausted(Exception):
    """The chunk's data ended before its output did."""


class DecompressorPool:
    """Decompression contexts for unprimed frames, kept from one call to the next.

    A segment's chunks decode in order on one thread, and its frame is done
    before that thread starts another, so each thread needs one context. A
    context's window buffer (the segment's size) costs an allocation and fresh
    pages whenever a context is made. So a thread takes a context from this
    pool when it first decodes a frame and keeps it (the decoder's lanes are
    kept between calls, ``stream/pipeline.py`` ``LanePool``); the context comes
    back here when the thread ends (a lane beyond what that pool keeps, or a
    caller's own thread). At most ``keep`` are kept, none larger than
    ``max_bytes``.
    """

    def __init__(self, keep: int = 8, max_bytes: int = 24 << 20) -> None:
        self._free: list[zstandard.ZstdDecompressor] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self.keep = keep
        self.max_bytes = max_bytes

    def for_this_thread(self) -> zstandard.ZstdDecompressor:
        """This thread's context: taken from the pool at its first frame, given back when it ends."""
        held: _Held | None = getattr(self._local, "held", None)
        if held is None:
            held = self._local.held = _Held(self.take())
            weakref.finalize(held, self.give, held.dctx)
        return held.dctx

    def take(self) -> zstandard.ZstdDecompressor:
        with self._lock:
            if self._free:
                return self._free.pop()
        return zstandard.ZstdDecompressor(max_window_size=1 << MAX_WINDOW_LOG)

    def give(self, dctx: zstandard.ZstdDecompressor) -> None:
        if dctx.memory_size() > self.max_bytes:
            return
        with self._lock:
            if len(self._free) < self.keep:
                self._free.append(dctx)

    def clear(self) -> None:
        """Drop every kept context (their memory goes back to the allocator)."""
        with self._lock:
            self._free.clear()

    def __len__(self) -> int:
        return len(self._free)


class _Held:
    """A thread's context, in its thread-local storage: freed (and given back) when the thread ends."""

    __slots__ = ("dctx", "__weakref__")

    def __init__(self, dctx: zstandard.ZstdDecompressor) -> None:
        self.dctx = dctx


DECOMPRESSORS = DecompressorPool()


class DecodeContext:
    """The decompressing side of one segment; chunks must be given in order.

    A zstd reader decodes each chunk's part of the frame straight into the
    caller's buffer (a decompression object would return new bytes, to be
    copied again into the output).
    """

    def __init__(self) -> None:
        self._feed = _ChunkFeed()
        self._reader: zstandard.ZstdDecompressionReader | None = None
        self._prime: Buffer | None = None

    def prime(self, content: Buffer) -> None:
        """Use ``content`` (earlier output) as the frame's dictionary; before the first chunk only."""
        if self._reader is not None:
            raise ValueError("a segment's frame can only be primed before its first chunk")
        self._prime = content

    def decompress(self, data: Buffer, expected: int) -> bytes:
        out, view = uninitialised_bytes(expected)
        self.decompress_into(data, view)
        return as_bytes(out)

    def decompress_into(self, data: Buffer, out: memoryview) -> None:
        """Decode one chunk's part of the frame into ``out``, which it must fill exactly."""
        if self._reader is None:
            dctx = self._decompressor()
            # The reader only ever calls read() on its source.
            source = cast(IO[bytes], self._feed)
            self._reader = dctx.stream_reader(source, read_size=READ_SIZE, read_across_frames=False)
        self._feed.give(data)
        try:
            filled = read_exactly(self._reader, out, stop=(_ChunkExhausted,))
        except zstandard.ZstdError as exc:
            raise ValueError(f"corrupt zstd data: {exc}") from None
        if filled != len(out):
            raise ValueError(f"segment data decoded to {filled} bytes or fewer, expected {len(out)}")
        if self._holds_more():
            raise ValueError(f"segment data holds more than the chunk's {len(out)} bytes")

    def _decompressor(self) -> zstandard.ZstdDecompressor:
        """A primed frame's own context, else this thread's (see ``DecompressorPool``)."""
        if self._prime is not None:
            return zstandard.ZstdDecompressor(dict_data=_raw_dictionary(self._prime), max_window_size=1 << MAX_WINDOW_LOG)
        return DECOMPRESSORS.for_this_thread()

    def _holds_more(self) -> bool:
        """Whether the chunk's data decodes past its raw length: it must end where its
        output does (the encoder flushes a block there), or the rest would be ignored."""
        assert self._reader is not None
        try:
            return bool(self._reader.read(1))
        except _ChunkExhausted:
            return False
        except zstandard.ZstdError:
            return True
