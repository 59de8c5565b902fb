"""The long-range matcher: copies that really repeat, within their limits, spanning between edits."""

from __future__ import annotations

import random
import tempfile
from typing import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigmalang.codecs import longrange
from sigmalang.codecs.longrange import (
    KEY,
    BufferSource,
    Design,
    FileSource,
    LongRangeMatcher,
    RingSource,
    Source,
    anchors,
)
from sigmalang.codecs.reference import Copy, OutputHistory, literals, resolve_into

native = pytest.mark.skipif(longrange._matcher is None, reason="sigmalang.codecs._matcher was not built (no C compiler)")
pytestmark = native

MIN = 64  # small inputs: copies from this length on


def edited(base: bytes, every: int, rng: random.Random) -> tuple[bytes, list[tuple[int, int]]]:
    """``base`` with an edit about every ``every`` bytes; the (start, end) of each edit in the result."""
    out = bytearray()
    marks = []
    pos = 0
    while pos < len(base):
        stop = min(len(base), pos + rng.randrange(every // 2, 3 * every // 2))
        out += base[pos:stop]
        if stop < len(base):
            new = rng.randbytes(rng.randrange(1, 40))
            marks.append((len(out), len(out) + len(new)))
            out += new
            stop += rng.randrange(0, 40)
        pos = stop
    return bytes(out), marks


def chunks(size: int, chunk: int, segment: int) -> Iterator[tuple[int, int]]:
    for position in range(0, size, chunk):
        yield position, position - position % segment


def match_all(data: bytes, source: Source, chunk: int, segment: int, window: int, **options) -> list[list[Copy]]:
    matcher = LongRangeMatcher(window, source, **options)
    view = memoryview(data)
    return [matcher.copies(view[p : p + chunk], p, s) for p, s in chunks(len(data), chunk, segment)]


def check_chunk(data: bytes, position: int, size: int, segment_start: int, copies: list[Copy], window: int, min_copy: int) -> None:
    """Every copy repeats earlier bytes, within the window and before its segment; the chunk rebuilds."""
    raw = data[position : position + size]
    end = 0
    for c in copies:
        source = position + c.start - c.distance
        assert c.start >= end and c.start + c.length <= len(raw)  # in order, inside the chunk
        assert c.length >= min_copy and 0 < c.distance <= window
        assert 0 <= source and source + c.length <= segment_start
        assert data[source : source + c.length] == raw[c.start : c.start + c.length]
        end = c.start + c.length
    out = bytearray(len(raw))
    resolve_into(memoryview(out), copies, literals(raw, copies), position, OutputHistory(memoryview(data), 0, window))
    assert out == raw


def check_copies(data: bytes, found: list[list[Copy]], chunk: int, segment: int, window: int, min_copy: int) -> None:
    for (position, segment_start), copies in zip(chunks(len(data), chunk, segment), found):
        check_chunk(data, position, chunk, segment_start, copies, window, min_copy)


def repeating_stream(draw_seed: int, pieces: int) -> bytes:
    """Random text-like pieces, some repeated later (whole or edited) at random distances."""
    rng = random.Random(draw_seed)
    words = [rng.randbytes(rng.randrange(2, 9)) for _ in range(200)]
    made: list[bytes] = []
    for _ in range(pieces):
        if made and rng.random() < 0.6:
            old = bytearray(rng.choice(made))
            for _ in range(rng.randrange(0, 4)):
                at = rng.randrange(len(old))
                old[at : at + rng.randrange(0, 20)] = rng.randbytes(rng.randrange(0, 20))
            made.append(bytes(old))
        else:
            made.append(b" ".join(rng.choice(words) for _ in range(rng.randrange(50, 2000))))
    return b"".join(made)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    pieces=st.integers(1, 30),
    chunk=st.sampled_from([1000, 4096, 20_000, 65_536]),
    segments=st.integers(1, 4),
    window=st.sampled_from([5000, 50_000, 1 << 20]),
    design=st.sampled_from(list(Design)),
    bits=st.integers(4, 10),
)
def test_copies_repeat_earlier_bytes_within_the_window_and_before_the_segment(seed, pieces, chunk, segments, window, design, bits):
    data = repeating_stream(seed, pieces)
    found = match_all(data, BufferSource(data), chunk, chunk * segments, window, design=design, anchor_bits=bits, min_copy=MIN)
    check_copies(data, found, chunk, chunk * segments, window, MIN)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32), pieces=st.integers(5, 30), chunk=st.sampled_from([3000, 16_384]), window=st.sampled_from([20_000, 1 << 20]))
