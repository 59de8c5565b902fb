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


class EncodeContext:
    """The compressing side of one segment; used by one worker thread at a time."""

    def __init__(self, level: int, window_size: int, long_distance: bool) -> None:
        window_log = max(10, min(MAX_WINDOW_LOG, (max(window_size, 1) - 1).bit_length()))
        params = zstandard.ZstdCompressionParameters.from_level(
            level,
            window_log=window_log,
            enable_ldm=long_distance,
            write_checksum=0,
            write_content_size=0,
            write_dict_id=0,
        )
        self._compressor = zstandard.ZstdCompressor(compression_params=params).compressobj()

    def compress(self, data: Buffer) -> bytes:
        """Compress one chunk's bytes into the segment's frame and flush them out."""
        return self._compressor.compress(data) + self._compressor.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)


class DecodeContext:
    """The decompressing side of one segment; chunks must be given in order."""

    def __init__(self) -> None:
        self._decompressor: zstandard.ZstdDecompressionObj | None = None

    def decompress(self, data: Buffer, expected: int) -> bytes:
        if self._decompressor is None:
            dctx = zstandard.ZstdDecompressor(max_window_size=1 << MAX_WINDOW_LOG)
            self._decompressor = dctx.decompressobj(write_size=max(expected, 1))
        try:
            out = self._decompressor.decompress(data)
        except zstandard.ZstdError as exc:
            raise ValueError(f"corrupt zstd data: {exc}") from None
        if len(out) != expected:
            raise ValueError(f"segment data decoded to {len(out)} bytes, expected {expected}")
        return out
