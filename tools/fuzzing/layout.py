"""Where every field of a sigmalang file lies, read from its glyphs (docs/FORMAT.md),
and the rewriting that keeps a stream's framing, checksums and trailers
consistent after a field changes.

The mutator uses the map to change one field at a time (a flag, a varint, a
length, an offset, a checksum) and the repairs to carry a change past the
checks that would otherwise stop it at once (a recomputed data checksum, a
rebuilt INDEX and END), so the decoder's deeper checks are reached too.
"""

from __future__ import annotations

from dataclasses import dataclass

import xxhash

from sigmalang.format.constants import (
    CHECKSUM_SIZE,
    CHUNK_PRIMED,
    DATA_CHECKSUM_SIZE,
    GLYPH_CHUNK,
    GLYPH_DICT,
    GLYPH_END,
    GLYPH_INDEX,
    HEADER_SIZE,
    MAGIC,
)
from sigmalang.format.glyphs import IndexBuilder, data_checksum, encode_end_glyph, glyph_prefix
from sigmalang.format.index import parse_index_payload
from sigmalang.format.varint import decode_uleb128


@dataclass(frozen=True)
class Field:
    """``size`` bytes at ``offset``: a varint when ``varint``; ``glyph`` is the offset of
    the glyph holding it (None for the stream header)."""

    offset: int
    size: int
    kind: str
    varint: bool = False
    glyph: int | None = None


@dataclass(frozen=True)
class Glyph:
    offset: int  # of its type byte
    type: int
    payload: int  # offset of the payload
    end: int  # offset just after the payload


class _Walker:
    """Reads varints and fixed fields at a cursor, recording each as a Field."""

    def __init__(self, blob: bytes, pos: int, glyph: int | None, out: list[Field]) -> None:
        self.blob, self.pos, self.glyph, self.out = blob, pos, glyph, out

    def fixed(self, size: int, kind: str) -> bytes:
        self.out.append(Field(self.pos, size, kind, False, self.glyph))
        self.pos += size
        return self.blob[self.pos - size : self.pos]

    def varint(self, kind: str) -> int:
        value, end = decode_uleb128(self.blob, self.pos)
        self.out.append(Field(self.pos, end - self.pos, kind, True, self.glyph))
        self.pos = end
        return value


def glyphs(blob: bytes) -> list[tuple[int, list[Glyph]]]:
    """Each stream's offset and glyphs; the blob must be well formed."""
    streams = []
    pos = 0
    while pos < len(blob):
        assert blob[pos : pos + 4] == MAGIC, pos
        start, items = pos, []
        pos += HEADER_SIZE
        while True:
            length, payload = decode_uleb128(blob, pos + 1)
            items.append(Glyph(pos, blob[pos], payload, payload + length))
            pos = payload + length
            if items[-1].type == GLYPH_END:
                break
        streams.append((start, items))
    return streams


def fields(blob: bytes) -> list[Field]:
    """Every field of a well-formed blob, in order."""
    out: list[Field] = []
    for start, items in glyphs(blob):
        w = _Walker(blob, start, None, out)
        w.fixed(4, "magic")
        w.fixed(1, "version")
        w.fixed(1, "window")
        for g in items:
            w = _Walker(blob, g.offset, g.offset, out)
            w.fixed(1, "glyph type")
            w.varint("glyph length")
            _PAYLOADS.get(g.type, _skippable)(w, g)
    return out


def _chunk(w: _Walker, g: Glyph) -> None:
    flags = w.fixed(1, "chunk flags")[0]
    strategy = w.fixed(1, "chunk strategy")[0]
    params_length = w.varint("params length")
    if params_length:
        w.fixed(params_length, f"params of strategy {strategy}")
    if flags & CHUNK_PRIMED:
        w.varint("prime distance")
        w.varint("prime length")
    w.varint("raw length")
    w.fixed(CHECKSUM_SIZE, "raw checksum")
    w.fixed(DATA_CHECKSUM_SIZE, "data checksum")
    if strategy == 2 and w.pos < g.end:  # REFERENCE: the copy table leads the data
        table = w.varint("copy table length")
        table_end = w.pos + table
        count = w.varint("copy count")
        for _ in range(count):
            if w.pos >= table_end:
                break
            w.varint("copy gap")
            w.varint("copy length")
            w.varint("copy distance")
    if w.pos < g.end:
        w.fixed(min(4, g.end - w.pos), "data head")  # a zstd frame's magic and header
    if w.pos < g.end:
        w.fixed(g.end - w.pos, "data")


def _index(w: _Walker, g: Glyph) -> None:
    count = w.varint("index chunk count")
    for _ in range(count):
        w.varint("index chunk offset")
        w.varint("index packed length")
    for _ in range(w.varint("index dict count")):
        w.varint("index dict offset")
    for _ in range(w.varint("index referenced count")):
        w.varint("index referenced ordinal")


