"""The INDEX glyph: where each chunk starts, in raw bytes and in stream bytes."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from ..errors import FormatError
from .constants import END_GLYPH_SIZE, END_MAGIC, END_PAYLOAD_SIZE, END_STRUCT, GLYPH_END, GLYPH_INDEX, HEADER_SIZE, MAGIC, NO_INDEX
from .varint import MAX_GLYPH_LENGTH_BYTES, VarintIncomplete, VarintTooLong, decode_uleb128

if TYPE_CHECKING:
    from .limits import Limits


@dataclass
class StreamIndex:
    """Index of one stream: offsets are relative to the stream's first byte."""

    chunk_offsets: list[int] = field(default_factory=list)
    chunk_raw_lengths: list[int] = field(default_factory=list)
    chunk_continues: list[bool] = field(default_factory=list)
    dict_offsets: list[int] = field(default_factory=list)  # format v1 allows DICT glyphs; this encoder writes none
    referenced: list[int] = field(default_factory=list)  # ordinals of chunks that REFERENCE copies read


def parse_index_payload(payload: bytes | memoryview, payload_offset: int = 0) -> StreamIndex:
    pos = 0

    def read(what: str) -> int:
        nonlocal pos
        try:
            value, pos = decode_uleb128(payload, pos)
        except (VarintIncomplete, VarintTooLong):
            raise FormatError(f"malformed INDEX ({what})", payload_offset + pos) from None
        return value

    index = StreamIndex()
    count = read("chunk count")
    if count > len(payload):  # every entry takes at least two bytes
        raise FormatError(f"INDEX declares {count} chunks in {len(payload)} bytes", payload_offset)
    offset = 0
    for _ in range(count):
        offset += read("chunk offset")
        packed = read("chunk length")
        index.chunk_offsets.append(offset)
        index.chunk_raw_lengths.append(packed >> 1)
        index.chunk_continues.append(bool(packed & 1))
    dict_count = read("dictionary count")
    if dict_count > len(payload):
        raise FormatError(f"INDEX declares {dict_count} dictionaries in {len(payload)} bytes", payload_offset)
    offset = 0
    for _ in range(dict_count):
        offset += read("dictionary offset")
        index.dict_offsets.append(offset)
    referenced_count = read("referenced chunk count")
    if referenced_count > count:
        raise FormatError(f"INDEX declares {referenced_count} referenced chunks of {count}", payload_offset)
    ordinal = -1
    for i in range(referenced_count):
        delta = read("referenced chunk")
        if i and delta == 0:
            raise FormatError("INDEX lists a referenced chunk twice", payload_offset + pos)
        ordinal = delta if i == 0 else ordinal + delta
        if ordinal >= count:
            raise FormatError(f"INDEX names referenced chunk {ordinal} of {count}", payload_offset + pos)
        index.referenced.append(ordinal)
    if pos != len(payload):
        raise FormatError("INDEX has trailing bytes", payload_offset + pos)
    return index


@dataclass(frozen=True)
class SeekPoint:
    """Where decoding must start to reach a raw position."""

    raw_offset: int  # raw offset of the first byte the decoder will produce
    stream_offset: int  # absolute offset of the stream holding it
    chunk_offset: int  # absolute offset of the chunk glyph that starts the segment (or of the stream header)


@dataclass
class FileIndex:
    """Index over all streams of a file, in raw order."""

    raw_starts: list[int] = field(default_factory=list)  # raw offset of each segment start
    points: list[SeekPoint] = field(default_factory=list)
    total_raw: int = 0
    #: For each stream, by the offset of its first byte: whether later chunks
    #: read any of its chunks (if not, a streaming decoder keeps no history for it).
    stream_referenced: dict[int, bool] = field(default_factory=dict)

    def add_stream(self, stream_offset: int, index: StreamIndex) -> None:
        """Add a stream's seek points: each segment start, or only the stream's own
        start when its INDEX lists referenced chunks (later chunks read them, as
        copies or primes, so decoding starts at the header)."""
        raw = self.total_raw
        references = bool(index.referenced)
        self.stream_referenced[stream_offset] = references
        if references:
            self.raw_starts.append(raw)
            self.points.append(SeekPoint(raw, stream_offset, stream_offset))
            self.total_raw = raw + sum(index.chunk_raw_lengths)
            return
        for offset, length, continues in zip(index.chunk_offsets, index.chunk_raw_lengths, index.chunk_continues):
            if not continues:
                self.raw_starts.append(raw)
                self.points.append(SeekPoint(raw, stream_offset, stream_offset + offset))
            raw += length
        self.total_raw = raw

    def locate(self, raw_position: int) -> SeekPoint | None:
        """The last segment start at or before ``raw_position`` (None for an empty file)."""
        i = bisect_right(self.raw_starts, raw_position) - 1
        return self.points[i] if i >= 0 else None


def read_file_index(fp: BinaryIO, limits: "Limits") -> FileIndex | None:
    """Build the index of every stream in a seekable file by walking back from its end.

    Each END glyph gives the offset of its stream's start and INDEX glyph, so
    no chunk is read. Returns None when the file does not end in a well-formed
    END (then a reader falls back to scanning forward); the file position is
    restored either way.
    """
    streams = read_stream_indexes(fp, limits)
    if streams is None:
        return None
    index = FileIndex()
    for stream_start, stream in streams:
        index.add_stream(stream_start, stream)
    return index


def read_stream_indexes(fp: BinaryIO, limits: "Limits") -> list[tuple[int, StreamIndex]] | None:
    """Each stream's offset and INDEX, in file order, found from the end of the file as
    ``read_file_index`` does (None when they cannot be); the file position is restored."""
    saved = fp.tell()
    try:
        return _walk_streams(fp, limits)
    except (FormatError, OSError, ValueError):
        return None
    finally:
        fp.seek(saved)


def _walk_streams(fp: BinaryIO, limits: "Limits") -> list[tuple[int, StreamIndex]] | None:
    end = fp.seek(0, 2)
    streams: list[tuple[int, StreamIndex]] = []
    while end > 0:
        if end < HEADER_SIZE + END_GLYPH_SIZE:
            return None
        fp.seek(end - END_GLYPH_SIZE)
        glyph = fp.read(END_GLYPH_SIZE)
        if glyph[0] != GLYPH_END or glyph[1] != END_PAYLOAD_SIZE:
            return None
        _total, _count, _checksum, index_offset, end_offset, magic = END_STRUCT.unpack(glyph[2:])
        stream_start = end - END_GLYPH_SIZE - end_offset
        if magic != END_MAGIC or stream_start < 0 or index_offset == NO_INDEX or index_offset >= end_offset:
            return None
        fp.seek(stream_start)
        if fp.read(len(MAGIC)) != MAGIC:
            return None
        fp.seek(stream_start + index_offset)
        head = fp.read(1 + MAX_GLYPH_LENGTH_BYTES)
        if not head or head[0] != GLYPH_INDEX:
            return None
        length, payload_start = decode_uleb128(head, 1, MAX_GLYPH_LENGTH_BYTES)
        if length > limits.max_glyph_size:
            return None
        fp.seek(stream_start + index_offset + payload_start)
        payload = fp.read(length)
        if len(payload) != length:
            return None
        streams.append((stream_start, parse_index_payload(payload, stream_start + index_offset + payload_start)))
        end = stream_start
    return streams[::-1]
