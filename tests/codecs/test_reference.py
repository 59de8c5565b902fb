"""REFERENCE: copy tables, the decoder's history, and streams with copies end to end."""

import io
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sigmalang
from sigmalang import FormatError, StreamingDecoder, StreamingEncoder, Strategy, corpus
from sigmalang.codecs import reference
from sigmalang.codecs.reference import (
    Copy,
    CopyTable,
    HistoryRing,
    OutputHistory,
    encode_copies,
    literals,
    resolve_into,
    split,
)
from sigmalang.format.limits import Limits
from sigmalang.format.varint import encode_uleb128
from sigmalang.format.inspect import chunk_glyphs
from sigmalang.format.parser import GlyphParser, StreamStart

TEXT = corpus.log_text(400_000)


def versions(base: bytes, count: int, seed: int = 5) -> bytes:
    """``count`` copies of ``base``, each with a few small insertions, deletions and overwrites."""
    rng = random.Random(seed)
    out, current = [], bytearray(base)
    for _ in range(count):
        for _ in range(5):
            at = rng.randrange(len(current))
            current[at : at + rng.randrange(0, 30)] = rng.randbytes(rng.randrange(0, 30))
        out.append(bytes(current))
    return b"".join(out)


# -- copy tables and resolution ----------------------------------------------------
def draw_copies(chunk: bytes, data) -> tuple[bytes, int, list[Copy]]:
    """History that ends with an earlier copy of ``chunk``, the chunk's position after
    it, and copies of random spans of the chunk taken from that earlier copy."""
    history_bytes = data.draw(st.binary(min_size=len(chunk), max_size=8000)) + chunk
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(chunk)), max_size=8))))
    copies = [Copy(a, b - a, len(chunk)) for a, b in zip(cuts[::2], cuts[1::2]) if b > a]
    return history_bytes, len(history_bytes), copies


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=4000), st.data())
def test_copies_and_literals_rebuild_the_chunk_from_history(chunk, data):
    history_bytes, position, copies = draw_copies(chunk, data)
    table = encode_copies(copies)
    inner = sigmalang.codecs.raw.RawCodec().encode(literals(chunk, copies), 3)
    wrapped = reference.wrap(inner, copies)
    parts = split(wrapped.params, wrapped.data, len(chunk))
    assert parts.copies == copies and parts.inner_strategy is Strategy.RAW
    assert bytes(wrapped.data).startswith(sigmalang.format.varint.encode_uleb128(len(table)) + table)
    ring = HistoryRing(1 << 20)
    ring.append(history_bytes)
    out = bytearray(len(chunk))
    resolve_into(memoryview(out), parts.copies, parts.inner_data, position, ring)
    assert out == chunk


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**40), st.integers(1, 2**40), st.integers(1, 2**62)), max_size=50))
def test_copy_tables_encode_as_scalar_leb128_and_parse_back(rows):
    copies, at = [], 0
    for gap, length, distance in rows:
        copies.append(Copy(at + gap, length, distance))
        at += gap + length
    expected = bytearray(encode_uleb128(len(copies)))
    at = 0
    for c in copies:  # the format's definition, one field at a time
        expected += encode_uleb128(c.start - at) + encode_uleb128(c.length) + encode_uleb128(c.distance)
        at = c.start + c.length
    assert encode_copies(copies) == expected
    data = encode_uleb128(len(expected)) + expected
    assert split(bytes((Strategy.RAW,)), data, at).copies == copies


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60), st.integers(0, 5000))
def test_any_copy_table_bytes_parse_or_raise_value_error(table, raw_length):
    data = encode_uleb128(len(table)) + table
    try:
        parts = split(bytes((Strategy.RAW,)), data, raw_length)
    except ValueError:
        return
    ends = [c.start + c.length for c in parts.copies]
    assert all(c.length > 0 and c.distance > 0 for c in parts.copies)
    assert all(a <= c.start for a, c in zip([0] + ends, parts.copies)) and max(ends, default=0) <= raw_length


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=4000), st.data())
def test_the_native_resolver_rebuilds_what_the_python_one_does(chunk, data):
    history_bytes, position, drawn = draw_copies(chunk, data)
    copies = CopyTable.of(drawn)
    lits = literals(chunk, copies)
    ring = HistoryRing(1 << 20)  # read a copy at a time, in Python
    ring.append(history_bytes)
    by_ring = bytearray(len(chunk))
    resolve_into(memoryview(by_ring), copies, lits, position, ring)
    output = bytearray(b"--" + history_bytes + bytes(len(chunk)))  # the stream starts at index 2
    resolve_into(memoryview(output)[2 + position :], copies, lits, position, OutputHistory(memoryview(output), 2, 1 << 20))
    assert by_ring == chunk and output[2 + position :] == chunk


