"""Valid streams of every feature, small enough to decode thousands of times a second.

Each seed is a blob and the bytes it decodes to, with the bounds of its
streams (stream-level mutations drop, repeat or swap whole streams).
Together they hold every glyph kind (CHUNK, DICT, INDEX, END, skippable) and
every chunk feature: RAW, PATTERN, DELTA and REFERENCE strategies, segments
of SHARED chunks, PRIMED frames, and several streams concatenated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

import sigmalang
from sigmalang import StreamingEncoder, corpus
from sigmalang.format.constants import GLYPH_DICT
from sigmalang.format.glyphs import encode_glyph
from sigmalang.format.varint import encode_uleb128

from .layout import rebuild_trailer

#: A skippable glyph (types 0x80-0xFF): decoders pass over it, so its payload
#: may change without changing the output.
SKIPPABLE_GLYPH = encode_glyph(0xC5, b"comment: not part of the output")


@dataclass(frozen=True)
class Seed:
    name: str
    blob: bytes
    streams: tuple[tuple[bytes, bytes], ...]  # each stream's bytes and what it decodes to

    @property
    def original(self) -> bytes:
        return b"".join(raw for _, raw in self.streams)


def records(count: int, first_id: int = 0) -> bytes:
    """NDJSON whose text recurs with new ids: structured segments, so later ones are PRIMED."""
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()
    lines = []
    for i in range(count):
        text = " ".join(words[(i * 7 + k) % len(words)] for k in range(8 + i % 9))
        lines.append(json.dumps({"id": first_id + i, "kind": words[i % 5], "text": text}))
    return ("\n".join(lines) + "\n").encode()


def _encode(raw: bytes, **settings: object) -> tuple[bytes, bytes]:
    blob = StreamingEncoder(threads=1, **settings).compress(raw)  # type: ignore[arg-type]
    assert sigmalang.decompress(blob) == raw
    return blob, raw


def _primed() -> tuple[bytes, bytes]:
    raw = b"".join(records(60, first_id=k * 1000) for k in range(4))
    return _encode(raw, chunk_size=4096, segment_size=8192)


def _delta_and_raw() -> tuple[bytes, bytes]:
    counters = (np.arange(1500, dtype=np.int64) * 1000 + np.random.default_rng(0).integers(0, 50, 1500)).tobytes()
    return _encode(counters + corpus.random_bytes(300), chunk_size=4096, segment_size=8192)


def _references() -> tuple[bytes, bytes]:
    """Text repeated beyond its segment, with an edit: a REFERENCE chunk (the repeats
    within a segment keep the stream small)."""
    text = corpus.log_text(2500) * 8
    raw = text + corpus.log_text(30000)[-3000:] * 3 + text[:10000] + b"an edit" + text[10000:]
    return _encode(raw, chunk_size=8192, segment_size=16384, references=True, reference_window=1 << 20)


def _with_extra_glyphs(stream: tuple[bytes, bytes]) -> tuple[bytes, bytes]:
    """The stream with a DICT and a skippable glyph after its header (INDEX and END rebuilt)."""
    blob = rebuild_trailer(stream[0], encode_glyph(GLYPH_DICT, encode_uleb128(7) + b"dictionary content") + SKIPPABLE_GLYPH)
    assert sigmalang.decompress(blob) == stream[1]
    return blob, stream[1]


def _seed(name: str, *streams: tuple[bytes, bytes]) -> Seed:
    return Seed(name, b"".join(blob for blob, _ in streams), tuple(streams))


@lru_cache(maxsize=1)
def seeds() -> tuple[Seed, ...]:
    """Every seed; built once per process (the encoder's output depends only on its input)."""
    primed, delta, refs = _primed(), _delta_and_raw(), _references()
    small = _encode(b"a short stream of one chunk\n")
    empty = _encode(b"")
    return (
        _seed("primed", primed),
        _seed("delta+raw", delta),
        _seed("references", refs),
        _seed("dict+skippable", _with_extra_glyphs(small)),
        _seed("concatenated", small, empty, delta, _with_extra_glyphs(small)),
    )


def every_feature() -> Seed:
    """One small file holding every glyph kind and chunk feature (for exhaustive tests)."""
    primed, delta, refs = _primed(), _delta_and_raw(), _references()
    return _seed("every-feature", _with_extra_glyphs(primed), delta, refs)
