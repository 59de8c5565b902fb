"""The zstd codec (strategy PATTERN): a level chosen for the data, a window that spans the chunk.

A window at least as large as the chunk is what lets independent chunks keep
the ratio of one long zstd frame.
"""

from __future__ import annotations

import threading

import zstandard

from ..buffers import Buffer
from ..format.constants import Strategy
from .base import Encoded
from .context import MAX_WINDOW_LOG, DecodeContext, EncodeContext, read_exactly

_MIN_WINDOW_LOG = 10
_MAX_WINDOW_LOG = MAX_WINDOW_LOG


def _window_log(size: int, level_default: int) -> int:
    """The level's window, widened to cover the whole chunk (never past 64 MiB)."""
    needed = (max(size, 1) - 1).bit_length()
    return max(_MIN_WINDOW_LOG, min(_MAX_WINDOW_LOG, max(level_default, needed)))


class ZstdCodec:
    strategy = Strategy.PATTERN

    def __init__(self) -> None:
        self._local = threading.local()

    def _compressor(self, level: int, size: int) -> zstandard.ZstdCompressor:
        cache: dict[tuple[int, int], zstandard.ZstdCompressor] = self._local.__dict__.setdefault("compressors", {})
        default = zstandard.ZstdCompressionParameters.from_level(level).window_log
        window_log = _window_log(size, default)
        key = (level, window_log)
        compressor = cache.get(key)
        if compressor is None:
            params = zstandard.ZstdCompressionParameters.from_level(
                level,
                window_log=window_log,
                write_checksum=0,
                write_content_size=0,
                write_dict_id=0,
            )
            compressor = cache[key] = zstandard.ZstdCompressor(compression_params=params)
        return compressor

    def _decompressor(self) -> zstandard.ZstdDecompressor:
        decompressor = getattr(self._local, "decompressor", None)
        if decompressor is None:
            decompressor = self._local.decompressor = zstandard.ZstdDecompressor(max_window_size=1 << _MAX_WINDOW_LOG)
        return decompressor

    def encode(self, raw: Buffer, level: int, context: EncodeContext | None = None) -> Encoded:
        """One complete zstd frame, or (with ``context``) the next part of the segment's frame."""
        if context is not None:
            return Encoded(Strategy.PATTERN, b"", context.compress(raw, level), shared=True)
        return Encoded(Strategy.PATTERN, b"", self._compressor(level, len(raw)).compress(raw))

    def decode(self, params: bytes, data: Buffer, raw_length: int, context: DecodeContext | None = None) -> Buffer:
        if params:
            raise ValueError("PATTERN chunk has unknown parameters")
        if context is not None:
            return context.decompress(data, raw_length)
        try:
            # A frame header that declares its size makes zstandard allocate that size,
            # whatever max_output_size says: check it against the chunk's first.
            declared = zstandard.frame_content_size(data)
            if declared >= 0 and declared != raw_length:  # -1: the frame does not say
                raise ValueError(f"zstd frame declares {declared} bytes, the chunk {raw_length}")
            return self._decompressor().decompress(data, max_output_size=raw_length)
        except zstandard.ZstdError as exc:
            raise ValueError(f"corrupt zstd data: {exc}") from None

    def decode_into(self, params: bytes, data: Buffer, out: memoryview, context: DecodeContext | None = None) -> None:
        if params:
            raise ValueError("PATTERN chunk has unknown parameters")
        if context is not None:
            context.decompress_into(data, out)
            return
        try:
            reader = self._decompressor().stream_reader(data, read_across_frames=False)
            if read_exactly(reader, out) != len(out) or reader.read(1):
                raise ValueError(f"zstd frame does not hold exactly {len(out)} bytes")
        except zstandard.ZstdError as exc:
            raise ValueError(f"corrupt zstd data: {exc}") from None
