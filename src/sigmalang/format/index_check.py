"""Checking a file's INDEX glyphs before a seeking reader trusts them.

A seeking reader finds where a raw position lies from the INDEX, without
decoding the chunks before it: a damaged raw length there would make it
return the right-looking bytes of the wrong place. So before the first seek
that uses them, every stream's glyph heads are read (a few dozen bytes per
glyph, no chunk data) and checked as a front-to-back decoder would check
them: chunk offsets, raw lengths and segment flags against the INDEX, and
END's totals and checksum (over the header, every chunk's raw checksum and
the INDEX) against both. Damage to any field that positions depend on is
then an error at the seek, not wrong output after it.
"""

from __future__ import annotations

from typing import BinaryIO

import xxhash

from ..errors import FormatError, LimitError, TruncatedError
from .constants import (
    CHECKSUM_SIZE,
    CHUNK_CONTINUES,
    CHUNK_PRIMED,
    END_MAGIC,
    END_PAYLOAD_SIZE,
    END_STRUCT,
    GLYPH_CHUNK,
    GLYPH_DICT,
    GLYPH_END,
    GLYPH_INDEX,
    HEADER_SIZE,
    MAGIC,
    NO_INDEX,
    SKIPPABLE,
)
from .index import FileIndex, StreamIndex, parse_index_payload
from .limits import Limits
from .varint import MAX_GLYPH_LENGTH_BYTES, VarintIncomplete, VarintTooLong, decode_uleb128

#: Bytes read at each glyph: its type and length.
_HEAD = 1 + MAX_GLYPH_LENGTH_BYTES
#: At most this much of a CHUNK's payload is read: its fields and raw checksum.
_CHUNK_HEAD = 4096


class _Seen:
    """What the walk over one stream found, to compare with its INDEX and END."""

    def __init__(self, header: bytes) -> None:
        self.index = StreamIndex()
        self.checksums = xxhash.xxh3_64(header)
        self.index_offset = NO_INDEX
        self.index_payload: bytes | None = None


def verify_file_index(fp: BinaryIO, index: FileIndex, limits: Limits) -> None:
    """Raise :class:`FormatError` unless every stream's INDEX and END agree with its
    glyphs; the file position is restored."""
    saved = fp.tell()
    try:
        for stream_start in index.stream_referenced:
            _verify_stream(fp, stream_start, limits)
    finally:
        fp.seek(saved)


def _read(fp: BinaryIO, offset: int, size: int) -> bytes:
    fp.seek(offset)
    return fp.read(size)


def _verify_stream(fp: BinaryIO, start: int, limits: Limits) -> None:
    header = _read(fp, start, HEADER_SIZE)
    if len(header) < HEADER_SIZE or header[:4] != MAGIC:
        raise FormatError("not a sigmalang stream where the END glyph places one", start)
    seen = _Seen(header)
    pos = start + HEADER_SIZE
    while True:
        head = _read(fp, pos, _HEAD)
        if not head:
            raise TruncatedError("input ended inside a stream (no END glyph)", pos)
        try:
            length, payload = decode_uleb128(head, 1, MAX_GLYPH_LENGTH_BYTES)
        except (VarintIncomplete, VarintTooLong):
            raise FormatError("malformed glyph length", pos + 1) from None
        kind = head[0]
        if kind != GLYPH_END and length > limits.max_glyph_size:
            raise LimitError(f"glyph of {length} bytes exceeds the limit of {limits.max_glyph_size} bytes", pos + 1)
        if kind == GLYPH_END:
            _check_end(_read(fp, pos + payload, length), length, seen, pos - start, pos + payload)
            return
        if kind == GLYPH_CHUNK:
            _chunk_head(_read(fp, pos + payload, min(length, _CHUNK_HEAD)), seen, pos - start, pos + payload)
        elif kind == GLYPH_DICT:
            seen.index.dict_offsets.append(pos - start)
        elif kind == GLYPH_INDEX:
            seen.index_offset = pos - start
            seen.index_payload = _read(fp, pos + payload, length)
        elif not kind & SKIPPABLE:
            raise FormatError(f"unknown glyph type 0x{kind:02x}", pos)
        pos += payload + length


def _chunk_head(fields: bytes, seen: _Seen, relative: int, at: int) -> None:
    """Record a CHUNK's offset, raw length, segment flag and raw checksum."""
    try:
        flags = fields[0]
        params_length, pos = decode_uleb128(fields, 2)
        pos += params_length
        for _ in range(2 if flags & CHUNK_PRIMED else 0):
            _, pos = decode_uleb128(fields, pos)
        raw_length, pos = decode_uleb128(fields, pos)
    except (IndexError, VarintIncomplete, VarintTooLong):
        raise FormatError("malformed CHUNK fields", at) from None
    checksum = fields[pos : pos + CHECKSUM_SIZE]
    if len(checksum) < CHECKSUM_SIZE:
        raise FormatError("CHUNK glyph too short for its checksums", at)
    seen.index.chunk_offsets.append(relative)
    seen.index.chunk_raw_lengths.append(raw_length)
    seen.index.chunk_continues.append(bool(flags & CHUNK_CONTINUES))
    seen.checksums.update(checksum)


def _check_end(payload: bytes, length: int, seen: _Seen, relative: int, at: int) -> None:
    if length != END_PAYLOAD_SIZE or len(payload) != END_PAYLOAD_SIZE:
        raise FormatError("malformed END glyph", at)
    total, count, checksum, index_offset, end_offset, magic = END_STRUCT.unpack(payload)
    if seen.index_payload is None:
        raise FormatError("stream has no INDEX glyph to seek with", at)
    index = parse_index_payload(seen.index_payload, at)
    seen.checksums.update(seen.index_payload)
    found = seen.index
    checks = (
        (magic == END_MAGIC, "END glyph has a bad end marker"),
        (index.chunk_offsets == found.chunk_offsets and index.chunk_raw_lengths == found.chunk_raw_lengths
         and index.chunk_continues == found.chunk_continues and index.dict_offsets == found.dict_offsets,
         "INDEX does not match the chunks of the stream"),
        (count == len(found.chunk_offsets) and total == sum(found.chunk_raw_lengths), "END totals do not match the chunks"),
        (checksum == seen.checksums.intdigest(), "END checksum of the header, chunk checksums and INDEX does not match"),
        (index_offset == seen.index_offset and end_offset == relative, "END gives wrong glyph offsets"),
    )
    for ok, message in checks:
        if not ok:
            raise FormatError(message, at)
