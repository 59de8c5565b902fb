"""Every single-bit flip and every truncation of a small file holding every glyph
kind and chunk feature: detected, never decoded to wrong output."""

import pytest

import sigmalang
from sigmalang import FormatError, TruncatedError
from sigmalang.format.constants import CHUNK_PRIMED, CHUNK_SHARED
from sigmalang.format.inspect import chunk_glyphs

from fuzzing.layout import glyphs, stream_bounds
from fuzzing.seeds import every_feature

SEED = every_feature()


def _unchecked_ranges() -> list[range]:
    """Bytes no checksum covers, by design: a skippable glyph's type (while it stays
    skippable) and payload, which decoders pass over, and a DICT's payload (reserved;
    this decoder skips it). A flip there may decode, and must then give the original."""
    ranges = []
    for _, items in glyphs(SEED.blob):
        for g in items:
            if g.type >= 0x80:
                ranges += [range(g.offset, g.offset + 1), range(g.payload, g.end)]
            elif g.type == 0x02:
                ranges.append(range(g.payload, g.end))
    return ranges


def test_the_file_holds_every_glyph_kind_and_feature():
    chunks = list(chunk_glyphs(SEED.blob))
    assert {c.strategy for c in chunks} == {0, 1, 2, 3}  # RAW, PATTERN, REFERENCE, DELTA
    assert any(c.flags & CHUNK_PRIMED for c in chunks) and any(c.flags & CHUNK_SHARED for c in chunks)
    kinds = {g.type for _, items in glyphs(SEED.blob) for g in items}
    assert {0x01, 0x02, 0x0E, 0x0F} <= kinds and any(k >= 0x80 for k in kinds)
    assert len(SEED.streams) == 3
    assert len(SEED.blob) < 12_000  # keeps the exhaustive runs below quick


def test_every_single_bit_flip_is_detected():
    unchecked = _unchecked_ranges()
    undetected = []
    for position in range(len(SEED.blob)):
        for bit in range(8):
            corrupt = bytearray(SEED.blob)
            corrupt[position] ^= 1 << bit
            try:
                out = sigmalang.decompress(bytes(corrupt), threads=1)
            except FormatError as exc:
                assert exc.offset is not None and 0 <= exc.offset <= len(SEED.blob), (position, bit, exc)
                continue
            assert out == SEED.original, f"flip of bit {bit} at {position} decoded to other bytes"
            undetected.append(position)
    assert all(any(p in r for r in unchecked) for p in undetected)


@pytest.mark.parametrize("threads, step", [(1, 1), (2, 7)])
def test_truncation_at_every_offset(threads, step):
    ends = {end: sum(len(raw) for _, raw in SEED.streams[: i + 1]) for i, (_, end) in enumerate(stream_bounds(SEED.blob))}
    for cut in range(0, len(SEED.blob), step):
        if cut in ends:  # a file cut between streams is the streams before the cut
            assert sigmalang.decompress(SEED.blob[:cut], threads=threads) == SEED.original[: ends[cut]]
            continue
        with pytest.raises(TruncatedError) as info:
            sigmalang.decompress(SEED.blob[:cut], threads=threads)
        assert info.value.offset == cut
