"""sigmalang: adaptive, streaming, parallel compression in constant memory.

The public API mirrors the standard library's ``gzip`` and python-zstandard:
``compress``/``decompress`` for bytes, ``open`` for file objects, and
``StreamingEncoder``/``StreamingDecoder`` for streams and push-style decoding.
"""

from __future__ import annotations

from .archive import register as _register_archive_formats
from .errors import ChecksumError, FormatError, LimitError, SigmalangError, TruncatedError
from .format.constants import Strategy
from .format.limits import DEFAULT_LIMITS, Limits
from .fsspec import install as _install_fsspec
from .pool import BufferPool, PoolStats
from .settings import DEFAULT_LEVEL, DEFAULT_THREADS, MAX_LEVEL, MIN_LEVEL, EncoderSettings
from .stream.decoder import StreamingDecoder
from .stream.encoder import StreamingEncoder
from .stream.fileobj import SigmalangFile, open
from .stream.stats import StreamStats

__version__ = "0.1.0"

_install_fsspec()  # .sgl for fsspec.open(..., compression="infer"), without importing fsspec
_register_archive_formats()  # "sgltar" (.tar.sgl) for shutil.make_archive and unpack_archive

__all__ = [
    "BufferPool",
    "ChecksumError",
    "DEFAULT_LEVEL",
    "EncoderSettings",
    "FormatError",
    "LimitError",
    "Limits",
    "MAX_LEVEL",
    "MIN_LEVEL",
    "PoolStats",
    "SigmalangError",
    "SigmalangFile",
    "Strategy",
    "StreamStats",
    "StreamingDecoder",
    "StreamingEncoder",
    "TruncatedError",
    "compress",
    "decompress",
    "open",
]


def compress(
    data: bytes | bytearray | memoryview,
    level: int = DEFAULT_LEVEL,
    *,
    threads: int = DEFAULT_THREADS,
    chunk_size: int | None = None,
    references: bool | None = None,
) -> bytes:
    """Compress ``data`` into one sigmalang stream.

    Repeats from earlier segments (up to 128 MiB back) are stored as
    REFERENCE copies unless ``references=False``. The output depends on the
    settings only, never on ``threads``.
    """
    return StreamingEncoder(level, threads, chunk_size, references=references).compress(data)


def decompress(
    data: bytes | bytearray | memoryview, *, threads: int = DEFAULT_THREADS, limits: Limits = DEFAULT_LIMITS
) -> bytes:
    """Decompress one or more concatenated sigmalang streams, verifying every checksum."""
    return StreamingDecoder(threads, limits=limits).decompress(data)
