"""DECIMAL: floats that are decimals as integers, every other float kept bit for bit."""

import numpy as np
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from sigmalang.codecs import decimal
from sigmalang.codecs.delta import DeltaCodec
from sigmalang.codecs.transforms import Transform, apply, transformed_length, undo
from sigmalang.codecs.zstd import ZstdCodec

CODEC = DeltaCodec(ZstdCodec())
DECIMALS = [Transform.DECIMAL, Transform.DECIMAL | Transform.SHUFFLE, Transform.DECIMAL | Transform.DELTA,
            Transform.DECIMAL | Transform.DELTA | Transform.SHUFFLE]
#: Decimals of every precision the transform knows and beyond, and floats that are not decimals at all.
decimal_values = st.builds(lambda n, e: n / 10.0**e, st.integers(-(2**53), 2**53), st.integers(0, 25))
any_floats = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)
values = st.lists(st.one_of(decimal_values, any_floats), max_size=2600)


def _bytes(floats: list[float], width: int, tail: bytes) -> bytes:
    with np.errstate(all="ignore"):
        return np.array(floats, dtype="<f8").astype(f"<f{width}").tobytes() + tail


@settings(max_examples=200, deadline=None)
@given(values, st.sampled_from((4, 8)), st.sampled_from(DECIMALS), st.binary(max_size=7), st.sampled_from((1, 2, 3, 7)))
def test_floats_round_trip_bit_for_bit(floats, width, transform, tail, records):
    data = _bytes(floats, width, tail[: width - 1])
    if records > 1:
        transform |= Transform.RECORDS
    transformed = apply(data, width, transform, records)
    assert len(transformed) == transformed_length(len(data), width, transform)
    assert undo(transformed, width, transform, len(data), records) == data


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), max_size=3000), st.sampled_from(DECIMALS))
def test_nan_payloads_negative_zero_and_every_other_bit_pattern_survive(words, transform):
    specials = [0x8000000000000000, 0x7FF8000000000001, 0xFFF0000000000000, 0x0000000000000001, 0x7FEFFFFFFFFFFFFF]
    data = np.array(words + specials, dtype="<u8").tobytes()
    encoded = CODEC.encode(data, 3, 8, transform)
    assert bytes(CODEC.decode(encoded.params, encoded.data, len(data))) == data


def _unzigzag(slots: np.ndarray) -> np.ndarray:
    return (slots >> np.uint64(1)).astype(np.int64) ^ -(slots & np.uint64(1)).astype(np.int64)


def _decimals(count: int, seed: int = 0) -> np.ndarray:
    steps = np.random.default_rng(seed).integers(-500, 501, count)
    return np.cumsum(steps) / 1000.0


def test_decimals_become_their_integers_without_exceptions():
    floats = np.array([0.1, 2.25, -3.5, 100.0, 0.0, 7.125], dtype="<f8")
    exponents, bitmap, slots = decimal.encode(floats, delta=False)
    assert exponents.tolist() == [3]
    assert not bitmap.any()
    assert _unzigzag(slots).tolist() == [100, 2250, -3500, 100000, 0, 7125]


def test_values_that_are_not_decimals_are_marked_and_kept():
    floats = np.array([0.5, np.pi, -0.0, np.nan, 1.25, np.inf], dtype="<f8")
    exponents, bitmap, slots = decimal.encode(floats.copy(), delta=True)
    exceptions = np.unpackbits(bitmap, count=floats.size, bitorder="little").astype(bool)
    assert exceptions.tolist() == [False, True, True, True, False, True]
    assert slots[exceptions].tolist() == floats.view("<u8")[exceptions].tolist()


def test_each_block_gets_its_own_exponent():
    coarse = np.round(np.linspace(0, 100, decimal.BLOCK), 1)
    fine = np.round(np.linspace(0, 1, decimal.BLOCK), 4)
    exponents, bitmap, _ = decimal.encode(np.concatenate([coarse, fine]), delta=False)
    assert exponents.tolist() == [1, 4] and not bitmap.any()


def test_decimal_floats_compress_far_below_plain_zstd():
    data = _decimals(1 << 17).astype("<f8").tobytes()
    plain = len(zstandard.ZstdCompressor(level=3).compress(data))
    packed = len(CODEC.encode(data, 3, 8, Transform.DECIMAL | Transform.DELTA | Transform.SHUFFLE).data)
    assert packed * 2 < plain


def test_float32_decimals_too():
    data = _decimals(1 << 16).astype("<f4").tobytes()
    plain = len(zstandard.ZstdCompressor(level=3).compress(data))
    packed = len(CODEC.encode(data, 3, 4, Transform.DECIMAL | Transform.DELTA | Transform.SHUFFLE).data)
    assert packed * 1.5 < plain


def test_an_exponent_beyond_the_exact_powers_of_ten_is_rejected():
    data = _decimals(100).astype("<f8").tobytes()
    transformed = bytearray(apply(data, 8, Transform.DECIMAL))
    transformed[0] = decimal.MAX_EXPONENT + 1
    with pytest.raises(ValueError, match="exponent"):
        undo(bytes(transformed), 8, Transform.DECIMAL, len(data))


def test_transformed_bytes_of_the_wrong_length_are_rejected():
    data = _decimals(100).astype("<f8").tobytes()
    transformed = apply(data, 8, Transform.DECIMAL)
    with pytest.raises(ValueError):
        undo(transformed[:-1], 8, Transform.DECIMAL, len(data))


def test_with_differences_exceptions_repeat_the_integer_before_them():
    floats = np.array([np.nan, np.nan, 1.5, np.pi, np.nan, 2.5, np.inf, 2.0], dtype="<f8")
    exponents, bitmap, slots = decimal.encode(floats.copy(), delta=True)
    exceptions = np.unpackbits(bitmap, count=floats.size, bitorder="little").astype(bool)
    assert exponents.tolist() == [1] and exceptions.tolist() == [True, True, False, True, True, False, True, False]
    assert _unzigzag(slots[~exceptions]).tolist() == [15, 10, -5]
    data = floats.tobytes()
    assert undo(apply(data, 8, Transform.DECIMAL | Transform.DELTA), 8, Transform.DECIMAL | Transform.DELTA, len(data)) == data


def test_the_share_of_decimals_tells_prices_from_results_of_arithmetic():
    assert decimal.share(_decimals(20000)) == 1.0
    noisy = np.cumsum(np.random.default_rng(4).normal(0, 1, 20000))
    assert decimal.share(noisy) < 0.3
    assert decimal.share(np.zeros(0)) == 0.0
