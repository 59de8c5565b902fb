"""Fast, reproducible input streams of any length for profiling.

``corpus.mixed`` generates about 15 MB/s, far too slow to feed a compressor
running at hundreds of MB/s. So a profile generates a *cycle* of distinct
pieces once (10 MiB in 256 KiB pieces, written to a file that every child
process loads), and each child streams that cycle over and over, stamping the
running piece number into the first 8 bytes of every piece, and its low byte
into every STRIDE-th byte of it, so that no two pieces of the stream are
identical and no run of more than STRIDE bytes repeats from one lap to the
next. The cycle is longer than the largest chunk (4 MiB) and than zstd's
match window up to level 19 (8 MiB), and REFERENCE copies are at least
``longrange.MIN_COPY`` bytes, so neither finds the repetition: the work per
MiB is that of data that does not repeat. The stamps cost some ratio on very
compressible kinds, so a profile's ratio is no compression benchmark:
``sigmalang bench`` measures ratios.

A user file (``--data PATH``) is repeated as is, from its start, to the size.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Callable


PIECE = 256 << 10
CYCLE = 10 << 20
STAMP = 8
#: Every STRIDE-th byte of a piece carries the low byte of its running number
#: (shorter than the long-range matcher's shortest copy, so no copy spans two laps).
STRIDE = 128

KIND_NAMES = ("mixed", "text", "numeric", "random")

DESCRIPTIONS = {
    "mixed": "the built-in mixed sample (log text, NDJSON, CSV, int32 counters, float64 series, binary, random bytes)",
    "text": "generated web-server log lines",
    "numeric": "int32 counters and float64 random walks, alternating",
    "random": "incompressible random bytes",
}


def _makers() -> dict[str, Callable[[int, int], bytes]]:
    # Imported here: child processes only stream a cycle and need not load numpy.
    from .. import corpus

    def numeric(size: int, seed: int) -> bytes:
        return (corpus.int_counters if seed % 2 else corpus.float_series)(size, seed)

    return {"text": corpus.log_text, "numeric": numeric, "random": corpus.random_bytes}


def describe(data: str) -> str:
    """One line saying what the stream for ``data`` (a kind or a path) holds."""
    if data in DESCRIPTIONS:
        return (
            f"{DESCRIPTIONS[data]}: a {CYCLE >> 20} MiB cycle of {PIECE >> 10} KiB pieces, "
            f"each stamped with its running number in its first {STAMP} bytes"
        )
    return f"the file {data}, repeated from its start to the size"


def generate(kind: str, size: int, piece: int = 1 << 20, seed: int = 0) -> bytes:
    """``size`` bytes of a built-in kind, made ``piece`` bytes at a time from per-piece seeds.

    ``generate("mixed", n)`` is ``corpus.mixed(n)``, the sample ``sigmalang demo`` uses.
    """
    from .. import corpus

    if kind == "mixed":
        return corpus.mixed(size, seed, piece)  # rotates through the kinds by their share
    makers = _makers()
    if kind not in makers:
        raise ValueError(f"unknown data kind {kind!r}; expected one of {', '.join(KIND_NAMES)} or a file")
    make = makers[kind]
    return b"".join(make(min(piece, size - start), seed * 1_000_003 + i) for i, start in enumerate(range(0, size, piece)))


def make_cycle(kind: str, seed: int = 0) -> bytes:
    """The ``CYCLE`` bytes a built-in kind streams from."""
    return generate(kind, CYCLE, PIECE, seed)


def write_cycle(kind: str, path: str | os.PathLike[str], seed: int = 0) -> None:
    Path(path).write_bytes(make_cycle(kind, seed))


class CycleStream(io.RawIOBase):
    """``total`` bytes cycling through ``cycle``, piece numbers stamped in; holds one cycle."""

    def __init__(self, cycle: bytes | list[bytearray], total: int) -> None:
        pieces = cycle if isinstance(cycle, list) else [bytearray(cycle[i : i + PIECE]) for i in range(0, len(cycle), PIECE)]
        if not pieces:
            raise ValueError("the data cycle is empty")
        self._pieces = pieces
        self._left = total
        self._piece = 0  # running piece number
        self._pos = 0  # position inside the current piece

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(b).cast("B")
        filled = 0
        while filled < len(view) and self._left:
            piece = self._pieces[self._piece % len(self._pieces)]
            if self._pos == 0:
                piece[STAMP::STRIDE] = bytes((self._piece & 0xFF,)) * len(range(STAMP, len(piece), STRIDE))
                piece[:STAMP] = self._piece.to_bytes(STAMP, "little")
            n = min(len(view) - filled, len(piece) - self._pos, self._left)
            view[filled : filled + n] = piece[self._pos : self._pos + n]
            filled += n
            self._left -= n
            self._pos += n
            if self._pos == len(piece):
                self._piece += 1
                self._pos = 0
        return filled


class FileCycle(io.RawIOBase):
    """``total`` bytes of a file, read again from its start as often as needed."""

    def __init__(self, path: str | os.PathLike[str], total: int) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        if os.fstat(self._file.fileno()).st_size == 0:
            self._file.close()
            raise ValueError(f"{path} is empty: nothing to repeat")
        self._left = total

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(b).cast("B")
        filled = 0
        while filled < len(view) and self._left:
            n = self._file.readinto(view[filled : filled + min(len(view) - filled, self._left)])
            if not n:
                self._file.seek(0)
                continue
            filled += n
            self._left -= n
        return filled

    def close(self) -> None:
        self._file.close()
        super().close()


def open_source(data: str, cycle_path: str | None, total: int) -> io.RawIOBase:
    """The stream a child reads: a built-in kind (from its cycle file) or a user file."""
    if data in KIND_NAMES:
        if cycle_path is None:
            raise ValueError(f"data kind {data!r} needs its cycle file")
        return CycleStream(_load_pieces(cycle_path), total)
    return FileCycle(data, total)


def _load_pieces(path: str) -> list[bytearray]:
    """The cycle file as pieces, read one piece at a time so loading adds no transient peak."""
    pieces = []
    with open(path, "rb") as f:
        while piece := f.read(PIECE):
            pieces.append(bytearray(piece))
    return pieces


def read_all(src: io.RawIOBase, total: int) -> bytearray:
    """The whole stream in one buffer (what a whole-buffer compressor needs)."""
    buf = bytearray(total)
    view = memoryview(buf)
    filled = 0
    while filled < total:
        n = src.readinto(view[filled:])
        if not n:
            raise EOFError(f"source ended after {filled} of {total} bytes")
        filled += n
    return buf


