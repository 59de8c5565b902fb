"""REFERENCE: repeats from beyond a segment's zstd window, stored as copies of earlier output.

zstd finds repeats inside a segment (its window). What lies further back — a
tree backed up twice, versioned copies of files, a log block seen long ago —
is out of its reach. The encoder's long-range matcher (``longrange.py``) finds
such repeats and describes each as a *copy* (where in the chunk, how long, how
far back); the bytes of the chunk that are not copied (its literals) are
encoded by the usual strategies, in the segment's zstd frame. This module is
the strategy itself: the copy table, its checks, and rebuilding chunks from
earlier output.

The decoder reads earlier output back (from its result buffer, its output
file, or a ring of the last ``window`` bytes when writing to a pipe; the
window is declared in the stream header) and resolves a chunk's copies in
stream order, once every chunk before it is complete; literals still decode
in parallel. Copies only read from earlier chunks, never from their own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..format.varint import VarintIncomplete, VarintTooLong, decode_uleb128, encode_uleb128
from ..buffers import Buffer
from ..format.constants import Strategy
from .base import Encoded

#: A chunk is stored as REFERENCE only when its copies cover at least this much.
MIN_COPIED = 4096
#: Strategies that may encode a REFERENCE chunk's literals.
INNER_STRATEGIES = (Strategy.RAW, Strategy.PATTERN, Strategy.DELTA)


@dataclass(frozen=True, slots=True)
class Copy:
    """Bytes ``start .. start+length`` of a chunk repeat the output ``distance`` bytes earlier."""

    start: int
    length: int
    distance: int


def copied_bytes(copies: list[Copy]) -> int:
    return sum(c.length for c in copies)


def literals(data: Buffer, copies: list[Copy]) -> bytes:
    """The bytes of ``data`` not covered by ``copies``, in order."""
    view = memoryview(data).cast("B")
    parts = []
    pos = 0
    for c in copies:
        parts.append(view[pos : c.start])
        pos = c.start + c.length
    parts.append(view[pos:])
    return b"".join(parts)


def encode_copies(copies: list[Copy]) -> bytes:
    """count, then per copy: literal bytes before it, length, distance (all LEB128)."""
    out = bytearray(encode_uleb128(len(copies)))
    pos = 0
    for c in copies:
        out += encode_uleb128(c.start - pos)
        out += encode_uleb128(c.length)
        out += encode_uleb128(c.distance)
        pos = c.start + c.length
    return bytes(out)


def wrap(inner: Encoded, copies: list[Copy]) -> Encoded:
    """A REFERENCE chunk: ``inner`` encodes the literals; params name its strategy."""
    table = encode_copies(copies)
    data = b"".join((encode_uleb128(len(table)), table, inner.data))
    return Encoded(Strategy.REFERENCE, bytes((inner.strategy,)) + inner.params, data, inner.shared)


@dataclass(frozen=True, slots=True)
class ReferenceParts:
    """A REFERENCE chunk taken apart: its copies, and the literals' own encoding."""

    copies: list[Copy]
    inner_strategy: Strategy
    inner_params: bytes
    inner_data: Buffer
    literal_length: int


def split(params: bytes, data: Buffer, raw_length: int) -> ReferenceParts:
    """Parse a REFERENCE chunk's params and data; ValueError when they are inconsistent."""
    if not params:
        raise ValueError("REFERENCE chunk has no inner strategy")
    try:
        inner = Strategy(params[0])
    except ValueError:
        raise ValueError(f"REFERENCE chunk names unknown inner strategy {params[0]}") from None
    if inner not in INNER_STRATEGIES:
        raise ValueError(f"REFERENCE chunk cannot nest strategy {inner.name}")
    view = memoryview(data).cast("B")
    try:
        table_length, pos = decode_uleb128(view, 0)
        if pos + table_length > len(view):
            raise ValueError("REFERENCE copy table overruns the chunk")
        table_end = pos + table_length
        count, pos = decode_uleb128(view, pos)
        if count > table_length:  # every copy takes at least three bytes
            raise ValueError(f"REFERENCE copy table declares {count} copies in {table_length} bytes")
        copies = []
        at = 0
        for _ in range(count):
            gap, pos = decode_uleb128(view, pos)
            length, pos = decode_uleb128(view, pos)
            distance, pos = decode_uleb128(view, pos)
            start = at + gap
            if length == 0 or distance == 0 or start + length > raw_length:
                raise ValueError(f"REFERENCE copy ({start}, {length}, {distance}) does not fit a chunk of {raw_length} bytes")
            copies.append(Copy(start, length, distance))
            at = start + length
    except (VarintIncomplete, VarintTooLong):
        raise ValueError("malformed REFERENCE copy table") from None
    if pos != table_end:
        raise ValueError("REFERENCE copy table has trailing bytes")
    return ReferenceParts(copies, inner, params[1:], view[table_end:], raw_length - copied_bytes(copies))


