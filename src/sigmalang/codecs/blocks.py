"""Finding far repeats: content-defined blocks and the index of recent ones.

The encoder cuts every chunk into blocks whose boundaries depend only on the
bytes near them (an insertion or deletion moves just the boundaries around
it), hashes each block with 128-bit xxh3, and looks the digests up in an index
of the blocks of the last ``window`` bytes. Blocks seen before, in an earlier
segment, become REFERENCE copies (``reference.py``).
"""

from __future__ import annotations

import importlib
from collections import deque
from types import ModuleType
from dataclasses import dataclass

import numpy as np
import xxhash

from ..buffers import Buffer
from .reference import Copy

_cutter: ModuleType | None
try:
    _cutter = importlib.import_module(".codecs._cutter", "sigmalang")  # _cutter.c: same hash and threshold as below
except ImportError:  # built without a C compiler: the numpy path finds the same boundaries
    _cutter = None

#: A position just past a 4-byte window whose hash has this many top bits set
#: is a candidate boundary: blocks of about 2**BOUNDARY_BITS bytes past MIN_BLOCK.
BOUNDARY_BITS = 11
#: Text with a small vocabulary (logs) has candidates far more often than one
#: window in 2**BOUNDARY_BITS, so many of its blocks are this short (those of
#: the built-in sample among them), and hashing and looking up cost per block.
MIN_BLOCK = 1024
MAX_BLOCK = 64 * 1024
_MULTIPLIER = np.uint32(0x9E3779B1)
#: Hashes at or above this have their top BOUNDARY_BITS bits set (a run of zero bytes never does).
_THRESHOLD = np.uint32((1 << 32) - (1 << (32 - BOUNDARY_BITS)))


#: Bytes hashed per numpy pass: small enough for the arrays to stay in cache.
_PIECE = 256 * 1024


def _candidates_numpy(view: memoryview) -> np.ndarray:
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


def _candidates_native(view: memoryview) -> np.ndarray:
    """The same offsets, from the native module (AVX2 where the CPU has it)."""
    assert _cutter is not None
    return np.frombuffer(_cutter.candidates(view), dtype="<i8")


#: Which implementation cuts blocks: "native" (sigmalang.codecs._cutter) or "numpy".
CUTTER = "native" if _cutter is not None else "numpy"
_candidates = _candidates_native if _cutter is not None else _candidates_numpy


def content_boundaries(data: Buffer) -> list[int]:
    """End offsets of the content-defined blocks of ``data`` (the last is ``len(data)``).

    Every 4-byte window is hashed (by the native module, eight windows per
    AVX2 instruction where the CPU has it; without it, by four strided numpy
    passes per 256 KiB, one per alignment); a position after a window whose hash
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

    Cutting, hashing and looking up cost CPU per MiB (``benchmarks/adaptive.py``
    prints how much), and repeats of such data far apart are rare (an archive
    stored twice): skipping it keeps incompressible input fast.
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
    (zstd's business) does not hide an occurrence a copy may use. Memory is a
    few dictionary entries per block of the window (``benchmarks/adaptive.py``
    prints the mean block size), whatever the input size. Blocks are forgotten
    a chunk at a time, once the whole chunk lies beyond the window.

    The lookups run on the encoder's matcher thread while workers compress:
    they stay in few, C-level passes over each chunk's blocks (``map``,
    ``dict.update``), so the matcher seldom holds the interpreter lock long
    enough to keep a worker waiting after its zstd call.
    """

    def __init__(self, window: int) -> None:
        if window <= 0:
            raise ValueError(f"window must be positive, got {window}")
        self.window = window
        self._latest: dict[int, int] = {}  # digest -> offset of its latest occurrence
        self._earlier: dict[int, int] = {}  # digest -> latest occurrence before the latest one's segment
        self._chunks: deque[tuple[int, list[int], list[int]]] = deque()  # (end, block offsets, digests)

    def __len__(self) -> int:
        return len(self._latest)

    def copies(self, data: Buffer, position: int, segment_start: int) -> list[Copy]:
        """The copies for a chunk starting at stream offset ``position``, then remember its blocks.

        Only occurrences that end before ``segment_start`` (nearer repeats are
        zstd's) and lie within the window become copies. Adjacent copies from
        adjacent sources merge into one.
        """
        blocks = Blocks.of(data)
        starts, ends, keys = blocks.starts, blocks.ends, blocks.keys
        latest, earlier, window = self._latest, self._earlier, self.window
        offsets = list(map(position.__add__, starts))
        found = list(map(latest.get, keys))  # occurrences before this chunk
        latest.update(zip(keys, offsets))
        copies: list[Copy] = []
        run_start = run_end = run_distance = 0
        for i, last in enumerate(found):
            if last is None:
                continue
            key, here, end = keys[i], offsets[i], ends[i]
            source = last if last + end - starts[i] <= segment_start else earlier.get(key, -1)
            if last < segment_start:
                earlier[key] = last
            distance = here - source
            if source < 0 or distance > window:
                continue
            if distance == run_distance and starts[i] == run_end:
                run_end = end
                continue
            if run_distance:
                copies.append(Copy(run_start, run_end - run_start, run_distance))
            run_start, run_end, run_distance = starts[i], end, distance
        if run_distance:
            copies.append(Copy(run_start, run_end - run_start, run_distance))
        self._chunks.append((position + blocks.size, offsets, keys))
        self._forget_before(position + blocks.size - window)
        return copies

    def _forget_before(self, offset: int) -> None:
        """Drop the blocks of every chunk that ends at or before ``offset``."""
        chunks, latest, earlier = self._chunks, self._latest, self._earlier
        while chunks and chunks[0][0] <= offset:
            _, offsets, keys = chunks.popleft()
            for old, key in zip(offsets, keys):
                if latest.get(key) == old:
                    del latest[key]
                    earlier.pop(key, None)
                elif earlier.get(key) == old:
                    del earlier[key]
