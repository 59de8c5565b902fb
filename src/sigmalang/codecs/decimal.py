"""Decimal floats: float32/float64 elements that are decimals, as their integers.

A number typed or measured in decimal (a price, a reading to 0.01, a CSV
column parsed to floats) is stored as the binary float nearest to n / 10**e,
whose mantissa is the binary expansion of a decimal fraction: to a byte-wise
compressor, noise in every byte. The integer n is small and changes slowly,
like a counter. So each block of ``BLOCK`` elements gets the exponent e that
costs a sample of its elements the fewest bits, and every element whose
value is exactly ``n / 10**e`` (computed as the decoder will compute it) is
replaced by n (or by its difference to the element before); the others
(exceptions: full-precision results, NaN, infinities, -0.0) keep their own
bits, marked in a bitmap. The result has a length that follows from the
input's, as a shared zstd frame needs: one byte per block and one bit per
element beyond the input.

Integers are zigzag-coded (0, -1, 1, -2 ... as 0, 1, 2, 3 ...) so that
small negative numbers have zero high bytes as well.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

#: Elements per exponent: one byte per block is nothing beside the data, while
#: columns of different precision laid end to end still get their own.
BLOCK = 1024
#: 10**e is an exact float64 up to e = 22, so n / 10**e is one correctly rounded division.
MAX_EXPONENT = 22
#: Elements of a block tried at every exponent to choose the block's.
SAMPLES = 16

_POWERS = 10.0 ** np.arange(MAX_EXPONENT + 1)
_NONE = np.zeros(0, dtype=np.intp)
FLOAT: dict[int, np.dtype[Any]] = {4: np.dtype("<f4"), 8: np.dtype("<f8")}
INT: dict[int, np.dtype[Any]] = {4: np.dtype("<i4"), 8: np.dtype("<i8")}
UINT: dict[int, np.dtype[Any]] = {4: np.dtype("<u4"), 8: np.dtype("<u8")}
#: Largest |n| + 1: float64(n) must be exact, and for float32 n must fit an int32.
_LIMIT = {4: 2.0**31, 8: 2.0**52}


def header_length(count: int) -> int:
    """Bytes a transform of ``count`` elements adds: exponents, then the exception bitmap."""
    return -(-count // BLOCK) + -(-count // 8)


def _blockwise(op: Callable[..., Any], a: np.ndarray, powers: np.ndarray, out: np.ndarray) -> None:
    """``op(a, 10**e, out=out)`` with each block's own power (no per-element array of powers)."""
    full = a.size - a.size % BLOCK
    blocks = full // BLOCK
    if blocks:
        op(a[:full].reshape(blocks, BLOCK), powers[:blocks, None], out=out[:full].reshape(blocks, BLOCK), casting="unsafe")
    if full < a.size:
        op(a[full:], powers[blocks : blocks + 1], out=out[full:], casting="unsafe")


def _quotients(ints: np.ndarray, powers: np.ndarray, out: np.ndarray, wide: np.ndarray) -> None:
    """n / 10**e into ``out`` as the decoder computes it: a float64 division (into
    ``wide``, which may be ``out`` for float64), rounded to float32 for float32."""
    _blockwise(np.divide, ints, powers, wide)
    if wide is not out:
        np.copyto(out, wide, casting="unsafe")


