"""A numcodecs codec: sigmalang for Zarr format 2 arrays and anything else that speaks numcodecs.

Registered under the ``numcodecs.codecs`` entry point as ``"sigmalang"``, so
``numcodecs.get_codec({"id": "sigmalang", "level": 3})`` finds it without an
import. Each buffer becomes one complete sigmalang stream (checksummed, so a
damaged chunk is reported, not decoded into wrong numbers).
"""

from __future__ import annotations

from typing import Any

from numcodecs.abc import Codec
from numcodecs.compat import ensure_contiguous_ndarray, ndarray_copy

from . import compress, decompress
from .settings import DEFAULT_LEVEL, EncoderSettings

#: Chunks of an array are encoded side by side by the array library, so each
#: buffer is encoded on the calling thread.
THREADS = 1


class Sigmalang(Codec):
    """sigmalang at ``level`` (1-19): numeric buffers get the delta/shuffle
    transforms the selector measures per chunk, others zstd."""

    codec_id = "sigmalang"

    def __init__(self, level: int = DEFAULT_LEVEL) -> None:
        EncoderSettings(level)  # refuses a bad level here, not at the first encode
        self.level = level

    def encode(self, buf: Any) -> bytes:
        data = ensure_contiguous_ndarray(buf)
        return compress(memoryview(data).cast("B"), self.level, threads=THREADS)

    def decode(self, buf: Any, out: Any = None) -> Any:
        data = ensure_contiguous_ndarray(buf)
        if out is not None:
            out = ensure_contiguous_ndarray(out)  # refuses object arrays, as numcodecs' own codecs do
        return ndarray_copy(decompress(memoryview(data).cast("B"), threads=THREADS), out)
