"""The INDEX glyph: where each chunk starts, in raw bytes and in stream bytes."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from ..errors import FormatError
import xxhash

from .constants import (
    DEPENDS_CHECKSUM_SIZE,
    END_GLYPH_SIZE,
    END_MAGIC,
    END_PAYLOAD_SIZE,
    END_STRUCT,
    GLYPH_DEPENDS,
    GLYPH_END,
    GLYPH_INDEX,
    HEADER_SIZE,
    MAGIC,
    NO_INDEX,
)
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
    #: From the stream's DEPENDS glyph, if it has a valid one: per segment, the earliest
    #: segment its copies and prime read directly (itself when none).
    segment_lows: list[int] | None = None
    window: int = 0  # the reference window its header declares


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


def parse_depends_payload(payload: bytes | memoryview, segments: int) -> list[int] | None:
    """A DEPENDS glyph's per-segment lows, or None when it is damaged or does not fit
    the stream (``segments`` per its INDEX): a seeking reader then decodes the stream
    from its start, as it would without the glyph."""
    fields, check = bytes(payload[:-DEPENDS_CHECKSUM_SIZE]), bytes(payload[-DEPENDS_CHECKSUM_SIZE:])
    if len(payload) < 1 + DEPENDS_CHECKSUM_SIZE or (xxhash.xxh3_64_intdigest(fields) & 0xFFFF_FFFF) != int.from_bytes(check, "little"):
        return None
    try:
        count, pos = decode_uleb128(fields, 0)
        lows = []
        for segment in range(count):
            back, pos = decode_uleb128(fields, pos)
            lows.append(segment - back)
    except (VarintIncomplete, VarintTooLong):
        return None
    if count != segments or pos != len(fields) or any(low < 0 for low in lows):
        return None
    return lows


def decode_starts(lows: list[int]) -> list[int]:
    """For each segment, the segment a decoder starts at to produce it: the latest one
    from which every segment up to it reads nothing earlier (decoding is in order, so
    the segments in between are decoded too, and their copies must find their sources)."""
    starts = []
    for segment in range(len(lows)):
        start = lows[segment]
        while (earliest := min(lows[start : segment + 1])) < start:
            start = earliest
        starts.append(start)
    return starts


@dataclass(frozen=True)
class SeekPoint:
    """Where decoding must start to reach a raw position."""

    raw_offset: int  # raw offset of the first byte the decoder will produce
    stream_offset: int  # absolute offset of the stream holding it
    chunk_offset: int  # absolute offset of the chunk glyph that starts the segment (or of the stream header)
    window: int = 0  # the stream's reference window (history kept from the start point)
    stream_position: int = 0  # raw offset of the start point from the stream's first raw byte


@dataclass
class FileIndex:
    """Index over all streams of a file, in raw order."""

    raw_starts: list[int] = field(default_factory=list)  # raw offset of each segment start
    points: list[SeekPoint] = field(default_factory=list)  # where decoding starts to reach each segment
    segment_offsets: list[int] = field(default_factory=list)  # absolute offset of each segment's first chunk
    total_raw: int = 0
    #: For each stream, by the offset of its first byte: whether later chunks
    #: read any of its chunks (if not, a streaming decoder keeps no history for it).
    stream_referenced: dict[int, bool] = field(default_factory=dict)

    def add_stream(self, stream_offset: int, index: StreamIndex) -> None:
        """Add a stream's seek points, one per segment start. Decoding a segment starts
        at its own first chunk, or, when later chunks read earlier ones (copies,
        primes), at the segment its DEPENDS glyph says it needs (keeping history from
        there), or at the stream's header when the stream has no valid DEPENDS."""
        first = self.total_raw
        references = bool(index.referenced)
        self.stream_referenced[stream_offset] = references
        segments = [(offset, raw) for offset, raw in _segment_starts(index)]
        if references and index.segment_lows is None:
            self.raw_starts.append(first)
            self.points.append(SeekPoint(first, stream_offset, stream_offset))
            self.segment_offsets.append(stream_offset)
        else:
            starts = decode_starts(index.segment_lows) if references and index.segment_lows else range(len(segments))
            for (own, raw), start in zip(segments, starts):
                offset, begin = segments[start]
                self.raw_starts.append(first + raw)
                self.segment_offsets.append(stream_offset + own)
                chunk = stream_offset + offset if begin or not references else stream_offset
                self.points.append(SeekPoint(first + begin, stream_offset, chunk, index.window, begin))
        self.total_raw = first + sum(index.chunk_raw_lengths)

    def barrier(self, raw_position: int, decoded_from: int) -> tuple[int, int] | None:
        """The first segment start after ``raw_position`` that a decoding begun at
        ``decoded_from`` cannot reach: the segment reads output from before it.
        (raw offset, absolute offset of its first chunk), or None."""
        for i in range(bisect_right(self.raw_starts, raw_position), len(self.raw_starts)):
            if self.points[i].raw_offset < decoded_from:
                return self.raw_starts[i], self.segment_offsets[i]
        return None

    def locate(self, raw_position: int) -> SeekPoint | None:
        """The last segment start at or before ``raw_position`` (None for an empty file)."""
        i = bisect_right(self.raw_starts, raw_position) - 1
        return self.points[i] if i >= 0 else None