def _end(w: _Walker, g: Glyph) -> None:
    for name in ("total raw", "chunk count", "checksum", "index offset", "end offset"):
        w.fixed(8, f"end {name}")
    w.fixed(4, "end marker")


def _dict(w: _Walker, g: Glyph) -> None:
    w.varint("dict id")
    if w.pos < g.end:
        w.fixed(g.end - w.pos, "dict content")


def _skippable(w: _Walker, g: Glyph) -> None:
    if w.pos < g.end:
        w.fixed(g.end - w.pos, "skippable payload")


_PAYLOADS = {GLYPH_CHUNK: _chunk, GLYPH_INDEX: _index, GLYPH_END: _end, GLYPH_DICT: _dict}


# -- repairs -------------------------------------------------------------------


def chunk_parts(blob: bytes | bytearray, glyph: int) -> tuple[int, int, int] | None:
    """(start of the fields, start of the checksums, end) of the CHUNK glyph at ``glyph``;
    None when it no longer parses."""
    try:
        length, payload = decode_uleb128(blob, glyph + 1, 5)
        flags, pos = blob[payload], payload + 2
        params_length, pos = decode_uleb128(blob, pos)
        pos += params_length
        for _ in range(3 if flags & CHUNK_PRIMED else 1):
            _, pos = decode_uleb128(blob, pos)
    except (ValueError, IndexError):
        return None
    end = payload + length
    return (payload, pos, end) if pos + CHECKSUM_SIZE + DATA_CHECKSUM_SIZE <= end <= len(blob) else None


def fix_data_checksum(blob: bytearray, glyph: int) -> None:
    """Recompute a CHUNK's data checksum over its (possibly changed) fields and data."""
    parts = chunk_parts(blob, glyph)
    if parts is None:
        return
    payload, pos, end = parts
    data = bytes(blob[pos + CHECKSUM_SIZE + DATA_CHECKSUM_SIZE : end])
    value = data_checksum(bytes(blob[payload:pos]), xxhash.xxh3_64_intdigest(data))
    blob[pos + CHECKSUM_SIZE : pos + CHECKSUM_SIZE + DATA_CHECKSUM_SIZE] = value.to_bytes(DATA_CHECKSUM_SIZE, "little")


def resize_glyph(blob: bytearray, glyph: int, delta: int) -> bytearray:
    """Rewrite the length of the glyph at ``glyph`` after its payload grew by ``delta``."""
    length, payload = decode_uleb128(blob, glyph + 1, 5)
    return blob[:glyph] + glyph_prefix(blob[glyph], length + delta) + blob[payload:]


def rebuild_trailer(stream: bytes, extra_before: bytes = b"") -> bytes:
    """The stream (one, well-framed) with ``extra_before`` glyphs after its header and an
    INDEX and END that agree with its glyphs; the old INDEX's referenced list is kept."""
    header = stream[:HEADER_SIZE]
    stream = header + extra_before + stream[HEADER_SIZE:]
    body = bytearray()
    index = IndexBuilder()
    checksums = bytearray()
    referenced: list[int] = []
    (_, items), = glyphs(stream)
    for g in items:
        if g.type == GLYPH_INDEX:
            referenced = parse_index_payload(stream[g.payload : g.end]).referenced
            continue
        if g.type == GLYPH_END:
            break
        at = HEADER_SIZE + len(body)
        if g.type == GLYPH_CHUNK:
            parts = chunk_parts(stream, g.offset)
            assert parts is not None
            raw_length, _ = decode_uleb128(stream, _raw_length_at(stream, parts))
            index.add_chunk(at, raw_length, bool(stream[parts[0]] & 1))
            checksums += stream[parts[1] : parts[1] + CHECKSUM_SIZE]
        elif g.type == GLYPH_DICT:
            index.add_dict(at)
        body += stream[g.offset : g.end]
    index.referenced.update(referenced)
    payload = index.payload()
    index_at = HEADER_SIZE + len(body)
    body += index.glyph()
    digest = xxhash.xxh3_64_intdigest(header + checksums + payload)
    total = sum(index.chunk_raw_lengths)
    end = encode_end_glyph(total, len(index.chunk_offsets), digest, index_at, HEADER_SIZE + len(body))
    return header + bytes(body) + end


def _raw_length_at(blob: bytes | bytearray, parts: tuple[int, int, int]) -> int:
    """Offset of the raw length varint: the last varint before the checksums."""
    pos = parts[1] - 1
    while pos > parts[0] and blob[pos - 1] & 0x80:
        pos -= 1
    return pos


def stream_bounds(blob: bytes) -> list[tuple[int, int]]:
    """(start, end) of each stream of a well-formed blob."""
    return [(start, items[-1].end) for start, items in glyphs(blob)]