@pytest.mark.skipif(reference._native is None, reason="needs the native module")
def test_the_native_resolver_refuses_what_the_python_one_refuses(tmp_path):
    output = memoryview(bytearray(1100))
    history = OutputHistory(output, 0, 1 << 20)
    with pytest.raises(ValueError, match="outside"):
        resolve_into(output[1000:], [Copy(0, 100, 50)], b"", 1000, history)
    with pytest.raises(ValueError, match="outside"):
        resolve_into(output[1000:], [Copy(0, 100, 2000)], b"", 1000, history)
    with pytest.raises(ValueError, match="literals hold"):
        resolve_into(output[1000:], [Copy(0, 50, 500)], b"x", 1000, history)
    with pytest.raises(ValueError, match="outside"):
        resolve_into(output[1000:], [Copy(0, 100, 500)], b"", 1000, OutputHistory(output, 0, 400))


def test_a_copy_reading_its_own_chunk_or_outside_the_window_is_rejected():
    ring = HistoryRing(1 << 20)
    ring.append(b"x" * 1000)
    out = memoryview(bytearray(100))
    with pytest.raises(ValueError, match="outside"):
        resolve_into(out, [Copy(0, 100, 50)], b"", 1000, ring)  # would read bytes 950..1050
    with pytest.raises(ValueError, match="outside"):
        resolve_into(out, [Copy(0, 100, 2000)], b"", 1000, ring)  # before the stream began


@pytest.mark.parametrize(
    "params, data, message",
    [
        (b"", b"\x00", "no inner strategy"),
        (bytes((Strategy.REFERENCE,)), b"\x01\x00", "cannot nest"),
        (bytes((9,)), b"\x01\x00", "unknown inner"),
        (bytes((Strategy.RAW,)), b"\x09\x00", "overruns"),
        (bytes((Strategy.RAW,)), b"\x04\x01\x00\x00\x05", "does not fit"),
        (bytes((Strategy.RAW,)), b"\x04\x01\x00\x10\x05", "does not fit"),
    ],
)
def test_malformed_copy_tables_are_rejected(params, data, message):
    with pytest.raises(ValueError, match=message):
        split(params, data, 10)


def test_history_ring_wraps_and_forgets_what_is_older_than_its_window():
    ring = HistoryRing(1 << 20)
    data = random.Random(1).randbytes(3 << 20)
    for start in range(0, len(data), 300_000):
        ring.append(data[start : start + 300_000])
    out = bytearray(5000)
    ring.read_into(len(data) - (1 << 20), memoryview(out))
    assert out == data[len(data) - (1 << 20) :][:5000]
    with pytest.raises(ValueError, match="not in the decoder's history"):
        ring.read_into(len(data) - (1 << 20) - 1, memoryview(out))


def test_output_history_reads_from_the_stream_base():
    buf = memoryview(bytearray(b"..abcdef"))
    out = bytearray(3)
    OutputHistory(buf, 2, 1 << 20).read_into(1, memoryview(out))
    assert out == b"bcd"


# -- whole streams ------------------------------------------------------------------
VERSIONED = versions(TEXT[:300_000], 8)


def encode(data: bytes, **kw) -> bytes:
    """Through the streaming path, small chunks and segments (references are on by default)."""
    kw.setdefault("references", kw.get("reference_window") != 0)
    out = io.BytesIO()  # through the streaming path; compress() gives the same bytes
    StreamingEncoder(threads=2, chunk_size=100_000, segment_size=300_000, **kw).encode_stream(io.BytesIO(data), out)
    return out.getvalue()


def strategies(blob: bytes) -> list[int]:
    return [chunk.strategy for chunk in chunk_glyphs(blob)]


