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
from typing import Iterable, Iterator, Protocol, Union

import numpy as np

from ..format.varint import MAX_U64_BYTES, VarintIncomplete, VarintTooLong, decode_uleb128, encode_uleb128
from ..buffers import Buffer
from ..format.constants import Strategy
from . import native
from .base import Encoded

#: A chunk is stored as REFERENCE only when its copies cover at least this much,
MIN_COPIED = 4096
#: and at least this share of it (ChunkPolicy.worth_copying says why).
MIN_COPIED_SHARE = 1 / 64
#: Strategies that may encode a REFERENCE chunk's literals.
INNER_STRATEGIES = (Strategy.RAW, Strategy.PATTERN, Strategy.DELTA)
#: codecs/_matcher.c takes literals out and puts copies back in one call per chunk;
#: without it (built without a C compiler) the same is done a copy at a time.
_native = native.optional("_matcher")


@dataclass(frozen=True, slots=True)
class Copy:
    """Bytes ``start .. start+length`` of a chunk repeat the output ``distance`` bytes earlier."""

    start: int
    length: int
    distance: int


class CopyTable:
    """A chunk's copies, in chunk order, as rows of an int64 array: (start, length, distance).

    Binaries make a copy every kilobyte or so, tens of thousands a stream:
    the table is encoded, parsed and applied a chunk at a time (numpy, the
    native module), never a Python step per copy.
    """

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = np.ascontiguousarray(array, dtype="<i8").reshape(-1, 3)

    @classmethod
    def of(cls, copies: Copies) -> CopyTable:
        if isinstance(copies, CopyTable):
            return copies
        return cls(np.array([(c.start, c.length, c.distance) for c in copies], dtype="<i8").reshape(-1, 3))

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, index: int) -> Copy:
        return Copy(*self.array[index].tolist())

    def __iter__(self) -> Iterator[Copy]:
        return (Copy(*row) for row in self.array.tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CopyTable):
            return np.array_equal(self.array, other.array)
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    def __repr__(self) -> str:
        return f"CopyTable({list(self)!r})"

    @property
    def copied(self) -> int:
        """Bytes of the chunk the copies cover."""
        return int(self.array[:, 1].sum())

    def reads(self, position: int) -> np.ndarray:
        """(start, end) rows: the earlier output each copy of the chunk at ``position`` reads."""
        starts = position + self.array[:, 0] - self.array[:, 2]
        return np.column_stack((starts, starts + self.array[:, 1]))

    def encode(self) -> bytes:
        """count, then per copy: literal bytes before it, length, distance (all LEB128)."""
        a = self.array
        ends = a[:, 0] + a[:, 1]
        gaps = a[:, 0] - np.concatenate(([0], ends[:-1]))
        fields = np.column_stack((gaps, a[:, 1], a[:, 2])).ravel()
        return encode_uleb128(len(a)) + _uleb128_many(fields)


Copies = Union[CopyTable, Iterable[Copy]]


def _uleb128_many(values: np.ndarray, block: int = 4096) -> bytes:
    """LEB128 of every value of a non-negative int64 array, concatenated.

    ``block`` values at a time: the work arrays hold ten bytes' worth per value,
    and a chunk of a binary can have tens of thousands of copies."""
    shifts = np.arange(MAX_U64_BYTES, dtype=np.uint64) * np.uint64(7)
    column = np.arange(MAX_U64_BYTES)
    out = []
    for start in range(0, len(values), block):
        v = values[start : start + block].astype(np.uint64)[:, None]
        groups = ((v >> shifts) & np.uint64(0x7F)).astype(np.uint8)
        nbytes = np.maximum(1, (v >> shifts > 0).sum(axis=1))[:, None]
        groups |= ((column < nbytes - 1) << 7).astype(np.uint8)
        out.append(groups[column < nbytes].tobytes())
    return b"".join(out)


def _parse_uleb128_many(data: Buffer, count: int) -> np.ndarray:
    """Exactly ``count`` LEB128 values filling ``data``, as int64 (each below 2**63);
    ValueError if they do not fill it exactly or one is malformed."""
    b = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(b < 0x80)
    if len(ends) < count:
        raise ValueError("malformed REFERENCE copy table")
    if len(ends) > count or (count and ends[-1] != len(b) - 1) or (not count and len(b)):
        raise ValueError("REFERENCE copy table has trailing bytes")
    if not count:
        return np.zeros(0, dtype="<i8")
    starts = np.concatenate(([0], ends[:-1] + 1))
    sizes = ends - starts + 1
    if int(sizes.max()) > MAX_U64_BYTES or (sizes == MAX_U64_BYTES).any() and (b[ends[sizes == MAX_U64_BYTES]] > 0).any():
        raise ValueError("malformed REFERENCE copy table")
    index = np.arange(len(b)) - np.repeat(starts, sizes)
    parts = (b & 0x7F).astype(np.uint64) << (index.astype(np.uint64) * np.uint64(7))
    return np.add.reduceat(parts, starts).astype("<i8")


def copied_bytes(copies: Copies) -> int:
    return CopyTable.of(copies).copied


