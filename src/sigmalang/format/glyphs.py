"""Encoding of glyphs: the writer's half of format v1."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np
import xxhash

from .constants import (
    CHECKSUM_SIZE,
    DATA_CHECKSUM_SIZE,
    END_MAGIC,
    END_STRUCT,
    DEPENDS_CHECKSUM_SIZE,
    GLYPH_CHUNK,
    GLYPH_DEPENDS,
    GLYPH_END,
    GLYPH_INDEX,
)
from .varint import encode_uleb128


def glyph_prefix(glyph_type: int, payload_length: int) -> bytes:
    """Type byte and LEB128 length that precede a payload."""
    return bytes((glyph_type,)) + encode_uleb128(payload_length)


def encode_glyph(glyph_type: int, payload: bytes) -> bytes:
    return glyph_prefix(glyph_type, len(payload)) + payload


def chunk_fields(flags: int, strategy: int, params: bytes, raw_length: int, prime: tuple[int, int] | None = None) -> bytes:
    """A CHUNK glyph's fields before its checksums: flags through raw_len.

    ``prime`` (distance, length) is written, and the PRIMED flag must be set, for
    the first shared chunk of a segment whose frame uses earlier output as a dictionary.
    """
    return (
        bytes((flags, strategy))
        + encode_uleb128(len(params))
        + params
        + (encode_uleb128(prime[0]) + encode_uleb128(prime[1]) if prime else b"")
        + encode_uleb128(raw_length)
    )


def data_checksum(fields: bytes | memoryview, data_digest: int) -> int:
    """A CHUNK's data_checksum: low 32 bits of xxh3-64 of its ``fields`` (see
    ``chunk_fields``) seeded with ``data_digest``, the xxh3-64 of its data.

    It covers the fields as well as the data: a damaged flag or parameter may
    still decode to the right bytes (a standalone zstd frame read as the start
    of a shared one), and every damaged stream must be reported.
    """
    return xxhash.xxh3_64_intdigest(fields, seed=data_digest) & 0xFFFF_FFFF


def chunk_glyph_head(fields: bytes, checksum: int, data_digest: int, data_length: int) -> bytes:
    """Everything of a CHUNK glyph before its data, so the data need not be copied."""
    head = (
        fields
        + checksum.to_bytes(CHECKSUM_SIZE, "little")
        + data_checksum(fields, data_digest).to_bytes(DATA_CHECKSUM_SIZE, "little")
    )
    return glyph_prefix(GLYPH_CHUNK, len(head) + data_length) + head


@dataclass
class IndexBuilder:
    """Collects one entry per chunk while a stream is written.

    Entries are stored as deltas so the INDEX glyph stays a few bytes per chunk.
    """

    chunk_offsets: list[int] = field(default_factory=list)
    chunk_raw_lengths: list[int] = field(default_factory=list)
    chunk_continues: list[bool] = field(default_factory=list)
    #: DICT glyphs (format v1 allows them; the encoder writes none, tools that craft streams do).
    dict_offsets: list[int] = field(default_factory=list)
    referenced: set[int] = field(default_factory=set)  # ordinals of chunks that copies read
    _raw_starts: list[int] = field(default_factory=list)
    _raw_total: int = 0

    def add_chunk(self, stream_offset: int, raw_length: int, continues: bool) -> None:
        self.chunk_offsets.append(stream_offset)
        self.chunk_raw_lengths.append(raw_length)
        self.chunk_continues.append(continues)
        self._raw_starts.append(self._raw_total)
        self._raw_total += raw_length

    def add_references(self, ranges: np.ndarray) -> int:
        """Record that copies read the raw bytes of each (start, end) row of ``ranges``
        (of chunks already added); the ordinal of the earliest chunk they read.

        Only the chunks from the earliest one read on are searched (copies reach a
        window back): a stream's whole chunk list, converted for every chunk, made
        writing long streams quadratic."""
        low = bisect_right(self._raw_starts, int(ranges[:, 0].min())) - 1
        starts = np.asarray(self._raw_starts[low:], dtype="<i8")
        firsts = low + np.searchsorted(starts, ranges[:, 0], side="right") - 1
        lasts = low + np.searchsorted(starts, ranges[:, 1] - 1, side="right") - 1
        self.referenced.update(np.unique(np.concatenate((firsts, lasts))).tolist())
        for first, last in zip(firsts[lasts - firsts > 1].tolist(), lasts[lasts - firsts > 1].tolist()):
            self.referenced.update(range(first + 1, last))
        return int(firsts.min())

    def add_dict(self, stream_offset: int) -> None:
        self.dict_offsets.append(stream_offset)

    def payload(self) -> bytes:
        out = bytearray(encode_uleb128(len(self.chunk_offsets)))
        previous = 0
        for offset, raw_length, continues in zip(self.chunk_offsets, self.chunk_raw_lengths, self.chunk_continues):
            out += encode_uleb128(offset - previous)
            out += encode_uleb128(raw_length << 1 | int(continues))
            previous = offset
        out += encode_uleb128(len(self.dict_offsets))
        previous = 0
        for offset in self.dict_offsets:
            out += encode_uleb128(offset - previous)
            previous = offset
        out += encode_uleb128(len(self.referenced))
        previous = 0
        for ordinal in sorted(self.referenced):
            out += encode_uleb128(ordinal - previous)
            previous = ordinal
        return bytes(out)

    def glyph(self) -> bytes:
        return encode_glyph(GLYPH_INDEX, self.payload())


def encode_depends_glyph(lows: list[int]) -> bytes:
    """A DEPENDS glyph: for each segment, how many segments back the earliest one its
    copies or prime read lies (0: none before it), then a checksum of those fields."""
    fields = bytearray(encode_uleb128(len(lows)))
    for segment, low in enumerate(lows):
        fields += encode_uleb128(segment - low)
    check = (xxhash.xxh3_64_intdigest(bytes(fields)) & 0xFFFF_FFFF).to_bytes(DEPENDS_CHECKSUM_SIZE, "little")
    return encode_glyph(GLYPH_DEPENDS, bytes(fields) + check)


def encode_end_glyph(total_raw: int, chunk_count: int, checksum: int, index_offset: int, end_offset: int) -> bytes:
    return encode_glyph(GLYPH_END, END_STRUCT.pack(total_raw, chunk_count, checksum, index_offset, end_offset, END_MAGIC))