class History(Protocol):
    """Earlier output of a stream, addressed by offset from the stream's first raw byte."""

    window: int

    def read_into(self, position: int, out: memoryview) -> None:
        """Fill ``out`` with the output at ``position``; ValueError if it is not held."""

    def read(self, position: int, length: int) -> Buffer:
        """The ``length`` bytes of output at ``position`` (a view where they lie contiguous)."""

    def append(self, data: Buffer) -> None:
        """Record the stream's next output."""


def resolve_into(out: memoryview, copies: list[Copy], literal_bytes: Buffer, position: int, history: History) -> None:
    """Rebuild a chunk starting at stream offset ``position`` into ``out``.

    Literals fill the gaps between copies; each copy must read bytes that
    ended before this chunk and lie within the declared window.
    """
    lit = memoryview(literal_bytes).cast("B")
    if len(lit) + copied_bytes(copies) != len(out):
        raise ValueError(f"REFERENCE literals hold {len(lit)} bytes, copies leave {len(out) - copied_bytes(copies)}")
    done = used = 0
    for c in copies:
        gap = c.start - done
        out[done : c.start] = lit[used : used + gap]
        used += gap
        source = position + c.start - c.distance
        if c.distance > history.window or source < 0 or source + c.length > position:
            raise ValueError(
                f"REFERENCE copy from {c.distance} bytes back reaches outside the earlier output "
                f"(window {history.window}, chunk at {position})"
            )
        history.read_into(source, out[c.start : c.start + c.length])
        done = c.start + c.length
    out[done:] = lit[used:]


class OutputHistory:
    """History read straight from an output buffer that holds the whole stream (one-shot decoding)."""

    def __init__(self, output: memoryview, base: int, window: int) -> None:
        self._output = output
        self._base = base
        self.window = window

    def read_into(self, position: int, out: memoryview) -> None:
        out[:] = self.read(position, len(out))

    def read(self, position: int, length: int) -> Buffer:
        start = self._base + position
        return self._output[start : start + length]

    def append(self, data: Buffer) -> None:
        """Nothing to keep: the output is already in place."""


class HistoryRing:
    """The last ``window`` bytes of a stream's output, for streaming decoders.

    Stored in pages of PAGE bytes allocated as the output grows (a stream
    shorter than its window costs only its own size, and growing never copies
    what is already held); once the window is full, pages are reused in turn.
    """

    PAGE = 1 << 20

    def __init__(self, window: int, start: int = 0) -> None:
        self.window = window
        self._page = min(self.PAGE, window)
        self._pages: dict[int, bytearray] = {}  # by page number within the window
        self._start = start  # stream offset of the first byte appended (decoding may start mid-stream)
        self._end = start  # stream offset one past the last byte appended

    @property
    def end(self) -> int:
        return self._end

    def append(self, data: Buffer) -> None:
        view = memoryview(data).cast("B")
        if len(view) > self.window:
            self._end += len(view) - self.window
            view = view[len(view) - self.window :]
        page, pages = self._page, self._pages
        while len(view):
            at = self._end % self.window
            index, offset = divmod(at, page)
            if index not in pages:
                pages[index] = bytearray(page)
            take = min(len(view), page - offset)
            pages[index][offset : offset + take] = view[:take]
            self._end += take
            view = view[take:]

    def read(self, position: int, length: int) -> Buffer:
        out = bytearray(length)
        self.read_into(position, memoryview(out))
        return out

    def read_into(self, position: int, out: memoryview) -> None:
        n = len(out)
        held = min(self._end - self._start, self.window)
        if position < self._end - held or position + n > self._end:
            raise ValueError(f"bytes {position}..{position + n} are not in the decoder's history")
        done = 0
        while done < n:
            index, offset = divmod((position + done) % self.window, self._page)
            take = min(n - done, self._page - offset)
            out[done : done + take] = self._pages[index][offset : offset + take]
            done += take
