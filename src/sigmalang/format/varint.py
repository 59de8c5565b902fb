"""Unsigned LEB128 integers, the variable-length encoding used for lengths and sizes."""

from __future__ import annotations

#: A glyph length takes at most five LEB128 bytes (values below 2**35).
MAX_GLYPH_LENGTH_BYTES = 5
#: Any other field is a 64-bit unsigned integer: at most ten bytes.
MAX_U64_BYTES = 10


def encode_uleb128(value: int) -> bytes:
    """Encode a non-negative integer as unsigned LEB128."""
    if value < 0:
        raise ValueError(f"LEB128 value must be >= 0, got {value}")
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


class VarintIncomplete(ValueError):
    """The buffer ended inside a LEB128 integer (more input may complete it)."""


class VarintTooLong(ValueError):
    """A LEB128 integer used more bytes than its field allows."""


def decode_uleb128(buf: bytes | bytearray | memoryview, pos: int, max_bytes: int = MAX_U64_BYTES) -> tuple[int, int]:
    """Decode an unsigned LEB128 integer at ``buf[pos]``.

    Returns ``(value, next_pos)``. Raises :class:`VarintIncomplete` when the
    buffer ends first and :class:`VarintTooLong` when more than ``max_bytes``
    bytes would be needed; the caller turns both into positioned errors.
    """
    result = 0
    shift = 0
    end = len(buf)
    for i in range(max_bytes):
        if pos + i >= end:
            raise VarintIncomplete
        byte = buf[pos + i]
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos + i + 1
        shift += 7
    raise VarintTooLong
