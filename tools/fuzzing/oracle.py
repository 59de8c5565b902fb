"""Decode a mutant through every decoding path and judge what happened.

Allowed: an error that is a ``FormatError`` (or subclass) naming an offset
within the input, or output equal to what the mutant must decode to.
Anything else is a finding: another exception (including ``MemoryError``
under the address-space limit: an allocation the declared limits did not
bound), an error without an offset, different output, or a decode that runs
past the per-input time cap.
"""

from __future__ import annotations

import io
import random
import signal
import traceback
from dataclasses import dataclass
from typing import Callable

import sigmalang
from sigmalang import FormatError, Limits, StreamingDecoder
from sigmalang.format.index import read_file_index
from sigmalang.format.index_check import verify_file_index

#: Tighter than the defaults so the address-space limit says something: the
#: seeds' chunks are at most 8 KiB and their windows 1 MiB.
LIMITS = Limits(max_chunk_size=1 << 20, max_glyph_size=(1 << 20) + (64 << 10), max_dict_size=1 << 20, max_window=1 << 22)


class Hang(BaseException):
    """Raised by the timer when one decode outlives the per-input cap (a BaseException,
    so that no ``except Exception`` in the code under test swallows it)."""


@dataclass
class Finding:
    path: str
    kind: str
    detail: str


def _raise_hang(signum: int, frame: object) -> None:
    raise Hang


def install_timer() -> None:
    signal.signal(signal.SIGALRM, _raise_hang)


def _by_bytes(blob: bytes, acceptable: list[bytes], rng: random.Random, forged: bool) -> bytes:
    return sigmalang.decompress(blob, threads=rng.choice((1, 2)), limits=LIMITS)


def _by_pushes(blob: bytes, acceptable: list[bytes], rng: random.Random, forged: bool) -> bytes:
    decoder = StreamingDecoder(rng.choice((1, 2)), limits=LIMITS)
    cuts = sorted(rng.randrange(len(blob) + 1) for _ in range(rng.randrange(6)))
    parts: list[bytes] = []
    try:
        previous = 0
        for cut in cuts + [len(blob)]:
            parts.extend(bytes(p) for p in decoder.feed(blob[previous:cut]))
            previous = cut
        parts.extend(bytes(p) for p in decoder.flush())
    finally:
        decoder.close()
    return b"".join(parts)


class _WrongRead(AssertionError):
    pass


def _index_checks(blob: bytes) -> bool:
    """Whether the file's INDEX glyphs pass the check a seeking reader makes before
    using them (``format.index_check``)."""
    fp = io.BytesIO(blob)
    index = read_file_index(fp, LIMITS)
    if index is None:
        return False
    try:
        verify_file_index(fp, index, LIMITS)
    except FormatError:
        return False
    return True


def _by_seeks(blob: bytes, acceptable: list[bytes], rng: random.Random, forged: bool) -> bytes:
    """Reads after random seeks must each give the expected bytes (or raise) when the
    reader seeks by a checked INDEX and the mutant is not forged. Without a usable
    INDEX a seek decodes from the start, and what it returns before the stream's END
    has the streaming decoders' guarantee only (docs/RELIABILITY.md): it is checked
    by the whole read from the start, made in every case."""
    strict = not forged and _index_checks(blob)
    with sigmalang.open(io.BytesIO(blob), threads=rng.choice((1, 2)), limits=LIMITS) as f:
        for _ in range(rng.randrange(1, 4)):
            position = rng.randrange(len(acceptable[0]) + 2)
            size = rng.choice((1, 100, 5000, 1 << 20))
            f.seek(position)
            got = f.read(size)
            if strict and all(got != out[position : position + size] for out in acceptable):
                raise _WrongRead(f"read({size}) after seek({position}) gave {len(got)} bytes that differ")
        f.seek(0)
        return f.read()


PATHS: dict[str, Callable[[bytes, list[bytes], random.Random, bool], bytes]] = {
    "bytes": _by_bytes,
    "push": _by_pushes,
    "seek": _by_seeks,
}


def judge(blob: bytes, acceptable: list[bytes], rng: random.Random, cap: float, forged: bool = False) -> list[Finding]:
    """Run every path on ``blob`` (each within ``cap`` seconds) and list what went wrong:
    an output not in ``acceptable`` (the expected output first) is one."""
    findings = []
    for name, path in PATHS.items():
        try:
            signal.setitimer(signal.ITIMER_REAL, cap)
            try:
                out = path(blob, acceptable, rng, forged)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except Hang:
            findings.append(Finding(name, "hang", f"no result within {cap} s"))
            continue
        except FormatError as exc:
            if exc.offset is None or not 0 <= exc.offset <= len(blob):
                findings.append(Finding(name, "bad offset", f"{type(exc).__name__}: {exc} (input of {len(blob)} bytes)"))
            continue
        except _WrongRead as exc:
            findings.append(Finding(name, "wrong output", str(exc)))
            continue
        except BaseException as exc:  # noqa: BLE001 - every other exception is a finding
            if isinstance(exc, KeyboardInterrupt):
                raise
            findings.append(Finding(name, f"raised {type(exc).__name__}", traceback.format_exc()))
            continue
        if out not in acceptable:
            findings.append(Finding(name, "wrong output", f"{len(out)} bytes decoded, {len(acceptable[0])} expected"))
    return findings
