"""Recovering what is intact in a damaged or truncated sigmalang file.

The decoders stop at the first damage, as they must. Salvage goes on: it
walks the glyphs, keeps every chunk whose two checksums hold, and after
damage resynchronises on the next glyph boundary it can prove (a stream
header, or a CHUNK whose data checksum matches its bytes). Positions come
from the stream's INDEX when it survives (found from the end of the file, and
used only while it agrees with every chunk recovered); otherwise from the
raw lengths of the chunks read in order, until a gap of unknown size.

What cannot be recovered, besides the damaged chunks themselves: the later
SHARED chunks of a segment whose earlier SHARED chunk was lost (they continue
its zstd frame), a PRIMED segment whose dictionary lies in lost output, and
a REFERENCE chunk any of whose copies reads lost output. Their sizes are
known (their intact fields say so) and reported with the rest.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass, field
from typing import BinaryIO

from .buffers import Buffer
from .codecs.context import DecodeContext
from .codecs.reference import HistoryRing
from .codecs.chunk import PendingReference, data_digest, decode_chunk, prime_range
from .errors import FormatError
from .format.constants import GLYPH_CHUNK, GLYPH_END, HEADER_SIZE, MAGIC, VERSION
from .format.glyphs import data_checksum
from .format.index import StreamIndex, read_stream_indexes
from .format.limits import DEFAULT_LIMITS, Limits
from .format.parser import ChunkGlyph, GlyphParser, StreamEnd, StreamStart
from .format.varint import MAX_GLYPH_LENGTH_BYTES, VarintIncomplete, VarintTooLong, decode_uleb128


@dataclass(frozen=True)
class Missing:
    """Raw bytes not recovered: ``length`` bytes (None: unknown), which belong at
    ``output_offset`` of the recovered output (where zeros stand for them when their
    length is known), found at byte ``input_offset`` of the damaged file."""

    output_offset: int
    length: int | None
    input_offset: int
    reason: str


@dataclass
class SalvageReport:
    input_size: int = 0
    streams: int = 0
    chunks_recovered: int = 0
    bytes_recovered: int = 0
    bytes_written: int = 0  # recovered bytes plus zeros standing for missing bytes of known size
    missing: list[Missing] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


class _Holes:
    """A stream's recent output with the ranges that were lost: copies and primes
    that read a lost byte cannot be rebuilt."""

    def __init__(self, window: int) -> None:
        self.ring = HistoryRing(window)
        self.window = window
        self.lost: list[tuple[int, int]] = []

    def append(self, data: Buffer) -> None:
        self.ring.append(data)

    def skip(self, length: int) -> None:
        self.lost.append((self.ring.end, self.ring.end + length))
        self.ring.append(bytes(length))

    def read_into(self, position: int, out: memoryview) -> None:
        if any(start < position + len(out) and position < end for start, end in self.lost):
            raise ValueError("the output it reads was lost")
        self.ring.read_into(position, out)

    def read(self, position: int, length: int) -> Buffer:
        out = bytearray(length)
        self.read_into(position, memoryview(out))
        return out


class _Stream:
    """State of the stream being salvaged."""

    def __init__(self, start: int, window: int, index: StreamIndex | None) -> None:
        self.start = start
        self.history = _Holes(window) if window else None
        self.index = index
        self.position: int | None = 0  # raw offset within the stream (None: unknown after a gap)
        self.context = DecodeContext()
        self.frame_broken = False  # a SHARED chunk of the current segment was lost

    def indexed_position(self, offset: int, raw_length: int) -> int | None:
        """The raw offset the INDEX gives a chunk at input ``offset``, if it lists it there."""
        index = self.index
        if index is None:
            return None
        try:
            k = index.chunk_offsets.index(offset - self.start)
        except ValueError:
            return None
        if index.chunk_raw_lengths[k] != raw_length:
            self.index = None  # it disagrees with a verified chunk: trust it no more
            return None
        return sum(index.chunk_raw_lengths[:k])


class Salvager:
    """Walks ``data`` (a whole damaged file) and writes what it recovers to ``out``."""

    def __init__(self, data: Buffer, out: BinaryIO, limits: Limits, indexes: dict[int, StreamIndex]) -> None:
        self.data = memoryview(data).cast("B")
        self.out = out
        self.limits = limits
        self.indexes = indexes
        self.report = SalvageReport(input_size=len(self.data))
        self.stream: _Stream | None = None

    # -- output ---------------------------------------------------------------
    def _emit(self, data: Buffer) -> None:
        self.out.write(data)
        self.report.bytes_written += len(data)

    def _lose(self, offset: int, length: int | None, reason: str) -> None:
        stream = self.stream
        self.report.missing.append(Missing(self.report.bytes_written, length, offset, reason))
        if stream is None:
            return
        stream.frame_broken = True  # what was lost may have been part of the segment's frame
        if length is None or stream.position is None:
            stream.position = None
            return
        stream.position += length
        if stream.history is not None:
            stream.history.skip(length)
        zeros = bytes(min(length, 1 << 20))
        for done in range(0, length, len(zeros)):
            self._emit(zeros[: length - done])

    # -- walking --------------------------------------------------------------
    def run(self) -> SalvageReport:
        pos, end = 0, len(self.data)
        while pos < end:
            step = self._header(pos) or self._glyph(pos)
            if step:
                pos += step
                continue
            found = self._resync(pos + 1)
            if found == end and self.stream is not None:
                break  # reported below, as a truncated stream
            self._lose(pos, self._gap_size(found), "damaged or unreadable bytes" if self.stream else "bytes outside any stream")
            pos = found
        if self.stream is not None:
            self._lose(end, None, "the file ends inside a stream (no END glyph)")
        return self.report

    def _header(self, pos: int) -> int:
        if not self._header_at(pos):
            return 0
        parser = GlyphParser(self.limits)
        parser.resume_at_stream(pos)
        parser.push(bytes(self.data[pos : pos + HEADER_SIZE]))
        try:
            start = next(iter(parser.events()), None)
        except FormatError:
            return 0
        if not isinstance(start, StreamStart):
            return 0
        if self.stream is not None:
            self._lose(pos, None, "stream cut short: a new stream starts here")
        self.stream = _Stream(pos, start.window, self.indexes.get(pos))
        self.report.streams += 1
        return HEADER_SIZE

    def _glyph(self, pos: int) -> int:
        """Take the glyph at ``pos`` if it proves intact; its size, else 0."""
        if self.stream is None:
            return 0
        parsed = self._parse(pos)
        if parsed is None:
            return 0
        size, event = parsed
        if isinstance(event, ChunkGlyph):
            if not _data_intact(event):
                return 0
            self._chunk(event)
        elif isinstance(event, StreamEnd):
            self.stream = None
        return size

    def _parse(self, pos: int) -> tuple[int, object] | None:
        """(size, event or None) of a well-formed glyph at ``pos``; None if there is none."""
        data = self.data
        try:
            length, payload = decode_uleb128(data, pos + 1, MAX_GLYPH_LENGTH_BYTES)
        except (VarintIncomplete, VarintTooLong):
            return None
        if length > self.limits.max_glyph_size or payload + length > len(data):
            return None
        parser = GlyphParser(self.limits)
        assert self.stream is not None
        parser.resume_inside_stream(pos, self.stream.start)
        parser.push(bytes(data[pos : payload + length]))
        try:
            events = list(parser.events())
        except FormatError:
            return None
        if parser.offset != payload + length:
            return None
        return payload + length - pos, (events[0] if events else None)

    def _resync(self, pos: int) -> int:
        """The next offset from ``pos`` where a stream header or an intact glyph starts."""
        end = len(self.data)
        while pos < end:
            if self._header_at(pos) or (self.stream is not None and (self._intact_chunk_at(pos) or self._end_at(pos))):
                return pos
            pos += 1
        return end

    def _header_at(self, pos: int) -> bool:
        return bytes(self.data[pos : pos + 5]) == MAGIC + bytes((VERSION,))

    def _intact_chunk_at(self, pos: int) -> bool:
        if self.data[pos] != GLYPH_CHUNK:
            return False
        parsed = self._parse(pos)
        return parsed is not None and isinstance(parsed[1], ChunkGlyph) and _data_intact(parsed[1])

    def _end_at(self, pos: int) -> bool:
        parsed = self._parse(pos) if self.data[pos] == GLYPH_END else None
        return parsed is not None and isinstance(parsed[1], StreamEnd)

    def _gap_size(self, found: int) -> int | None:
        """Raw bytes lost before the intact glyph at ``found`` (a chunk, or the stream's
        END), from the INDEX (None: unknown)."""
        stream = self.stream
        if stream is None or found >= len(self.data):
            return None
        if self._end_at(found):
            position = sum(stream.index.chunk_raw_lengths) if stream.index is not None else None
        elif self._intact_chunk_at(found):
            parsed = self._parse(found)
            assert parsed is not None and isinstance(parsed[1], ChunkGlyph)
            position = stream.indexed_position(found, parsed[1].raw_length)
        else:
            return None
        if position is None or stream.position is None or position < stream.position:
            return None
        return position - stream.position

    # -- chunks ---------------------------------------------------------------
    def _chunk(self, glyph: ChunkGlyph) -> None:
        stream = self.stream
        assert stream is not None
        if not glyph.continues:
            stream.context = DecodeContext()
            stream.frame_broken = False
        if stream.position is None:  # after a gap of unknown size: the INDEX may place it
            placed = stream.indexed_position(glyph.offset, glyph.raw_length)
            if placed is not None:
                stream.position = placed
                if stream.history is not None:  # all of its output before here counts as lost
                    stream.history = _Holes(stream.history.window)
                    stream.history.skip(placed)
        out = self._decode(glyph, stream)
        if out is None:
            return
        self._emit(out)
        if stream.history is not None:
            stream.history.append(out)
        if stream.position is not None:
            stream.position += glyph.raw_length
        self.report.chunks_recovered += 1
        self.report.bytes_recovered += glyph.raw_length

    def _decode(self, glyph: ChunkGlyph, stream: _Stream) -> Buffer | None:
        """The chunk's verified bytes, or None after reporting why they are lost."""
        if glyph.shared and stream.frame_broken:
            self._lose(glyph.offset, glyph.raw_length, "continues a segment frame whose earlier chunk was lost")
            return None
        try:
            if glyph.prime is not None:
                if stream.position is None:
                    raise FormatError("its dictionary's position is unknown", glyph.offset)
                start, length = prime_range(glyph, stream.position, stream.history)
                content = bytearray(length)
                assert stream.history is not None
                stream.history.read_into(start, memoryview(content))
                stream.context.prime(content)
            out = decode_chunk(glyph, stream.context)
            if isinstance(out, PendingReference):
                if stream.position is None:
                    raise FormatError("the position its copies read from is unknown", glyph.offset)
                out = out.resolve(stream.position, stream.history)
            return out
        except (FormatError, ValueError) as exc:
            if glyph.shared:
                stream.frame_broken = True
            reason = exc.reason if isinstance(exc, FormatError) else str(exc)
            self._lose(glyph.offset, glyph.raw_length, f"cannot be rebuilt: {reason}")
            return None


def _data_intact(glyph: ChunkGlyph) -> bool:
    """Whether the glyph's fields and data are as written (its data checksum holds)."""
    return data_checksum(glyph.fields, data_digest(glyph.data)) == glyph.data_checksum


def salvage(src: BinaryIO, out: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> SalvageReport:
    """Write every intact chunk of the file ``src`` to ``out`` and report what is missing.

    Missing bytes of known size are written as zeros, so what follows keeps its
    offset; missing bytes of unknown size are not written (the report says where).
    """
    streams = read_stream_indexes(src, limits) or []
    size = src.seek(0, 2)
    if size == 0:
        return SalvageReport()
    with mmap.mmap(src.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return Salvager(memoryview(data), out, limits, dict(streams)).run()