def _segment_starts(index: StreamIndex) -> list[tuple[int, int]]:
    """(stream offset of its first chunk, raw offset in the stream) of each segment."""
    starts, raw = [], 0
    for offset, length, continues in zip(index.chunk_offsets, index.chunk_raw_lengths, index.chunk_continues):
        if not continues:
            starts.append((offset, raw))
        raw += length
    return starts


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
        found = _stream_ending_at(fp, end, limits)
        if found is None:
            return None
        streams.append(found)
        end = found[0]
    return streams[::-1]


def _stream_ending_at(fp: BinaryIO, end: int, limits: "Limits") -> tuple[int, StreamIndex] | None:
    """The start and INDEX (with its DEPENDS, if valid) of the stream whose END ends at ``end``."""
    if end < HEADER_SIZE + END_GLYPH_SIZE:
        return None
    end_glyph = end - END_GLYPH_SIZE
    fp.seek(end_glyph)
    glyph = fp.read(END_GLYPH_SIZE)
    if glyph[0] != GLYPH_END or glyph[1] != END_PAYLOAD_SIZE:
        return None
    _total, _count, _checksum, index_offset, end_offset, magic = END_STRUCT.unpack(glyph[2:])
    start = end_glyph - end_offset
    if magic != END_MAGIC or start < 0 or index_offset == NO_INDEX or index_offset >= end_offset:
        return None
    fp.seek(start)
    header = fp.read(HEADER_SIZE)
    if header[: len(MAGIC)] != MAGIC or len(header) != HEADER_SIZE:
        return None
    index_glyph = _read_glyph(fp, start + index_offset, end_glyph, limits)
    if index_glyph is None or index_glyph[0] != GLYPH_INDEX:
        return None
    _, payload_offset, payload = index_glyph
    index = parse_index_payload(payload, payload_offset)
    index.window = 1 << header[5] if header[5] else 0
    depends = _read_glyph(fp, payload_offset + len(payload), end_glyph, limits)
    if depends is not None and depends[0] == GLYPH_DEPENDS and depends[1] + len(depends[2]) == end_glyph:
        index.segment_lows = parse_depends_payload(depends[2], sum(not c for c in index.chunk_continues))
    return start, index


def _read_glyph(fp: BinaryIO, at: int, limit: int, limits: "Limits") -> tuple[int, int, bytes] | None:
    """(type, payload offset, payload) of the glyph at ``at``, if it lies whole before ``limit``."""
    if at >= limit:
        return None
    fp.seek(at)
    head = fp.read(1 + MAX_GLYPH_LENGTH_BYTES)
    try:
        length, payload_start = decode_uleb128(head, 1, MAX_GLYPH_LENGTH_BYTES)
    except (VarintIncomplete, VarintTooLong):
        return None
    if length > limits.max_glyph_size or at + payload_start + length > limit:
        return None
    fp.seek(at + payload_start)
    payload = fp.read(length)
    return (head[0], at + payload_start, payload) if len(payload) == length else None