def test_buffer_file_and_ring_sources_give_the_same_copies(seed, pieces, chunk, window):
    data = repeating_stream(seed, pieces)
    prefix = b"header bytes before the stream"
    with tempfile.TemporaryFile() as file:
        file.write(prefix + data)
        file.flush()
        sources: list[Source] = [BufferSource(data), FileSource(file.fileno(), len(prefix)), RingSource()]
        found = [match_all(data, source, chunk, 2 * chunk, window, min_copy=MIN) for source in sources]
    assert found[0] == found[1] == found[2]
    check_copies(data, found[0], chunk, 2 * chunk, window, MIN)


def _base(size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    return rng.randbytes(size)


@pytest.mark.parametrize("every", [10_000, 200_000], ids=["dense", "sparse"])
def test_a_copy_spans_each_stretch_between_two_edits(every):
    rng = random.Random(every)
    base = _base(1 << 20, 5)
    version, marks = edited(base, every, rng)
    data = base + version
    matcher = LongRangeMatcher(1 << 22, BufferSource(data), min_copy=MIN)
    matcher.copies(memoryview(data)[: len(base)], 0, 0)
    copies = matcher.copies(memoryview(data)[len(base) :], len(base), len(base))
    assert len(marks) >= (3 if every > 100_000 else 80)
    stretches = zip([0] + [b for _, b in marks], [a for a, _ in marks] + [len(version)])
    for start, end in stretches:  # every unedited stretch lies inside one copy
        assert any(c.start <= start and end <= c.start + c.length for c in copies), (start, end)
    check_chunk(data, len(base), len(version), len(base), copies, 1 << 22, MIN)


def test_nothing_is_copied_from_the_current_segment_or_beyond_the_window():
    part = _base(100_000, 7)
    data = part + part + part
    found = match_all(data, BufferSource(data), 100_000, 200_000, 150_000, min_copy=MIN)
    # The second part repeats the first inside their segment (zstd's business); the third, in the
    # next segment, repeats both, but the first lies beyond the window.
    assert found[1] == []
    assert found[2] == [Copy(0, 100_000, 100_000)]
    far = match_all(data, BufferSource(data), 100_000, 100_000, 90_000, min_copy=MIN)
    assert far == [[], [], []]  # every repeat is 100 000 bytes back, the window 90 000


def test_the_ring_keeps_only_the_window():
    part = _base(50_000, 8)
    data = part + _base(100_000, 9) + part
    ring = match_all(data, RingSource(), 50_000, 50_000, 120_000, min_copy=MIN)
    buffer = match_all(data, BufferSource(data), 50_000, 50_000, 120_000, min_copy=MIN)
    assert ring == buffer == [[], [], [], []]  # the repeat is 150 000 bytes back
    near = match_all(data, RingSource(), 50_000, 50_000, 150_000, min_copy=MIN)
    assert near[3] == [Copy(0, 50_000, 150_000)]


def test_chunks_must_come_in_order_for_a_ring():
    matcher = LongRangeMatcher(1 << 20, RingSource())
    matcher.copies(b"x" * 1000, 0, 0)
    with pytest.raises(ValueError, match="out of order"):
        matcher.copies(b"y" * 1000, 5000, 5000)
    with pytest.raises(ValueError, match="out of order"):
        LongRangeMatcher(1 << 20, BufferSource(b"")).copies(b"z", 10, 20)


@pytest.mark.parametrize(
    "window, options",
    [(0, {}), (1 << 32, {}), (1 << 20, {"min_copy": KEY - 1}), (1 << 20, {"anchor_bits": 0})],
)
def test_bad_parameters_are_refused(window, options):
    with pytest.raises(ValueError):
        LongRangeMatcher(window, RingSource(), **options)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from([Design.WINDOW4, Design.WINDOW8]), st.integers(1, 6))
def test_simd_and_plain_anchor_scans_agree(data, design, bits):
    assert anchors(data, design, bits, simd=True).tolist() == anchors(data, design, bits, simd=False).tolist()


@pytest.mark.parametrize("design", list(Design))
def test_anchors_depend_only_on_nearby_bytes(design):
    data = _base(200_000, 10)
    before = anchors(data, design, 6)
    after = anchors(data[:100_000] + b"INSERTED" + data[100_000:], design, 6)
    shifted = {a - 8 for a in after.tolist() if a > 100_000}
    later = {a for a in before.tolist() if a > 100_100}
    assert len(later) > 100 and later <= shifted
    assert np.all(np.diff(before) > 0) and before.max() <= len(data) - KEY


def test_without_the_native_module_no_copies_are_found(monkeypatch):
    monkeypatch.setattr(longrange, "_matcher", None)
    data = _base(100_000, 11) * 2
    matcher = LongRangeMatcher(1 << 20, BufferSource(data))
    assert matcher.copies(data[100_000:], 100_000, 100_000) == []
    assert matcher.table_bytes == 0 and matcher.stats() == {}