def _sampled(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ``SAMPLES`` elements spread over each block, at every exponent: whether the
    element round-trips (blocks x samples x exponents), and the bits it would cost:
    its integer's, or the whole width for an exception."""
    width = values.dtype.itemsize
    count = values.size
    starts = np.arange(0, count, BLOCK)
    lengths = np.minimum(BLOCK, count - starts)
    picks = starts[:, None] + (np.arange(SAMPLES)[None, :] * lengths[:, None]) // SAMPLES
    sample = values[picks]
    with np.errstate(all="ignore"):
        scaled = np.rint(sample[:, :, None].astype(np.float64) * _POWERS) + 0.0
        back = (scaled / _POWERS).astype(FLOAT[width])
        ok = (np.abs(scaled) < _LIMIT[width]) & (back.view(UINT[width]) == sample.view(UINT[width])[:, :, None])
        bits = np.where(ok, np.frexp(scaled)[1] + 1, width * 8 + 1)
    return ok, bits


def choose_exponents(values: np.ndarray) -> np.ndarray:
    """Per block, the exponent that costs its sampled elements the fewest bits. (Most
    round-trips alone would pick 15 or 16 for a block of full-precision floats, where
    pi is 3141592653589793 / 10**15, and give every decimal of the block 50 bits.)"""
    return np.argmin(_sampled(values)[1].sum(axis=1), axis=1).astype(np.uint8)


def share(values: np.ndarray) -> float:
    """The share of sampled elements that are decimals at their block's exponent: near 1
    for prices or readings to fixed digits, low for results of arithmetic."""
    if not values.size:
        return 0.0
    ok, bits = _sampled(values)
    chosen = np.argmin(bits.sum(axis=1), axis=1)
    return float(np.take_along_axis(ok, chosen[:, None, None], axis=2).mean())


def _repeat_previous(ints: np.ndarray, where: np.ndarray) -> None:
    """Give the elements at ``where`` (sorted) the integer of the last element before
    them that is not among them (0 at the start): an exception's difference is then 0.
    Works on the exceptions alone, which are few wherever DECIMAL pays."""
    if not where.size:
        return
    starts = np.ones(where.size, dtype=bool)
    np.not_equal(where[1:] - where[:-1], 1, out=starts[1:])
    first = where[np.maximum.accumulate(np.where(starts, np.arange(where.size), 0))]
    ints[where] = np.where(first > 0, ints[np.maximum(first - 1, 0)], 0)


def encode(values: np.ndarray, delta: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(exponents, exception bitmap, slots) of little-endian float ``values``: a slot
    holds zigzag(n) (or of n minus the previous element's n, an exception counting
    as repeating it) or, for an exception, the element's own bits.

    Works in two float64-sized buffers, whatever the width, reused from step to step."""
    width, count = values.dtype.itemsize, values.size
    bits = values.view(UINT[width])
    exponents = choose_exponents(values)
    powers = _POWERS[exponents]
    scaled, spare = np.empty(count, FLOAT[8]), np.empty(count, FLOAT[8])
    with np.errstate(all="ignore"):
        _blockwise(np.multiply, values, powers, scaled)
        np.rint(scaled, out=scaled)
        np.add(scaled, 0.0, out=scaled)  # -0.0 -> 0.0: the integer 0 decodes to +0.0
        quotients = spare.view(FLOAT[width])[:count]
        _quotients(scaled, powers, quotients, spare)
        exact = quotients.view(UINT[width]) == bits
        exact &= np.abs(scaled, out=spare) < _LIMIT[width]
    exceptions = np.logical_not(exact, out=exact)
    where = np.flatnonzero(exceptions)  # few wherever DECIMAL pays: index them, not mask all
    scaled[where] = 0
    ints = spare.view(INT[width])[:count]
    np.copyto(ints, scaled, casting="unsafe")
    if delta:
        _repeat_previous(ints, where)
        diffs = scaled.view(INT[width])[:count]
        diffs[:1] = ints[:1]
        np.subtract(ints[1:], ints[:-1], out=diffs[1:])
        ints, sign = diffs, ints
    else:
        sign = scaled.view(INT[width])[:count]
    np.right_shift(ints, width * 8 - 1, out=sign)
    np.left_shift(ints, 1, out=ints)
    np.bitwise_xor(ints, sign, out=ints)
    slots = ints.view(UINT[width])
    slots[where] = bits[where]
    return exponents, np.packbits(exceptions, bitorder="little"), slots


def decode(exponents: np.ndarray, bitmap: np.ndarray, slots: np.ndarray, delta: bool) -> None:
    """Turn ``slots`` (little-endian unsigned, as ``encode`` made them) back into the
    float elements, in place."""
    width = slots.dtype.itemsize
    if exponents.size and int(exponents.max()) > MAX_EXPONENT:
        raise ValueError(f"decimal exponent {int(exponents.max())} is above {MAX_EXPONENT}")
    # Exceptions are few wherever DECIMAL pays, often none: index them, not mask every element.
    where = np.flatnonzero(np.unpackbits(bitmap, count=slots.size, bitorder="little")) if bitmap.any() else _NONE
    kept = slots[where]
    ints = slots.view(INT[width])
    sign = np.bitwise_and(ints, 1)
    np.negative(sign, out=sign)
    np.right_shift(slots, 1, out=slots)
    np.bitwise_xor(ints, sign, out=ints)
    del sign
    if delta:
        ints[where] = 0
        np.cumsum(ints, out=ints)
    floats = slots.view(FLOAT[width])
    _quotients(ints, _POWERS[exponents], floats, floats if width == 8 else np.empty(slots.size, FLOAT[8]))
    slots[where] = kept
