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
    """

    def __init__(self, level: int, window_size: int, long_distance: bool, prime: Buffer | None = None) -> None:
        window_log = max(10, min(MAX_WINDOW_LOG, (max(window_size, 1) - 1).bit_length()))
        params = zstandard.ZstdCompressionParameters.from_level(
            level,
            window_log=window_log,
            enable_ldm=long_distance,
            write_checksum=0,
            write_content_size=0,
            write_dict_id=0,
        )
        dictionary = _raw_dictionary(prime) if prime else None
        self._compressor = zstandard.ZstdCompressor(compression_params=params, dict_data=dictionary).compressobj()
        self.primed = prime is not None
        #: True once a chunk has gone into the frame (the first one carries the prime).
        self.started = False

    def compress(self, data: Buffer) -> bytes:
        """Compress one chunk's bytes into the segment's frame and flush them out."""
        self.started = True
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
