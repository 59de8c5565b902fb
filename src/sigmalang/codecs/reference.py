"""REFERENCE: repeats from beyond a segment's zstd window, stored as copies of earlier output.

zstd finds repeats inside a segment (its window). What lies further back — a
tree backed up twice, versioned copies of files, a log block seen long ago —
is out of its reach. The encoder cuts its input into content-defined blocks
(see :func:`content_boundaries`: an edit moves only the boundaries near it)
and indexes the blocks of the last ``window`` bytes by their 128-bit xxh3
digest. A block met again after the segment holding its first occurrence has
ended becomes a *copy*; the bytes of the chunk that are not copied (its
literals) are encoded by the usual strategies, in the segment's zstd frame.

The decoder keeps the last ``window`` bytes of the stream's output (the
window is declared in the stream header) and resolves a chunk's copies in
stream order, once every chunk before it is complete; literals still decode
in parallel. Copies only read from earlier chunks, never from their own.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import xxhash

from ..format.varint import VarintIncomplete, VarintTooLong, decode_uleb128, encode_uleb128
from .base import Buffer, Encoded, Strategy

#: A position is a block boundary when the hash of the 8 bytes before it has
#: this many top bits zero: blocks of about 2**BOUNDARY_BITS bytes past MIN_BLOCK.
BOUNDARY_BITS = 11
MIN_BLOCK = 512
MAX_BLOCK = 64 * 1024
#: A chunk is stored as REFERENCE only when its copies cover at least this much.
MIN_COPIED = 4096
_MULTIPLIER = np.uint32(0x9E3779B1)
#: Hashes at or above this have their top BOUNDARY_BITS bits set (a run of zero bytes never does).
_THRESHOLD = np.uint32((1 << 32) - (1 << (32 - BOUNDARY_BITS)))
#: Strategies that may encode a REFERENCE chunk's literals.
INNER_STRATEGIES = (Strategy.RAW, Strategy.PATTERN, Strategy.DELTA)


@dataclass(frozen=True, slots=True)
class Copy:
    """Bytes ``start .. start+length`` of a chunk repeat the output ``distance`` bytes earlier."""

    start: int
    length: int
    distance: int


#: Bytes hashed per numpy pass: small enough for the arrays to stay in cache.
_PIECE = 256 * 1024


def _candidates(view: memoryview) -> np.ndarray:
    """Sorted offsets just past every 4-byte window whose hash has its top bits set."""
    n = len(view)
    hashes = np.empty(_PIECE // 4 + 1, dtype=np.uint32)
    hits = np.empty(_PIECE // 4 + 1, dtype=bool)
    found = []
    for base in range(0, n - 3, _PIECE):
        stop = min(n, base + _PIECE + 3)  # windows starting in this piece, wholly inside the data
        for align in range(4):
            words = (stop - base - align) // 4
            if words <= 0:
                continue
            window = np.ndarray((words,), dtype="<u4", buffer=view, offset=base + align)
            np.multiply(window, _MULTIPLIER, out=hashes[:words])
            np.greater_equal(hashes[:words], _THRESHOLD, out=hits[:words])
            found.append(np.flatnonzero(hits[:words]) * 4 + (base + align + 4))
    return np.sort(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)


def content_boundaries(data: Buffer) -> list[int]:
    """End offsets of the content-defined blocks of ``data`` (the last is ``len(data)``).

    Every 4-byte window is hashed (four strided numpy passes per 256 KiB, one
    per alignment: about 0.5 ms per MiB); a position after a window whose hash
    has its top BOUNDARY_BITS bits set is a candidate, and a candidate at least
    MIN_BLOCK after the previous candidate is a boundary. Each boundary thus
    depends only on the bytes near it, so an insertion or deletion moves just
    the blocks around it. Stretches longer than MAX_BLOCK without a boundary
    are cut every MAX_BLOCK bytes (the last piece of such a stretch is kept
    at least MIN_BLOCK long, so blocks are MIN_BLOCK .. MAX_BLOCK + MIN_BLOCK).
    """
    view = memoryview(data).cast("B")
    n = len(view)
    if n <= MIN_BLOCK:
        return [n] if n else []
    candidates = _candidates(view)
    gaps = np.diff(candidates, prepend=0)
    cuts = candidates[(gaps >= MIN_BLOCK) & (candidates < n)]
    cuts = np.append(cuts, n)
    spans = np.diff(cuts, prepend=0)
    if spans.max() <= MAX_BLOCK:
        return cuts.tolist()
    out: list[int] = []
    start = 0
    for end in cuts.tolist():
        out.extend(range(start + MAX_BLOCK, end - MIN_BLOCK + 1, MAX_BLOCK))
        out.append(end)
        start = end
    return out


@dataclass(frozen=True, slots=True)
class Blocks:
    """A chunk cut into content-defined blocks, with each block's 128-bit digest."""

    starts: list[int]
    ends: list[int]
    keys: list[int]
    size: int

    @classmethod
    def of(cls, data: Buffer) -> "Blocks":
        """Cut and hash ``data``; no blocks at all for random-looking bytes (see ``looks_random``)."""
        view = memoryview(data).cast("B")
        if looks_random(view):
            return cls([], [], [], len(view))
        ends = content_boundaries(view)
        starts = [0, *ends[:-1]]
        digest = xxhash.xxh3_128_intdigest
        return cls(starts, ends, [digest(view[a:b]) for a, b in zip(starts, ends)], len(view))


