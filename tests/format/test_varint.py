import pytest
from hypothesis import given
from hypothesis import strategies as st

from sigmalang.format.varint import VarintIncomplete, VarintTooLong, decode_uleb128, encode_uleb128


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_uleb128_round_trips_every_u64(value):
    encoded = encode_uleb128(value)
    assert decode_uleb128(encoded, 0) == (value, len(encoded))


@given(st.integers(min_value=0, max_value=2**64 - 1), st.binary(max_size=8))
def test_uleb128_decodes_at_an_offset_and_reports_next_position(value, prefix):
    buf = prefix + encode_uleb128(value) + b"\xff"
    assert decode_uleb128(buf, len(prefix)) == (value, len(buf) - 1)


def test_uleb128_known_encodings():
    assert encode_uleb128(0) == b"\x00"
    assert encode_uleb128(127) == b"\x7f"
    assert encode_uleb128(128) == b"\x80\x01"
    assert encode_uleb128(624485) == b"\xe5\x8e\x26"


def test_uleb128_rejects_negative_values():
    with pytest.raises(ValueError):
        encode_uleb128(-1)


def test_uleb128_incomplete_when_buffer_ends_inside_the_number():
    with pytest.raises(VarintIncomplete):
        decode_uleb128(b"\x80\x80", 0)


def test_uleb128_too_long_past_the_byte_limit():
    with pytest.raises(VarintTooLong):
        decode_uleb128(b"\x80\x80\x80\x80\x80\x01", 0, max_bytes=5)