def test_versioned_copies_use_references_and_shrink_far_below_segments_alone():
    with_refs = encode(VERSIONED)
    without = encode(VERSIONED, reference_window=0)
    assert Strategy.REFERENCE in strategies(with_refs)
    assert Strategy.REFERENCE not in strategies(without)
    assert len(with_refs) * 3 < len(without)


@pytest.mark.parametrize("threads", [1, 2])
def test_reference_streams_decode_on_every_path(tmp_path, threads):
    blob = encode(VERSIONED)
    assert sigmalang.decompress(blob, threads=threads) == VERSIONED
    decoder = StreamingDecoder(threads)
    pieces = [blob[i : i + 777] for i in range(0, len(blob), 777)]
    assert b"".join(b"".join(decoder.feed(p)) for p in pieces) + b"".join(decoder.flush()) == VERSIONED
    (tmp_path / "v.sgl").write_bytes(blob)
    StreamingDecoder(threads).decode_file(tmp_path / "v.sgl", tmp_path / "v.out")  # positional writer
    assert (tmp_path / "v.out").read_bytes() == VERSIONED
    with sigmalang.open(tmp_path / "v.sgl") as f:
        f.seek(len(VERSIONED) - 12_345)
        assert f.read() == VERSIONED[-12_345:]
        f.seek(1000)
        assert f.read(5000) == VERSIONED[1000:6000]


def test_concatenated_reference_streams_keep_separate_histories():
    blob = encode(VERSIONED) + encode(VERSIONED[::-1])
    assert sigmalang.decompress(blob) == VERSIONED + VERSIONED[::-1]
    decoder = StreamingDecoder(2)
    assert b"".join(decoder.feed(blob)) + b"".join(decoder.flush()) == VERSIONED + VERSIONED[::-1]


def test_header_declares_the_window_and_none_with_references_off():
    parser = GlyphParser()
    parser.push(encode(VERSIONED, reference_window=1 << 20))
    assert next(e for e in parser.events() if isinstance(e, StreamStart)).window == 1 << 20
    assert encode(VERSIONED)[5] == 27  # references: 128 MiB, whatever the input size
    assert sigmalang.compress(TEXT[:50_000], chunk_size=20_000)[5] == 27  # on by default
    assert sigmalang.compress(TEXT[:50_000], chunk_size=20_000, references=False)[5] == 24  # two 8 MiB segments
    assert encode(VERSIONED, reference_window=0)[5] == 0


def test_a_changed_window_in_the_header_fails_the_end_checksum():
    blob = bytearray(sigmalang.compress(TEXT[:50_000]))
    blob[5] = 26 if blob[5] != 26 else 25
    with pytest.raises(FormatError, match="END checksum"):
        sigmalang.decompress(bytes(blob))


def test_a_window_beyond_the_decoder_limit_is_refused_before_decoding():
    blob = encode(VERSIONED, reference_window=1 << 22)
    with pytest.raises(sigmalang.LimitError) as info:
        StreamingDecoder(1, limits=Limits(max_window=1 << 21)).decompress(blob)
    assert info.value.offset == 5


@pytest.mark.parametrize("window_log", [1, 19, 41, 255])
def test_an_invalid_window_in_the_header_is_a_format_error(window_log):
    blob = bytearray(encode(VERSIONED))
    blob[5] = window_log
    with pytest.raises(FormatError) as info:
        sigmalang.decompress(bytes(blob))
    assert info.value.offset == 5


def test_a_reference_chunk_in_a_stream_without_a_window_is_rejected():
    blob = bytearray(encode(VERSIONED))
    blob[5] = 0
    with pytest.raises(FormatError, match="no reference window"):
        sigmalang.decompress(bytes(blob))


def test_references_do_not_depend_on_the_thread_count():
    one = io.BytesIO()
    StreamingEncoder(threads=1, chunk_size=100_000, segment_size=300_000, references=True).encode_stream(io.BytesIO(VERSIONED), one)
    assert one.getvalue() == encode(VERSIONED)


def test_least_loaded_lanes_do_not_change_the_output():
    from sigmalang.stream.pipeline import OrderedPipeline

    pipeline = OrderedPipeline(lambda x: x, 3)
    try:
        assert pipeline.least_loaded_lane() == 0
    finally:
        pipeline.close()
    three = io.BytesIO()
    StreamingEncoder(threads=3, chunk_size=100_000, segment_size=300_000, references=True).encode_stream(io.BytesIO(VERSIONED), three)
    assert three.getvalue() == encode(VERSIONED)


