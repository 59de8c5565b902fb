"""Push parser for format v1: accepts input split at any byte and yields glyph events.

The parser checks structure only (framing, limits, INDEX and END against what it
has seen); decoding chunk data and checking its checksum is the decoder's job, so
that it can run on worker threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Union

import xxhash

from ..errors import FormatError, LimitError, TruncatedError
from .constants import (
    CHECKSUM_SIZE,
    DATA_CHECKSUM_SIZE,
    CHUNK_CONTINUES,
    CHUNK_PRIMED,
    CHUNK_SHARED,
    CHUNK_KNOWN_FLAGS,
    END_MAGIC,
    END_PAYLOAD_SIZE,
    END_STRUCT,
    GLYPH_CHUNK,
    GLYPH_DICT,
    GLYPH_END,
    GLYPH_INDEX,
    HEADER_SIZE,
    MAGIC,
    MAX_WINDOW_LOG,
    MIN_WINDOW_LOG,
    NO_INDEX,
    SKIPPABLE,
    VERSION,
)
from .index import StreamIndex, parse_index_payload
from .limits import DEFAULT_LIMITS, Limits
from .varint import MAX_GLYPH_LENGTH_BYTES, VarintIncomplete, VarintTooLong, decode_uleb128


@dataclass(slots=True)
class ChunkGlyph:
    """One CHUNK glyph, with its data still encoded."""

    offset: int  # absolute offset of the glyph in the input
    flags: int
    strategy: int
    params: bytes
    raw_length: int
    checksum: int
    data_checksum: int
    data: bytes | memoryview  # a view only when the input was an immutable bytes object
    #: The glyph's fields before its checksums (flags .. raw_len), which data_checksum covers.
    fields: bytes = b""
    #: With PRIMED: (distance, length) of the earlier output the segment's frame uses as a dictionary.
    prime: tuple[int, int] | None = None

    @property
    def continues(self) -> bool:
        return bool(self.flags & CHUNK_CONTINUES)

    @property
    def shared(self) -> bool:
        return bool(self.flags & CHUNK_SHARED)


@dataclass(slots=True)
class DictGlyph:
    offset: int
    dict_id: int
    content: bytes


@dataclass(slots=True)
class StreamStart:
    offset: int
    window: int = 0  # reference window declared in the header (0: no REFERENCE chunks)


@dataclass(slots=True)
class StreamEnd:
    offset: int
    total_raw: int
    chunk_count: int
    indexed: bool


Event = Union[ChunkGlyph, DictGlyph, StreamStart, StreamEnd]

class _Skip:
    """A glyph was consumed without producing an event."""


_SKIP = _Skip()

_EXPECT_HEADER = 0
_IN_STREAM = 1
_AFTER_END = 2


class GlyphParser:
    """Incremental parser: ``push(data)``, then iterate ``events()``; ``finish()`` at EOF."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._buf = bytearray()
        self._pos = 0
        self._base = 0  # absolute input offset of self._buf[0]
        self._state = _EXPECT_HEADER
        self._seen_any = False
        self._start_stream_state(0)

    # -- input ---------------------------------------------------------------
    def push(self, data: bytes | bytearray | memoryview) -> None:
        """Add input. An immutable ``bytes`` object pushed when nothing is pending
        is adopted without a copy, and chunk data is then handed out as views of it."""
        if not data:
            return
        self._seen_any = True
        if not self._buf and type(data) is bytes:
            self._buf = data  # type: ignore[assignment]
        else:
            if type(self._buf) is bytes:
                self._buf = bytearray(self._buf)
            self._buf += data

    @property
    def offset(self) -> int:
        """Absolute input offset of the next unparsed byte."""
        return self._base + self._pos

    def resume_inside_stream(self, offset: int, stream_start: int) -> None:
        """Restart at a glyph boundary inside a stream whose first byte is at ``stream_start``.

        Used after a seek: the chunks before ``offset`` are not seen, so the
        INDEX and END totals of this stream cannot be cross-checked (each chunk
        is still verified by its checksum); later streams are checked in full.
        """
        self._restart(offset, _IN_STREAM, stream_start)
        self._partial = True

    def resume_at_stream(self, offset: int) -> None:
        """Restart at the first byte (the header) of a stream at absolute ``offset``."""
        self._restart(offset, _EXPECT_HEADER, offset)

    def _restart(self, offset: int, state: int, stream_start: int) -> None:
        """Forget buffered input and continue at absolute ``offset`` in ``state``."""
        self._buf = bytearray()
        self._pos = 0
        self._base = offset
        self._seen_any = True
        self._state = state
        self._start_stream_state(stream_start)

    def finish(self) -> None:
        """Declare end of input; raise :class:`TruncatedError` if a stream is incomplete."""
        end = self._base + len(self._buf)
        if not self._seen_any:
            raise TruncatedError("empty input: no sigmalang stream", 0)
        if self._state == _AFTER_END and self._pos == len(self._buf):
            return
        what = "stream header" if self._state != _IN_STREAM else "stream (no END glyph)"
        raise TruncatedError(f"input ended inside a {what}", end)

    # -- parsing -------------------------------------------------------------
    def events(self) -> Iterator[Event]:
        try:
            while True:
                event = self._next_event()
                if event is None:
                    return
                if not isinstance(event, _Skip):
                    yield event
        finally:
            self._compact()

    def _compact(self) -> None:
        if self._pos:
            if type(self._buf) is bytes:
                self._buf = bytearray(self._buf[self._pos :])
            else:
                del self._buf[: self._pos]
            self._base += self._pos
            self._pos = 0

    def _start_stream_state(self, offset: int) -> None:
        self._stream_start = offset
        self._chunk_count = 0
        self._total_raw = 0
        self._checksums = xxhash.xxh3_64()
        self._chunk_offsets: list[int] = []
        self._chunk_raw_lengths: list[int] = []
        self._chunk_continues: list[bool] = []
        self._dict_offsets: list[int] = []
        self._index_offset = NO_INDEX
        self._index: StreamIndex | None = None
        self._partial = False
        self._segment_shared = False  # the current segment has a SHARED chunk (its frame has started)

    def _next_event(self) -> Event | _Skip | None:
        buf = self._buf
        if self._state != _IN_STREAM:
            available = len(buf) - self._pos
            if available == 0:
                return None
            start = self.offset
            prefix = bytes(buf[self._pos : self._pos + min(available, HEADER_SIZE)])
            magic_part = prefix[: len(MAGIC)]
            if magic_part != MAGIC[: len(magic_part)]:
                if self._state == _AFTER_END:
                    raise FormatError("unexpected data after the end of a stream (not a sigmalang stream)", start)
                raise FormatError("not a sigmalang stream (bad magic number)", start)
            if available < HEADER_SIZE:
                return None
            version, flags = prefix[4], prefix[5]
            if version != VERSION:
                raise FormatError(f"unsupported format version {version} (this decoder reads version {VERSION})", start + 4)
            window = self._window(flags, start + 5)
            self._pos += HEADER_SIZE
            self._state = _IN_STREAM
            self._start_stream_state(start)
            self._checksums.update(prefix)  # END's checksum covers the header too
            return StreamStart(start, window)

        # Inside a stream: one glyph = type byte + LEB128 length + payload.
        glyph_start = self._pos
        if len(buf) - glyph_start < 1:
            return None
        glyph_type = buf[glyph_start]
        try:
            length, payload_start = decode_uleb128(buf, glyph_start + 1, MAX_GLYPH_LENGTH_BYTES)
        except VarintIncomplete:
            return None
        except VarintTooLong:
            raise FormatError("glyph length uses more than 5 bytes", self._base + glyph_start + 1) from None
        absolute = self._base + glyph_start
        limit = self.limits.max_glyph_size
        if glyph_type == GLYPH_END:
            if length != END_PAYLOAD_SIZE:
                raise FormatError(f"END glyph has length {length}, expected {END_PAYLOAD_SIZE}", absolute + 1)
        elif length > limit:
            raise LimitError(f"glyph of {length} bytes exceeds the limit of {limit} bytes", absolute + 1)
        payload_end = payload_start + length
        if len(buf) < payload_end:
            return None
        self._pos = payload_end
        with memoryview(buf) as view:
            payload = view[payload_start:payload_end]
            try:
                return self._glyph_event(glyph_type, payload, absolute, self._base + payload_start)
            finally:
                payload.release()

    def _window(self, window_log: int, offset: int) -> int:
        if window_log == 0:
            return 0
        if not MIN_WINDOW_LOG <= window_log <= MAX_WINDOW_LOG:
            raise FormatError(f"invalid reference window 2**{window_log} in the stream header", offset)
        window = 1 << window_log
        if window > self.limits.max_window:
            raise LimitError(f"reference window of {window} bytes exceeds the limit of {self.limits.max_window} bytes", offset)
        return window

    def _glyph_event(self, glyph_type: int, payload: memoryview, absolute: int, payload_offset: int) -> Event | _Skip:
        relative = absolute - self._stream_start
        if glyph_type == GLYPH_CHUNK:
            return self._chunk(payload, absolute, payload_offset, relative)
        if glyph_type == GLYPH_DICT:
            return self._dict(payload, absolute, payload_offset, relative)
        if glyph_type == GLYPH_INDEX:
            self._read_index(payload, payload_offset, relative)
            return _SKIP
        if glyph_type == GLYPH_END:
            return self._end(payload, absolute, payload_offset, relative)
        if glyph_type & SKIPPABLE:
            return _SKIP
        raise FormatError(f"unknown glyph type 0x{glyph_type:02x}", absolute)

    def _field(self, payload: memoryview, pos: int, payload_offset: int, what: str) -> tuple[int, int]:
        try:
            return decode_uleb128(payload, pos)
        except (VarintIncomplete, VarintTooLong):
            raise FormatError(f"malformed {what}", payload_offset + pos) from None

    def _chunk(self, payload: memoryview, absolute: int, payload_offset: int, relative: int) -> ChunkGlyph:
        if self._index is not None:
            raise FormatError("CHUNK glyph after the INDEX glyph", absolute)
        if len(payload) < 2:
            raise FormatError("CHUNK glyph too short", absolute)
        flags, strategy = payload[0], payload[1]
        if flags & ~CHUNK_KNOWN_FLAGS:
            raise FormatError(f"unknown CHUNK flags 0x{flags:02x}", payload_offset)
        if flags & CHUNK_CONTINUES and self._chunk_count == 0 and not self._partial:
            raise FormatError("first CHUNK of a stream cannot continue a segment", payload_offset)
        self._check_segment_frame(flags, payload_offset)
        params_length, pos = self._field(payload, 2, payload_offset, "CHUNK parameter length")
        if pos + params_length > len(payload):
            raise FormatError("CHUNK parameters overrun the glyph", payload_offset + 2)
        params = bytes(payload[pos : pos + params_length])
        pos += params_length
        prime = None
        if flags & CHUNK_PRIMED:
            prime, pos = self._prime(payload, pos, payload_offset, flags)
        raw_field_offset = payload_offset + pos
        raw_length, pos = self._field(payload, pos, payload_offset, "CHUNK raw length")
        fields = bytes(payload[:pos])
        if raw_length > self.limits.max_chunk_size:
            raise LimitError(
                f"chunk of {raw_length} raw bytes exceeds the limit of {self.limits.max_chunk_size} bytes",
                raw_field_offset,
            )
        if pos + CHECKSUM_SIZE + DATA_CHECKSUM_SIZE > len(payload):
            raise FormatError("CHUNK glyph too short for its checksums", payload_offset + pos)
        checksum_bytes = payload[pos : pos + CHECKSUM_SIZE]
        checksum = int.from_bytes(checksum_bytes, "little")
        pos += CHECKSUM_SIZE
        data_checksum = int.from_bytes(payload[pos : pos + DATA_CHECKSUM_SIZE], "little")
        self._checksums.update(checksum_bytes)
        data: bytes | memoryview = payload[pos + DATA_CHECKSUM_SIZE :]
        if type(self._buf) is not bytes:  # a view of a buffer that will change: copy it out
            data = bytes(data)
        self._chunk_count += 1
        self._total_raw += raw_length
        self._chunk_offsets.append(relative)
        self._chunk_raw_lengths.append(raw_length)
        self._chunk_continues.append(bool(flags & CHUNK_CONTINUES))
        return ChunkGlyph(absolute, flags, strategy, params, raw_length, checksum, data_checksum, data, fields, prime)

    def _check_segment_frame(self, flags: int, payload_offset: int) -> None:
        """PRIMED only on the first SHARED chunk of a segment: a frame already started
        cannot take a dictionary (the decoder would be asked to prime it)."""
        if not flags & CHUNK_CONTINUES:
            self._segment_shared = False
        if flags & CHUNK_PRIMED and self._segment_shared:
            raise FormatError("PRIMED chunk is not the first shared chunk of its segment", payload_offset)
        if flags & CHUNK_SHARED:
            self._segment_shared = True

    def _prime(self, payload: memoryview, pos: int, payload_offset: int, flags: int) -> tuple[tuple[int, int], int]:
        if not flags & CHUNK_SHARED:
            raise FormatError("PRIMED chunk is not part of a shared frame", payload_offset)
        field_offset = payload_offset + pos
        distance, pos = self._field(payload, pos, payload_offset, "CHUNK prime distance")
        length, pos = self._field(payload, pos, payload_offset, "CHUNK prime length")
        if length > self.limits.max_dict_size:
            raise LimitError(f"prime of {length} bytes exceeds the limit of {self.limits.max_dict_size} bytes", field_offset)
        if length == 0 or distance < length:
            raise FormatError(f"invalid prime: {length} bytes from {distance} bytes back", field_offset)
        return (distance, length), pos

    def _dict(self, payload: memoryview, absolute: int, payload_offset: int, relative: int) -> DictGlyph:
        if self._index is not None:
            raise FormatError("DICT glyph after the INDEX glyph", absolute)
        dict_id, pos = self._field(payload, 0, payload_offset, "DICT id")
        size = len(payload) - pos
        if size > self.limits.max_dict_size:
            raise LimitError(f"dictionary of {size} bytes exceeds the limit of {self.limits.max_dict_size} bytes", absolute)
        self._dict_offsets.append(relative)
        return DictGlyph(absolute, dict_id, bytes(payload[pos:]))

    def _read_index(self, payload: memoryview, payload_offset: int, relative: int) -> None:
        if self._index is not None:
            raise FormatError("second INDEX glyph in one stream", payload_offset)
        index = parse_index_payload(payload, payload_offset)
        self._checksums.update(payload)  # END's checksum covers the INDEX too (its referenced list is not otherwise checked)
        if not self._partial and (
            index.chunk_offsets != self._chunk_offsets
            or index.chunk_raw_lengths != self._chunk_raw_lengths
            or index.chunk_continues != self._chunk_continues
            or index.dict_offsets != self._dict_offsets
        ):
            raise FormatError("INDEX does not match the chunks of the stream", payload_offset)
        self._index = index
        self._index_offset = relative

    def _end(self, payload: memoryview, absolute: int, payload_offset: int, relative: int) -> StreamEnd:
        total_raw, chunk_count, checksum, index_offset, end_offset, magic = END_STRUCT.unpack(payload)
        checks: tuple[tuple[bool, str, int], ...] = (
            (magic == END_MAGIC, "END glyph has a bad end marker", 40),
            (chunk_count == self._chunk_count, f"END says {chunk_count} chunks, stream has {self._chunk_count}", 8),
            (total_raw == self._total_raw, f"END says {total_raw} bytes, chunks hold {self._total_raw}", 0),
            (checksum == self._checksums.intdigest(), "END checksum of the header, chunk checksums and INDEX does not match", 16),
            (index_offset == self._index_offset, "END gives a wrong INDEX offset", 24),
            (end_offset == relative, "END gives a wrong END offset", 32),
        )
        if self._partial:
            checks = (checks[0], checks[5])
        for ok, message, field_offset in checks:
            if not ok:
                raise FormatError(message, payload_offset + field_offset)
        self._state = _AFTER_END
        return StreamEnd(absolute, total_raw, chunk_count, index_offset != NO_INDEX)