def literals(data: Buffer, copies: Copies) -> bytes:
    """The bytes of ``data`` not covered by ``copies``, in order."""
    table = CopyTable.of(copies)
    if _native is not None:
        return _native.literals(data, table.array)
    view = memoryview(data).cast("B")
    parts = []
    pos = 0
    for c in table:
        parts.append(view[pos : c.start])
        pos = c.start + c.length
    parts.append(view[pos:])
    return b"".join(parts)


def encode_copies(copies: Copies) -> bytes:
    """count, then per copy: literal bytes before it, length, distance (all LEB128)."""
    return CopyTable.of(copies).encode()


def wrap(inner: Encoded, copies: Copies) -> Encoded:
    """A REFERENCE chunk: ``inner`` encodes the literals; params name its strategy."""
    table = encode_copies(copies)
    data = b"".join((encode_uleb128(len(table)), table, inner.data))
    return Encoded(Strategy.REFERENCE, bytes((inner.strategy,)) + inner.params, data, inner.shared)


@dataclass(frozen=True, slots=True)
class ReferenceParts:
    """A REFERENCE chunk taken apart: its copies, and the literals' own encoding."""

    copies: CopyTable
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
    except (VarintIncomplete, VarintTooLong):
        raise ValueError("malformed REFERENCE copy table") from None
    if pos > table_end:
        raise ValueError("malformed REFERENCE copy table")
    if count > table_length:  # every copy takes at least three bytes
        raise ValueError(f"REFERENCE copy table declares {count} copies in {table_length} bytes")
    fields = _parse_uleb128_many(view[pos:table_end], 3 * count).reshape(-1, 3)
    # Clipped, so that no sum overflows: a clipped copy ends past the chunk and is refused.
    gaps, lengths, distances = np.minimum(fields[:, 0], raw_length + 1), np.minimum(fields[:, 1], raw_length + 1), fields[:, 2]
    starts = np.cumsum(gaps + np.concatenate(([0], lengths[:-1])))
    copies = CopyTable(np.column_stack((starts, lengths, distances)))
    bad = (lengths == 0) | (distances == 0) | (starts + lengths > raw_length)
    if count and bad.any():
        start, length, distance = copies.array[int(np.argmax(bad))].tolist()
        raise ValueError(f"REFERENCE copy ({start}, {length}, {distance}) does not fit a chunk of {raw_length} bytes")
    return ReferenceParts(copies, inner, params[1:], view[table_end:], raw_length - copies.copied)


class History(Protocol):
    """Earlier output of a stream, addressed by offset from the stream's first raw byte."""

    window: int

    def read_into(self, position: int, out: memoryview) -> None:
        """Fill ``out`` with the output at ``position``; ValueError if it is not held."""

    def read(self, position: int, length: int) -> Buffer:
        """The ``length`` bytes of output at ``position`` (a view where they lie contiguous)."""

    def append(self, data: Buffer) -> None:
        """Record the stream's next output."""


def resolve_into(out: memoryview, copies: Copies, literal_bytes: Buffer, position: int, history: History) -> None:
    """Rebuild a chunk starting at stream offset ``position`` into ``out``.

    Literals fill the gaps between copies; each copy must read bytes that
    ended before this chunk and lie within the declared window.
    """
    table = CopyTable.of(copies)
    source = getattr(history, "native_source", None)
    if _native is not None and source is not None:
        held = getattr(history, "held", None)
        if held is not None and len(table):
            reads = table.reads(position)
            if int(reads[:, 0].min()) < held[0] or int(reads[:, 1].max()) > held[1]:
                raise ValueError(f"a REFERENCE copy reaches outside the decoder's history (bytes {held[0]}..{held[1]})")
        _native.resolve(out, table.array, literal_bytes, position, history.window, *source)
        return
    lit = memoryview(literal_bytes).cast("B")
    if len(lit) + table.copied != len(out):
        raise ValueError(f"REFERENCE literals hold {len(lit)} bytes, copies leave {len(out) - table.copied}")
    done = used = 0
    for c in table:
        gap = c.start - done
        out[done : c.start] = lit[used : used + gap]
        used += gap
        source_at = position + c.start - c.distance
        if c.distance > history.window or source_at < 0 or source_at + c.length > position:
            raise ValueError(
                f"REFERENCE copy from {c.distance} bytes back reaches outside the earlier output "
                f"(window {history.window}, chunk at {position})"
            )
        history.read_into(source_at, out[c.start : c.start + c.length])
        done = c.start + c.length
    out[done:] = lit[used:]


class OutputHistory:
    """History read straight from an output buffer that holds the whole stream (one-shot decoding)."""

    def __init__(self, output: memoryview, base: int, window: int) -> None:
        self._output = output
        self._base = base
        self.window = window
        #: Where the native resolver reads copies from: this buffer, stream offset 0 at index base.
        self.native_source = (output, base)

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

    @property
    def held(self) -> tuple[int, int]:
        """The stream offsets of the output held: (first, one past the last)."""
        return self._end - min(self._end - self._start, self.window), self._end

    @property
    def native_source(self) -> tuple[list[bytearray | None], int]:
        """Where the native resolver reads copies from: the pages in ring order, and their size."""
        count = -(-self.window // self._page)
        return [self._pages.get(i) for i in range(count)], self._page

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