# -- the INDEX's list of referenced chunks --------------------------------------------
def _stream_index(blob: bytes):
    from sigmalang.format.index import read_file_index

    index = read_file_index(io.BytesIO(blob), Limits())
    return index


def test_index_lists_exactly_the_chunks_that_copies_read():
    from sigmalang.codecs.reference import split as split_chunk

    blob = encode(VERSIONED)
    chunks = chunk_glyphs(blob)
    starts = [sum(c.raw_length for c in chunks[:i]) for i in range(len(chunks))]
    read = set()
    for chunk, start in zip(chunks, starts):
        if chunk.strategy == Strategy.REFERENCE:
            for copy in split_chunk(chunk.params, chunk.data, chunk.raw_length).copies:
                source = start + copy.start - copy.distance
                read |= {i for i, s in enumerate(starts) if s < source + copy.length and source < s + chunks[i].raw_length}
    assert read
    assert _stream_index(blob).stream_referenced == {0: True}
    assert sorted(read) == _index_payload_referenced(blob)


def _index_payload_referenced(blob: bytes) -> list[int]:
    from sigmalang.format.constants import END_STRUCT
    from sigmalang.format.index import parse_index_payload
    from sigmalang.format.varint import decode_uleb128

    index_offset = END_STRUCT.unpack(blob[-44:])[3]
    length, start = decode_uleb128(blob, index_offset + 1)
    return parse_index_payload(blob[start : start + length]).referenced


@pytest.fixture
def rings_made(monkeypatch) -> list[int]:
    """The windows of the history rings decoders create during a test."""
    from sigmalang.stream import sinks as sinks_module

    made: list[int] = []

    class CountingRing(HistoryRing):
        def __init__(self, window: int, start: int = 0) -> None:
            made.append(window)
            super().__init__(window, start)

    monkeypatch.setattr(sinks_module, "HistoryRing", CountingRing)
    return made


def test_streaming_decoder_keeps_history_only_for_streams_whose_chunks_are_referenced(tmp_path, rings_made):
    made = rings_made
    plain = encode(TEXT)  # declares a window; nothing in it repeats from an earlier segment
    with_copies = encode(VERSIONED)
    (tmp_path / "f.sgl").write_bytes(plain + with_copies)
    out = io.BytesIO()
    with open(tmp_path / "f.sgl", "rb") as src:
        StreamingDecoder(2).decode_stream(src, out)  # seekable: the INDEX glyphs are read first
    assert out.getvalue() == TEXT + VERSIONED
    assert len(made) == 1  # only the second stream
    made.clear()
    out = io.BytesIO()
    StreamingDecoder(2).decode_stream(_Pipe(plain + with_copies), out)
    assert out.getvalue() == TEXT + VERSIONED and len(made) == 2  # a pipe: every stream with a window


