"""What every strategy provides, and the registry that maps strategy ids to codecs."""

from __future__ import annotations

import ctypes
import enum
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .context import DecodeContext

Buffer = bytes | bytearray | memoryview


if sys.implementation.name == "cpython":
    # Declared once: uninitialised_bytes runs for every chunk a push decoder outputs.
    _new_bytes = ctypes.pythonapi.PyBytes_FromStringAndSize
    _new_bytes.restype = ctypes.py_object
    _new_bytes.argtypes = (ctypes.c_void_p, ctypes.c_ssize_t)
    _bytes_storage = ctypes.pythonapi.PyBytes_AsString
    _bytes_storage.restype = ctypes.c_void_p
    _bytes_storage.argtypes = (ctypes.py_object,)


def uninitialised_bytes(size: int) -> tuple[bytes | bytearray, memoryview]:
    """A new object of ``size`` bytes and a writable view of its storage, to be
    filled before anyone else sees the object (decoders write output into it).

    On CPython this is ``PyBytes_FromStringAndSize(NULL, size)`` — the documented
    way C extensions build a bytes object before anyone else can see it — so
    the result needs no final copy. Elsewhere (and for size 0) it is a
    ``bytearray``, which the caller converts at the end.
    """
    if sys.implementation.name == "cpython" and size > 0:
        result = _new_bytes(None, size)
        storage = (ctypes.c_char * size).from_address(_bytes_storage(result))
        return result, memoryview(storage).cast("B")
    buffer = bytearray(size)
    return buffer, memoryview(buffer)


class Strategy(enum.IntEnum):
    """Strategy ids as stored in each CHUNK glyph (format v1)."""

    RAW = 0
    PATTERN = 1
    REFERENCE = 2
    DELTA = 3


@dataclass(frozen=True, slots=True)
class Encoded:
    """Output of a strategy for one chunk: its parameters and its data."""

    strategy: Strategy
    params: bytes
    data: Buffer
    shared: bool = False  # data continues the segment's shared zstd frame


class Codec(Protocol):
    strategy: Strategy

    def encode(self, raw: Buffer, level: int) -> Encoded:
        """Encode ``raw``; ``level`` is the user's 1..19 effort setting."""

    def decode(self, params: bytes, data: Buffer, raw_length: int, context: DecodeContext | None = None) -> Buffer:
        """Decode one chunk. Raise ``ValueError`` on corrupt data (the caller adds the offset).

        ``context`` is the segment's shared zstd frame, given for chunks stored in it.
        """

    def decode_into(self, params: bytes, data: Buffer, out: memoryview, context: DecodeContext | None = None) -> None:
        """Decode one chunk straight into ``out``, which has exactly its raw length."""
