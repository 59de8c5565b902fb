"""Mutations of valid streams: bytes, fields (with repairs that carry them past the
first check), and whole streams.

Each mutant carries the output a decoder may give if it accepts the mutant:
the seed's output, except after stream-level mutations (dropping, repeating
or swapping whole streams), which change the meaning in a known way: a
concatenation decodes to the concatenation of its streams' outputs.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass, field
from typing import Callable

from sigmalang.format.varint import encode_uleb128

from .layout import Field, fields, fix_data_checksum, rebuild_trailer, resize_glyph, stream_bounds
from .seeds import Seed

_BOUNDARY = (0, 1, 2, 0x7F, 0x80, 0xFF, 0x3FFF, 0x4000, 1 << 20, (1 << 26) + 1, (1 << 32) - 1, (1 << 35) - 1, 1 << 63, (1 << 64) - 1)


@dataclass
class Mutant:
    blob: bytes
    expected: bytes  # what a decoder that accepts the blob must output
    steps: list[str] = field(default_factory=list)
    #: A checksum or the trailers were recomputed over damage: the file is then
    #: consistent everywhere but in chunk data that only decoding checks, so
    #: reads after a seek past that chunk cannot know (FUZZING in RELIABILITY.md).
    forged: bool = False
    #: A glyph type may have changed (a type field or any byte mutation).
    retyped: bool = False
    #: Raw offsets in ``expected`` where its streams end.
    boundaries: tuple[int, ...] = ()
    #: The blob lost its tail: a file that now ends where a stream ended is valid and
    #: means the streams before that point (as a gzip file cut between members).
    tail_cut: bool = False

    def acceptable(self) -> list[bytes]:
        """Every output a decoder may give for the blob."""
        return [self.expected] + ([self.expected[:b] for b in self.boundaries] if self.tail_cut else [])


# -- byte level ----------------------------------------------------------------


def _flip_bit(rng: random.Random, b: bytearray) -> str:
    at = rng.randrange(len(b))
    bit = rng.randrange(8)
    b[at] ^= 1 << bit
    return f"flip bit {bit} at {at}"


def _set_byte(rng: random.Random, b: bytearray) -> str:
    at = rng.randrange(len(b))
    b[at] = rng.choice((0, 0xFF, 0x80, 0x7F, rng.randrange(256)))
    return f"set byte at {at} to {b[at]:#x}"


def _insert(rng: random.Random, b: bytearray) -> str:
    at = rng.randrange(len(b) + 1)
    junk = bytes(rng.randrange(256) for _ in range(rng.choice((1, 2, 4, 17))))
    b[at:at] = junk
    return f"insert {len(junk)} bytes at {at}"


def _delete(rng: random.Random, b: bytearray) -> str:
    at = rng.randrange(len(b))
    n = rng.choice((1, 2, 8, 64, 1024))
    del b[at : at + n]
    return f"delete {n} bytes at {at}"


def _duplicate(rng: random.Random, b: bytearray) -> str:
    at = rng.randrange(len(b))
    n = rng.choice((1, 16, 256, 4096))
    to = rng.randrange(len(b) + 1)
    b[to:to] = b[at : at + n]
    return f"copy {n} bytes from {at} to {to}"


def _truncate(rng: random.Random, b: bytearray) -> str:
    at = rng.randrange(len(b))
    del b[at:]
    return f"truncate at {at}"


BYTE_MUTATIONS: tuple[Callable[[random.Random, bytearray], str], ...] = (
    _flip_bit, _flip_bit, _set_byte, _insert, _delete, _duplicate, _truncate,
)


# -- field level ---------------------------------------------------------------


def _new_value(rng: random.Random, f: Field, old: bytes) -> bytes:
    """A new encoding for field ``f``: a flipped bit, a boundary or nearby value,
    or (for varints) a longer, non-canonical encoding of the same value."""
    choice = rng.randrange(4)
    if choice == 0 or f.size == 0:
        out = bytearray(old)
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
        return bytes(out)
    value = int.from_bytes(old, "little") if not f.varint else _varint_value(old)
    if choice == 1:
        value = rng.choice(_BOUNDARY)
    elif choice == 2:
        value = max(0, value + rng.choice((-2, -1, 1, 2, 64, -64)))
    elif f.varint:  # same value, padded with continuation bytes
        enc = encode_uleb128(value)
        pad = rng.randrange(1, 4)
        return bytes(x | 0x80 for x in enc) + b"\x80" * (pad - 1) + b"\x00"
    if f.varint:
        return encode_uleb128(value)
    return (value % (1 << (8 * f.size))).to_bytes(f.size, "little")


def _varint_value(encoded: bytes) -> int:
    return sum((byte & 0x7F) << (7 * i) for i, byte in enumerate(encoded))


def mutate_field(rng: random.Random, blob: bytes, may_rebuild: bool = True) -> tuple[bytes, str, bool]:
    """Change one field; then maybe repair the glyph length, data checksum and trailers.

    Trailers are not rebuilt (``may_rebuild`` False) once a glyph's type may have
    changed: a CHUNK turned into a skippable glyph or a DICT with the INDEX and END
    rebuilt to match is a valid stream without that chunk, not damage."""
    f = rng.choice(fields(blob))
    old = blob[f.offset : f.offset + f.size]
    new = _new_value(rng, f, old)
    out = bytearray(blob[: f.offset] + new + blob[f.offset + f.size :])
    step = f"field {f.kind} at {f.offset}: {old.hex()} -> {new.hex()}"
    repaired = f.kind == "data checksum"  # the mutator may set it to the right value
    delta = len(new) - len(old)
    if f.glyph is not None and f.kind not in ("glyph type", "glyph length"):
        if delta and rng.random() < 0.8:
            out = resize_glyph(out, f.glyph, delta)
            step += ", glyph length fixed"
        if out[f.glyph] == 1 and f.kind not in ("data checksum",) and rng.random() < 0.7:
            fix_data_checksum(out, f.glyph)
            step += ", data checksum fixed"
            repaired = True
        if may_rebuild and rng.random() < 0.5:
            fixed = _rebuild_containing(bytes(out), f.offset)
            if fixed is not None:
                out = bytearray(fixed)
                step += ", INDEX and END rebuilt"
                repaired = True
    return bytes(out), step, repaired


def _rebuild_containing(blob: bytes, offset: int) -> bytes | None:
    """The blob with the trailers of the stream holding ``offset`` rebuilt; None when
    the change broke the framing (nothing consistent to rebuild)."""
    try:
        bounds = stream_bounds(blob)
    except (AssertionError, ValueError, IndexError):
        return None
    for start, end in bounds:
        if start <= offset < end:
            try:
                return blob[:start] + rebuild_trailer(blob[start:end]) + blob[end:]
            except (AssertionError, ValueError, IndexError, KeyError, OverflowError, struct.error):
                return None
    return None


# -- stream level --------------------------------------------------------------


def mutate_streams(rng: random.Random, seed: Seed) -> Mutant:
    """Drop, repeat or swap whole streams: a valid file with a known output."""
    streams = list(seed.streams)
    i = rng.randrange(len(streams))
    j = rng.randrange(len(streams))
    action = rng.choice(("drop", "repeat", "swap"))
    if action == "drop" and len(streams) > 1:
        del streams[i]
    elif action == "repeat":
        streams.insert(j, streams[i])
    else:
        streams[i], streams[j] = streams[j], streams[i]
    blob = b"".join(s for s, _ in streams)
    return Mutant(blob, b"".join(raw for _, raw in streams), [f"streams: {action} {i} {j}"], boundaries=_ends(streams))


def _ends(streams: list[tuple[bytes, bytes]] | tuple[tuple[bytes, bytes], ...]) -> tuple[int, ...]:
    ends, total = [], 0
    for _, raw in streams:
        total += len(raw)
        ends.append(total)
    return tuple(ends)


def mutant(rng: random.Random, seed: Seed) -> Mutant:
    """One to three mutations of ``seed`` (field-level ones first, while the layout is known)."""
    if len(seed.streams) > 1 and rng.random() < 0.2:
        m = mutate_streams(rng, seed)
    else:
        m = Mutant(seed.blob, seed.original, boundaries=_ends(seed.streams))
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        if not m.blob:
            break
        if rng.random() < 0.6:
            try:
                blob, step, repaired = mutate_field(rng, m.blob, not m.retyped)
                m.forged |= repaired
                m.retyped |= step.startswith("field glyph type")
            except (AssertionError, ValueError, IndexError):  # layout already broken by a byte mutation
                continue
        else:
            b = bytearray(m.blob)
            step = rng.choice(BYTE_MUTATIONS)(rng, b)
            m.tail_cut |= len(b) < len(m.blob) and b == bytearray(m.blob[: len(b)])
            blob = bytes(b)
            m.retyped = True
        m.blob = blob
        m.steps.append(step)
    return m
