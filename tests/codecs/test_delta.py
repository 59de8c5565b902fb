"""DELTA and its transforms: lossless for any bytes, any width, any length."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigmalang import FormatError, Strategy, corpus
from sigmalang.codecs import transforms
from sigmalang.codecs.delta import DeltaCodec
from sigmalang.codecs.transforms import VALID_TRANSFORMS, Transform, apply, transformed_length, undo, valid
from sigmalang.codecs.zstd import ZstdCodec

CODEC = DeltaCodec(ZstdCodec())
#: Every (width, transform, record length) the format allows (records up to 40 elements).
choices = st.sampled_from([(w, t) for w in transforms.WIDTHS for t in VALID_TRANSFORMS if valid(w, t, 2 if t & Transform.RECORDS else 1)]).flatmap(
    lambda wt: st.tuples(st.just(wt[0]), st.just(wt[1]), st.integers(2, 40) if wt[1] & Transform.RECORDS else st.just(1))
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000), choices)
def test_transforms_round_trip_any_bytes(data, choice):
    width, transform, records = choice
    transformed = apply(data, width, transform, records)
    assert len(transformed) == transformed_length(len(data), width, transform)
    assert bytes(undo(transformed, width, transform, len(data), records)) == data


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=3000), choices, st.integers(1, 19))
def test_delta_codec_round_trips_with_tails_of_any_length(data, choice, level):
    width, transform, records = choice
    encoded = CODEC.encode(data, level, width, transform, records=records)
    assert encoded.strategy is Strategy.DELTA
    assert encoded.params == bytes((width, int(transform))) + (bytes((records,)) if records > 1 else b"")
    assert bytes(CODEC.decode(encoded.params, encoded.data, len(data))) == data
    out = bytearray(len(data))
    CODEC.decode_into(encoded.params, encoded.data, memoryview(out))
    assert bytes(out) == data


def test_records_are_regrouped_column_by_column_before_the_other_steps():
    rows = np.array([[1, 100], [2, 200], [3, 300], [9, 9]], dtype="<u4")
    data = rows[:3].tobytes() + rows[3, :1].tobytes() + b"xy"  # three rows, one element more, a tail
    assert np.frombuffer(apply(data, 4, Transform.RECORDS, 2)[:-2], "<u4").tolist() == [1, 2, 3, 100, 200, 300, 9]
    steps = np.frombuffer(apply(data, 4, Transform.RECORDS | Transform.DELTA, 2)[:-2], "<u4").tolist()
    assert steps[:6] == [1, 1, 1, 97, 100, 100]


def test_delta_of_counters_is_their_steps():
    values = np.array([10, 13, 13, 20], dtype="<u4")
    steps = np.frombuffer(apply(values.tobytes(), 4, Transform.DELTA), dtype="<u4")
    assert steps.tolist() == [10, 3, 0, 7]


def test_delta_wraps_around_instead_of_overflowing():
    values = np.array([2**32 - 1, 0, 5], dtype="<u4").tobytes()
    assert undo(apply(values, 4, Transform.DELTA), 4, Transform.DELTA) == values


def test_shuffle_groups_bytes_by_position():
    assert apply(b"abcdABCDx", 2, Transform.SHUFFLE) == b"acACbdBDx"  # the odd tail byte stays last
    assert undo(b"acACbdBDx", 2, Transform.SHUFFLE) == b"abcdABCDx"


def test_delta_and_shuffle_shrink_integer_counters_far_below_plain_zstd():
    data = corpus.int_counters(1 << 20)
    plain = len(ZstdCodec().encode(data, 3).data)
    shuffled = len(CODEC.encode(data, 3, 4, Transform.DELTA | Transform.SHUFFLE).data)
    assert shuffled * 2 < plain


@pytest.mark.parametrize(
    "params",
    [b"", b"\x03\x05", b"\x04\x03", b"\x04\x00", b"\x04\x05\x00", b"\x02\x08", b"\x01\x0c", b"\x08\x0a", b"\x08\x20",
     b"\x08\x10", b"\x08\x10\x01", b"\x08\x14\x00", b"\x08\x14\x05\x00", b"\x08\x1a\x03"],
)
def test_bad_parameters_are_rejected(params):
    with pytest.raises(ValueError):
        CODEC.parse_params(params)


def test_encode_rejects_invalid_choices():
    with pytest.raises(ValueError):
        CODEC.encode(b"abcd", 3, 3, Transform.SHUFFLE)


def test_corrupt_delta_parameters_in_a_stream_raise_format_error():
    import sigmalang
    from sigmalang.format.parser import ChunkGlyph, GlyphParser
    from sigmalang.format.varint import decode_uleb128

    blob = bytearray(sigmalang.compress(corpus.int_counters(200_000)))
    parser = GlyphParser()
    parser.push(bytes(blob))
    chunk = next(e for e in parser.events() if isinstance(e, ChunkGlyph))
    assert chunk.strategy == Strategy.DELTA
    # type, LEB128 length, then flags, strategy, params length, params.
    _, payload_at = decode_uleb128(blob, chunk.offset + 1)
    params_at = payload_at + 3
    assert blob[params_at : params_at + 2] == chunk.params
    blob[params_at] = 3  # width 3 is not allowed
    with pytest.raises(FormatError):
        sigmalang.decompress(bytes(blob))


@settings(max_examples=50, deadline=None)
@given(st.sampled_from([2, 4, 8]), st.integers(0, 3000))
def test_byte_planes_are_those_of_the_transposed_elements(width, count):
    from sigmalang.codecs.transforms import shuffle_into, unshuffle_into

    src = np.random.default_rng(count).integers(0, 256, size=count * width, dtype=np.uint8)
    planes, back = np.empty_like(src), np.empty_like(src)
    shuffle_into(planes, src, width)
    assert planes.tobytes() == src.reshape(-1, width).T.tobytes()  # the format's definition
    unshuffle_into(back, planes, width)
    assert back.tobytes() == src.tobytes()


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(transforms.WIDTHS), st.integers(0, 200), st.data())
def test_the_native_shuffles_match_numpy(width, elements, data):
    # Lengths on both sides of the 16-element SIMD blocks, including their tails.
    if transforms._native_shuffle is None:
        pytest.skip("needs the native module")
    raw = np.frombuffer(data.draw(st.binary(min_size=elements * width, max_size=elements * width)), dtype=np.uint8)
    expected = np.empty_like(raw)
    planes = expected.reshape(width, -1)
    for k in range(width):  # numpy's plane at a time: the fallback's way
        planes[k] = raw.reshape(-1, width)[:, k]
    shuffled, back = np.empty_like(raw), np.empty_like(raw)
    transforms._native_shuffle.shuffle(shuffled, raw, width)
    transforms._native_shuffle.unshuffle(back, shuffled, width)
    assert shuffled.tobytes() == expected.tobytes()
    assert back.tobytes() == raw.tobytes()


def test_shuffles_without_the_native_module_give_the_same_bytes(monkeypatch):
    data = corpus.float_series(1 << 16) + b"xyz"
    transform = Transform.DELTA | Transform.SHUFFLE
    native = bytes(apply(data, 8, transform))
    monkeypatch.setattr(transforms, "_native_shuffle", None)
    assert bytes(apply(data, 8, transform)) == native
    assert undo(native, 8, transform) == data


@pytest.mark.skipif(transforms._native_shuffle is None, reason="needs the native module")
def test_the_native_unshuffle_refuses_mismatched_buffers():
    with pytest.raises(ValueError, match="multiple of the width"):
        transforms._native_shuffle.unshuffle(bytearray(8), bytes(7), 2)
    with pytest.raises(ValueError, match="multiple of the width"):
        transforms._native_shuffle.shuffle(bytearray(9), bytes(9), 2)
    with pytest.raises(TypeError):
        transforms._native_shuffle.unshuffle(bytes(8), bytes(8), 2)  # read-only destination
