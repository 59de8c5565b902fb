"""Finding far repeats: content-defined blocks, random-looking chunks and the block index."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from sigmalang import corpus
from sigmalang.codecs.blocks import MAX_BLOCK, MIN_BLOCK, BlockIndex, Blocks, content_boundaries, looks_random
from sigmalang.codecs.reference import Copy

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
