"""Finding far repeats: content-defined blocks, random-looking chunks and the block index."""

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigmalang import corpus
from sigmalang.codecs import blocks
from sigmalang.codecs.blocks import MAX_BLOCK, MIN_BLOCK, BlockIndex, Blocks, content_boundaries, looks_random
from sigmalang.codecs.reference import Copy

native = pytest.mark.skipif(blocks._cutter is None, reason="sigmalang.codecs._cutter was not built (no C compiler)")

TEXT = corpus.log_text(400_000)


# -- content-defined blocks --------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=20_000))
def test_blocks_cover_the_input_within_their_size_bounds(data):
    cuts = content_boundaries(data)
    assert cuts == sorted(set(cuts))
    assert (cuts[-1] if cuts else 0) == len(data)
    sizes = [b - a for a, b in zip([0] + cuts, cuts)]
    assert all(size <= MAX_BLOCK + MIN_BLOCK for size in sizes)
    assert all(size >= MIN_BLOCK for size in sizes[:-1])


def test_an_insertion_moves_only_nearby_boundaries():
    cuts = content_boundaries(TEXT)
    edited = TEXT[:100_000] + b"INSERTED" + TEXT[100_000:]
    moved = {c - 8 for c in content_boundaries(edited) if c > 100_000}
    later = {c for c in cuts if c > 110_000}
    assert len(later) > 20
    assert later <= moved  # every boundary past the edit reappears, shifted by the insertion


def test_runs_of_zero_bytes_are_cut_at_the_maximum_block_size():
    assert content_boundaries(bytes(200_000)) == [MAX_BLOCK, 2 * MAX_BLOCK, 3 * MAX_BLOCK, 200_000]
    assert content_boundaries(bytes(3 * MAX_BLOCK + 100)) == [MAX_BLOCK, 2 * MAX_BLOCK, 3 * MAX_BLOCK + 100]


# -- the native cutter finds what the numpy path finds -----------------------------
def _both(data: bytes, simd: bool = True) -> tuple[np.ndarray, np.ndarray]:
    native_hits = np.frombuffer(blocks._cutter.candidates(data, simd=simd), dtype="<i8")
    return native_hits, blocks._candidates_numpy(memoryview(data))


@native
@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=5000), st.booleans())
def test_native_candidates_equal_numpy_ones(data, simd):
    native_hits, numpy_hits = _both(data, simd)
    assert native_hits.tolist() == numpy_hits.tolist()


@native
@pytest.mark.parametrize("simd", [True, False])
def test_native_candidates_equal_numpy_ones_on_real_text_at_every_alignment(simd):
    for skip in range(5):  # the SIMD path's 32-window steps and the plain tail, at each offset
        native_hits, numpy_hits = _both(TEXT[skip:], simd)
        assert len(numpy_hits) > 50
        assert native_hits.tolist() == numpy_hits.tolist()


@native
def test_native_candidates_keep_every_hit_when_the_data_is_full_of_them():
    # A 16-byte pattern with a hit in it, repeated: several thousand candidates,
    # more than the native scan's first buffer (1024 offsets) holds, so it grows.
    rng = random.Random(5)
    while True:
        data = rng.randbytes(16) * 5000
        numpy_hits = blocks._candidates_numpy(memoryview(data))
        if len(numpy_hits) > 4 * 1024:
            break
    for simd in (True, False):
        native_hits, _ = _both(data, simd)
        assert native_hits.tolist() == numpy_hits.tolist()


@native
def test_the_native_cutter_is_the_one_in_use_when_built():
    assert blocks.CUTTER == "native"
    assert blocks._candidates is blocks._candidates_native


# -- the block index -------------------------------------------------------------
def test_repeats_from_an_earlier_segment_become_copies_nearer_ones_do_not():
    index = BlockIndex(1 << 20)
    index.copies(TEXT[:100_000], 0, 0)
    same_segment = index.copies(TEXT[:100_000], 100_000, 0)
    assert same_segment == []
    next_segment = index.copies(TEXT[:100_000], 200_000, 200_000)
    assert sum(c.length for c in next_segment) > 90_000
    for c in next_segment:  # every copy points at the same bytes one or two repeats back
        assert c.distance in (100_000, 200_000)


def test_copies_never_reach_beyond_the_window():
    index = BlockIndex(1 << 20)
    index.copies(TEXT[:100_000], 0, 0)
    assert index.copies(TEXT[:100_000], (1 << 20) + 50_000, (1 << 20) + 50_000) == []
    assert len(index) < 200  # the old blocks were forgotten, not just skipped


def test_a_chunk_partly_beyond_the_window_gives_copies_only_from_its_part_within():
    window = 1 << 20
    index = BlockIndex(window)
    index.copies(TEXT[:300_000], 0, 0)
    # At 1.1 MB the chunk at 0..300 KB is still remembered (it ends within the window)...
    late = 1_100_000
    head = index.copies(TEXT[:100_000], late, late)
    assert head == []  # ...but its first 100 KB lie more than a window back
    tail = index.copies(TEXT[200_000:300_000], late + 100_000, late + 100_000)
    assert sum(c.length for c in tail) > 80_000
    assert all(c.distance <= window for c in tail)


def test_adjacent_copies_from_adjacent_sources_merge():
    index = BlockIndex(1 << 20)
    index.copies(TEXT[:200_000], 0, 0)
    copies = index.copies(TEXT[:200_000], 300_000, 300_000)
    assert len(copies) == 1 and copies[0] == Copy(0, 200_000, 300_000)


def test_random_looking_chunks_are_not_indexed_but_text_is():
    noise = random.Random(3).randbytes(1 << 20)
    assert looks_random(noise)
    assert not looks_random(TEXT)
    assert Blocks.of(noise).keys == []
    index = BlockIndex(1 << 22)
    index.copies(noise, 0, 0)
    assert len(index) == 0 and index.copies(noise, 1 << 20, 1 << 20) == []
