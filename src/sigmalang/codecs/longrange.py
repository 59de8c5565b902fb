"""Long-range matching: copies of earlier bytes that span everything between two edits.

Repeats further back than a segment's zstd window (versioned copies, backups,
a file stored twice) become REFERENCE copies. Copying whole content-defined
blocks would copy almost nothing where edits are denser than the blocks, so
this matcher samples content-defined *anchors* (about one per ``2**anchor_bits`` bytes),
remembers those of the last ``window`` bytes in a table, and turns each anchor
seen before into a copy by comparing the chunk with the earlier bytes, forward
and backward from the anchor, byte for byte: a copy then runs from one edit to
the next. The work is done by the native module ``codecs/_matcher.c``,
without the interpreter lock; its header comment describes the anchor designs
(``benchmarks/longrange.py`` measures each).

The earlier bytes are read from a source: the whole input in memory
(:class:`BufferSource`, for ``compress(bytes)``), a regular file read by
position (:class:`FileSource`: nothing of the window is kept in memory), or a
ring of the last ``window`` bytes that the matcher fills itself
(:class:`RingSource`, for pipes). The copies do not depend on the source.

Built without a C compiler there is no native module and the matcher finds no
copies (``MATCHER == "none"``): a Python matcher would cost tens of times the
CPU per MiB of the native one on every chunk, more than zstd itself, for a
gain only where input repeats far apart.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from ..buffers import Buffer
from . import native
from .reference import CopyTable

_matcher = native.optional("_matcher")

#: Which implementation finds copies: "native" (sigmalang.codecs._matcher) or "none".
MATCHER = "native" if _matcher is not None else "none"

#: Bytes hashed into an anchor's key (KEY in _matcher.c): the shortest possible copy.
KEY = 32


class Design(enum.IntEnum):
    """How anchors are chosen (the numbers are _matcher.c's)."""

    WINDOW4 = 0  #: hash of every 4-byte window, eight per AVX2 multiply
    WINDOW8 = 1  #: hash of every 8-byte window, two multiplies
    GEAR = 2  #: zstd's gear rolling hash over 64 bytes, one byte at a time


#: Anchor defaults chosen by ``benchmarks/longrange.py`` (CPU per MiB against copied share and ratio).
DESIGN = Design.WINDOW8
ANCHOR_BITS = 8
#: The shortest copy kept. Each copy costs several bytes of copy table that no
#: entropy coder sees, and it cuts the chunk's literals apart; records that
#: recur with a changed field every few hundred bytes (NDJSON logs) compress
#: better in a primed zstd frame than as a copy per record, while versions of
#: files with an edit every few KiB keep nearly all their copies
#: (``benchmarks/adaptive.py`` compares with ``--no-refs`` per kind).
MIN_COPY = 768


@dataclass(frozen=True, slots=True)
class Density:
    """How densely one chunk is sampled for anchors, and the shortest copy kept for it."""

    anchor_bits: int
    min_copy: int


#: The default: one anchor per 256 bytes, copies of 768 bytes or more.
SPARSE = Density(ANCHOR_BITS, MIN_COPY)
#: For executables and other binaries, whose repeats across files (the same
#: functions, tables and strings linked into several programs) run from tens to
#: hundreds of bytes, too short for the sparse anchors: four times the anchors
#: and copies from 64 bytes. Costs more lookups per MiB, and text or records,
#: where short copies cut apart what zstd compresses better whole, never use it.
DENSE = Density(6, 64)


@dataclass(frozen=True, slots=True)
class BufferSource:
    """The whole stream in memory: ``data[i]`` is stream offset ``i``."""

    data: Buffer


@dataclass(frozen=True, slots=True)
class FileSource:
    """A regular file holding the stream from file offset ``offset``, read by position.

    The caller keeps ``fd`` open (and the file unchanged) while the matcher lives.
    """

    fd: int
    offset: int = 0


@dataclass(frozen=True, slots=True)
class RingSource:
    """No earlier bytes outside the matcher: it keeps the last ``window`` bytes it matched.

    Every chunk must then be passed to ``copies``, in stream order from offset 0.
    """


Source = Union[BufferSource, FileSource, RingSource]


def table_bits(window: int, anchor_bits: int) -> int:
    """log2 of the table's buckets (of two entries) at most: one per anchor of the window,
    so most anchors stay. The table starts at 4096 buckets and doubles as anchors arrive."""
    anchors = max(1, window >> anchor_bits)
    return min(30, max(12, (anchors - 1).bit_length()))


class LongRangeMatcher:
    """Copies of earlier bytes for each chunk of a stream, within a bounded window.

    Memory: a table of 16 bytes per bucket, one bucket per anchor seen, up to
    ``2**table_bits(window, anchor_bits)`` buckets (64 KiB per MiB of window
    with the default 8 anchor bits, 16 KiB with 10), plus 264 KiB of read cache for a file source (16 reads of up to 16.5 KiB) or the window
    itself for a ring source (touched as it fills), plus about 16 bytes per
    anchor of the chunk being matched while it is matched.

    Not thread-safe: one thread at a time calls ``copies`` (the native object
    raises RuntimeError if a second thread enters while one is matching);
    other threads run meanwhile, since matching releases the interpreter lock.
    """

    def __init__(
        self,
        window: int,
        source: Source,
        *,
        design: Design = DESIGN,
        anchor_bits: int = ANCHOR_BITS,
        min_copy: int = MIN_COPY,
        simd: bool = True,
    ) -> None:
        if not 0 < window < 1 << 32:
            raise ValueError(f"window must be from 1 byte to 4 GiB, got {window}")
        if min_copy < KEY:
            raise ValueError(f"min_copy must be at least {KEY}, got {min_copy}")
        if isinstance(source, FileSource) and (source.fd < 0 or source.offset < 0):
            raise ValueError(f"file source needs a descriptor and offset >= 0, got {source}")
        self.window = window
        self.source = source
        self.table_bits = table_bits(window, anchor_bits)
        self._native: Any = None
        if _matcher is None:
            return
        kind, data, fd, offset = _source_arguments(source)
        self._native = _matcher.Matcher(
            window, self.table_bits, min_copy, int(design), anchor_bits, kind, data, fd, offset, simd=simd
        )

    def copies(
        self, data: Buffer, position: int, segment_start: int, density: Density | None = None
    ) -> CopyTable:
        """The copies for the chunk ``data`` at stream offset ``position``, then remember its anchors.

        ``density`` sets this chunk's anchors and shortest copy (default: the
        matcher's own). Anchors of every density share one table: an anchor at
        ``anchor_bits`` is one at any smaller number of bits too, so a sparse
        chunk still finds the sparse subset of a dense chunk's anchors.

        Copies are in chunk order, each at least ``min_copy`` bytes, read bytes
        that end at or before ``segment_start`` (nearer repeats are zstd's) and
        lie at most ``window`` bytes back. Chunks come in stream order
        (``segment_start <= position``); a ring source needs every chunk.
        """
        if self._native is None:
            return CopyTable(np.zeros((0, 3), dtype="<i8"))
        extra = {} if density is None else {"anchor_bits": density.anchor_bits, "min_copy": density.min_copy}
        return CopyTable(np.frombuffer(self._native.copies(data, position, segment_start, **extra), dtype="<i8"))

    def close(self) -> None:
        """Free the table (and a ring source's window); no copies are found afterwards."""
        self._native = None

    @property
    def table_bytes(self) -> int:
        """Bytes of the anchor table at its largest (0 without the native module)."""
        return 16 << self.table_bits if self._native is not None else 0

    def stats(self) -> dict[str, int]:
        """Counters since creation: anchors looked up, anchors verified, bytes compared,
        reads of a file source (``file_reads``), the table's size in bytes."""
        return dict(self._native.stats()) if self._native is not None else {}


def _source_arguments(source: Source) -> tuple[int, Buffer | None, int, int]:
    """The native constructor's (source kind, buffer, file descriptor, file offset)."""
    if isinstance(source, BufferSource):
        return 0, source.data, -1, 0
    if isinstance(source, FileSource):
        return 1, None, source.fd, source.offset
    if isinstance(source, RingSource):
        return 2, None, -1, 0
    raise TypeError(f"not a source: {source!r}")


def anchors(data: Buffer, design: Design = DESIGN, anchor_bits: int = ANCHOR_BITS, simd: bool = True) -> np.ndarray:
    """Offsets of the anchors of ``data`` (where each anchor's key bytes start); for tests and benchmarks."""
    if _matcher is None:
        raise RuntimeError("sigmalang.codecs._matcher was not built")
    return np.frombuffer(_matcher.anchors(data, int(design), anchor_bits, simd=simd), dtype="<i8")