#: Bytes of a chunk sampled (in four slices) to tell random-looking data.
RANDOM_SAMPLE = 8192
#: Byte entropy (bits) from which a sample counts as random; 8 KiB of truly
#: random bytes measure about 7.98.
RANDOM_ENTROPY = 7.9


def looks_random(data: Buffer) -> bool:
    """True for chunks of compressed, encrypted or random bytes, which skip the block index.

    Cutting and hashing costs about 1 ms per MiB, as much as zstd's fast level
    spends on such data, and repeats of it far apart are rare (an archive
    stored twice): skipping it keeps incompressible input above 1 GB/s.
    """
    view = np.frombuffer(data, dtype=np.uint8)
    n = view.size
    if n < 4 * RANDOM_SAMPLE:
        return False
    part = RANDOM_SAMPLE // 4
    sample = np.concatenate([view[i * (n - part) // 3 :][:part] for i in range(4)])
    counts = np.bincount(sample, minlength=256)
    p = counts[counts > 0] / sample.size
    return float(-(p * np.log2(p)).sum()) >= RANDOM_ENTROPY


class BlockIndex:
    """The encoder's memory of recent blocks, over a bounded window.

    For each block digest it keeps the latest occurrence and the latest one
    from an earlier segment, so a block repeated inside the current segment
    (zstd's business) does not hide an occurrence a copy may use. Memory is
    about 250 bytes per block of the window (under 16 MB for the default
    128 MiB window), whatever the input size.
    """

    def __init__(self, window: int) -> None:
        if window <= 0:
            raise ValueError(f"window must be positive, got {window}")
        self.window = window
        self._latest: dict[int, int] = {}  # digest -> offset of its latest occurrence
        self._earlier: dict[int, int] = {}  # digest -> latest occurrence before the latest one's segment
        self._order: deque[tuple[int, int]] = deque()

    def __len__(self) -> int:
        return len(self._latest)

    def copies(self, data: Buffer, position: int, segment_start: int) -> list[Copy]:
        """The copies for a chunk starting at stream offset ``position``, then remember its blocks.

        Only occurrences that end before ``segment_start`` (nearer repeats are
        zstd's) and lie within the window become copies. Adjacent copies from
        adjacent sources merge into one.
        """
        return self.match(Blocks.of(data), position, segment_start)

    def match(self, blocks: "Blocks", position: int, segment_start: int) -> list[Copy]:
        """``copies`` for blocks already cut and hashed (which may happen on any thread;
        matching must follow stream order)."""
        starts, ends, keys = blocks.starts, blocks.ends, blocks.keys
        latest, earlier = self._latest, self._earlier
        offsets = [position + a for a in starts]
        known = [i for i, key in enumerate(keys) if key in latest]
        # Digests never seen before (most of them) go in at once; a digest
        # either was known before this chunk or not, so the two groups share none.
        if len(known) < len(keys):
            fresh = set(known)
            latest.update((keys[i], offsets[i]) for i in range(len(keys)) if i not in fresh)
        copies: list[Copy] = []
        for i in known:
            key, here, length = keys[i], offsets[i], ends[i] - starts[i]
            last = latest[key]
            source = last if last + length <= segment_start else earlier.get(key, -1)
            if source >= 0 and here - source <= self.window:
                _add_copy(copies, starts[i], length, here - source)
            if last < segment_start:
                earlier[key] = last
            latest[key] = here
        self._order.extend(zip(offsets, keys))
        self._forget_before(position + blocks.size - self.window)
        return copies

    def _forget_before(self, offset: int) -> None:
        order, latest, earlier = self._order, self._latest, self._earlier
        while order and order[0][0] < offset:
            old, key = order.popleft()
            if latest.get(key) == old:
                del latest[key]
                earlier.pop(key, None)
            elif earlier.get(key) == old:
                del earlier[key]


def _add_copy(copies: list[Copy], start: int, length: int, distance: int) -> None:
    """Append a copy, merged with the previous one when both are contiguous."""
    if copies:
        last = copies[-1]
        if last.start + last.length == start and last.distance == distance:
            copies[-1] = Copy(last.start, last.length + length, distance)
            return
    copies.append(Copy(start, length, distance))


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
        start = self._base + position
        out[:] = self._output[start : start + len(out)]


class HistoryRing:
    """The last ``window`` bytes of a stream's output, for streaming decoders.

    Stored in pages of PAGE bytes allocated as the output grows (a stream
    shorter than its window costs only its own size, and growing never copies
    what is already held); once the window is full, pages are reused in turn.
    """

    PAGE = 1 << 20

    def __init__(self, window: int) -> None:
        self.window = window
        self._page = min(self.PAGE, window)
        self._pages: list[bytearray] = []
        self._end = 0  # stream offset one past the last byte appended

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
            if index == len(pages):
                pages.append(bytearray(page))
            take = min(len(view), page - offset)
            pages[index][offset : offset + take] = view[:take]
            self._end += take
            view = view[take:]

    def read_into(self, position: int, out: memoryview) -> None:
        n = len(out)
        held = min(self._end, self.window)
        if position < self._end - held or position + n > self._end:
            raise ValueError(f"bytes {position}..{position + n} are not in the decoder's history")
        done = 0
        while done < n:
            index, offset = divmod((position + done) % self.window, self._page)
            take = min(n - done, self._page - offset)
            out[done : done + take] = self._pages[index][offset : offset + take]
            done += take
