"""Seeking in streams whose chunks copy from earlier segments: the DEPENDS glyph says
which segment decoding must start at, and a reader never decodes what a seek does not need."""

from __future__ import annotations

import io
import random

import pytest

import sigmalang
from sigmalang import StreamingEncoder, corpus
from sigmalang.codecs.reference import split
from sigmalang.format.constants import GLYPH_DEPENDS
from sigmalang.format.index import decode_starts, read_file_index, read_stream_indexes
from sigmalang.format.inspect import chunk_glyphs
from sigmalang.format.limits import Limits

MIB = 1 << 20
SEGMENT = 2 * MIB


def _text(size: int, seed: int) -> bytes:
    return corpus.log_text(size, seed=seed)


# Four segments: A, B, C, then B again (copied from segment 1).
PARTS = [_text(SEGMENT, seed) for seed in (11, 12, 13)]
DATA = PARTS[0] + PARTS[1] + PARTS[2] + PARTS[1]


def _encode(data: bytes) -> bytes:
    return StreamingEncoder(threads=2, chunk_size=MIB, segment_size=SEGMENT).compress(data)


BLOB = _encode(DATA)


def _lows_from_copies(blob: bytes) -> list[int]:
    """Each segment's earliest segment its copies and prime read, from the chunks themselves."""
    segment, position, lows, segments, starts = -1, 0, [], [], []
    for chunk in chunk_glyphs(blob):
        if not chunk.continues:
            segment += 1
            lows.append(segment)
        segments.append(segment)
        starts.append(position)
        sources = []
        if chunk.strategy == sigmalang.Strategy.REFERENCE:
            sources += [position + c.start - c.distance for c in split(chunk.params, chunk.data, chunk.raw_length).copies]
        if chunk.prime is not None:
            sources.append(position - chunk.prime[0])
        for source in sources:
            lows[segment] = min(lows[segment], segments[max(i for i, s in enumerate(starts) if s <= source)])
        position += chunk.raw_length
    return lows


def test_the_depends_glyph_names_what_each_segment_reads():
    ((_, index),) = read_stream_indexes(io.BytesIO(BLOB), Limits())
    assert index.segment_lows == _lows_from_copies(BLOB)
    assert index.segment_lows[3] == 1  # the repeat of B copies from B's segment
    assert decode_starts(index.segment_lows)[3] == 1


def test_decode_starts_include_what_the_segments_in_between_need():
    assert decode_starts([0, 1, 2, 1]) == [0, 1, 2, 1]
    assert decode_starts([0, 1, 0, 2]) == [0, 1, 0, 0]  # segment 3 needs 2, which needs 0
    assert decode_starts([0, 0, 2, 3, 1]) == [0, 0, 2, 3, 0]


def test_a_seek_decodes_from_the_segment_its_copies_need_not_from_the_start():
    with sigmalang.open(io.BytesIO(BLOB), "rb", threads=1) as f:
        f.seek(3 * SEGMENT + 1000)
        assert f.read(5000) == DATA[3 * SEGMENT + 1000 : 3 * SEGMENT + 6000]
        decoded = f._reader._decoder.stats.bytes_out  # from segment 1 on: B, C and a little of B again
    assert 2 * SEGMENT < decoded <= 3 * SEGMENT + 2 * MIB


@pytest.mark.parametrize("name", ["mixed", "versions"])
def test_random_seeks_and_reads_across_segments_give_the_original(name):
    if name == "mixed":
        data = corpus.mixed(24 * MIB)
    else:
        base = bytearray(_text(3 * MIB, 21))
        rng = random.Random(3)
        versions = []
        for _ in range(6):
            for _ in range(50):
                at = rng.randrange(len(base) - 10)
                base[at : at + 4] = bytes(rng.randrange(256) for _ in range(4))
            versions.append(bytes(base))
        data = b"".join(versions)
    blob = _encode(data)
    rng = random.Random(7)
    with sigmalang.open(io.BytesIO(blob), "rb") as f:
        for _ in range(25):
            pos = rng.randrange(len(data))
            size = rng.choice((100, 5000, 3 * MIB))  # some reads run on into segments that need a restart
            f.seek(pos)
            assert f.read(size) == data[pos : pos + size], pos
        f.seek(0)
        assert f.read() == data


def _without_depends(blob: bytes, damage: bool) -> bytes:
    """The stream with its DEPENDS glyph damaged (a flipped checksum bit) or left out."""
    index_offset = int.from_bytes(blob[-46 + 2 + 24 : -46 + 2 + 32], "little")
    at = blob.index(bytes((GLYPH_DEPENDS,)), index_offset)
    end = len(blob) - 46
    if damage:
        out = bytearray(blob)
        out[end - 1] ^= 1
        return bytes(out)
    # Older streams have no DEPENDS: END follows the INDEX, and gives its own offset.
    trailer = bytearray(blob[end:])
    trailer[2 + 32 : 2 + 40] = at.to_bytes(8, "little")
    return blob[:at] + bytes(trailer)


@pytest.mark.parametrize("damage", [True, False], ids=["damaged", "absent"])
def test_without_a_valid_depends_glyph_seeks_decode_from_the_stream_start(damage):
    blob = _without_depends(BLOB, damage)
    assert sigmalang.decompress(blob) == DATA  # the glyph is skippable: decoding does not need it
    index = read_file_index(io.BytesIO(blob), Limits())
    assert index is not None and {p.chunk_offset for p in index.points} == {0}
    with sigmalang.open(io.BytesIO(blob), "rb") as f:
        f.seek(3 * SEGMENT + 1000)
        assert f.read(5000) == DATA[3 * SEGMENT + 1000 : 3 * SEGMENT + 6000]
