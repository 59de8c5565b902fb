"""Segments: chunks sharing one zstd frame, decoded in order, seekable at segment starts."""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sigmalang
from sigmalang import FormatError, StreamingDecoder, StreamingEncoder, corpus
from sigmalang.format.constants import CHUNK_CONTINUES, CHUNK_SHARED
from sigmalang.format.inspect import chunk_glyphs, inspect_stream

TEXT = corpus.log_text(600_000)


chunks_of = chunk_glyphs


def encode(data: bytes, chunk_size: int, segment_size: int, threads: int = 2, **kw) -> bytes:
    out = io.BytesIO()
    StreamingEncoder(threads=threads, chunk_size=chunk_size, segment_size=segment_size, **kw).encode_stream(io.BytesIO(data), out)
    return out.getvalue()


def test_chunks_of_a_segment_continue_it_and_share_its_frame():
    chunks = chunks_of(encode(TEXT, 50_000, 200_000))
    assert [bool(c.flags & CHUNK_CONTINUES) for c in chunks[:5]] == [False, True, True, True, False]
    assert all(c.flags & CHUNK_SHARED for c in chunks)


def test_sharing_a_frame_beats_independent_chunks_on_repeated_content():
    repeated = TEXT[:100_000] * 6
    alone = len(encode(repeated, 50_000, 50_000, reference_window=0))  # no copies from earlier segments
    shared = len(encode(repeated, 50_000, 600_000, reference_window=0))
    assert shared * 3 < alone


def test_a_frame_keeps_the_level_its_first_chunk_chose():
    from sigmalang.codecs.context import EncodeContext

    context = EncodeContext(1 << 20, long_distance=False)
    assert not context.started
    context.compress(corpus.csv_table(100_000), 1)
    context.compress(TEXT[:100_000], 3)  # a frame has one level: the later chunk follows it
    assert context.started and context.level == 1


def test_a_segment_opening_on_a_table_of_numbers_round_trips_at_the_faster_level():
    data = corpus.csv_table(200_000) + TEXT[:200_000]
    blob = encode(data, 100_000, 400_000)
    assert sigmalang.decompress(blob) == data
    assert len(blob) < len(encode(data, 100_000, 400_000, adaptive=False))


def test_a_segment_chunk_whose_data_ends_early_is_an_error_not_a_hang():
    from sigmalang.codecs.context import DecodeContext, EncodeContext

    context = EncodeContext(1 << 20, long_distance=False)
    first, second = TEXT[:100_000], TEXT[100_000:200_000]
    parts = [context.compress(first, 3), context.compress(second, 3)]
    decoder = DecodeContext()
    out = bytearray(len(first))
    decoder.decompress_into(parts[0], memoryview(out))
    assert out == first
    with pytest.raises(ValueError, match="expected 100000"):
        decoder.decompress_into(parts[1][: len(parts[1]) // 2], memoryview(bytearray(len(second))))


def test_the_push_decoder_yields_bytes_for_chunks_of_shared_frames():
    blob = encode(TEXT, 50_000, 200_000)
    decoder = StreamingDecoder(2)
    parts = [*decoder.feed(blob), *decoder.flush()]
    assert all(type(part) is bytes for part in parts) and b"".join(parts) == TEXT


def test_segment_size_of_one_chunk_writes_independent_frames():
    chunks = chunks_of(encode(TEXT, 50_000, 50_000))
    assert not any(c.flags & (CHUNK_CONTINUES | CHUNK_SHARED) for c in chunks)


@settings(max_examples=40, deadline=None)
@given(
    st.binary(max_size=4000).map(lambda b: b * 30),
    st.integers(500, 5000),
    st.integers(1, 6),
    st.sampled_from([1, 2, 3]),
    st.booleans(),
)
def test_segmented_streams_round_trip(data, chunk_size, chunks_per_segment, threads, long_distance):
    blob = encode(data, chunk_size, chunk_size * chunks_per_segment, threads, long_distance=long_distance)
    assert sigmalang.decompress(blob, threads=threads) == data
    decoder = StreamingDecoder(threads)
    out = b"".join(decoder.feed(blob[: len(blob) // 2])) + b"".join(decoder.feed(blob[len(blob) // 2 :]))
    assert out + b"".join(decoder.flush()) == data


def test_output_does_not_depend_on_threads_with_segments():
    reference = encode(TEXT, 40_000, 160_000, threads=1)
    assert encode(TEXT, 40_000, 160_000, threads=2) == reference
    assert encode(TEXT, 40_000, 160_000, threads=4) == reference


def test_seek_lands_anywhere_in_a_segmented_stream(tmp_path):
    path = tmp_path / "seg.sgl"
    path.write_bytes(encode(TEXT, 30_000, 120_000))
    with sigmalang.open(path, "rb") as f:
        for position in (0, 29_999, 30_000, 119_999, 120_000, 250_001, 599_999, 77_777, 3):
            f.seek(position)
            assert f.read(50) == TEXT[position : position + 50], position


def test_a_damaged_middle_chunk_of_a_segment_is_reported():
    blob = bytearray(encode(TEXT, 50_000, 200_000))
    middle = chunks_of(bytes(blob))[2]
    blob[middle.offset + 40] ^= 0x55
    with pytest.raises(FormatError) as info:
        sigmalang.decompress(bytes(blob))
    assert info.value.offset == middle.offset


def test_shared_chunk_without_its_segment_start_is_rejected():
    chunks = chunks_of(encode(TEXT, 50_000, 200_000))
    from sigmalang.codecs.chunk import decode_chunk

    with pytest.raises(FormatError, match="shared zstd frame"):
        decode_chunk(chunks[1], None)


def test_info_counts_segmented_chunks():
    info = inspect_stream(io.BytesIO(encode(TEXT, 50_000, 200_000)))
    assert info.chunks == -(-len(TEXT) // 50_000)
    assert info.raw_size == len(TEXT)


def test_small_inputs_are_split_into_at_least_two_segments_by_default():
    from sigmalang.settings import EncoderSettings

    settings = EncoderSettings()
    assert settings.chunks_per_segment(1 << 20, 4 << 20) == 2  # 4 MiB input: two 2 MiB segments
    assert settings.chunks_per_segment(4 << 20, 64 << 20) == 2  # large input: 8 MiB segments
    assert settings.chunks_per_segment(4 << 20, None) == 2  # unknown size: the default
    assert EncoderSettings(segment_size=16 << 20).chunks_per_segment(1 << 20, 4 << 20) == 16
    chunks = chunks_of(sigmalang.compress(TEXT * 8))  # 4.8 MB: 2 MiB chunks, segments of at most 2.4 MB
    assert len(chunks) == 3 and not any(c.continues for c in chunks)