class _Pipe(io.RawIOBase):
    """A readable, non-seekable stream."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        return self._data.readinto(b)


@pytest.mark.parametrize(
    "tail, message",
    [(b"\x05\x00", "referenced chunks of"), (b"\x02\x00\x00", "twice"), (b"\x01\x07", "names referenced chunk")],
)
def test_index_with_a_bad_referenced_list_is_rejected(tail, message):
    from sigmalang.format.index import parse_index_payload

    payload = b"\x02\x06\x08\x06\x08\x00"  # two chunks, no dictionaries
    assert parse_index_payload(payload + b"\x00").referenced == []
    with pytest.raises(FormatError, match=message):
        parse_index_payload(payload + tail)


def test_streams_without_referenced_chunks_keep_seeking_by_segment():
    plain = encode(TEXT, references=False)  # declares a window (for priming), references nothing
    assert plain[5] != 0
    index = _stream_index(plain)
    assert len(index.points) > 1 and index.points[1].chunk_offset > 6  # a segment start, not the header
    referenced = _stream_index(encode(VERSIONED))
    # Every version copies the one before it: reaching any segment but the first
    # version's means decoding from the header (its DEPENDS glyph says so).
    assert referenced.points[0].chunk_offset == 0 and len(referenced.points) > 1
    assert {p.chunk_offset for p in referenced.points[3:]} == {0}


def test_file_objects_keep_history_only_for_streams_that_need_it(tmp_path, rings_made):
    made = rings_made
    (tmp_path / "f.sgl").write_bytes(encode(TEXT) + encode(VERSIONED))
    with sigmalang.open(tmp_path / "f.sgl") as f:
        assert f.read() == TEXT + VERSIONED
    assert len(made) == 1


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_any_flipped_byte_of_a_stream_with_copies_and_primes_is_detected(data):
    blob = _FLIP_SAMPLE
    position = data.draw(st.integers(0, len(blob) - 1))
    corrupt = bytearray(blob)
    corrupt[position] ^= data.draw(st.integers(1, 255))
    with pytest.raises(FormatError) as info:
        sigmalang.decompress(bytes(corrupt))
    assert info.value.offset is not None


# Small but with REFERENCE chunks, PRIMED segments and a referenced list in the INDEX.
_FLIP_SAMPLE = StreamingEncoder(threads=1, chunk_size=16_384, segment_size=32_768, references=True).compress(
    versions(TEXT[:40_000], 3) + corpus.ndjson(120_000)
)


def test_compress_takes_the_references_switch():
    text = versions(TEXT[:300_000], 40)  # 12 MB: more than one 8 MiB segment
    binary = versions(corpus.binary_blob(300_000), 40)

    def copies(data: bytes, level: int = 3, **kw) -> bool:
        blob = sigmalang.compress(data, level, chunk_size=1 << 20, **kw)
        assert sigmalang.decompress(blob) == data
        return Strategy.REFERENCE in strategies(blob)

    # Every chunk is looked up by default, at every level; False: none.
    assert copies(text) and copies(text, 1) and copies(text, references=True)
    assert copies(binary) and copies(binary, 9)
    assert not copies(text, references=False) and not copies(binary, 9, references=False)


def test_open_for_writing_takes_the_references_switch(tmp_path):
    data = versions(TEXT[:300_000], 40)  # 12 MB: more than one 8 MiB segment
    for references, expected in ((True, True), (None, True), (False, False)):
        path = tmp_path / f"{references}.sgl"
        with sigmalang.open(path, "wb", chunk_size=1 << 20, references=references) as f:
            f.write(data)
        blob = path.read_bytes()
        assert (Strategy.REFERENCE in strategies(blob)) is expected
        with sigmalang.open(path) as f:
            assert f.read() == data


def test_touch_pages_maps_every_page_of_a_fresh_buffer():
    import mmap
    import resource

    from sigmalang.buffers import touch_pages

    size = 16 << 20
    fresh = mmap.mmap(-1, size)  # anonymous: no page mapped until written
    if hasattr(mmap, "MADV_NOHUGEPAGE"):
        fresh.madvise(mmap.MADV_NOHUGEPAGE)  # 4 KiB pages, whatever the system's default
    view = memoryview(fresh)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    touch_pages(view)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before >= size // mmap.PAGESIZE // 2
    assert not any(view[:: mmap.PAGESIZE])
    view.release()
    fresh.close()


def test_huge_page_range_is_the_whole_huge_pages_inside_a_buffer():
    from sigmalang.buffers import HUGE_PAGE, huge_page_range

    assert huge_page_range(HUGE_PAGE, 3 * HUGE_PAGE) == (HUGE_PAGE, 3 * HUGE_PAGE)
    assert huge_page_range(HUGE_PAGE + 4096, 3 * HUGE_PAGE) == (2 * HUGE_PAGE, 2 * HUGE_PAGE)
    assert huge_page_range(4096, HUGE_PAGE) is None  # no whole huge page inside


def test_large_outputs_are_mapped_in_huge_pages_where_linux_offers_them():
    import pathlib

    from sigmalang.buffers import uninitialised_bytes

    setting = pathlib.Path("/sys/kernel/mm/transparent_hugepage/enabled")
    if not setting.exists() or "[never]" in setting.read_text():
        pytest.skip("no transparent huge pages here")
    result, view = uninitialised_bytes(64 << 20)
    view[:] = b"\x01" * len(view)
    smaps = pathlib.Path("/proc/self/smaps_rollup").read_text()
    huge_kib = int(next(line.split()[1] for line in smaps.splitlines() if line.startswith("AnonHugePages:")))
    assert huge_kib >= 32 << 10  # at least half of the buffer
    assert result[-1] == 1
