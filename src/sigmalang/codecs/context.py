"""Segment contexts: one zstd frame shared by the chunks of a segment.

A segment's chunks feed one zstd compressor in order, each flushed at its end,
so a chunk's data is the part of the frame that covers it. Repeats anywhere
earlier in the segment (its window; optionally with zstd's long-distance
matching) cost almost nothing, while segments stay independent for parallel
decoding and seeking. The frame is never closed: chunk raw lengths say where
each chunk ends.
"""

from __future__ import annotations

import zstandard

from .base import Buffer

MAX_WINDOW_LOG = 26


def _raw_dictionary(content: Buffer) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(bytes(content), dict_type=zstandard.DICT_TYPE_RAWCONTENT)


class EncodeContext:
    """The compressing side of one segment; used by one worker thread at a time.

    With ``prime`` (earlier output of the stream), the frame starts with it as a
    raw-content dictionary: records that repeat from before the segment (NDJSON
    logs whose structure and text recur) need not be learnt again.

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

    @property
    def started(self) -> bool:
        return self.level is not None

    def compress(self, data: Buffer, level: int) -> bytes:
        """Compress one chunk's bytes into the segment's frame and flush them out."""
        if self._compressor is None:
            params = zstandard.ZstdCompressionParameters.from_level(
                level,
                window_log=self._window_log,
                enable_ldm=self._long_distance,
                write_checksum=0,
                write_content_size=0,
                write_dict_id=0,
            )
            dictionary = _raw_dictionary(self._prime) if self._prime else None
            self._compressor = zstandard.ZstdCompressor(compression_params=params, dict_data=dictionary).compressobj()
            self._prime = None
            self.level = level
        return self._compressor.compress(data) + self._compressor.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)


class DecodeContext:
    """The decompressing side of one segment; chunks must be given in order."""

    def __init__(self) -> None:
        self._decompressor: zstandard.ZstdDecompressionObj | None = None
        self._prime: Buffer | None = None

    def prime(self, content: Buffer) -> None:
        """Use ``content`` (earlier output) as the frame's dictionary; before the first chunk only."""
        if self._decompressor is not None:
            raise ValueError("a segment's frame can only be primed before its first chunk")
        self._prime = content

    def decompress(self, data: Buffer, expected: int) -> bytes:
        if self._decompressor is None:
            dictionary = _raw_dictionary(self._prime) if self._prime is not None else None
            dctx = zstandard.ZstdDecompressor(dict_data=dictionary, max_window_size=1 << MAX_WINDOW_LOG)
            self._decompressor = dctx.decompressobj(write_size=max(expected, 1))
        try:
            out = self._decompressor.decompress(data)
        except zstandard.ZstdError as exc:
            raise ValueError(f"corrupt zstd data: {exc}") from None
        if len(out) != expected:
            raise ValueError(f"segment data decoded to {len(out)} bytes, expected {expected}")
        return out
