"""A short run of tools/fuzz.py's mutations, and the findings it made, kept as regressions."""

import io
import random

import pytest
import zstandard

import sigmalang
from sigmalang import FormatError
from sigmalang.format.constants import GLYPH_INDEX

from fuzzing.layout import fields, glyphs, rebuild_trailer
from fuzzing.mutate import mutant
from fuzzing.oracle import install_timer, judge
from fuzzing.seeds import seeds


def test_seeds_hold_every_feature():
    from sigmalang.format.constants import CHUNK_PRIMED, CHUNK_SHARED
    from sigmalang.format.inspect import chunk_glyphs

    chunks = [c for s in seeds() for c in chunk_glyphs(s.blob)]
    assert {c.strategy for c in chunks} == {0, 1, 2, 3}
    assert any(c.flags & CHUNK_PRIMED for c in chunks) and any(c.flags & CHUNK_SHARED for c in chunks)
    kinds = {g.type for s in seeds() for _, items in glyphs(s.blob) for g in items}
    assert {0x01, 0x02, 0x0E, 0x0F} <= kinds and any(k >= 0x80 for k in kinds)
    assert any(len(s.streams) > 2 for s in seeds())


def test_layout_finds_every_byte():
    for seed in seeds():
        covered = sorted((f.offset, f.offset + f.size) for f in fields(seed.blob))
        assert covered[0][0] == 0 and covered[-1][1] == len(seed.blob)
        assert all(a[1] == b[0] for a, b in zip(covered, covered[1:])), seed.name


def test_rebuilt_trailers_are_valid():
    for seed in seeds():
        for blob, raw in seed.streams:
            assert sigmalang.decompress(rebuild_trailer(blob)) == raw


def test_a_short_fuzz_run_finds_nothing():
    install_timer()
    rng = random.Random(2024)
    for i in range(1500):
        seed = rng.choice(seeds())
        m = mutant(rng, seed)
        findings = judge(m.blob, m.acceptable(), rng, 10.0, m.forged)
        assert not findings, (seed.name, m.steps, findings)


def _index_payload_offset(blob: bytes) -> tuple[int, int]:
    (_, items), = glyphs(blob)
    index = next(g for g in items if g.type == GLYPH_INDEX)
    return index.payload, index.end


def test_seeking_with_a_damaged_index_raises_or_reads_right():
    # Found by the fuzzer: a flipped bit in an INDEX raw length made a read after
    # a seek return the bytes of another position. The INDEX is now checked
    # against the glyphs before a seek uses it.
    seed = next(s for s in seeds() if s.name == "delta+raw")
    start, end = _index_payload_offset(seed.blob)
    for at in range(start, end):
        for bit in range(8):
            corrupt = bytearray(seed.blob)
            corrupt[at] ^= 1 << bit
            for position in range(0, len(seed.original), 1500):
                try:
                    with sigmalang.open(io.BytesIO(bytes(corrupt))) as f:
                        f.seek(position)
                        got = f.read(3000)
                except FormatError:
                    continue
                assert got == seed.original[position : position + 3000], (at, bit, position)


def test_a_zstd_frame_declaring_a_huge_size_is_refused_before_allocating():
    # Found by the fuzzer: a standalone frame (REFERENCE literals, DELTA) whose
    # header declares its content size made zstandard allocate that size.
    from sigmalang.codecs.zstd import ZstdCodec

    frame = zstandard.ZstdCompressor(write_content_size=True).compress(b"x" * 1000)
    assert ZstdCodec().decode(b"", frame, 1000) == b"x" * 1000
    forged = bytearray(frame)
    # The size field follows the descriptor (and the window byte, unless single-segment):
    # set its top bit, so it declares far more than the chunk holds.
    size_at = 5 if forged[4] & 0x20 else 6
    width = {0: 1 if forged[4] & 0x20 else 0, 1: 2, 2: 4, 3: 8}[forged[4] >> 6]
    forged[size_at : size_at + width] = (1 << (8 * width - 1)).to_bytes(width, "little")
    declared = zstandard.frame_content_size(bytes(forged))
    assert declared > 1000
    with pytest.raises(ValueError, match="declares"):
        ZstdCodec().decode(b"", bytes(forged), 1000)