def test_the_table_grows_with_the_anchors_up_to_the_window():
    small = LongRangeMatcher(1 << 20, RingSource(), anchor_bits=8)
    large = LongRangeMatcher(1 << 27, RingSource(), anchor_bits=8)
    assert large.table_bytes == 128 * small.table_bytes == (1 << 27) // 16
    assert large.stats()["table_bytes"] == 4096 * 16  # a short stream touches little
    data = _base(1 << 20, 12)
    for i in range(8):
        small.copies(data, i << 20, i << 20)
        large.copies(data, i << 20, i << 20)
    assert small.stats()["table_bytes"] == small.table_bytes  # no growth past the window
    assert 4096 * 16 < large.stats()["table_bytes"] < large.table_bytes
    # Copies still found after the table grew: the last chunk repeats the first.
    assert large.copies(data, 8 << 20, 8 << 20)


def test_a_file_source_reads_once_for_many_lookups_nearby():
    # Repeats broken every 128 bytes (no copy long enough): every lookup is verified
    # against the previous repeat, in order, a few hundred bytes after the last one.
    # The read cache must serve most of them: a read per lookup was the old cost.
    rng = random.Random(5)
    words = [rng.randbytes(rng.randrange(2, 9)) for _ in range(200)]
    base = b" ".join(rng.choice(words) for _ in range(60_000))[: 1 << 18]
    out = bytearray()
    for repeat in range(6):
        piece = bytearray(base)
        for at in range(0, len(piece), 128):
            piece[at : at + 8] = (repeat << 32 | at).to_bytes(8, "little")
        out += piece
    data = bytes(out)
    with tempfile.TemporaryFile() as file:
        file.write(data)
        file.flush()
        matcher = LongRangeMatcher(8 << 20, FileSource(file.fileno()))
        view = memoryview(data)
        found = [matcher.copies(view[p : p + 65_536], p, s) for p, s in chunks(len(data), 65_536, 2 * 65_536)]
    stats = matcher.stats()
    assert not any(found)
    assert stats["verified"] > 5_000
    assert stats["file_reads"] * 5 < stats["verified"]


def test_file_source_needs_a_descriptor():
    with pytest.raises(ValueError):
        LongRangeMatcher(1 << 20, FileSource(-1))
    data = _base(10_000, 13) * 2
    with tempfile.TemporaryFile() as file:
        file.write(data)
        file.flush()
        matcher = LongRangeMatcher(1 << 20, FileSource(file.fileno()))
        assert matcher.copies(data[:10_000], 0, 0) == []
        assert matcher.copies(data[10_000:], 10_000, 10_000) == [Copy(0, 10_000, 10_000)]


# -- density per chunk -------------------------------------------------------------
def test_dense_chunks_find_the_short_repeats_sparse_anchors_miss():
    rng = random.Random(3)
    pieces = [rng.randbytes(200) for _ in range(300)]  # repeats of 200 bytes, as functions shared by binaries
    first = b"".join(pieces)
    second = b"".join(piece + rng.randbytes(50) for piece in pieces)
    data = first + second
    found = {}
    for density in (longrange.SPARSE, longrange.DENSE):
        matcher = LongRangeMatcher(1 << 20, BufferSource(data))
        matcher.copies(first, 0, 0, density)
        found[density] = matcher.copies(second, len(first), len(first), density)
    assert found[longrange.SPARSE].copied == 0  # shorter than its shortest copy
    assert found[longrange.DENSE].copied > 0.8 * len(first)
    assert all(c.length >= longrange.DENSE.min_copy for c in found[longrange.DENSE])
    assert literals(second, found[longrange.DENSE]) != second


def test_sparse_anchors_are_a_subset_of_dense_ones():
    """What lets chunks of both densities share one table."""
    data = random.Random(4).randbytes(1 << 18)
    sparse = set(anchors(data, anchor_bits=longrange.SPARSE.anchor_bits).tolist())
    dense = set(anchors(data, anchor_bits=longrange.DENSE.anchor_bits).tolist())
    assert sparse and sparse < dense and len(dense) > 3 * len(sparse)


def test_a_chunk_denser_than_the_matcher_is_refused_out_of_range_values():
    matcher = LongRangeMatcher(1 << 20, BufferSource(b"x" * 1000))
    with pytest.raises(ValueError, match="anchor_bits"):
        matcher.copies(b"x" * 100, 0, 0, longrange.Density(0, 64))
    with pytest.raises(ValueError, match="min_copy"):
        matcher.copies(b"x" * 100, 0, 0, longrange.Density(6, 8))
